/**
 * Baselines: CI fails only on findings that are new. A finding's fingerprint is its code, file
 * and the trimmed text of its line — not the line number, so edits elsewhere in the file keep
 * old findings matched. Equal fingerprints are counted (two identical lines, two entries).
 */
import type { Finding } from './model.js';

export interface BaselineFile {
  version: 1;
  tool: 'flexos check';
  findings: { code: string; file: string; text: string; count: number }[];
}

export function fingerprint(f: Finding, lineText: string): string {
  return `${f.code}\u0000${f.file}\u0000${lineText.trim()}`;
}

export function makeBaseline(findings: readonly Finding[], lineText: (f: Finding) => string): BaselineFile {
  const counts = new Map<string, { code: string; file: string; text: string; count: number }>();
  for (const f of findings) {
    const text = lineText(f).trim();
    const key = fingerprint(f, text);
    const entry = counts.get(key) ?? { code: f.code, file: f.file, text, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  const list = [...counts.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  return { version: 1, tool: 'flexos check', findings: list };
}

/** Findings not covered by the baseline (each baseline entry absorbs up to `count` findings). */
export function newFindings(findings: readonly Finding[], baseline: BaselineFile, lineText: (f: Finding) => string): { fresh: Finding[]; known: number } {
  const budget = new Map<string, number>();
  for (const e of baseline.findings) budget.set(`${e.code}\u0000${e.file}\u0000${e.text.trim()}`, (budget.get(`${e.code}\u0000${e.file}\u0000${e.text.trim()}`) ?? 0) + e.count);
  const fresh: Finding[] = [];
  let known = 0;
  for (const f of findings) {
    const key = fingerprint(f, lineText(f));
    const left = budget.get(key) ?? 0;
    if (left > 0) {
      budget.set(key, left - 1);
      known++;
    } else fresh.push(f);
  }
  return { fresh, known };
}

/** Reads a parsed baseline document; null when its shape is not one. */
export function asBaseline(value: unknown): BaselineFile | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<BaselineFile>;
  if (v.version !== 1 || !Array.isArray(v.findings)) return null;
  for (const e of v.findings) {
    if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || typeof e.file !== 'string' || typeof e.text !== 'string' || typeof e.count !== 'number') return null;
  }
  return v as BaselineFile;
}
