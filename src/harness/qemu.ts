/**
 * QEMU TCG lane: runs static x86-64 test binaries inside a throw-away Linux guest whose (emulated)
 * CPU has protection keys (PKU), because the machines this project runs on have no PKU and no
 * usable KVM. See scripts/README-qemu.md for the why and the timings.
 *
 * One `runInGuest` call = one boot. The guest is the Debian kernel that
 * scripts/setup-test-deps.sh unpacks to .cache/qemu/vmlinuz plus an initramfs built here (in a
 * temp dir, removed afterwards): static busybox, the job binaries and an /init shell script that
 * runs the jobs one after another (each with its own timeout), reports each job's exit status and
 * output, then powers the VM off.
 *
 * Two serial ports: ttyS0 is the kernel/guest console (qemu's stdout, kept for diagnostics);
 * ttyS1 is a results channel written only by /init (qemu `-serial file:`), framed by markers
 * carrying a per-boot random nonce, with each job's output base64-encoded. Kernel messages
 * therefore can never interleave with job output, and job output cannot forge a marker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildCpioNewc, type CpioEntry } from './cpio.js';

export interface GuestJob {
  /** Free-form label, echoed back in the result (and, sanitized, on the guest console). */
  name: string;
  /** Host path of a STATIC x86-64 ELF binary (checked: a PT_INTERP header is rejected). */
  binary: string;
  args?: string[];
  /** Extra environment variables for the job (the guest has PATH=/bin:/sbin:/usr/bin:/usr/sbin). */
  env?: Record<string, string>;
  /** Per-job timeout inside the guest (default: opts.jobTimeoutMs, default 60 s). */
  timeoutMs?: number;
}

export interface GuestResult {
  name: string;
  /** The shell's `$?` for the job (128+N if killed by signal N); null when the job timed out. */
  exitCode: number | null;
  /** stdout and stderr of the job, interleaved as written (both go to one file). */
  stdout: string;
  timedOut: boolean;
}

export interface RunInGuestOptions {
  /** Whole-boot timeout on the host (default: 90 s + the sum of the job timeouts + 2 s per job). */
  timeoutMs?: number;
  /** Default per-job timeout inside the guest (default 60 s). */
  jobTimeoutMs?: number;
  /** Guest RAM (default 512 MiB). The initramfs (busybox + binaries) lives in it. */
  memoryMb?: number;
}

export interface GuestRun {
  results: GuestResult[];
  /** Wall time from qemu launch to qemu exit. */
  elapsedMs: number;
  /** `uname -r` in the guest. */
  kernelRelease: string;
  /** The `flags` line of the guest's /proc/cpuinfo (first CPU), split on spaces. */
  cpuFlags: string[];
  /** Everything qemu printed (serial console ttyS0 + qemu's own stderr). */
  consoleLog: string;
  /** The qemu command line that was run (argv). */
  command: string[];
}

/** CPU model given to qemu. Under TCG, `max` enables every feature TCG emulates, PKU included. */
export const QEMU_CPU = 'max';
// no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check can fail and panic
const KERNEL_CMDLINE = 'console=ttyS0 quiet loglevel=3 panic=-1 no_timer_check rdinit=/init';
const MARK = 'FXQ';

// ---------------------------------------------------------------------------------------------
// Locating qemu, the kernel and busybox
// ---------------------------------------------------------------------------------------------

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

function findOnPath(cmd: string): string | null {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, fsConstants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export interface QemuPaths {
  qemu: string;
  kernel: string;
  busybox: string;
}

/**
 * Where the lane's pieces are expected. Overridable with FLEXOS_QEMU_BIN, FLEXOS_QEMU_KERNEL and
 * FLEXOS_QEMU_BUSYBOX; defaults: qemu-system-x86_64 on PATH, <project>/.cache/qemu/vmlinuz,
 * /bin/busybox (Debian's busybox-static).
 */
export function qemuPaths(): { qemu: string | null; kernel: string; busybox: string | null } {
  const qemu = process.env.FLEXOS_QEMU_BIN ?? findOnPath('qemu-system-x86_64');
  const kernel = process.env.FLEXOS_QEMU_KERNEL ?? join(projectRoot(), '.cache', 'qemu', 'vmlinuz');
  const busybox =
    process.env.FLEXOS_QEMU_BUSYBOX ??
    ['/bin/busybox', '/usr/bin/busybox', '/usr/lib/initramfs-tools/bin/busybox'].find((p) => existsSync(p)) ??
    null;
  return { qemu, kernel, busybox };
}

const SETUP_HINT = 'run scripts/setup-test-deps.sh (as root) to install it';

/** Whether runInGuest can work on this machine, and if not, why (for test skip messages). */
export function qemuAvailability(): { ok: true } | { ok: false; reason: string } {
  const p = qemuPaths();
  if (!p.qemu) return { ok: false, reason: `qemu-system-x86_64 not found on PATH; ${SETUP_HINT}` };
  if (!existsSync(p.kernel)) return { ok: false, reason: `guest kernel ${p.kernel} missing; ${SETUP_HINT}` };
  if (!p.busybox) return { ok: false, reason: `busybox not found; ${SETUP_HINT} (busybox-static)` };
  const bbProblem = staticElfProblem(p.busybox);
  if (bbProblem) return { ok: false, reason: `${p.busybox}: ${bbProblem}; install busybox-static` };
  const v = spawnSync(p.qemu, ['--version'], { encoding: 'utf8', timeout: 15000 });
  if (v.status !== 0) return { ok: false, reason: `${p.qemu} --version failed: ${(v.stderr || String(v.error ?? '')).trim()}` };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------
// ELF check: the guest has no dynamic loader or libc, so job binaries must be static.
// ---------------------------------------------------------------------------------------------

function elfProblem(buf: Buffer): string | null {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return 'not an ELF file';
  if (buf[4] !== 2 || buf[5] !== 1) return 'not a 64-bit little-endian ELF';
  if (buf.readUInt16LE(0x12) !== 62) return 'not an x86-64 ELF';
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) return 'truncated ELF program headers';
    if (buf.readUInt32LE(off) === 3 /* PT_INTERP */) return 'dynamically linked (has PT_INTERP); build it with -static';
  }
  return null;
}

function staticElfProblem(path: string): string | null {
  try {
    return elfProblem(readFileSync(path));
  } catch (e) {
    return `cannot read: ${(e as Error).message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// The initramfs
// ---------------------------------------------------------------------------------------------

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argv word for display only when it needs it. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : shq(s);
}

function consoleLabel(s: string): string {
  return s.replace(/[^A-Za-z0-9_.:+-]/g, '_').slice(0, 60);
}

const DEFAULT_JOB_TIMEOUT_MS = 60_000;

function jobTimeoutSec(job: GuestJob, opts: RunInGuestOptions): number {
  const ms = job.timeoutMs ?? opts.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The guest's /init (busybox ash). `guestBins[i]` is job i's binary path inside the guest. */
function initScript(jobs: GuestJob[], guestBins: string[], nonce: string, opts: RunInGuestOptions): string {
  const pre = `@@${MARK}:${nonce}:`;
  const lines: string[] = [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s',
    'export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'mount -t devtmpfs devtmpfs /dev',
    'mount -t tmpfs tmpfs /tmp',
    // Results channel: the second UART, raw (no \n -> \r\n), opened once on fd 3.
    'stty -F /dev/ttyS1 raw -echo 2>/dev/null',
    'exec 3>/dev/ttyS1',
    `echo ${shq(`${pre}READY@@`)} >&3`,
    `echo "${pre}INFO:$(uname -r)|$(grep -m1 '^flags' /proc/cpuinfo | sed 's/^[^:]*: *//')" >&3`,
    'echo "flexos-guest: $(uname -r), cpu flags: $(grep -m1 \'^flags\' /proc/cpuinfo | tr \' \' \'\\n\' | grep -E \'^(pku|ospke)$\' | tr \'\\n\' \' \')"',
    'cd /tmp',
    'run_job() {',
    '  i=$1; t=$2; shift 2',
    '  rm -f /tmp/.timeout',
    '  "$@" </dev/null >/tmp/out 2>&1 &',
    '  pid=$!',
    '  ( sleep "$t"; touch /tmp/.timeout; kill -KILL "$pid" ) 2>/dev/null &',
    '  w=$!',
    '  wait "$pid"; rc=$?',
    '  kill -KILL "$w" 2>/dev/null; wait "$w" 2>/dev/null',
    '  to=0; [ -e /tmp/.timeout ] && to=1',
    `  echo "${pre}OUT:$i@@" >&3`,
    '  base64 /tmp/out >&3',
    `  echo "${pre}END:$i:$rc:$to@@" >&3`,
    '  echo "flexos-guest: job $i done: status $rc timeout $to"',
    '}',
  ];
  jobs.forEach((job, i) => {
    const env = Object.entries(job.env ?? {}).map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`runInGuest: bad env name ${JSON.stringify(k)} in job ${job.name}`);
      return shq(`${k}=${v}`);
    });
    const argv = [...(env.length ? ['env', ...env] : []), shq(guestBins[i]!), ...(job.args ?? []).map(shq)];
    lines.push(`echo ${shq(`flexos-guest: job ${i} start: ${consoleLabel(job.name)}`)}`);
    lines.push(`run_job ${i} ${jobTimeoutSec(job, opts)} ${argv.join(' ')}`);
  });
  lines.push(`echo ${shq(`${pre}DONE@@`)} >&3`, 'exec 3>&-', 'sync', 'poweroff -f', 'sleep 5', '');
  return lines.join('\n');
}

function buildInitramfs(jobs: GuestJob[], busybox: string, nonce: string, opts: RunInGuestOptions): Buffer {
  const entries: CpioEntry[] = [];
  for (const d of ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'tmp', 'root', 'jobs'])
    entries.push({ kind: 'dir', path: d, mode: d === 'tmp' ? 0o1777 : 0o755 });
  // /dev/console must exist before devtmpfs is mounted, or init starts without stdout.
  entries.push({ kind: 'chardev', path: 'dev/console', major: 5, minor: 1 });
  entries.push({ kind: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 });
  entries.push({ kind: 'symlink', path: 'bin/sh', target: 'busybox' });

  // One copy per distinct host binary, named after it, so argv[0] is meaningful.
  const byHost = new Map<string, string>();
  const guestBins: string[] = [];
  jobs.forEach((job, i) => {
    const host = resolve(job.binary);
    let guest = byHost.get(host);
    if (!guest) {
      let buf: Buffer;
      try {
        buf = readFileSync(host);
      } catch (e) {
        throw new Error(`runInGuest: job ${JSON.stringify(job.name)}: cannot read ${host}: ${(e as Error).message}`);
      }
      const problem = elfProblem(buf);
      if (problem) throw new Error(`runInGuest: job ${JSON.stringify(job.name)}: ${host} is ${problem}`);
      const dir = `jobs/${byHost.size}`;
      guest = `/${dir}/${basename(host).replace(/[^A-Za-z0-9_.+-]/g, '_') || 'prog'}`;
      entries.push({ kind: 'dir', path: dir });
      entries.push({ kind: 'file', path: guest, data: buf, mode: 0o755 });
      byHost.set(host, guest);
    }
    guestBins[i] = guest;
  });
  entries.push({ kind: 'file', path: 'init', data: initScript(jobs, guestBins, nonce, opts), mode: 0o755 });
  return gzipSync(buildCpioNewc(entries), { level: 1 });
}

// ---------------------------------------------------------------------------------------------
// Running and parsing
// ---------------------------------------------------------------------------------------------

function tail(text: string, lines = 40): string {
  // Strip terminal control sequences that SeaBIOS / qemu emit on the console.
  const clean = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1bc/g, '').replace(/\r/g, '');
  return clean.split('\n').slice(-lines).join('\n');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseResults(
  raw: string,
  jobs: GuestJob[],
  nonce: string,
): { results: GuestResult[]; kernelRelease: string; cpuFlags: string[] } | { error: string } {
  const p = `@@${MARK}:${escapeRe(nonce)}:`;
  if (!new RegExp(`${p}READY@@`).test(raw)) return { error: 'the guest never reported READY (did /init start?)' };
  const info = new RegExp(`${p}INFO:([^|\\n]*)\\|([^\\n]*)`).exec(raw);
  const kernelRelease = info?.[1]?.trim() ?? '';
  const cpuFlags = (info?.[2] ?? '').trim().split(/\s+/).filter(Boolean);
  const results: GuestResult[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const out = new RegExp(`${p}OUT:${i}@@`).exec(raw);
    const end = new RegExp(`${p}END:${i}:(\\d+):([01])@@`).exec(raw);
    if (!out || !end || end.index < out.index)
      return { error: `no complete result for job ${i} (${JSON.stringify(jobs[i]!.name)})` };
    const b64 = raw.slice(out.index + out[0].length, end.index).replace(/[^A-Za-z0-9+/=]/g, '');
    const timedOut = end[2] === '1';
    results.push({
      name: jobs[i]!.name,
      exitCode: timedOut ? null : Number(end[1]),
      stdout: Buffer.from(b64, 'base64').toString('utf8'),
      timedOut,
    });
  }
  if (!new RegExp(`${p}DONE@@`).test(raw)) return { error: 'the guest did not report DONE' };
  return { results, kernelRelease, cpuFlags };
}

/** Like runInGuest, but also returns timing, guest kernel/CPU info, the console log and argv. */
export async function runInGuestDetailed(jobs: GuestJob[], opts: RunInGuestOptions = {}): Promise<GuestRun> {
  const avail = qemuAvailability();
  if (!avail.ok) throw new Error(`runInGuest: QEMU lane unavailable: ${avail.reason}`);
  const paths = qemuPaths() as QemuPaths;
  const nonce = randomBytes(8).toString('hex');
  const timeoutMs =
    opts.timeoutMs ?? 90_000 + jobs.reduce((s, j) => s + jobTimeoutSec(j, opts) * 1000 + 2000, 0);

  const dir = await mkdtemp(join(tmpdir(), 'flexos-qemu-'));
  try {
    const initrd = join(dir, 'initrd.cpio.gz');
    const resultsFile = join(dir, 'results.txt');
    await writeFile(initrd, buildInitramfs(jobs, paths.busybox, nonce, opts));
    const command = [
      paths.qemu,
      '-cpu', QEMU_CPU,
      '-machine', 'q35',
      '-accel', 'tcg',
      '-m', String(opts.memoryMb ?? 512),
      '-smp', '1',
      '-nographic',
      '-no-reboot',
      '-nic', 'none',
      '-serial', 'mon:stdio',
      '-serial', `file:${resultsFile}`,
      '-kernel', paths.kernel,
      '-initrd', initrd,
      '-append', KERNEL_CMDLINE,
    ];
    const started = Date.now();
    const { code, signal, log, timedOut } = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      log: string;
      timedOut: boolean;
    }>((resolvePromise, reject) => {
      const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.stderr.on('data', (c: Buffer) => chunks.push(c));
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`runInGuest: cannot start ${command[0]}: ${e.message}`));
      });
      child.on('close', (c, s) => {
        clearTimeout(timer);
        resolvePromise({ code: c, signal: s, log: Buffer.concat(chunks).toString('utf8'), timedOut: killed });
      });
    });
    const elapsedMs = Date.now() - started;
    const where = `\n--- qemu command ---\n${command.map(shellWord).join(' ')}\n--- console tail ---\n`;
    if (timedOut)
      throw new Error(`runInGuest: guest did not finish within ${timeoutMs} ms (killed)${where}${tail(log)}`);
    const raw = existsSync(resultsFile) ? await readFile(resultsFile, 'latin1') : '';
    const parsed = parseResults(raw, jobs, nonce);
    if ('error' in parsed)
      throw new Error(
        `runInGuest: ${parsed.error}; qemu exited with ${signal ?? code} after ${elapsedMs} ms${where}${tail(log)}`,
      );
    return { ...parsed, elapsedMs, consoleLog: log, command };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Boots one guest, runs the jobs in order (each with its own timeout, stdin /dev/null, cwd /tmp),
 * and returns one result per job, in order. Throws (with the console tail) if qemu cannot start,
 * the guest does not finish in time, or a job's result is missing.
 */
export async function runInGuest(jobs: GuestJob[], opts: RunInGuestOptions = {}): Promise<GuestResult[]> {
  return (await runInGuestDetailed(jobs, opts)).results;
}
