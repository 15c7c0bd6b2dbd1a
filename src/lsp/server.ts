/**
 * `flexos lsp`: a Language Server over stdio. Publishes `flexos check`'s findings for open files
 * on open, change and save; quick fixes are the checks' own fixes; hover explains a call.
 * Initialisation options: `{ "config": "kraft.yaml", "macros": ["my-macros.yaml"], "platform": "kvm",
 * "project": "flexos-project.yaml" }` (paths relative to the workspace root).
 */
import { resolve as resolvePath, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type Hover,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeParams,
  type TextEdit as LspTextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { compartmentMap } from '../analyze/checks/compartments.js';
import type { Finding } from '../analyze/checks/model.js';
import { toPosix } from '../analyze/libraries.js';
import { loadConfig } from '../config/index.js';
import { loadProjectFile } from '../config/project.js';
import { selectionFromConfig } from '../analyze/build-selection.js';
import { loadMechanisms } from '../config/mechanisms.js';
import { loadMacroTable } from '../parse/macro-table.js';
import { resolveDeployment } from '../transform/deployment.js';
import { hoverAt } from './hover.js';
import type { ByteText } from './positions.js';
import { Project } from './project.js';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, note: DiagnosticSeverity.Information } as const;

interface Options {
  config?: string;
  macros?: string[];
  platform?: string;
  project?: string;
}

export function serveStdio(): Promise<number> {
  const connection = createConnection(process.stdin, process.stdout);
  return new Promise((done) => {
    serve(connection);
    connection.onExit(() => done(0));
    connection.listen();
  });
}

export function serve(connection: Connection): void {
  let root = process.cwd();
  let options: Options = {};
  let project: Project | null = null;
  let loadError: string | null = null;
  const documents = new Map<string, TextDocument>();
  const findings = new Map<string, Finding[]>();

  const pathOf = (uri: string): string | null => {
    if (!uri.startsWith('file:')) return null;
    const rel = toPosix(relative(root, fileURLToPath(uri)));
    return rel.startsWith('..') ? null : rel;
  };
  const uriOf = (path: string): string => pathToFileURL(resolvePath(root, path)).href;

  const ensureProject = (): Project | null => {
    if (project || loadError) return project;
    try {
      const macros = loadMacroTable((options.macros ?? []).map((m) => resolvePath(root, m)));
      const mechanisms = options.config ? loadMechanisms() : null;
      const config = options.config && mechanisms ? loadConfig(resolvePath(root, options.config), { knownDrivers: [...mechanisms.keys()] }) : null;
      const settings = loadProjectFile(root, options.project ? resolvePath(root, options.project) : undefined);
      project = Project.load(root, macros, (libs) => (config && mechanisms ? resolveDeployment(config, libs, mechanisms) : null), {
        selection: selectionFromConfig(config, options.platform ? { platform: options.platform } : {}),
        ...(settings ? { project: settings } : {}),
      });
    } catch (err) {
      loadError = err instanceof Error ? err.message : String(err);
      connection.window.showErrorMessage(`flexos: ${loadError}`);
    }
    return project;
  };

  /**
   * `changed` false: the analysis saw no change, so the last findings stand — unless the edit
   * touched one of their lines (a quick fix quotes the text around its finding).
   */
  const publish = (path: string, changed = true, editedLines: [number, number][] = []): void => {
    const p = ensureProject();
    const doc = p?.document(path);
    if (!p || !doc) return;
    const last = findings.get(path);
    const touched = (f: Finding) => {
      const a = doc.text.position(f.start).line;
      const b = doc.text.position(f.end).line;
      return editedLines.some(([from, to]) => from <= b && a <= to);
    };
    const list = changed || !last || last.some(touched) ? p.check(path) : last;
    findings.set(path, list);
    connection.sendDiagnostics({ uri: uriOf(path), diagnostics: list.map((f) => toLsp(f, doc.text)) });
  };

  /** A handler never takes the server down: an internal error is logged and answered with `fallback`. */
  const guard = <R>(fallback: R, fn: () => R): R => {
    try {
      return fn();
    } catch (err) {
      connection.console.error(`flexos: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return fallback;
    }
  };

  connection.onInitialize((params: InitializeParams) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? null;
    if (folder) root = fileURLToPath(folder);
    else if (params.rootPath) root = params.rootPath;
    options = (params.initializationOptions as Options | undefined) ?? {};
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        hoverProvider: true,
      },
      serverInfo: { name: 'flexos' },
    };
  });

  connection.onInitialized(() => guard(undefined, () => void ensureProject()));

  connection.onDidOpenTextDocument((params) =>
    guard(undefined, () => {
      const doc = TextDocument.create(params.textDocument.uri, params.textDocument.languageId, params.textDocument.version, params.textDocument.text);
      documents.set(doc.uri, doc);
      const path = pathOf(doc.uri);
      const p = ensureProject();
      if (path === null || !p) return;
      p.update(path, doc.getText());
      publish(path);
    }),
  );

  connection.onDidChangeTextDocument((params) =>
    guard(undefined, () => {
      const old = documents.get(params.textDocument.uri);
      if (!old) return;
      const editedLines: [number, number][] = params.contentChanges.map((c) => ('range' in c ? [c.range.start.line, c.range.end.line + (c.text.match(/\n/g)?.length ?? 0)] : [0, Number.MAX_SAFE_INTEGER]));
      const doc = TextDocument.update(old, params.contentChanges, params.textDocument.version);
      documents.set(doc.uri, doc);
      const path = pathOf(doc.uri);
      const p = ensureProject();
      if (path === null || !p) return;
      publish(path, p.update(path, doc.getText()), editedLines);
    }),
  );

  connection.onDidSaveTextDocument(() =>
    guard(undefined, () => {
      const p = ensureProject();
      if (!p) return;
      // the safety net of splicing: every open file's facts read whole, then every file resolved again
      for (const doc of documents.values()) {
        const path = pathOf(doc.uri);
        if (path !== null && p.isOpen(path)) p.update(path, doc.getText(), true);
      }
      p.resolveAll();
      for (const path of p.openPaths()) publish(path);
    }),
  );

  connection.onDidCloseTextDocument((params) =>
    guard(undefined, () => {
      documents.delete(params.textDocument.uri);
      const path = pathOf(params.textDocument.uri);
      if (path === null) return;
      project?.close(path);
      findings.delete(path);
      connection.sendDiagnostics({ uri: params.textDocument.uri, diagnostics: [] });
    }),
  );

  connection.onCodeAction((params) =>
    guard<CodeAction[]>([], () => {
      const path = pathOf(params.textDocument.uri);
      const p = project;
      if (path === null || !p) return [];
      const doc = p.document(path);
      if (!doc) return [];
      const from = doc.text.offset(params.range.start);
      const to = doc.text.offset(params.range.end);
      const actions: CodeAction[] = [];
      for (const f of findings.get(path) ?? []) {
        if (f.fixes.length === 0 || f.end < from || f.start > to) continue;
        for (const fix of f.fixes) {
          const changes: Record<string, LspTextEdit[]> = {};
          let ok = true;
          for (const e of fix.edits) {
            const text = p.bytes(e.file);
            if (!text) {
              ok = false;
              break;
            }
            (changes[uriOf(e.file)] ??= []).push({ range: { start: text.position(e.start), end: text.position(e.end) }, newText: Buffer.from(e.newText, 'latin1').toString('utf8') });
          }
          if (ok) actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [toLsp(f, doc.text)], edit: { changes }, isPreferred: f.fixes.length === 1 });
        }
      }
      return actions;
    }),
  );

  connection.onHover((params) =>
    guard<Hover | null>(null, () => {
      const path = pathOf(params.textDocument.uri);
      const p = project;
      const doc = path !== null ? p?.document(path) : undefined;
      if (path === null || !p || !doc) return null;
      const h = hoverAt(p.analysis(), p.deployment ? compartmentMap(p.deployment) : null, path, doc.text.offset(params.position));
      if (!h) return null;
      return { contents: { kind: 'markdown', value: h.markdown }, range: { start: doc.text.position(h.span.start), end: doc.text.position(h.span.end) } };
    }),
  );
}

function toLsp(f: Finding, text: ByteText): LspDiagnostic {
  return { range: { start: text.position(f.start), end: text.position(Math.max(f.end, f.start)) }, severity: SEVERITY[f.severity], code: f.code, source: 'flexos', message: f.message };
}
