/**
 * Issue 9: a pointer parameter of a gated (or cross-library) function receives a pointer to the
 * caller's private data through a local pointer (`char *p = buf; f(p)`): the callee works on it
 * with its own rights — it faults under isolation, or, where it can reach the memory, it acts for
 * the caller on data the caller chose (a confused deputy). Says which argument and parameter.
 */
import { positionOf } from '../facts.js';
import type { CallArgument, FileFacts } from '../model.js';
import { isShared, type CheckContext } from './context.js';
import type { Check } from './model.js';

export const confusedDeputy: Check = {
  code: 'confused-deputy',
  severity: 'warning',
  summary: "pointer argument of a gated function that carries the caller's private data (through a local pointer)",
  origin: 'issue 9',
  deploymentDependent: true,
  run(ctx, report) {
    const visit = (file: string, callee: string, target: string | null, args: CallArgument[], gated: boolean): void => {
      const facts = ctx.facts(file);
      const own = facts.library;
      if (own === null || target === null || !ctx.crosses(own, target)) return;
      const sig = ctx.signature(callee, target);
      args.forEach((arg, i) => {
        if (arg.kind !== 'identifier' || arg.binding !== 'local' || !arg.baseName) return;
        const pointer = ctx.variableAt(facts, arg.baseName, 'local', arg.span.start)?.variable;
        if (!pointer?.pointsTo) return;
        const pointed = pointee(ctx, facts, pointer.pointsTo, pointer.nameSpan.start);
        if (!pointed) return;
        const param = sig?.params[i];
        const paramText = param ? `parameter ${i + 1} '${param.type.trim()}'` : `argument ${i + 1}`;
        report(
          file,
          arg.span,
          `argument ${i + 1} of ${callee}() (${paramText}) is '${arg.baseName}', which points at ${pointed.kind} '${pointer.pointsTo.name}' (line ${positionOf(facts, pointed.at).line}), private to ${ctx.where(own)}; ${target} works on it with its own rights${gated ? ' behind the gate' : ''} — whitelist '${pointer.pointsTo.name}' or pass a copy in shared memory`,
        );
      });
    };
    for (const g of ctx.analysis.gates) {
      if (!ctx.inScope(g.file)) continue;
      const t = ctx.gateTarget(g);
      visit(g.file, g.site.callee, t.calleeLibrary ?? t.named?.name ?? null, g.site.args, true);
    }
    for (const c of ctx.analysis.calls) {
      if (!ctx.inScope(c.file) || (c.class !== 'cross-exported' && c.class !== 'cross-unexported')) continue;
      if (ctx.includes.shadowing(ctx.facts(c.file), c.site.callee) !== null) continue;
      visit(c.file, c.site.callee, c.calleeLibrary, c.site.args, false);
    }
  },
};

/** The private variable of the caller's library a pointer was initialised to point at. */
function pointee(ctx: CheckContext, facts: FileFacts, to: { name: string; address: boolean }, at: number): { kind: string; at: number } | null {
  const local = ctx.variableAt(facts, to.name, 'local', at);
  const found = local ?? ctx.variableAt(facts, to.name, 'global', at);
  if (!found || isShared(found.variable)) return null;
  // `char *p = q;` with q a pointer says nothing about where q points
  if (!to.address && !found.variable.isArray) return null;
  if (!local && (ctx.index.file(found.file)?.library ?? null) !== facts.library) return null;
  return { kind: local ? 'local' : 'global', at: found.file === facts.path ? found.variable.nameSpan.start : at };
}
