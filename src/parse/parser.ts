import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { buildParseView, type MacroSite } from './parse-view.js';
import { conditionalGroups, keepFirstBranches } from './conditionals.js';
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
  const { view, sites } = buildParseView(text, macros);
  const tree = parseView(view);
  if (!tree.rootNode.hasError) return { path, text, view, macroSites: sites, tree };
  return retryFirstBranches({ path, text, view, macroSites: sites, tree });
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
function retryFirstBranches(first: ParsedSource): ParsedSource {
  const broken = errorSpans(first.tree.rootNode);
  const groups = conditionalGroups(first.text).filter((g) => broken.some((e) => e.start < g.end && e.end > g.start));
  const outermost = groups.filter((g) => !groups.some((o) => o !== g && o.laterBranches.some((b) => g.start >= b.start && g.end <= b.end)));
  if (outermost.length === 0) return first;
  const view = keepFirstBranches(first.view, outermost);
  const tree = parseView(view);
  if (errorBytes(errorSpans(tree.rootNode)) >= errorBytes(broken)) return first;
  const skipped: MacroSite[] = outermost.flatMap((g) =>
    g.laterBranches.map((b) => ({ kind: 'skipped-branch' as const, name: '#else', start: b.start, end: b.end, argsText: '' })),
  );
  return { ...first, view, tree, macroSites: [...first.macroSites, ...skipped].sort((a, b) => a.start - b.start) };
}

function errorBytes(spans: { start: number; end: number }[]): number {
  return spans.reduce((n, s) => n + (s.end - s.start), 0);
}

/** Outermost ERROR/MISSING spans; a whole-file ERROR contributes only its stray tokens. */
export function errorSpans(root: SyntaxNode): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const visit = (node: SyntaxNode, isRoot: boolean): void => {
    if (!isRoot && (node.type === 'ERROR' || node.isMissing)) {
      spans.push({ start: node.startIndex, end: Math.max(node.endIndex, node.startIndex + 1) });
      return;
    }
    for (const child of node.children) {
      if (child.hasError || child.isMissing) visit(child, false);
      else if (isRoot && node.type === 'ERROR' && !child.isNamed) spans.push({ start: child.startIndex, end: child.endIndex });
    }
  };
  visit(root, true);
  return spans;
}
