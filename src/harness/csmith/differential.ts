/**
 * Differential testing on csmith programs: generate a program, build and run it as csmith wrote
 * it, split it across libraries (checked alone first: the split program must print the same
 * checksum), `port` the split tree, `rewrite` it for each mechanism, build, run with a timeout
 * and compare the checksum with the original's. Used by test/csmith and scripts/csmith-soak.js.
 *
 * Warnings: csmith code trips gcc -Wall all over (unused locals, constant overflow, comparisons
 * of distinct pointer types that gcc 12 cannot silence). Every build — original, split, rewritten
 * — gets the same CSMITH_RELAXED_WARNINGS on top of -Wall -Werror; where the original still has a
 * warning no flag silences, every build runs with -Wno-error and the rewritten program may show
 * no kind of warning the original does not. Every build uses -O1 (OPT below).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTree } from '../../analyze/analyze-tree.js';
import { formatDiagnostic } from '../../diagnostics/diagnostic.js';
import { rewriteForDeployment, writeDeployment } from '../../emit/deployment-rewrite.js';
import { loadMacroTable } from '../../parse/macro-table.js';
import { RULES_DIR } from '../../config/mechanisms.js';
import { portTree } from '../../transform/port/port-tree.js';
import { cpuHasPku } from '../e2e.js';
import { runInGuest, qemuAvailability, type GuestJob } from '../qemu.js';
import { splitCsmithProgram, SPLIT_HEADER } from './split.js';

export const CSMITH_RELAXED_WARNINGS = [
  '-Wno-unused-variable',
  '-Wno-unused-but-set-variable',
  '-Wno-unused-value',
  '-Wno-unused-function',
  '-Wno-unused-const-variable',
  '-Wno-overflow',
  '-Wno-address',
  '-Wno-bool-compare',
  '-Wno-bool-operation',
  '-Wno-tautological-compare',
  '-Wno-pointer-sign',
  // csmith stores addresses of locals in globals and resets them before the function returns
  '-Wno-dangling-pointer',
];

/** Every build of the lane (original, split, rewritten): -O1 halves gcc's time on csmith's huge expressions. */
const OPT = '-O1';

export type Mechanism = 'fcalls' | 'vmept' | 'intel-pku';

/** One deployment per mechanism: every library in a compartment of its own. */
const SHARING: Record<Mechanism, string> = { fcalls: 'shared-stack', vmept: 'heap', 'intel-pku': 'dss' };

export function csmithAvailability(): { ok: true; include: string } | { ok: false; reason: string } {
  const which = spawnSync('csmith', ['--version'], { encoding: 'utf8' });
  if (which.error || which.status !== 0) return { ok: false, reason: 'csmith is not installed (scripts/setup-csmith.sh installs Debian\'s csmith)' };
  const include = ['/usr/include/csmith', ...listDir('/usr/include').filter((d) => d.startsWith('csmith-')).map((d) => `/usr/include/${d}`)].find((d) => existsSync(join(d, 'csmith.h')));
  if (!include) return { ok: false, reason: 'csmith.h not found under /usr/include/csmith* (Debian package libcsmith-dev)' };
  return { ok: true, include };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** csmith writes platform.info into its working directory: give it one of ours (default: a temp dir). */
export function generateCsmith(seed: number, options: readonly string[] = [], cwd: string = tmpdir()): string {
  const r = spawnSync('csmith', ['--seed', String(seed), ...options], { encoding: 'latin1', maxBuffer: 64 << 20, cwd });
  if (r.status !== 0) throw new Error(`csmith --seed ${seed} ${options.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function csmithChecksum(output: string): string | null {
  return /^checksum = ([0-9A-F]+)$/m.exec(output)?.[1] ?? null;
}

interface Build {
  ok: boolean;
  /** Kinds of warning gcc printed (`[-Wfoo]` or the message without positions). */
  warnings: Set<string>;
  log: string;
}

function warningKinds(stderr: string): Set<string> {
  const kinds = new Set<string>();
  for (const m of stderr.matchAll(/(?:warning|error): (.*)$/gm)) {
    const flag = /\[(-W[^\]]+)\]/.exec(m[1]!)?.[1];
    kinds.add(flag && flag !== '-Werror' ? flag : m[1]!.replace(/‘[^’]*’/g, '‘…’').replace(/\s*\[-Werror\]$/, ''));
  }
  return kinds;
}

function gcc(args: string[]): Build {
  const r = spawnSync('gcc', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ok: r.status === 0, warnings: warningKinds(r.stderr), log: r.stderr };
}

export interface RunOutcome {
  exitCode: number | null;
  timedOut: boolean;
  checksum: string | null;
  output: string;
}

function run(binary: string, timeoutMs: number): RunOutcome {
  const r = spawnSync(binary, [], { encoding: 'latin1', timeout: timeoutMs, maxBuffer: 16 << 20 });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  return { exitCode: r.status, timedOut, checksum: csmithChecksum(output), output: output.slice(-2000) };
}

export interface MechanismOutcome {
  mechanism: Mechanism;
  /** pass: same checksum; rewrite/build/run/checksum: the stage that failed; skipped: not run here. */
  result: 'pass' | 'rewrite-error' | 'build-error' | 'new-warning' | 'crash' | 'timeout' | 'wrong-checksum' | 'skipped';
  detail: string;
}

export interface SeedOutcome {
  seed: number;
  options: readonly string[];
  /** invalid: the original does not build or run within the timeout (not counted); split-mismatch: the splitter is wrong. */
  status: 'ok' | 'invalid' | 'split-mismatch' | 'port-error';
  detail: string;
  expected: string | null;
  mechanisms: MechanismOutcome[];
  /** Sites `port` left to a human, by reason. */
  manual: Record<string, number>;
  /** Gates `port` wrote. */
  gates: number;
  workDir: string;
}

export interface DifferentialOptions {
  seed: number;
  csmithOptions?: readonly string[];
  libraries?: number;
  mechanisms: readonly Mechanism[];
  workDir: string;
  timeoutMs?: number;
  /** Program text instead of running csmith (fixtures, reduction). */
  program?: string;
  /** Fixed library index for some names (see SplitOptions). */
  placement?: ReadonlyMap<string, number>;
  /** port --in-place-gates (default on: the lane measures what the tool can port). */
  inPlaceGates?: boolean;
  /** Keep the work directory (default: removed when everything passed). */
  keep?: boolean;
}

/**
 * Everything up to the intel-pku runs: those binaries are static and returned as guest jobs so
 * that many seeds share one QEMU boot (runGuestJobs).
 */
export async function differentialSeed(o: DifferentialOptions): Promise<{ outcome: SeedOutcome; guestJobs: { job: GuestJob; outcome: MechanismOutcome }[] }> {
  const avail = csmithAvailability();
  if (!avail.ok) throw new Error(avail.reason);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const libraries = o.libraries ?? 2 + (o.seed % 3);
  const outcome: SeedOutcome = { seed: o.seed, options: o.csmithOptions ?? [], status: 'ok', detail: '', expected: null, mechanisms: [], manual: {}, gates: 0, workDir: o.workDir };
  const guestJobs: { job: GuestJob; outcome: MechanismOutcome }[] = [];
  rmSync(o.workDir, { recursive: true, force: true });
  mkdirSync(o.workDir, { recursive: true });
  const program = o.program ?? generateCsmith(o.seed, o.csmithOptions, o.workDir);
  writeFileSync(join(o.workDir, 'original.c'), program, 'latin1');

  // 1. the original, as csmith wrote it
  const relaxed = [...CSMITH_RELAXED_WARNINGS, `-I${avail.include}`];
  const base = ['-std=gnu11', OPT, '-Wall', '-Werror', ...relaxed];
  let strict = gcc([...base, '-o', join(o.workDir, 'original'), join(o.workDir, 'original.c')]);
  const werror = strict.ok;
  const extra = werror ? relaxed : [...relaxed, '-Wno-error'];
  const flags = [...base.slice(0, 4), ...extra];
  if (!werror) strict = gcc([...flags, '-o', join(o.workDir, 'original'), join(o.workDir, 'original.c')]);
  if (!strict.ok) return invalid(outcome, `the original does not build: ${strict.log.slice(-500)}`);
  const original = run(join(o.workDir, 'original'), timeoutMs);
  if (original.exitCode !== 0 || original.checksum === null) return invalid(outcome, original.timedOut ? 'the original times out' : `the original exits with ${original.exitCode}`);
  outcome.expected = original.checksum;
  const allowed = strict.warnings;

  // 2. the split program without flexos
  let split;
  try {
    split = splitCsmithProgram(program, { libraries, seed: o.seed, ...(o.placement ? { placement: o.placement } : {}) });
  } catch (err) {
    outcome.status = 'split-mismatch';
    outcome.detail = `the splitter refused the program: ${(err as Error).message}`;
    return { outcome, guestJobs };
  }
  const tree = join(o.workDir, 'split');
  for (const [path, content] of split.files) {
    mkdirSync(join(tree, path, '..'), { recursive: true });
    writeFileSync(join(tree, path), content, 'latin1');
  }
  const splitSources = split.libraries.map((l) => join(tree, l.slice(3), `${l.slice(3)}.c`));
  const splitBuild = gcc([...flags, `-I${join(RULES_DIR, 'fcalls', 'placeholders')}`, `-I${join(tree, split.libraries[0]!.slice(3), 'include')}`, '-o', join(o.workDir, 'split.bin'), ...splitSources]);
  const splitRun = splitBuild.ok ? run(join(o.workDir, 'split.bin'), timeoutMs) : null;
  if (!splitRun || splitRun.checksum !== original.checksum) {
    outcome.status = 'split-mismatch';
    outcome.detail = splitRun ? `split program prints ${splitRun.checksum}, the original ${original.checksum}` : `split program does not build: ${splitBuild.log.slice(-800)}`;
    return { outcome, guestJobs };
  }

  // 3. port (a copy: the split tree stays as the reference)
  const ported = join(o.workDir, 'ported');
  cpSync(tree, ported, { recursive: true });
  try {
    const analysis = analyzeTree(ported, { macros: loadMacroTable(), keepParsed: true });
    const result = portTree(analysis, { inPlaceGates: o.inPlaceGates ?? true });
    for (const f of result.files) writeFileSync(join(ported, f.path), f.after, 'latin1');
    for (const m of result.manual) outcome.manual[m.reason] = (outcome.manual[m.reason] ?? 0) + 1;
    outcome.gates = result.files.reduce((n, f) => n + f.proposals.filter((p) => p.kind === 'gate' || p.kind === 'gate_r').length, 0);
  } catch (err) {
    outcome.status = 'port-error';
    outcome.detail = (err as Error).message;
    return { outcome, guestJobs };
  }

  // 4. rewrite, build, run per mechanism
  const pkuInGuest = !cpuHasPku();
  for (const mechanism of o.mechanisms) {
    const m: MechanismOutcome = { mechanism, result: 'pass', detail: '' };
    outcome.mechanisms.push(m);
    const config = join(o.workDir, `${mechanism}.yaml`);
    writeFileSync(config, deploymentYaml(split.libraries, mechanism));
    const out = join(o.workDir, `out-${mechanism}`);
    let r;
    try {
      r = rewriteForDeployment(ported, config, { threads: 1 });
    } catch (err) {
      Object.assign(m, { result: 'rewrite-error', detail: (err as Error).message });
      continue;
    }
    if (r.errors.length > 0) {
      Object.assign(m, { result: 'rewrite-error', detail: r.errors.slice(0, 5).map(formatDiagnostic).join('\n') });
      continue;
    }
    try {
      await writeDeployment(r, { outDir: out });
    } catch (err) {
      Object.assign(m, { result: 'rewrite-error', detail: `writing the rewritten tree failed: ${(err as Error).message}` });
      continue;
    }
    const guest = mechanism === 'intel-pku' && pkuInGuest;
    const make = spawnSync('make', ['-s', '-j2', '-C', out, '-f', 'flexos/Makefile', `OPT=${OPT}`, `EXTRA_CFLAGS=${extra.join(' ')}`, ...(guest ? ['STATIC=1'] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (make.status !== 0) {
      Object.assign(m, { result: 'build-error', detail: (make.stderr || make.stdout).split('\n').filter((l) => /error|warning/.test(l)).slice(0, 8).join('\n') });
      continue;
    }
    const fresh = [...warningKinds(make.stderr)].filter((k) => !allowed.has(k));
    if (fresh.length > 0) {
      Object.assign(m, { result: 'new-warning', detail: fresh.join('; ') });
      continue;
    }
    const binary = join(out, 'build', 'app');
    if (guest) {
      Object.assign(m, { result: 'skipped', detail: 'built; waits for the QEMU boot (runGuestJobs)' });
      guestJobs.push({ job: { name: `seed${o.seed}-${mechanism}`, binary, timeoutMs: timeoutMs * 4 }, outcome: m });
      continue;
    }
    judge(m, run(binary, timeoutMs * 4), original.checksum);
  }
  if (!o.keep && guestJobs.length === 0 && outcome.mechanisms.every((x) => x.result === 'pass')) rmSync(o.workDir, { recursive: true, force: true });
  return { outcome, guestJobs };
}

function judge(m: MechanismOutcome, r: RunOutcome, expected: string): void {
  Object.assign(m, { result: 'pass', detail: '' });
  if (r.timedOut) Object.assign(m, { result: 'timeout', detail: 'no answer within the timeout' });
  else if (r.exitCode !== 0) Object.assign(m, { result: 'crash', detail: `exit ${r.exitCode}: ${r.output.slice(-300)}` });
  else if (r.checksum !== expected) Object.assign(m, { result: 'wrong-checksum', detail: `checksum ${r.checksum}, expected ${expected}` });
}

/** Runs the intel-pku jobs of many seeds in one QEMU boot and records their results. */
export async function runGuestJobs(pending: { job: GuestJob; outcome: MechanismOutcome; expected: string }[]): Promise<void> {
  if (pending.length === 0) return;
  const q = qemuAvailability();
  if (!q.ok) {
    for (const p of pending) Object.assign(p.outcome, { result: 'skipped', detail: `needs PKU; the QEMU lane is unavailable: ${q.reason}` });
    return;
  }
  const results = await runInGuest(pending.map((p) => p.job), { memoryMb: 1024 });
  pending.forEach((p, i) => {
    const r = results[i]!;
    judge(p.outcome, { exitCode: r.exitCode, timedOut: r.timedOut, checksum: csmithChecksum(r.stdout), output: r.stdout.slice(-2000) }, p.expected);
  });
}

function invalid(outcome: SeedOutcome, detail: string): { outcome: SeedOutcome; guestJobs: [] } {
  outcome.status = 'invalid';
  outcome.detail = detail;
  return { outcome, guestJobs: [] };
}

export function deploymentYaml(libraries: readonly string[], mechanism: Mechanism): string {
  const lines = ['compartments:'];
  libraries.forEach((_, i) => {
    lines.push(`  - name: c${i}`, `    mechanism: { driver: ${mechanism} }`);
    if (i === 0) lines.push('    default: true');
  });
  lines.push('libraries:');
  libraries.forEach((l, i) => lines.push(`  ${l}: { compartment: c${i} }`));
  lines.push(`sharing: ${SHARING[mechanism]}`, '');
  return lines.join('\n');
}

export { SPLIT_HEADER };
