// `npm run bench -- --only explore`: the explore targets of issue 10.
//  - replay of the FlexOS Nginx sweep (../shared/data/flexos-nginx80): on a grid of 41 budgets
//    from the slowest to the fastest configuration, for both relations, the share of the 80
//    configurations the search measures (target ≤ 35% on average) against the certificate lower
//    bound (target within 1.5×), and whether every answer equals brute force;
//  - `flexos explore --list` on a space of 10,872 configurations (target ≤ 2 s), in a fresh process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.js';

const NGINX = process.env.FLEXOS_NGINX80 ?? join(ROOT, '..', 'shared', 'data', 'flexos-nginx80');
const NGINX_FALLBACK = '/work/shared/data/flexos-nginx80';
const FRACTION_TARGET = 0.35;
const BOUND_TARGET = 1.5;
const LIST_TARGET_MS = 2000;
const GRID = 41;

const dist = (p) => join(ROOT, 'dist', p);

async function replayRows() {
  const dir = existsSync(join(NGINX, 'nginx.csv')) ? NGINX : NGINX_FALLBACK;
  if (!existsSync(join(dir, 'nginx.csv'))) return { rows: [], note: `no Nginx sweep at ${NGINX} (set FLEXOS_NGINX80)`, results: [] };
  const { readReplay } = await import(dist('explore/replay.js'));
  const { aggregate } = await import(dist('explore/aggregate.js'));
  const { buildPoset, makeLeq } = await import(dist('explore/order.js'));
  const { BudgetSearch, bruteForceAnswer, configurationFeatures, searchWith, DEFAULT_SEARCH } = await import(dist('explore/search.js'));
  const { loadMechanisms } = await import(dist('config/mechanisms.js'));
  const strengths = new Map([...loadMechanisms().values()].map((m) => [m.driver, m.strength]));
  const perm = join(dir, 'permutations-3.csv'), res = join(dir, 'nginx.csv');
  const data = readReplay(readFileSync(perm, 'utf8'), perm, readFileSync(res, 'utf8'), res, { warmup: 1, strengths });
  const values = data.samples.map((s) => aggregate(s));
  const n = values.length;
  const lo = Math.min(...values), hi = Math.max(...values);
  const rows = [], results = [];
  for (const relation of ['product', 'paper']) {
    const poset = buildPoset(n, makeLeq(data.space, data.configs, relation));
    let measured = 0, bound = 0, exact = 0, ratio = 0;
    for (let t = 0; t < GRID; t++) {
      const budget = lo + ((hi - lo) * t) / (GRID - 1);
      const search = new BudgetSearch(poset, { budget, better: 'higher', ...DEFAULT_SEARCH, remeasure: 0 }, configurationFeatures(data.space, data.configs));
      const r = searchWith(search, (i) => values[i]);
      const bf = bruteForceAnswer(poset, values, (v) => v >= budget);
      if (JSON.stringify(bf) === JSON.stringify(r.answer)) exact++;
      measured += r.measured;
      bound += r.lowerBound;
      ratio += r.measured / r.lowerBound;
    }
    const fraction = measured / (GRID * n);
    const boundFraction = bound / (GRID * n);
    const overBound = measured / bound;
    rows.push([
      `replay nginx (${n} configs), ${relation} relation`,
      `${exact}/${GRID}`,
      `${(100 * fraction).toFixed(1)}%`,
      `${(100 * boundFraction).toFixed(1)}%`,
      `${overBound.toFixed(2)}× (per budget ${(ratio / GRID).toFixed(2)}×)`,
      `≤ ${100 * FRACTION_TARGET}% ${fraction <= FRACTION_TARGET ? '✓' : '✗'}; ≤ ${BOUND_TARGET}× ${overBound <= BOUND_TARGET ? '✓' : '✗'}`,
    ]);
    results.push({ relation, budgets: GRID, exact, measuredFraction: fraction, lowerBoundFraction: boundFraction, measuredOverBound: overBound, meanRatioPerBudget: ratio / GRID });
  }
  return { rows, results };
}

function listRow(runs) {
  const dir = mkdtempSync(join(tmpdir(), 'flexos-bench-explore-'));
  try {
    const space = join(dir, 'space.yaml');
    // 52 layouts of 5 libraries × mechanism per compartment (fcalls, vmept) × 3 hardened libraries × 3 strategies
    writeFileSync(space, 'libraries: [app, kvs, ramfs, ukhash, uklock]\nmechanisms: [fcalls, vmept]\nhardening:\n  kvs: [ubsan]\n  ramfs: [stack-protector]\n  ukhash: [ubsan]\nsharing: [shared-stack, dss, heap]\n');
    const probe = join(dir, 'probe.mjs');
    // the whole process: start-up, module loading, the command; CPU = user + system of the process
    writeFileSync(probe, `const { main } = await import(${JSON.stringify(dist('cli/main.js'))});
let bytes = 0; const code = await main(['explore', ${JSON.stringify(space)}, '--list'], { stdout: (t) => (bytes += t.length), stderr: (t) => process.stderr.write(t) });
const u = process.cpuUsage(); console.log(JSON.stringify({ code, bytes, wallMs: performance.now(), cpuMs: (u.user + u.system) / 1000 }));\n`);
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [probe], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`explore --list failed: ${r.stderr}`);
      samples.push(JSON.parse(r.stdout.trim().split('\n').pop()));
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const wall = med(samples.map((s) => s.wallMs)), cpu = med(samples.map((s) => s.cpuMs));
    const count = Number(/(\d+) configurations/.exec(spawnSync(process.execPath, [join(ROOT, 'bin', 'flexos.js'), 'explore', space, '--list'], { encoding: 'utf8' }).stdout.split('\n').slice(-2).join(''))?.[1]);
    return {
      row: [`explore --list, ${count.toLocaleString('en-US')} configurations`, '-', `${wall.toFixed(0)} ms wall`, `${cpu.toFixed(0)} ms CPU`, '', `≤ ${LIST_TARGET_MS} ms ${cpu <= LIST_TARGET_MS ? '✓' : '✗'} (CPU; wall ${wall <= LIST_TARGET_MS ? '✓' : '✗'})`],
      result: { configurations: count, medianWallMs: wall, medianCpuMs: cpu, runs: samples },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function exploreBench({ runs, report, table }) {
  const { rows, results, note } = await replayRows();
  const list = listRow(runs);
  report.explore = { replay: results, list: list.result };
  console.log(`\nExplore: budget search on the FlexOS Nginx sweep (${GRID} budgets, slowest to fastest; median of iterations 2–5) and --list speed (median of ${runs} fresh processes)\n`);
  console.log(table(['workload', 'exact answers', 'measured', 'lower bound', 'measured / bound', 'target'], [...rows, list.row]));
  if (note) console.log(`\n${note}`);
  console.log(`
measured: configurations the search looked up, averaged over the budgets, as a share of all;
lower bound: maximal feasible + minimal infeasible configurations (no search can measure fewer and
be sure); measured / bound is the ratio of the sums over the grid (the mean of the per-budget
ratios in brackets). exact answers: budgets whose answer equals the brute-force answer over all
configurations. --list CPU = user + system time of the whole process (start-up included).`);
}
