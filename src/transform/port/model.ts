/**
 * What `flexos port` proposes for a tree: per file, the annotated text and the annotations it
 * holds; for the tree, the sites a human has to port (each with a stable reason code).
 */
import type { Span } from '../../analyze/model.js';

export type ProposalKind = 'gate' | 'gate_r' | 'whitelist' | 'shared-literal' | 'shared-heap' | 'callback' | 'include';

/** How a gated call was placed (SPEC §2: only where evaluation order is provably kept). */
export type GateForm = 'statement' | 'assignment' | 'initializer' | 'return' | 'hoist' | 'expression';

/** One annotation `port` adds, at a place in the original text. */
export interface Proposal {
  kind: ProposalKind;
  file: string;
  /** Library owning the file. */
  library: string;
  line: number;
  column: number;
  span: Span;
  /** Gates: the callee; whitelists: the variable; callbacks: the function. */
  name?: string;
  /** Gates: the callee's library; callbacks: the library handed the function. */
  target?: string;
  form?: GateForm;
  /** Enclosing function, when there is one. */
  inFunction?: string;
  /** Why (whitelists: which crossing made the variable shared). */
  reason?: string;
}

/** Stable codes for sites `port` leaves to a human. */
export type ManualReason =
  | 'loop-condition'
  | 'conditional'
  | 'comma'
  | 'macro-argument'
  | 'macro-body'
  | 'macro-expansion'
  | 'static-initializer'
  | 'too-many-arguments'
  | 'struct-by-value'
  | 'non-register-value'
  | 'variadic'
  | 'multi-declarator'
  | 'const-initializer'
  | 'unsequenced'
  | 'not-in-block'
  | 'unevaluated'
  | 'unexported'
  | 'ambiguous'
  | 'unknown-type'
  | 'unparsed'
  | 'preprocessor'
  | 'shared-heap'
  | 'inline-type'
  | 'address-escapes';

export interface ManualSite {
  file: string;
  library: string;
  line: number;
  column: number;
  span: Span;
  reason: ManualReason;
  message: string;
  /** The callee, for call sites. */
  callee?: string;
  inFunction?: string;
}

/** A call into another library's code and whether it needs a gate (`port --explain`). */
export interface GateDecisionSite {
  file: string;
  line: number;
  column: number;
  callee: string;
  domain: string;
  needed: boolean;
  reason: string;
}

export interface PortedFile {
  path: string;
  library: string;
  before: string;
  after: string;
  proposals: Proposal[];
}

export interface PortResult {
  root: string;
  /** Libraries ported, sorted. */
  libraries: string[];
  /** Files `port` changes, in path order. */
  files: PortedFile[];
  /** Sites left for manual porting, in file/line order. */
  manual: ManualSite[];
  /** Every call of a ported library into another library's code, with the gate decision. */
  decisions: GateDecisionSite[];
}
