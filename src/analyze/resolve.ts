import { localInScope } from './scopes.js';
import type { TreeIndex } from './index.js';
import type { CallArgument, CallSite, FileFacts, FunctionReference, GateSite, ResolvedCall, ResolvedGate, VariableDecl } from './model.js';

/** Classifies one call from `file` (see CallClass). Pure over the index. */
export function resolveCall(index: TreeIndex, file: FileFacts, site: CallSite): ResolvedCall {
  // written out, not spread: a spread of a literal with a conditional spread in it costs a
  // generic object copy per call (2 µs; the amalgamation has 39,000 calls)
  if (site.indirect) return { file: file.path, site, callerLibrary: file.library, calleeLibrary: null, class: 'indirect' };
  const target = resolveFunctionName(index, file, site.callee);
  const call: ResolvedCall = { file: file.path, site, callerLibrary: file.library, calleeLibrary: target.library, class: target.class };
  if (target.candidates) call.candidates = target.candidates;
  return call;
}

export interface NameTarget {
  class: ResolvedCall['class'];
  library: string | null;
  candidates?: string[];
}

/**
 * What a function name means from inside `file`: C's own lookup, then the library model.
 * Memoised per file until the index changes (resolution and reach ask it several times per call).
 */
export function resolveFunctionName(index: TreeIndex, file: FileFacts, name: string): NameTarget {
  const cache = index.lookupCache(file);
  const known = cache.get(name) as NameTarget | undefined;
  if (known !== undefined) return known;
  const target = lookUpFunctionName(index, file, name);
  cache.set(name, target);
  return target;
}

function lookUpFunctionName(index: TreeIndex, file: FileFacts, name: string): NameTarget {
  const own = file.library;
  if (staticNames(file).has(name)) {
    return { class: 'intra', library: own };
  }
  const defs = index.definitions(name);
  if (defs.some((d) => d.library === own && own !== null)) return { class: 'intra', library: own };
  const inlines = index.headerInlines(name);
  if (inlines.length > 0) {
    const mine = inlines.find((d) => d.library === own);
    return mine ? { class: 'intra', library: own } : { class: 'inline-header', library: inlines[0]!.library };
  }
  if (defs.length > 0) {
    const exporters = index.exporters(name).filter((lib) => lib !== own && defs.some((d) => d.library === lib));
    if (exporters.length === 1) return { class: 'cross-exported', library: exporters[0]! };
    if (exporters.length > 1) return { class: 'ambiguous', library: null, candidates: exporters };
    const owners = [...new Set(defs.map((d) => d.library))];
    if (owners.length === 1 && owners[0] !== null) return { class: 'cross-unexported', library: owners[0]! };
    if (owners.length > 1) return { class: 'ambiguous', library: null, candidates: owners.filter((o): o is string => o !== null) };
  }
  if (index.isMacro(name)) return { class: 'macro', library: null };
  return { class: 'external', library: null };
}

export function resolveGate(index: TreeIndex, file: FileFacts, site: GateSite): ResolvedGate {
  const defs = index.definitions(site.callee);
  const calleeLibrary = defs.length === 1 ? defs[0]!.library : null;
  const exported = calleeLibrary !== null && index.exports(calleeLibrary).has(site.callee);
  let returnsVoid: boolean | null = defs.length === 1 ? defs[0]!.def.returnsVoid : null;
  if (returnsVoid === null) {
    for (const f of index.files) {
      const proto = f.prototypes.find((p) => p.name === site.callee);
      if (proto) {
        returnsVoid = proto.returnsVoid;
        break;
      }
    }
  }
  return { file: file.path, site, callerLibrary: file.library, calleeLibrary, calleeExported: exported, calleeReturnsVoid: returnsVoid };
}

const staticNameCache = new WeakMap<FileFacts, Set<string>>();

/** Names with internal linkage in a file (functions and prototypes). */
function staticNames(file: FileFacts): Set<string> {
  let names = staticNameCache.get(file);
  if (!names) {
    names = new Set();
    for (const f of file.functions) if (f.linkage === 'static') names.add(f.name);
    for (const p of file.prototypes) if (p.linkage === 'static') names.add(p.name);
    staticNameCache.set(file, names);
  }
  return names;
}

/** A function whose address is taken, and the library it is handed to. */
export interface ResolvedFunctionRef {
  file: string;
  ref: FunctionReference;
  /** Library defining the function. */
  library: string | null;
  /** Library of the callee it is passed to (or the gate's library), when it is passed. */
  handedTo: string | null;
}

export function resolveFunctionRef(index: TreeIndex, file: FileFacts, ref: FunctionReference): ResolvedFunctionRef | null {
  const own = fileTables(file).functionNames.has(ref.name);
  const defs = index.definitions(ref.name);
  if (!own && defs.length === 0) return null;
  const target = resolveFunctionName(index, file, ref.name);
  let handedTo: string | null = null;
  if (ref.passedThroughGate !== undefined) handedTo = ref.passedThroughGate;
  else if (ref.passedTo !== undefined) {
    const callee = resolveFunctionName(index, file, ref.passedTo);
    // a macro of another library's header hands the function to that library (`lua_pushcfunction`)
    const macroOwners = callee.class === 'macro' ? index.macroLibraries(ref.passedTo).filter((l): l is string => l !== null).sort() : [];
    handedTo = callee.library ?? (macroOwners.includes(file.library ?? '') ? file.library : (macroOwners[0] ?? null));
  }
  return { file: file.path, ref, library: target.library ?? file.library, handedTo };
}

/** A call argument that hands over the address of a variable. */
export interface AddressArgument {
  file: string;
  /** Span of the call or gate. */
  callSpan: { start: number; end: number };
  callee: string;
  calleeLibrary: string | null;
  crossLibrary: boolean;
  argIndex: number;
  name: string;
  binding: 'local' | 'param' | 'global';
  arg: CallArgument;
}

/** `&x` arguments and array names, bound to locals or globals (parameters hold no address of ours). */
export function addressArguments(index: TreeIndex, file: FileFacts, args: CallArgument[], call: { callSpan: { start: number; end: number }; callee: string; calleeLibrary: string | null; crossLibrary: boolean }): AddressArgument[] {
  const out: AddressArgument[] = [];
  args.forEach((arg, argIndex) => {
    if (!arg.baseName || arg.binding === 'param') return;
    if (arg.kind !== 'address-of' && arg.kind !== 'identifier') return;
    let binding: 'local' | 'global';
    if (arg.binding === 'local') {
      if (arg.kind === 'identifier' && !localIsArray(file, arg)) return;
      binding = 'local';
    } else {
      const global = fileTables(file).globals.get(arg.baseName) ?? index.globalDefinitions(arg.baseName)[0]?.def;
      if (!global) return;
      if (arg.kind === 'identifier' && !global.isArray) return;
      binding = 'global';
    }
    out.push({ file: file.path, ...call, argIndex, name: arg.baseName, binding, arg });
  });
  return out;
}

function localIsArray(file: FileFacts, arg: CallArgument): boolean {
  return localInScope(file, fileTables(file).locals.get(arg.baseName!) ?? [], arg.span.start)?.isArray ?? false;
}

interface FileTables {
  functionNames: Set<string>;
  /** Names of the file's static function definitions. */
  staticFunctions: Set<string>;
  globals: Map<string, VariableDecl>;
  locals: Map<string, VariableDecl[]>;
}

const fileTableCache = new WeakMap<FileFacts, FileTables>();

/** Per-file lookups by name, built once per facts object. */
export function fileTables(file: FileFacts): FileTables {
  let t = fileTableCache.get(file);
  if (!t) {
    t = { functionNames: new Set(), staticFunctions: new Set(), globals: new Map(), locals: new Map() };
    for (const f of file.functions) {
      t.functionNames.add(f.name);
      if (f.linkage === 'static') t.staticFunctions.add(f.name);
    }
    for (const p of file.prototypes) t.functionNames.add(p.name);
    for (const g of file.globals) if (!t.globals.has(g.name)) t.globals.set(g.name, g);
    for (const v of file.locals) {
      const list = t.locals.get(v.name);
      if (list) list.push(v);
      else t.locals.set(v.name, [v]);
    }
    fileTableCache.set(file, t);
  }
  return t;
}
