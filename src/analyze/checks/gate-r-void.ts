/** SPEC §7: `flexos_gate_r` on a function that returns nothing. */
import { gateCheck } from './gate-check.js';

export const gateRVoid = gateCheck({
  code: 'gate-r-void',
  severity: 'error',
  summary: 'flexos_gate_r on a void function',
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, t, ctx, report) {
    if (g.site.kind !== 'gate_r') return;
    const sig = ctx.signature(g.site.callee, t.calleeLibrary);
    if (!sig || !sig.returnsVoid) return;
    const site = g.site;
    const fix =
      site.retSpan && site.isStatement
        ? [
            {
              title: 'Use flexos_gate (no result)',
              edits: [
                { file: g.file, start: site.span.start, end: site.span.start + 'flexos_gate_r'.length, newText: 'flexos_gate' },
                { file: g.file, start: site.retSpan.start, end: site.calleeSpan.start, newText: '' },
              ],
            },
          ]
        : [];
    report(g.file, { start: site.span.start, end: site.span.start + 'flexos_gate_r'.length }, `${site.callee}() returns void, so flexos_gate_r has no result to store in ${site.ret ?? 'its variable'}; write flexos_gate(${site.library}, ${site.callee}, …)`, fix);
  },
});
