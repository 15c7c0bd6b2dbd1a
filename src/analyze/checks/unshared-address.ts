/** SPEC §7: the address of a local or global that is not whitelisted, passed to another compartment. */
import { positionOf } from '../facts.js';
import { isShared } from './context.js';
import { addressCrossings } from './crossings.js';
import { whitelistEdit } from './fixes.js';
import type { Check } from './model.js';

export const unsharedAddress: Check = {
  code: 'unshared-address',
  severity: 'error',
  summary: 'address of a non-whitelisted local or global passed to another compartment',
  origin: 'SPEC §7',
  deploymentDependent: true,
  run(ctx, report) {
    for (const { arg: a, target, gate } of addressCrossings(ctx)) {
      if (!ctx.inScope(a.file)) continue;
      const facts = ctx.facts(a.file);
      const found = ctx.variableAt(facts, a.name, a.binding === 'local' ? 'local' : 'global', a.arg.span.start);
      if (!found || isShared(found.variable)) continue;
      if (a.binding === 'global') {
        // another library's global: its owner decides (foreign-global reports the use)
        const owner = ctx.index.file(found.file)?.library ?? null;
        if (owner !== facts.library) continue;
      }
      const v = found.variable;
      const edit = whitelistEdit(ctx, found.file, v);
      const declared = found.file === a.file ? `line ${positionOf(facts, v.nameSpan.start).line}` : `${found.file}:${positionOf(ctx.facts(found.file), v.nameSpan.start).line}`;
      report(
        a.file,
        a.arg.span,
        `${a.binding === 'local' ? 'local' : 'global'} '${a.name}' (declared at ${declared}) is private to ${ctx.where(facts.library!)}, but its address goes to ${a.callee}() in ${ctx.where(target)}${gate ? ' through a gate' : ''}; the callee cannot touch it — add __attribute__((flexos_whitelist)) to its declaration`,
        edit ? [{ title: `Whitelist '${a.name}'`, edits: [edit] }] : [],
      );
    }
  },
};
