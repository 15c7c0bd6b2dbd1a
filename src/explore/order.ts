/**
 * The two safety relations (SPEC §8) and their cover edges.
 *
 * product: b ≥ a when b's partition refines a's, every library's compartment has an at least as
 *   strong mechanism (fcalls < intel-pku < vmept, the `strength` of rules/<m>/mechanism.yaml),
 *   every library's hardening is a superset, and the stack strategy is at least as strict
 *   (shared-stack < dss, shared-stack < heap; dss and heap incomparable: both expose exactly the
 *   whitelisted variables, in different places).
 * paper: the FlexOS paper's drawn poset: the product order restricted so that configurations of
 *   different layouts are compared only from an unhardened one (a ≤ b iff a ≤product b and, when
 *   their layouts differ, a hardens nothing). Transitive, and a sub-relation of the product order.
 */
import type { Configuration, RelationName, Space } from './model.js';
import { refines } from './partitions.js';

export function sharingLeq(a: string, b: string): boolean {
  return a === b || a === 'shared-stack';
}

/** `leq(i, j)`: configuration j is at least as safe as configuration i. */
export type Leq = (i: number, j: number) => boolean;

export function makeLeq(space: Space, configs: readonly Configuration[], relation: RelationName): Leq {
  const strength = new Map(space.mechanisms.map((m) => [m.driver, m.strength]));
  const libMech = configs.map((c) => space.layouts[c.layout]!.blockOf.map((b) => strength.get(c.mechanisms[b]!)!));
  // subset[lib][x][y]: hardening option x of lib is a subset of option y
  const subset = space.hardening.map((options) => options.map((x) => options.map((y) => x.every((h) => y.includes(h)))));
  const unhardened = configs.map((c) => c.hardening.every((h, lib) => space.hardening[lib]![h]!.length === 0));
  const layoutRefines = space.layouts.map((fine) => space.layouts.map((coarse) => refines(fine, coarse)));
  const L = space.libraries.length;
  return (i, j) => {
    const a = configs[i]!, b = configs[j]!;
    if (!layoutRefines[b.layout]![a.layout]) return false;
    if (relation === 'paper' && a.layout !== b.layout && !unhardened[i]) return false;
    if (!sharingLeq(a.sharing, b.sharing)) return false;
    const ma = libMech[i]!, mb = libMech[j]!;
    for (let l = 0; l < L; l++) {
      if (mb[l]! < ma[l]!) return false;
      if (!subset[l]![a.hardening[l]!]![b.hardening[l]!]) return false;
    }
    return true;
  };
}

/** Bitset rows: strict upper sets and strict lower sets of every node. */
export interface Poset {
  n: number;
  leq: Leq;
  /** up[i]: nodes strictly above i (bitset, 32 per word). */
  up: Uint32Array[];
  down: Uint32Array[];
}

export const words = (n: number): number => (n + 31) >>> 5;
export const has = (set: Uint32Array, i: number): boolean => ((set[i >>> 5]! >>> (i & 31)) & 1) === 1;
export const add = (set: Uint32Array, i: number): void => void (set[i >>> 5]! |= 1 << (i & 31));

export function buildPoset(n: number, leq: Leq): Poset {
  const w = words(n);
  const up = Array.from({ length: n }, () => new Uint32Array(w));
  const down = Array.from({ length: n }, () => new Uint32Array(w));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j && leq(i, j)) {
        add(up[i]!, j);
        add(down[j]!, i);
      }
    }
  }
  return { n, leq, up, down };
}

export function members(set: Uint32Array, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (has(set, i)) out.push(i);
  return out;
}

/** Cover edges [lower, upper]: i < j with nothing strictly between (transitive reduction). */
export function coverEdges(p: Poset): [number, number][] {
  const edges: [number, number][] = [];
  const w = words(p.n);
  for (let i = 0; i < p.n; i++) {
    // Strictly above i but above another node above i: not a cover.
    const implied = new Uint32Array(w);
    const above = members(p.up[i]!, p.n);
    for (const k of above) {
      const row = p.up[k]!;
      for (let x = 0; x < w; x++) implied[x]! |= row[x]!;
    }
    for (const j of above) if (!has(implied, j)) edges.push([i, j]);
  }
  return edges;
}
