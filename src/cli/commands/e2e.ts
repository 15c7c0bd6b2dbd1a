import { endToEnd } from '../../harness/e2e.js';
import { renderTable } from '../../emit/table.js';
import type { CommandOutput } from '../output.js';
import { type E2EArgs } from './e2e-options.js';



/** Rewrite → build → run → compare, per configuration; exit 1 when any deployment differs. */
export async function runE2E(args: E2EArgs, out: CommandOutput): Promise<number> {
  const outcomes = await endToEnd(args.tree, args.config, { ...(args.baseline ? { baseline: args.baseline } : {}), ...(args.keep ? { workDir: args.keep } : {}) });
  if (args.json) out.stdout(JSON.stringify(outcomes.map(({ output, ...o }) => ({ ...o, outputTail: output.split('\n').slice(-5) })), null, 2) + '\n');
  else {
    out.stdout(
      renderTable(
        ['configuration', 'ran', 'checksum', 'expected', 'result'],
        outcomes.map((o) => [o.config, o.where, o.checksum ?? '-', o.expected ?? '-', o.ok ? 'same' : o.where === 'skipped' ? `skipped: ${o.note}` : 'DIFFERENT']),
      ) + '\n',
    );
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}
