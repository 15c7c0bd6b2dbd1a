// `flexos check`: its arguments and options (the command runs in check.ts, loaded only when it runs).
import type { Argv } from 'yargs';
import { PROJECT_FILE } from '../../config/project.js';
import { jobsOption } from '../jobs.js';

export const CHECK_FORMATS = ['gcc', 'json', 'sarif'] as const;
export interface CheckArgs {
  paths?: string[];
  config?: string;
  format?: string;
  baseline?: string;
  'update-baseline'?: boolean;
  root?: string;
  only?: string[];
  macros?: string[];
  platform?: string;
  project?: string;
  jobs?: number;
}

export function checkBuilder(y: Argv): Argv<CheckArgs> {
  return y
    .positional('paths', { type: 'string', array: true, describe: 'files or directories to report on (default: the current directory)' })
    .option('config', { alias: 'c', type: 'string', describe: 'deployment configuration (kraft.yaml): literals and addresses are checked between its compartments; without it every library is isolated' })
    .option('format', { alias: 'f', type: 'string', choices: [...CHECK_FORMATS], default: 'gcc', describe: 'gcc: file:line:col: severity: message [code]; json: docs/check-json.md; sarif: SARIF 2.1.0' })
    .option('baseline', { type: 'string', describe: 'report only findings not in this baseline file (JSON)' })
    .option('update-baseline', { type: 'boolean', describe: 'write the current findings to the --baseline file and exit 0' })
    .option('root', { type: 'string', describe: 'root of the tree (default: the directory given, or found above the files given)' })
    .option('only', { type: 'string', array: true, describe: 'run only these check codes' })
    .option('macros', { type: 'string', array: true, describe: 'extra macro table(s), same format as grammars/macros.yaml' })
    .option('platform', { type: 'string', describe: "Unikraft platform to analyse (kvm, xen, linuxu); default: the configuration's targets:, else kvm" })
    .option('project', { type: 'string', describe: `project file saying which calls need gates (default: the tree's ${PROJECT_FILE}, when present)` })
    .option('jobs', jobsOption())
    .example('$0 check corpus/ported', 'boundary-aware diagnostics for a tree')
    .example('$0 check . -c kraft.yaml --format sarif > flexos.sarif', 'SARIF for a code-scanning service') as Argv<CheckArgs>;
}
