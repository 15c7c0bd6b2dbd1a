import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { loadMechanisms } from '../../config/mechanisms.js';
import { InputError, InterruptedError } from '../../diagnostics/input-error.js';
import { writeFileAtomicMkdir } from '../../emit/atomic-write.js';
import { commitChanges } from '../../emit/transaction.js';
import { renderTable } from '../../emit/table.js';
import { aggregate } from '../../explore/aggregate.js';
import { configurationKey, configurationLabel, countConfigurations, enumerateConfigurations } from '../../explore/enumerate.js';
import { renderKraftYaml } from '../../explore/kraft.js';
import type { Configuration, Space } from '../../explore/model.js';
import { buildPoset, coverEdges, makeLeq } from '../../explore/order.js';
import { readReplay } from '../../explore/replay.js';
import { renderDot, renderResultTable, renderSvg, reportJson } from '../../explore/render.js';
import type { ExploreReport, NodeStatus, NodeView } from '../../explore/report.js';
import { CommandMeasurer, drive, ReplayMeasurer, type Measurer } from '../../explore/run/drive.js';
import { ResultCache, signatureOf } from '../../explore/run/cache.js';
import { LocalExecutor, type Executor } from '../../explore/run/executor.js';
import type { MeasureJob, MeasureSpec } from '../../explore/run/measure-one.js';
import { SlurmExecutor } from '../../explore/run/slurm.js';
import { configurationFeatures, exhaustiveResult, type Better, type SearchResult } from '../../explore/search.js';
import { parseSpace } from '../../explore/spec.js';
import type { CommandOutput } from '../output.js';
import { ProgressBar } from '../progress-bar.js';
import { type ExploreArgs } from './explore-options.js';


/** Configurations drawn at most: the cover computation is quadratic in them. */
const MAX_POSET = 4000;


function strengths(): Map<string, number> {
  return new Map([...loadMechanisms().values()].map((m) => [m.driver, m.strength]));
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: cannot read the ${what} (${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}); check the path`);
  }
}

function checkNumbers(a: ExploreArgs): void {
  const int = (v: number, name: string, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new InputError(`--${name} takes an integer ≥ ${min}, not ${v}`);
  };
  int(a.repeat, 'repeat', 1);
  int(a.warmup, 'warmup', 0);
  int(a.jobs, 'jobs', a.executor === 'slurm' ? 0 : 1);
  int(a.remeasure, 'remeasure', 0);
  for (const [name, v] of [['timeout', a.timeout], ['tolerance', a.tolerance], ['noise', a.noise]] as const) {
    if (!Number.isFinite(v) || v < 0 || (name === 'timeout' && v === 0)) throw new InputError(`--${name} takes a positive number, not ${v}`);
  }
  if (a.budget !== undefined && !Number.isFinite(a.budget)) throw new InputError('--budget takes a number');
  if (a.show !== undefined && !Number.isInteger(a.show)) throw new InputError('--show takes a configuration number (see --list)');
}

interface Loaded {
  space: Space;
  configs: Configuration[];
  replayValues?: number[];
  source: string;
  notes: string[];
}

function load(a: ExploreArgs, limit: number): Loaded {
  if (a.replay) {
    if (!a.results) throw new InputError('--replay needs --results FILE (the FlexOS results CSV, TASKID,CHUNK,ITERATION,METHOD,VALUE)');
    if (a.space) throw new InputError('--replay reads its space from the permutations CSV; drop the space spec argument');
    const data = readReplay(readText(a.replay, 'permutations CSV'), a.replay, readText(a.results, 'results CSV'), a.results, { warmup: a.warmup, ...(a.method ? { method: a.method } : {}), strengths: strengths() });
    const kept = data.samples.reduce((s, x) => s + x.length, 0);
    const source = `replay of ${a.results}: ${data.permutations} permutations, ${data.built} built, ${data.duplicates} duplicates up to renumbering dropped, ${data.configs.length} configurations; ${a.aggregate} of ${kept} ${data.method} samples (${a.warmup} warm-up iteration(s) dropped)`;
    return { space: data.space, configs: data.configs, replayValues: data.samples.map((s) => aggregate(s, a.aggregate)), source, notes: [] };
  }
  if (!a.space) throw new InputError('name a space spec (flexos explore space.yaml …), or replay recorded numbers with --replay PERMUTATIONS.csv --results RESULTS.csv');
  const { space, notes } = parseSpace(readText(a.space, 'space spec'), a.space, strengths());
  return { space, configs: enumerateConfigurations(space, limit), source: a.measure ? `measured by ${a.measure}` : 'not measured', notes };
}

function configFileName(index: number, key: string): string {
  return `${String(index).padStart(5, '0')}-${createHash('sha1').update(key).digest('hex').slice(0, 8)}.yaml`;
}

async function runList(a: ExploreArgs, l: Loaded, out: CommandOutput): Promise<number> {
  // keys only where they are printed or name files: the plain list is the one that must be fast
  const keys = a.json || a['write-configs'] ? l.configs.map((c) => configurationKey(l.space, c)) : [];
  if (a['write-configs']) {
    const dir = a['write-configs'];
    // all configurations or none (emit/transaction.ts), confined to the directory
    await commitChanges(resolve(dir), l.configs.map((c, i) => ({ path: join(resolve(dir), configFileName(i, keys[i]!)), content: Buffer.from(renderKraftYaml(l.space, c), 'utf8') })));
  }
  if (a.json) {
    out.stdout(JSON.stringify({ total: l.configs.length, layouts: l.space.layouts.length, configurations: l.configs.map((c, i) => ({ index: i, key: keys[i], label: configurationLabel(l.space, c), compartments: l.space.layouts[c.layout]!.blocks })) }) + '\n');
  } else {
    const rows = l.configs.map((c, i) => [i, l.space.layouts[c.layout]!.blocks, configurationLabel(l.space, c)]);
    out.stdout(`${renderTable(['#', 'compartments', 'configuration'], rows)}\n\n${l.configs.length} configurations (${l.space.layouts.length} layouts up to renumbering)${a['write-configs'] ? `; kraft.yaml files in ${a['write-configs']}` : ''}\n`);
  }
  return 0;
}

function measureSpec(a: ExploreArgs): MeasureSpec {
  const rest = (a['--'] ?? []).map(String);
  return { argv: [a.measure!, ...rest], repeat: a.repeat, warmup: a.warmup, timeoutMs: a.timeout * 1000, metric: a.metric, cwd: process.cwd() };
}

function commandMeasurer(a: ExploreArgs, l: Loaded, keys: string[]): { measurer: CommandMeasurer; executor: Executor; cache: ResultCache } {
  const spec = measureSpec(a);
  const work = resolve(a.work);
  const cache = new ResultCache(a.cache ?? join(work, 'results.json'), signatureOf(spec));
  const executor: Executor =
    a.executor === 'slurm' ? new SlurmExecutor(spec, { dir: work, sbatchArgs: a['sbatch-arg'] ?? [], parallel: a.jobs }) : new LocalExecutor(spec, a.jobs);
  const written = new Set<number>();
  const jobOf = (node: number): MeasureJob => {
    const file = join(work, 'configs', configFileName(node, keys[node]!));
    if (!written.has(node)) writeFileAtomicMkdir(file, Buffer.from(renderKraftYaml(l.space, l.configs[node]!), 'utf8')), written.add(node);
    return { index: node, key: keys[node]!, configFile: isAbsolute(file) ? file : resolve(file) };
  };
  return { measurer: new CommandMeasurer(executor, cache, jobOf, a.aggregate), executor, cache };
}

function statusOf(i: number, r: SearchResult, answer: Set<number>, frontier: Set<number>, meets: ((v: number) => boolean) | null): NodeStatus {
  if (answer.has(i)) return 'answer';
  if (frontier.has(i)) return 'frontier';
  const v = r.values.get(i);
  if (v === undefined) return 'unmeasured';
  if (Number.isNaN(v)) return 'failed';
  if (!meets) return 'measured';
  return meets(v) ? 'feasible' : 'infeasible';
}

async function measureAndReport(a: ExploreArgs, l: Loaded, out: CommandOutput): Promise<number> {
  const n = l.configs.length;
  if (n > MAX_POSET) throw new InputError(`the space holds ${countConfigurations(l.space)} configurations; measuring and drawing handle at most ${MAX_POSET}: narrow the spec (layouts constraints, fewer hardening options)`);
  const better: Better = a.better ?? (a.metric === 'time' ? 'lower' : 'higher');
  const keys = l.configs.map((c) => configurationKey(l.space, c));
  const poset = buildPoset(n, makeLeq(l.space, l.configs, a.relation));
  const covers = coverEdges(poset);
  const meets = a.budget === undefined ? null : (v: number): boolean => (better === 'higher' ? v >= a.budget! : v <= a.budget!);

  let measurer: Measurer | undefined;
  let executor: Executor | undefined;
  let cache: ResultCache | undefined;
  if (l.replayValues) measurer = new ReplayMeasurer(l.replayValues);
  else if (a.measure) ({ measurer, executor, cache } = commandMeasurer(a, l, keys));
  const bar = new ProgressBar(executor?.name === 'slurm' ? 'measuring (slurm)' : 'measuring');
  let result: SearchResult;
  let errors = new Map<number, string>();
  // the bar is cleared however the measuring ends (an interruption's message follows it)
  try {
    if (!measurer) {
      if (a.budget !== undefined || a.exhaustive) throw new InputError('--budget and --exhaustive need measurements: add --measure PROGRAM [-- ARGS…] or --replay FILE --results FILE');
      result = exhaustiveResult(poset, new Map(), null, covers, better);
    } else if (a.exhaustive || a.budget === undefined) {
      const d = await drive({ poset, measurer, batch: Math.max(1, a.jobs), features: { features: [], dims: 0, dimensions: [] }, onMeasured: (_, done) => bar.update(done, n) });
      errors = d.errors;
      result = exhaustiveResult(poset, d.result.values, meets, covers, better);
    } else {
      const search = { budget: a.budget, better, tolerance: a.tolerance, noise: a.noise, remeasure: l.replayValues ? 0 : a.remeasure };
      const batch = executor?.name === 'slurm' ? Math.max(1, a.jobs || 8) : Math.max(1, a.jobs);
      const d = await drive({ poset, measurer, batch, search, features: configurationFeatures(l.space, l.configs), onMeasured: (_, done) => bar.update(done, n) });
      errors = d.errors;
      result = d.result;
    }
  } catch (err) {
    if (!(err instanceof InterruptedError) || cache === undefined) throw err;
    const n = cache.size;
    const kept = n === 0 ? `no measurement had finished (the result cache is ${cache.file})` : `${n === 1 ? 'the one measurement that finished is' : `the ${n} measurements that finished are`} in ${cache.file}`;
    throw new InterruptedError(err.signal, `explore: ${err.message}; ${kept}: the same command resumes from there`);
  } finally {
    bar.done();
  }
  const answer = new Set(result.answer), frontier = new Set(result.frontier);
  const nodes: NodeView[] = l.configs.map((c, i) => ({
    index: i,
    key: keys[i]!,
    label: configurationLabel(l.space, c),
    ...(result.values.has(i) ? { value: result.values.get(i)! } : {}),
    status: statusOf(i, result, answer, frontier, meets),
    ...(errors.has(i) ? { error: errors.get(i)! } : {}),
  }));
  const source = measurer instanceof CommandMeasurer ? `${l.source} (${a.aggregate} of ${a.repeat} runs after ${a.warmup} warm-up; ${measurer.cachedHits} from the cache; executor ${executor!.name})` : l.source;
  const report: ExploreReport = {
    relation: a.relation,
    ...(a.budget !== undefined ? { budget: a.budget } : {}),
    better,
    nodes,
    covers,
    answer: result.answer,
    frontier: result.frontier,
    measured: result.measured,
    measurements: result.measurements,
    ...(a.budget !== undefined ? { lowerBound: result.lowerBound, tolerance: result.tolerance } : {}),
    violations: result.violations,
    source,
  };
  const files = new Map<string, Buffer>();
  if (a.dot) files.set(a.dot, Buffer.from(renderDot(report), 'utf8'));
  if (a.svg) files.set(a.svg, Buffer.from(renderSvg(report), 'utf8'));
  for (const [path, content] of files) writeFileAtomicMkdir(path, content);
  if (a.json) out.stdout(reportJson(report));
  else if (!measurer) out.stdout(`${n} configurations, ${covers.length} cover edges (relation ${a.relation})${files.size ? `; wrote ${[...files.keys()].join(', ')}` : ''}\n`);
  else out.stdout(renderResultTable(report));
  for (const [i, e] of errors) out.stderr(`flexos: configuration #${i} (${keys[i]}) failed: ${e}\n`);
  if (a.budget !== undefined && result.answer.length === 0) return 1;
  return 0;
}

/** `flexos explore`: enumerate, order, measure (or replay), search a budget, draw. */
export async function runExplore(a: ExploreArgs, out: CommandOutput): Promise<number> {
  checkNumbers(a);
  if (a.measure && a.replay) throw new InputError('--measure and --replay exclude each other: measure by running a command, or by looking recorded numbers up');
  if (!a.measure && (a['--'] ?? []).length > 0) throw new InputError(`arguments after \`--\` (${(a['--'] ?? []).join(' ')}) are for --measure; add --measure PROGRAM`);
  const l = load(a, a.list || a.show !== undefined ? Infinity : MAX_POSET + 1);
  for (const note of l.notes) out.stderr(`flexos: note: ${note}\n`);
  if (a.show !== undefined) {
    const c = l.configs[a.show];
    if (!c) throw new InputError(`--show ${a.show}: the space has configurations 0 to ${l.configs.length - 1}`);
    out.stdout(renderKraftYaml(l.space, c));
    return 0;
  }
  if (a.list || a['write-configs']) return runList(a, l, out);
  return measureAndReport(a, l, out);
}
