import type { DefinerShape, MacroTable } from './macro-table.js';

/** A stretch of the original text that the parse view replaced, and why. */
export interface MacroSite {
  kind: 'attribute' | 'asm-label' | 'blank' | 'alias' | 'blank-call' | 'iterator' | 'definer' | 'type-arg' | 'string' | 'template' | 'skipped-branch' | 'dead-branch';
  /** The macro name, `__attribute__` for attributes, the condition (`#if 0`, `__cplusplus`) for a dead branch. */
  name: string;
  start: number;
  end: number;
  /** Text inside the outermost parentheses, e.g. `(flexos_whitelist)` for an attribute. */
  argsText: string;
  /** For definers: the function the macro defines. */
  definedName?: string;
  /** For definers: the argument position of that name, when one argument is the name. */
  nameArg?: number;
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
  const scanner = scannerFor(table);
  scanner.lastIndex = 0;
  const chunks: string[] = [];
  const sites: MacroSite[] = [];
  let copied = 0;
  let m: RegExpExecArray | null;
  while ((m = scanner.exec(text)) !== null) {
    const token = m[0];
    const first = token.charCodeAt(0);
    // comments, strings and chars are skipped; only bare identifiers are rewritten
    if (first === 0x2f || first === 0x22 || first === 0x27) continue;
    const start = m.index;
    if (token.trimStart().startsWith('#')) {
      // tree-sitter-c ends a #define body at a block comment, then reads the rest of the body as
      // code (`: /* output */ "=r" (x) \`): the comment goes, the directive stays whole
      if (token.includes('/*')) {
        const blanked = commentsBlanked(token);
        if (blanked !== token) {
          chunks.push(text.slice(copied, start), blanked);
          copied = start + token.length;
        }
      }
      continue;
    }
    const site = rewriteSite(text, start, token, table);
    if (site === null) continue;
    chunks.push(text.slice(copied, start), site.replacement);
    copied = site.site.end;
    sites.push(site.site);
    scanner.lastIndex = site.site.end;
  }
  if (copied === 0) return { view: blankAnonymousBitFields(text), sites };
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

const scanners = new WeakMap<MacroTable, RegExp>();

/** One scanner per table: comments, strings, directives, and every name the table knows. */
function scannerFor(table: MacroTable): RegExp {
  let scanner = scanners.get(table);
  if (scanner === undefined) {
    const names = [...table.blank, ...table.alias.keys(), ...table.blankCall, ...table.iterator, ...table.definer.keys(), ...table.typeArg.keys(), ...table.string, ...table.template.keys(), '__attribute__', '__attribute', ...ASM_WORDS];
    const nameAlternation = [...new Set(names)]
      .sort((a, b) => b.length - a.length)
      .map((n) => n.replace(/[$]/g, '\\$'))
      .join('|');
    scanner = new RegExp(
      String.raw`\/\*[\s\S]*?(?:\*\/|$(?![\s\S]))|\/\/(?:\\\n|[^\n])*|"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?|^[ \t]*#(?:\\\r?\n|[^\n])*|\b(?:${nameAlternation})\b`,
      'gm',
    );
    scanners.set(table, scanner);
  }
  return scanner;
}

/**
 * A directive with its block comments turned into spaces where code follows them (newlines and
 * line continuations kept). A comment that ends the directive stays: tree-sitter reads that one,
 * and an emptied function-like #define body would not parse.
 */
function commentsBlanked(directive: string): string {
  return directive.replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\*[\s\S]*?\*\//g, (m, at: number) => {
    if (!m.startsWith('/*') || /^[\s\\]*$/.test(directive.slice(at + m.length))) return m;
    return m.replace(/\\(?=\r?\n)|[^\n]/g, (c) => (c === '\\' ? c : ' '));
  });
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
  if (ASM_WORDS.includes(name)) return asmLabel(text, start, name, args);
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
  if (table.string.has(name)) {
    // `STRINGIFY(x)` or `LVLC_RESET` next to string literals: read as one empty literal
    const end = args !== null ? args.end : nameEnd;
    if (end - start < 2 || text.slice(start, end).includes('\n')) return null;
    return {
      site: { kind: 'string', name, start, end, argsText: args !== null ? text.slice(args.open, args.end) : '' },
      replacement: '"' + ' '.repeat(end - start - 2) + '"',
    };
  }
  const template = table.template.get(name);
  if (template !== undefined && args !== null) {
    const parts = splitTopLevel(text.slice(args.open + 1, args.end - 1)).map((p) => withoutBlanks(p, table).trim());
    const replacement = layOut(text, start, args.end, substitute(template, parts));
    if (replacement === null) return null;
    return { site: { kind: 'template', name, start, end: args.end, argsText: text.slice(args.open, args.end) }, replacement };
  }
  const shape = table.definer.get(name);
  if (shape !== undefined && args !== null) {
    const parts = splitTopLevel(text.slice(args.open + 1, args.end - 1)).map((p) => withoutBlanks(p, table).trim());
    const signature = definerSignature(shape, parts);
    if (signature === null) return null;
    const replacement = layOut(text, start, args.end, signature.text);
    if (replacement === null) return null;
    return {
      site: {
        kind: 'definer',
        name,
        start,
        end: args.end,
        argsText: text.slice(args.open, args.end),
        definedName: signature.name,
        ...(typeof shape.name === 'number' ? { nameArg: shape.name } : {}),
      },
      replacement,
    };
  }
  return null;
}

/** `RET NAME(T1 p1, …)` (plus `{}` when the macro writes the body) from a definer's arguments. */
function definerSignature(shape: DefinerShape, parts: string[]): { text: string; name: string } | null {
  const returns = typeof shape.returns === 'number' ? parts[shape.returns] : shape.returns;
  const name = typeof shape.name === 'number' ? parts[shape.name] : substitute(shape.name, parts);
  if (!returns || !name || !/^[A-Za-z_]\w*$/.test(name)) return null;
  const used = [typeof shape.returns === 'number' ? shape.returns : -1, typeof shape.name === 'number' ? shape.name : -1, ...[...String(shape.name).matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))];
  const from = shape.from ?? Math.max(...used) + 1;
  const rest = parts.slice(from).filter((p) => p !== '');
  const params: string[] = [];
  if (shape.params === 'pairs') for (let i = 0; i + 1 < rest.length; i += 2) params.push(`${rest[i]} ${rest[i + 1]}`);
  if (shape.params === 'types') params.push(...rest);
  if (shape.params === 'declarations' && rest[0] !== undefined) {
    const separator = new RegExp(String.raw`\b${shape.separator ?? ','}\b`, 'g');
    params.push(rest[0].replace(separator, ',').replace(/\s+/g, ' ').trim());
  }
  // `returns: before`: the type is written before the macro (newlib's `int\n_DEFUN(…)`)
  const text = `${returns === 'before' ? '' : `${returns} `}${name}(${params.length > 0 ? params.join(', ') : 'void'})${shape.body ? ' {}' : ''}`;
  return { text, name };
}

/** A template with `$N` replaced by argument N (missing arguments read as nothing). */
function substitute(template: string, parts: string[]): string {
  return template.replace(/\$(\d+)/g, (_, n: string) => parts[Number(n)] ?? '');
}

const blankPatterns = new WeakMap<MacroTable, RegExp | null>();

/** Text with the table's blank markers and attributes removed (`int __unused` → `int`). */
function withoutBlanks(part: string, table: MacroTable): string {
  let re = blankPatterns.get(table);
  if (re === undefined) {
    const words = [...table.blank].map((n) => n.replace(/[$]/g, '\\$'));
    re = words.length > 0 ? new RegExp(String.raw`\b(?:${words.join('|')})\b`, 'g') : null;
    blankPatterns.set(table, re);
  }
  const stripped = re === null ? part : part.replace(re, ' ');
  return stripped.includes('__attribute') ? stripped.replace(/__attribute(?:__)?\s*\(\((?:[^()]|\([^()]*\))*\)\)/g, ' ') : stripped;
}

const ASM_WORDS = ['asm', '__asm__', '__asm'];
/** Words after which `asm (…)` starts a statement, not a declarator's register or label name. */
const NOT_A_DECLARATOR = new Set(['else', 'do', 'return', 'goto', 'case', 'default', 'volatile', '__volatile__', 'inline', '__inline__']);

/**
 * `register long r asm("rax") = x;` or `int f(void) __asm__("g");`: an asm register or label name
 * after a declarator, which tree-sitter-c cannot read; blanked like an attribute. An asm
 * statement (`asm volatile (…)`, `else asm("nop");`) is left to the grammar, which reads it.
 */
function asmLabel(text: string, start: number, name: string, args: { open: number; end: number } | null): Rewrite | null {
  if (args === null || !/^\(\s*"[^"\n]*"\s*\)$/.test(text.slice(args.open, args.end))) return null;
  let i = start - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  const before = text[i] ?? '';
  if (before === ']' || before === ')') {
    // `f(void) asm("g")` is a label; `if (x) asm("nop")` a statement: a `;`/`{` ends the latter's line
    if (!/^\s*[;,=]/.test(text.slice(args.end)) || /\b(?:if|while|for|switch)\s*\(/.test(text.slice(text.lastIndexOf('\n', i) + 1, i + 1))) return null;
  } else if (/\w/.test(before)) {
    const word = /\w+$/.exec(text.slice(Math.max(0, i - 40), i + 1))?.[0] ?? '';
    if (NOT_A_DECLARATOR.has(word)) return null;
  } else {
    return null;
  }
  return { site: { kind: 'asm-label', name, start, end: args.end, argsText: text.slice(args.open, args.end) }, replacement: spaces(text, start, args.end) };
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
