/** SPEC §7: a region tree-sitter could not read is reported, never silently skipped (found by the analysis). */
import type { Check } from './model.js';

/** Analysis diagnostics `check` passes on: they say where the analysis itself could not see. */
export const ANALYSIS_CODES: readonly { code: string; severity: 'error' | 'warning' | 'note'; summary: string }[] = [
  { code: 'annotation-in-skipped-branch', severity: 'error', summary: 'flexos annotations in an #elif/#else branch the parser could not read with the rest of its group' },
  { code: 'skipped-branch', severity: 'note', summary: 'an #elif/#else branch not analyzed (its #if group splits a construct)' },
  { code: 'unreadable-file', severity: 'error', summary: 'a file that could not be read as C source (binary, unreadable)' },
  { code: 'duplicate-export', severity: 'error', summary: 'two libraries export the same symbol; calls to it cannot be attributed' },
  // entries of the tree whose sources are not analyzed at all (tree-entries.ts)
  { code: 'symlink-loop', severity: 'error', summary: 'a source that is a symbolic link resolving to itself' },
  { code: 'symlink-dangling', severity: 'error', summary: 'a source that is a symbolic link to a missing file' },
  { code: 'symlink-escape', severity: 'error', summary: 'a source that is a symbolic link leaving the tree' },
  { code: 'file-name-not-utf8', severity: 'error', summary: 'a name that is not UTF-8, which cannot be opened by name' },
  { code: 'not-a-regular-file', severity: 'error', summary: 'a FIFO, socket or device named like a C source (or a link to one)' },
];
const TREE_ENTRY_CODES = new Set(['symlink-loop', 'symlink-dangling', 'symlink-escape', 'file-name-not-utf8', 'not-a-regular-file']);
const FROM_ANALYSIS = new Set(['unparsed-region', ...ANALYSIS_CODES.map((c) => c.code)]);

export const unparsedRegion: Check = {
  code: 'unparsed-region',
  severity: 'warning',
  summary: 'region the parser could not read (ERROR node), plus the analysis\'s own findings: annotation-in-skipped-branch, skipped-branch, unreadable-file, duplicate-export',
  origin: 'SPEC §7',
  deploymentDependent: false,
  run(ctx, report) {
    for (const d of ctx.analysis.diagnostics) {
      // a note of the listing (a link to a non-source leaving the tree) is no finding of a check
      if (!FROM_ANALYSIS.has(d.code) || (TREE_ENTRY_CODES.has(d.code) && d.severity === 'note') || !ctx.inScope(d.file)) continue;
      report.analysis(d);
    }
  },
};
