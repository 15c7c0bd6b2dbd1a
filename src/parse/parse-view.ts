import type { MacroTable } from './macro-table.js';

/** A stretch of the original text that the parse view replaced, and why. */
export interface MacroSite {
  kind: 'attribute' | 'blank' | 'alias' | 'blank-call' | 'iterator' | 'definer' | 'type-arg' | 'skipped-branch';
  /** The macro name, or `__attribute__` for attributes. */
  name: string;
  start: number;
  end: number;
  /** Text inside the outermost parentheses, e.g. `(flexos_whitelist)` for an attribute. */
  argsText: string;
  /** For definers: the function the macro defines. */
  definedName?: string;
}

export interface ParseView {
  /** Same length as the original, with macro idioms rewritten so tree-sitter-c can read them. */
  view: string;
  sites: MacroSite[];
}

/**
 * Builds the parse view: comments, strings and preprocessor lines are skipped; listed macros and
 * every `__attribute__((...))` are replaced byte for byte. Newlines are never moved, so line
 * numbers agree as well as offsets.
 */
export function buildParseView(text: string, table: MacroTable): ParseView {
  const names = [...table.blank, ...table.alias.keys(), ...table.blankCall, ...table.iterator, ...table.definer.keys(), ...table.typeArg.keys(), '__attribute__', '__attribute'];
  const nameAlternation = names
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[$]/g, '\\$'))
    .join('|');
  const scanner = new RegExp(
    String.raw`\/\*[\s\S]*?(?:\*\/|$(?![\s\S]))|\/\/(?:\\\n|[^\n])*|"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?|^[ \t]*#(?:\\\r?\n|[^\n])*|\b(?:${nameAlternation})\b`,
    'gm',
  );
  const chunks: string[] = [];
  const sites: MacroSite[] = [];
  let copied = 0;
  let m: RegExpExecArray | null;
  while ((m = scanner.exec(text)) !== null) {
    const token = m[0];
    const first = token.charCodeAt(0);
    // comments, strings, chars and directives are skipped; only bare identifiers are rewritten
    if (first === 0x2f || first === 0x22 || first === 0x27 || token.trimStart().startsWith('#')) continue;
    const start = m.index;
    const site = rewriteSite(text, start, token, table);
    if (site === null) continue;
    chunks.push(text.slice(copied, start), site.replacement);
    copied = site.site.end;
    sites.push(site.site);
    scanner.lastIndex = site.site.end;
  }
  if (sites.length === 0) return { view: blankAnonymousBitFields(text), sites };
  chunks.push(text.slice(copied));
  return { view: blankAnonymousBitFields(chunks.join('')), sites };
}

/**
 * `unsigned : 0;` (an unnamed bit-field, padding only) is valid C that tree-sitter-c reads as a
 * field with a missing name; nothing flexos looks at is in it, so the view blanks it.
 */
const ANONYMOUS_BIT_FIELD = /^([ \t]*)((?:(?:const|volatile|signed|unsigned|int|char|short|long|_Bool)[ \t]+)*(?:signed|unsigned|int|char|short|long|_Bool)[ \t]*:[ \t]*\d+[ \t]*;)/gm;
function blankAnonymousBitFields(view: string): string {
  return view.replace(ANONYMOUS_BIT_FIELD, (_m, indent: string, field: string) => indent + ' '.repeat(field.length));
}

interface Rewrite {
  site: MacroSite;
  replacement: string;
}

function rewriteSite(text: string, start: number, name: string, table: MacroTable): Rewrite | null {
  const nameEnd = start + name.length;
  if (table.blank.has(name)) {
    const end = nameEnd;
    return { site: { kind: 'blank', name, start, end, argsText: '' }, replacement: spaces(text, start, end) };
  }
  const alias = table.alias.get(name);
  if (alias !== undefined) {
    return { site: { kind: 'alias', name, start, end: nameEnd, argsText: '' }, replacement: alias.padEnd(name.length, ' ') };
  }
  const args = balancedParens(text, nameEnd);
  if (name === '__attribute__' || name === '__attribute') {
    if (args === null) return null;
    return {
      site: { kind: 'attribute', name: '__attribute__', start, end: args.end, argsText: text.slice(args.open, args.end) },
      replacement: spaces(text, start, args.end),
    };
  }
  if (table.blankCall.has(name)) {
    if (args === null) return null;
    return {
      site: { kind: 'blank-call', name, start, end: args.end, argsText: text.slice(args.open, args.end) },
      replacement: spaces(text, start, args.end),
    };
  }
  if (table.iterator.has(name)) {
    if (args === null) return null;
    const keyword = name.length >= 5 ? 'while' : 'if';
    return {
      site: { kind: 'iterator', name, start, end: nameEnd, argsText: text.slice(args.open, args.end) },
      replacement: keyword + ' '.repeat(name.length - keyword.length),
    };
  }
  const typePositions = table.typeArg.get(name);
  if (typePositions !== undefined && args !== null) {
    const replacement = blankTypeArguments(text, args.open, args.end, typePositions);
    return {
      site: { kind: 'type-arg', name, start, end: args.end, argsText: text.slice(args.open, args.end) },
      replacement: text.slice(start, args.open) + replacement,
    };
  }
  const shape = table.definer.get(name);
  if (shape !== undefined && args !== null) {
    const parts = splitTopLevel(text.slice(args.open + 1, args.end - 1));
    const returns = parts[shape.returns]?.trim();
    const defined = parts[shape.name]?.trim();
    if (!returns || !defined || !/^[A-Za-z_]\w*$/.test(defined)) return null;
    const params: string[] = [];
    for (let i = shape.name + 1; i + 1 < parts.length; i += 2) params.push(`${parts[i]!.trim()} ${parts[i + 1]!.trim()}`);
    const signature = `${returns} ${defined}(${params.length > 0 ? params.join(', ') : 'void'})`;
    const replacement = layOut(text, start, args.end, signature);
    if (replacement === null) return null;
    return {
      site: { kind: 'definer', name, start, end: args.end, argsText: text.slice(args.open, args.end), definedName: defined },
      replacement,
    };
  }
  return null;
}

/** The argument list with each listed type argument read as `0` (offsets and newlines kept). */
function blankTypeArguments(text: string, open: number, end: number, positions: number[]): string {
  const inner = text.slice(open + 1, end - 1);
  const parts = splitTopLevel(inner);
  const out: string[] = [];
  parts.forEach((part, i) => {
    if (!positions.includes(i) || part.trim() === '') {
      out.push(part);
      return;
    }
    const lead = part.length - part.trimStart().length;
    out.push(part.slice(0, lead) + '0' + part.slice(lead + 1).replace(/[^\n]/g, ' '));
  });
  return '(' + out.join(',') + ')';
}

/** Spaces for [start, end), keeping the newlines where they were. */
function spaces(text: string, start: number, end: number): string {
  return text.slice(start, end).replace(/[^\n]/g, ' ');
}

/** The parenthesised group starting at the first non-blank character at or after `from`. */
function balancedParens(text: string, from: number): { open: number; end: number } | null {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  if (text[i] !== '(') return null;
  const open = i;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return { open, end: i + 1 };
    }
  }
  return null;
}

function skipQuoted(text: string, at: number): number {
  const quote = text[at];
  let i = at + 1;
  while (i < text.length && text[i] !== quote && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
  return i;
}

/** Splits on commas that are not nested in parentheses, brackets or braces. */
export function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '"' || c === "'") {
      i = skipQuoted(inner, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(last, i));
      last = i + 1;
    }
  }
  parts.push(inner.slice(last));
  return parts;
}

/**
 * Writes `signature` over [start, end) without moving newlines: tokens are placed left to right
 * and a token that would straddle a newline moves past it. Null if it does not fit.
 */
function layOut(text: string, start: number, end: number, signature: string): string | null {
  const out = spaces(text, start, end).split('');
  const tokens = signature.match(/[A-Za-z_0-9]+|\S/g) ?? [];
  let pos = 0;
  for (const token of tokens) {
    let fits = false;
    while (pos + token.length <= out.length) {
      const segment = text.slice(start + pos, start + pos + token.length);
      if (!segment.includes('\n')) {
        fits = true;
        break;
      }
      pos++;
    }
    if (!fits) return null;
    for (let k = 0; k < token.length; k++) out[pos + k] = token[k]!;
    pos += token.length + 1;
  }
  return out.join('');
}
