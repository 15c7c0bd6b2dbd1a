/**
 * Reading the FlexOS artifact's own sweep files (asplos22-ae, fig-06): a permutations CSV
 * (`TASKID`, `COMPARTMENT<k>_DRIVER`, `COMPARTMENT<k>_ISOLSTACK`, `LIB<X>_COMPARTMENT`,
 * `LIB<X>_SFI`, …) and a results CSV (`TASKID,CHUNK,ITERATION,METHOD,VALUE`), reduced to the
 * distinct configurations up to compartment renumbering, each with its recorded samples.
 */
import { ConfigError } from '../config/types.js';
import { parseCsv, type CsvTable } from './csv.js';
import { configurationKey } from './enumerate.js';
import type { Configuration, HardeningSet, Layout, MechanismChoice, Space } from './model.js';
import { canonicalBlocks, layoutKey } from './partitions.js';

/** What the artifact's `SFI=y` compiled in: UBSan, KASan and the stack protector. */
export const SFI_HARDENING: HardeningSet = ['asan', 'stack-protector', 'ubsan'];

export interface ReplayOptions {
  /** Leading iterations dropped as warm-up (the artifact's iteration 1 is about half the rest). */
  warmup: number;
  /** `METHOD` to read; needed only when the results hold several. */
  method?: string;
  strengths: ReadonlyMap<string, number>;
}

export interface ReplayData {
  space: Space;
  configs: Configuration[];
  /** Kept samples per configuration (warm-up dropped), same index as configs. */
  samples: number[][];
  /** The TASKID whose numbers stand for each configuration. */
  taskIds: string[];
  /** Permutation rows, rows with results, and results rows dropped as duplicates up to renumbering. */
  permutations: number;
  built: number;
  duplicates: number;
  method: string;
}

interface Row {
  line: number;
  taskId: string;
  /** Raw compartment number per library (space order). */
  compartments: number[];
  sfi: boolean[];
  drivers: Map<number, string>;
  isolstack: Map<number, boolean>;
}

const libraryName = (column: string): string => column.toLowerCase().replace(/_/g, '-');

function column(t: CsvTable, name: string, file: string): number {
  const i = t.header.indexOf(name);
  if (i === -1) throw new ConfigError({ file, line: 1, column: 1 }, `no \`${name}\` column; is this a FlexOS ${name === 'VALUE' || name === 'ITERATION' ? 'results' : 'permutations'} CSV?`);
  return i;
}

function readPermutations(text: string, file: string, warnLine: (line: number, msg: string) => never): { libs: string[]; rows: Row[] } {
  const t = parseCsv(text);
  const taskCol = column(t, 'TASKID', file);
  const libCols = t.header.map((h, i) => [h, i] as const).filter(([h]) => /^LIB.+_COMPARTMENT$/.test(h));
  if (libCols.length === 0) throw new ConfigError({ file, line: 1, column: 1 }, 'no `LIB<X>_COMPARTMENT` column; is this a FlexOS permutations CSV?');
  const names = libCols.map(([h]) => h.slice(3, -'_COMPARTMENT'.length));
  const parsed = t.rows.map(({ line, cells }) => {
    const compartments = libCols.map(([h, i]) => {
      const v = Number(cells[i]);
      if (!Number.isInteger(v) || v < 1) warnLine(line, `${h} is "${cells[i] ?? ''}", not a compartment number (1, 2, …)`);
      return v;
    });
    const sfi = names.map((n) => {
      const i = t.header.indexOf(`LIB${n}_SFI`);
      const v = i === -1 ? 'n' : cells[i];
      if (v !== 'y' && v !== 'n') warnLine(line, `LIB${n}_SFI is "${v ?? ''}"; expected y or n`);
      return v === 'y';
    });
    const drivers = new Map<number, string>();
    const isolstack = new Map<number, boolean>();
    t.header.forEach((h, i) => {
      const d = /^COMPARTMENT(\d+)_DRIVER$/.exec(h);
      if (d) drivers.set(Number(d[1]), cells[i] ?? '');
      const s = /^COMPARTMENT(\d+)_ISOLSTACK$/.exec(h);
      if (s) isolstack.set(Number(s[1]), cells[i] === 'true');
    });
    return { line, taskId: cells[taskCol] ?? '', compartments, sfi, drivers, isolstack };
  });
  // Libraries that never leave compartment 1 first: the first library then sits in the default
  // compartment in every row, which makes block 0 = FlexOS's compartment 1.
  const order = names.map((_, i) => i).sort((a, b) => {
    const moves = (k: number): number => (parsed.some((r) => r.compartments[k] !== 1) ? 1 : 0);
    return moves(a) - moves(b) || a - b;
  });
  return {
    libs: order.map((i) => libraryName(names[i]!)),
    rows: parsed.map((r) => ({ ...r, compartments: order.map((i) => r.compartments[i]!), sfi: order.map((i) => r.sfi[i]!) })),
  };
}

function readResults(text: string, file: string, warmup: number, wanted: string | undefined): { method: string; samples: Map<string, number[]> } {
  const t = parseCsv(text);
  const [task, iter, method, value] = ['TASKID', 'ITERATION', 'METHOD', 'VALUE'].map((c) => column(t, c, file)) as [number, number, number, number];
  const methods = [...new Set(t.rows.map((r) => r.cells[method] ?? ''))].sort();
  const chosen = wanted ?? (methods.length === 1 ? methods[0]! : undefined);
  if (chosen === undefined) throw new ConfigError({ file }, `the results hold several METHODs (${methods.join(', ')}); pick one with --method`);
  if (!methods.includes(chosen)) throw new ConfigError({ file }, `no results with METHOD ${chosen}; the file has: ${methods.join(', ')}`);
  const byTask = new Map<string, [number, number][]>();
  for (const { line, cells } of t.rows) {
    if (cells[method] !== chosen) continue;
    const v = Number(cells[value]);
    const it = Number(cells[iter]);
    if (!Number.isFinite(v) || !Number.isInteger(it)) throw new ConfigError({ file, line, column: 1 }, `ITERATION "${cells[iter]}" / VALUE "${cells[value]}" is not a number; fix or remove the row`);
    const list = byTask.get(cells[task]!) ?? [];
    list.push([it, v]);
    byTask.set(cells[task]!, list);
  }
  const samples = new Map<string, number[]>();
  for (const [id, list] of byTask) {
    const sorted = list.sort((a, b) => a[0] - b[0]);
    const kept = sorted.slice(Math.min(warmup, sorted.length - 1)).map(([, v]) => v);
    samples.set(id, kept);
  }
  return { method: chosen, samples };
}

export function readReplay(permText: string, permFile: string, resultsText: string, resultsFile: string, opts: ReplayOptions): ReplayData {
  const failAt = (line: number, msg: string): never => {
    throw new ConfigError({ file: permFile, line, column: 1 }, `${msg}; fix the row`);
  };
  const { libs, rows } = readPermutations(permText, permFile, failAt);
  const { method, samples } = readResults(resultsText, resultsFile, opts.warmup, opts.method);
  const known = new Set(rows.map((r) => r.taskId));
  const stray = [...samples.keys()].find((id) => !known.has(id));
  if (stray) throw new ConfigError({ file: resultsFile }, `TASKID ${stray} has results but no row in ${permFile}; pass the permutations file of the same sweep`);
  const built = rows.filter((r) => samples.has(r.taskId));

  const layouts: Layout[] = [];
  const layoutIndex = new Map<string, number>();
  const mechanisms = new Map<string, MechanismChoice>();
  const sfiSeen = libs.map((_, i) => built.some((r) => r.sfi[i]));
  const sharingSeen = new Set<string>();
  const pending: { row: Row; layout: Layout; mechanisms: string[]; sharing: string; canonical: boolean }[] = [];
  for (const row of built) {
    const layout = canonicalBlocks(row.compartments);
    const raw = new Array<number>(layout.blocks);
    row.compartments.forEach((c, i) => (raw[layout.blockOf[i]!] = c));
    const drivers = raw.map((c) => {
      const d = row.drivers.get(c);
      if (!d) return failAt(row.line, `compartment ${c} is used but COMPARTMENT${c}_DRIVER is empty`);
      const strength = opts.strengths.get(d);
      if (strength === undefined) return failAt(row.line, `COMPARTMENT${c}_DRIVER "${d}" is not a known mechanism (${[...opts.strengths.keys()].join(', ')})`);
      mechanisms.set(d, { driver: d, strength });
      return d;
    });
    // FlexOS's isolstack: false = shared stacks; true = private stacks with the data shadow stack.
    const isol = raw.some((c) => row.isolstack.get(c) === true) && layout.blocks > 1;
    const sharing = isol ? 'dss' : 'shared-stack';
    sharingSeen.add(sharing);
    const canonical = raw.every((c, b) => c === b + 1);
    pending.push({ row, layout, mechanisms: layout.blocks === 1 ? drivers.slice(0, 1) : drivers, sharing, canonical });
  }
  for (const p of [...pending].sort((a, b) => (layoutKey(a.layout) < layoutKey(b.layout) ? -1 : layoutKey(a.layout) > layoutKey(b.layout) ? 1 : 0))) {
    const key = layoutKey(p.layout);
    if (!layoutIndex.has(key)) layoutIndex.set(key, layouts.push(p.layout) - 1);
  }
  const space: Space = {
    libraries: libs,
    layouts,
    mechanisms: [...mechanisms.values()].sort((a, b) => a.strength - b.strength),
    mechanismPer: 'compartment',
    hardening: sfiSeen.map((s) => (s ? [[], SFI_HARDENING] : [[]])),
    sharing: ['shared-stack', 'dss'].filter((s) => sharingSeen.has(s)),
  };
  const chosen = new Map<string, { config: Configuration; taskId: string; canonical: boolean }>();
  let duplicates = 0;
  for (const p of pending) {
    const config: Configuration = { layout: layoutIndex.get(layoutKey(p.layout))!, mechanisms: p.mechanisms, hardening: p.row.sfi.map((s) => (s ? 1 : 0)), sharing: p.sharing };
    const key = configurationKey(space, config);
    const earlier = chosen.get(key);
    if (earlier) {
      duplicates++;
      // Keep the row already numbered canonically (the one the paper kept), else the lowest TASKID.
      const better = p.canonical !== earlier.canonical ? p.canonical : p.row.taskId < earlier.taskId;
      if (!better) continue;
    }
    chosen.set(key, { config, taskId: p.row.taskId, canonical: p.canonical });
  }
  const entries = [...chosen.values()].sort((a, b) => a.config.layout - b.config.layout || a.config.hardening.join('').localeCompare(b.config.hardening.join('')));
  return {
    space,
    configs: entries.map((e) => e.config),
    samples: entries.map((e) => samples.get(e.taskId)!),
    taskIds: entries.map((e) => e.taskId),
    permutations: rows.length,
    built: built.length,
    duplicates,
    method,
  };
}
