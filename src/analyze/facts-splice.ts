/**
 * Facts of an edited file without reading all of it again: when an edit stays inside one
 * function's body and the new tree has that function at the same place, the file's facts are the
 * old ones with that function's part replaced by freshly extracted facts of the new function,
 * and everything after it moved by the edit's length. The caller checks the conditions
 * (spliceable) and falls back to extractFacts otherwise.
 */
import { LineIndex } from '../parse/line-index.js';
import type { SyntaxNode } from '../parse/parser.js';
import type { FileFacts, FunctionDef, Span } from './model.js';

/** A change of the text: [start, oldEnd) became [start, newEnd). */
export interface TextChange {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** The old function whose body holds the whole change, when the new tree has it at the same place. */
export function spliceTarget(old: FileFacts, change: TextChange, root: SyntaxNode): { fn: FunctionDef; node: SyntaxNode } | null {
  const fn = old.functions.find((f) => f.body.start < change.start && change.oldEnd < f.body.end);
  if (!fn || fn.viaMacro) return null;
  let node: SyntaxNode | null = root.descendantForIndex(change.start, change.start);
  while (node && node.type !== 'function_definition') node = node.parent;
  const delta = change.newEnd - change.oldEnd;
  if (!node || node.startIndex !== fn.span.start || node.endIndex !== fn.span.end + delta) return null;
  // the function must still be a top-level definition (not swallowed into an ERROR)
  if (node.parent?.type !== 'translation_unit') return null;
  return { fn, node };
}

type Spanned = { span: Span } | { attribute: { span: Span } };

function startOf(item: Spanned): number {
  return 'span' in item ? item.span.start : item.attribute.span.start;
}

/** `part`: facts extracted within the new function only (extractFacts with `within`). */
export function spliceFacts(old: FileFacts, part: FileFacts, replaced: Span, delta: number): FileFacts | null {
  // names without places (macros, typedefs) cannot be spliced: a #define in a body is rare, re-read all then
  if (part.defines.length > 0 || part.typedefs.length > 0 || part.includes.length > 0) return null;
  // objects may be shared (an attribute is both a function's and its callback's): move each once
  const moved = new Set<object>();
  const shift = (value: unknown): void => {
    if (delta === 0 || typeof value !== 'object' || value === null || moved.has(value)) return;
    moved.add(value);
    if (Array.isArray(value)) {
      for (const v of value) shift(v);
      return;
    }
    const o = value as Record<string, unknown>;
    if (typeof o.start === 'number' && typeof o.end === 'number') {
      o.start += delta;
      o.end += delta;
    }
    for (const k in o) if (k !== 'start' && k !== 'end') shift(o[k]);
  };
  const merge = <T extends Spanned>(before: T[], fresh: T[]): T[] => {
    const out: T[] = [];
    const after: T[] = [];
    for (const item of before) {
      const at = startOf(item);
      if (at < replaced.start) out.push(item);
      else if (at >= replaced.end) after.push(item);
    }
    for (const item of after) shift(item);
    return [...out, ...fresh, ...after];
  };
  const lines = LineIndex.fromStarts(part.lineStarts);
  const facts: FileFacts = {
    ...part,
    functions: merge(old.functions, part.functions),
    prototypes: merge(old.prototypes, part.prototypes),
    globals: merge(old.globals, part.globals),
    locals: merge(old.locals, part.locals),
    defines: merge(old.defines, part.defines),
    // what the file's #defines mention (no places to move; none in the new body, checked above)
    ...(old.macroBodies ? { macroBodies: old.macroBodies } : {}),
    typedefs: old.typedefs,
    ...(old.typedefTypes ? { typedefTypes: old.typedefTypes } : {}),
    calls: merge(old.calls, part.calls),
    gates: merge(old.gates, part.gates),
    sharedAllocs: merge(old.sharedAllocs, part.sharedAllocs),
    sharedLiterals: merge(old.sharedLiterals, part.sharedLiterals),
    functionRefs: merge(old.functionRefs, part.functionRefs),
    callbacks: merge(old.callbacks, part.callbacks),
    includes: merge(old.includes, part.includes),
    parseErrors: merge(old.parseErrors, part.parseErrors),
    strayAttributes: merge(old.strayAttributes, part.strayAttributes),
    nameUses: merge(old.nameUses, part.nameUses),
  };
  for (const e of facts.parseErrors) e.start = lines.position(e.span.start);
  return facts;
}

const SPANNED_FIELDS = ['functions', 'prototypes', 'globals', 'locals', 'defines', 'calls', 'gates', 'sharedAllocs', 'sharedLiterals', 'functionRefs', 'callbacks', 'includes', 'parseErrors', 'strayAttributes', 'nameUses'] as const;

/**
 * An edit that kept every length (a character replaced) and left the function's facts as they
 * were — a digit, a comparison operator: nothing the analysis reads changed, so nothing derived
 * from it needs computing again.
 */
export function sameFactsWithin(old: FileFacts, part: FileFacts, range: Span): boolean {
  if (part.defines.length > 0 || part.typedefs.length > 0) return false;
  // a newline replaced by another character keeps the length but moves every later line
  if (old.lineStarts.length !== part.lineStarts.length || old.lineStarts.some((v, i) => v !== part.lineStarts[i])) return false;
  for (const field of SPANNED_FIELDS) {
    const before = (old[field] as Spanned[]).filter((x) => startOf(x) >= range.start && startOf(x) < range.end);
    if (JSON.stringify(before) !== JSON.stringify(part[field])) return false;
  }
  return (
    JSON.stringify(old.suppressions) === JSON.stringify(part.suppressions) &&
    JSON.stringify(old.skippedBranches) === JSON.stringify(part.skippedBranches) &&
    JSON.stringify(old.deadCode) === JSON.stringify(part.deadCode)
  );
}
