/** SPEC §7: a call into another library's exported function that is not written as a gate. */
import type { ResolvedCall } from '../model.js';
import { gateName, MAX_GATE_ARGUMENTS, type CheckContext } from './context.js';
import { includeEdit } from './fixes.js';
import type { Check, Fix } from './model.js';

export const ungatedCall: Check = {
  code: 'ungated-call',
  severity: 'error',
  summary: "call into another library's code that needs a gate (it reaches state not the caller's) but has none",
  origin: 'SPEC §7',
  deploymentDependent: false,
  run(ctx, report) {
    for (const call of ctx.analysis.calls) {
      if (call.callerLibrary === null || !ctx.inScope(call.file)) continue;
      const site = call.site;
      if (call.class === 'ambiguous') {
        if (call.gate?.needed === false) continue;
        report(call.file, site.calleeSpan, `${site.callee}() is exported by ${(call.candidates ?? []).join(' and ')}; resolve the duplicate export, then gate the call with flexos_gate(<its library>, ${site.callee}, …)`);
        continue;
      }
      // cross-unexported calls are unexported-call's; pure callees and the caller's domain need no gate
      if (!call.gate?.needed || call.class === 'cross-unexported') continue;
      const headerCode = call.class === 'inline-header' || call.class === 'macro';
      if (!headerCode && ctx.includes.shadowing(ctx.facts(call.file), site.callee) !== null) continue;
      const domain = call.gate.domain;
      const lib = gateName(domain);
      const what = call.class === 'macro' ? `is a macro of ${domain}` : call.class === 'inline-header' ? `is a static inline of ${domain}'s headers` : `is exported by ${domain}`;
      const form = site.context === 'assignment' ? `flexos_gate_r(${lib}, <lhs>, ${site.callee}, …)` : `flexos_gate(${lib}, ${site.callee}, …)`;
      report(call.file, site.calleeSpan, `${site.callee}() ${what} and is called from ${call.callerLibrary} without a gate, but it needs one: ${call.gate.reason}; write ${form} (or run flexos port)`, gateFix(ctx, call, domain));
    }
  },
};

/** The gate for `f(a);` and `x = f(a);`; other places need a temporary (flexos port decides those). */
function gateFix(ctx: CheckContext, call: ResolvedCall, domain: string): Fix[] {
  const text = ctx.text(call.file);
  const site = call.site;
  if (text === null || site.args.length > MAX_GATE_ARGUMENTS || !site.statementSpan) return [];
  if (site.args.some((a) => /[\n#]/.test(a.text) && /^\s*#/m.test(a.text))) return [];
  const lib = gateName(domain);
  const inner = text.slice(site.argsSpan.start + 1, site.argsSpan.end - 1).trim();
  const args = inner.length > 0 ? `, ${inner}` : '';
  const facts = ctx.facts(call.file);
  if (site.context === 'statement') {
    const stmt = text.slice(site.statementSpan.start, site.statementSpan.end);
    if (stmt.slice(0, site.span.start - site.statementSpan.start).trim() !== '') return [];
    return [{ title: `Gate the call: flexos_gate(${lib}, ${site.callee}, …)`, edits: [{ file: call.file, start: site.span.start, end: site.span.end, newText: `flexos_gate(${lib}, ${site.callee}${args})` }, ...includeEdit(ctx, facts)] }];
  }
  // a macro is gated only as a statement (its expansion must be one call: flexos port decides)
  if (site.context === 'assignment' && call.class !== 'macro') {
    const lhsText = text.slice(site.statementSpan.start, site.span.start);
    const m = /^\s*([^=]*[^=\s])\s*=\s*$/.exec(lhsText);
    const tail = text.slice(site.span.end, site.statementSpan.end).trim();
    if (!m || /[!<>+\-*/%&|^]$/.test(m[1]!) || tail !== ';') return [];
    return [
      {
        title: `Gate the call: flexos_gate_r(${lib}, ${m[1]}, ${site.callee}, …)`,
        edits: [{ file: call.file, start: site.statementSpan.start + lhsText.length - lhsText.trimStart().length, end: site.statementSpan.end, newText: `flexos_gate_r(${lib}, ${m[1]}, ${site.callee}${args});` }, ...includeEdit(ctx, facts)],
      },
    ];
  }
  return [];
}
