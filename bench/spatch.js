// Porting gates side by side with Coccinelle, the way FlexOS's port helper does it: one rule pair
// per exported function of the other libraries (`R = f(E);` / `f(E);` → the gate placeholders),
// applied by spatch to the files of one library; `flexos port --lib X` on the same tree. Both run
// under GNU time (wall, peak RSS) and a timeout; the sites each rewrites are compared.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CACHE, ROOT, SOURCES } from './lib.js';

/** Debian sqlite3 src/ split into libraries by subsystem (headers in include/, test harness left out). */
const SQLITE_LIBRARIES = {
  libbtree: /^(btree|btmutex|backup|dbpage|dbstat)\.c$/,
  libpager: /^(pager|pcache|pcache1|wal|memjournal|memdb)\.c$/,
  libos: /^(os|os_\w+|mutex|mutex_\w+|mem\d|malloc|threads|fault)\.c$/,
  libvdbe: /^vdbe\w*\.c$/,
  libutil: /^(util|hash|printf|random|utf|status|global|bitvec|rowset|ctime|date|json|func|complete|loadext|legacy|notify|table|callback|treeview)\.c$/,
};
const SQL_LIBRARY = 'libsql'; // the rest: parser, code generator, planner, main
const NOT_LIBRARY_CODE = /^(test\w*|tclsqlite)\.c$/;

export function prepareSqliteSplit() {
  const src = join(SOURCES.sqlite3, 'src');
  const root = join(CACHE, 'bench', 'sqlite3-split');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'include'), { recursive: true });
  for (const lib of [...Object.keys(SQLITE_LIBRARIES), SQL_LIBRARY]) {
    mkdirSync(join(root, lib), { recursive: true });
    writeFileSync(join(root, lib, 'Makefile.uk'), `$(eval $(call addlib,${lib}))\n`);
  }
  for (const name of readdirSync(src).sort()) {
    if (name.endsWith('.h')) copyFileSync(join(src, name), join(root, 'include', name));
    if (!name.endsWith('.c') || NOT_LIBRARY_CODE.test(name)) continue;
    const lib = Object.entries(SQLITE_LIBRARIES).find(([, re]) => re.test(name))?.[0] ?? SQL_LIBRARY;
    copyFileSync(join(src, name), join(root, lib, name));
  }
  return root;
}

// a definition tree-sitter recovered from broken code can carry a keyword as its name
const C_KEYWORDS = new Set('auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while'.split(' '));

/** The Coccinelle rules FlexOS's port helper would generate: one pair per exported function of the other libraries. */
export function portRules(analysis, library) {
  const rules = [];
  for (const lib of analysis.libraries) {
    if (lib.name === library) continue;
    const names = [...analysis.index.exports(lib.name)].filter((n) => !C_KEYWORDS.has(n) && analysis.index.definitions(n).some((d) => d.library === lib.name)).sort();
    for (const f of names) {
      rules.push(`@@\nexpression list EL;\nexpression R;\n@@\n- R = ${f}(EL);\n+ flexos_gate_r(${lib.name}, R, ${f}, EL);\n`);
      rules.push(`@@\nexpression list EL;\n@@\n- ${f}(EL);\n+ flexos_gate(${lib.name}, ${f}, EL);\n`);
    }
  }
  return rules.join('\n');
}

/** Runs argv under GNU time and a timeout: { ms, maxRssKb, status, stdout, timedOut }. */
export function measured(argv, { timeoutS, cwd = ROOT }) {
  const timeFile = join(CACHE, 'bench', `time-${process.pid}.txt`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, 'timeout', '-k', '10', String(timeoutS), ...argv], { cwd, encoding: 'utf8', maxBuffer: 512 << 20 });
  const [elapsed, rss] = (existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '').trim().split('\n').pop().split(' ');
  rmSync(timeFile, { force: true });
  return { ms: Number(elapsed) * 1000, maxRssKb: Number(rss), status: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.status === 124 || r.status === 137 };
}

/**
 * Gate sites of a unified diff: `file:line callee`, line = the old line holding the call the
 * gate replaced (the removed line of the change that calls it, in order). `dir` is prefixed to
 * paths the diff gives relative to the directory spatch was run on.
 */
export function gateSitesOfDiff(diff, dir = '') {
  const sites = new Set();
  let file = '';
  let oldLine = 0;
  let removed = []; // the current change's removed lines: { line, text }
  let next = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('--- ')) {
      const path = line.slice(4).split('\t')[0].replace(/^a\//, '');
      file = path.startsWith('/') ? path : dir + path;
      continue;
    }
    if (line.startsWith('+++ ')) continue;
    const hunk = /^@@ -(\d+)/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      removed = [];
      next = 0;
    } else if (line.startsWith('-')) {
      removed.push({ line: oldLine, text: line.slice(1) });
      oldLine++;
    } else if (line.startsWith('+')) {
      const m = /flexos_gate(_r)?\s*\(([^;]*)\)\s*;/.exec(line);
      const args = m ? topLevel(m[2]) : [];
      const callee = (m?.[1] ? args[2] : args[1])?.trim();
      if (!callee || removed.length === 0) continue;
      const calls = new RegExp(String.raw`\b${callee}\s*\(`);
      let k = removed.findIndex((r, idx) => idx >= next && calls.test(r.text));
      if (k < 0) k = Math.min(next, removed.length - 1);
      next = k + 1;
      sites.add(`${file}:${removed[k].line} ${callee}`);
    } else {
      removed = [];
      next = 0;
      oldLine++;
    }
  }
  return sites;
}

function topLevel(s) {
  const out = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(last, i));
      last = i + 1;
    }
  }
  out.push(s.slice(last));
  return out;
}

/** Gate sites of `flexos port --json`: `file:line callee` (line of the statement the gate replaces). */
export function gateSitesOfPort(json) {
  const sites = new Set();
  for (const f of json.files) for (const e of f.edits) if (e.kind === 'gate' || e.kind === 'gate_r') sites.add(`${f.path}:${e.line} ${e.name}`);
  return sites;
}

export function compareSites(ours, theirs) {
  const onlyOurs = [...ours].filter((s) => !theirs.has(s)).sort();
  const onlyTheirs = [...theirs].filter((s) => !ours.has(s)).sort();
  return { both: [...ours].filter((s) => theirs.has(s)).length, onlyOurs, onlyTheirs };
}

export function spatchVersion() {
  const r = spawnSync('spatch', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (/spatch version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown') : null;
}

export { basename };
