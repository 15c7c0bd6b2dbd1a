/** Hover on a call: the callee's library, and whether the call needs a gate and why (from the analysis). */
import type { TreeAnalysis } from '../analyze/analyze-tree.js';
import type { CompartmentMap } from '../analyze/checks/context.js';
import { gateName } from '../analyze/checks/context.js';
import type { ResolvedCall, Span } from '../analyze/model.js';

export interface HoverText {
  span: Span;
  markdown: string;
}

export function hoverAt(analysis: TreeAnalysis, compartments: CompartmentMap | null, file: string, offset: number): HoverText | null {
  const inside = (s: Span) => offset >= s.start && offset < s.end;
  for (const g of analysis.gates) {
    if (g.file !== file || !inside(g.site.calleeSpan)) continue;
    const target = g.calleeLibrary ?? g.site.library;
    return { span: g.site.calleeSpan, markdown: `**${g.site.callee}()** — gated call into **${target}**${placement(compartments, g.callerLibrary, target)}` };
  }
  for (const c of analysis.calls) {
    if (c.file !== file || !inside(c.site.calleeSpan)) continue;
    return { span: c.site.calleeSpan, markdown: `**${c.site.callee}()** — ${explain(c, compartments)}` };
  }
  return null;
}

function placement(compartments: CompartmentMap | null, from: string | null, to: string): string {
  if (compartments === null || from === null) return ' (without a configuration every library is its own compartment)';
  const a = compartments.compartmentOf(from);
  const b = compartments.compartmentOf(to);
  return a === b ? ` (same ${compartments.describe(to)} as ${from}: the gate becomes a plain call)` : ` (${compartments.describe(from)} → ${compartments.describe(to)})`;
}

function explain(c: ResolvedCall, compartments: CompartmentMap | null): string {
  const callee = c.calleeLibrary;
  const owner = c.class === 'macro' ? `a macro of **${c.gate?.domain ?? 'another library'}**` : c.class === 'inline-header' ? `a static inline of **${callee}**'s headers` : `exported by **${callee}**`;
  // the analysis's decision (issue 7): needs a gate or not, and why
  if (c.gate && c.class !== 'cross-unexported') {
    if (c.gate.needed) return `${owner}, called from ${c.callerLibrary}: **needs a gate**, \`flexos_gate(${gateName(c.gate.domain)}, ${c.site.callee}, …)\` — ${c.gate.reason}${placement(compartments, c.callerLibrary, c.gate.domain)}`;
    return `${owner}, called from ${c.callerLibrary}: **no gate needed** — ${c.gate.reason}`;
  }
  switch (c.class) {
    case 'cross-exported':
      return `exported by **${callee}**, called from ${c.callerLibrary}: **needs a gate**, \`flexos_gate(${gateName(callee!)}, ${c.site.callee}, …)\` — the callee runs in ${callee}'s domain${placement(compartments, c.callerLibrary, callee!)}`;
    case 'cross-unexported':
      return `defined in **${callee}**, which does not export it: add it to ${callee}'s exportsyms.uk, then gate the call`;
    case 'ambiguous':
      return `exported by ${(c.candidates ?? []).join(' and ')}: the library cannot be told; resolve the duplicate before gating`;
    case 'intra':
      return `defined in ${callee ?? 'this file'}, the caller's own library: **no gate**`;
    case 'inline-header':
      return `static inline of **${callee}**'s headers: compiled into the caller, runs in its domain — **no gate**`;
    case 'macro':
      return 'a macro of the tree, not a function: **no gate** at this site';
    case 'external':
      return "outside the tree (libc, compiler builtins): runs in the caller's domain — **no gate**";
    case 'indirect':
      return 'a call through a pointer: never gated at the call site; a function of another library passed here needs its callback attribute';
  }
}
