/**
 * `flexos explore --measure`: argv never through a shell, repetitions and warm-up, the result
 * cache (resume, refusal of a foreign cache), timeouts, parallel jobs, and the answer against brute force.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { capture } from './support.js';

const SCRIPT = resolve('test/explore/fixtures/measure.sh');
const SPACE = `libraries: [app, kvs, ramfs]
layouts:
  max_compartments: 3
mechanisms: [fcalls]
hardening:
  kvs: [ubsan]
  ramfs: [stack-protector]
`;
// 5 layouts × 4 hardening = 20 configurations; value = 1000 / (1 + 0.3(k−1) + 0.1h)
const valueOf = (k: number, h: number) => 1000 / (1 + 0.3 * (k - 1) + 0.1 * h);

let dir: string;
let space: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flexos-explore-measure-'));
  space = join(dir, 'space.yaml');
  writeFileSync(space, SPACE);
  process.env.MEASURE_LOG = join(dir, 'log');
  delete process.env.MEASURE_SLOW_LIB;
  delete process.env.MEASURE_HOLD_MS;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.MEASURE_LOG;
});

const runs = (): string[] => (existsSync(join(dir, 'log', 'runs.log')) ? readFileSync(join(dir, 'log', 'runs.log'), 'utf8').trim().split('\n') : []);

async function explore(...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = capture();
  const code = await main(['explore', space, '--work', join(dir, 'work'), '--measure', SCRIPT, ...extra], c.out);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

test('the budget answer is the brute-force one; warm-up + repetitions per configuration; argv passed literally', async () => {
  // budget 700: k=1,h≤2 (1000..833) and k=2,h≤1 (769, 714) meet it; k=2,h=2 (667) and k=3 (625) do not
  const r = await explore('--budget', '700', '--repeat', '2', '--warmup', '1', '--json', '--', '$(touch PWNED); echo', '{config}');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const json = JSON.parse(r.stdout);
  const byIndex = new Map<number, { label: string; value: number | null; status: string }>(json.configurations.map((c: { index: number }) => [c.index, c]));
  const answerLabels = json.answer.map((i: number) => byIndex.get(i)!.label).sort();
  // maximal among value ≥ 700: the 2-compartment layouts with one hardened library (714) and the
  // single compartment with both hardened (833), since 2 compartments with both (667) miss it
  expect(answerLabels).toEqual(['{kvs,ramfs} h:kvs', '{kvs,ramfs} h:ramfs', '{kvs} h:kvs', '{kvs} h:ramfs', '{ramfs} h:kvs', '{ramfs} h:ramfs', '{} h:kvs,ramfs']);
  for (const i of json.answer) expect([valueOf(2, 1), valueOf(1, 2)].some((v) => Math.abs(byIndex.get(i)!.value! - v) < 1e-6)).toBe(true);
  expect(json.measured).toBeLessThan(20);
  expect(runs().length).toBe(json.measurements * 3); // 1 warm-up + 2 measured runs each
  const argv = JSON.parse(readFileSync(join(dir, 'log', 'argv.json'), 'utf8'));
  expect(argv.args[0]).toBe('$(touch PWNED); echo');
  expect(argv.args[1]).toBe(argv.env); // {config} replaced by the file, also in FLEXOS_CONFIG
  expect(argv.env).toMatch(/work\/configs\/\d{5}-[0-9a-f]{8}\.yaml$/);
  expect(existsSync('PWNED') || existsSync(join(dir, 'PWNED'))).toBe(false);
  // brute force over every configuration (from the cache plus the rest) gives the same answer
  const all = await explore('--exhaustive', '--budget', '700', '--repeat', '2', '--warmup', '1', '--json', '--', '$(touch PWNED); echo', '{config}');
  const exhaustive = JSON.parse(all.stdout);
  expect(exhaustive.measured).toBe(20);
  expect(exhaustive.answer).toEqual(json.answer);
  expect(runs().length).toBe(20 * 3); // the cached configurations were not run again
});

test('an interrupted or repeated exploration resumes from the cache; a cache of another command is refused', async () => {
  const first = await explore('--budget', '700', '--repeat', '1', '--warmup', '0');
  expect(first.code).toBe(0);
  const after = runs().length;
  expect(after).toBeGreaterThan(0);
  const again = await explore('--budget', '700', '--repeat', '1', '--warmup', '0');
  expect(runs().length).toBe(after); // nothing run again
  expect(again.stdout.replace(/\d+ from the cache/, '')).toBe(first.stdout.replace(/\d+ from the cache/, ''));
  expect(again.stdout).toMatch(new RegExp(`${after} from the cache`));
  // another budget reuses what is cached and measures only what it lacks
  await explore('--budget', '900', '--repeat', '1', '--warmup', '0');
  const more = runs().length - after;
  expect(more).toBeLessThan(after + 20);
  const foreign = await explore('--budget', '700', '--repeat', '3');
  expect(foreign.code).toBe(2);
  expect(foreign.stderr).toMatch(/results\.json: the result cache was made by another measuring command .*; pass another --cache or delete it/);
});

test('a run over --timeout fails its configuration (reported), which counts as missing the budget; nothing hangs', async () => {
  process.env.MEASURE_SLOW_LIB = 'kvs';
  const r = await explore('--exhaustive', '--budget', '700', '--repeat', '1', '--warmup', '0', '--timeout', '1', '--jobs', '2', '--json');
  const json = JSON.parse(r.stdout);
  const failed = json.configurations.filter((c: { value: number | null }) => c.value === null);
  expect(failed.length).toBe(10); // kvs hardened in half of the 20
  for (const f of failed) expect(f.label).toMatch(/h:kvs/);
  expect(r.stderr).toMatch(/failed: run 1: timed out after 1 s/);
  // with kvs hardening failing, the answer is the 2-compartment layouts with ramfs hardened
  for (const i of json.answer) expect(json.configurations[i].label).toMatch(/h:ramfs$/);
  expect(json.answer.length).toBe(3);
}, 60_000);

test('--jobs 2 measures two configurations at once', async () => {
  process.env.MEASURE_HOLD_MS = '400';
  const r = await explore('--exhaustive', '--repeat', '1', '--warmup', '0', '--jobs', '2');
  expect(r.code).toBe(0);
  const seen = readFileSync(join(dir, 'log', 'concurrency.log'), 'utf8').trim().split('\n').map(Number);
  expect(seen.length).toBe(20);
  expect(Math.max(...seen)).toBe(2);
}, 60_000);

test('usage errors exit 2 with what to do', async () => {
  const c = capture();
  expect(await main(['explore', space, '--budget', '5'], c.out)).toBe(2);
  expect(c.stderr()).toMatch(/--budget and --exhaustive need measurements: add --measure PROGRAM/);
  const d = capture();
  expect(await main(['explore', space, '--measure', 'x', '--repeat', '0', '--budget', '1'], d.out)).toBe(2);
  expect(d.stderr()).toMatch(/--repeat takes an integer ≥ 1/);
  const e = capture();
  expect(await main(['explore', join(dir, 'missing.yaml'), '--list'], e.out)).toBe(2);
  expect(e.stderr()).toMatch(/missing\.yaml: cannot read the space spec \(no such file\)/);
  const f = capture();
  expect(await main(['explore', space, '--work', join(dir, 'w'), '--budget', '1', '--measure', join(dir, 'no-such-program'), '--repeat', '1', '--warmup', '0'], f.out)).toBe(1);
  expect(f.stderr()).toMatch(/failed: run 1: cannot run .*no-such-program/);
});

test('killed mid-way, the exploration resumes: finished configurations are not measured again', async () => {
  const { spawn } = await import('node:child_process');
  process.env.MEASURE_HOLD_MS = '300';
  const child = spawn(process.execPath, ['bin/flexos.js', 'explore', space, '--work', join(dir, 'work'), '--measure', SCRIPT, '--exhaustive', '--repeat', '1', '--warmup', '0'], { stdio: 'ignore', env: process.env });
  const started = Date.now();
  while (runs().length < 4 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const cache = JSON.parse(readFileSync(join(dir, 'work', 'results.json'), 'utf8'));
  const finished = Object.keys(cache.results).length;
  expect(finished).toBeGreaterThanOrEqual(3);
  expect(finished).toBeLessThan(20);
  const before = runs().length;
  const r = await explore('--exhaustive', '--repeat', '1', '--warmup', '0', '--json');
  expect(JSON.parse(r.stdout).measured).toBe(20);
  expect(runs().length - before).toBe(20 - finished);
}, 90_000);

test('Ctrl-C (SIGINT) ends the runs in flight with the explorer, exit 130', async () => {
  const { spawn } = await import('node:child_process');
  const { readdirSync } = await import('node:fs');
  process.env.MEASURE_HOLD_MS = '60000';
  const child = spawn(process.execPath, ['bin/flexos.js', 'explore', space, '--work', join(dir, 'work'), '--measure', SCRIPT, '--exhaustive', '--repeat', '1', '--warmup', '0'], { stdio: 'ignore', env: process.env });
  const active = join(dir, 'log', 'active');
  const started = Date.now();
  while (!(existsSync(active) && readdirSync(active).length > 0) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
  const [held] = readdirSync(active);
  // running = exists and not a zombie (an orphan's zombie waits for init to reap it)
  const alive = (pid: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  expect(alive(Number(held))).toBe(true);
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('close', (c) => r(c)));
  expect(code).toBe(130);
  await new Promise((r) => setTimeout(r, 200));
  expect(alive(Number(held))).toBe(false);
}, 90_000);

test('Ctrl-C on a pipe: the message is written before the exit, the run it ended is not cached, and the next run resumes', async () => {
  const { spawn } = await import('node:child_process');
  process.env.MEASURE_HOLD_MS = '400';
  // both streams on one pipe, as `2>&1 | …`: what the process printed must get out before it ends
  const child = spawn(process.execPath, ['bin/flexos.js', 'explore', space, '--work', join(dir, 'work'), '--measure', SCRIPT, '--exhaustive', '--repeat', '1', '--warmup', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (output += d.toString()));
  const started = Date.now();
  // three finished and a fourth holding its slot
  while (runs().length < 4 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('close', (c) => r(c)));
  expect(code).toBe(130);
  const cacheFile = join(dir, 'work', 'results.json');
  const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { results: Record<string, { samples: number[] | null }[]> };
  const finished = Object.values(cache.results).flat();
  expect(finished.length).toBeGreaterThanOrEqual(3);
  // the run the interruption ended measured nothing and left no failure behind
  expect(finished.every((o) => o.samples !== null && o.samples.length === 1)).toBe(true);
  expect(output).toContain(`flexos: explore: interrupted by SIGINT while measuring; the runs in flight were ended and measured nothing; the ${finished.length} measurements that finished are in ${cacheFile}: the same command resumes from there\n`);
  delete process.env.MEASURE_HOLD_MS;
  const before = runs().length;
  const r = await explore('--exhaustive', '--repeat', '1', '--warmup', '0', '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).measured).toBe(20);
  expect(runs().length - before).toBe(20 - finished.length);
}, 90_000);
