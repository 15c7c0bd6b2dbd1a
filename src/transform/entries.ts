/**
 * The entry tables of a deployment (issue 11): per callee compartment, the functions other
 * compartments may enter — every gated callee and every callback implementation behind a
 * wrapper — with their arity, which compartments have a gate to them, and which arguments are
 * pointers. A gate sends the index of its callee in this table; the runtime checks it.
 */
import type { Param } from '../analyze/model.js';

export interface Entry {
  /** The C function (callback implementations: the renamed original). */
  name: string;
  compartment: number;
  arity: number;
  /** Compartments that have a gate to it. */
  callers: Set<number>;
  /** Bit i: argument i is a pointer. */
  pointerArgs: number;
  /** Static function: the table reaches it through FLEXOS_ENTRY_ALIAS (emitted after it). */
  viaAlias: boolean;
}

export function isPointerParam(p: Param): boolean {
  return p.type.includes('*') || p.type.includes('[');
}

export function pointerMask(params: readonly Param[]): number {
  return params.reduce((mask, p, i) => (isPointerParam(p) ? mask | (1 << i) : mask), 0);
}

export class EntryTable {
  private readonly entries = new Map<string, Entry>();

  /** `pointerHints`: pointer masks by function name, for callers that know types only that way. */
  constructor(private readonly pointerHints: ReadonlyMap<string, number> = new Map()) {}

  pointerMaskHint(name: string): number {
    return this.pointerHints.get(name) ?? 0;
  }

  /** Records a gate from `caller` into `e.compartment`; returns a conflict message or null. */
  add(e: Omit<Entry, 'callers'>, caller: number): string | null {
    const known = this.entries.get(e.name);
    if (known && (known.compartment !== e.compartment || known.arity !== e.arity)) {
      return `two different functions named '${e.name}' are entered from other compartments (compartments ${known.compartment} and ${e.compartment}); rename one`;
    }
    const entry = known ?? { ...e, callers: new Set<number>() };
    entry.viaAlias ||= e.viaAlias;
    entry.callers.add(caller);
    this.entries.set(e.name, entry);
    return null;
  }

  /** Entries of compartment c, in index order (sorted by name: deterministic output). */
  of(c: number): Entry[] {
    return [...this.entries.values()].filter((e) => e.compartment === c).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get size(): number {
    return this.entries.size;
  }
}
