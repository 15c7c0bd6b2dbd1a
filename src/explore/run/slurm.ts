/**
 * `--executor slurm`: each round of measurements is one Slurm job array. Per configuration a task
 * file (the argv, repetitions, timeout and where to write the outcome) is written under the work
 * directory; the array's task N runs `node task-runner.js task-N.json`, which measures exactly as
 * the local executor does and writes its outcome file atomically. `sbatch --wait` blocks until
 * the array is over; a task that left no outcome is reported as failed with its log's tail.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, InterruptedError } from '../../diagnostics/input-error.js';
import { writeFileAtomicMkdir } from '../../emit/atomic-write.js';
import type { Executor } from './executor.js';
import type { MeasureJob, MeasureOutcome, MeasureSpec } from './measure-one.js';

export interface SlurmOptions {
  /** Directory visible to the compute nodes (the work directory). */
  dir: string;
  /** Extra sbatch arguments, e.g. `--partition=debug`. */
  sbatchArgs: string[];
  /** At most this many array tasks at once (`--array=0-N%K`); 0 = no limit. */
  parallel: number;
  sbatch?: string;
}

export interface SlurmTask {
  spec: MeasureSpec;
  job: MeasureJob;
  outcomeFile: string;
}

const RUNNER = fileURLToPath(new URL('./task-runner.js', import.meta.url));

/** A single-quoted shell word: the job script holds only fixed words, never user text unquoted. */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function jobScript(roundDir: string, count: number, parallel: number): string {
  const array = `0-${count - 1}${parallel > 0 ? `%${parallel}` : ''}`;
  return [
    '#!/bin/sh',
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${join(roundDir, 'task-%a.log')}`,
    '#SBATCH --job-name=flexos-explore',
    `exec ${shellWord(process.execPath)} ${shellWord(RUNNER)} ${shellWord(roundDir)}/task-"$SLURM_ARRAY_TASK_ID".json`,
    '',
  ].join('\n');
}

/**
 * `sbatch --parsable --wait …`: the job id is printed at submission, the exit when the array is
 * over. Interrupted meanwhile (SIGINT/SIGTERM), the job is cancelled with scancel and the
 * command fails with an InterruptedError (the CLI exits once what it printed is written).
 */
function sbatch(program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    const interrupted = (signal: NodeJS.Signals): void => {
      const jobId = stdout.trim().split(/[;\n]/)[0];
      if (jobId) spawnSync('scancel', [jobId], { stdio: 'ignore', timeout: 10_000 });
      child.kill('SIGTERM');
      process.off(signal === 'SIGINT' ? 'SIGTERM' : 'SIGINT', interrupted);
      reject(new InterruptedError(signal, jobId ? `job ${jobId} was cancelled (scancel)` : 'the job was not submitted yet'));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    const done = (code: number, err = ''): void => {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      resolve({ code, stdout, stderr: stderr || err });
    };
    child.on('error', (e) => done(127, `cannot run ${program}: ${e.message}`));
    child.on('close', (code) => done(code ?? 1));
  });
}

export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  private round = 0;
  /** Job ids submitted, in order (for the report). */
  readonly jobIds: string[] = [];

  constructor(private readonly spec: MeasureSpec, private readonly opts: SlurmOptions) {}

  async run(jobs: MeasureJob[], onDone: (job: MeasureJob, outcome: MeasureOutcome) => void): Promise<MeasureOutcome[]> {
    if (jobs.length === 0) return [];
    const roundDir = join(this.opts.dir, 'slurm', `round-${String(++this.round).padStart(3, '0')}-${process.pid}`);
    jobs.forEach((job, k) => {
      const task: SlurmTask = { spec: this.spec, job, outcomeFile: join(roundDir, `outcome-${k}.json`) };
      writeFileAtomicMkdir(join(roundDir, `task-${k}.json`), Buffer.from(JSON.stringify(task), 'utf8'));
    });
    const script = join(roundDir, 'job.sh');
    writeFileAtomicMkdir(script, Buffer.from(jobScript(roundDir, jobs.length, this.opts.parallel), 'utf8'));
    let r: Awaited<ReturnType<typeof sbatch>>;
    try {
      r = await sbatch(this.opts.sbatch ?? 'sbatch', ['--parsable', '--wait', `--chdir=${this.spec.cwd}`, ...this.opts.sbatchArgs, script]);
    } catch (err) {
      if (!(err instanceof InterruptedError)) throw err;
      // the tasks that finished before the cancellation measured for real: keep them. A failed
      // one may have failed of the cancellation itself, so it is measured again next time.
      jobs.forEach((job, k) => {
        const file = join(roundDir, `outcome-${k}.json`);
        if (!existsSync(file)) return;
        const outcome = JSON.parse(readFileSync(file, 'utf8')) as MeasureOutcome;
        if (outcome.samples !== null) onDone(job, outcome);
      });
      throw new InterruptedError(err.signal, `interrupted by ${err.signal} while Slurm measured; ${err.message}`);
    }
    const jobId = r.stdout.trim().split(';')[0] ?? '';
    if (jobId) this.jobIds.push(jobId);
    if (!jobId) {
      const reason = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') || `exit ${r.code}`;
      throw new InputError(`sbatch failed: ${reason}; check that the cluster answers (sinfo) and SLURM_CONF, or measure here with --executor local`);
    }
    return jobs.map((job, k) => {
      const file = join(roundDir, `outcome-${k}.json`);
      let outcome: MeasureOutcome;
      if (existsSync(file)) outcome = JSON.parse(readFileSync(file, 'utf8')) as MeasureOutcome;
      else {
        const log = join(roundDir, `task-${k}.log`);
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : 'no log';
        outcome = { samples: null, error: `slurm task ${jobId}_${k} left no result (${tail})` };
      }
      onDone(job, outcome);
      return outcome;
    });
  }
}
