// `flexos rewrite`: its arguments and options (the command runs in rewrite.ts, loaded only when it runs).
import type { Argv } from 'yargs';
import { jobsOption } from '../jobs.js';

export interface RewriteArgs {
  tree: string;
  config: string;
  out?: string;
  inPlace?: boolean;
  diff?: boolean;
  json?: boolean;
  macros?: string[];
  target?: string;
  libs?: string;
  platform?: string;
  jobs?: number;
}

export function rewriteBuilder(y: Argv): Argv<RewriteArgs> {
  return y
    .positional('tree', { type: 'string', demandOption: true, describe: 'annotated tree (SPEC §2 placeholders)' })
    .option('config', { alias: 'c', type: 'string', demandOption: true, describe: 'deployment configuration (kraft.yaml)' })
    .option('out', { alias: 'o', type: 'string', describe: 'output directory (default: flexos-out/<config name>)' })
    .option('in-place', { type: 'boolean', describe: 'rewrite the tree itself, atomically and all-or-nothing' })
    .option('diff', { type: 'boolean', describe: 'print the source changes as a unified diff and write nothing (exit 1 when there are changes)' })
    .option('json', { type: 'boolean', describe: 'print a JSON report (files changed, diagnostics) instead of text' })
    .option('macros', { type: 'string', array: true, describe: 'extra macro table(s)' })
    .option('target', { type: 'string', choices: ['userspace', 'unikraft'], default: 'userspace', describe: 'userspace: our Linux deployment (flexos/Makefile); unikraft: a FlexOS unikraft tree for Unikraft\'s make (replaces kraft --compartmentalize)' })
    .option('libs', { type: 'string', describe: "unikraft target: kraft's UK_LIBS (default: ../../libs from the configuration's directory)" })
    .option('platform', { type: 'string', describe: "Unikraft platform to build (kvm, xen, linuxu); default: the configuration's targets:, else kvm" })
    .option('jobs', jobsOption('userspace target: threads reading and parsing files'))
    .conflicts('out', 'in-place') as Argv<RewriteArgs>;
}
