/** SPEC §7: a region tree-sitter could not read is reported, never silently skipped (found by the analysis). */
import type { Check } from './model.js';

/** Analysis diagnostics `check` passes on: they say where the analysis itself could not see. */
export const ANALYSIS_CODES: readonly { code: string; severity: 'error' | 'warning' | 'note'; summary: string }[] = [
  { code: 'annotation-in-skipped-branch', severity: 'error', summary: 'flexos annotations in an #elif/#else branch the parser could not read with the rest of its group' },
  { code: 'skipped-branch', severity: 'note', summary: 'an #elif/#else branch not analyzed (its #if group splits a construct)' },
  { code: 'unreadable-file', severity: 'error', summary: 'a file that could not be read as C source (binary, unreadable)' },
  { code: 'duplicate-export', severity: 'error', summary: 'two libraries export the same symbol; calls to it cannot be attributed' },
];
const FROM_ANALYSIS = new Set(['unparsed-region', ...ANALYSIS_CODES.map((c) => c.code)]);

export const unparsedRegion: Check = {
  code: 'unparsed-region',
  severity: 'warning',
  summary: 'region the parser could not read (ERROR node), plus the analysis\'s own findings: annotation-in-skipped-branch, skipped-branch, unreadable-file, duplicate-export',
  origin: 'SPEC §7',
  deploymentDependent: false,
  run(ctx, report) {
    for (const d of ctx.analysis.diagnostics) {
      if (!FROM_ANALYSIS.has(d.code) || !ctx.inScope(d.file)) continue;
      report.analysis(d);
    }
  },
};
