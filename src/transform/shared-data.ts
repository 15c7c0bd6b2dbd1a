import { isWhitelist } from '../analyze/attributes.js';
import type { SharedAllocSite, VariableDecl } from '../analyze/model.js';
import type { FileEdits } from './edits.js';
import type { TargetForms } from './target-forms.js';

export const SHARED_SECTION = '__attribute__((section(".data_shared")))';
/** const data cannot share a section with writable data (gcc: section type conflict); `const volatile` data is writable data to gcc. */
export const SHARED_RO_SECTION = '__attribute__((section(".data_shared.ro")))';

/** A whitelisted global (or static local) moves to the shared section, written before the type. */
export function rewriteWhitelistedStatic(edits: FileEdits, v: VariableDecl): void {
  const whitelist = v.attributes.filter(isWhitelist);
  if (whitelist.length === 0) return;
  if (v.siblingCount > 1 && whitelist.some((a) => a.placement === 'after')) {
    edits.report('whitelist-multi-declarator', 'error', v.nameSpan, `'${v.name}' is whitelisted inside a declaration of ${v.siblingCount} variables; split the declaration so each shared variable has its own`);
    return;
  }
  const section = v.isConst && !v.isVolatile ? SHARED_RO_SECTION : SHARED_SECTION;
  const [first, ...rest] = whitelist;
  if (first!.placement === 'before') {
    if (!edits.code.slice(first!.span.start, first!.span.end).includes('section')) edits.code.overwrite(first!.span.start, first!.span.end, section);
  } else {
    // after-declarator placement has one variable per declaration here (several are refused above)
    removeWithLeadingSpace(edits, first!.span.start, first!.span.end);
    edits.code.prependLeft(v.span.start, `${section} `);
  }
  for (const a of rest) removeWithLeadingSpace(edits, a.span.start, a.span.end);
}

/** Removes an attribute and the blanks that separated it, keeping a line's indentation. */
export function removeWithLeadingSpace(edits: FileEdits, start: number, end: number): void {
  const t = edits.text;
  let s = start;
  while (s > 0 && (t[s - 1] === ' ' || t[s - 1] === '\t')) s--;
  if (s === 0 || t[s - 1] === '\n') {
    // first thing on its line: keep the indentation, drop the blanks after it instead
    let e = end;
    while (e < t.length && (t[e] === ' ' || t[e] === '\t')) e++;
    edits.code.remove(start, e);
    return;
  }
  edits.code.remove(s, end);
}

/**
 * flexos_malloc_whitelist(size, libs…) → the target's shared allocator on (size), and the other
 * variants; with a `group` (shared-groups.ts), the group's allocator on (group, size).
 */
export function rewriteSharedAlloc(edits: FileEdits, site: SharedAllocSite, forms: TargetForms, group?: string): void {
  const form = group && forms.groupAlloc ? { callee: forms.groupAlloc(site.kind), allocatorArgument: group } : forms.sharedAlloc(site.kind);
  edits.code.overwrite(site.calleeSpan.start, site.calleeSpan.end, form.callee);
  const first = site.args[0];
  if (form.allocatorArgument) {
    const open = edits.text.indexOf('(', site.calleeSpan.end);
    edits.code.appendLeft(open + 1, first ? `${form.allocatorArgument}, ` : form.allocatorArgument);
  }
  const lastKept = site.args[site.args.length - 1];
  if (!lastKept || site.libraries.length === 0) return;
  // drop `, libA, libB` up to the closing parenthesis
  const close = edits.text.lastIndexOf(')', site.span.end - 1);
  edits.code.remove(lastKept.span.end, close);
}
