/**
 * Gates flexos did not read: every `flexos_gate`/`flexos_gate_r` word of a file that is not a gate
 * site of its facts is reported, so that no annotation is skipped without a word. Three places
 * hide one: a `#define` body (the preprocessor expands it, flexos does not — the rewritten
 * output would still call the placeholder), a region tree-sitter could not parse, and code the
 * facts did not read (e.g. nesting too deep). Comments, strings and the name of a
 * `#define`d placeholder itself are not uses. `#else` branches left out are reported elsewhere
 * (annotation-in-skipped-branch).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ParsedSource, SyntaxNode } from '../parse/parser.js';
import { positionOf } from './facts.js';
import type { FileFacts } from './model.js';

const GATE_WORD = /\bflexos_gate(?:_r)?\b/g;

type Place = 'text' | 'define-name' | 'define-body' | 'unparsed' | 'code';

const TEXT_NODES = new Set(['comment', 'string_literal', 'string_content', 'char_literal', 'escape_sequence', 'system_lib_string', 'raw_string_literal']);

/**
 * What the word at `offset` is part of, from the leaf tree-sitter has there. Only the leaf and
 * its parent are read: a node's parent costs a walk from the root, so climbing a 60,000-deep
 * tree would be quadratic.
 */
function placeOf(parsed: ParsedSource, offset: number, length: number): Place {
  const leaf = parsed.tree.rootNode.descendantForIndex(offset, offset + length);
  if (TEXT_NODES.has(leaf.type)) return 'text';
  if (leaf.type === 'preproc_arg') {
    // the placeholder header's own definitions, and a gate's name inside a string of a body, are no uses
    const name = leaf.parent?.childForFieldName('name')?.text ?? '';
    if (/^flexos_(?:[a-z]+_)?gate(?:_r)?$/.test(name)) return 'text';
    const body = leaf.text;
    const at = offset - leaf.startIndex;
    for (const m of body.matchAll(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g)) {
      if (at >= m.index && at < m.index + m[0].length) return 'text';
    }
    return 'define-body';
  }
  if (leaf.type === 'identifier' && leaf.startIndex === offset) {
    const parent = leaf.parent;
    if (parent && (parent.type === 'preproc_def' || parent.type === 'preproc_function_def' || parent.type.startsWith('preproc_if') || parent.type === 'preproc_defined')) return 'define-name';
  }
  return parsed.errors.some((e) => offset >= e.start && offset < Math.max(e.end, e.start + 1)) ? 'unparsed' : 'code';
}

/**
 * Code nested too deeply is not read: tree-sitter's queries stop 65,535 levels down, and every
 * `.parent` walk over such a nest costs the square of its depth. Bracket nesting is a cheap
 * linear bound on tree depth (a level of brackets is at most a few tree levels): past
 * MAX_BRACKET_DEPTH the rest of the nest is left out of the facts (fact-nodes.ts) and reported
 * as unparsed, with the annotations in it as not seen.
 */
export const MAX_BRACKET_DEPTH = 16_000;

/** The first offset where brackets nest deeper than MAX_BRACKET_DEPTH, and the end of that nest; null when none. */
export function tooDeepNesting(text: string): { start: number; end: number } | null {
  let depth = 0;
  let start = -1;
  // one table read a character instead of six comparisons: half the time on a 9 MB file
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > CLOSE_BRACE) continue;
    const d = BRACKET_DEPTH_CHANGE[c]!;
    if (d === 0) continue;
    depth += d;
    if (d > 0) {
      if (depth > MAX_BRACKET_DEPTH && start === -1) start = i;
    } else if (start !== -1 && depth < MAX_BRACKET_DEPTH) return { start, end: i + 1 };
  }
  return start === -1 ? null : { start, end: text.length };
}

const CLOSE_BRACE = 0x7d;
/** +1 for `{ ( [`, -1 for `} ) ]`, 0 for every other character up to `}`. */
const BRACKET_DEPTH_CHANGE = (() => {
  const change = new Int8Array(CLOSE_BRACE + 1);
  for (const c of '{([') change[c.charCodeAt(0)] = 1;
  for (const c of '})]') change[c.charCodeAt(0)] = -1;
  return change;
})();

const nestingOf = new WeakMap<ParsedSource, { start: number; end: number } | null>();

/** tooDeepNesting of a parsed file's text, scanned once for the facts and the findings alike. */
export function tooDeepNestingOf(parsed: ParsedSource): { start: number; end: number } | null {
  let deep = nestingOf.get(parsed);
  if (deep === undefined) {
    deep = tooDeepNesting(parsed.text);
    nestingOf.set(parsed, deep);
  }
  return deep;
}

export function unseenGates(parsed: ParsedSource, facts: FileFacts): Diagnostic[] {
  const { text } = parsed;
  if (!text.includes('flexos_gate')) return [];
  const seen = new Set(facts.gates.map((g) => g.span.start));
  // branches left out are reported on their own (annotation-in-skipped-branch; #if 0 is dead code)
  const skipped = parsed.macroSites.filter((s) => s.kind === 'skipped-branch' || s.kind === 'dead-branch');
  const out: Diagnostic[] = [];
  const report = (offset: number, length: number, code: string, message: string): void => {
    const pos = positionOf(facts, offset);
    out.push({ code, severity: 'error', file: facts.path, line: pos.line, column: pos.column, start: offset, end: offset + length, message });
  };
  for (const m of text.matchAll(GATE_WORD)) {
    const offset = m.index;
    const word = m[0];
    if (seen.has(offset) || skipped.some((s) => offset >= s.start && offset < s.end)) continue;
    const place = placeOf(parsed, offset, word.length);
    if (place === 'text' || place === 'define-name') continue;
    if (place === 'define-body') {
      report(offset, word.length, 'gate-in-macro', `${word} inside a #define body: flexos rewrites gates in code only, so the expanded macro would still call the placeholder; use the gate at each call site (or make the macro an inline function)`);
    } else if (place === 'unparsed') {
      report(offset, word.length, 'gate-not-seen', `${word} inside a region tree-sitter could not parse: flexos cannot rewrite it and the output would not isolate this call; simplify the code around it or add the offending macro to a --macros table`);
    } else {
      report(offset, word.length, 'gate-not-seen', `${word} here is not a call flexos read (nested too deeply, or not called as ${word}(lib, fn, …)); flexos cannot rewrite it — write it as a call statement in a function body`);
    }
  }
  return out;
}

/**
 * Everything of one file flexos would otherwise miss without a word: gates it did not read, and
 * nesting too deep to read (also recorded as an unparsed region of the file's facts, so that the
 * summary never claims "unparsed regions: 0" over code it did not see).
 */
export function unseenCode(parsed: ParsedSource, facts: FileFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  const deep = tooDeepNestingOf(parsed);
  if (deep) {
    const pos = positionOf(facts, deep.start);
    facts.parseErrors.push({ span: deep, start: pos, kind: 'error', inFunction: facts.functions.find((f) => f.span.start <= deep.start && deep.start < f.span.end)?.name ?? null });
    out.push({
      code: 'nesting-too-deep',
      severity: 'error',
      file: facts.path,
      line: pos.line,
      column: pos.column,
      start: deep.start,
      end: deep.end,
      message: `brackets nest more than ${MAX_BRACKET_DEPTH} levels deep here; flexos cannot read code nested deeper (calls and annotations in it are not seen) — flatten this code`,
    });
  }
  out.push(...unseenGates(parsed, facts));
  for (const use of facts.strayAttributes) {
    const pos = positionOf(facts, use.span.start);
    out.push({
      code: 'annotation-not-attached',
      severity: 'warning',
      file: facts.path,
      line: pos.line,
      column: pos.column,
      start: use.span.start,
      end: use.span.end,
      message: 'flexos could not tell which declaration this annotation marks (e.g. a preprocessor line between them), so it is left as written and not acted on; put it directly on the declaration',
    });
  }
  return out;
}
