import { createTwoFilesPatch } from 'diff';

/** A git-style unified diff of one file (paths relative to the tree root, a/ and b/ prefixes). */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const patch = createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, { context: 3 });
  // drop the `Index:`/`===` preamble the diff package writes; keep ---/+++ and hunks
  const start = patch.indexOf('--- ');
  return `diff --git a/${path} b/${path}\n${patch.slice(start)}`;
}
