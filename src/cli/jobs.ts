/** `--jobs` of the commands that analyse a tree: how many threads read, parse and extract facts. */
import { InputError } from '../diagnostics/input-error.js';

export const JOBS_DEFAULT_TEXT = 'default: one per core on trees of 512 KB of source or more; 1 = no worker threads';

export function jobsOption(what = 'threads reading and parsing files'): { alias: 'j'; type: 'number'; describe: string } {
  return { alias: 'j', type: 'number', describe: `${what} (${JOBS_DEFAULT_TEXT})` };
}

/** The analysis's `threads` for a `--jobs` value: as given, or `auto` when left out. */
export function threadsOf(jobs: number | undefined): number | 'auto' {
  if (jobs === undefined) return 'auto';
  if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`--jobs: expected a positive integer, got '${jobs}'`);
  return jobs;
}
