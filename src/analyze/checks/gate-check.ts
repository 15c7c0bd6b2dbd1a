/**
 * The shape most checks of a gate share: every gate of a file in scope, with what its library
 * argument and callee resolve to. A module then holds only its own test and message.
 */
import type { ResolvedGate } from '../model.js';
import type { CheckContext, GateTarget } from './context.js';
import type { Check, CheckInfo, Reporter } from './model.js';

export interface GateCheck extends CheckInfo {
  /**
   * Looks at one gate of a file in scope. `target` comes from the context's per-gate cache, so
   * the gate checks resolve each gate once between them.
   */
  gate(g: ResolvedGate, target: GateTarget, ctx: CheckContext, report: Reporter): void;
}

export function gateCheck({ gate, ...info }: GateCheck): Check {
  return {
    ...info,
    run(ctx, report) {
      for (const g of ctx.analysis.gates) if (ctx.inScope(g.file)) gate(g, ctx.gateTarget(g), ctx, report);
    },
  };
}
