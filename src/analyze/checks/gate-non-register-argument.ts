/**
 * SPEC §7: gate arguments and results are integers or pointers (≤ 8 bytes), no floating point.
 * Structs and unions by value are not findings any more: the rewrite marshals them through
 * shared memory (src/transform/byvalue.ts, issue 13).
 */
import type { FunctionDecl, FunctionDef } from '../model.js';
import { gateCheck } from './gate-check.js';

/** Why a C type does not fit a general-purpose register, or null when it does. */
export function nonRegisterType(type: string): string | null {
  const t = type.replace(/\b(const|volatile|register|restrict|__restrict)\b/g, ' ').replace(/\s+/g, ' ').trim();
  if (t.includes('*') || t.includes('[')) return null;
  if (/\b(float|double|_Complex)\b/.test(t)) return `'${type.trim()}' is floating point`;
  return null;
}

/**
 * Why each parameter of a signature does not fit a register (null where it does), computed once
 * per signature: the checks run again after every edit in an editor, over the same signatures.
 */
const paramReasons = new WeakMap<FunctionDef | FunctionDecl, (string | null)[]>();

function reasonsOf(sig: FunctionDef | FunctionDecl): (string | null)[] {
  let reasons = paramReasons.get(sig);
  if (!reasons) {
    reasons = sig.params.map((p) => nonRegisterType(p.name ? p.type.replace(new RegExp(String.raw`\b${p.name}\b`), '') : p.type));
    paramReasons.set(sig, reasons);
  }
  return reasons;
}

export const gateNonRegisterArgument = gateCheck({
  code: 'gate-non-register-argument',
  severity: 'error',
  summary: 'gate argument or result that is not integer- or pointer-class (floating point)',
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, t, ctx, report) {
    const sig = ctx.signature(g.site.callee, t.calleeLibrary);
    if (!sig) return;
    reasonsOf(sig).forEach((why, i) => {
      const arg = g.site.args[i];
      if (why && arg) report(g.file, arg.span, `argument ${i + 1} of ${g.site.callee}(): ${why}; a gate passes only integers and pointers — pass a pointer to shared data`);
    });
    if (g.site.kind === 'gate_r' && 'returnType' in sig) {
      const why = nonRegisterType(sig.returnType);
      if (why) report(g.file, g.site.calleeSpan, `${g.site.callee}() returns ${why.replace(/^'[^']*' is /, 'a value that is ')}; a gate returns only integers and pointers — return through a shared out-parameter`);
    }
  },
});
