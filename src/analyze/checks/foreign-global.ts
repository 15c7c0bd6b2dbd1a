/**
 * SPEC §7 and issue 9: a library reading or writing another library's private global by name
 * (directly, or through a static inline of the owner's headers that runs in the caller's code).
 */
import { positionOf } from '../facts.js';
import { isShared } from './context.js';
import { whitelistEdit } from './fixes.js';
import type { Check } from './model.js';

const VERB = { read: 'reads', write: 'writes', address: 'takes the address of' } as const;

export const foreignGlobal: Check = {
  code: 'foreign-global',
  severity: 'error',
  summary: "another library's private (non-whitelisted) global read or written by name",
  origin: 'SPEC §7',
  deploymentDependent: true,
  run(ctx, report) {
    for (const u of ctx.analysis.globalUses) {
      const file = u.via ? u.via.callFile : u.file;
      if (!ctx.inScope(file) || isShared(u.variable) || !ctx.crosses(u.userLibrary, u.ownerLibrary)) continue;
      // an inline that needs a gate runs in its owner's domain once gated: ungated-call reports it
      if (u.via?.callNeedsGate) continue;
      const defined = `${u.ownerFile}:${positionOf(ctx.facts(u.ownerFile), u.variable.nameSpan.start).line}`;
      const edit = whitelistEdit(ctx, u.ownerFile, u.variable);
      const fixes = edit ? [{ title: `Whitelist '${u.variable.name}' in ${u.ownerFile}`, edits: [edit] }] : [];
      const what = `${ctx.where(u.ownerLibrary)}'s private global '${u.variable.name}' (defined at ${defined})`;
      if (u.via) {
        report(file, u.via.callSpan, `${u.via.function}(), a static inline of ${u.file}, ${VERB[u.use.access]} ${what}, and runs here in ${ctx.where(u.userLibrary)}; whitelist the global or make ${u.via.function}() call into ${u.ownerLibrary} through a gate`, fixes);
      } else {
        report(file, u.use.span, `${ctx.where(u.userLibrary)} ${VERB[u.use.access]} ${what}; it faults under isolation — whitelist it (__attribute__((flexos_whitelist))) or go through a function of ${u.ownerLibrary}`, fixes);
      }
    }
  },
};
