/**
 * Runs a user's benchmark command for one configuration: warm-up runs (dropped), then the
 * measured repetitions. The command is an argv — never a shell string: the configuration reaches
 * it as the `{config}` argument (or appended as the last argument) and through the environment
 * (FLEXOS_CONFIG, FLEXOS_CONFIG_KEY, FLEXOS_CONFIG_INDEX, FLEXOS_REPETITION).
 */
import { spawn } from 'node:child_process';

export type Metric = 'stdout' | 'time';

export interface MeasureSpec {
  /** Program and its arguments; the element `{config}` is replaced by the configuration file. */
  argv: string[];
  repeat: number;
  warmup: number;
  /** Per run, in milliseconds. */
  timeoutMs: number;
  /** `stdout`: the last number the command prints; `time`: its wall-clock seconds. */
  metric: Metric;
  cwd: string;
}

export interface MeasureJob {
  index: number;
  key: string;
  configFile: string;
}

export interface MeasureOutcome {
  /** Values of the measured repetitions, or null when a run failed. */
  samples: number[] | null;
  error?: string;
}

export const CONFIG_PLACEHOLDER = '{config}';

export function commandFor(spec: MeasureSpec, job: MeasureJob): string[] {
  const argv = spec.argv.map((a) => (a === CONFIG_PLACEHOLDER ? job.configFile : a));
  return spec.argv.includes(CONFIG_PLACEHOLDER) ? argv : [...argv, job.configFile];
}

/** The last number on the last line of output that holds one. */
export function lastNumber(output: string): number | null {
  const lines = output.split('\n').reverse();
  for (const line of lines) {
    const all = line.match(/[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g);
    if (all && all.length > 0) return Number(all[all.length - 1]);
  }
  return null;
}

/** Process groups of the runs in flight: ended with the explorer when it is interrupted. */
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Ends every run in flight (their whole process groups); for SIGINT/SIGTERM handlers. */
export function killRunning(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
}

interface RunResult {
  ok: boolean;
  value?: number;
  error?: string;
}

function runOnce(spec: MeasureSpec, job: MeasureJob, repetition: number): Promise<RunResult> {
  const [program, ...args] = commandFor(spec, job);
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn(program!, args, {
      cwd: spec.cwd,
      env: {
        ...process.env,
        FLEXOS_CONFIG: job.configFile,
        FLEXOS_CONFIG_KEY: job.key,
        FLEXOS_CONFIG_INDEX: String(job.index),
        FLEXOS_REPETITION: String(repetition),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a timeout ends the command and its children
    });
    if (child.pid !== undefined) running.add(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
      else child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.stdout.on('data', (d: Buffer) => void (stdout.length < 1 << 20 && (stdout += d.toString())));
    child.stderr.on('data', (d: Buffer) => void (stderr.length < 1 << 16 && (stderr += d.toString())));
    child.on('error', (e) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      resolve({ ok: false, error: `cannot run ${program}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (child.pid !== undefined) running.delete(child.pid);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (timedOut) return resolve({ ok: false, error: `timed out after ${spec.timeoutMs / 1000} s` });
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-3).join(' | ');
        return resolve({ ok: false, error: `exited with ${code ?? signal}${tail ? `: ${tail}` : ''}` });
      }
      if (spec.metric === 'time') return resolve({ ok: true, value: seconds });
      const value = lastNumber(stdout);
      if (value === null) return resolve({ ok: false, error: 'printed no number on stdout (the last number printed is the measurement)' });
      resolve({ ok: true, value });
    });
  });
}

/**
 * Warm-up runs, then `repeat` measured runs; the first failure ends the configuration. Once
 * `stop` is aborted no further run starts (the outcome is then an error nobody should keep).
 */
export async function measureOne(spec: MeasureSpec, job: MeasureJob, stop?: AbortSignal): Promise<MeasureOutcome> {
  const samples: number[] = [];
  for (let r = 0; r < spec.warmup + spec.repeat; r++) {
    if (stop?.aborted) return { samples: null, error: 'interrupted' };
    const run = await runOnce(spec, job, r);
    if (!run.ok) return { samples: null, error: `${r < spec.warmup ? 'warm-up' : 'run'} ${r + 1}: ${run.error}` };
    if (r >= spec.warmup) samples.push(run.value!);
  }
  return { samples };
}
