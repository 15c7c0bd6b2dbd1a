/**
 * The FlexOS artifact's Nginx sweep (../shared/data/flexos-nginx80): the 144 permutations reduce
 * to the paper's 80 configurations, the two relations have the paper's cover counts, and for
 * every budget on a grid across the measured range the search's answer equals the brute-force
 * answer over all 80, for both relations.
 */
import { aggregate } from '../../src/explore/aggregate.js';
import { configurationKey } from '../../src/explore/enumerate.js';
import type { RelationName } from '../../src/explore/model.js';
import { buildPoset, coverEdges, makeLeq } from '../../src/explore/order.js';
import { bruteForceAnswer, BudgetSearch, configurationFeatures, DEFAULT_SEARCH, searchWith } from '../../src/explore/search.js';
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../src/explore/csv.js';
import { NGINX_PERMUTATIONS, nginxReplay } from './support.js';

const data = nginxReplay();
const values = data.samples.map((s) => aggregate(s));
const poset = (relation: RelationName) => buildPoset(data.configs.length, makeLeq(data.space, data.configs, relation));

describe('reduction of the sweep', () => {
  test('144 permutations, 96 built, 16 duplicates up to renumbering: 80 configurations', () => {
    expect(data.permutations).toBe(144);
    expect(data.built).toBe(96);
    expect(data.duplicates).toBe(16);
    expect(data.configs.length).toBe(80);
    expect(new Set(data.configs.map((c) => configurationKey(data.space, c))).size).toBe(80);
  });

  test('5 layouts × 16 hardening combinations; the kept rows are the canonically numbered ones', () => {
    const layouts = data.space.layouts.map((l) => {
      const lib = (name: string) => l.blockOf[data.space.libraries.indexOf(name)]! + 1;
      return `${lib('lwip')},${lib('uksched')}`;
    });
    expect(layouts.sort()).toEqual(['1,1', '1,2', '2,1', '2,2', '2,3']);
    expect(data.space.hardening.filter((h) => h.length === 2).length).toBe(4); // lwip, nginx, newlib, uksched
    // nginx, newlib, tlsf, pthread-embedded stay in the default compartment
    for (const c of data.configs) for (const lib of ['nginx', 'newlib', 'tlsf', 'pthread-embedded']) expect(data.space.layouts[c.layout]!.blockOf[data.space.libraries.indexOf(lib)]).toBe(0);
    // of each duplicate pair the row kept is the one without lwip in compartment 3
    const table = parseCsv(readFileSync(NGINX_PERMUTATIONS, 'utf8'));
    const lwip = table.header.indexOf('LIBLWIP_COMPARTMENT'), task = table.header.indexOf('TASKID');
    const kept = new Set(data.taskIds);
    const lwipOf = table.rows.filter((r) => kept.has(r.cells[task]!)).map((r) => r.cells[lwip]);
    expect(lwipOf.length).toBe(80);
    expect(lwipOf.filter((c) => c === '3')).toEqual([]);
  });

  test('warm-up: iteration 1 is dropped, the median of iterations 2–5 is the value', () => {
    expect(data.samples.every((s) => s.length === 4)).toBe(true);
    const all = nginxReplay(0);
    expect(all.samples.every((s) => s.length === 5)).toBe(true);
    // iteration 1 is about half the others: dropping it raises the median of every configuration
    const raised = all.samples.filter((s, i) => aggregate(s) < values[i]!).length;
    expect(raised).toBeGreaterThan(40);
  });
});

describe('safety relations', () => {
  test('the paper\'s drawn poset has 166 cover edges, the product order 256', () => {
    expect(coverEdges(poset('paper')).length).toBe(166);
    expect(coverEdges(poset('product')).length).toBe(256);
  });

  test('the paper relation is a sub-relation of the product order', () => {
    const p = poset('paper'), q = poset('product');
    for (let i = 0; i < 80; i++) for (let j = 0; j < 80; j++) if (p.leq(i, j)) expect(q.leq(i, j)).toBe(true);
  });

  test('paper: covers are one more hardened library in a layout, or unhardened layout refinements', () => {
    const p = poset('paper');
    for (const [a, b] of coverEdges(p)) {
      const ca = data.configs[a]!, cb = data.configs[b]!;
      const hardenedA = ca.hardening.reduce((s, h) => s + h, 0), hardenedB = cb.hardening.reduce((s, h) => s + h, 0);
      if (ca.layout === cb.layout) expect(hardenedB - hardenedA).toBe(1);
      else expect([hardenedA, hardenedB]).toEqual([0, 0]);
    }
  });
});

describe('budget search equals brute force over all 80', () => {
  const lo = Math.min(...values), hi = Math.max(...values);
  const grid = Array.from({ length: 41 }, (_, t) => lo + ((hi - lo) * t) / 40);
  test.each(['product', 'paper'] as RelationName[])('%s relation, 41 budgets from the slowest to the fastest', (relation) => {
    const p = poset(relation);
    let measured = 0;
    let violationsSeen = 0;
    for (const budget of grid) {
      const search = new BudgetSearch(p, { budget, better: 'higher', ...DEFAULT_SEARCH, remeasure: 0 }, configurationFeatures(data.space, data.configs));
      const r = searchWith(search, (i) => values[i]!);
      expect({ budget, answer: r.answer }).toEqual({ budget, answer: bruteForceAnswer(p, values, (v) => v >= budget) });
      // every reported violation is real: the safer configuration measured better
      for (const v of r.violations) expect(values[v.upper]! / values[v.lower]! - 1).toBeCloseTo(v.by, 9);
      expect(r.lowerBound).toBeLessThanOrEqual(r.measured);
      measured += r.measured;
      violationsSeen += r.violations.length;
    }
    expect(measured).toBeLessThan(grid.length * 80 * 0.5); // far fewer than exhaustive
    expect(violationsSeen).toBeGreaterThan(0); // the data break monotonicity and the search says so
  });

  test.each(['product', 'paper'] as RelationName[])('%s relation with the tolerance set above the largest violation of the data: exact by construction', (relation) => {
    const p = poset(relation);
    // the largest violation over every comparable pair of the sweep
    let worst = 0;
    for (let i = 0; i < 80; i++) for (let j = 0; j < 80; j++) if (i !== j && p.leq(i, j)) worst = Math.max(worst, values[j]! / values[i]! - 1);
    expect(worst).toBeGreaterThan(0.2);
    for (const budget of grid) {
      const search = new BudgetSearch(p, { budget, better: 'higher', tolerance: worst, noise: 0, remeasure: 0, widen: false }, configurationFeatures(data.space, data.configs));
      expect(searchWith(search, (i) => values[i]!).answer).toEqual(bruteForceAnswer(p, values, (v) => v >= budget));
    }
  });

  test('lower is better: the same answers on negated-direction data (1/throughput)', () => {
    const p = poset('product');
    const inverse = values.map((v) => 1e9 / v);
    for (const budget of grid.filter((_, k) => k % 4 === 0)) {
      const b = 1e9 / budget;
      const search = new BudgetSearch(p, { budget: b, better: 'lower', ...DEFAULT_SEARCH, remeasure: 0 }, configurationFeatures(data.space, data.configs));
      expect(searchWith(search, (i) => inverse[i]!).answer).toEqual(bruteForceAnswer(p, inverse, (v) => v <= b));
    }
  });

  test('batches of pairwise incomparable configurations (parallel rounds) give the same answers', () => {
    const p = poset('paper');
    for (const budget of grid.filter((_, k) => k % 5 === 0)) {
      const search = new BudgetSearch(p, { budget, better: 'higher', ...DEFAULT_SEARCH, remeasure: 0 }, configurationFeatures(data.space, data.configs));
      expect(searchWith(search, (i) => values[i]!, 4).answer).toEqual(bruteForceAnswer(p, values, (v) => v >= budget));
    }
  });
});
