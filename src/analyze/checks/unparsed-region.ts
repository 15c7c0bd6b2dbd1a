/** SPEC §7: a region tree-sitter could not read is reported, never silently skipped (found by the analysis). */
import type { Check } from './model.js';

/** Analysis diagnostics `check` passes on: they say where the analysis itself could not see. */
const FROM_ANALYSIS = new Set(['unparsed-region', 'annotation-in-skipped-branch', 'skipped-branch', 'unreadable-file', 'duplicate-export']);

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
