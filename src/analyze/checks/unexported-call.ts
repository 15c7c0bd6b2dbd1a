/** A call into a function another library defines but does not export (exportsyms.uk). */
import type { Check } from './model.js';

export const unexportedCall: Check = {
  code: 'unexported-call',
  severity: 'error',
  summary: 'call into a function another library defines but does not export',
  origin: 'issue 9',
  deploymentDependent: false,
  run(ctx, report) {
    for (const call of ctx.analysis.calls) {
      if (call.class !== 'cross-unexported' || call.callerLibrary === null || !ctx.inScope(call.file)) continue;
      if (ctx.includes.shadowing(ctx.facts(call.file), call.site.callee) !== null) continue;
      report(call.file, call.site.calleeSpan, `${call.site.callee}() belongs to ${call.calleeLibrary}, which does not export it; add it to ${call.calleeLibrary}'s exportsyms.uk and gate the call, or stop calling it from ${call.callerLibrary}`);
    }
  },
};
