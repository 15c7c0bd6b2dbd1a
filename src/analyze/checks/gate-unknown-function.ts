/** SPEC §7: a gate on a symbol that no library of the tree defines. */
import { gateCheck } from './gate-check.js';

export const gateUnknownFunction = gateCheck({
  code: 'gate-unknown-function',
  severity: 'warning',
  summary: 'gate on a function no file of the tree defines (as a function, static inline or macro)',
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, t, ctx, report) {
    if (g.site.callee === '' || t.definers.length > 0 || t.rootInline || t.named?.absent) return;
    const local = ctx.facts(g.file).functions.some((f) => f.name === g.site.callee && f.linkage === 'static');
    report(
      g.file,
      g.site.calleeSpan,
      local
        ? `${g.site.callee}() is a static function of this file; it never crosses a boundary — call it directly`
        : `no file of the tree defines ${g.site.callee}() (as a function, static inline or macro); check the name, or name the library's directory under the configuration's libraries:`,
    );
  },
});
