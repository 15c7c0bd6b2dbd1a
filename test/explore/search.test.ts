/** The budget search on small spaces where every step can be reasoned about. */
import { enumerateConfigurations, configurationLabel } from '../../src/explore/enumerate.js';
import { buildPoset, coverEdges, makeLeq } from '../../src/explore/order.js';
import { bruteForceAnswer, BudgetSearch, configurationFeatures, searchWith } from '../../src/explore/search.js';
import { parseSpace } from '../../src/explore/spec.js';
import { strengths } from './support.js';

// 2 layouts ({a,b}, {a|b}) × mechanisms for the split one (fcalls/vmept each: 4) + 1 × hardening of b (2)
const { space } = parseSpace('libraries: [a, b]\nmechanisms: [fcalls, vmept]\nhardening:\n  b: [ubsan]\nsharing: [shared-stack, dss, heap]\n', 's.yaml', strengths());
const configs = enumerateConfigurations(space);
const poset = buildPoset(configs.length, makeLeq(space, configs, 'product'));
const label = (i: number) => configurationLabel(space, configs[i]!);

test('mechanisms fcalls < vmept per library; shared-stack below dss and heap, which are incomparable', () => {
  const find = (l: string) => configs.findIndex((_, i) => label(i) === l);
  const bottom = find('{*:fcalls|b:fcalls} shared-stack');
  expect(poset.leq(bottom, find('{*:fcalls|b:vmept} shared-stack'))).toBe(true);
  expect(poset.leq(find('{*:fcalls|b:vmept} shared-stack'), find('{*:fcalls|b:fcalls} shared-stack'))).toBe(false);
  expect(poset.leq(bottom, find('{*:fcalls|b:fcalls} dss'))).toBe(true);
  expect(poset.leq(find('{*:fcalls|b:fcalls} dss'), find('{*:fcalls|b:fcalls} heap'))).toBe(false);
  expect(poset.leq(find('{*:fcalls|b:fcalls} heap'), find('{*:fcalls|b:fcalls} dss'))).toBe(false);
  // one compartment is below every split, whatever the split's mechanisms
  expect(poset.leq(find('{} shared-stack'), bottom)).toBe(true);
  // covers are irreflexive and not implied by two others
  for (const [a, b] of coverEdges(poset)) {
    expect(a).not.toBe(b);
    expect(poset.leq(a, b)).toBe(true);
  }
});

/** Value: 100 − 10·(isolating boundary) − 5·(vmept) − 3·(hardening) − 1·(private stacks). */
function value(i: number): number {
  const c = configs[i]!;
  const l = space.layouts[c.layout]!;
  const vmept = c.mechanisms.filter((m) => m === 'vmept').length;
  return 100 - 10 * (l.blocks - 1) - 5 * vmept - 3 * c.hardening[1]! - (c.sharing === 'shared-stack' ? 0 : 1);
}

test('monotone data: every budget gives the brute-force answer, measuring fewer than all', () => {
  const values = configs.map((_, i) => value(i));
  for (let budget = 70; budget <= 101; budget++) {
    const s = new BudgetSearch(poset, { budget, better: 'higher', tolerance: 0.05, noise: 0, remeasure: 0 }, configurationFeatures(space, configs));
    const r = searchWith(s, (i) => values[i]!);
    expect(r.answer).toEqual(bruteForceAnswer(poset, values, (v) => v >= budget));
    expect(r.violations).toEqual([]);
    expect(r.measured).toBeLessThan(configs.length);
  }
});

test('violations: exact when the tolerance covers them; a violation met on the way is reported and widens the tolerance', () => {
  // hardening b makes the split layouts 20% faster: a violation far beyond the 5% tolerance
  const values = configs.map((_, i) => value(i) * (configs[i]!.hardening[1] === 1 && space.layouts[configs[i]!.layout]!.blocks === 2 ? 1.2 : 1));
  let reported = 0;
  for (let budget = 70; budget <= 106; budget++) {
    // the guarantee: no violation larger than the tolerance ⇒ the brute-force answer
    const covered = new BudgetSearch(poset, { budget, better: 'higher', tolerance: 0.25, noise: 0, remeasure: 0 }, configurationFeatures(space, configs));
    expect({ budget, answer: searchWith(covered, (i) => values[i]!).answer }).toEqual({ budget, answer: bruteForceAnswer(poset, values, (v) => v >= budget) });
    // with the default 5%, the violations it meets are reported and widen the tolerance (one it
    // never meets can hide a configuration: the README says so)
    const s = new BudgetSearch(poset, { budget, better: 'higher', tolerance: 0.05, noise: 0, remeasure: 0 }, configurationFeatures(space, configs));
    const r = searchWith(s, (i) => values[i]!);
    for (const v of r.violations) {
      expect(poset.leq(v.lower, v.upper)).toBe(true);
      expect(values[v.upper]!).toBeGreaterThan(values[v.lower]!);
    }
    if (r.violations.some((v) => v.by > 0.05)) {
      reported++;
      expect(r.tolerance).toBeGreaterThan(0.05);
    }
  }
  expect(reported).toBeGreaterThan(0);
});

test('a value within the noise band of the budget is measured again, and decided on the median', () => {
  // configuration 0 ({} shared-stack, value 100) measures 100.5, 99.0, 99.2 in turn: median 99.2 < 99.5
  const budget = 99.5;
  const seq = [100.5, 99.0, 99.2];
  let k = 0;
  const s = new BudgetSearch(poset, { budget, better: 'higher', tolerance: 0.05, noise: 0.02, remeasure: 2 }, configurationFeatures(space, configs));
  const r = searchWith(s, (i) => (i === 0 ? seq[Math.min(k++, 2)]! : value(i)));
  expect(k).toBe(3);
  expect(r.values.get(0)).toBeCloseTo(99.2, 9);
  expect(r.answer).toEqual([]);
  expect(r.measurements).toBeGreaterThanOrEqual(r.measured + 2);
});

test('a failed measurement counts as missing the budget and settles everything above it', () => {
  const s = new BudgetSearch(poset, { budget: 50, better: 'higher', tolerance: 0.05, noise: 0, remeasure: 0 }, configurationFeatures(space, configs));
  const r = searchWith(s, (i) => (i === 0 ? null : value(i)));
  expect(r.answer).toEqual([]);
  expect(r.frontier).toEqual([0]);
  expect(r.measured).toBe(1);
});
