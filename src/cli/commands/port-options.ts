// `flexos port`: its arguments and options (the command runs in port.ts, loaded only when it runs).
import type { Argv } from 'yargs';
import { PROJECT_FILE } from '../../config/project.js';
import { jobsOption } from '../jobs.js';

export interface PortArgs {
  tree: string;
  lib?: string[];
  write?: boolean;
  patch?: string;
  json?: boolean;
  macros?: string[];
  explain?: boolean;
  config?: string;
  platform?: string;
  project?: string;
  inPlaceGates?: boolean;
  jobs?: number;
}

export function portBuilder(y: Argv): Argv<PortArgs> {
  return y
    .positional('tree', { type: 'string', demandOption: true, describe: 'root of a Unikraft-style tree (directories with Makefile.uk are libraries)' })
    .option('lib', { type: 'string', array: true, describe: 'library to port (kvs or libkvs; repeatable); default: every library' })
    .option('write', { type: 'boolean', describe: 'apply the proposed edits to the tree (all files or none)' })
    .option('patch', { type: 'string', describe: 'write the unified diff to this file instead of stdout (apply with git apply -p1 from the tree root)' })
    .option('json', { type: 'boolean', describe: 'print edits per file, the summary and the manual sites as JSON' })
    .option('macros', { type: 'string', array: true, describe: 'extra macro table(s), same format as grammars/macros.yaml' })
    .option('explain', { type: 'boolean', describe: 'list every call into another library with its gate decision and the reason (gated or not)' })
    .option('config', { alias: 'c', type: 'string', describe: "deployment configuration (kraft.yaml): its targets: and libc (newlib, musl) decide the build analysed" })
    .option('platform', { type: 'string', describe: "Unikraft platform (kvm, xen, linuxu); default: the configuration's targets:, else kvm" })
    .option('project', { type: 'string', describe: `project file (default: <tree>/${PROJECT_FILE} when present): caller-domain libraries, gate/no-gate overrides` })
    .option('in-place-gates', { type: 'boolean', describe: 'gate calls in &&/||/?:, comma operands, loop conditions and unsequenced statements where they stand (a GNU statement expression) instead of listing them for a human' })
    .option('jobs', jobsOption('threads reading and parsing the files of the libraries not ported'))
    .example('$0 port corpus/vanilla --lib kvs', 'propose the annotations for libkvs as a diff')
    .example('$0 port corpus/vanilla --write', 'annotate every library in place') as Argv<PortArgs>;
}
