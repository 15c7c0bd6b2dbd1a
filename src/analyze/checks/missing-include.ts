/** SPEC §7: a file that uses flexos annotations but does not include <flexos/isolation.h>. */
import { isWhitelist } from '../attributes.js';
import type { FileFacts, Span } from '../model.js';
import { hasIsolationInclude, ISOLATION_HEADER } from './context.js';
import { includeEdit } from './fixes.js';
import type { Check } from './model.js';

export const missingInclude: Check = {
  code: 'missing-include',
  severity: 'error',
  summary: `annotations in a file that does not include <${ISOLATION_HEADER}>`,
  origin: 'SPEC §7',
  deploymentDependent: false,
  run(ctx, report) {
    for (const facts of ctx.index.files) {
      if (!ctx.inScope(facts.path) || hasIsolationInclude(facts)) continue;
      const first = firstAnnotation(facts);
      if (!first) continue;
      const edits = includeEdit(ctx, facts);
      report(facts.path, first.span, `this file uses ${first.what} but does not include <${ISOLATION_HEADER}>; add #include <${ISOLATION_HEADER}>`, edits.length > 0 ? [{ title: `Add #include <${ISOLATION_HEADER}>`, edits }] : []);
    }
  },
};

function firstAnnotation(f: FileFacts): { span: Span; what: string } | null {
  const found: { span: Span; what: string }[] = [];
  for (const g of f.gates) found.push({ span: g.span, what: g.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r' });
  for (const v of [...f.globals, ...f.locals]) for (const a of v.attributes) if (isWhitelist(a)) found.push({ span: a.span, what: 'flexos_whitelist' });
  for (const s of f.sharedAllocs) found.push({ span: s.calleeSpan, what: `the shared allocator (flexos_${s.kind}_whitelist)` });
  for (const s of f.sharedLiterals) found.push({ span: s.span, what: 'FLEXOS_SHARED_LITERAL' });
  for (const c of f.callbacks) found.push({ span: c.attribute.span, what: `${c.library}_callback` });
  found.sort((a, b) => a.span.start - b.span.start);
  return found[0] ?? null;
}
