/** SPEC §7: a string literal passed through a gate into another compartment without FLEXOS_SHARED_LITERAL. */
import { gateCheck } from './gate-check.js';

export const unsharedLiteral = gateCheck({
  code: 'unshared-literal',
  severity: 'error',
  summary: 'string literal passed to another compartment without FLEXOS_SHARED_LITERAL',
  origin: 'SPEC §7',
  deploymentDependent: true,
  gate(g, t, ctx, report) {
    const target = t.calleeLibrary ?? t.named?.name ?? null;
    const caller = ctx.facts(g.file).library;
    if (target === null || caller === null || !ctx.crosses(caller, target)) return;
    const text = ctx.text(g.file);
    g.site.args.forEach((arg, i) => {
      if (arg.kind !== 'string') return;
      const literal = text?.slice(arg.span.start, arg.span.end);
      const plain = literal !== undefined && /^\s*"/.test(literal);
      report(
        g.file,
        arg.span,
        `argument ${i + 1} of ${g.site.callee}() is a string literal, private to ${ctx.where(caller)} like all its literals; ${ctx.where(target)} cannot read it — write FLEXOS_SHARED_LITERAL(${plain ? literal.trim() : '"…"'})`,
        plain ? [{ title: 'Wrap in FLEXOS_SHARED_LITERAL', edits: [{ file: g.file, start: arg.span.start, end: arg.span.end, newText: `FLEXOS_SHARED_LITERAL(${literal})` }] }] : [],
      );
    });
  },
});
