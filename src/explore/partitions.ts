/**
 * Layouts = set partitions of the libraries, each counted once whatever the compartment numbers:
 * generated as restricted growth strings (library 0 in block 0, every next library in an
 * existing block or the next new one), which are exactly one per partition.
 */
import type { Layout } from './model.js';

export interface LayoutConstraints {
  /** Groups of library indices that must share a compartment. */
  together: number[][];
  /** Groups of library indices that must be in pairwise different compartments. */
  apart: number[][];
  minCompartments: number;
  maxCompartments: number;
}

/** Renumbers a block assignment by first appearance (the canonical form of a partition). */
export function canonicalBlocks(assignment: readonly (number | string)[]): Layout {
  const renumber = new Map<number | string, number>();
  const blockOf = assignment.map((b) => {
    let n = renumber.get(b);
    if (n === undefined) renumber.set(b, (n = renumber.size));
    return n;
  });
  return { blockOf, blocks: renumber.size };
}

export function layoutKey(layout: Layout): string {
  return layout.blockOf.join('');
}

/** Every partition of `count` libraries meeting the constraints, in lexicographic RGS order. */
export function enumerateLayouts(count: number, c: LayoutConstraints): Layout[] {
  // Union "together" groups: a group's members take the block of its first member.
  const leader = Array.from({ length: count }, (_, i) => i);
  const find = (i: number): number => (leader[i] === i ? i : (leader[i] = find(leader[i]!)));
  for (const group of c.together) for (const m of group.slice(1)) {
    const a = find(group[0]!), b = find(m);
    if (a !== b) leader[Math.max(a, b)] = Math.min(a, b);
  }
  const out: Layout[] = [];
  const blockOf = new Array<number>(count).fill(0);
  const maxBlocks = Math.min(c.maxCompartments, count);
  const violatesApart = (upTo: number): boolean =>
    c.apart.some((g) => {
      const seen = new Set<number>();
      for (const m of g) if (m <= upTo) {
        if (seen.has(blockOf[m]!)) return true;
        seen.add(blockOf[m]!);
      }
      return false;
    });
  const walk = (i: number, used: number): void => {
    if (i === count) {
      if (used >= c.minCompartments) out.push({ blockOf: [...blockOf], blocks: used });
      return;
    }
    if (used + (count - i) < c.minCompartments) return;
    const root = find(i);
    const choices = root !== i ? [blockOf[root]!] : Array.from({ length: Math.min(used + 1, maxBlocks) }, (_, b) => b);
    for (const b of choices) {
      blockOf[i] = b;
      if (violatesApart(i)) continue;
      walk(i + 1, Math.max(used, b + 1));
    }
  };
  walk(0, 0);
  return out;
}

/** Whether `fine` refines `coarse`: libraries together in `fine` are together in `coarse`. */
export function refines(fine: Layout, coarse: Layout): boolean {
  if (fine.blocks < coarse.blocks) return false;
  const image = new Array<number>(fine.blocks).fill(-1);
  for (let i = 0; i < fine.blockOf.length; i++) {
    const f = fine.blockOf[i]!, c = coarse.blockOf[i]!;
    if (image[f] === -1) image[f] = c;
    else if (image[f] !== c) return false;
  }
  return true;
}
