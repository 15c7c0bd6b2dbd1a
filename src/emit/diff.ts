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

export function fileDiff(path: string, before: string, after: string, context = 3): FileDiff {
  if (before === after) return { path, text: '', added: 0, removed: 0 };
  const patch = structuredPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context });
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
