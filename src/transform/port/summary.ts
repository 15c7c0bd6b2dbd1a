/** The porting table per library, shaped like the FlexOS paper's (lines +/−, shared variables, …). */
import type { PortResult } from './model.js';

export interface PortSummaryRow {
  library: string;
  linesAdded: number;
  linesRemoved: number;
  gates: number;
  gatesR: number;
  sharedVariables: number;
  sharedLiterals: number;
  callbacks: number;
  manual: number;
}

export interface PortSummary {
  libraries: PortSummaryRow[];
  total: PortSummaryRow;
}

/** `lines` gives each changed file's added and removed line counts (from its diff). */
export function summarizePort(result: PortResult, lines: ReadonlyMap<string, { added: number; removed: number }>): PortSummary {
  const rows = new Map<string, PortSummaryRow>();
  const row = (library: string): PortSummaryRow => {
    let r = rows.get(library);
    if (!r) {
      r = { library, linesAdded: 0, linesRemoved: 0, gates: 0, gatesR: 0, sharedVariables: 0, sharedLiterals: 0, callbacks: 0, manual: 0 };
      rows.set(library, r);
    }
    return r;
  };
  for (const lib of result.libraries) row(lib);
  for (const f of result.files) {
    const r = row(f.library);
    const l = lines.get(f.path);
    r.linesAdded += l?.added ?? 0;
    r.linesRemoved += l?.removed ?? 0;
    for (const p of f.proposals) {
      if (p.kind === 'gate') r.gates++;
      else if (p.kind === 'gate_r') r.gatesR++;
      else if (p.kind === 'whitelist' || p.kind === 'shared-heap') r.sharedVariables++;
      else if (p.kind === 'shared-literal') r.sharedLiterals++;
      else if (p.kind === 'callback') r.callbacks++;
    }
  }
  for (const m of result.manual) row(m.library).manual++;
  const libraries = [...rows.values()].sort((a, b) => (a.library < b.library ? -1 : a.library > b.library ? 1 : 0));
  const total: PortSummaryRow = { library: 'total', linesAdded: 0, linesRemoved: 0, gates: 0, gatesR: 0, sharedVariables: 0, sharedLiterals: 0, callbacks: 0, manual: 0 };
  for (const r of libraries) {
    total.linesAdded += r.linesAdded;
    total.linesRemoved += r.linesRemoved;
    total.gates += r.gates;
    total.gatesR += r.gatesR;
    total.sharedVariables += r.sharedVariables;
    total.sharedLiterals += r.sharedLiterals;
    total.callbacks += r.callbacks;
    total.manual += r.manual;
  }
  return { libraries, total };
}
