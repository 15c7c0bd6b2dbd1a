// Which code makes tree-sitter lose functions: a diagnostic for growing grammars/macros.yaml.
// Usage: node bench/errors.js <dir> [--no-macros] [--macros FILE]... [--top N] [--lines] [--prune-conditionals]
// Lists the identifiers most often found on the first line of ERROR/MISSING regions that touch a
// function definition (weighted by the functions touched), then, with --lines, the regions
// themselves (file:line, functions touched, first line of the region).
// --prune-conditionals: an experiment on what preprocessor handling would buy. Files with parse
// errors are copied to .cache/bench/pruned/ with each conditional group that meets an error
// reduced to one branch (bench/lib.js pruneConditionals), twice over, and the copy is analysed.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { analyzeTree } from '../dist/analyze/analyze-tree.js';
import { emptyMacroTable, loadMacroTable } from '../dist/parse/macro-table.js';
import { CACHE, codeOnly, functionErrors, pruneConditionals } from './lib.js';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const dirArg = args.find((a, i) => !a.startsWith('--') && !['--macros', '--top'].includes(args[i - 1]));
if (!dirArg) {
  console.error('usage: node bench/errors.js <dir> [--no-macros] [--macros FILE]... [--top N] [--lines] [--prune-conditionals]');
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

const dir = flag('--prune-conditionals') ? prunedCopy(resolve(dirArg)) : dirArg;
const analysis = analyzeTree(dir, { macros });
const words = new Map();
const regionRows = [];
const byCause = { cpp: 0, other: 0 };
let functions = 0;
let touched = 0;
for (const file of analysis.index.files) {
  const text = readFileSync(join(analysis.root, file.path), 'latin1');
  const r = functionErrors(file, text);
  functions += r.found + r.swallowed.length;
  touched += r.touchedFound.length + r.swallowed.length;
  // each touched function is charged to the first region that touches it
  const charged = new Map();
  const touchedSpans = [...r.touchedFound.map((f) => f.span), ...r.swallowed.map((o) => ({ start: o.head, end: o.brace + 1 }))];
  for (const s of touchedSpans) {
    const region = r.regions.find((g) => g.span.start < s.end && Math.max(g.span.end, g.span.start + 1) > s.start);
    if (region) charged.set(region, (charged.get(region) ?? 0) + 1);
  }
  const code = charged.size > 0 ? codeOnly(text) : '';
  for (const [region, hits] of charged) {
    const lineStart = text.lastIndexOf('\n', region.span.start - 1) + 1;
    const lineEnd = text.indexOf('\n', region.span.start);
    const line = text.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const codeLine = code.slice(lineStart, lineEnd === -1 ? text.length : lineEnd);
    const cpp = splitsConditional(text, region.span);
    byCause[cpp ? 'cpp' : 'other'] += hits;
    regionRows.push({ where: `${file.path}:${region.start.line}:${region.start.column}`, hits, kind: region.kind, cpp, line: line.trim().slice(0, 110) });
    if (cpp) continue;
    for (const w of new Set(codeLine.match(/[A-Za-z_]\w*/g) ?? [])) {
      if (C_WORDS.has(w)) continue;
      words.set(w, (words.get(w) ?? 0) + hits);
    }
  }
}

console.log(`${dir}: ${touched} of ${functions} function definitions touched by a parse error (${((100 * touched) / Math.max(1, functions)).toFixed(2)}%), macro table: ${flag('--no-macros') ? 'none' : 'bundled'}`);
console.log(`regions touching functions: ${byCause.cpp} touched functions charged to regions with a conditional directive (#if/#ifdef/#else/#elif/#endif) in or next to them, ${byCause.other} to other regions`);
console.log(`\ntop identifiers on the first line of the other regions (weighted by the functions charged to them):`);
for (const [w, n] of [...words].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${String(n).padStart(5)}  ${w}`);
if (flag('--lines')) {
  console.log(`\nregions by functions touched:`);
  for (const r of regionRows.sort((a, b) => b.hits - a.hits).slice(0, top)) {
    console.log(`  ${String(r.hits).padStart(4)}  ${r.kind === 'missing' ? 'MISSING' : 'ERROR  '}${r.cpp ? ' #if' : '    '}  ${r.where}  ${r.line}`);
  }
}

/** The tree copied with conditionals pruned where they meet a parse error (two rounds). */
function prunedCopy(root) {
  const target = join(CACHE, 'bench', 'pruned', basename(dirname(root)) + '-' + basename(root));
  rmSync(target, { recursive: true, force: true });
  let current = root;
  for (let round = 0; round < 2; round++) {
    const a = analyzeTree(current, { macros });
    for (const file of a.index.files) {
      const text = readFileSync(join(current, file.path), 'latin1');
      const out = file.parseErrors.length > 0 ? pruneConditionals(text, file.parseErrors) : text;
      mkdirSync(dirname(join(target, file.path)), { recursive: true });
      writeFileSync(join(target, file.path), out, 'latin1');
    }
    current = target;
  }
  return target;
}

/** A conditional directive inside the region or on the lines right around it. */
function splitsConditional(text, span) {
  const from = text.lastIndexOf('\n', Math.max(0, text.lastIndexOf('\n', span.start - 1) - 1)) + 1;
  let to = span.end;
  for (let k = 0; k < 2 && to !== -1; k++) to = text.indexOf('\n', to + 1);
  const around = text.slice(from, to === -1 ? text.length : to);
  return /^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif|else|endif)\b/m.test(around);
}
