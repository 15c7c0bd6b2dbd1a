/** Where measurements run: here (a pool of `jobs` at a time) or on a Slurm cluster (job arrays). */
import { InterruptedError } from '../../diagnostics/input-error.js';
import { killRunning, measureOne, type MeasureJob, type MeasureOutcome, type MeasureSpec } from './measure-one.js';

export interface Executor {
  readonly name: string;
  /** Measures a round of configurations; outcomes in the jobs' order. `onDone` fires per job. */
  run(jobs: MeasureJob[], onDone: (job: MeasureJob, outcome: MeasureOutcome) => void): Promise<MeasureOutcome[]>;
}

export class LocalExecutor implements Executor {
  readonly name = 'local';

  constructor(private readonly spec: MeasureSpec, private readonly parallel: number) {}

  async run(jobs: MeasureJob[], onDone: (job: MeasureJob, outcome: MeasureOutcome) => void): Promise<MeasureOutcome[]> {
    const outcomes = new Array<MeasureOutcome>(jobs.length);
    const stop = new AbortController();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length && !stop.signal.aborted) {
        const k = next++;
        const outcome = await measureOne(this.spec, jobs[k]!, stop.signal);
        // a run ended by the interruption measured nothing: it must not reach the result cache
        if (stop.signal.aborted) return;
        outcomes[k] = outcome;
        onDone(jobs[k]!, outcome);
      }
    };
    // The runs are process groups of their own (so a timeout ends their children too), which
    // also keeps a terminal's Ctrl-C from reaching them: end them when we are interrupted. The
    // command then fails with an InterruptedError instead of exiting here, so that whatever it
    // printed (on a pipe, still queued) is written before the process ends.
    let interrupt!: (err: InterruptedError) => void;
    const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
    const onSignal = (signal: NodeJS.Signals): void => {
      stop.abort();
      killRunning();
      interrupt(new InterruptedError(signal, `interrupted by ${signal} while measuring; the runs in flight were ended and measured nothing`));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const pool = Promise.all(Array.from({ length: Math.max(1, Math.min(this.parallel, jobs.length)) }, worker));
      await Promise.race([pool, interrupted]);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return outcomes;
  }
}
