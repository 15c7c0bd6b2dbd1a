/**
 * `flexos check` output: gcc-style lines (editors' quickfix lists and CI logs parse them), the
 * JSON document of docs/check-json.md, and SARIF 2.1.0 (code-scanning services).
 */
import { pathToFileURL } from 'node:url';
import type { Finding } from '../analyze/checks/model.js';
import { CHECKS } from '../analyze/checks/index.js';
import { ANALYSIS_CODES } from '../analyze/checks/unparsed-region.js';
import { formatDiagnostic } from '../diagnostics/diagnostic.js';

export type Position = (file: string, offset: number) => { line: number; column: number };

export interface CheckReport {
  root: string;
  configuration: string | null;
  files: number;
  findings: Finding[];
  suppressed: number;
  /** Findings the baseline already had (not in `findings`). */
  baselined: number;
}

export function renderGcc(r: CheckReport): string {
  return r.findings.map((f) => formatDiagnostic(f) + '\n').join('');
}

/** One line for stderr: what was checked and what was found. */
export function renderTotals(r: CheckReport): string {
  const by = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const extra = [r.suppressed > 0 ? `${r.suppressed} suppressed` : '', r.baselined > 0 ? `${r.baselined} in the baseline` : ''].filter((x) => x).join(', ');
  return `flexos check: ${r.files} files, ${by('error')} errors, ${by('warning')} warnings, ${by('note')} notes${extra ? ` (${extra})` : ''}\n`;
}

export const CHECK_JSON_VERSION = 1;

export function renderJson(r: CheckReport, position: Position): string {
  const byCode: Record<string, number> = {};
  for (const f of r.findings) byCode[f.code] = (byCode[f.code] ?? 0) + 1;
  const doc = {
    version: CHECK_JSON_VERSION,
    tool: 'flexos check',
    root: r.root,
    configuration: r.configuration,
    summary: {
      files: r.files,
      findings: r.findings.length,
      errors: r.findings.filter((f) => f.severity === 'error').length,
      warnings: r.findings.filter((f) => f.severity === 'warning').length,
      notes: r.findings.filter((f) => f.severity === 'note').length,
      suppressed: r.suppressed,
      baselined: r.baselined,
      byCode: Object.fromEntries(Object.entries(byCode).sort(([a], [b]) => (a < b ? -1 : 1))),
    },
    findings: r.findings.map((f) => {
      const end = position(f.file, f.end);
      return {
        code: f.code,
        severity: f.severity,
        file: f.file,
        line: f.line,
        column: f.column,
        endLine: end.line,
        endColumn: end.column,
        message: f.message,
        fixes: f.fixes.map((x) => ({
          title: x.title,
          edits: x.edits.map((e) => {
            const s = position(e.file, e.start);
            const t = position(e.file, e.end);
            return { file: e.file, line: s.line, column: s.column, endLine: t.line, endColumn: t.column, newText: e.newText };
          }),
        })),
      };
    }),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const LEVEL = { error: 'error', warning: 'warning', note: 'note' } as const;

/** Rules: every check, then the analysis's own codes (`check` passes them on). */
export function sarifRules(): { id: string; severity: 'error' | 'warning' | 'note'; summary: string }[] {
  return [...CHECKS.map((c) => ({ id: c.code, severity: c.severity, summary: c.summary })), ...ANALYSIS_CODES.map((c) => ({ id: c.code, severity: c.severity, summary: c.summary }))];
}

export function renderSarif(r: CheckReport, position: Position, version: string): string {
  const rules = sarifRules();
  const ruleIndex = new Map(rules.map((x, i) => [x.id, i]));
  const region = (file: string, start: number, end: number) => {
    const s = position(file, start);
    const e = position(file, end);
    return { startLine: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column };
  };
  const artifact = (file: string) => ({ uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' });
  const root = pathToFileURL(r.root.endsWith('/') ? r.root : r.root + '/').href;
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'flexos',
            version,
            rules: rules.map((x) => ({ id: x.id, shortDescription: { text: x.summary }, defaultConfiguration: { level: LEVEL[x.severity] } })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: root } },
        columnKind: 'unicodeCodePoints',
        results: r.findings.map((f) => ({
          ruleId: f.code,
          ...(ruleIndex.has(f.code) ? { ruleIndex: ruleIndex.get(f.code)! } : {}),
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [{ physicalLocation: { artifactLocation: artifact(f.file), region: region(f.file, f.start, f.end) } }],
          ...(f.fixes.length > 0
            ? {
                fixes: f.fixes.map((x) => ({
                  description: { text: x.title },
                  artifactChanges: [...new Set(x.edits.map((e) => e.file))].map((file) => ({
                    artifactLocation: artifact(file),
                    replacements: x.edits.filter((e) => e.file === file).map((e) => ({ deletedRegion: region(file, e.start, e.end), insertedContent: { text: e.newText } })),
                  })),
                })),
              }
            : {}),
        })),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
