/**
 * Identifiers a file uses that it does not bind itself: the candidates for "a global of another
 * library used by name". Found per file (no knowledge of other files), so the cross-file step
 * only looks names up; the scan is lexical over the parse view (comments, strings and directives
 * skipped), far cheaper than a capture per identifier, and discards what cannot be a variable
 * use: members (`.x`, `->x`), calls (`x(`), tags (`struct x`), labels of goto, and names the file
 * binds itself (locals in scope, parameters, its own functions, macros, typedefs, definitions).
 */
import type { FileFacts, FunctionDef, NameUse, Span, VariableDecl } from './model.js';

const SCANNER = /\/\*[\s\S]*?(?:\*\/|$(?![\s\S]))|\/\/(?:\\\n|[^\n])*|"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?|^[ \t]*#(?:\\\r?\n|[^\n])*|[A-Za-z_]\w*/gm;

const KEYWORDS = new Set(
  'auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool _Complex _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local __typeof__ typeof __typeof __inline __inline__ __restrict __restrict__ __volatile__ __const __asm__ asm __asm __extension__ __builtin_offsetof __alignof__ __label__ bool true false NULL'.split(' '),
);
const TAGS = new Set(['struct', 'union', 'enum', 'goto', 'case']);

/**
 * Name uses of a file (its function bodies and file-scope initialisers), in text order. `names`:
 * the facts that say what the file binds, when `facts` holds only part of it (an edited function).
 */
export function nameUses(view: string, facts: FileFacts, names: FileFacts = facts): NameUse[] {
  const bound = new Set<string>(names.typedefs);
  for (const d of names.defines) bound.add(d.name);
  for (const f of [...names.functions, ...facts.functions]) bound.add(f.name);
  for (const p of names.prototypes) bound.add(p.name);
  const ownGlobals = new Set<string>();
  for (const g of names.globals) if (g.storage !== 'extern') ownGlobals.add(g.name);
  const uses: NameUse[] = [];
  let localIndex = 0;
  const locals = facts.locals;
  for (const fn of facts.functions) {
    while (localIndex < locals.length && locals[localIndex]!.nameSpan.start < fn.body.start) localIndex++;
    const start = localIndex;
    while (localIndex < locals.length && locals[localIndex]!.nameSpan.start < fn.body.end) localIndex++;
    scan(view, fn.body, fn, locals.slice(start, localIndex), bound, ownGlobals, uses);
  }
  for (const g of facts.globals) if (g.initializerSpan) scan(view, g.initializerSpan, null, [], bound, ownGlobals, uses);
  uses.sort((a, b) => a.span.start - b.span.start);
  return uses;
}

/** Own globals are recorded only where their address is taken (it may travel to another library). */
function scan(view: string, range: Span, fn: FunctionDef | null, locals: VariableDecl[], bound: Set<string>, ownGlobals: Set<string>, out: NameUse[]): void {
  const params = new Set(fn?.params.flatMap((p) => (p.name ? [p.name] : [])) ?? []);
  const localNames = new Set(locals.map((v) => v.name));
  const text = view.slice(range.start, range.end);
  let previousWord = '';
  SCANNER.lastIndex = 0;
  for (let m = SCANNER.exec(text); m !== null; m = SCANNER.exec(text)) {
    const token = m[0];
    // comments, literals and directives (which start with `#` or a blank) are skipped
    if (!isWordStart(token.charCodeAt(0))) continue;
    const word = previousWord;
    previousWord = token;
    if (KEYWORDS.has(token) || bound.has(token) || params.has(token)) continue;
    if (TAGS.has(word)) continue;
    const at = range.start + m.index;
    const before = previousChar(view, at);
    if (before === '.' || (before === '>' && view[previousIndex(view, at) - 1] === '-')) continue;
    const after = nextIndex(view, at + token.length);
    if (view[after] === '(') continue;
    // `out:` a label, `case X:` a constant (a ternary's `? x :` is a use)
    if (view[after] === ':' && view[after + 1] !== ':' && (word === 'case' || /^[;{}:]?$/.test(previousChar(view, at)))) continue;
    if (localNames.has(token) && inScopeLocal(locals, token, at)) continue;
    const how = access(view, at, at + token.length);
    if (ownGlobals.has(token) && how !== 'address') continue;
    out.push({ name: token, span: { start: at, end: at + token.length }, inFunction: fn?.name ?? null, access: how });
  }
}

/** [A-Za-z_]: the first character of the scanner's word tokens, and of none of its others. */
function isWordStart(c: number): boolean {
  return c === 0x5f || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function inScopeLocal(locals: VariableDecl[], name: string, at: number): boolean {
  for (const v of locals) if (v.name === name && v.scope && v.nameSpan.start <= at && at >= v.scope.start && at < v.scope.end) return true;
  return false;
}

function previousIndex(view: string, at: number): number {
  let i = at - 1;
  while (i >= 0 && (view[i] === ' ' || view[i] === '\t' || view[i] === '\n' || view[i] === '\r')) i--;
  return i;
}

function previousChar(view: string, at: number): string {
  const i = previousIndex(view, at);
  return i >= 0 ? view[i]! : '';
}

function nextIndex(view: string, at: number): number {
  let i = at;
  while (i < view.length && (view[i] === ' ' || view[i] === '\t' || view[i] === '\n' || view[i] === '\r')) i++;
  return i;
}

/** Read, written (assigned, incremented) or address taken: decides how a finding is worded. */
function access(view: string, start: number, end: number): NameUse['access'] {
  const p = previousIndex(view, start);
  if (view[p] === '&' && view[p - 1] !== '&') return 'address';
  if ((view[p] === '+' && view[p - 1] === '+') || (view[p] === '-' && view[p - 1] === '-')) return 'write';
  const n = nextIndex(view, end);
  const two = view.slice(n, n + 2);
  if (two === '++' || two === '--') return 'write';
  if (view[n] === '=' && view[n + 1] !== '=') return 'write';
  if (/^(?:[-+*/%&|^]=|<<=|>>=)/.test(view.slice(n, n + 3))) return 'write';
  return 'read';
}
