/**
 * Sharing closed under "the address is stored in shared data or passed across" (issue 13):
 * a variable another compartment can reach only through a pointer must be shared too.
 *  - shared `g_p` with `int *g_p = &g_x;` (or any store `g_p… = &x`, `*g_p = &x`, `g_p[i] = a`):
 *    the other side follows g_p, so x is shared;
 *  - `int *p = &l; set(p);` with set() in another library: p's value crosses, so what p holds
 *    (l) is shared; chains `q = p` are followed, and `&` or array names anywhere in what is stored.
 * Stores into memory the analysis cannot name (through a parameter, a call's result) that carry
 * the address of a variable nobody shares are reported as `address-escapes`, never guessed.
 */
import { isWhitelist, sharedSection } from '../../analyze/attributes.js';
import type { FileFacts, VariableDecl } from '../../analyze/model.js';
import { fileTables } from '../../analyze/resolve.js';
import type { SyntaxNode } from '../../parse/parser.js';
import { descendantsOf, field, namedChildrenOf, nodeEnd, nodeStart, nodeText, nodeType } from '../../parse/node-access.js';
import { localAt, type PortContext } from './context.js';
import { gateLibraryName } from './gates.js';
import type { ShareRequest } from './shared-variables.js';
import { nodeAt } from './syntax.js';

interface Resolved {
  file: string;
  variable: VariableDecl;
}

/** `lhs = rhs` or `T lhs = rhs`, with the variable the left side is rooted at. */
interface Store {
  facts: FileFacts;
  root: Resolved | null;
  /** The left side's root is a parameter or not a variable (a call result, a cast, …). */
  opaque: string | null;
  rhs: SyntaxNode;
}

const UNEVALUATED = new Set(['sizeof_expression', 'alignof_expression', 'offsetof_expression']);

export function transitiveShareRequests(ctx: PortContext, initial: ShareRequest[]): ShareRequest[] {
  const key = (r: Resolved): string => `${r.file}\u0000${r.variable.nameSpan.start}`;
  const stores = new Map<string, Store[]>();
  const opaqueStores: Store[] = [];
  for (const facts of ctx.index.files) {
    if (!ctx.ported(facts)) continue;
    const parsed = ctx.analysis.parsed.get(facts.path);
    if (!parsed) continue;
    for (const s of storesOf(ctx, facts, parsed.tree.rootNode)) {
      if (s.root) {
        const k = key(s.root);
        const list = stores.get(k) ?? [];
        list.push(s);
        stores.set(k, list);
      } else if (s.opaque) opaqueStores.push(s);
    }
  }

  const shared = new Map<string, { r: Resolved; reason: string | null }>();
  const valued = new Set<string>();
  const work: { r: Resolved; kind: 'shared' | 'value'; reason: string }[] = [];
  const share = (r: Resolved, reason: string | null): void => {
    const k = key(r);
    if (shared.has(k)) return;
    shared.set(k, { r, reason });
    work.push({ r, kind: 'shared', reason: reason ?? '' });
  };
  const crosses = (r: Resolved, reason: string): void => {
    const k = key(r);
    if (valued.has(k) || shared.has(k)) return;
    valued.add(k);
    work.push({ r, kind: 'value', reason });
  };

  for (const req of initial) share({ file: req.file, variable: req.variable }, null);
  for (const facts of ctx.index.files) {
    for (const v of [...facts.globals, ...facts.locals]) if (v.attributes.some((a) => isWhitelist(a) || sharedSection(a))) share({ file: facts.path, variable: v }, null);
  }
  for (const { facts, node, callee } of crossingArguments(ctx)) {
    for (const id of evaluatedIdentifiers(node)) {
      const r = resolve(ctx, facts, nodeText(id), nodeStart(id));
      if (r) crosses(r, `it is passed to ${callee}() in another library`);
    }
  }

  while (work.length > 0) {
    const item = work.pop()!;
    const via = `'${item.r.variable.name}'`;
    for (const s of stores.get(key(item.r)) ?? []) {
      const reason = item.kind === 'shared' ? `its address is stored in shared ${via}` : `its address is held by ${via}, whose value crosses (${item.reason})`;
      storedValues(ctx, s, (r) => share(r, reason), (r) => crosses(r, reason));
    }
  }

  const out: ShareRequest[] = [];
  for (const { r, reason } of shared.values()) {
    if (reason === null || !ctx.ported(ctx.index.file(r.file))) continue;
    out.push({ file: r.file, variable: r.variable, reason });
  }
  for (const s of opaqueStores) {
    const unshared: string[] = [];
    storedValues(ctx, s, (r) => void (shared.has(key(r)) ? null : unshared.push(r.variable.name)), () => undefined);
    if (unshared.length === 0) continue;
    const names = [...new Set(unshared)].map((n) => `'${n}'`).join(', ');
    ctx.report(s.facts, { start: s.rhs.startIndex, end: s.rhs.endIndex }, 'address-escapes', `the address of ${names} is stored through ${s.opaque}, memory the analysis cannot name; if another library can read it, whitelist ${names} by hand`);
  }
  return out;
}

/** Variables whose address (`&x`, an array name) a store writes, and variables whose value it copies. */
function storedValues(ctx: PortContext, s: Store, address: (r: Resolved) => void, value: (r: Resolved) => void): void {
  // `element`: the node is read through (`a[i]`, `*p`, `s.f`), so an array there does not decay to its address
  const stack: { n: SyntaxNode; element: boolean }[] = [{ n: s.rhs, element: false }];
  while (stack.length > 0) {
    const { n, element } = stack.pop()!;
    const type = nodeType(n);
    if (UNEVALUATED.has(type)) continue;
    if (type === 'pointer_expression' && isAddressOf(n)) {
      const base = baseIdentifier(field(n, 'argument'));
      if (base) {
        const r = resolve(ctx, s.facts, nodeText(base), nodeStart(base));
        if (r) address(r);
      }
      // indices inside `&a[i]` are values, not addresses
      continue;
    }
    // what a call returns is stored, not its arguments (those cross by the address rule, if at all)
    if (type === 'call_expression') continue;
    if (type === 'identifier') {
      const r = resolve(ctx, s.facts, nodeText(n), nodeStart(n));
      if (r) (r.variable.isArray && !element ? address : value)(r);
      continue;
    }
    if (type === 'subscript_expression') {
      const arg = field(n, 'argument');
      const index = field(n, 'index');
      if (arg) stack.push({ n: arg, element: true });
      if (index) stack.push({ n: index, element: false });
      continue;
    }
    if (type === 'pointer_expression' || type === 'field_expression') {
      const arg = field(n, 'argument');
      if (arg) stack.push({ n: arg, element: type === 'pointer_expression' || element || isMemberOf(n) });
      continue;
    }
    for (const c of namedChildrenOf(n)) stack.push({ n: c, element: false });
  }
}

/** Every assignment and initialised declaration of the ported file, with the variable it writes into. */
function storesOf(ctx: PortContext, facts: FileFacts, root: SyntaxNode): Store[] {
  const out: Store[] = [];
  let declaredAt: Map<number, VariableDecl> | null = null;
  // one native walk (a query cursor costs twice as much a node); both kinds in document order
  for (const node of descendantsOf(root, STORE_TYPES)) {
    let lhs: SyntaxNode | null;
    let rhs: SyntaxNode | null;
    const isAssignment = nodeType(node) === 'assignment_expression';
    if (isAssignment) {
      lhs = field(node, 'left');
      rhs = field(node, 'right');
    } else {
      lhs = field(node, 'declarator');
      rhs = field(node, 'value');
      while (lhs && nodeType(lhs) !== 'identifier') lhs = field(lhs, 'declarator');
    }
    if (!lhs || !rhs) continue;
    const base = baseIdentifier(lhs);
    const baseStart = base ? nodeStart(base) : -1;
    let resolved: Resolved | null = null;
    if (base && !isAssignment) {
      declaredAt ??= declarationsByNameStart(facts);
      const declared = declaredAt.get(baseStart);
      resolved = declared ? { file: facts.path, variable: declared } : null;
    } else if (base) resolved = resolve(ctx, facts, nodeText(base), baseStart);
    // `param = …` only changes the parameter (a local); `*param = …`, `param->f = …` store into memory the caller chose
    const intoMemory = base === null || baseStart !== nodeStart(lhs) || nodeEnd(base) !== nodeEnd(lhs);
    const opaque = resolved || !intoMemory ? null : base ? `'${nodeText(base)}' (a parameter, or a name the analysis cannot resolve)` : `'${nodeText(lhs).slice(0, 40)}'`;
    out.push({ facts, root: resolved, opaque, rhs });
  }
  return out;
}

const STORE_TYPES = ['assignment_expression', 'init_declarator'];

/** The file's locals, then its globals, by the start of their name (the first of a start wins, as a search in that order would). */
function declarationsByNameStart(facts: FileFacts): Map<number, VariableDecl> {
  const byStart = new Map<number, VariableDecl>();
  for (const v of [...facts.locals, ...facts.globals]) if (!byStart.has(v.nameSpan.start)) byStart.set(v.nameSpan.start, v);
  return byStart;
}

/** The variable an lvalue or address expression is rooted at: `x`, `x[i]`, `x.f`, `*x`, `(x)`. */
function baseIdentifier(node: SyntaxNode | null): SyntaxNode | null {
  let n = node;
  while (n) {
    switch (nodeType(n)) {
      case 'identifier':
        return n;
      case 'subscript_expression':
      case 'field_expression':
      case 'pointer_expression':
        n = field(n, 'argument');
        break;
      case 'parenthesized_expression':
        n = namedChildrenOf(n)[0] ?? null;
        break;
      case 'cast_expression':
        n = field(n, 'value');
        break;
      default:
        return null;
    }
  }
  return null;
}

/** `&x`: a pointer_expression whose operator field is `&`. */
function isAddressOf(n: SyntaxNode): boolean {
  const operator = field(n, 'operator');
  return operator !== null && nodeType(operator) === '&';
}

/** `s.f`: a field_expression through a value (not `p->f`, which reads through a pointer). */
function isMemberOf(n: SyntaxNode): boolean {
  const operator = field(n, 'operator');
  return operator !== null && nodeType(operator) === '.';
}

/** A name at `at` as a variable definition of the tree (locals first, then globals), or null. */
function resolve(ctx: PortContext, facts: FileFacts, name: string, at: number): Resolved | null {
  const local = localAt(facts, name, at);
  if (local) return local.storage === 'extern' ? null : { file: facts.path, variable: local };
  const fn = facts.functions.find((f) => at >= f.span.start && at < f.span.end);
  if (fn && fn.params.some((p) => p.name === name)) return null;
  const own = fileTables(facts).globals.get(name);
  if (own && own.storage !== 'extern') return { file: facts.path, variable: own };
  const defs = ctx.index.globalDefinitions(name);
  return defs.length === 1 ? { file: defs[0]!.file, variable: defs[0]!.def } : null;
}

/** Identifiers of an expression that are evaluated (not under sizeof, not called, not field names). */
function evaluatedIdentifiers(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    const type = nodeType(n);
    if (UNEVALUATED.has(type)) continue;
    if (type === 'identifier') {
      out.push(n);
      continue;
    }
    if (type === 'pointer_expression' && isAddressOf(n)) continue; // addresses: already shared by the address rule
    if (type === 'call_expression') continue; // its result crosses, not its arguments
    if (type === 'field_expression') {
      const arg = field(n, 'argument');
      if (arg) stack.push(arg);
      continue;
    }
    for (const c of namedChildrenOf(n)) stack.push(c);
  }
  return out;
}

/** Arguments of calls and gates from a ported library into another library. */
function crossingArguments(ctx: PortContext): { facts: FileFacts; node: SyntaxNode; callee: string }[] {
  const out: { facts: FileFacts; node: SyntaxNode; callee: string }[] = [];
  const add = (file: string, span: { start: number; end: number }, callee: string, skip: number): void => {
    const facts = ctx.index.file(file);
    if (!ctx.ported(facts)) return;
    const parsed = ctx.analysis.parsed.get(file);
    if (!parsed) return;
    const call = nodeAt(parsed.tree.rootNode, span, 'call_expression');
    for (const a of (call?.childForFieldName('arguments')?.namedChildren ?? []).slice(skip)) out.push({ facts, node: a, callee });
  };
  for (const c of ctx.analysis.calls) {
    // calls that run in another domain: those that need a gate (the analysis's decision; a gate a second port sees is the same call)
    if (c.gate?.needed === true && c.callerLibrary !== c.gate.domain) add(c.file, c.site.span, c.site.callee, 0);
  }
  for (const g of ctx.analysis.gates) {
    const target = g.calleeLibrary ?? g.site.library;
    if (g.callerLibrary !== null && gateLibraryName(target) === gateLibraryName(g.callerLibrary)) continue;
    add(g.file, g.site.span, g.site.callee, g.site.kind === 'gate_r' ? 3 : 2);
  }
  return out;
}

