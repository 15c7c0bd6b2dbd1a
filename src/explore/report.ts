/** What an exploration found, in the shape every output (table, JSON, DOT, SVG) reads. */
import type { Better, Violation } from './search.js';
import type { RelationName } from './model.js';

/** `measured`: measured without a budget to compare with. */
export type NodeStatus = 'answer' | 'frontier' | 'feasible' | 'infeasible' | 'measured' | 'failed' | 'unmeasured';

export interface NodeView {
  index: number;
  key: string;
  label: string;
  /** Aggregated value when measured. */
  value?: number;
  status: NodeStatus;
  error?: string;
}

export interface ExploreReport {
  relation: RelationName;
  budget?: number;
  better: Better;
  unit?: string;
  nodes: NodeView[];
  covers: [number, number][];
  answer: number[];
  frontier: number[];
  measured: number;
  measurements: number;
  lowerBound?: number;
  violations: Violation[];
  tolerance?: number;
  /** Where values came from, e.g. `replay of nginx.csv (median of iterations 2–5)`. */
  source: string;
}
