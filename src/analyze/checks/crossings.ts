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

const cache = new WeakMap<CheckContext, Map<string, AddressCrossing[]>>();

/**
 * `&x` / array arguments of gates and cross-library calls whose callee runs in another library:
 * those made in the context's scope, plus (`globals`) those naming one of these globals anywhere.
 */
export function addressCrossings(ctx: CheckContext, globals: ReadonlySet<string> = new Set()): AddressCrossing[] {
  const key = [...globals].sort().join('\u0000');
  let byKey = cache.get(ctx);
  if (!byKey) {
    byKey = new Map();
    cache.set(ctx, byKey);
  }
  let out = byKey.get(key);
  if (out) return out;
  out = [];
  const gates = new Map<string, ResolvedGate>();
  for (const g of ctx.analysis.gates) gates.set(`${g.file}\u0000${g.site.span.start}`, g);
  for (const a of ctx.analysis.addressArguments) {
    if (!a.crossLibrary) continue;
    if (!ctx.inScope(a.file) && !(a.binding === 'global' && globals.has(a.name))) continue;
    const gate = gates.get(`${a.file}\u0000${a.callSpan.start}`) ?? null;
    const target = gate ? (ctx.gateTarget(gate).calleeLibrary ?? ctx.gateTarget(gate).named?.name ?? null) : a.calleeLibrary;
    if (target === null) continue;
    const facts = ctx.facts(a.file);
    if (!gate && ctx.includes.shadowing(facts, a.callee) !== null) continue;
    if (facts.library === null || !ctx.crosses(facts.library, target)) continue;
    out.push({ arg: a, target, gate });
  }
  byKey.set(key, out);
  return out;
}
