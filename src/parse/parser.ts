import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { buildParseView, type MacroSite } from './parse-view.js';
import { blankRanges, keepFirstBranches, scanConditionals, type ConditionalGroup } from './conditionals.js';
import type { MacroTable } from './macro-table.js';

export type SyntaxNode = Parser.SyntaxNode;
export type Tree = Parser.Tree;

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
  }
  return shared;
}

export function cLanguage(): Parser.Language {
  return binding().language;
}

/** A compiled tree-sitter query over the C grammar. */
export function cQuery(source: string): Parser.Query {
  const { TreeSitter, language } = binding();
  return new TreeSitter.Query(language, source);
}

export function parseSource(path: string, text: string, macros: MacroTable): ParsedSource {
  // dead branches (`#if 0`, `#ifdef __cplusplus`) are blanked first: no compiler sees them
  const conditionals = text.includes('#') ? scanConditionals(text) : { groups: [], dead: [] };
  const live = conditionals.dead.length > 0 ? blankRanges(text, conditionals.dead) : text;
  const { view, sites } = buildParseView(live, macros);
  const dead: MacroSite[] = conditionals.dead.map((d) => ({ kind: 'dead-branch', name: d.reason, start: d.start, end: d.end, argsText: '' }));
  const macroSites = dead.length > 0 ? [...sites, ...dead].sort((a, b) => a.start - b.start) : sites;
  const tree = parseView(view);
  if (!tree.rootNode.hasError) return { path, text, view, macroSites, tree, errors: [] };
  return retryFirstBranches({ path, text, view, macroSites, tree, errors: errorSpans(tree.rootNode) }, conditionals.groups);
}

function parseView(view: string): Tree {
  // the node binding copies the input through a fixed buffer; give it room for large files
  return parser().parse(view, undefined, { bufferSize: Math.max(32 * 1024, view.length * 2 + 16) });
}

/**
 * When #if/#else groups touch the broken regions, parse again reading those groups as their
 * first branch; keep whichever parse leaves fewer bytes unparsed. The branches left out are
 * recorded as `skipped-branch` sites, so they are reported, never silently dropped.
 */
function retryFirstBranches(first: ParsedSource, all: readonly ConditionalGroup[]): ParsedSource {
  const broken = first.errors;
  const groups = all.filter((g) => !g.known && broken.some((e) => e.start < g.end && Math.max(e.end, e.start + 1) > g.start));
  const outermost = groups.filter((g) => !groups.some((o) => o !== g && o.laterBranches.some((b) => g.start >= b.start && g.end <= b.end)));
  if (outermost.length === 0) return first;
  const view = keepFirstBranches(first.view, outermost);
  const tree = parseView(view);
  const errors = errorSpans(tree.rootNode);
  if (errorBytes(errors) >= errorBytes(broken)) return first;
  const skipped: MacroSite[] = outermost.flatMap((g) =>
    g.laterBranches.map((b) => ({ kind: 'skipped-branch' as const, name: '#else', start: b.start, end: b.end, argsText: '' })),
  );
  return { ...first, view, tree, errors, macroSites: [...first.macroSites, ...skipped].sort((a, b) => a.start - b.start) };
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
    if (!isRoot && (node.type === 'ERROR' || node.isMissing)) {
      spans.push({ start: node.startIndex, end: node.endIndex, kind: node.isMissing ? 'missing' : 'error' });
      return;
    }
    for (const child of node.children) {
      if (child.hasError || child.isMissing) visit(child, false);
      else if (isRoot && node.type === 'ERROR' && !child.isNamed) spans.push({ start: child.startIndex, end: child.endIndex, kind: 'error' });
    }
  };
  visit(root, true);
  return spans;
}
