/** Where measurements run: here (a pool of `jobs` at a time) or on a Slurm cluster (job arrays). */
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
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const k = next++;
        outcomes[k] = await measureOne(this.spec, jobs[k]!);
        onDone(jobs[k]!, outcomes[k]!);
      }
    };
    // The runs are process groups of their own (so a timeout ends their children too), which
    // also keeps a terminal's Ctrl-C from reaching them: end them when we are interrupted.
    const interrupted = (signal: NodeJS.Signals): void => {
      killRunning();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.parallel, jobs.length)) }, worker));
    } finally {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
    }
    return outcomes;
  }
}
