/**
 * Cross-library calls the parser cannot see as calls: written inside a `#define` body. Each is a
 * manual site — where the macro is defined (a ported library's own macro), or at every use of a
 * macro another library's header defines (e.g. `lua_pop(L, 1)` expanding to `lua_settop(...)`).
 */
import type { FileFacts } from '../../analyze/model.js';
import { resolveFunctionName } from '../../analyze/resolve.js';
import type { PortContext } from './context.js';
import { callsInBody, type MacroDefinition } from './macros.js';

/** Macros of ported libraries that call another library's exported function. */
export function reportMacroBodies(ctx: PortContext): void {
  for (const facts of ctx.index.files) {
    if (!ctx.ported(facts)) continue;
    for (const def of ctx.macros.inFile(facts.path)) {
      const seen = new Set<string>();
      for (const { name, at } of callsInBody(def)) {
        if (seen.has(name)) continue;
        const target = resolveFunctionName(ctx.index, facts, name);
        if (target.class !== 'cross-exported' || ctx.includes.shadowing(facts, name) !== null) continue;
        seen.add(name);
        ctx.report(facts, { start: at, end: at + name.length }, 'macro-body', `macro ${def.name} calls ${name}() of ${target.library}; every expansion is a cross-library call — gate it inside the macro by hand`, { callee: name });
      }
    }
  }
}

/** Uses, in ported libraries, of another library's macros whose expansion calls across. */
export function reportMacroExpansions(ctx: PortContext): void {
  for (const call of ctx.analysis.calls) {
    if (call.class !== 'macro' || call.gate !== undefined) continue;
    const facts = ctx.index.file(call.file);
    if (!ctx.ported(facts)) continue;
    const hit = expansionCall(ctx, facts, call.site.callee, 0);
    if (!hit) continue;
    ctx.report(
      facts,
      call.site.span,
      'macro-expansion',
      `${call.site.callee}() is a macro (${hit.def.file}) that calls ${hit.callee}() of ${hit.library}; expand it here and gate that call by hand`,
      { callee: call.site.callee, inFunction: call.site.inFunction },
    );
  }
}

interface ExpansionHit {
  def: MacroDefinition;
  callee: string;
  library: string;
}

/** The first cross-library call a macro's expansion makes, seen from `facts` (nested macros up to 3 deep). */
function expansionCall(ctx: PortContext, facts: FileFacts & { library: string }, macro: string, depth: number): ExpansionHit | null {
  const closure = ctx.includes.closure(facts.path);
  const visible = ctx.macros.definitions(macro).filter((d) => closure.has(d.file) || d.file === facts.path);
  for (const def of visible) {
    // a ported library's own macro is reported once, at its definition (reportMacroBodies)
    if (ctx.index.file(def.file)?.library === facts.library) continue;
    for (const { name } of callsInBody(def)) {
      const target = resolveFunctionName(ctx.index, facts, name);
      if (target.class === 'cross-exported' && target.library !== null && ctx.includes.shadowing(facts, name) === null) return { def, callee: name, library: target.library };
      if (target.class === 'macro' && depth < 3 && name !== macro) {
        const nested = expansionCall(ctx, facts, name, depth + 1);
        if (nested) return nested;
      }
    }
  }
  return null;
}
