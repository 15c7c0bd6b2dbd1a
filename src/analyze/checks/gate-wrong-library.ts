/** SPEC §7: a gate naming a library that is not the callee's owner. */
import { gateName } from './context.js';
import type { Check } from './model.js';

export const gateWrongLibrary: Check = {
  code: 'gate-wrong-library',
  severity: 'error',
  summary: "gate names a library that does not define the callee",
  origin: 'SPEC §7',
  deploymentDependent: false,
  run(ctx, report) {
    for (const g of ctx.analysis.gates) {
      if (!ctx.inScope(g.file)) continue;
      const t = ctx.gateTarget(g);
      if (t.named === null || t.definers.length === 0 || t.definers.includes(t.named.name)) continue;
      const right = t.definers.length === 1 ? gateName(t.definers[0]!) : null;
      report(
        g.file,
        g.site.librarySpan,
        `gate names ${t.named.name}, but ${g.site.callee}() is defined in ${t.definers.join(', ')}; ${right ? `write ${right}` : 'name the library whose function is meant'}`,
        right ? [{ title: `Name ${right}`, edits: [{ file: g.file, start: g.site.librarySpan.start, end: g.site.librarySpan.end, newText: right }] }] : [],
      );
    }
  },
};
