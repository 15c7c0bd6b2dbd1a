import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { analyzeTree } from '../analyze/analyze-tree.js';
import { loadConfig } from '../config/index.js';
import { loadMechanisms, RULES_DIR } from '../config/mechanisms.js';
import { rewriteForDeployment, writeDeployment } from '../emit/deployment-rewrite.js';
import { formatDiagnostic } from '../diagnostics/diagnostic.js';
import { InputError } from '../diagnostics/input-error.js';
import { loadMacroTable } from '../parse/macro-table.js';
import { qemuAvailability, runInGuest, type GuestJob } from './qemu.js';

export interface BuiltDeployment {
  config: string;
  outDir: string;
  binary: string;
  /** CPU features the deployment's mechanisms need (e.g. `pku`). */
  needs: string[];
}

/** Rewrites `tree` for `config` into `outDir` and builds it with the generated Makefile. */
export async function rewriteAndBuild(tree: string, config: string, outDir: string, options: { static?: boolean } = {}): Promise<BuiltDeployment> {
  const r = rewriteForDeployment(tree, config, { threads: 1 });
  if (r.errors.length > 0) throw new InputError(`cannot rewrite ${tree} for ${config}:\n${r.errors.map(formatDiagnostic).join('\n')}`);
  await writeDeployment(r, { outDir });
  make(outDir, ['-f', 'flexos/Makefile', ...(options.static ? ['STATIC=1'] : [])]);
  const needs = [...new Set(r.deployment.compartments.flatMap((c) => c.mechanism.needs))];
  return { config, outDir, binary: join(outDir, 'build', 'app'), needs };
}

/** CPU features a configuration's mechanisms need (e.g. `pku`), without analyzing any tree. */
function featuresNeeded(config: string): string[] {
  const mechanisms = loadMechanisms();
  const drivers = loadConfig(config, { knownDrivers: [...mechanisms.keys()] }).compartments.map((c) => c.driver);
  return [...new Set(drivers.flatMap((d) => mechanisms.get(d)!.needs))];
}

function make(dir: string, args: string[]): void {
  const r = spawnSync('make', ['-s', '-j2', '-C', dir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new InputError(`build failed in ${dir} (make ${args.join(' ')}):\n${(r.stderr || r.stdout).split('\n').slice(-30).join('\n')}`);
}

/**
 * Builds a tree as it is, as one program: every C file of every library, every include/ on the
 * path, and the placeholder header that maps annotations to plain calls (the baseline run).
 */
export function buildBaseline(tree: string, outDir: string): string {
  const analysis = analyzeTree(tree, { macros: loadMacroTable() });
  const root = analysis.root;
  const sources = analysis.index.files.filter((f) => !f.isHeader && f.library !== null).map((f) => join(root, f.path));
  const includes = analysis.libraries.map((l) => join(root, l.dir, 'include'));
  const binary = join(outDir, 'app');
  execFileSync('mkdir', ['-p', outDir]);
  const r = spawnSync(
    'gcc',
    ['-std=gnu11', '-O2', '-Wall', '-Werror', `-I${join(RULES_DIR, 'fcalls', 'placeholders')}`, ...includes.map((i) => `-I${i}`), '-o', binary, ...sources],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new InputError(`baseline build of ${tree} failed:\n${r.stderr.split('\n').slice(-30).join('\n')}`);
  return binary;
}

export interface RunResult {
  exitCode: number | null;
  stdout: string;
  /** Where it ran: natively, or in the QEMU TCG guest because the CPU lacks a feature. */
  where: 'native' | 'qemu';
}

export function cpuHasPku(): boolean {
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '';
    return /\bpku\b/.test(flags) && /\bospke\b/.test(flags);
  } catch {
    return false;
  }
}

export function runNative(binary: string, args: string[] = [], timeoutMs = 60_000): RunResult {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: timeoutMs });
  return { exitCode: r.status, stdout: r.stdout + r.stderr, where: 'native' };
}

export function checksumOf(output: string): string | null {
  return /^checksum: (0x[0-9a-f]+)$/m.exec(output)?.[1] ?? null;
}

export interface E2EOutcome {
  config: string;
  where: 'native' | 'qemu' | 'skipped';
  checksum: string | null;
  expected: string | null;
  ok: boolean;
  note?: string;
  output: string;
}

/**
 * The end-to-end job: baseline build and run, then for each configuration rewrite, build, run
 * (natively, or batched into one QEMU boot when the CPU lacks what the mechanism needs) and
 * compare checksums.
 */
export async function endToEnd(tree: string, configs: string[], options: { baseline?: string; workDir?: string; args?: string[] } = {}): Promise<E2EOutcome[]> {
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'flexos-e2e-'));
  const baselineBinary = buildBaseline(options.baseline ?? tree, join(work, 'baseline'));
  const baseline = runNative(baselineBinary, options.args);
  const expected = checksumOf(baseline.stdout);
  const outcomes: E2EOutcome[] = [];
  const guestJobs: { job: GuestJob; config: string }[] = [];
  const pku = cpuHasPku();
  for (const config of configs) {
    const name = basename(config, extname(config));
    const wantsGuest = featuresNeeded(config).includes('pku') && !pku;
    const built = await rewriteAndBuild(tree, config, join(work, name), { static: wantsGuest });
    if (wantsGuest) {
      guestJobs.push({ job: { name, binary: built.binary, args: options.args ?? [] }, config });
      continue;
    }
    const run = runNative(built.binary, options.args);
    const checksum = checksumOf(run.stdout);
    outcomes.push({ config, where: 'native', checksum, expected, ok: run.exitCode === 0 && checksum !== null && checksum === expected, output: run.stdout });
  }
  if (guestJobs.length > 0) {
    const qemu = qemuAvailability();
    if (!qemu.ok) {
      for (const g of guestJobs) outcomes.push({ config: g.config, where: 'skipped', checksum: null, expected, ok: false, note: `needs PKU, the CPU lacks it and the QEMU lane is unavailable: ${qemu.reason}`, output: '' });
    } else {
      const results = await runInGuest(guestJobs.map((g) => g.job));
      for (const g of guestJobs) {
        const r = results.find((x) => x.name === g.job.name)!;
        const checksum = checksumOf(r.stdout);
        outcomes.push({ config: g.config, where: 'qemu', checksum, expected, ok: r.exitCode === 0 && checksum !== null && checksum === expected, output: r.stdout });
      }
    }
  }
  if (!options.workDir) rmSync(work, { recursive: true, force: true });
  return outcomes.sort((a, b) => configs.indexOf(a.config) - configs.indexOf(b.config));
}

