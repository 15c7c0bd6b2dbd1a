/** Small questions about tree-sitter-c nodes that the port decisions ask. */
import type { SyntaxNode } from '../../parse/parser.js';
import type { Span } from '../../analyze/model.js';
import { STATEMENT_TYPES } from '../../analyze/syntax-kinds.js';

/** The node of `type` covering exactly `span` (walking up from the smallest node at its start). */
export function nodeAt(root: SyntaxNode, span: Span, type: string | ReadonlySet<string>): SyntaxNode | null {
  let n: SyntaxNode | null = root.descendantForIndex(span.start, span.start);
  const wanted = (t: string): boolean => (typeof type === 'string' ? t === type : type.has(t));
  while (n !== null && n.startIndex >= span.start) {
    if (n.startIndex === span.start && n.endIndex === span.end && wanted(n.type)) return n;
    if (n.endIndex > span.end) break;
    n = n.parent;
  }
  return null;
}

export function same(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
  return !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

/** Statements as tree-sitter-c names them (a call's enclosing statement is the first of these). */
export const STATEMENTS: ReadonlySet<string> = new Set([...STATEMENT_TYPES, 'break_statement', 'continue_statement']);

export const LOOPS: ReadonlySet<string> = new Set(['while_statement', 'do_statement', 'for_statement']);

export function enclosingStatement(node: SyntaxNode): SyntaxNode | null {
  for (let n = node.parent; n !== null; n = n.parent) {
    if (n.type === 'function_definition' || n.type === 'translation_unit') return null;
    if (STATEMENTS.has(n.type)) return n;
  }
  return null;
}

/** `(cond)` of an if/while/do/switch statement. */
export function isStatementCondition(paren: SyntaxNode): boolean {
  const holder = paren.parent;
  if (!holder || paren.type !== 'parenthesized_expression') return false;
  return (
    (holder.type === 'if_statement' || holder.type === 'while_statement' || holder.type === 'do_statement' || holder.type === 'switch_statement') &&
    same(holder.childForFieldName('condition'), paren)
  );
}

/** Whitespace at the start of the line holding `offset`. */
export function lineIndent(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))![0];
}

/** Offset just after the end of the line holding `offset` (after its newline, or the text end). */
export function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

/** The operator token of a binary/assignment/unary expression. */
export function operatorOf(node: SyntaxNode): string {
  return node.childForFieldName('operator')?.type ?? '';
}

/** Named children except comments. */
export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c) => c.type !== 'comment');
}

/** The node sits inside a region tree-sitter could not parse (an ERROR ancestor). */
export function insideError(node: SyntaxNode): boolean {
  for (let n = node.parent; n !== null; n = n.parent) if (n.type === 'ERROR') return true;
  return false;
}

/** A declaration at file scope (only preprocessor conditionals or linkage blocks around it). */
export function atFileScope(node: SyntaxNode): boolean {
  for (let n = node.parent; n !== null; n = n.parent) {
    if (n.type === 'translation_unit') return true;
    if (!/^(preproc_(if|ifdef|else|elif|elifdef)|linkage_specification|declaration_list)$/.test(n.type)) return false;
  }
  return false;
}
