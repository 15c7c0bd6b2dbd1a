/**
 * The nodes the per-file analysis reads, in the order it reads them. A query cursor walks
 * every node of the tree at about twice the cost of descendantsOfType's native walk, whatever
 * the patterns (the SQLite amalgamation: 1.7M nodes), so the nodes are found by one
 * descendantsOfType over the definitions, declarations, calls, directives and the nodes that
 * hold identifiers in value positions; those identifiers are read from their holders here.
 *
 * The order is a query's: by start, and at one start by kind (definitions … macros, then
 * values, then typedefs), ancestors before descendants. A value identifier starts after its
 * holder (it is a child of it, never its first), so it is placed among the nodes that follow
 * the holder in the walk; what the handlers share (the current function, its locals, the value
 * starts a call already reported) depends on that order.
 */
import type { SyntaxNode } from '../parse/parser.js';
import { descendantsOf, field, namedChildrenOf, nodeStart, nodeType } from '../parse/node-access.js';

export type FactKind = 'function' | 'declaration' | 'call' | 'include' | 'macro' | 'value' | 'typedef';

export interface FactNode {
  kind: FactKind;
  node: SyntaxNode;
  start: number;
  /** For a value: the node holding the identifier (its parent). */
  holder?: SyntaxNode;
  /** For a macro: its name (read here to tell a macro from a broken directive). */
  name?: SyntaxNode;
}

/** Node type → what it is to the analysis (value holders: where an identifier child is a value). */
const KIND_OF: Record<string, FactKind | 'holder'> = {
  function_definition: 'function',
  declaration: 'declaration',
  call_expression: 'call',
  preproc_include: 'include',
  preproc_def: 'macro',
  preproc_function_def: 'macro',
  type_definition: 'typedef',
  init_declarator: 'holder',
  assignment_expression: 'holder',
  initializer_list: 'holder',
  initializer_pair: 'holder',
  return_statement: 'holder',
  pointer_expression: 'holder',
  cast_expression: 'holder',
};
const TYPES = Object.keys(KIND_OF);

/** The field of a value holder whose identifier is a value (initializer lists and returns: any identifier child). */
const VALUE_FIELD: Record<string, string> = {
  init_declarator: 'value',
  assignment_expression: 'right',
  initializer_pair: 'value',
  pointer_expression: 'argument',
  cast_expression: 'value',
};

/** Rank at one start, as the patterns of a query would order them. */
const RANK: Record<FactKind, number> = { function: 0, declaration: 1, call: 2, include: 3, macro: 4, value: 5, typedef: 6 };

/**
 * `top` and its descendants the analysis reads, in reading order (see the module comment);
 * none that starts in `unread` (code nested too deeply to read: unseen-annotations.ts reports
 * it, with every call and annotation in it, as not seen).
 */
export function factNodes(top: SyntaxNode, unread: { start: number; end: number } | null = null): FactNode[] {
  const out: FactNode[] = [];
  // value identifiers not yet placed, sorted by start (then rank) descending: the next one last
  const pending: FactNode[] = [];
  const place = (until: number, rank: number): void => {
    for (;;) {
      const next = pending[pending.length - 1];
      if (next === undefined || next.start > until || (next.start === until && RANK.value >= rank)) return;
      out.push(pending.pop()!);
    }
  };
  for (const node of descendantsOf(top, TYPES)) {
    const type = nodeType(node);
    const kind = KIND_OF[type]!;
    const start = nodeStart(node);
    if (unread !== null && start >= unread.start && start < unread.end) continue;
    if (kind !== 'holder') {
      place(start, RANK[kind]);
      // a macro without a name identifier (a broken directive) is no macro
      if (kind === 'macro') {
        const name = field(node, 'name');
        if (name === null || nodeType(name) !== 'identifier') continue;
        out.push({ kind, node, start, name });
        continue;
      }
      out.push({ kind, node, start });
      continue;
    }
    place(start, RANK.value);
    const valueField = VALUE_FIELD[type];
    if (valueField !== undefined) {
      const value = field(node, valueField);
      if (value !== null && nodeType(value) === 'identifier') queue(pending, { kind: 'value', node: value, start: nodeStart(value), holder: node });
    } else {
      for (const child of namedChildrenOf(node)) {
        if (nodeType(child) === 'identifier') queue(pending, { kind: 'value', node: child, start: nodeStart(child), holder: node });
      }
    }
  }
  place(Infinity, 0);
  return out;
}

/** Into `pending` (descending by start), after any of the same start queued before it. */
function queue(pending: FactNode[], item: FactNode): void {
  let lo = 0;
  let hi = pending.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pending[mid]!.start > item.start) lo = mid + 1;
    else hi = mid;
  }
  pending.splice(lo, 0, item);
}
