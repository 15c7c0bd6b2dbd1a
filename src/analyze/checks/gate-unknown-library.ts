/**
 * SPEC §7 (gate naming): the gate's library argument names no library of the tree. A warning, as
 * `rewrite` says it: kraft (and so flexos) sends such a gate to the default compartment.
 */
import { gateName } from './context.js';
import { gateCheck } from './gate-check.js';

export const gateUnknownLibrary = gateCheck({
  code: 'gate-unknown-library',
  severity: 'warning',
  summary: 'gate names a library the tree does not have',
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, t, ctx, report) {
    if (t.named !== null) return;
    const site = g.site;
    const fix = t.calleeLibrary !== null ? gateName(t.calleeLibrary) : null;
    report(
      g.file,
      site.librarySpan,
      `gate names '${site.library}', which is neither a library of the tree nor one the configuration names (rewrite sends it to the default compartment); ${fix ? `${site.callee}() is defined in ${t.calleeLibrary}: write ${fix}` : `fix the name (known: ${ctx.index.libraries.map((l) => l.name).concat([...ctx.index.aliases.keys()]).sort().join(', ')}), or add the library under the configuration's libraries:`}`,
      fix ? [{ title: `Name ${fix}`, edits: [{ file: g.file, start: site.librarySpan.start, end: site.librarySpan.end, newText: fix }] }] : [],
    );
  },
});
