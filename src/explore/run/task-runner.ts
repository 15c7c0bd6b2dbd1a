/**
 * The program a Slurm array task runs: `node task-runner.js task-N.json`. Measures one
 * configuration as the local executor would and writes the outcome next to the task file.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicMkdir } from '../../emit/atomic-write.js';
import { measureOne } from './measure-one.js';
import type { SlurmTask } from './slurm.js';

async function main(file: string | undefined): Promise<number> {
  if (!file) {
    process.stderr.write('task-runner: usage: task-runner.js TASK.json\n');
    return 2;
  }
  const task = JSON.parse(readFileSync(file, 'utf8')) as SlurmTask;
  const outcome = await measureOne(task.spec, task.job);
  writeFileAtomicMkdir(task.outcomeFile, Buffer.from(JSON.stringify(outcome), 'utf8'));
  if (outcome.error) process.stderr.write(`task-runner: ${task.job.key}: ${outcome.error}\n`);
  return 0;
}

main(process.argv[2]).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`task-runner: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
