// One bench measurement in a fresh process, so peak RSS belongs to that workload alone.
// Usage: node bench/worker.js <kind> <path> [--no-macros]
//   analyze <dir> [--threads=N]  analyzeTree end to end (read, parse view, tree-sitter, facts, resolve)
//   view-parse <file> parseSource only: parse view + tree-sitter
//   ts-parse <file>   tree-sitter parse of the raw text alone
//   ts-parse-tree <dir>  tree-sitter parse alone of every .c/.h file of a tree
//   errors <name>     function error share of ERROR_TREES[name]
//   rewrite <dir> <config>  analyze + rewrite + generated deployment files, in memory
//   port <dir>        analyze + port proposals, in memory
//   rewrite-write <dir> <config> <out>  what `flexos rewrite --diff` and `-o out` do: rewrite, diff of every changed file, transactional write
//   port-diff <dir>   what `flexos port` does: analyze, proposals, diff of every proposed file
// Prints one JSON line: { kind, lines, ms, maxRssKb, ... }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listTree } from '../dist/analyze/libraries.js';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { analyzeTree } from '../dist/analyze/analyze-tree.js';
import { emptyMacroTable, loadMacroTable } from '../dist/parse/macro-table.js';
import { parseSource } from '../dist/parse/parser.js';
import { ERROR_TREES, errorShare } from './lib.js';
import { portTree } from '../dist/transform/port/port-tree.js';
import { rewriteForDeployment, writeDeployment } from '../dist/emit/deployment-rewrite.js';
import { fileDiff } from '../dist/emit/diff.js';

const [kind, target, ...flags] = process.argv.slice(2);
const macros = flags.includes('--no-macros') ? emptyMacroTable() : loadMacroTable();

function lineCount(text) {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.length > 0 && !text.endsWith('\n') ? n + 1 : n;
}

/**
 * CPU ms of this process's main thread alone (Linux /proc; null elsewhere). With worker threads,
 * the main thread also reads their results and resolves the tree: it is the critical path, so
 * 1-thread CPU / this is the speed-up the threads allow when each has a core to itself.
 */
function mainThreadCpuMs() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** Wall time and CPU time (user + system) of fn: on a shared machine CPU time is the steadier. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { value, ms, cpuMs: (c.user + c.system) / 1000 };
}

let result;
switch (kind) {
  case 'analyze': {
    const threadsFlag = flags.find((f) => f.startsWith('--threads='));
    const threads = threadsFlag ? Number(threadsFlag.slice('--threads='.length)) : 1;
    const main0 = mainThreadCpuMs();
    const { value, ms, cpuMs } = await timed(() => analyzeTree(target, { macros, threads }));
    const main1 = mainThreadCpuMs();
    result = { lines: value.totalLines, files: value.index.files.length, ms, cpuMs, mainThreadCpuMs: main0 === null || main1 === null ? null : main1 - main0 };
    break;
  }
  case 'rewrite': {
    // everything `flexos rewrite` does but the writes: analyze, transform, generate the deployment
    const config = flags.find((f) => !f.startsWith('--'));
    const { value, ms, cpuMs } = await timed(() => rewriteForDeployment(target, config));
    result = { lines: value.analysis.totalLines, files: value.analysis.index.files.length, changed: value.rewrite.files.filter((f) => f.changed).length, ms, cpuMs };
    break;
  }
  case 'port': {
    const { value, ms, cpuMs } = await timed(() => {
      const analysis = analyzeTree(target, { macros, keepParsed: true });
      portTree(analysis);
      return analysis;
    });
    result = { lines: value.totalLines, files: value.index.files.length, ms, cpuMs };
    break;
  }
  case 'rewrite-write': {
    const [config, out] = flags.filter((f) => !f.startsWith('--'));
    const { value, ms, cpuMs } = await timed(async () => {
      const r = rewriteForDeployment(target, config);
      const diffBytes = r.rewrite.files.filter((f) => f.changed).reduce((n, f) => n + fileDiff(f.path, f.original, f.output).text.length, 0);
      await writeDeployment(r, { outDir: out });
      return { r, diffBytes };
    });
    result = { lines: value.r.analysis.totalLines, files: value.r.analysis.index.files.length, changed: value.r.rewrite.files.filter((f) => f.changed).length, diffBytes: value.diffBytes, ms, cpuMs };
    break;
  }
  case 'port-diff': {
    const { value, ms, cpuMs } = await timed(() => {
      const analysis = analyzeTree(target, { macros, keepParsed: true });
      const diffBytes = portTree(analysis).files.reduce((n, f) => n + fileDiff(f.path, f.before, f.after).text.length, 0);
      return { analysis, diffBytes };
    });
    result = { lines: value.analysis.totalLines, files: value.analysis.index.files.length, diffBytes: value.diffBytes, ms, cpuMs };
    break;
  }
  case 'view-parse': {
    const text = readFileSync(target, 'latin1');
    const { value, ms, cpuMs } = await timed(() => parseSource(target, text, macros));
    result = { lines: lineCount(text), ms, cpuMs, hasError: value.tree.rootNode.hasError };
    break;
  }
  case 'ts-parse': {
    const text = readFileSync(target, 'latin1');
    const parser = new Parser();
    parser.setLanguage(C);
    const { ms, cpuMs } = await timed(() => parser.parse(text, undefined, { bufferSize: text.length * 2 + 16 }));
    result = { lines: lineCount(text), ms, cpuMs };
    break;
  }
  case 'ts-parse-tree': {
    // tree-sitter's bare parse of every .c/.h file analyze would read, in one process
    const files = listTree(target).files.map((f) => readFileSync(join(target, f), 'latin1'));
    const parser = new Parser();
    parser.setLanguage(C);
    const { ms, cpuMs } = await timed(() => {
      for (const text of files) parser.parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 16) });
    });
    result = { lines: files.reduce((n, t) => n + lineCount(t), 0), files: files.length, ms, cpuMs };
    break;
  }
  case 'errors': {
    const tree = ERROR_TREES[target];
    if (!tree) throw new Error(`unknown error tree '${target}' (expected ${Object.keys(ERROR_TREES).join(', ')})`);
    tree.prepare?.();
    const { value, ms } = await timed(() => errorShare(tree.dirs.map((root) => ({ root, only: tree.only, analysis: analyzeTree(root, { macros, keepParsed: true }) }))));
    result = { ...value, ms };
    break;
  }
  default:
    throw new Error(`unknown workload '${kind}' (expected analyze, rewrite, view-parse, ts-parse or errors)`);
}
process.stdout.write(JSON.stringify({ kind, target, ...result, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
