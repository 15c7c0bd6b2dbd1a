/**
 * The configuration space of `flexos explore` (SPEC §8): what a space spec describes and what one
 * configuration of it is. Pure data; enumeration, order, search and rendering live beside it.
 */

/** A layout: which compartment each library is in, as blocks of library indices. */
export interface Layout {
  /** Block number per library (index = library index), numbered by first appearance: the
   * library listed first is always in block 0, the default compartment. */
  blockOf: number[];
  /** Number of compartments. */
  blocks: number;
}

/** A mechanism the space may give a compartment, with its isolation strength (rules/<m>/mechanism.yaml). */
export interface MechanismChoice {
  driver: string;
  strength: number;
}

/** One choice of hardening for one library: a set of canonical hardening names. */
export type HardeningSet = readonly string[];

export interface Space {
  /** Library names as kraft.yaml keys; their order fixes the canonical numbering of layouts. */
  libraries: string[];
  layouts: Layout[];
  /** Allowed mechanisms, weakest first. */
  mechanisms: MechanismChoice[];
  /** `compartment`: a mechanism per compartment; `deployment`: one for all (FlexOS's limit). */
  mechanismPer: 'compartment' | 'deployment';
  /** Per library (same index as `libraries`), the hardening sets it may get; [[]] = none. */
  hardening: HardeningSet[][];
  /** Allowed stack strategies. */
  sharing: string[];
}

/** One point of the space. */
export interface Configuration {
  /** Index into Space.layouts. */
  layout: number;
  /** Driver per compartment (block). */
  mechanisms: string[];
  /** Index into Space.hardening[lib] per library. */
  hardening: number[];
  sharing: string;
}

/** A relation between configurations: `leq(a, b)` when b is at least as safe as a. */
export type RelationName = 'product' | 'paper';
export const RELATIONS: readonly RelationName[] = ['product', 'paper'];
/** The product order is the default: it is the order SPEC §8 defines; the paper's drawn
 * relation is a sub-relation of it (fewer comparisons, more incomparable configurations). */
export const DEFAULT_RELATION: RelationName = 'product';
