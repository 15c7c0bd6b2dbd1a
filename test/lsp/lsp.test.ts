/**
 * `flexos lsp` driven as an editor drives it: a real LSP client (vscode-languageserver-protocol)
 * over the stdio of a `flexos lsp` child process — initialize, didOpen, didChange (incremental),
 * diagnostics received, a quick fix requested and applied, hover, save, shutdown. Also: the
 * incremental re-parse gives the same tree as a parse from scratch.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  createProtocolConnection,
  type CodeAction,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource, parseSourceIncremental } from '../../src/parse/parser.js';
import { extractFacts } from '../../src/analyze/facts.js';
import { Project } from '../../src/lsp/project.js';
import { spliceFacts, spliceTarget } from '../../src/analyze/facts-splice.js';
import { removeTempTrees, writeTempTree } from '../support/temp-tree.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const TREE: Record<string, string> = {
  'b/Makefile.uk': '$(eval $(call addlib,libb))\n',
  'b/exportsyms.uk': 'b_void\nb_get\n',
  'b/include/b/b.h': 'void b_void(int x);\nint b_get(int *out);\n',
  'b/b.c': '#include <b/b.h>\nstatic int state;\nvoid b_void(int x) { state = x; }\nint b_get(int *out) { *out = state; return 0; }\n',
  'a/Makefile.uk': '$(eval $(call addlib,liba))\n',
  'a/a.c': '#include <flexos/isolation.h>\n#include <b/b.h>\n\nvoid f(int n)\n{\n\tflexos_gate(libb, b_void, n); /* step 1 */\n}\n',
};

let child: ChildProcess;
let client: ProtocolConnection;
let root: string;
const published: PublishDiagnosticsParams[] = [];
let waiters: { uri: string; resolve: (p: PublishDiagnosticsParams) => void }[] = [];

function nextDiagnostics(uri: string): Promise<PublishDiagnosticsParams> {
  return new Promise((resolve) => waiters.push({ uri, resolve }));
}

beforeAll(async () => {
  if (!existsSync(join(REPO, 'dist/cli/main.js'))) execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.json')], { stdio: 'pipe' });
  root = writeTempTree(TREE);
  child = spawn(process.execPath, [join(REPO, 'bin/flexos.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  client = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  client.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    const w = waiters.find((x) => x.uri === p.uri);
    if (w) {
      waiters = waiters.filter((x) => x !== w);
      w.resolve(p);
    }
  });
  client.listen();
});

afterAll(() => {
  client?.dispose();
  child?.kill();
  removeTempTrees();
});

describe('flexos lsp through a real LSP client over stdio', () => {
  const uri = () => pathToFileURL(join(root, 'a/a.c')).href;
  let doc: TextDocument;

  /** Applies `change` to the editor's copy, sends it as the next version and waits for the file's diagnostics. */
  async function edit(change: TextDocumentContentChangeEvent): Promise<Diagnostic[]> {
    doc = TextDocument.update(doc, [change], doc.version + 1);
    const got = nextDiagnostics(uri());
    await client.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uri(), version: doc.version }, contentChanges: [change] });
    return (await got).diagnostics;
  }

  test('initialize: incremental sync, quick fixes, hover', async () => {
    const result = await client.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, workspaceFolders: null });
    expect(result.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
    expect(result.capabilities.codeActionProvider).toBeTruthy();
    expect(result.capabilities.hoverProvider).toBe(true);
    await client.sendNotification(InitializedNotification.type, {});
  });

  test('didOpen of a clean file publishes no diagnostic', async () => {
    doc = TextDocument.create(uri(), 'c', 1, TREE['a/a.c']!);
    const got = nextDiagnostics(uri());
    await client.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uri(), languageId: 'c', version: 1, text: doc.getText() } });
    expect((await got).diagnostics).toEqual([]);
  });

  let diagnostic: Diagnostic;
  test('didChange (an inserted ungated call) publishes ungated-call at its range', async () => {
    const d = await edit({ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 0 } }, text: '\tb_void(n + 1);\n' });
    expect(d.map((x) => [x.code, x.range.start.line, x.range.start.character, x.range.end.character])).toEqual([['ungated-call', 5, 1, 7]]);
    expect(d[0]!.source).toBe('flexos');
    expect(d[0]!.message).toContain('b_void() is exported by libb');
    diagnostic = d[0]!;
  });

  test('hover on the call says whose it is and why it needs a gate', async () => {
    const hover = await client.sendRequest(HoverRequest.type, { textDocument: { uri: uri() }, position: { line: 5, character: 3 } });
    const value = (hover!.contents as { value: string }).value;
    expect(value).toContain('**b_void()**');
    expect(value).toContain('exported by **libb**');
    expect(value).toContain('needs a gate');
  });

  test('the quick fix is offered, and applying it clears the diagnostic', async () => {
    const actions = (await client.sendRequest(CodeActionRequest.type, { textDocument: { uri: uri() }, range: diagnostic.range, context: { diagnostics: [diagnostic] } })) as CodeAction[];
    expect(actions.map((a) => a.title)).toEqual(['Gate the call: flexos_gate(libb, b_void, …)']);
    const edits = actions[0]!.edit!.changes![uri()]!;
    const fixed = TextDocument.applyEdits(doc, edits);
    expect(fixed).toContain('\tflexos_gate(libb, b_void, n + 1);\n');
    expect(await edit({ range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, text: fixed })).toEqual([]);
  });

  test('a private address passed through the gate: unshared-address, and the whitelist quick fix', async () => {
    const d = await edit({ range: { start: { line: 6, character: 0 }, end: { line: 6, character: 0 } }, text: '\tint v;\n\tint r;\n\tflexos_gate_r(libb, r, b_get, &v);\n' });
    expect(d.map((x) => x.code)).toEqual(['unshared-address']);
    const actions = (await client.sendRequest(CodeActionRequest.type, { textDocument: { uri: uri() }, range: d[0]!.range, context: { diagnostics: d } })) as CodeAction[];
    expect(actions[0]!.title).toBe("Whitelist 'v'");
    expect(TextDocument.applyEdits(doc, actions[0]!.edit!.changes![uri()]!)).toContain('\t__attribute__((flexos_whitelist)) int v;\n');
  });

  test('a one-character edit the analysis does not read (a comment) republishes the same diagnostics', async () => {
    const before = published[published.length - 1]!.diagnostics;
    const at = doc.positionAt(doc.getText().indexOf('step 1') + 5);
    expect(await edit({ range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '2' })).toEqual(before);
    expect(doc.getText()).toContain('/* step 2 */');
  });

  test('didSave re-resolves and publishes again', async () => {
    const got = nextDiagnostics(uri());
    await client.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: uri() } });
    expect((await got).diagnostics.map((x) => x.code)).toEqual(['unshared-address']);
  });

  test('shutdown and exit end the process with status 0', async () => {
    await client.sendRequest(ShutdownRequest.type);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await client.sendNotification(ExitNotification.type);
    expect(await exited).toBe(0);
  });
});

describe('incremental re-parse', () => {
  test('an edited file re-parsed from its previous tree equals a parse from scratch', () => {
    const macros = loadMacroTable();
    const before = '#include <x.h>\nint f(int a)\n{\n\treturn a + 1;\n}\nint g(void) { return f(2); }\n';
    const after = before.replace('a + 1', 'a * (a + 2)').replace('f(2)', 'f(3) + h()');
    const first = parseSourceIncremental('x.c', before, macros, null);
    const second = parseSourceIncremental('x.c', after, macros, first.state);
    expect(second.parsed.tree.rootNode.toString()).toBe(parseSource('x.c', after, macros).tree.rootNode.toString());
    expect(second.parsed.errors).toEqual([]);
  });

  test('facts of an edit inside one function, spliced into the old facts, equal the facts read from scratch', () => {
    const macros = loadMacroTable();
    const options = { path: 'a/x.c', library: 'liba', isHeader: false };
    let text = [
      '#include <flexos/isolation.h>',
      'int g;',
      '#define G_PLUS(x) ((x) + g)',
      'static int h(int *p) { return *p; }',
      'int f(int n)',
      '{',
      '\tint v = n;',
      '\treturn h(&v) + g;',
      '}',
      'int k __attribute__((flexos_whitelist));',
      'void w(void (*cb)(int)) { cb(k); flexos_gate(libb, b_log, "x"); }',
      'int broken(void) { return 1 +; }',
      '',
    ].join('\n');
    let state = parseSourceIncremental(options.path, text, macros, null);
    let facts = extractFacts(state.parsed, options);
    const edits: [string, string][] = [
      ['\treturn h(&v) + g;', '\tint extra[4];\n\textra[0] = v;\n\treturn h(&v) + h(extra) + g;'],
      ['int v = n;', 'int v = n * 2;'],
      ['h(extra)', 'h(&extra[1])'],
      ['\tint extra[4];\n', ''],
    ];
    let spliced = 0;
    for (const [from, to] of edits) {
      text = text.replace(from, to);
      const next = parseSourceIncremental(options.path, text, macros, state.state);
      const target = spliceTarget(facts, next.change!, next.parsed.tree.rootNode);
      expect(target?.fn.name).toBe('f');
      const part = extractFacts(next.parsed, options, { within: target!.node, names: facts });
      const merged = spliceFacts(facts, part, target!.fn.span, next.change!.newEnd - next.change!.oldEnd)!;
      const scratch = extractFacts(parseSource(options.path, text, macros), options);
      expect(merged).toEqual(scratch);
      spliced++;
      facts = merged;
      state = next;
    }
    expect(spliced).toBe(edits.length);
  });

  test('a cross-library check on an edited file reads no other file again (the project index has them)', () => {
    const tree = writeTempTree(TREE);
    const project = Project.load(tree, loadMacroTable(), () => null);
    // the callee's library disappears from the disk: only the index still knows it
    rmSync(join(tree, 'b'), { recursive: true, force: true });
    project.update('a/a.c', TREE['a/a.c']!.replace('\tflexos_gate(libb, b_void, n);', '\tb_void(n);'));
    const found = project.check('a/a.c');
    expect(found.map((f) => `${f.code} ${f.line}:${f.column}`)).toEqual(['ungated-call 6:2']);
    expect(found[0]!.message).toContain("b_void() uses the global 'state'");
  });
});
