/** Every check, in the order of the README's table, and the runner that applies suppressions. */
import { compareDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { FileFacts, Span } from '../model.js';
import { callbackMissing } from './callback-missing.js';
import { confusedDeputy } from './confused-deputy.js';
import type { CheckContext } from './context.js';
import { foreignGlobal } from './foreign-global.js';
import { gateLibrarySpelling } from './gate-library-spelling.js';
import { gateNonRegisterArgument } from './gate-non-register-argument.js';
import { gateResultNeeded } from './gate-result-needed.js';
import { gateRVoid } from './gate-r-void.js';
import { gateTooManyArguments } from './gate-too-many-arguments.js';
import { gateUnexported } from './gate-unexported.js';
import { gateUnknownFunction } from './gate-unknown-function.js';
import { gateUnknownLibrary } from './gate-unknown-library.js';
import { gateDomainDiffers } from './gate-domain-differs.js';
import { missingInclude } from './missing-include.js';
import type { Check, Finding, Fix, Reporter } from './model.js';
import { overshared } from './overshared.js';
import { sharedBlockOutsideGroup } from './shared-block-outside-group.js';
import { ungatedCall } from './ungated-call.js';
import { unexportedCall } from './unexported-call.js';
import { unparsedRegion } from './unparsed-region.js';
import { unsharedAddress } from './unshared-address.js';
import { unsharedLiteral } from './unshared-literal.js';

export const CHECKS: readonly Check[] = [
  ungatedCall,
  unexportedCall,
  gateDomainDiffers,
  gateLibrarySpelling,
  gateUnknownLibrary,
  gateUnknownFunction,
  gateUnexported,
  gateTooManyArguments,
  gateNonRegisterArgument,
  gateResultNeeded,
  gateRVoid,
  unsharedAddress,
  confusedDeputy,
  foreignGlobal,
  overshared,
  callbackMissing,
  unsharedLiteral,
  sharedBlockOutsideGroup,
  missingInclude,
  unparsedRegion,
];

export interface CheckRun {
  findings: Finding[];
  /** Findings a suppression comment silenced. */
  suppressed: number;
}

/** Runs every check (or those named) over the context; suppressed findings are dropped. */
export function runChecks(ctx: CheckContext, only?: ReadonlySet<string>): CheckRun {
  const raw: Finding[] = [];
  for (const check of CHECKS) {
    if (only && !only.has(check.code)) continue;
    const report = ((file: string, span: Span, message: string, fixes: Fix[] = [], severity: Diagnostic['severity'] = check.severity) => {
      const pos = ctx.position(file, span.start);
      raw.push({ code: check.code, severity, file, line: pos.line, column: pos.column, start: span.start, end: span.end, message, fixes });
    }) as Reporter;
    report.analysis = (d: Diagnostic) => {
      if (only && !only.has(d.code) && !only.has(check.code)) return;
      raw.push({ ...d, start: d.start ?? 0, end: d.end ?? d.start ?? 0, fixes: [] });
    };
    check.run(ctx, report);
  }
  const findings: Finding[] = [];
  // the same finding twice (file, start, code and message) is reported once; keyed without the
  // message, whose length made the key cost more than the rest of the loop
  const seen = new Map<string, string[]>();
  let suppressed = 0;
  for (const f of raw) {
    const key = `${f.file}\u0000${f.start}\u0000${f.code}`;
    const messages = seen.get(key);
    if (messages === undefined) seen.set(key, [f.message]);
    else if (messages.includes(f.message)) continue;
    else messages.push(f.message);
    const facts = ctx.index.file(f.file);
    if (facts && isSuppressed(facts, f)) suppressed++;
    else findings.push(f);
  }
  findings.sort(compareDiagnostics);
  return { findings, suppressed };
}

function isSuppressed(facts: FileFacts, f: Diagnostic): boolean {
  for (const s of facts.suppressions) {
    if (s.codes !== null && !s.codes.includes(f.code)) continue;
    if (s.scope === 'file' || (s.scope === 'line' && s.line === f.line) || (s.scope === 'next-line' && s.line + 1 === f.line)) return true;
  }
  return false;
}

export type { Check, Finding, Fix } from './model.js';
export { CheckContext } from './context.js';
