/**
 * Unified diffs of proposed edits, in the form `git apply -p1` reads from the tree root:
 * `diff --git a/<path> b/<path>`, `--- a/<path>`, `+++ b/<path>`, hunks with 3 lines of context.
 * Texts are latin1 strings (one unit per byte, see parse/source-file.ts); so is the diff.
 */
import { structuredPatch } from 'diff';
import type { ChalkInstance } from 'chalk';

export interface FileDiff {
  path: string;
  /** The diff text ('' when the texts are equal). */
  text: string;
  added: number;
  removed: number;
}

/** Past this many lines, jsdiff's O(N·D) search is replaced by the linear aligner below. */
const MYERS_MAX_LINES = 4000;

export function fileDiff(path: string, before: string, after: string, context = 3): FileDiff {
  if (before === after) return { path, text: '', added: 0, removed: 0 };
  const patch = lineCount(before) + lineCount(after) > MYERS_MAX_LINES ? alignedPatch(before, after, context) : structuredPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context });
  const out: string[] = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks) {
    out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`);
    for (const line of h.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
      out.push(line);
    }
  }
  return { path, text: out.join('\n') + '\n', added, removed };
}

function range(start: number, lines: number): string {
  return lines === 1 ? `${start}` : `${start},${lines}`;
}

/** Colours a diff for a terminal: headers bold, hunk lines cyan, additions green, removals red. */
export function colorDiff(text: string, c: ChalkInstance): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('diff --git') || line.startsWith('--- ') || line.startsWith('+++ ')) return c.bold(line);
      if (line.startsWith('@@')) return c.cyan(line);
      if (line.startsWith('+')) return c.green(line);
      if (line.startsWith('-')) return c.red(line);
      return line;
    })
    .join('\n');
}

/**
 * A latin1 string (bytes) as text for a terminal or pipe: UTF-8 sources come out as they were;
 * bytes that are not UTF-8 are shown as latin1 characters.
 */
export function bytesForDisplay(latin1: string): string {
  if (!/[\u0080-\u00ff]/.test(latin1)) return latin1;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1;
  }
}

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Lines with their terminators, so that a last line without one is told apart. */
function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l, i, all) => (i < all.length - 1 ? l + '\n' : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

/** How far ahead a changed stretch is searched for the next common line. */
const RESYNC_WINDOW = 256;

/**
 * A line diff in linear time for large files: equal lines are matched greedily; at a difference
 * the next common line is found through an index of the new text's lines, at most RESYNC_WINDOW
 * lines ahead on either side (flexos edits change a line or insert a few). Not always the
 * shortest diff, always a correct one.
 */
function alignedPatch(before: string, after: string, context: number): { hunks: Hunk[] } {
  const a = splitLines(before);
  const b = splitLines(after);
  const where = new Map<string, number[]>();
  b.forEach((line, j) => {
    const list = where.get(line);
    if (list) list.push(j);
    else where.set(line, [j]);
  });
  const cursor = new Map<string, number>();
  /** The first position >= j of `line` in b (positions are visited in increasing j, so a cursor per line keeps it linear). */
  const nextIn = (line: string, j: number): number => {
    const list = where.get(line);
    if (!list) return -1;
    let k = cursor.get(line) ?? 0;
    while (k < list.length && list[k]! < j) k++;
    cursor.set(line, k);
    return k < list.length ? list[k]! : -1;
  };
  // ops: ' ' keep, '-' remove a[i], '+' add b[j]
  const ops: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push(' ');
      i++;
      j++;
      continue;
    }
    let best: { k: number; l: number } | null = null;
    for (let k = 0; k <= RESYNC_WINDOW && i + k < a.length; k++) {
      if (best && k >= best.k + best.l) break;
      const at = nextIn(a[i + k]!, j);
      if (at === -1 || at - j > RESYNC_WINDOW) continue;
      if (!best || k + (at - j) < best.k + best.l) best = { k, l: at - j };
    }
    const k = best ? best.k : Math.min(1, a.length - i);
    const l = best ? best.l : Math.min(1, b.length - j);
    for (let x = 0; x < k; x++) ops.push('-');
    for (let x = 0; x < l; x++) ops.push('+');
    i += k;
    j += l;
    if (!best && k === 0 && l === 0) break;
  }
  return { hunks: hunksOf(ops, a, b, context) };
}

function hunksOf(ops: string[], a: string[], b: string[], context: number): Hunk[] {
  const hunks: Hunk[] = [];
  const render = (line: string, mark: string): string[] => (line.endsWith('\n') ? [mark + line.slice(0, -1)] : [mark + line, '\\ No newline at end of file']);
  let k = 0;
  // old/new line index at each op
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oi = 0;
  let ni = 0;
  for (const op of ops) {
    oldAt.push(oi);
    newAt.push(ni);
    if (op !== '+') oi++;
    if (op !== '-') ni++;
  }
  while (k < ops.length) {
    if (ops[k] === ' ') {
      k++;
      continue;
    }
    let start = Math.max(0, k - context);
    while (start < k && ops[start] !== ' ') start++;
    let end = k;
    // extend while changes are within 2*context of each other
    for (;;) {
      while (end < ops.length && ops[end] !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next] === ' ' && next - end < 2 * context) next++;
      if (next < ops.length && ops[next] !== ' ' && next - end <= 2 * context) {
        end = next;
        continue;
      }
      break;
    }
    const stop = Math.min(ops.length, end + context);
    const lines: string[] = [];
    let oldLines = 0;
    let newLines = 0;
    for (let x = start; x < stop; x++) {
      const op = ops[x]!;
      if (op === ' ') {
        lines.push(...render(a[oldAt[x]!]!, ' '));
        oldLines++;
        newLines++;
      } else if (op === '-') {
        lines.push(...render(a[oldAt[x]!]!, '-'));
        oldLines++;
      } else {
        lines.push(...render(b[newAt[x]!]!, '+'));
        newLines++;
      }
    }
    const oldStart = start < ops.length ? oldAt[start]! : oi;
    const newStart = start < ops.length ? newAt[start]! : ni;
    hunks.push({ oldStart: oldLines === 0 ? oldStart : oldStart + 1, oldLines, newStart: newLines === 0 ? newStart : newStart + 1, newLines, lines });
    k = stop;
  }
  return hunks;
}
