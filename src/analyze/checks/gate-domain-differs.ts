/**
 * SPEC §7: a gate naming a library that is not the callee's owner. A gate names the domain the
 * call runs in (FlexOS's semantics), so this is a warning with the fix, as `rewrite` says it.
 */
import { gateName } from './context.js';
import { gateCheck } from './gate-check.js';

export const gateDomainDiffers = gateCheck({
  code: 'gate-domain-differs',
  severity: 'warning',
  summary: "gate names a library that does not define the callee (wrong library, or a deliberate other domain)",
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, t, ctx, report) {
    if (t.named === null || t.named.absent || t.definers.length === 0 || t.definers.includes(t.named.name)) return;
    const right = gateName(t.definers[0]!);
    report(
      g.file,
      g.site.librarySpan,
      `gate runs ${g.site.callee}() in ${t.named.name}'s domain, but it is defined in ${t.definers.join(', ')}; name ${right} unless the call must run in ${t.named.name}`,
      t.definers.length === 1 ? [{ title: `Name ${right}`, edits: [{ file: g.file, start: g.site.librarySpan.start, end: g.site.librarySpan.end, newText: right }] }] : [],
    );
  },
});
