/** SPEC §7: `flexos_gate` yields no value, and both gates are statements. */
import { gateCheck } from './gate-check.js';

export const gateResultNeeded = gateCheck({
  code: 'gate-result-needed',
  severity: 'error',
  summary: 'flexos_gate used for its value, or a gate that is not a statement',
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, _t, _ctx, report) {
    if (g.site.isStatement || g.site.inFunction === null) return;
    const site = g.site;
    report(
      g.file,
      { start: site.span.start, end: site.span.start + (site.kind === 'gate' ? 'flexos_gate'.length : 'flexos_gate_r'.length) },
      site.kind === 'gate'
        ? `the result of flexos_gate is used, but it yields none; write flexos_gate_r(${site.library}, <variable>, ${site.callee}, …) as a statement and use the variable`
        : `flexos_gate_r is a statement (it assigns its second argument); move it out of this expression and use ${site.ret ?? 'its variable'} there`,
    );
  },
});
