import type { Argv } from 'yargs';
import { endToEnd } from '../../harness/e2e.js';
import { renderTable } from '../../emit/table.js';
import type { CommandOutput } from '../output.js';

export interface E2EArgs {
  tree: string;
  config: string[];
  baseline?: string;
  keep?: string;
  json?: boolean;
}

export function e2eBuilder(y: Argv): Argv<E2EArgs> {
  return y
    .positional('tree', { type: 'string', demandOption: true, describe: 'annotated tree to deploy' })
    .option('config', { alias: 'c', type: 'string', array: true, demandOption: true, describe: 'deployment configuration(s)' })
    .option('baseline', { type: 'string', describe: 'tree whose plain build gives the expected checksum (default: the annotated tree with placeholders as plain calls)' })
    .option('keep', { type: 'string', describe: 'keep the rewritten trees and builds under this directory' })
    .option('json', { type: 'boolean', describe: 'print the outcomes as JSON' }) as Argv<E2EArgs>;
}

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
