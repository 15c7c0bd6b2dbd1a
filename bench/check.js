// Rows of `npm run bench` for issue 9: `flexos check` against `flexos analyze` (cold CLI runs and
// in-process), and the language server's latency from a one-character edit to its diagnostics,
// measured through stdio with a real LSP client on a generated 50,000-line tree.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { CACHE, ROOT } from './lib.js';
import { BIG_LINES, generateLspTree } from './lsp-tree.js';

const LSP_MEDIAN_TARGET = 20; // ms, issue 9
const LSP_P95_TARGET = 50;
const EDITS = 60;

/** CPU time (user + system) and wall time of one cold CLI process, through bash's `time`. */
function cliRun(argv) {
  const cmd = `TIMEFORMAT='%3R %3U %3S'; time node ${argv.map((a) => `'${a}'`).join(' ')} >/dev/null 2>&1`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  const [real, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { ms: real * 1000, cpuMs: (user + sys) * 1000 };
}

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

export function checkCost({ runs, median, fmt, table, report }) {
  const bin = join(ROOT, 'bin', 'flexos.js');
  const rows = [];
  report.check = [];
  const trees = [
    { label: 'corpus/vanilla', dir: join(ROOT, 'corpus', 'vanilla'), paths: [] },
    { label: 'corpus/ported', dir: join(ROOT, 'corpus', 'ported'), paths: [] },
  ];
  const mainline = process.env.FLEXOS_UNIKRAFT;
  if (mainline && existsSync(join(mainline, 'lib'))) trees.push({ label: 'mainline Unikraft lib/ + plat/kvm', dir: mainline, paths: [join(mainline, 'lib'), join(mainline, 'plat', 'kvm')] });
  for (const t of trees) {
    process.stdout.write(`bench: analyze vs check, ${t.label} x${runs} (cold processes) ...`);
    const analyze = Array.from({ length: runs }, () => cliRun([bin, 'analyze', '--json', t.dir]));
    const check = Array.from({ length: runs }, () => cliRun([bin, 'check', ...(t.paths.length > 0 ? [...t.paths, '--root', t.dir] : [t.dir]), '--format', 'json']));
    const a = median(analyze.map((r) => r.cpuMs));
    const c = median(check.map((r) => r.cpuMs));
    process.stdout.write(` analyze ${fmt(a)} ms, check ${fmt(c)} ms CPU\n`);
    const targeted = t.paths.length === 0;
    rows.push([t.label, `${fmt(a)} ms`, `${fmt(c)} ms`, (c / a).toFixed(2), targeted ? `≤ 1.00 ${c <= a ? '✓' : '✗'}` : 'reported']);
    report.check.push({ tree: t.label, analyzeCpuMs: a, checkCpuMs: c });
  }
  if (!mainline) rows.push(['mainline Unikraft lib/ + plat/kvm', '-', '-', '-', 'set FLEXOS_UNIKRAFT=<tree> to measure']);
  console.log(`\n\`flexos check\` against \`flexos analyze\`, whole CLI runs in fresh processes (CPU time, median of ${runs})\n`);
  console.log(table(['tree', 'analyze', 'check', '× analyze', 'target'], rows));
}

/** One-character edits in the 5,000-line file; time from didChange sent to diagnostics received. */
export async function lspLatency({ fmt, table, report }) {
  const dir = join(CACHE, 'bench', 'lsp-tree');
  const rel = generateLspTree(dir);
  const file = join(dir, rel);
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, 'utf8');
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'flexos.js'), 'lsp', '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  const client = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let waiting = null;
  let lastCount = 0;
  client.onNotification(PublishDiagnosticsNotification.type, (p) => {
    lastCount = p.diagnostics.length;
    if (waiting && p.uri === uri) {
      const w = waiting;
      waiting = null;
      w();
    }
  });
  client.listen();
  const diagnostics = () => new Promise((resolve) => (waiting = resolve));
  process.stdout.write(`bench: lsp one-character edits in a ${fmt(BIG_LINES)}-line file of a generated 50,000-line tree x${EDITS} ...`);
  const t0 = performance.now();
  await client.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {}, workspaceFolders: null });
  await client.sendNotification(InitializedNotification.type, {});
  let got = diagnostics();
  await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'c', version: 1, text } });
  await got;
  const startup = performance.now() - t0;
  const first = lastCount;
  // two kinds of one-character edit in the middle of the file, back and forth:
  //  - a digit of a constant (`int r = 3;` → `4`): nothing the analysis reads changes;
  //  - a digit of a callee's name (`l1_api5(` → `l1_api6(`): the call, its resolution and findings change.
  const lines = text.split('\n');
  const mid = lines.length / 2;
  const constant = lines.findIndex((l, i) => i > mid && /^\tint r = \d+;$/.test(l));
  const callLine = lines.findIndex((l, i) => i > mid && /\bl1_api\d\(/.test(l));
  const kinds = [
    { label: 'a constant (nothing the analysis reads)', line: constant, character: lines[constant].indexOf('= ') + 2 },
    { label: "a callee's name (the call changes)", line: callLine, character: lines[callLine].search(/l1_api\d\(/) + 6 },
  ];
  let version = 1;
  const rows = [];
  report.lsp = { edits: EDITS, kinds: [] };
  for (const kind of kinds) {
    const samples = [];
    for (let k = 0; k < EDITS; k++) {
      const digit = String((k + 1) % 10);
      const change = { range: { start: { line: kind.line, character: kind.character }, end: { line: kind.line, character: kind.character + 1 } }, text: digit };
      got = diagnostics();
      const s = performance.now();
      await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: ++version }, contentChanges: [change] });
      await got;
      samples.push(performance.now() - s);
    }
    const med = percentile(samples, 50);
    const p95 = percentile(samples, 95);
    report.lsp.kinds.push({ edit: kind.label, medianMs: med, p95Ms: p95, samples });
    rows.push([kind.label, `${med.toFixed(1)} ms`, `${p95.toFixed(1)} ms`, `≤ ${LSP_MEDIAN_TARGET} / ≤ ${LSP_P95_TARGET} ms ${med <= LSP_MEDIAN_TARGET && p95 <= LSP_P95_TARGET ? '✓' : '✗'}`]);
  }
  report.lsp.startupMs = startup;
  report.lsp.diagnostics = first;
  await client.sendRequest(ShutdownRequest.type);
  await client.sendNotification(ExitNotification.type);
  client.dispose();
  process.stdout.write(` ${rows.map((r) => `${r[0].split(' (')[0]}: median ${r[1]}, p95 ${r[2]}`).join('; ')}\n`);
  console.log(`\nLanguage server: one-character edit → diagnostics published, through stdio (${EDITS} edits of each kind; ${fmt(first)} diagnostics in the file; first analysis of the tree and didOpen ${fmt(startup)} ms)\n`);
  console.log(table(['edit of', 'median', 'p95', 'target (median / p95)'], rows));
}
