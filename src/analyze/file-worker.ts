/**
 * Worker thread of the parallel analysis (src/analyze/parallel.ts): takes file indexes from a
 * shared counter, reads, parses and extracts the facts of each file, and posts them back.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { InputError } from '../diagnostics/input-error.js';
import type { MacroTable } from '../parse/macro-table.js';
import { analyzeFile } from './analyze-tree.js';
import { linuxThreadId, WORKER_DONE } from './worker-state.js';

export interface WorkerJob {
  root: string;
  files: { path: string; library: string | null }[];
  /** The files the workers share, in the order they are taken (indexes into files). */
  order: number[];
  macros: MacroTable;
  /** [next file index, workers that may hold a file, one state per worker]; the main thread waits on slot 1. */
  counter: SharedArrayBuffer;
  /** This worker's state slot in counter: its thread id while it may hold a file, then WORKER_DONE. */
  slot: number;
  port: MessagePort;
}

/**
 * The facts travel as JSON text: the main thread, the critical path, parses JSON in about 40% of
 * the time it takes to read the same facts back from postMessage's structured clone (redis
 * `src/`: 218 ms against 572 ms). Facts are plain data (no undefined-only fields are told apart
 * from absent ones); the one object they share is linked again on arrival (relinkSharedFacts).
 */
export type WorkerResult = { index: number; factsJson: string } | { index: number; inputError: string } | { index: number; crash: string };

const job = workerData as WorkerJob;
const counter = new Int32Array(job.counter);
// counted before the first file is taken: a worker that never got this far (its start-up
// failed) holds no file, and the main thread, taking from the same counter, reads them all.
// Its thread id goes first, so the main thread can tell if it dies holding a file
const tid = linuxThreadId();
Atomics.store(counter, job.slot, tid);
Atomics.add(counter, 1, 1);
try {
  for (let next = Atomics.add(counter, 0, 1); next < job.order.length; next = Atomics.add(counter, 0, 1)) {
    const i = job.order[next]!;
    const file = job.files[i]!;
    let result: WorkerResult;
    try {
      result = { index: i, factsJson: JSON.stringify(analyzeFile(job.root, file.path, file.library, job.macros).facts) };
    } catch (err) {
      result = err instanceof InputError ? { index: i, inputError: err.message } : { index: i, crash: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    job.port.postMessage(result);
  }
} finally {
  // the main thread may have counted this worker out already, if it took it for dead
  if (tid === 0 || Atomics.compareExchange(counter, job.slot, tid, WORKER_DONE) === tid) Atomics.sub(counter, 1, 1);
  Atomics.notify(counter, 1);
}
