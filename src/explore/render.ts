/**
 * Outputs of `flexos explore`: the plain-text tables, JSON, and the poset as DOT and as a
 * self-contained SVG (layered drawing computed here: rank = longest chain below a node, order in
 * a rank by barycentre sweeps). Nodes are coloured by measured value (red worst, green best),
 * unmeasured ones drawn dashed and grey; the answer has a thick red border, the frontier (measured
 * configurations that miss the budget, minimal among those) a thick blue one.
 */
import { renderTable } from '../emit/table.js';
import type { ExploreReport, NodeView } from './report.js';

export function formatValue(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

export function renderSummary(r: ExploreReport): string {
  const n = r.nodes.length;
  const pct = ((100 * r.measured) / Math.max(1, n)).toFixed(1);
  const lines = [`measured ${r.measured} of ${n} configurations (${pct}%), ${r.measurements} measurements; ${r.source}; relation: ${r.relation}`];
  if (r.budget !== undefined) {
    lines.push(`budget: ${r.better === 'higher' ? '≥' : '≤'} ${formatValue(r.budget)}${r.unit ? ` ${r.unit}` : ''}; ${r.answer.length} safest configuration(s) meet it`);
    if (r.lowerBound !== undefined) {
      const ratio = r.lowerBound > 0 ? (r.measured / r.lowerBound).toFixed(2) : '-';
      lines.push(`certificate lower bound: ${r.lowerBound} (maximal feasible + minimal infeasible: no search can measure fewer and be sure); measured/bound = ${ratio}`);
    }
  }
  if (r.tolerance !== undefined) lines.push(`monotonicity tolerance used: ${(100 * r.tolerance).toFixed(1)}%`);
  if (r.violations.length > 0) {
    lines.push(`${r.violations.length} monotonicity violation(s) between measured configurations (safer measured better):`);
    for (const v of r.violations.slice(0, 20)) {
      const a = r.nodes[v.lower]!, b = r.nodes[v.upper]!;
      lines.push(`  #${b.index} ${b.label} (${formatValue(b.value)}) is safer than #${a.index} ${a.label} (${formatValue(a.value)}) yet ${(100 * v.by).toFixed(1)}% better`);
    }
    if (r.violations.length > 20) lines.push(`  … and ${r.violations.length - 20} more (see --json)`);
  } else if (r.measured > 1) lines.push('no monotonicity violation between measured configurations');
  return lines.join('\n');
}

export function renderResultTable(r: ExploreReport): string {
  const rows: (string | number)[][] = [];
  for (const i of r.answer) rows.push(['answer', r.nodes[i]!.index, r.nodes[i]!.label, formatValue(r.nodes[i]!.value)]);
  for (const i of r.frontier) rows.push(['frontier', r.nodes[i]!.index, r.nodes[i]!.label, formatValue(r.nodes[i]!.value)]);
  if (r.budget === undefined) {
    for (const n of r.nodes) if (n.value !== undefined) rows.push([n.status, n.index, n.label, formatValue(n.value)]);
  }
  const table = rows.length > 0 ? renderTable(['role', '#', 'configuration', 'value'], rows) : '(no configuration meets the budget and none was measured)';
  return `${table}\n\n${renderSummary(r)}\n`;
}

export function reportJson(r: ExploreReport): string {
  return JSON.stringify(
    {
      relation: r.relation,
      budget: r.budget ?? null,
      better: r.better,
      source: r.source,
      total: r.nodes.length,
      measured: r.measured,
      measurements: r.measurements,
      lowerBound: r.lowerBound ?? null,
      tolerance: r.tolerance ?? null,
      answer: r.answer.map((i) => r.nodes[i]!.index),
      frontier: r.frontier.map((i) => r.nodes[i]!.index),
      violations: r.violations.map((v) => ({ lower: r.nodes[v.lower]!.index, upper: r.nodes[v.upper]!.index, by: v.by })),
      configurations: r.nodes.map((n) => ({ index: n.index, key: n.key, label: n.label, status: n.status, value: n.value === undefined || Number.isNaN(n.value) ? null : n.value, ...(n.error ? { error: n.error } : {}) })),
      covers: r.covers.map(([a, b]) => [r.nodes[a]!.index, r.nodes[b]!.index]),
    },
    null,
    2,
  ) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Colours

function valueRange(r: ExploreReport): [number, number] {
  const vs = r.nodes.map((n) => n.value).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return vs.length > 0 ? [Math.min(...vs), Math.max(...vs)] : [0, 1];
}

const hex = (c: number[]): string => `#${c.map((x) => Math.round(x).toString(16).padStart(2, '0')).join('')}`;

/** Red (worst) → yellow → green (best). */
export function valueColour(r: ExploreReport, v: number): string {
  const [lo, hi] = valueRange(r);
  let t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  if (r.better === 'lower') t = 1 - t;
  const bad = [215, 48, 39], mid = [255, 255, 191], good = [26, 152, 80];
  const [a, b, u] = t < 0.5 ? [bad, mid, t * 2] : [mid, good, (t - 0.5) * 2];
  return hex(a.map((x, k) => x + (b[k]! - x) * u));
}

function fill(r: ExploreReport, n: NodeView): string {
  return n.value !== undefined && !Number.isNaN(n.value) ? valueColour(r, n.value) : n.status === 'failed' ? '#bbbbbb' : '#ffffff';
}

function border(n: NodeView): { colour: string; width: number; dashed: boolean } {
  if (n.status === 'answer') return { colour: '#d62728', width: 4, dashed: false };
  if (n.status === 'frontier') return { colour: '#1f4fb4', width: 3, dashed: false };
  if (n.status === 'unmeasured') return { colour: '#888888', width: 1, dashed: true };
  return { colour: '#333333', width: 1, dashed: false };
}

function title(r: ExploreReport): string {
  const budget = r.budget !== undefined ? `budget ${r.better === 'higher' ? '≥' : '≤'} ${formatValue(r.budget)}; ` : '';
  return `${budget}${r.measured}/${r.nodes.length} measured; relation ${r.relation}`;
}

// ---------------------------------------------------------------------------------------------
// DOT

const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function renderDot(r: ExploreReport): string {
  const lines = [
    'digraph explore {',
    '  rankdir=BT;',
    `  label=${dotString(`${title(r)}\nred border: answer; blue border: frontier; dashed: not measured`)}; labelloc=t;`,
    '  node [shape=box, style="filled,rounded", fontname="Helvetica", fontsize=10];',
    '  edge [color="#999999", arrowsize=0.5];',
  ];
  for (const [k, n] of r.nodes.entries()) {
    const b = border(n);
    const style = b.dashed ? 'filled,rounded,dashed' : 'filled,rounded';
    const value = n.status === 'unmeasured' ? '?' : n.status === 'failed' ? 'failed' : formatValue(n.value);
    lines.push(`  n${k} [label=${dotString(`#${n.index} ${n.label}\n${value}`)}, fillcolor=${dotString(fill(r, n))}, color=${dotString(b.colour)}, penwidth=${b.width}, style=${dotString(style)}];`);
  }
  for (const [a, b] of r.covers) lines.push(`  n${a} -> n${b};`);
  lines.push('}', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// SVG

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Placed {
  x: number;
  y: number;
  w: number;
}

/** Rank = length of the longest cover chain below; order within a rank by barycentre sweeps. */
export function layeredLayout(n: number, covers: readonly [number, number][], widths: readonly number[]): { placed: Placed[]; width: number; height: number } {
  const below: number[][] = Array.from({ length: n }, () => []);
  const above: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of covers) below[b]!.push(a), above[a]!.push(b);
  const rank = new Array<number>(n).fill(-1);
  const rankOf = (i: number): number => {
    if (rank[i]! >= 0) return rank[i]!;
    rank[i] = 0; // covers form a DAG; the guard only stops a malformed input from looping
    rank[i] = below[i]!.reduce((m, j) => Math.max(m, rankOf(j) + 1), 0);
    return rank[i]!;
  };
  for (let i = 0; i < n; i++) rankOf(i);
  const ranks = Math.max(0, ...rank) + 1;
  const rows: number[][] = Array.from({ length: ranks }, () => []);
  for (let i = 0; i < n; i++) rows[rank[i]!]!.push(i);
  const pos = new Array<number>(n).fill(0);
  const setPos = (row: number[]): void => row.forEach((i, k) => (pos[i] = k / Math.max(1, row.length - 1)));
  rows.forEach(setPos);
  const bary = (i: number, nbrs: number[]): number => (nbrs.length ? nbrs.reduce((s, j) => s + pos[j]!, 0) / nbrs.length : pos[i]!);
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let r = 1; r < ranks; r++) rows[r]!.sort((a, b) => bary(a, below[a]!) - bary(b, below[b]!) || a - b), setPos(rows[r]!);
    for (let r = ranks - 2; r >= 0; r--) rows[r]!.sort((a, b) => bary(a, above[a]!) - bary(b, above[b]!) || a - b), setPos(rows[r]!);
  }
  const gap = 14, rowH = 64, margin = 20, top = 56;
  const rowWidth = rows.map((row) => row.reduce((s, i) => s + widths[i]!, 0) + gap * Math.max(0, row.length - 1));
  const width = Math.max(320, ...rowWidth) + 2 * margin;
  const placed = new Array<Placed>(n);
  rows.forEach((row, r) => {
    let x = (width - rowWidth[r]!) / 2;
    const y = top + (ranks - 1 - r) * rowH;
    for (const i of row) {
      placed[i] = { x, y, w: widths[i]! };
      x += widths[i]! + gap;
    }
  });
  return { placed, width, height: top + ranks * rowH + margin };
}

export function renderSvg(r: ExploreReport): string {
  const labelOf = (n: NodeView): string => `#${n.index} ${n.label}`;
  const valueOf = (n: NodeView): string => (n.status === 'unmeasured' ? 'not measured' : n.status === 'failed' ? 'failed' : formatValue(n.value));
  const widths = r.nodes.map((n) => Math.max(70, 6.1 * Math.max(labelOf(n).length, valueOf(n).length) + 12));
  const { placed, width, height } = layeredLayout(r.nodes.length, r.covers, widths);
  const h = 36;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${Math.ceil(height)}" viewBox="0 0 ${Math.ceil(width)} ${Math.ceil(height)}" font-family="Helvetica, Arial, sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="20" font-size="13" font-weight="bold">${xml(title(r))}</text>`,
    `<text x="20" y="38" font-size="10">safer is higher; fill: value (red worst, green best); red border: answer; blue border: frontier (misses the budget); dashed: not measured</text>`,
  ];
  const feasibleLike = new Set(['answer', 'feasible']);
  for (const [a, b] of r.covers) {
    const pa = placed[a]!, pb = placed[b]!;
    const crosses = r.budget !== undefined && feasibleLike.has(r.nodes[a]!.status) && r.nodes[b]!.status === 'frontier';
    out.push(`<line x1="${(pa.x + pa.w / 2).toFixed(1)}" y1="${pa.y.toFixed(1)}" x2="${(pb.x + pb.w / 2).toFixed(1)}" y2="${(pb.y + h).toFixed(1)}" stroke="${crosses ? '#d62728' : '#aaaaaa'}" stroke-width="${crosses ? 1.5 : 1}"${crosses ? ' stroke-dasharray="4 2"' : ''}/>`);
  }
  for (const [k, n] of r.nodes.entries()) {
    const p = placed[k]!;
    const b = border(n);
    out.push(
      `<g><title>${xml(`${n.key}\n${valueOf(n)}${n.error ? `\n${n.error}` : ''}`)}</title>`,
      `<rect x="${p.x.toFixed(1)}" y="${p.y.toFixed(1)}" width="${p.w.toFixed(1)}" height="${h}" rx="5" fill="${fill(r, n)}" stroke="${b.colour}" stroke-width="${b.width}"${b.dashed ? ' stroke-dasharray="3 2"' : ''}/>`,
      `<text x="${(p.x + p.w / 2).toFixed(1)}" y="${(p.y + 15).toFixed(1)}" text-anchor="middle">${xml(labelOf(n))}</text>`,
      `<text x="${(p.x + p.w / 2).toFixed(1)}" y="${(p.y + 29).toFixed(1)}" text-anchor="middle" font-weight="bold">${xml(valueOf(n))}</text></g>`,
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}
