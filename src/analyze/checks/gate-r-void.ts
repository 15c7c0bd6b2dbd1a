/** SPEC §7: `flexos_gate_r` on a function that returns nothing. */
import type { Check } from './model.js';

export const gateRVoid: Check = {
  code: 'gate-r-void',
  severity: 'error',
  summary: 'flexos_gate_r on a void function',
  origin: 'SPEC §7',
  deploymentDependent: false,
  run(ctx, report) {
    for (const g of ctx.analysis.gates) {
      if (!ctx.inScope(g.file) || g.site.kind !== 'gate_r') continue;
      const t = ctx.gateTarget(g);
      const sig = ctx.signature(g.site.callee, t.calleeLibrary);
      if (!sig || !sig.returnsVoid) continue;
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
    }
  },
};
