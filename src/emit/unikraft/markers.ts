import type { ParsedSource } from '../../parse/parser.js';

/**
 * One `/* __FLEXOS MARKER__: <text> *\/` comment of FlexOS's tree, or a block an earlier rewrite
 * spliced there: `/* __FLEXOS MARKER__: <text> (rewritten) *\/ … /* __FLEXOS MARKER__: end *\/`.
 * Keeping the block's bounds makes rewriting a rewritten tree re-render the same block
 * (idempotent, and an in-place tree can be redeployed with another configuration).
 */
export interface MarkerSite {
  file: string;
  text: string;
  /** From the marker's `/*` to the end of its comment (or of the block's end comment). */
  start: number;
  end: number;
  rewritten: boolean;
}

export const REWRITTEN_SUFFIX = ' (rewritten)';
export const BLOCK_END = '/* __FLEXOS MARKER__: end */';

const MARKER_COMMENT = /\/\*\s*__FLEXOS MARKER__:\s*([\s\S]*?)\s*\*\//g;
const LITERAL_NODES = new Set(['string_literal', 'string_content', 'char_literal', 'concatenated_string', 'system_lib_string']);

/**
 * The markers of one file. The comment's spelling is distinctive, so a search finds it in C
 * and linker scripts alike; in C files tree-sitter then confirms a hit is not inside a string
 * literal (a region the parser never saw, such as a skipped #else branch, still counts: the
 * preprocessor may keep it).
 */
export function findMarkers(file: string, text: string, parsed?: ParsedSource): MarkerSite[] {
  const out: MarkerSite[] = [];
  MARKER_COMMENT.lastIndex = 0;
  for (let m = MARKER_COMMENT.exec(text); m; m = MARKER_COMMENT.exec(text)) {
    const start = m.index;
    const body = m[1]!.replace(/\s+/g, ' ');
    if (body === 'end') continue; // an end comment without its block: left alone
    if (parsed) {
      const node = parsed.tree.rootNode.descendantForIndex(start);
      if (LITERAL_NODES.has(node.type) || (node.parent && LITERAL_NODES.has(node.parent.type))) continue;
    }
    let end = start + m[0].length;
    const rewritten = body.endsWith(REWRITTEN_SUFFIX.trim()) && body !== REWRITTEN_SUFFIX.trim();
    if (rewritten) {
      const close = text.indexOf(BLOCK_END, end);
      if (close === -1) continue; // a damaged block: not ours to guess
      end = close + BLOCK_END.length;
      MARKER_COMMENT.lastIndex = end;
    }
    out.push({ file, text: rewritten ? body.slice(0, -REWRITTEN_SUFFIX.trim().length).trimEnd() : body, start, end, rewritten });
  }
  return out;
}

/** Files of a Unikraft tree that may hold markers: C, headers, assembly and linker scripts. */
export function mayHoldMarkers(path: string): boolean {
  return /\.(c|h|S|lds|ld)$/.test(path);
}
