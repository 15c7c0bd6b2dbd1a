/**
 * The budget search (SPEC §8): the safest configurations whose measured value meets a budget,
 * measuring as few as possible.
 *
 * What it relies on, and how far:
 *  - a measured feasible configuration b makes every configuration below b non-maximal, whatever
 *    their values: no assumption is needed for that direction;
 *  - a measured infeasible configuration a makes every configuration above it infeasible only when
 *    a misses the budget by more than the monotonicity tolerance ρ (a safer configuration is
 *    assumed never better than ρ above a less safe one). ρ starts at `tolerance` and grows to the
 *    largest violation seen between two measured comparable configurations, so the search widens
 *    its own margin when the data break the assumption, and reports every such violation;
 *  - a value within `noise` of the budget is measured again (up to `remeasure` times) and the
 *    decision uses the median of those measurements.
 * Under "no violation larger than ρ", the answer equals the maximal elements of the configurations
 * that meet the budget, computed over all of them.
 */
import { aggregate } from './aggregate.js';
import { LogLinearGuess } from './model-fit.js';
import type { Configuration, Space } from './model.js';
import type { Poset } from './order.js';
import { members } from './order.js';

export type Better = 'higher' | 'lower';

export interface SearchOptions {
  budget: number;
  better: Better;
  /** Initial monotonicity tolerance ρ, relative (0.05 = 5%). */
  tolerance: number;
  /** Relative band around the budget in which a measurement is repeated. */
  noise: number;
  /** At most this many extra measurements of one configuration near the budget. */
  remeasure: number;
  /** Widen ρ to the violations seen (default true); false trusts `tolerance` as given. */
  widen?: boolean;
}

export const DEFAULT_SEARCH = { tolerance: 0.05, noise: 0.02, remeasure: 2 } as const;

export interface Violation {
  /** less safe, safer (lower < upper in the relation) */
  lower: number;
  upper: number;
  /** How much better the safer one measured, relative (0.04 = 4%). */
  by: number;
}

export interface SearchResult {
  answer: number[];
  /** Measured configurations that miss the budget and are minimal among the measured ones that do. */
  frontier: number[];
  /** Configurations measured at least once, and measurements in all (re-measures included). */
  measured: number;
  measurements: number;
  values: Map<number, number>;
  violations: Violation[];
  /** The largest monotonicity tolerance of one dimension at the end. */
  tolerance: number;
  /** |maximal feasible| + |minimal infeasible| under the monotone reading of the answer. */
  lowerBound: number;
}

export interface ConfigurationFeatures {
  /** Feature indices per configuration, for the guess. */
  features: number[][];
  dims: number;
  /** Per configuration, its value in each dimension of the space (layout, strategy, each
   * library's hardening option, each library's mechanism strength): per-dimension tolerances. */
  dimensions: number[][];
}

/** Features of every configuration for the guess: layout, per-library hardening and mechanism, strategy. */
export function configurationFeatures(space: Space, configs: readonly Configuration[]): ConfigurationFeatures {
  const ids = new Map<string, number>();
  const id = (k: string): number => {
    let v = ids.get(k);
    if (v === undefined) ids.set(k, (v = ids.size));
    return v;
  };
  const features = configs.map((c) => {
    const layout = space.layouts[c.layout]!;
    const f = [id(`L${c.layout}`), id(`S${c.sharing}`)];
    c.hardening.forEach((h, lib) => {
      for (const name of space.hardening[lib]![h]!) f.push(id(`H${lib}:${name}`));
      if (layout.blocks > 1) f.push(id(`M${lib}:${c.mechanisms[layout.blockOf[lib]!]}`));
    });
    return f;
  });
  const strength = new Map(space.mechanisms.map((m) => [m.driver, m.strength]));
  const dimensions = configs.map((c) => {
    const layout = space.layouts[c.layout]!;
    return [c.layout, space.sharing.indexOf(c.sharing), ...c.hardening, ...layout.blockOf.map((b) => strength.get(c.mechanisms[b]!)!)];
  });
  return { features, dims: ids.size, dimensions };
}

export class BudgetSearch {
  private readonly samples = new Map<number, number[]>();
  private readonly values = new Map<number, number>();
  private readonly failed = new Set<number>();
  private readonly pending = new Set<number>();
  private readonly upList: number[][];
  private readonly downList: number[][];
  private readonly guess: LogLinearGuess;
  /** ρ per dimension (layout, strategy, each library's hardening, each library's mechanism). */
  private readonly rhoByDim: number[];
  private readonly dimValues: number[][];
  private measurements = 0;
  readonly violations: Violation[] = [];

  constructor(
    private readonly poset: Poset,
    private readonly opts: SearchOptions,
    features: ConfigurationFeatures,
  ) {
    this.upList = poset.up.map((s) => members(s, poset.n));
    this.downList = poset.down.map((s) => members(s, poset.n));
    this.guess = new LogLinearGuess(features.features, features.dims);
    this.dimValues = features.dimensions;
    this.rhoByDim = new Array<number>(features.dimensions[0]?.length ?? 0).fill(opts.tolerance);
  }

  /** Dimensions in which configurations i and j differ. */
  private changed(i: number, j: number): number[] {
    const a = this.dimValues[i]!, b = this.dimValues[j]!;
    const out: number[] = [];
    for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) out.push(d);
    return out;
  }

  /** The tolerance between i and a safer j: the largest ρ of the dimensions they differ in. */
  private rho(i: number, j: number): number {
    return this.changed(i, j).reduce((m, d) => Math.max(m, this.rhoByDim[d]!), 0);
  }

  meets(value: number): boolean {
    return this.opts.better === 'higher' ? value >= this.opts.budget : value <= this.opts.budget;
  }

  /** Best value a configuration safer than one measured at `value` may have, under tolerance ρ. */
  private bestAbove(value: number, rho: number): number {
    return this.opts.better === 'higher' ? value * (1 + rho) : value / (1 + rho);
  }

  private feasible(i: number): boolean {
    const v = this.values.get(i);
    return v !== undefined && !this.failed.has(i) && this.meets(v);
  }

  /** Measured i settles j (safer than i) as infeasible: i failed, or missed by more than their ρ. */
  private excludes(i: number, j: number): boolean {
    return this.failed.has(i) || !this.meets(this.bestAbove(this.values.get(i)!, this.rho(i, j)));
  }

  private nearBudget(value: number): boolean {
    return Math.abs(value - this.opts.budget) <= this.opts.noise * Math.abs(this.opts.budget);
  }

  /** Status of every node: measured, dominated (below a measured feasible one), excluded, or open. */
  private openNodes(): number[] {
    const n = this.poset.n;
    const closed = new Uint8Array(n);
    for (const i of this.values.keys()) {
      closed[i] = 1;
      if (this.feasible(i)) for (const j of this.downList[i]!) closed[j] = 1;
      else for (const j of this.upList[i]!) if (!closed[j] && this.excludes(i, j)) closed[j] = 1;
    }
    const open: number[] = [];
    for (let i = 0; i < n; i++) if (!closed[i] && !this.pending.has(i)) open.push(i);
    return open;
  }

  /** Whether the search still has questions (open nodes or re-measures due). */
  done(): boolean {
    return this.openNodes().length === 0 && this.remeasureDue().length === 0 && this.pending.size === 0;
  }

  private remeasureDue(): number[] {
    const due: number[] = [];
    for (const [i, s] of this.samples) {
      if (this.pending.has(i) || this.failed.has(i)) continue;
      if (s.length < 1 + this.opts.remeasure && this.nearBudget(this.values.get(i)!)) due.push(i);
    }
    return due;
  }

  /**
   * Up to `k` configurations to measure next (re-measures first), chosen to settle as many open
   * configurations as possible: a guess p of meeting the budget weighs the open nodes a feasible
   * answer would settle below it against those an infeasible one would settle above it.
   */
  next(k: number): number[] {
    const picked: number[] = this.remeasureDue().slice(0, k);
    if (picked.length >= k) return this.mark(picked);
    const open = this.openNodes();
    if (open.length === 0) return this.mark(picked);
    const isOpen = new Uint8Array(this.poset.n);
    for (const i of open) isOpen[i] = 1;
    const spread = this.guess.spread();
    const scored = open.map((i) => {
      const below = 1 + this.downList[i]!.reduce((s, j) => s + isOpen[j]!, 0);
      const above = 1 + this.upList[i]!.reduce((s, j) => s + isOpen[j]!, 0);
      const g = this.guess.guess(i);
      let p = 0.5;
      if (g !== null) {
        const z = (Math.log(g) - Math.log(this.opts.budget)) / spread;
        p = 1 / (1 + Math.exp(-1.7 * (this.opts.better === 'higher' ? z : -z)));
      }
      return { i, score: p * below + (1 - p) * above + 0.1 * Math.min(below, above) };
    });
    scored.sort((a, b) => b.score - a.score || a.i - b.i);
    // Prefer a batch of pairwise incomparable nodes: one answer would settle a comparable one.
    for (const { i } of scored) {
      if (picked.length >= k) break;
      if (picked.some((j) => this.poset.leq(i, j) || this.poset.leq(j, i))) continue;
      picked.push(i);
    }
    for (const { i } of scored) {
      if (picked.length >= k) break;
      if (!picked.includes(i)) picked.push(i);
    }
    return this.mark(picked);
  }

  private mark(nodes: number[]): number[] {
    for (const i of nodes) this.pending.add(i);
    return nodes;
  }

  /** Records one measurement of `i` (null: the measurement failed or timed out). */
  record(i: number, value: number | null): void {
    this.pending.delete(i);
    this.measurements++;
    if (value === null || !Number.isFinite(value)) {
      this.failed.add(i);
      this.values.set(i, Number.NaN);
      this.samples.set(i, [...(this.samples.get(i) ?? []), Number.NaN]);
      return;
    }
    const s = [...(this.samples.get(i) ?? []), value];
    this.samples.set(i, s);
    this.values.set(i, aggregate(s));
    this.checkViolations(i);
    this.guess.fit([...this.values].filter(([j]) => !this.failed.has(j)).map(([node, v]) => ({ node, value: v })));
  }

  /** Safer configurations that measured better than less safe ones: reported, and ρ widened. */
  private checkViolations(i: number): void {
    const v = this.values.get(i)!;
    const ratio = (worseSafe: number, betterUnsafe: number): number =>
      this.opts.better === 'higher' ? worseSafe / betterUnsafe - 1 : betterUnsafe / worseSafe - 1;
    const consider = (lower: number, upper: number): void => {
      const lv = this.values.get(lower), uv = this.values.get(upper);
      if (lv === undefined || uv === undefined || this.failed.has(lower) || this.failed.has(upper)) return;
      const by = ratio(uv, lv);
      const at = this.violations.findIndex((x) => x.lower === lower && x.upper === upper);
      if (at !== -1) this.violations.splice(at, 1);
      if (by > 0) {
        this.violations.push({ lower, upper, by });
        if (this.opts.widen !== false) this.widen(lower, upper, by);
      }
    };
    for (const j of this.downList[i]!) if (this.values.has(j)) consider(j, i);
    for (const j of this.upList[i]!) if (this.values.has(j)) consider(i, j);
  }

  /** A violation the current tolerances do not explain widens every dimension the two differ in. */
  private widen(lower: number, upper: number, by: number): void {
    if (by <= this.rho(lower, upper)) return;
    for (const d of this.changed(lower, upper)) this.rhoByDim[d] = Math.max(this.rhoByDim[d]!, by);
  }

  result(): SearchResult {
    const feasible = [...this.values.keys()].filter((i) => this.feasible(i));
    const answer = feasible.filter((i) => !this.upList[i]!.some((j) => this.feasible(j))).sort((a, b) => a - b);
    const infeasible = [...this.values.keys()].filter((i) => !this.feasible(i));
    const frontier = infeasible.filter((i) => !this.downList[i]!.some((j) => this.values.has(j) && !this.feasible(j))).sort((a, b) => a - b);
    // Monotone reading: everything not below an answer node misses the budget.
    const n = this.poset.n;
    const coveredByAnswer = new Uint8Array(n);
    for (const a of answer) {
      coveredByAnswer[a] = 1;
      for (const j of this.downList[a]!) coveredByAnswer[j] = 1;
    }
    let minimalMisses = 0;
    for (let i = 0; i < n; i++) if (!coveredByAnswer[i] && !this.downList[i]!.some((j) => !coveredByAnswer[j])) minimalMisses++;
    return {
      answer,
      frontier,
      measured: this.values.size,
      measurements: this.measurements,
      values: new Map(this.values),
      violations: [...this.violations].sort((a, b) => b.by - a.by || a.lower - b.lower),
      tolerance: Math.max(0, ...this.rhoByDim),
      lowerBound: answer.length + minimalMisses,
    };
  }
}

/** Runs a search against a synchronous measure function (replay, tests). */
export function searchWith(search: BudgetSearch, measure: (i: number) => number | null, batch = 1): SearchResult {
  for (;;) {
    const nodes = search.next(batch);
    if (nodes.length === 0) break;
    for (const i of nodes) search.record(i, measure(i));
  }
  return search.result();
}

/** The exhaustive answer: maximal elements among all configurations that meet the budget. */
export function bruteForceAnswer(poset: Poset, values: readonly number[], meets: (v: number) => boolean): number[] {
  const ok = values.map(meets);
  return values.map((_, i) => i).filter((i) => ok[i] && !members(poset.up[i]!, poset.n).some((j) => ok[j]));
}

/** The exhaustive result (every configuration measured): brute-force answer, frontier, violations on cover edges. */
export function exhaustiveResult(poset: Poset, values: Map<number, number>, meets: ((v: number) => boolean) | null, covers: readonly [number, number][], better: Better): SearchResult {
  const ok = (i: number): boolean => meets !== null && Number.isFinite(values.get(i) ?? Number.NaN) && meets(values.get(i)!);
  const n = poset.n;
  const all = Array.from({ length: n }, (_, i) => i);
  const answer = meets ? all.filter((i) => ok(i) && !members(poset.up[i]!, n).some(ok)) : [];
  const frontier = meets ? all.filter((i) => !ok(i) && !members(poset.down[i]!, n).some((j) => !ok(j))) : [];
  const violations: Violation[] = [];
  for (const [lo, up] of covers) {
    const a = values.get(lo), b = values.get(up);
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    const by = better === 'higher' ? b / a - 1 : a / b - 1;
    if (by > 0) violations.push({ lower: lo, upper: up, by });
  }
  violations.sort((x, y) => y.by - x.by || x.lower - y.lower);
  return { answer, frontier, measured: values.size, measurements: values.size, values, violations, tolerance: 0, lowerBound: meets ? answer.length + frontier.length : 0 };
}
