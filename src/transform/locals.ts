import type Parser from 'tree-sitter';
import { isWhitelist } from '../analyze/attributes.js';
import type { FunctionDef, Span, VariableDecl } from '../analyze/model.js';
import { cQuery, type ParsedSource, type SyntaxNode } from '../parse/parser.js';
import type { SharingStrategy } from '../config/index.js';
import type { FileEdits } from './edits.js';
import type { TargetForms } from './target-forms.js';
import { removeWithLeadingSpace, rewriteWhitelistedStatic } from './shared-data.js';
import { nodeAt } from './port/syntax.js';

let jumpQuery: Parser.Query | null = null;
let identifierQuery: Parser.Query | null = null;

function jumps(): Parser.Query {
  jumpQuery ??= cQuery(
    '(return_statement) @return (break_statement) @break (continue_statement) @continue (goto_statement) @goto (labeled_statement) @label (case_statement) @case',
  );
  return jumpQuery;
}

function identifiers(): Parser.Query {
  identifierQuery ??= cQuery('(identifier) @id');
  return identifierQuery;
}

const LOOPS = new Set(['for_statement', 'while_statement', 'do_statement']);

function contains(outer: Span, inner: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}


const CONDITIONAL_GROUPS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'preproc_elifdef']);

/**
 * The block a declaration belongs to, looking through #if groups inside it (FlexOS's vfscore:
 * `#if defined(FIONBIO)\n int tmp …`), and the preprocessor condition under which it exists —
 * null when some group is an #else/#elif branch, whose condition is not written out.
 */
function enclosingBlock(declaration: SyntaxNode | null, text: string): { scope: SyntaxNode | null; conditional: boolean; guard: string | null } {
  let scope = declaration?.parent ?? null;
  const conditions: string[] = [];
  let conditional = false;
  let expressible = true;
  while (scope && CONDITIONAL_GROUPS.has(scope.type)) {
    conditional = true;
    const condition = scope.childForFieldName('condition');
    const name = scope.childForFieldName('name');
    if (scope.type === 'preproc_if' && condition) conditions.unshift(`(${text.slice(condition.startIndex, condition.endIndex).trim()})`);
    else if (scope.type === 'preproc_ifdef' && name) conditions.unshift(`${text.slice(scope.startIndex, scope.startIndex + 7).startsWith('#ifndef') ? '!' : ''}defined(${name.text})`);
    else expressible = false;
    scope = scope.parent;
  }
  return { scope, conditional, guard: conditional && expressible ? conditions.join(' && ') : null };
}

interface Converted {
  v: VariableDecl;
  scope: SyntaxNode;
  declaration: SyntaxNode;
  /** Preprocessor condition the variable exists under (its frees carry it too). */
  guard: string | null;
}

/**
 * Whitelisted locals by strategy (SPEC §4): `shared-stack` strips the attribute; `dss` and
 * `heap` turn `T v` into `T (*v)` pointing at the shadow-stack slot or a shared-heap block, and
 * every use into `(*v)`; `heap` frees on every exit path, and refuses where it cannot prove them.
 */
export function rewriteWhitelistedLocals(edits: FileEdits, parsed: ParsedSource, fn: FunctionDef, locals: VariableDecl[], sharing: SharingStrategy, isolated: boolean, forms: TargetForms): number {
  const converted: Converted[] = [];
  for (const v of locals) {
    const whitelist = v.attributes.filter(isWhitelist);
    if (whitelist.length === 0) continue;
    if (v.storage === 'static' || v.storage === 'extern') {
      rewriteWhitelistedStatic(edits, v);
      continue;
    }
    for (const a of whitelist) removeWithLeadingSpace(edits, a.span.start, a.span.end);
    if (sharing === 'shared-stack' || !isolated) continue;
    const declaration = nodeAt(parsed.tree.rootNode, v.span, 'declaration');
    const { scope, conditional, guard } = enclosingBlock(declaration, edits.text);
    if (conditional && guard === null && sharing === 'heap' && declaration && scope) {
      edits.report('whitelist-local-scope', 'error', v.nameSpan, `cannot move whitelisted local '${v.name}' to the shared heap: it is declared in an #else/#elif branch, whose condition its frees would need; use sharing: dss, or declare it outside the group`);
      continue;
    }
    if (!declaration || !scope || scope.type !== 'compound_statement') {
      edits.report('whitelist-local-scope', 'error', v.nameSpan, `cannot move whitelisted local '${v.name}': declare it at the start of a plain block, not in a for/switch header`);
      continue;
    }
    if (v.siblingCount > 1) {
      edits.report('whitelist-multi-declarator', 'error', v.nameSpan, `'${v.name}' is whitelisted inside a declaration of ${v.siblingCount} variables; split the declaration`);
      continue;
    }
    if (sharing === 'heap' && !exitPathsProvable(edits, parsed, fn, { v, scope, declaration, guard })) continue;
    converted.push({ v, scope, declaration, guard });
  }
  for (const c of converted) convertDeclaration(edits, parsed, c, sharing);
  for (const c of converted) rewriteUses(edits, parsed, c, locals);
  // every exit path releases the variable: heap frees the block (zeroed by the allocator), dss
  // zeroes the shadow slot so that nothing stays readable once the frame is gone (issue 11)
  if (sharing === 'heap') insertFrees(edits, parsed, fn, converted, (v) => forms.sharedFree(freeArgument(v)));
  if (sharing === 'dss' && forms.clearDssOnExit) insertFrees(edits, parsed, fn, converted, (v) => `__builtin_memset(${freeArgument(v)}, 0, sizeof(*${v.name}));`);
  return converted.length;
}

function convertDeclaration(edits: FileEdits, parsed: ParsedSource, c: Converted, sharing: SharingStrategy): void {
  const { v } = c;
  const name = v.name;
  const self = `(*${name})`;
  const init = v.initializerSpan;
  const isList = init ? parsed.view[init.start] === '{' : false;
  const initArg = init ? `&(__typeof__(*${name}))` : '0';
  if (sharing === 'dss') {
    // the private slot the shadow mirrors: the same declarator under another name, no initializer
    // reserved-namespace names (C11 7.1.3): no user identifier can clash with them
    const slot = `__flexos_slot_${name}`;
    const slotDecl =
      parsed.view.slice(v.span.start, v.nameSpan.start).replace(/\s+/g, ' ').trimStart() + slot + parsed.view.slice(v.nameSpan.end, v.declaratorSpan.end) + '; ';
    edits.code.prependLeft(v.span.start, slotDecl);
    edits.code.overwrite(v.nameSpan.start, v.nameSpan.end, self);
    wrapInitializer(edits, v, init, isList, `flexos_dss_local(${qualified(v) ? '(void *)' : ''}&${slot}, sizeof(*${name}), ${initArg}`);
  } else {
    edits.code.overwrite(v.nameSpan.start, v.nameSpan.end, self);
    wrapInitializer(edits, v, init, isList, `flexos_heap_local(sizeof(*${name}), ${initArg}`);
  }
}

/** `= INIT` → `= helper(…, &(typeof(*v)){INIT})`, keeping INIT's own text (and its edits) in place. */
function wrapInitializer(edits: FileEdits, v: VariableDecl, init: Span | undefined, isList: boolean, call: string): void {
  if (!init) {
    edits.code.appendLeft(v.declaratorSpan.end, ` = ${call})`);
    return;
  }
  edits.code.prependRight(init.start, `${call}${isList ? '' : '{'}`);
  edits.code.appendLeft(init.end, `${isList ? '' : '}'})`);
}

function rewriteUses(edits: FileEdits, parsed: ParsedSource, c: Converted, locals: VariableDecl[]): void {
  const { v, scope } = c;
  const shadows = locals.filter((o) => o !== v && o.name === v.name && o.scope && contains(scope as unknown as Span, o.scope) && o.nameSpan.start > v.nameSpan.start);
  for (const { node } of identifiers().captures(scope)) {
    if (node.startIndex < v.declaratorSpan.end || node.text !== v.name) continue;
    if (shadows.some((o) => o.scope && node.startIndex > o.nameSpan.start && node.startIndex < o.scope.end && node.startIndex >= o.scope.start)) continue;
    if (v.initializerSpan && node.startIndex >= v.initializerSpan.start && node.endIndex <= v.initializerSpan.end) continue;
    // contentOnly: an initializer wrapped around this use (`T *q = &v;` with q converted too) ends here
    edits.code.overwrite(node.startIndex, node.endIndex, `(*${v.name})`, { contentOnly: true });
  }
}

interface Jump {
  kind: string;
  node: SyntaxNode;
}

function jumpsIn(node: SyntaxNode): Jump[] {
  return jumps()
    .captures(node)
    .map(({ name, node: n }) => ({ kind: name, node: n }));
}

function labelName(node: SyntaxNode): string | null {
  return node.childForFieldName('label')?.text ?? null;
}

/** Target of a break/continue: the nearest enclosing loop (or switch, for break). */
function jumpTarget(node: SyntaxNode, kind: string): SyntaxNode | null {
  let n = node.parent;
  while (n) {
    if (LOOPS.has(n.type) || (kind === 'break' && n.type === 'switch_statement')) return n;
    if (n.type === 'function_definition') return null;
    n = n.parent;
  }
  return null;
}

function exitPathsProvable(edits: FileEdits, parsed: ParsedSource, fn: FunctionDef, c: Converted): boolean {
  const body = nodeAt(parsed.tree.rootNode, fn.body, 'compound_statement');
  if (!body) return false;
  const scope = { start: c.scope.startIndex, end: c.scope.endIndex };
  const declEnd = c.declaration.endIndex;
  const all = jumpsIn(body);
  const labels = new Map<string, SyntaxNode>();
  for (const j of all) if (j.kind === 'label') labels.set(labelName(j.node) ?? '', j.node);
  const refuse = (at: SyntaxNode, why: string): boolean => {
    edits.report('heap-exit-unproven', 'error', { start: at.startIndex, end: at.endIndex }, `cannot convert '${c.v.name}' to the shared heap: ${why}; restructure the code or use sharing: dss`);
    return false;
  };
  for (const j of all) {
    const at = j.node.startIndex;
    if (j.kind === 'goto') {
      const label = labelName(j.node);
      const target = label !== null ? labels.get(label) : undefined;
      if (!target) return refuse(j.node, 'a computed goto or a goto to an unknown label');
      const targetInScope = target.startIndex >= scope.start && target.startIndex < scope.end;
      const gotoInScope = at >= declEnd && at < scope.end;
      if (targetInScope && target.startIndex < declEnd && gotoInScope) return refuse(j.node, `goto ${label} jumps back above its declaration`);
      if (targetInScope && target.startIndex >= declEnd && !gotoInScope) return refuse(j.node, `goto ${label} jumps into its scope past the declaration`);
    }
    if (j.kind === 'case' && at >= declEnd && at < scope.end) {
      let sw = j.node.parent;
      while (sw && sw.type !== 'switch_statement') sw = sw.parent;
      if (sw && sw.startIndex < scope.start) return refuse(j.node, 'a case label of an enclosing switch jumps past its declaration');
    }
  }
  return true;
}

/** Releases (frees, or clears) before every exit of each converted variable's scope: block end, return, break/continue/goto out. */
function insertFrees(edits: FileEdits, parsed: ParsedSource, fn: FunctionDef, converted: Converted[], release: (v: VariableDecl) => string): void {
  if (converted.length === 0) return;
  const body = nodeAt(parsed.tree.rootNode, fn.body, 'compound_statement');
  if (!body) return;
  const labels = new Map<string, SyntaxNode>();
  const all = jumpsIn(body);
  for (const j of all) if (j.kind === 'label') labels.set(labelName(j.node) ?? '', j.node);
  const live = (at: number): Converted[] =>
    converted.filter((c) => at >= c.declaration.endIndex && at < c.scope.endIndex).sort((a, b) => b.declaration.startIndex - a.declaration.startIndex);
  const frees = (list: Converted[]): string => list.map((c) => guarded(c, release(c.v))).join(' ');
  for (const j of all) {
    const at = j.node.startIndex;
    let exited: Converted[] = [];
    if (j.kind === 'return') exited = live(at);
    else if (j.kind === 'break' || j.kind === 'continue') {
      const target = jumpTarget(j.node, j.kind);
      if (target) exited = live(at).filter((c) => c.scope.startIndex > target.startIndex && c.scope.endIndex <= target.endIndex);
    } else if (j.kind === 'goto') {
      const target = labels.get(labelName(j.node) ?? '');
      if (target) exited = live(at).filter((c) => !(target.startIndex >= c.scope.startIndex && target.startIndex < c.scope.endIndex));
    }
    if (exited.length === 0) continue;
    wrapJump(edits, j, frees(exited), fn);
  }
  for (const c of [...converted].sort((a, b) => b.declaration.startIndex - a.declaration.startIndex)) {
    const close = c.scope.endIndex - 1;
    const lineStart = edits.text.lastIndexOf('\n', close - 1) + 1;
    const indent = edits.text.slice(lineStart, close);
    if (/^[ \t]*$/.test(indent)) edits.code.appendLeft(lineStart, c.guard ? `#if ${c.guard}\n${indent}\t${release(c.v)}\n#endif\n` : `${indent}\t${release(c.v)}\n`);
    else edits.code.appendLeft(close, ` ${guarded(c, release(c.v))} `);
  }
}

/** A free under the variable's own #if condition (directives on lines of their own). */
function guarded(c: Converted, free: string): string {
  return c.guard ? `\n#if ${c.guard}\n${free}\n#endif\n` : free;
}

function wrapJump(edits: FileEdits, j: Jump, free: string, fn: FunctionDef): void {
  const n = j.node;
  const keywordEnd = n.startIndex + (j.kind === 'return' ? 'return'.length : j.kind.length);
  const value = j.kind === 'return' ? n.namedChildren.find((c) => c.type !== 'comment') : undefined;
  if (j.kind === 'return' && value) {
    // evaluate the value (it may read the variables) before freeing them
    edits.code.overwrite(n.startIndex, keywordEnd, `{ ${fn.returnType} __flexos_ret =`);
    edits.code.appendLeft(n.endIndex, ` ${free} return __flexos_ret; }`);
    return;
  }
  edits.code.prependRight(n.startIndex, `{ ${free} `);
  edits.code.appendLeft(n.endIndex, ' }');
}

/** A heap (or DSS) local of const or volatile type goes to free (the DSS helper) through `(void *)`: they take plain pointers. */
function freeArgument(v: VariableDecl): string {
  return qualified(v) ? `(void *)${v.name}` : v.name;
}

function qualified(v: VariableDecl): boolean {
  return v.isConst || v.isVolatile || /\b(const|volatile)\b/.test(v.type);
}
