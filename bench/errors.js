// Which code makes tree-sitter lose functions: a diagnostic for growing grammars/macros.yaml.
// Usage: node bench/errors.js <dir> [--no-macros] [--macros FILE]... [--top N] [--lines]
// Lists the identifiers most often found on the first line of ERROR/MISSING regions that touch a
// function definition (weighted by the functions touched), then, with --lines, the regions
// themselves (file:line, functions touched, first line of the region).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTree } from '../dist/analyze/analyze-tree.js';
import { emptyMacroTable, loadMacroTable } from '../dist/parse/macro-table.js';
import { functionErrors } from './lib.js';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const dir = args.find((a, i) => !a.startsWith('--') && !['--macros', '--top'].includes(args[i - 1]));
if (!dir) {
  console.error('usage: node bench/errors.js <dir> [--no-macros] [--macros FILE]... [--top N] [--lines]');
  process.exit(2);
}
const top = Number(values('--top')[0] ?? 30);
const macros = flag('--no-macros') ? emptyMacroTable() : loadMacroTable(values('--macros'));

// words that are C itself, not macros
const C_WORDS = new Set(
  ('auto break case char const continue default do double else enum extern float for goto if inline int long register ' +
    'restrict return short signed sizeof static struct switch typedef union unsigned void volatile while _Bool bool ' +
    'size_t ssize_t uint8_t uint16_t uint32_t uint64_t int8_t int16_t int32_t int64_t NULL i j k n p x').split(' '),
);

const analysis = analyzeTree(dir, { macros });
const words = new Map();
const regionRows = [];
let functions = 0;
let touched = 0;
for (const file of analysis.index.files) {
  const text = readFileSync(join(analysis.root, file.path), 'latin1');
  const r = functionErrors(file, text);
  functions += r.found + r.swallowed.length;
  touched += r.touchedFound.length + r.swallowed.length;
  for (const region of r.regions) {
    const hits = [...r.touchedFound.map((f) => f.span), ...r.swallowed.map((o) => ({ start: o.head, end: o.brace + 1 }))].filter(
      (s) => region.span.start < s.end && Math.max(region.span.end, region.span.start + 1) > s.start,
    ).length;
    if (hits === 0) continue;
    const lineStart = text.lastIndexOf('\n', region.span.start - 1) + 1;
    const lineEnd = text.indexOf('\n', region.span.start);
    const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const head = text.slice(region.span.start, Math.min(region.span.end, region.span.start + 80)).split('\n')[0];
    regionRows.push({ where: `${file.path}:${region.start.line}:${region.start.column}`, hits, kind: region.kind, line: line.trim().slice(0, 110), head });
    for (const w of new Set((line + ' ' + head).match(/[A-Za-z_]\w*/g) ?? [])) {
      if (C_WORDS.has(w)) continue;
      words.set(w, (words.get(w) ?? 0) + hits);
    }
  }
}

console.log(`${dir}: ${touched} of ${functions} function definitions touched by a parse error (${((100 * touched) / Math.max(1, functions)).toFixed(2)}%), macro table: ${flag('--no-macros') ? 'none' : 'bundled'}`);
console.log(`\ntop identifiers on the first line of ERROR/MISSING regions (weighted by functions touched):`);
for (const [w, n] of [...words].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${String(n).padStart(5)}  ${w}`);
if (flag('--lines')) {
  console.log(`\nregions by functions touched:`);
  for (const r of regionRows.sort((a, b) => b.hits - a.hits).slice(0, top)) {
    console.log(`  ${String(r.hits).padStart(4)}  ${r.kind === 'missing' ? 'MISSING' : 'ERROR  '}  ${r.where}  ${r.line}`);
  }
}
