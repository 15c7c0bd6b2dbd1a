// `flexos analyze`: its arguments and options (the command runs in analyze.ts, loaded only when it runs).
import type { Argv } from 'yargs';
import { jobsOption } from '../jobs.js';

export interface AnalyzeArgs {
  tree: string;
  config?: string;
  json?: boolean;
  macros?: string[];
  platform?: string;
  jobs?: number;
}

export function analyzeBuilder(y: Argv): Argv<AnalyzeArgs> {
  return y
    .positional('tree', { type: 'string', demandOption: true, describe: 'root of a Unikraft-style tree (directories with Makefile.uk are libraries)' })
    .option('config', { alias: 'c', type: 'string', describe: 'deployment configuration (kraft.yaml): adds the libraries it names by path and shows each library\'s compartment' })
    .option('json', { type: 'boolean', describe: 'print the analysis as JSON (shape in docs/analyze-json.md)' })
    .option('macros', { type: 'string', array: true, describe: 'extra macro table(s), same format as grammars/macros.yaml' })
    .option('platform', { type: 'string', describe: "Unikraft platform to analyse (kvm, xen, linuxu); default: the configuration's targets:, else kvm" })
    .option('jobs', jobsOption()) as Argv<AnalyzeArgs>;
}
