/**
 * `__attribute__((lib<X>_callback))` on the definition of a function whose address is handed to
 * library X (SPEC §2): X calls it through a pointer, so the rewrite gives it a gate wrapper.
 */
import { callbackLibrary } from '../../analyze/attributes.js';
import type { FunctionDef } from '../../analyze/model.js';
import type { ResolvedFunctionRef } from '../../analyze/resolve.js';
import type { PortContext } from './context.js';
import { gateLibraryName } from './gates.js';
import { insideError, nodeAt } from './syntax.js';

export function addCallbacks(ctx: PortContext): void {
  const wanted = new Map<string, { file: string; def: FunctionDef; libraries: Set<string>; where: string[] }>();
  for (const r of ctx.analysis.functionRefs) {
    if (r.library === null || r.handedTo === null || r.library === r.handedTo) continue;
    const from = ctx.index.file(r.file);
    if (!from || !crossesForSure(ctx, r)) continue;
    const found = definitionOf(ctx, r.file, r.ref.name, r.library);
    if (!found || !ctx.ported(ctx.index.file(found.file))) continue;
    const key = `${found.file}\u0000${found.def.span.start}`;
    const entry = wanted.get(key) ?? { file: found.file, def: found.def, libraries: new Set<string>(), where: [] };
    entry.libraries.add(gateLibraryName(r.handedTo));
    wanted.set(key, entry);
  }
  for (const key of [...wanted.keys()].sort()) {
    const { file, def, libraries } = wanted.get(key)!;
    const present = new Set(def.attributes.map(callbackLibrary).filter((l): l is string => l !== null));
    const missing = [...libraries].filter((l) => !present.has(l)).sort();
    if (missing.length === 0) continue;
    const work = ctx.file(file);
    const node = nodeAt(work.parsed.tree.rootNode, def.span, 'function_definition');
    const type = node?.childForFieldName('type');
    if (node && insideError(node)) continue; // reported as an unparsed region
    if (node && insideFunctionBody(node)) continue; // an unknown iterator macro read as a definition
    if (!node || !type || def.viaMacro !== undefined) {
      ctx.report(work.facts, def.nameSpan, 'macro-body', `${def.name}() is handed to ${missing.join(', ')} but its definition ${def.viaMacro ? `comes from macro ${def.viaMacro}` : 'could not be read'}; add ${missing.map((l) => `__attribute__((${l}_callback))`).join(' ')} by hand`);
      continue;
    }
    work.code.prependRight(type.startIndex, missing.map((l) => `__attribute__((${l}_callback)) `).join(''));
    for (const l of missing) work.propose({ kind: 'callback', span: def.nameSpan, name: def.name, target: l });
  }
}

/**
 * Is a function handed across for sure? The name of the call it is passed to may also be defined
 * by an included header (then the call may mean that one) — unless it goes through a gate, or
 * this port gates it.
 */
export function crossesForSure(ctx: PortContext, r: ResolvedFunctionRef): boolean {
  if (r.ref.passedThroughGate !== undefined || r.ref.passedTo === undefined) return true;
  const from = ctx.index.file(r.file);
  if (!from || ctx.includes.shadowing(from, r.ref.passedTo) === null) return true;
  return passedToGatedCall(ctx, r.file, r.ref.passedTo, r.ref.span);
}

/** Is the call the reference is an argument of one that this port gates? */
function passedToGatedCall(ctx: PortContext, file: string, callee: string, at: { start: number; end: number }): boolean {
  return (gatedCallArguments(ctx).get(`${file}\u0000${callee}`) ?? []).some((args) => args.start <= at.start && at.end <= args.end);
}

const gatedArgumentsCache = new WeakMap<PortContext, Map<string, { start: number; end: number }[]>>();

/** Argument spans of the calls that need a gate, by file and callee (built once per port run). */
function gatedCallArguments(ctx: PortContext): Map<string, { start: number; end: number }[]> {
  let map = gatedArgumentsCache.get(ctx);
  if (!map) {
    map = new Map();
    for (const c of ctx.analysis.calls) {
      if (c.gate?.needed !== true) continue;
      const key = `${c.file}\u0000${c.site.callee}`;
      const list = map.get(key);
      if (list) list.push(c.site.argsSpan);
      else map.set(key, [c.site.argsSpan]);
    }
    gatedArgumentsCache.set(ctx, map);
  }
  return map;
}

/** The definition a function name refers to from `file`: its own static one, else the library's. */
function definitionOf(ctx: PortContext, file: string, name: string, library: string): { file: string; def: FunctionDef } | null {
  const own = ctx.index.file(file)?.functions.find((f) => f.name === name);
  if (own) return { file, def: own };
  const d = ctx.index.definitions(name).find((x) => x.library === library);
  return d ? { file: d.file, def: d.def } : null;
}

function insideFunctionBody(node: { parent: unknown }): boolean {
  for (let n = (node as { parent: { type: string; parent: unknown } | null }).parent; n !== null; n = n.parent as typeof n) {
    if (n.type === 'compound_statement') return true;
  }
  return false;
}
