// `flexos explore`: its arguments and options (the command runs in explore.ts, loaded only when it runs).
import type { Argv } from 'yargs';
import { AGGREGATES, type AggregateName } from '../../explore/aggregate.js';
import { DEFAULT_RELATION, RELATIONS, type RelationName } from '../../explore/model.js';
import type { Metric } from '../../explore/run/measure-one.js';
import { DEFAULT_SEARCH, type Better } from '../../explore/search.js';

export interface ExploreArgs {
  space?: string;
  list?: boolean;
  'write-configs'?: string;
  show?: number;
  relation: RelationName;
  replay?: string;
  results?: string;
  method?: string;
  measure?: string;
  '--'?: (string | number)[];
  repeat: number;
  warmup: number;
  aggregate: AggregateName;
  timeout: number;
  jobs: number;
  metric: Metric;
  cache?: string;
  work: string;
  executor: 'local' | 'slurm';
  'sbatch-arg'?: string[];
  budget?: number;
  better?: Better;
  tolerance: number;
  noise: number;
  remeasure: number;
  exhaustive?: boolean;
  json?: boolean;
  dot?: string;
  svg?: string;
}

export function exploreBuilder(y: Argv): Argv<ExploreArgs> {
  return y
    .parserConfiguration({ 'populate--': true })
    .positional('space', { type: 'string', describe: 'space spec (YAML); not needed with --replay' })
    .option('list', { type: 'boolean', describe: 'enumerate the configurations of the space' })
    .option('write-configs', { type: 'string', describe: 'write every configuration as DIR/<n>.yaml (a kraft.yaml `flexos rewrite` loads)' })
    .option('show', { type: 'number', describe: 'print configuration N as kraft.yaml' })
    .option('relation', { choices: RELATIONS, default: DEFAULT_RELATION, describe: 'safety relation: the product order, or the FlexOS paper\'s drawn one (layouts compared only unhardened)' })
    .option('replay', { type: 'string', describe: 'FlexOS permutations CSV (TASKID, LIB<X>_COMPARTMENT, LIB<X>_SFI, …); needs --results' })
    .option('results', { type: 'string', describe: 'FlexOS results CSV (TASKID,CHUNK,ITERATION,METHOD,VALUE) for --replay' })
    .option('method', { type: 'string', describe: 'METHOD of the results CSV to read (when it holds several)' })
    .option('measure', { type: 'string', describe: 'program measuring one configuration; its arguments follow `--` ({config} = the kraft.yaml path, else appended); prints the value as its last number' })
    .option('repeat', { type: 'number', default: 3, describe: 'measured runs per configuration' })
    .option('warmup', { type: 'number', default: 1, describe: 'runs (or, with --replay, leading iterations) dropped before measuring' })
    .option('aggregate', { choices: AGGREGATES, default: 'median' as AggregateName, describe: 'how the runs of one configuration are combined' })
    .option('timeout', { type: 'number', default: 600, describe: 'seconds per run; a run over it fails the configuration' })
    .option('jobs', { alias: 'j', type: 'number', default: 1, describe: 'configurations measured at once (with slurm: array tasks at once, 0 = no limit)' })
    .option('metric', { choices: ['stdout', 'time'] as Metric[], default: 'stdout' as Metric, describe: 'stdout: the last number the command prints; time: its wall-clock seconds' })
    .option('cache', { type: 'string', describe: 'result cache (default WORK/results.json); an interrupted exploration resumes from it' })
    .option('work', { type: 'string', default: 'flexos-explore', describe: 'directory for configuration files, the cache and Slurm rounds' })
    .option('executor', { choices: ['local', 'slurm'] as const, default: 'local' as const, describe: 'run measurements here, or as Slurm job arrays (sbatch --wait)' })
    .option('sbatch-arg', { type: 'string', array: true, describe: 'extra sbatch argument (repeatable), e.g. --sbatch-arg=--partition=debug' })
    .option('budget', { type: 'number', describe: 'the performance budget the answer must meet' })
    .option('better', { choices: ['higher', 'lower'] as Better[], describe: 'which values are better (default: higher; lower with --metric time)' })
    .option('tolerance', { type: 'number', default: DEFAULT_SEARCH.tolerance, describe: 'assumed bound on monotonicity violations (relative); widened to the largest violation seen' })
    .option('noise', { type: 'number', default: DEFAULT_SEARCH.noise, describe: 'relative band around the budget in which a configuration is measured again' })
    .option('remeasure', { type: 'number', default: DEFAULT_SEARCH.remeasure, describe: 'extra measurements of a configuration near the budget' })
    .option('exhaustive', { type: 'boolean', describe: 'measure every configuration (brute force)' })
    .option('json', { type: 'boolean', describe: 'print the result (or the list) as JSON' })
    .option('dot', { type: 'string', describe: 'write the poset as Graphviz DOT' })
    .option('svg', { type: 'string', describe: 'write the poset as SVG' }) as unknown as Argv<ExploreArgs>;
}
