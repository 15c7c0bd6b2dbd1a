/** Edits several checks offer: the isolation include, the whitelist attribute. */
import type { FileFacts, VariableDecl } from '../model.js';
import { hasIsolationInclude, includeInsertionPoint, ISOLATION_HEADER, WHITELIST_ATTRIBUTE, type CheckContext } from './context.js';
import type { TextEdit } from './model.js';

/** `#include <flexos/isolation.h>` after the file's includes, unless it is there already. */
export function includeEdit(ctx: CheckContext, facts: FileFacts): TextEdit[] {
  if (hasIsolationInclude(facts)) return [];
  const text = ctx.text(facts.path);
  if (text === null) return [];
  const at = includeInsertionPoint(facts, text);
  return [{ file: facts.path, start: at, end: at, newText: `#include <${ISOLATION_HEADER}>\n` }];
}

/**
 * The whitelist attribute at the start of a declaration, where every C parser reads it. Only for
 * a declaration of one variable: on `int a, b;` it would share both (oversharing).
 */
export function whitelistEdit(ctx: CheckContext, file: string, v: VariableDecl): TextEdit | null {
  if (v.siblingCount !== 1) return null;
  const text = ctx.text(file);
  if (text === null) return null;
  // a declaration that defines a struct inline is left to a human (the attribute would read as the type's)
  if (text.slice(v.span.start, v.nameSpan.start).includes('{')) return null;
  return { file, start: v.span.start, end: v.span.start, newText: `${WHITELIST_ATTRIBUTE} ` };
}
