/**
 * One V8 setting for the analysis, applied once per process. node-tree-sitter gives every node
 * type its own class, so each site that reads nodes sees a new object shape whenever a new node
 * type comes by; TurboFan then drops the optimised code of the function and of everything it
 * had inlined into it, and compiles it again. With inlining, the facts walk is compiled as one
 * large unit many times over: 1.3–1.9 s of compiler threads per run on redis `src/` or the
 * SQLite amalgamation, for no faster code. Without inlining each function is compiled on its
 * own and the analysis costs about a fifth less CPU (bench: `npm run bench -- --only analysis`).
 * The flag is process-wide (worker threads share it) and changes no result.
 */
import { setFlagsFromString } from 'node:v8';

let applied = false;

export function tuneJitForAnalysis(): void {
  if (applied) return;
  applied = true;
  setFlagsFromString('--no-turbo-inlining');
}
