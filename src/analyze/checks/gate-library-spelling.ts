/** Issue 9: a gate library written the sloppy way FlexOS's own tree does (`uklock`, `liblock` for `libuklock`). */
import { gateCheck } from './gate-check.js';

export const gateLibrarySpelling = gateCheck({
  code: 'gate-library-spelling',
  severity: 'warning',
  summary: "gate library misspelled the way FlexOS's tree does (uklock, liblock for libuklock)",
  origin: 'issue 9',
  deploymentDependent: false,
  gate(g, t, _ctx, report) {
    if (!t.misspelled || t.named === null) return;
    const right = t.named.name;
    report(g.file, g.site.librarySpan, `gate names '${g.site.library}'; the library is ${right} (its Makefile.uk name) — write ${right}`, [
      { title: `Write ${right}`, edits: [{ file: g.file, start: g.site.librarySpan.start, end: g.site.librarySpan.end, newText: right }] },
    ]);
  },
});
