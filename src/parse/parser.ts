import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';
import { buildParseView, type MacroSite } from './parse-view.js';
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
  // the node binding copies the input through a fixed buffer; give it room for large files
  const tree = parser().parse(view, undefined, { bufferSize: Math.max(32 * 1024, view.length * 2 + 16) });
  return { path, text, view, macroSites: sites, tree };
}
