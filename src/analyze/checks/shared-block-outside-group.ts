/**
 * Issue 11: a shared-heap block goes only to the compartments its `flexos_*_whitelist` list
 * names (with the allocating library's): the rewrite gives every other group a region its
 * non-members cannot reach. A block stored in a local and passed, in the same function, through
 * a gate into a library its list leaves out faults there under isolation. Only that direct
 * shape is seen (a block handed on through a struct or a parameter is not followed).
 */
import { resolveLibraryName } from '../library-names.js';
import type { CallArgument, SharedAllocSite } from '../model.js';
import { gateCheck } from './gate-check.js';

/** `p`, `p + n`, `(T *)p`: the variable a pointer argument is based on. */
function pointerBase(arg: CallArgument): string | null {
  if (arg.kind === 'identifier' && arg.binding === 'local' && arg.baseName) return arg.baseName;
  if (arg.kind !== 'other') return null;
  const m = /^\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*[+-]/.exec(arg.text);
  return m ? m[1]! : null;
}

export const sharedBlockOutsideGroup = gateCheck({
  code: 'shared-block-outside-group',
  severity: 'warning',
  summary: 'a shared-heap block passed through a gate into a library its flexos_*_whitelist list does not name',
  origin: 'issue 11',
  deploymentDependent: true,
  gate(g, t, ctx, report) {
    const facts = ctx.facts(g.file);
    const allocs = facts.sharedAllocs.filter((s) => s.assignedTo !== undefined && s.libraries.length > 0 && s.kind !== 'free' && s.kind !== 'pfree' && s.inFunction === g.site.inFunction && s.span.end <= g.site.span.start);
    if (allocs.length === 0) return;
    const target = t.calleeLibrary ?? t.named?.name ?? null;
    const caller = facts.library;
    if (target === null || caller === null || !ctx.crosses(caller, target)) return;
    for (const arg of g.site.args) {
      const name = pointerBase(arg);
      if (name === null) continue;
      // the last allocation stored in that variable before the gate
      let site: SharedAllocSite | undefined;
      for (const s of allocs) if (s.assignedTo === name && (!site || s.span.start > site.span.start)) site = s;
      if (!site) continue;
      const members = [caller, ...site.libraries.map((l) => resolveLibraryName(ctx.index, l.trim())?.library.name ?? l.trim())];
      if (members.some((m) => !ctx.crosses(m, target))) continue;
      const line = ctx.position(g.file, site.span.start).line;
      const close = site.span.end - 1; // the allocation's closing parenthesis
      report(
        g.file,
        arg.span,
        `'${name}' is a shared-heap block of flexos_${site.kind}_whitelist(…, ${site.libraries.map((l) => l.trim()).join(', ')}) (line ${line}), which ${ctx.where(target)} is not in: under isolation its region is not reachable there and ${g.site.callee}() faults on it — add ${target} to the allocation's list`,
        [{ title: `Share the block with ${target}`, edits: [{ file: g.file, start: close, end: close, newText: `, ${target}` }] }],
      );
    }
  },
});
