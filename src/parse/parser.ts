import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Parser from 'tree-sitter';
import { buildParseView, type MacroSite } from './parse-view.js';
import { blankRanges, keepFirstBranches, scanConditionals, type ConditionalGroup } from './conditionals.js';
import type { MacroTable } from './macro-table.js';
import { LineIndex } from './line-index.js';
import { childrenOf, describeBrokenSpans, nodeStart, nodeType, unifyNodeClasses, withoutNodeCache } from './node-access.js';

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;
export type TreeCursor = Parser.TreeCursor;

/** A source text, its parse view and the tree of that view (offsets valid in both texts). */
export interface ParsedSource {
  path: string;
  text: string;
  view: string;
  macroSites: MacroSite[];
  tree: Tree;
  /** Outermost ERROR/MISSING regions of `tree` (empty when it parsed cleanly). */
  errors: ErrorSpan[];
}

export interface ErrorSpan {
  start: number;
  end: number;
  /** 'missing': a token tree-sitter had to invent (an empty span). */
  kind: 'error' | 'missing';
}

type TreeSitterModule = typeof Parser;

/** The binding and the grammar, loaded once (lazily, so `--help` does not pay for them). */
function binding(): { TreeSitter: TreeSitterModule; language: Parser.Language } {
  const holder = process as unknown as { __flexosTreeSitter?: { TreeSitter: TreeSitterModule; language: Parser.Language } };
  if (!holder.__flexosTreeSitter) {
    const require = createRequire(import.meta.url);
    holder.__flexosTreeSitter = { TreeSitter: require('tree-sitter') as TreeSitterModule, language: require('tree-sitter-c') as Parser.Language };
  }
  return holder.__flexosTreeSitter;
}

let shared: Parser | null = null;

function parser(): Parser {
  if (shared === null) {
    const { TreeSitter, language } = binding();
    shared = new TreeSitter();
    shared.setLanguage(language);
    unifyNodeClasses(language);
  }
  return shared;
}

/** The binding's base node class (named node types get subclasses of it: node-access.ts). */
export function syntaxNodeClass(): unknown {
  return (binding().TreeSitter as unknown as { SyntaxNode: unknown }).SyntaxNode;
}

/**
 * The binding's native module, which its index.js wraps: node-access.ts calls its node methods
 * directly (the wrappers' way of making node objects costs more than the calls). Loaded the way
 * index.js loads it, so it is the same module instance; a different one is refused.
 */
export function nativeBinding(): unknown {
  const holder = process as unknown as { __flexosTreeSitterNative?: unknown };
  if (holder.__flexosTreeSitterNative === undefined) {
    const { TreeSitter } = binding();
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('tree-sitter'));
    const native = (createRequire(join(packageDir, 'index.js'))('node-gyp-build') as (dir: string) => unknown)(packageDir);
    if ((native as { Tree?: unknown }).Tree !== (TreeSitter as unknown as { Tree: unknown }).Tree) {
      throw new Error('the tree-sitter binding changed: its native module is not the one its index.js wraps; update nativeBinding in src/parse/parser.ts for the binding in package.json');
    }
    holder.__flexosTreeSitterNative = native;
  }
  return holder.__flexosTreeSitterNative;
}

export function cLanguage(): Parser.Language {
  return binding().language;
}

/** A compiled tree-sitter query over the C grammar. */
export function cQuery(source: string): Parser.Query {
  const { TreeSitter, language } = binding();
  return new TreeSitter.Query(language, source);
}

/** A UTF-8 byte order mark, as read in latin1 (one unit per byte). */
export const UTF8_BOM = '\u00ef\u00bb\u00bf';

export function parseSource(path: string, text: string, macros: MacroTable): ParsedSource {
  return parseWithState(path, text, macros, null, false).parsed;
}

/** The parse of a file's primary view, kept by an editor so that the next parse is incremental. */
export interface IncrementalState {
  view: string;
  tree: Tree;
}

/**
 * parseSource, re-using the previous parse of the same file: the views are compared, the changed
 * stretch is told to tree-sitter (Tree.edit) and only what it touches is parsed again. The
 * previous state is consumed (its tree is edited).
 */
export function parseSourceIncremental(
  path: string,
  text: string,
  macros: MacroTable,
  previous: IncrementalState | null,
): { parsed: ParsedSource; state: IncrementalState; change: { start: number; oldEnd: number; newEnd: number } | null } {
  return parseWithState(path, text, macros, previous, true);
}

/**
 * `keepState`: the primary view's tree is handed back for the next incremental parse, so the
 * retry (below) must leave it unedited; without a state to keep, the retry edits it in place.
 */
function parseWithState(
  path: string,
  text: string,
  macros: MacroTable,
  previous: IncrementalState | null,
  keepState: boolean,
): { parsed: ParsedSource; state: IncrementalState; change: { start: number; oldEnd: number; newEnd: number } | null } {
  // dead branches (`#if 0`, `#ifdef __cplusplus`) are blanked first: no compiler sees them
  const conditionals = text.includes('#') ? scanConditionals(text) : { groups: [], dead: [] };
  const live = conditionals.dead.length > 0 ? blankRanges(text, conditionals.dead) : text;
  const built = buildParseView(live, macros);
  const viewSites = built.sites;
  // a BOM is not C: the view reads it as three blanks, so the first declaration starts after it
  const view = built.view.startsWith(UTF8_BOM) ? '   ' + built.view.slice(3) : built.view;
  const dead: MacroSite[] = conditionals.dead.map((d) => ({ kind: 'dead-branch', name: d.reason, start: d.start, end: d.end, argsText: '' }));
  const sites = dead.length > 0 ? [...viewSites, ...dead].sort((a, b) => a.start - b.start) : viewSites;
  let tree: Tree;
  let edit: Parser.Edit | null = null;
  if (previous !== null) {
    edit = changedRange(previous.view, view);
    if (edit === null) tree = previous.tree;
    else {
      previous.tree.edit(edit);
      tree = parseView(view, previous.tree);
    }
  } else tree = parseView(view);
  const change = edit ? { start: edit.startIndex, oldEnd: edit.oldEndIndex, newEnd: edit.newEndIndex } : null;
  const first: ParsedSource = { path, text, view, macroSites: sites, tree, errors: tree.rootNode.hasError ? errorSpans(tree.rootNode) : [] };
  const parsed = first.errors.length > 0 ? retryFirstBranches(first, conditionals.groups, keepState) : first;
  describeBrokenSpans(parsed.tree, parsed.errors);
  return { parsed, state: { view, tree }, change };
}

const COMPARE_CHUNK = 1024;

/** The one stretch where two texts differ (common prefix and suffix removed), as a tree-sitter edit. */
function changedRange(before: string, after: string): Parser.Edit | null {
  if (before === after) return null;
  // whole chunks first (one native comparison each), then unit by unit within the chunk that
  // differs: an editor's keystroke compares two views of the whole file
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start + COMPARE_CHUNK <= max && before.startsWith(after.slice(start, start + COMPARE_CHUNK), start)) start += COMPARE_CHUNK;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let oldEnd = before.length;
  let newEnd = after.length;
  while (oldEnd - COMPARE_CHUNK >= start && newEnd - COMPARE_CHUNK >= start && before.endsWith(after.slice(newEnd - COMPARE_CHUNK, newEnd), oldEnd)) {
    oldEnd -= COMPARE_CHUNK;
    newEnd -= COMPARE_CHUNK;
  }
  while (oldEnd > start && newEnd > start && before.charCodeAt(oldEnd - 1) === after.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition: point(before, start), oldEndPosition: point(before, oldEnd), newEndPosition: point(after, newEnd) };
}

function point(text: string, index: number): Parser.Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

function parseView(view: string, old?: Tree): Tree {
  // the node binding copies the input through a fixed buffer; give it room for large files
  return withoutNodeCache(parser().parse(view, old, { bufferSize: Math.max(32 * 1024, view.length * 2 + 16) }));
}

/**
 * When #if/#else groups touch the broken regions, parse again reading those groups as their
 * first branch; keep whichever parse leaves fewer bytes unparsed. The branches left out are
 * recorded as `skipped-branch` sites, so they are reported, never silently dropped.
 *
 * The second parse is incremental: the blanked stretches are told to tree-sitter as edits, so
 * only what they touch is parsed again (a full second parse doubled the parse time of such
 * files). The edits go to the first tree itself, unless it is an editor's state for its next
 * incremental parse (`keepFirstTree`): then to a fresh tree object of the first parse, which
 * costs a parse re-using the whole first tree (150 ms on the SQLite amalgamation). An edited
 * tree is no tree to read, so when the first reading wins its view is parsed again from the
 * edited tree (only the edited stretches are).
 */
function retryFirstBranches(first: ParsedSource, all: readonly ConditionalGroup[], keepFirstTree: boolean): ParsedSource {
  const broken = first.errors;
  const groups = all.filter((g) => !g.known && broken.some((e) => e.start < g.end && Math.max(e.end, e.start + 1) > g.start));
  const outermost = groups.filter((g) => !groups.some((o) => o !== g && o.laterBranches.some((b) => g.start >= b.start && g.end <= b.end)));
  if (outermost.length === 0) return first;
  const view = keepFirstBranches(first.view, outermost);
  // nothing changed: tree-sitter re-uses the whole first parse, in a tree object of its own
  const old = keepFirstTree ? parseView(first.view, first.tree) : first.tree;
  for (const e of sameLengthEdits(first.view, outermost.flatMap((g) => [...g.directives, ...g.laterBranches]))) old.edit(e);
  const tree = parseView(view, old);
  const errors = errorSpans(tree.rootNode);
  if (errorBytes(errors) >= errorBytes(broken)) {
    // an edited tree is no tree to read (its nodes still carry the edits): parse the first view
    // again from it, which re-parses only the edited stretches
    return keepFirstTree ? first : { ...first, tree: parseView(first.view, old) };
  }
  const skipped: MacroSite[] = outermost.flatMap((g) =>
    g.laterBranches.map((b) => ({ kind: 'skipped-branch' as const, name: '#else', start: b.start, end: b.end, argsText: '' })),
  );
  return { ...first, view, tree, errors, macroSites: [...first.macroSites, ...skipped].sort((a, b) => a.start - b.start) };
}

/**
 * Tree edits for stretches rewritten in place (blanked: same length, newlines kept), merged
 * where they overlap or touch. Rows and columns do not move, so the old and new ends agree.
 */
function sameLengthEdits(text: string, ranges: readonly { start: number; end: number }[]): Parser.Edit[] {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ start: r.start, end: r.end });
  }
  const lines = LineIndex.of(text);
  const pointAt = (offset: number): Parser.Point => {
    const p = lines.position(offset);
    return { row: p.line - 1, column: p.column - 1 };
  };
  return merged.map((r) => {
    const end = pointAt(r.end);
    return { startIndex: r.start, oldEndIndex: r.end, newEndIndex: r.end, startPosition: pointAt(r.start), oldEndPosition: end, newEndPosition: end };
  });
}

/** A MISSING token is empty; it still counts as one broken byte. */
function errorBytes(spans: ErrorSpan[]): number {
  return spans.reduce((n, s) => n + Math.max(1, s.end - s.start), 0);
}

/**
 * Outermost ERROR/MISSING nodes, found by descending only into broken branches. When the whole
 * file is one ERROR (tree-sitter's recovery at top level), its well-formed children are kept and
 * only its stray tokens count.
 */
export function errorSpans(root: SyntaxNode): ErrorSpan[] {
  const spans: ErrorSpan[] = [];
  const visit = (node: SyntaxNode, isRoot: boolean): void => {
    if (!isRoot) {
      const missing = node.isMissing;
      if (missing || nodeType(node) === 'ERROR') {
        spans.push({ start: nodeStart(node), end: node.endIndex, kind: missing ? 'missing' : 'error' });
        return;
      }
    }
    const strayTokensCount = isRoot && nodeType(node) === 'ERROR';
    // a MISSING token has an error cost of its own, so hasError is true for it too
    for (const child of childrenOf(node)) {
      if (child.hasError) visit(child, false);
      else if (strayTokensCount && !child.isNamed) spans.push({ start: nodeStart(child), end: child.endIndex, kind: 'error' });
    }
  };
  visit(root, true);
  return spans;
}
