import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
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

let shared: Parser | null = null;

function parser(): Parser {
  if (shared === null) {
    shared = new Parser();
    shared.setLanguage(C as unknown as Parser.Language);
  }
  return shared;
}

export function cLanguage(): Parser.Language {
  return C as unknown as Parser.Language;
}

export function parseSource(path: string, text: string, macros: MacroTable): ParsedSource {
  const { view, sites } = buildParseView(text, macros);
  // the node binding copies the input through a fixed buffer; give it room for large files
  const tree = parser().parse(view, undefined, { bufferSize: Math.max(32 * 1024, view.length * 2 + 16) });
  return { path, text, view, macroSites: sites, tree };
}
