/**
 * Position lookups in one file's facts in logarithmic time: the function around an offset and
 * the local a name means at an offset. Scanning every function or every same-named local per
 * lookup made analyze, rewrite and port quadratic on large files (thousands of `rc` locals).
 */
import type { FileFacts, FunctionDef, VariableDecl } from './model.js';

const sortedFunctions = new WeakMap<FileFacts, FunctionDef[]>();
const sortedLists = new WeakMap<readonly VariableDecl[], VariableDecl[]>();

/** The function definition whose text holds `offset` (C functions do not nest). */
export function functionContaining(facts: FileFacts, offset: number, part: 'span' | 'body' = 'span'): FunctionDef | null {
  let fns = sortedFunctions.get(facts);
  if (!fns) {
    fns = [...facts.functions].sort((a, b) => a.span.start - b.span.start);
    sortedFunctions.set(facts, fns);
  }
  let lo = 0;
  let hi = fns.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fns[mid]![part].start <= offset) lo = mid + 1;
    else hi = mid;
  }
  const f = lo > 0 ? fns[lo - 1]! : null;
  return f && offset >= f[part].start && offset < f[part].end ? f : null;
}

/**
 * Of `sameName` (the file's locals with one name), the one in scope at `at`: declared before it,
 * with a scope holding it, the innermost such. Locals declared before the enclosing function
 * cannot be in scope, so the backward walk stops there.
 */
export function localInScope(facts: FileFacts, sameName: readonly VariableDecl[], at: number): VariableDecl | null {
  let list = sortedLists.get(sameName);
  if (!list) {
    list = [...sameName].sort((a, b) => a.nameSpan.start - b.nameSpan.start);
    sortedLists.set(sameName, list);
  }
  const fn = functionContaining(facts, at);
  if (!fn) return null;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.nameSpan.start < at) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    const v = list[i]!;
    if (v.nameSpan.start < fn.span.start) break;
    if (v.scope && at >= v.scope.start && at < v.scope.end) return v;
  }
  return null;
}
