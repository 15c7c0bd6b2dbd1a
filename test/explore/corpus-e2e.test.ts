/**
 * End to end on the corpus (issue 10, item 7): a space of 4 layouts × hardening of 3 libraries
 * (32 vmept configurations, corpus/spaces/vmept-4x8.yaml); every configuration explore measures is
 * rewritten, built (-O1) and benchmarked by the e2e harness (scripts/explore-bench-corpus.mjs,
 * which also checks the corpus checksum); the budget is set between the fastest and the slowest
 * configuration. The answer is checked against what was measured: every answer meets the budget,
 * nothing measured above an answer meets it, and every configuration left unmeasured is settled
 * (below a measured one that meets the budget, or above one that misses it).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { capture } from './support.js';

const SPACE = resolve('corpus/spaces/vmept-4x8.yaml');
const MEASURE = resolve('scripts/explore-bench-corpus.mjs');
const CHECKSUM = '0xe7701a5e796fd948';
const ITERATIONS = '10';

const builtDist = spawnSync('test', ['-f', 'dist/harness/e2e.js']).status === 0;

(builtDist ? test : test.skip)(`${builtDist ? '' : 'SKIPPED (dist/ not built): '}explore on the corpus: rewritten, built and benchmarked per configuration; safest under a mid budget`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flexos-explore-corpus-'));
  try {
    process.env.FLEXOS_EXPECT_CHECKSUM = CHECKSUM;
    process.env.OPT = '-O1'; // the generated Makefile's optimisation level: quicker builds
    const explore = async (budget: number, ...extra: string[]) => {
      const c = capture();
      const code = await main(['explore', SPACE, '--work', join(dir, 'work'), '--budget', String(budget), '--repeat', '1', '--warmup', '0', '--remeasure', '1', '--timeout', '300', '--json', ...extra, '--measure', process.execPath, '--', MEASURE, 'corpus/ported', '{config}', ITERATIONS], c.out);
      return { code, c };
    };
    // budget 0 is met by everything: the search measures the least safe configuration (all
    // together, unhardened: the fastest) and the safest one (3 compartments, all hardened: the
    // slowest) and stops; both land in the result cache the real search then reuses
    const ends = await explore(0);
    expect(ends.c.stderr()).toBe('');
    const endsJson = JSON.parse(ends.c.stdout());
    expect(endsJson.measured).toBe(2);
    const fastest = endsJson.configurations[0].value as number, slowest = endsJson.configurations[31].value as number;
    expect(endsJson.answer).toEqual([31]);
    expect(fastest).toBeGreaterThan(slowest);
    const budget = Math.sqrt(fastest * slowest);
    const { code, c } = await explore(budget, '--svg', join(dir, 'poset.svg'));
    expect(c.stderr()).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(c.stdout());
    expect(r.total).toBe(32);
    type Node = { index: number; status: string; value: number | null };
    const nodes: Node[] = r.configurations;
    const above = new Map<number, Set<number>>(nodes.map((n) => [n.index, new Set<number>()]));
    // strict upper sets from the cover edges (transitive closure)
    const succ = new Map<number, number[]>(nodes.map((n) => [n.index, []]));
    for (const [a, b] of r.covers as [number, number][]) succ.get(a)!.push(b);
    const closure = (i: number): Set<number> => {
      const s = above.get(i)!;
      if (s.size > 0 || succ.get(i)!.length === 0) return s;
      for (const j of succ.get(i)!) (s.add(j), closure(j).forEach((k) => s.add(k)));
      return s;
    };
    nodes.forEach((n) => closure(n.index));
    const meets = (n: Node) => n.value !== null && n.value >= budget;
    const measured = nodes.filter((n) => n.value !== null);
    expect(r.answer.length).toBeGreaterThan(0);
    for (const a of r.answer as number[]) {
      expect(meets(nodes[a]!)).toBe(true);
      for (const j of above.get(a)!) expect(meets(nodes[j]!)).toBe(false);
    }
    for (const n of nodes.filter((x) => x.status === 'unmeasured')) {
      const settledBelow = measured.some((m) => meets(m) && above.get(n.index)!.has(m.index));
      const settledAbove = measured.some((m) => !meets(m) && above.get(m.index)!.has(n.index));
      expect({ index: n.index, settled: settledBelow || settledAbove }).toEqual({ index: n.index, settled: true });
    }
    expect(r.measured).toBeLessThan(32);
  } finally {
    delete process.env.FLEXOS_EXPECT_CHECKSUM;
    delete process.env.OPT;
    rmSync(dir, { recursive: true, force: true });
  }
}, 1_800_000);
