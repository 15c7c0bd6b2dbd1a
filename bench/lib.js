// Shared pieces of `npm run bench`: where the fetched sources live, and how the share of
// function definitions touched by a parse error is counted.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CACHE = process.env.FLEXOS_BENCH_CACHE ?? join(ROOT, '.cache');
export const FETCH_SCRIPT = join(ROOT, 'scripts', 'fetch-bench-sources.sh');

export const SOURCES = {
  amalgamation: join(CACHE, 'sqlite', 'package', 'deps', 'sqlite3', 'sqlite3.c'),
  redis: join(CACHE, 'debian-src', 'redis'),
  sqlite3: join(CACHE, 'debian-src', 'sqlite3'),
};

/** analyzeTree takes a directory: the amalgamation alone, copied into a directory of its own. */
export function amalgamationDir() {
  const dir = join(CACHE, 'bench', 'amalgamation');
  const target = join(dir, 'sqlite3.c');
  if (!existsSync(target) || statSync(target).size !== statSync(SOURCES.amalgamation).size) {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(SOURCES.amalgamation, target);
  }
  return dir;
}

/**
 * Public Unikraft trees read in place (never fetched or copied by the bench): mainline and FlexOS's
 * port. FLEXOS_BENCH_UNIKRAFT / FLEXOS_BENCH_FLEXOS_UNIKRAFT name their roots; by default the
 * snapshots next to the checkout (../trees/unikraft+unikraft, ../trees/project-flexos+unikraft).
 */
export const UNIKRAFT_TREES = {
  mainline: process.env.FLEXOS_BENCH_UNIKRAFT ?? join(ROOT, '..', 'trees', 'unikraft+unikraft'),
  flexos: process.env.FLEXOS_BENCH_FLEXOS_UNIKRAFT ?? join(ROOT, '..', 'trees', 'project-flexos+unikraft'),
};

/** The part of a Unikraft tree the < 2% target is judged on (issue 7): libraries, KVM, x86. */
const UNIKRAFT_PARTS = ['lib/', 'plat/kvm/', 'arch/x86/'];

/**
 * Trees whose function error share is measured: name → directories analysed (each as a root),
 * optionally only the files under some prefixes, whether the < 2% target applies, and how to make
 * the directories ready. `optional` trees are skipped, with the reason, when absent.
 */
export const ERROR_TREES = {
  redis: { dirs: [join(SOURCES.redis, 'src'), join(SOURCES.redis, 'deps')], label: 'Debian redis src/ + deps/', target: true },
  sqlite3: { dirs: [join(SOURCES.sqlite3, 'src')], label: 'Debian sqlite3 src/', target: true },
  amalgamation: { dirs: [join(CACHE, 'bench', 'amalgamation')], label: 'SQLite amalgamation', target: false, prepare: amalgamationDir },
  unikraft: { dirs: [UNIKRAFT_TREES.mainline], only: UNIKRAFT_PARTS, label: 'Unikraft mainline lib/ plat/kvm arch/x86', target: true, optional: 'FLEXOS_BENCH_UNIKRAFT' },
  'flexos-unikraft': { dirs: [UNIKRAFT_TREES.flexos], only: UNIKRAFT_PARTS, label: "FlexOS's Unikraft lib/ plat/kvm arch/x86", target: true, optional: 'FLEXOS_BENCH_FLEXOS_UNIKRAFT' },
};

/**
 * The text with comments, string and character literals and preprocessor lines replaced by spaces
 * (newlines kept), so a textual scan sees only code at the original offsets.
 */
export function codeOnly(text) {
  return text.replace(
    /\/\*[\s\S]*?(?:\*\/|$(?![\s\S]))|\/\/(?:\\\n|[^\n])*|"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?|^[ \t]*#(?:\\\r?\n|[^\n])*/gm,
    (m) => m.replace(/[^\n]/g, ' '),
  );
}

const NOT_A_FUNCTION_HEAD = new Set(['if', 'for', 'while', 'switch', 'do', 'else', 'return', 'typedef', 'case', 'default', 'goto', 'sizeof']);

/**
 * Function-body openings found by layout alone, independent of tree-sitter: a line that starts at
 * column 0 with an identifier and holds a `(`, followed (within 4 KiB) by a `{` at parenthesis
 * depth 0 before any `;`, `=` or `}`, with `)` as the last code character before that `{`.
 * Both Redis (`int f(void) {`) and SQLite (`int f(\n  int a\n){`) lay functions out this way.
 * Returns [{ head, brace }]: offset of the first header line and of the `{`.
 */
export function functionOpenings(code) {
  const byBrace = new Map();
  const line = /^([A-Za-z_]\w*)[^\n]*/gm;
  let m;
  while ((m = line.exec(code)) !== null) {
    if (NOT_A_FUNCTION_HEAD.has(m[1])) continue;
    const open = m[0].indexOf('(');
    if (open === -1) continue;
    const brace = braceAfterHeader(code, m.index + open);
    if (brace !== -1 && !byBrace.has(brace)) byBrace.set(brace, m.index);
  }
  return [...byBrace].map(([brace, head]) => ({ head, brace })).sort((a, b) => a.head - b.head);
}

function braceAfterHeader(code, from) {
  let depth = 0;
  const limit = Math.min(code.length, from + 4096);
  for (let i = from; i < limit; i++) {
    const c = code[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      if (c === ';' || c === '=' || c === '}') return -1;
      if (c === '{') {
        let j = i - 1;
        while (j >= from && /\s/.test(code[j])) j--;
        return code[j] === ')' ? i : -1;
      }
    }
  }
  return -1;
}

/** Whether [start, end) intersects any of the sorted, disjoint-by-start regions. */
function intersects(regions, start, end) {
  let lo = 0;
  let hi = regions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (regions[mid].span.start < end) lo = mid + 1;
    else hi = mid;
  }
  // regions are outermost ERROR/MISSING nodes, so disjoint: only the last few starting before
  // `end` can reach past `start` (a MISSING token is zero-width: it counts where it sits)
  for (let k = lo - 1; k >= 0 && k >= lo - 4; k--) {
    const r = regions[k].span;
    if (Math.max(r.end, r.start + 1) > start) return true;
  }
  return false;
}

/**
 * Function definitions of one analysed file and which of them a parse error touches.
 * - found: function_definition nodes the analysis extracted (FileFacts.functions);
 * - swallowed: openings by layout (functionOpenings) that no found function starts at and whose
 *   header-to-brace range intersects an ERROR/MISSING region (tree-sitter lost the function);
 * - touched: found functions whose span intersects an ERROR/MISSING region as FileFacts.parseErrors
 *   reports them (outermost ERROR nodes) or a #if branch the analysis skipped
 *   (FileFacts.skippedBranches), plus all swallowed.
 * With the tree, also the `own` measure: found functions whose own function_definition subtree
 * holds an ERROR/MISSING node, plus openings whose `{` sits inside an ERROR node. It differs from
 * `touched` when a well-formed function_definition is a child of a larger ERROR node (tree-sitter
 * recovering at file scope): the analysis still reads such a function completely.
 */
export function functionErrors(file, text, tree) {
  // a #if branch the analysis skipped counts like an ERROR region: its functions are not read
  const regions = [...file.parseErrors, ...(file.skippedBranches ?? []).map((b) => ({ span: b.span }))].sort((a, b) => a.span.start - b.span.start);
  const bodies = new Set(file.functions.map((f) => f.body.start));
  const touchedFound = file.functions.filter((f) => intersects(regions, f.span.start, f.span.end));
  const swallowed = [];
  const own = { touchedFound: 0, swallowed: 0 };
  let unmatched = 0;
  const broken = tree !== undefined && tree.rootNode.hasError;
  if (broken) {
    for (const f of file.functions) {
      let n = tree.rootNode.descendantForIndex(f.span.start, f.span.end - 1);
      while (n && n.type !== 'function_definition') n = n.parent;
      if (!n || n.hasError) own.touchedFound++;
    }
  }
  if (regions.length > 0) {
    const spans = file.functions.map((f) => f.span).sort((a, b) => a.start - b.start);
    for (const o of functionOpenings(codeOnly(text))) {
      if (bodies.has(o.brace)) continue;
      if (insideAny(spans, o.brace)) continue; // a column-0 line inside a parsed function
      if (intersects(regions, o.head, o.brace + 1)) swallowed.push(o);
      else unmatched++;
      if (broken && insideError(tree.rootNode.descendantForIndex(o.brace, o.brace + 1))) own.swallowed++;
    }
  }
  return { found: file.functions.length, touchedFound, swallowed, unmatched, regions, own };
}

function insideError(node) {
  for (let n = node; n; n = n.parent) if (n.type === 'ERROR' || n.isMissing) return true;
  return false;
}

function insideAny(sortedSpans, offset) {
  let lo = 0;
  let hi = sortedSpans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedSpans[mid].start <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && offset < sortedSpans[lo - 1].end;
}

/**
 * Sums functionErrors over every file of analyses ({ root, analysis, only? }, analysed with
 * keepParsed); `only` keeps the files under those path prefixes.
 */
export function errorShare(analyses) {
  const total = { files: 0, lines: 0, found: 0, touchedFound: 0, swallowed: 0, unmatched: 0, regions: 0, filesWithErrors: 0, ownTouched: 0, ownSwallowed: 0 };
  for (const { root, analysis, only } of analyses) {
    for (const file of analysis.index.files) {
      if (only && !only.some((prefix) => file.path.startsWith(prefix))) continue;
      const text = readFileSync(join(root, file.path), 'latin1');
      const r = functionErrors(file, text, analysis.parsed.get(file.path)?.tree);
      total.files++;
      total.lines += file.lineCount;
      total.found += r.found;
      total.touchedFound += r.touchedFound.length;
      total.swallowed += r.swallowed.length;
      total.unmatched += r.unmatched;
      total.regions += r.regions.length;
      total.ownTouched += r.own.touchedFound;
      total.ownSwallowed += r.own.swallowed;
      if (r.regions.length > 0) total.filesWithErrors++;
    }
  }
  const functions = total.found + total.swallowed;
  const touched = total.touchedFound + total.swallowed;
  const ownFunctions = total.found + total.ownSwallowed;
  const ownTouched = total.ownTouched + total.ownSwallowed;
  return {
    ...total,
    functions,
    touched,
    share: functions === 0 ? 0 : touched / functions,
    ownFunctions,
    ownTouchedTotal: ownTouched,
    ownShare: ownFunctions === 0 ? 0 : ownTouched / ownFunctions,
  };
}

/**
 * Experiment, not part of flexos: what conditional-directive handling in the parse view would buy.
 * Returns the text with the conditional groups (#if/#ifdef/#ifndef … #endif) that intersect one of
 * `regions` reduced to one branch — the first, or the next one after an `#if 0` — with the
 * directive lines and the other branches turned into spaces (offsets and newlines kept).
 * Nested groups are handled where they lie inside the kept branch.
 */
export function pruneConditionals(text, regions) {
  const groups = conditionalGroups(text);
  const hit = (g) => regions.some((r) => r.span.start < g.end && Math.max(r.span.end, r.span.start + 1) > g.start);
  const chars = text.split('');
  const blank = (from, to) => {
    for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
  };
  for (const g of groups) {
    if (!hit(g)) continue;
    let keep = /^[ \t]*#[ \t]*if[ \t]+0[ \t]*(?:\/[*/].*)?$/.test(text.slice(g.directives[0].start, g.directives[0].end)) ? 1 : 0;
    if (keep >= g.directives.length - 1) keep = -1;
    for (let k = 0; k < g.directives.length; k++) {
      const d = g.directives[k];
      blank(d.start, d.end);
      const next = g.directives[k + 1];
      if (next && k !== keep) blank(d.end, next.start);
    }
  }
  return chars.join('');
}

/** Conditional groups: the offsets of their directive lines, outermost groups included. */
function conditionalGroups(text) {
  const groups = [];
  const stack = [];
  const directive = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(?:\\\r?\n|[^\n])*/gm;
  for (const m of text.matchAll(directive)) {
    const d = { start: m.index, end: m.index + m[0].length };
    const kind = m[1];
    if (kind.startsWith('if')) stack.push({ start: d.start, end: d.end, directives: [d] });
    else if (stack.length > 0) {
      const g = stack[stack.length - 1];
      g.directives.push(d);
      if (kind === 'endif') {
        g.end = d.end;
        groups.push(stack.pop());
      }
    }
  }
  return groups;
}

/** The `NAME ns cycles` lines of gatebench and pingpong, by name (a Map iterates in print order). */
export function gateLines(stdout) {
  const ops = new Map();
  for (const m of stdout.matchAll(/^(\S+)\s+([\d.]+) ns\s+([\d.]+) cycles/gm)) ops.set(m[1], { ns: Number(m[2]), cycles: Number(m[3]) });
  return ops;
}
