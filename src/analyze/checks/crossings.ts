/** Address arguments that go to another library's code, with the library they go to (shared by several checks). */
import type { ResolvedGate } from '../model.js';
import type { AddressArgument } from '../resolve.js';
import type { CheckContext } from './context.js';

export interface AddressCrossing {
  arg: AddressArgument;
  /** The library whose code receives the address. */
  target: string;
  gate: ResolvedGate | null;
}

const cache = new WeakMap<CheckContext, AddressCrossing[]>();

/** `&x` / array arguments of gates and cross-library calls whose callee runs in another library. */
export function addressCrossings(ctx: CheckContext): AddressCrossing[] {
  let out = cache.get(ctx);
  if (out) return out;
  out = [];
  const gates = new Map<string, ResolvedGate>();
  for (const g of ctx.analysis.gates) gates.set(`${g.file}\u0000${g.site.span.start}`, g);
  for (const a of ctx.analysis.addressArguments) {
    if (!a.crossLibrary) continue;
    const gate = gates.get(`${a.file}\u0000${a.callSpan.start}`) ?? null;
    const target = gate ? (ctx.gateTarget(gate).calleeLibrary ?? ctx.gateTarget(gate).named?.name ?? null) : a.calleeLibrary;
    if (target === null) continue;
    const facts = ctx.facts(a.file);
    if (!gate && ctx.includes.shadowing(facts, a.callee) !== null) continue;
    if (facts.library === null || !ctx.crosses(facts.library, target)) continue;
    out.push({ arg: a, target, gate });
  }
  cache.set(ctx, out);
  return out;
}
