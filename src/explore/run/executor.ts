/** Where measurements run: here (a pool of `jobs` at a time) or on a Slurm cluster (job arrays). */
import { measureOne, type MeasureJob, type MeasureOutcome, type MeasureSpec } from './measure-one.js';

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
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.parallel, jobs.length)) }, worker));
    return outcomes;
  }
}
