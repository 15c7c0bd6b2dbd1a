import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { InputError } from '../diagnostics/input-error.js';
import type { MacroTable } from '../parse/macro-table.js';
import type { WorkerJob, WorkerResult } from './file-worker.js';
import { analyzeFile } from './analyze-tree.js';
import { relinkSharedFacts } from './facts.js';
import { WORKER_DONE, WORKER_SLOTS } from './worker-state.js';
import type { FileFacts } from './model.js';
import type { ParsedSource } from '../parse/parser.js';

export type FileOutcome = { facts: FileFacts; parsed?: ParsedSource } | { inputError: InputError };

const WORKER = fileURLToPath(new URL('./file-worker.js', import.meta.url));

/** Whether worker threads can run here (the compiled worker exists: not under ts-jest's sources). */
export function workersAvailable(): boolean {
  return existsSync(WORKER);
}

/**
 * Per-file facts of many files on `threads` threads: this one and threads-1 workers take files
 * from one shared counter, largest first (so no big file is left to start last while the other
 * threads idle; small files fill in at the end). Synchronous for the caller:
 * it waits on the counter, then drains the workers' messages. Results come back in file order,
 * so the analysis is the same as a serial one, byte for byte. Files whose trees are to be kept
 * (`keepTree`) are this thread's alone, taken first, and come back with their trees.
 */
export function analyzeFilesInParallel(root: string, files: { path: string; library: string | null; size: number; keepTree?: boolean }[], macros: MacroTable, threads: number, onFile?: (path: string, done: number, total: number) => void): FileOutcome[] {
  const sorted = files.map((_, i) => i).sort((a, b) => files[b]!.size - files[a]!.size || a - b);
  const own = sorted.filter((i) => files[i]!.keepTree === true);
  const order = sorted.filter((i) => files[i]!.keepTree !== true);
  const workers = Math.max(0, Math.min(threads - 1, order.length - 1));
  // slot 1 counts the workers that may hold a file: each adds itself when it starts, before it
  // takes one, and leaves when it is done; one that never starts is never waited for. Slot
  // WORKER_SLOTS + w is worker w's state: its Linux thread id while it may hold a file, so that
  // one that dies in the middle of a file (out of memory, say) is seen to be gone
  const counter = new Int32Array(new SharedArrayBuffer(4 * (WORKER_SLOTS + workers)));
  const started: { worker: Worker; port: MessagePort }[] = [];
  for (let w = 0; w < workers; w++) {
    const { port1, port2 } = new MessageChannel();
    const job: WorkerJob = { root, files, order, macros, counter: counter.buffer as SharedArrayBuffer, slot: WORKER_SLOTS + w, port: port2 };
    started.push({ worker: startWorker(job, port2), port: port1 });
  }
  const outcomes: (FileOutcome | undefined)[] = new Array(files.length);
  let crash: string | null = null;
  // the workers' results are taken in between this thread's own files: reading them costs this
  // thread time, and spent there the shared counter balances it (after the last file, only the
  // results still in flight are left to read)
  const drain = (): void => {
    for (const { port } of started) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const r = m.message as WorkerResult;
        if ('crash' in r) crash ??= `analysis worker failed on ${files[r.index]!.path}: ${r.crash}`;
        else outcomes[r.index] = 'factsJson' in r ? { facts: relinkSharedFacts(JSON.parse(r.factsJson) as FileFacts) } : { inputError: new InputError(r.inputError) };
      }
    }
  };
  let done = 0;
  const analyze = (i: number, keepTree: boolean): void => {
    const file = files[i]!;
    onFile?.(file.path, done++, files.length);
    try {
      const result = analyzeFile(root, file.path, file.library, macros);
      outcomes[i] = keepTree ? result : { facts: result.facts };
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      outcomes[i] = { inputError: err };
    }
    drain();
  };
  for (const i of own) analyze(i, true);
  for (let next = Atomics.add(counter, 0, 1); next < order.length; next = Atomics.add(counter, 0, 1)) analyze(order[next]!, false);
  for (let left = Atomics.load(counter, 1); left > 0; left = Atomics.load(counter, 1)) {
    if (Atomics.wait(counter, 1, left, WORKER_CHECK_MS) === 'timed-out') countOutDeadWorkers(counter, workers);
  }
  drain();
  for (const { worker, port } of started) {
    port.close();
    void worker.terminate();
  }
  if (crash !== null) throw new Error(crash);
  // what a dead worker held (and any result it had not posted) is read here, as a serial run would
  for (let i = 0; i < files.length; i++) if (outcomes[i] === undefined) analyze(i, false);
  return outcomes as FileOutcome[];
}

/** How long the main thread waits before it looks whether a worker it waits for is still alive. */
const WORKER_CHECK_MS = 1000;

/**
 * Counts out the workers whose thread is gone while they were counted in: a worker killed in the
 * middle of a file (its heap limit, say) never reaches its own count-out. The compare-exchange
 * settles a race with a worker that counts itself out at the same moment. A worker that could
 * not read its thread id (no /proc: not Linux) stays counted in: it is waited for as before.
 */
function countOutDeadWorkers(counter: Int32Array, workers: number): void {
  for (let w = 0; w < workers; w++) {
    const tid = Atomics.load(counter, WORKER_SLOTS + w);
    if (tid <= 0 || existsSync(`/proc/self/task/${tid}`)) continue;
    if (Atomics.compareExchange(counter, WORKER_SLOTS + w, tid, WORKER_DONE) === tid) Atomics.sub(counter, 1, 1);
  }
}

/**
 * A worker with the process's Node options (workerExecArgv). A worker refuses V8's own options
 * (`node --max-old-space-size=… flexos …`), and Node has no list of them: its refusal names the
 * flags, which are left out (any other way it words it: every option is). V8's options hold for
 * the whole process, the worker's isolate included, so the worker loses nothing by that.
 */
function startWorker(job: WorkerJob, port: MessagePort): Worker {
  const options = { workerData: job, transferList: [port] };
  const wanted = workerExecArgv(process.execArgv);
  try {
    return new Worker(WORKER, { ...options, execArgv: wanted });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw err;
    const refused = new Set(/: (.*)$/.exec((err as Error).message)?.[1]?.split(', ') ?? []);
    const kept = wanted.filter((flag) => !refused.has(flag));
    try {
      if (kept.length < wanted.length) return new Worker(WORKER, { ...options, execArgv: kept });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw again;
    }
    return new Worker(WORKER, { ...options, execArgv: [] });
  }
}

/**
 * The process's Node options for a worker, without those that only name the main program (a
 * worker refuses `--input-type`, and `-e`/`-p` code is not the worker's): `node -e` scripts that
 * call the analysis get their workers too.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]!;
    if (flag === '-e' || flag === '--eval' || flag === '-p' || flag === '--print' || flag === '--input-type') {
      i++; // and its value
      continue;
    }
    if (flag.startsWith('--input-type=') || flag.startsWith('--eval=') || flag.startsWith('--print=')) continue;
    out.push(flag);
  }
  return out;
}

/** Each file's size in bytes (files are taken largest first; unreadable ones count as empty: their error comes soon). */
export function fileSizes(root: string, files: readonly { path: string }[]): number[] {
  return files.map((f) => {
    try {
      return statSync(join(root, f.path)).size;
    } catch {
      return 0;
    }
  });
}

/**
 * Below this much source a worker costs more than it saves: starting one (its module graph, the
 * binding, the grammar and a cold JIT) takes 0.15–0.25 s of CPU, about what analysing 200 KB
 * takes, and the second half of a small tree is done before the worker is ready.
 */
export const AUTO_PARALLEL_BYTES = 512 * 1024;

/** `auto`: one thread per core when the files (their sizes) hold at least AUTO_PARALLEL_BYTES, else one. */
export function threadsFor(sizes: readonly number[], threads: number | 'auto'): number {
  if (threads !== 'auto') return threads;
  const cores = availableParallelism();
  if (cores < 2) return 1;
  return sizes.reduce((n, s) => n + s, 0) >= AUTO_PARALLEL_BYTES ? cores : 1;
}
