/**
 * Drives a budget search (or an exhaustive sweep) against a measurer: asks the search for a round
 * of configurations, measures them (replayed numbers, or the user's command through an executor
 * and the result cache), records, repeats.
 */
import { aggregate, type AggregateName } from '../aggregate.js';
import { BudgetSearch, type ConfigurationFeatures, type SearchOptions, type SearchResult } from '../search.js';
import type { Poset } from '../order.js';
import type { ResultCache } from './cache.js';
import type { Executor } from './executor.js';
import type { MeasureJob } from './measure-one.js';

export interface Measured {
  value: number | null;
  error?: string;
  /** Came from the result cache, not a run. */
  cached?: boolean;
}

export interface Measurer {
  measure(nodes: number[], onDone?: (node: number) => void): Promise<Map<number, Measured>>;
}

/** Recorded numbers: measuring is looking the value up. */
export class ReplayMeasurer implements Measurer {
  constructor(private readonly values: readonly number[]) {}
  async measure(nodes: number[], onDone?: (node: number) => void): Promise<Map<number, Measured>> {
    const out = new Map<number, Measured>();
    for (const i of nodes) out.set(i, { value: this.values[i]! }), onDone?.(i);
    return out;
  }
}

/** The user's command, through an executor; rounds already in the cache are not run again. */
export class CommandMeasurer implements Measurer {
  private readonly rounds = new Map<number, number>();
  cachedHits = 0;

  constructor(
    private readonly executor: Executor,
    private readonly cache: ResultCache,
    private readonly jobOf: (node: number) => MeasureJob,
    private readonly how: AggregateName,
  ) {}

  async measure(nodes: number[], onDone?: (node: number) => void): Promise<Map<number, Measured>> {
    const out = new Map<number, Measured>();
    const toRun: { node: number; round: number; job: MeasureJob }[] = [];
    for (const node of nodes) {
      const round = this.rounds.get(node) ?? 0;
      this.rounds.set(node, round + 1);
      const job = this.jobOf(node);
      const hit = this.cache.get(job.key, round);
      if (hit) {
        this.cachedHits++;
        out.set(node, { value: hit.samples ? aggregate(hit.samples, this.how) : null, ...(hit.error ? { error: hit.error } : {}), cached: true });
        onDone?.(node);
      } else toRun.push({ node, round, job });
    }
    const byKey = new Map(toRun.map((t) => [t.job.key + '\0' + t.job.index, t]));
    await this.executor.run(toRun.map((t) => t.job), (job, outcome) => {
      const t = byKey.get(job.key + '\0' + job.index)!;
      this.cache.put(job.key, t.round, outcome);
      out.set(t.node, { value: outcome.samples ? aggregate(outcome.samples, this.how) : null, ...(outcome.error ? { error: outcome.error } : {}) });
      onDone?.(t.node);
    });
    return out;
  }
}

export interface DriveOptions {
  poset: Poset;
  measurer: Measurer;
  /** Configurations measured per round (parallel jobs, or the size of a Slurm array). */
  batch: number;
  search?: SearchOptions;
  features: ConfigurationFeatures;
  onMeasured?: (node: number, done: number) => void;
}

export interface DriveResult {
  result: SearchResult;
  errors: Map<number, string>;
}

/** With search options: the budget search. Without: every configuration once (exhaustive). */
export async function drive(o: DriveOptions): Promise<DriveResult> {
  const errors = new Map<number, string>();
  let done = 0;
  const tick = (node: number): void => o.onMeasured?.(node, ++done);
  if (!o.search) {
    const all = Array.from({ length: o.poset.n }, (_, i) => i);
    const got = await o.measurer.measure(all, tick);
    const values = new Map<number, number>();
    for (const [i, m] of got) {
      values.set(i, m.value ?? Number.NaN);
      if (m.error) errors.set(i, m.error);
    }
    return { result: { answer: [], frontier: [], measured: values.size, measurements: values.size, values, violations: [], tolerance: 0, lowerBound: 0 }, errors };
  }
  const search = new BudgetSearch(o.poset, o.search, o.features);
  for (;;) {
    const nodes = search.next(o.batch);
    if (nodes.length === 0) break;
    const got = await o.measurer.measure(nodes, tick);
    for (const i of nodes) {
      const m = got.get(i)!;
      if (m.error) errors.set(i, m.error);
      search.record(i, m.value);
    }
  }
  return { result: search.result(), errors };
}
