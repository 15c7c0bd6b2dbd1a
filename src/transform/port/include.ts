/**
 * `#include <flexos/isolation.h>` in every file that gains an annotation (SPEC §2). It goes after
 * the last top-level `#include <...>` (before the library's own `"..."` headers, which may use
 * annotations too), else after the last top-level include, else after an include guard's
 * `#define`, else after the file's leading comment.
 */
import type { SyntaxNode } from '../../parse/parser.js';
import type { FileWork } from './file-work.js';
import { lineEnd } from './syntax.js';

export const ISOLATION_HEADER = 'flexos/isolation.h';

export function hasIsolationInclude(work: FileWork): boolean {
  return work.facts.includes.some((i) => i.path === ISOLATION_HEADER);
}

export function addInclude(work: FileWork): void {
  const at = insertionPoint(work);
  const newline = at === work.text.length && at > 0 && !work.text.endsWith('\n') ? '\n' : '';
  work.code.appendLeft(at, `${newline}#include <${ISOLATION_HEADER}>\n`);
  work.propose({ kind: 'include', span: { start: at, end: at } });
}

function insertionPoint(work: FileWork): number {
  const root = work.parsed.tree.rootNode;
  const text = work.text;
  const top = topLevelIncludes(root);
  const system = top.filter((n) => n.childForFieldName('path')?.type === 'system_lib_string');
  const after = system[system.length - 1] ?? top[top.length - 1];
  if (after) return lineEnd(text, after.endIndex - 1);
  const guard = includeGuard(root);
  if (guard) return lineEnd(text, guard.endIndex - 1);
  return afterLeadingComments(text);
}

/** Includes at file scope or directly inside an include guard. */
function topLevelIncludes(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const guard = includeGuard(root);
  const scan = (parent: SyntaxNode): void => {
    for (const c of parent.namedChildren) if (c.type === 'preproc_include') out.push(c);
  };
  scan(root);
  if (guard?.parent) scan(guard.parent);
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

/** The `#define X` of a `#ifndef X / #define X` guard wrapping the file, if any. */
function includeGuard(root: SyntaxNode): SyntaxNode | null {
  const first = root.namedChildren.find((c) => c.type !== 'comment');
  if (!first || first.type !== 'preproc_ifdef' || !/^#\s*ifndef\b/.test(first.text)) return null;
  const name = first.childForFieldName('name')?.text;
  const def = first.namedChildren.find((c) => c.type === 'preproc_def');
  return def && def.childForFieldName('name')?.text === name ? def : null;
}

function afterLeadingComments(text: string): number {
  let i = 0;
  for (;;) {
    const rest = text.slice(i);
    const ws = /^\s*/.exec(rest)![0].length;
    if (rest.startsWith('/*', ws)) {
      const end = text.indexOf('*/', i + ws + 2);
      if (end === -1) return 0;
      i = lineEnd(text, end + 2);
    } else if (rest.startsWith('//', ws)) {
      i = lineEnd(text, i + ws);
    } else {
      return i;
    }
  }
}
