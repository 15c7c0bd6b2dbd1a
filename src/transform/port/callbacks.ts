/**
 * `__attribute__((lib<X>_callback))` on the definition of a function whose address is handed to
 * library X (SPEC §2): X calls it through a pointer, so the rewrite gives it a gate wrapper.
 */
import { callbackLibrary } from '../../analyze/attributes.js';
import type { FunctionDef } from '../../analyze/model.js';
import type { PortContext } from './context.js';
import { gateLibraryName } from './gates.js';
import { insideError, nodeAt } from './syntax.js';

export function addCallbacks(ctx: PortContext): void {
  const wanted = new Map<string, { file: string; def: FunctionDef; libraries: Set<string>; where: string[] }>();
  for (const r of ctx.analysis.functionRefs) {
    if (r.library === null || r.handedTo === null || r.library === r.handedTo) continue;
    const from = ctx.index.file(r.file);
    if (!from || (r.ref.passedThroughGate === undefined && r.ref.passedTo !== undefined && ctx.includes.shadowing(from, r.ref.passedTo) !== null)) continue;
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
    if (!node || !type || def.viaMacro !== undefined) {
      ctx.report(work.facts, def.nameSpan, 'macro-body', `${def.name}() is handed to ${missing.join(', ')} but its definition ${def.viaMacro ? `comes from macro ${def.viaMacro}` : 'could not be read'}; add ${missing.map((l) => `__attribute__((${l}_callback))`).join(' ')} by hand`);
      continue;
    }
    work.code.prependRight(type.startIndex, missing.map((l) => `__attribute__((${l}_callback)) `).join(''));
    for (const l of missing) work.propose({ kind: 'callback', span: def.nameSpan, name: def.name, target: l });
  }
}

/** The definition a function name refers to from `file`: its own static one, else the library's. */
function definitionOf(ctx: PortContext, file: string, name: string, library: string): { file: string; def: FunctionDef } | null {
  const own = ctx.index.file(file)?.functions.find((f) => f.name === name);
  if (own) return { file, def: own };
  const d = ctx.index.definitions(name).find((x) => x.library === library);
  return d ? { file: d.file, def: d.def } : null;
}
