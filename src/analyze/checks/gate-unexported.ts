/** Issue 9: a gate into a function its library defines but does not export (rewrite accepted it silently). */
import { gateCheck } from './gate-check.js';

export const gateUnexported = gateCheck({
  code: 'gate-unexported',
  severity: 'error',
  summary: 'gate into a function its library does not export',
  origin: 'issue 9',
  deploymentDependent: false,
  gate(g, t, _ctx, report) {
    if (t.calleeLibrary === null || t.exported || t.named?.absent || (t.named !== null && t.named.name !== t.calleeLibrary)) return;
    report(g.file, g.site.calleeSpan, `${g.site.callee}() is defined in ${t.calleeLibrary}, which does not export it (exportsyms.uk); add it there or call an exported function instead`);
  },
});
