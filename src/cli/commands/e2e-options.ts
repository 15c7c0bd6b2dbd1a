// `flexos e2e`: its arguments and options (the command runs in e2e.ts, loaded only when it runs).
import type { Argv } from 'yargs';

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
