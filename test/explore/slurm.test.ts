/**
 * `--executor slurm` against a real single-node Slurm cluster (Debian's slurm-wlm and munge,
 * installed by scripts/setup-slurm.sh) that this test starts and stops
 * (scripts/slurm-local-cluster.sh, everything under a temp dir). Skipped, with the reason in the
 * test name, only where the packages cannot be installed or the daemons cannot start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli/main.js';
import { capture } from './support.js';

const SCRIPT = resolve('test/explore/fixtures/measure.sh');
const dir = mkdtempSync(join(tmpdir(), 'flexos-explore-slurm-'));
const clusterDir = join(dir, 'cluster');

function startCluster(): { ok: true; conf: string } | { ok: false; reason: string } {
  if (!existsSync('dist/explore/run/task-runner.js')) return { ok: false, reason: 'dist/ is not built (npx tsc -p tsconfig.json)' };
  const setup = spawnSync('bash', ['scripts/setup-slurm.sh'], { encoding: 'utf8' });
  if (setup.status !== 0) return { ok: false, reason: `scripts/setup-slurm.sh failed: ${(setup.stderr || setup.stdout).trim().split('\n').pop()}` };
  const start = spawnSync('bash', ['scripts/slurm-local-cluster.sh', 'start', clusterDir], { encoding: 'utf8', timeout: 60_000 });
  const conf = /^SLURM_CONF=(.*)$/m.exec(start.stdout)?.[1];
  if (start.status !== 0 || !conf) return { ok: false, reason: `the local cluster did not start: ${(start.stderr || start.stdout).trim().split('\n').pop()}` };
  return { ok: true, conf };
}

const cluster = startCluster();
afterAll(() => {
  spawnSync('bash', ['scripts/slurm-local-cluster.sh', 'stop', clusterDir]);
  rmSync(dir, { recursive: true, force: true });
});

const SPACE = 'libraries: [app, kvs, ramfs]\nlayouts:\n  max_compartments: 3\nmechanisms: [fcalls]\nhardening:\n  kvs: [ubsan]\n  ramfs: [stack-protector]\n';
const name = cluster.ok ? 'job arrays on a local slurm cluster give the local executor\'s answer' : `SKIPPED (${cluster.reason}): job arrays on a local slurm cluster`;

(cluster.ok ? test : test.skip)(name, async () => {
  const conf = (cluster as { conf: string }).conf;
  const space = join(dir, 'space.yaml');
  writeFileSync(space, SPACE);
  const env = { ...process.env, SLURM_CONF: conf, MEASURE_LOG: join(dir, 'log-slurm') };
  const args = (work: string, ...extra: string[]) => ['explore', space, '--work', work, '--measure', SCRIPT, '--budget', '700', '--repeat', '2', '--warmup', '0', '--json', ...extra];
  const r = spawnSync(process.execPath, ['bin/flexos.js', ...args(join(dir, 'w-slurm'), '--executor', 'slurm', '--jobs', '4')], { encoding: 'utf8', env, timeout: 600_000 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const viaSlurm = JSON.parse(r.stdout);
  expect(viaSlurm.source).toMatch(/executor slurm/);
  const local = capture();
  expect(await main(args(join(dir, 'w-local')), local.out)).toBe(0);
  const viaLocal = JSON.parse(local.stdout());
  expect(viaSlurm.answer).toEqual(viaLocal.answer);
  expect(viaSlurm.answer.length).toBeGreaterThan(0);
  // every round was one array job; each task ran the argv (2 runs each) and wrote its outcome
  const rounds = readdirSync(join(dir, 'w-slurm', 'slurm'));
  expect(rounds.length).toBeGreaterThan(0);
  let tasks = 0;
  for (const round of rounds) {
    const script = readFileSync(join(dir, 'w-slurm', 'slurm', round, 'job.sh'), 'utf8');
    expect(script).toMatch(/^#SBATCH --array=0-\d+%4$/m);
    const outcomes = readdirSync(join(dir, 'w-slurm', 'slurm', round)).filter((f) => f.startsWith('outcome-'));
    tasks += outcomes.length;
  }
  expect(tasks).toBe(viaSlurm.measurements);
  const runs = readFileSync(join(dir, 'log-slurm', 'runs.log'), 'utf8').trim().split('\n');
  expect(runs.length).toBe(2 * viaSlurm.measurements);
  // the cache written by the slurm rounds resumes a local run with nothing left to measure
  const resumed = capture();
  process.env.MEASURE_LOG = join(dir, 'log-resume');
  expect(await main(args(join(dir, 'w-slurm')), resumed.out)).toBe(0);
  delete process.env.MEASURE_LOG;
  expect(JSON.parse(resumed.stdout()).answer).toEqual(viaSlurm.answer);
  expect(existsSync(join(dir, 'log-resume', 'runs.log'))).toBe(false);
}, 900_000);

const interruptName = cluster.ok ? 'Ctrl-C cancels the job array; the tasks that finished are cached, the cancelled ones are not' : `SKIPPED (${cluster.reason}): Ctrl-C during a slurm round`;

(cluster.ok ? test : test.skip)(interruptName, async () => {
  const { spawn } = await import('node:child_process');
  const conf = (cluster as { conf: string }).conf;
  const space = join(dir, 'space-interrupt.yaml');
  writeFileSync(space, SPACE);
  const log = join(dir, 'log-interrupt');
  const work = join(dir, 'w-interrupt');
  // tasks hold their slot for 1.5 s, two at a time: some finish, some are running when Ctrl-C comes
  const env = { ...process.env, SLURM_CONF: conf, MEASURE_LOG: log, MEASURE_HOLD_MS: '1500' };
  const child = spawn(process.execPath, ['bin/flexos.js', 'explore', space, '--work', work, '--measure', SCRIPT, '--exhaustive', '--repeat', '1', '--warmup', '0', '--executor', 'slurm', '--jobs', '2'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (output += d.toString()));
  const outcomes = (): string[] => (existsSync(join(work, 'slurm')) ? readdirSync(join(work, 'slurm')).flatMap((r) => readdirSync(join(work, 'slurm', r)).filter((f) => f.startsWith('outcome-'))) : []);
  const started = Date.now();
  while (outcomes().length < 2 && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  const code = await new Promise((r) => child.on('close', (c) => r(c)));
  expect(code).toBe(130);
  const jobId = /job (\d+) was cancelled \(scancel\)/.exec(output)?.[1];
  expect(jobId).toBeDefined();
  const cacheFile = join(work, 'results.json');
  const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as { results: Record<string, { samples: number[] | null }[]> };
  const kept = Object.values(cache.results).flat();
  expect(kept.length).toBeGreaterThanOrEqual(2);
  expect(kept.length).toBeLessThan(20);
  expect(kept.every((o) => o.samples !== null)).toBe(true);
  expect(output).toContain(`the ${kept.length} measurements that finished are in ${cacheFile}: the same command resumes from there\n`);
  // the array leaves the queue (a cancelled job may show as completing for a moment)
  const queued = (): string => spawnSync('squeue', ['-h', '-j', jobId!, '-o', '%i %T'], { encoding: 'utf8', env }).stdout.trim();
  const asked = Date.now();
  while (queued() !== '' && Date.now() - asked < 20_000) await new Promise((r) => setTimeout(r, 200));
  expect(queued()).toBe('');
}, 300_000);
