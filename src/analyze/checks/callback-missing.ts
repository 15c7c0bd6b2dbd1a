/** SPEC §7: a function's address handed to another compartment without `__attribute__((lib<X>_callback))`. */
import { callbackLibrary } from '../attributes.js';
import type { FunctionDef } from '../model.js';
import { gateName, type CheckContext } from './context.js';
import type { Check } from './model.js';

export const callbackMissing: Check = {
  code: 'callback-missing',
  severity: 'error',
  summary: 'function address handed to another compartment without a callback attribute',
  origin: 'SPEC §7',
  deploymentDependent: true,
  run(ctx, report) {
    const seen = new Set<string>();
    for (const r of ctx.analysis.functionRefs) {
      if (!ctx.inScope(r.file) || r.library === null || r.handedTo === null) continue;
      const handedTo = ctx.index.libraries.find((l) => gateName(l.name) === gateName(r.handedTo!))?.name ?? r.handedTo;
      if (!ctx.crosses(r.library, handedTo)) continue;
      const def = definition(ctx, r.file, r.ref.name, r.library);
      if (!def) continue;
      const marks = def.fn.attributes.flatMap((a) => {
        const lib = callbackLibrary(a);
        return lib ? [lib] : [];
      });
      const attribute = `${gateName(handedTo)}_callback`;
      if (marks.some((m) => gateName(m) === gateName(handedTo))) continue;
      const key = `${def.file}\u0000${def.fn.name}\u0000${handedTo}\u0000${r.file}\u0000${r.ref.span.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const fixes =
        def.file === r.file || ctx.text(def.file) !== null
          ? [{ title: `Mark ${def.fn.name}() __attribute__((${attribute}))`, edits: [{ file: def.file, start: def.fn.span.start, end: def.fn.span.start, newText: `__attribute__((${attribute})) ` }] }]
          : [];
      report(
        r.file,
        r.ref.span,
        `${def.fn.name}() of ${ctx.where(r.library)} is handed to ${r.ref.passedTo ?? 'code'}() of ${ctx.where(handedTo)}, which will call it through a pointer${marks.length > 0 ? ` (it is marked ${marks.map((m) => `${m}_callback`).join(', ')}, not ${attribute})` : ''}; mark its definition __attribute__((${attribute})) so the call is gated back`,
        fixes,
      );
    }
  },
};

function definition(ctx: CheckContext, file: string, name: string, library: string): { file: string; fn: FunctionDef } | null {
  const own = ctx.facts(file).functions.find((f) => f.name === name);
  if (own) return { file, fn: own };
  const d = ctx.index.definitions(name).find((x) => x.library === library);
  return d ? { file: d.file, fn: d.def } : null;
}
