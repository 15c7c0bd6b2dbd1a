/**
 * Variables that must be shared (SPEC §2 `__attribute__((flexos_whitelist))`):
 *  - locals and globals whose address goes to another library (a gate's or cross call's argument,
 *    or an argument of a function pointer another library handed in: a callback);
 *  - globals another library uses by name (directly, or through a static inline function of the
 *    defining library's headers that the other library calls).
 * The attribute goes right before the declaration's type specifier (the placement tree-sitter
 * parses); a declaration of several variables of which only some are shared is split.
 */
import { isWhitelist, sharedSection } from '../../analyze/attributes.js';
import { declaratorShape } from '../../analyze/declarators.js';
import { positionOf } from '../../analyze/facts.js';
import type { CallSite, FileFacts, VariableDecl } from '../../analyze/model.js';
import { fileTables } from '../../analyze/resolve.js';
import type { SyntaxNode } from '../../parse/parser.js';
import { localAt, type PortContext } from './context.js';
import { crossesForSure } from './callbacks.js';
import { gateLibraryName } from './gates.js';
import { insideError, lineIndent, nodeAt, same } from './syntax.js';

export const WHITELIST_ATTRIBUTE = '__attribute__((flexos_whitelist))';

export interface ShareRequest {
  file: string;
  variable: VariableDecl;
  reason: string;
}

/** Every variable of a ported library that some crossing makes shared. */
export function shareRequests(ctx: PortContext): ShareRequest[] {
  return [...addressRequests(ctx), ...callbackArgumentRequests(ctx), ...globalUseRequests(ctx)];
}

function addressRequests(ctx: PortContext): ShareRequest[] {
  const out: ShareRequest[] = [];
  const sameLibraryGates = new Set<string>();
  for (const g of ctx.analysis.gates) {
    const target = g.calleeLibrary ?? g.site.library;
    if (g.callerLibrary !== null && gateLibraryName(target) === gateLibraryName(g.callerLibrary)) sameLibraryGates.add(`${g.file}:${g.site.span.start}`);
  }
  // an address crosses where the call runs in another domain: at a gate, or at a call that needs one
  // (the analysis's decision, so a call this port gates shares the same variables as the gate a
  // second port sees; a pure or libc call shares nothing)
  const gateSites = new Set(ctx.analysis.gates.map((g) => `${g.file}:${g.site.span.start}`));
  const callNeedsGate = new Map(ctx.analysis.calls.map((c) => [`${c.file}:${c.site.span.start}`, c.gate?.needed === true]));
  for (const a of ctx.analysis.addressArguments) {
    const site = `${a.file}:${a.callSpan.start}`;
    const crosses = gateSites.has(site) ? a.crossLibrary : callNeedsGate.get(site) === true;
    if (!crosses || sameLibraryGates.has(site)) continue;
    const facts = ctx.index.file(a.file);
    if (!facts || ctx.includes.shadowing(facts, a.callee) !== null) continue;
    const reason = `its address is passed to ${a.callee}()${a.calleeLibrary ? ` of ${a.calleeLibrary}` : ''} at ${a.file}`;
    out.push(...variableRequests(ctx, facts, a.name, a.binding === 'local' ? 'local' : 'file', a.arg.span.start, reason));
  }
  return out;
}

/** The definitions a name stands for at `at` in `facts`, as share requests (ported libraries only). */
function variableRequests(ctx: PortContext, facts: FileFacts, name: string, binding: 'local' | 'file', at: number, reason: string): ShareRequest[] {
  if (binding === 'local') {
    if (!ctx.ported(facts)) return [];
    const v = localAt(facts, name, at);
    return v && v.storage !== 'extern' ? [{ file: facts.path, variable: v, reason }] : [];
  }
  const own = fileTables(facts).globals.get(name);
  if (own && own.storage !== 'extern') return ctx.ported(facts) ? [{ file: facts.path, variable: own, reason }] : [];
  return ctx.index
    .globalDefinitions(name)
    .filter((d) => ctx.ported(ctx.index.file(d.file)))
    .map((d) => ({ file: d.file, variable: d.def, reason }));
}

/** A call through a function-pointer parameter that another library fills with one of its functions. */
export interface CallbackCall {
  facts: FileFacts;
  site: CallSite;
  /** `fn() of libX` for each function another library hands in. */
  foreign: string[];
  /** The libraries those functions belong to. */
  libraries: string[];
}

/**
 * `cb(&local)` where `cb` is a parameter of the enclosing function and another library hands a
 * function to that function: the callback runs in its own library's compartment.
 */
export function callbackCalls(ctx: PortContext): CallbackCall[] {
  const out: CallbackCall[] = [];
  const handedIn = new Map<string, { fn: string; library: string }[]>();
  for (const r of ctx.analysis.functionRefs) {
    if (r.ref.passedTo === undefined || r.library === null || r.handedTo === null || r.library === r.handedTo) continue;
    const from = ctx.index.file(r.file);
    if (!from || !crossesForSure(ctx, r)) continue;
    const key = `${r.handedTo}\u0000${r.ref.passedTo}`;
    const list = handedIn.get(key) ?? [];
    list.push({ fn: r.ref.name, library: r.library });
    handedIn.set(key, list);
  }
  if (handedIn.size === 0) return out;
  for (const facts of ctx.index.files) {
    if (!ctx.ported(facts)) continue;
    for (const site of facts.calls) {
      if (!site.indirect || site.inFunction === null) continue;
      const fn = facts.functions.find((f) => site.span.start >= f.body.start && site.span.start < f.body.end);
      if (!fn || !fn.params.some((p) => p.name === site.callee)) continue;
      const foreign = handedIn.get(`${facts.library}\u0000${fn.name}`);
      if (!foreign) continue;
      out.push({
        facts,
        site,
        foreign: [...new Set(foreign.map((f) => `${f.fn}() of ${f.library}`))].sort(),
        libraries: [...new Set(foreign.map((f) => f.library))].sort(),
      });
    }
  }
  return out;
}

function callbackArgumentRequests(ctx: PortContext): ShareRequest[] {
  const out: ShareRequest[] = [];
  for (const { facts, site, foreign } of callbackCalls(ctx)) {
    for (const arg of site.args) {
      if (!arg.baseName || arg.binding === 'param' || (arg.kind !== 'address-of' && arg.kind !== 'identifier')) continue;
      const binding = arg.binding === 'local' ? 'local' : 'file';
      const reqs = variableRequests(ctx, facts, arg.baseName, binding, arg.span.start, `its address is passed to ${site.callee}(), which can be ${foreign.join(', ')} (a callback)`);
      out.push(...reqs.filter((r) => arg.kind === 'address-of' || r.variable.isArray));
    }
  }
  return out;
}

/** Globals of ported libraries used by name from another library (the analysis finds the uses). */
function globalUseRequests(ctx: PortContext): ShareRequest[] {
  const out: ShareRequest[] = [];
  const seen = new Set<string>();
  const inlineCallers = new Map<string, Set<string>>();
  for (const u of ctx.analysis.globalUses) {
    if (u.via) {
      const key = `${u.file}\u0000${u.via.function}`;
      const set = inlineCallers.get(key) ?? new Set();
      set.add(u.userLibrary);
      inlineCallers.set(key, set);
    }
  }
  for (const u of ctx.analysis.globalUses) {
    if (!ctx.ported(ctx.index.file(u.ownerFile))) continue;
    // an inline that port gates runs in its own library: its uses of that library's globals stay private
    if (u.via?.callNeedsGate) continue;
    if (u.via) {
      const callers = [...inlineCallers.get(`${u.file}\u0000${u.via.function}`)!].sort();
      const key = `${u.ownerFile}\u0000${u.variable.name}\u0000${u.file}\u0000${u.use.span.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ file: u.ownerFile, variable: u.variable, reason: `${u.via.function}(), a static inline of ${u.file}, uses it and runs in ${callers.join(', ')}` });
      continue;
    }
    const key = `${u.ownerFile}\u0000${u.variable.name}\u0000${u.file}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const line = positionOf(ctx.index.file(u.file)!, u.use.span.start).line;
    out.push({ file: u.ownerFile, variable: u.variable, reason: `${u.userLibrary} uses it at ${u.file}:${line}` });
  }
  return out;
}

const byDeclarationStart = new WeakMap<FileFacts, Map<number, VariableDecl[]>>();

/** The variables one declaration declares (indexed once per file: a filter per request is quadratic). */
function declarationsAt(facts: FileFacts, start: number): VariableDecl[] {
  let index = byDeclarationStart.get(facts);
  if (!index) {
    index = new Map();
    for (const v of [...facts.globals, ...facts.locals]) {
      const list = index.get(v.span.start);
      if (list) list.push(v);
      else index.set(v.span.start, [v]);
    }
    byDeclarationStart.set(facts, index);
  }
  return index.get(start) ?? [];
}

/** Adds the whitelist attribute for every request (grouped per declaration). */
export function applyShareRequests(ctx: PortContext, requests: ShareRequest[]): void {
  const byDeclaration = new Map<string, ShareRequest[]>();
  for (const r of requests) {
    const key = `${r.file}\u0000${r.variable.span.start}`;
    const list = byDeclaration.get(key) ?? [];
    list.push(r);
    byDeclaration.set(key, list);
  }
  const keys = [...byDeclaration.keys()].sort();
  for (const key of keys) {
    const reqs = byDeclaration.get(key)!;
    const work = ctx.file(reqs[0]!.file);
    const facts = work.facts;
    const declStart = reqs[0]!.variable.span.start;
    const siblings = declarationsAt(facts, declStart);
    const shared = (v: VariableDecl): boolean => v.attributes.some((a) => isWhitelist(a) || sharedSection(a));
    const wanted = new Map<string, string>();
    for (const r of reqs) if (!shared(r.variable) && !wanted.has(r.variable.name)) wanted.set(r.variable.name, r.reason);
    if (wanted.size === 0) continue;
    const declaration = nodeAt(work.parsed.tree.rootNode, reqs[0]!.variable.span, 'declaration');
    // a declaration in a region tree-sitter could not parse: that region is reported as unparsed
    if (declaration && (insideError(declaration) || declaration.hasError)) continue;
    const type = declaration?.childForFieldName('type');
    if (!declaration || !type) {
      ctx.report(facts, reqs[0]!.variable.nameSpan, 'unparsed', `'${reqs[0]!.variable.name}' must be shared (${reqs[0]!.reason}) but its declaration could not be read; add ${WHITELIST_ATTRIBUTE} by hand`);
      continue;
    }
    const declarators = declaration.childrenForFieldName('declarator');
    const status = declarators.map((d) => {
      const name = declaratorShape(d).name;
      return name !== null && wanted.has(name);
    });
    const propose = (): void => {
      for (const [name, reason] of wanted) {
        const v = siblings.find((s) => s.name === name) ?? reqs[0]!.variable;
        work.propose({ kind: 'whitelist', span: v.nameSpan, name, reason, ...(v.functionName ? { inFunction: v.functionName } : {}) });
      }
    };
    const everyUnsharedWanted = siblings.every((s) => wanted.has(s.name) || shared(s));
    // a shared local gets a slot of its own in the rewrite (DSS shadow or heap), so it must be
    // alone in its declaration; shared globals may stay together
    const isLocal = reqs[0]!.variable.functionName !== undefined;
    if (declarators.length <= 1 || (everyUnsharedWanted && !isLocal)) {
      work.code.prependRight(type.startIndex, `${WHITELIST_ATTRIBUTE} `);
      propose();
      continue;
    }
    const spec = work.text.slice(declaration.startIndex, declarators[0]!.startIndex);
    if (/[{}]/.test(work.parsed.view.slice(declaration.startIndex, declarators[0]!.startIndex)) || declaration.parent?.type === 'for_statement' || declaration.hasError) {
      ctx.report(facts, reqs[0]!.variable.nameSpan, 'inline-type', `only some of the variables declared together here must be shared (${[...wanted.keys()].join(', ')}); split the declaration by hand and add ${WHITELIST_ATTRIBUTE} to them`);
      continue;
    }
    const split = work.attempt(() => {
      splitDeclaration(work.code, work.text, declaration, type, declarators, status, spec, isLocal);
      propose();
    });
    if (!split) ctx.report(facts, reqs[0]!.variable.nameSpan, 'inline-type', `only some of the variables declared together here must be shared (${[...wanted.keys()].join(', ')}); split the declaration by hand and add ${WHITELIST_ATTRIBUTE} to them`);
  }
}

/** Splits `T a, b, c;` where the shared status changes (around every shared one: `eachShared`), marking the shared runs. */
function splitDeclaration(
  code: { prependRight(i: number, s: string): unknown; overwrite(a: number, b: number, s: string): unknown },
  text: string,
  declaration: SyntaxNode,
  type: SyntaxNode,
  declarators: SyntaxNode[],
  status: boolean[],
  spec: string,
  eachShared: boolean,
): void {
  const typeOffset = type.startIndex - declaration.startIndex;
  const sharedSpec = spec.slice(0, typeOffset) + `${WHITELIST_ATTRIBUTE} ` + spec.slice(typeOffset);
  const indent = lineIndent(text, declaration.startIndex);
  if (status[0]) code.prependRight(type.startIndex, `${WHITELIST_ATTRIBUTE} `);
  for (let i = 1; i < declarators.length; i++) {
    if (status[i] === status[i - 1] && !(eachShared && status[i])) continue;
    const comma = declaration.children.find((c) => c.type === ',' && c.startIndex >= declarators[i - 1]!.endIndex && c.endIndex <= declarators[i]!.startIndex);
    if (!comma || same(comma, declarators[i])) continue;
    code.overwrite(comma.startIndex, declarators[i]!.startIndex, `;\n${indent}${status[i] ? sharedSpec : spec}`);
  }
}
