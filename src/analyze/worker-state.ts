/**
 * The state the parallel analysis (parallel.ts) and its workers (file-worker.ts) share in one
 * Int32Array: [next file to take, workers that may hold a file, then one state per worker].
 */
import { readlinkSync } from 'node:fs';

export const WORKER_SLOTS = 2;

/** A worker's state once it holds no file (it is done, or it was found dead). */
export const WORKER_DONE = -1;

/** This thread's Linux thread id, or 0 where there is no /proc to read it from. */
export function linuxThreadId(): number {
  try {
    const tid = Number(/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    return Number.isInteger(tid) && tid > 0 ? tid : 0;
  } catch {
    return 0;
  }
}
