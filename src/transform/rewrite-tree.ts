import type { TreeAnalysis } from '../analyze/analyze-tree.js';
import { positionOf } from '../analyze/facts.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { compareDiagnostics } from '../diagnostics/diagnostic.js';
import { rewriteCallback } from './callbacks.js';
import type { Deployment } from './deployment.js';
import { FileEdits } from './edits.js';
import { EntryTable, pointerMask } from './entries.js';
import type { FileFacts } from '../analyze/model.js';
import { sourceText } from '../analyze/parsed-sources.js';
import type { ParsedSource } from '../parse/parser.js';
import { matchLineEndings } from './line-endings.js';
import { rewriteGate } from './gates.js';
import { rewriteWhitelistedLocals } from './locals.js';
import { rewriteSharedAlloc, rewriteWhitelistedStatic } from './shared-data.js';
import { USERSPACE_FORMS, type TargetForms } from './target-forms.js';
import { groupName, planSharedGroups, type GroupPlan } from './shared-groups.js';

export interface RewrittenFile {
  path: string;
  original: string;
  output: string;
  changed: boolean;
}

export interface TreeRewrite {
  files: RewrittenFile[];
  diagnostics: Diagnostic[];
  /** What other compartments may enter, per compartment (flexos/entries.h, entries.c). */
  entries: EntryTable;
  /** The shared-heap groups with a region of their own (flexos/groups.h, groups.c). */
  groups: GroupPlan;
}

/** Every annotated file of the tree, rewritten for one deployment and target. Pure: no I/O. */
export function rewriteTree(analysis: TreeAnalysis, deployment: Deployment, forms: TargetForms = USERSPACE_FORMS): TreeRewrite {
  const files: RewrittenFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const entries = new EntryTable();
  const isolated = deployment.compartments.length > 1 && deployment.compartments.some((c) => c.mechanism.strength > 0);
  const groups = planSharedGroups(analysis.index.files, analysis.index, deployment, isolated && forms.groupAlloc !== null);
  diagnostics.push(...groups.diagnostics);
  for (const facts of analysis.index.files) {
    // most edits are made from the facts and the text; the tree is parsed (again, when the
    // analysis did not keep it) only for what reads it: whitelisted locals and callbacks
    const text = sourceText(analysis.parsed, facts.path);
    if (text === undefined) continue;
    let parsedFile: ParsedSource | undefined;
    const parsed = (): ParsedSource => (parsedFile ??= analysis.parsed.get(facts.path)!);
    const edits = new FileEdits(facts, text);
    for (const gate of facts.gates) rewriteGate(edits, gate, analysis.index, deployment, forms, forms.entryTables ? entries : undefined);
    for (const g of facts.globals) rewriteWhitelistedStatic(edits, g);
    for (const alloc of facts.sharedAllocs) {
      const group = groups.groupOfSite(facts.path, alloc.span.start);
      rewriteSharedAlloc(edits, alloc, forms, group ? groupName(group.mask) : undefined);
    }
    for (const note of facts.callbacks) {
      const fn = facts.functions.find((f) => f.name === note.function && (note.onPrototype === true || f.attributes.includes(note.attribute)));
      if (fn) rewriteCallback(edits, fn, note, analysis.index, deployment, parsed().view, forms, forms.entryTables ? entries : undefined);
      else edits.report('callback-not-defined-here', 'error', note.attribute.span, `callback attribute on a prototype of '${note.function}', which this file does not define; put the attribute on the definition of '${note.function}'`);
    }
    // locals grouped by function once: filtering all of a file's locals per function is quadratic
    const localsOf = new Map<string | undefined, typeof facts.locals>();
    for (const v of facts.locals) {
      const list = localsOf.get(v.functionName);
      if (list) list.push(v);
      else localsOf.set(v.functionName, [v]);
    }
    let moved = 0;
    for (const fn of facts.functions) {
      const locals = (localsOf.get(fn.name) ?? []).filter((v) => v.nameSpan.start > fn.span.start && v.nameSpan.end < fn.span.end);
      if (locals.some((v) => v.attributes.length > 0)) moved += rewriteWhitelistedLocals(edits, parsed(), fn, locals, deployment.sharing, isolated, forms);
    }
    if (moved > 0 && forms.localsHeader) includeAfterIsolationHeader(edits, forms.localsHeader);
    diagnostics.push(...edits.diagnostics);
    const output = matchLineEndings(text, edits.code.toString());
    files.push({ path: facts.path, original: text, output, changed: output !== text });
  }
  for (const facts of analysis.index.files) enterRewrittenGates(facts, analysis, deployment, entries);
  diagnostics.push(...ungatedCrossCompartmentCalls(analysis, deployment));
  diagnostics.sort(compareDiagnostics);
  return { files, diagnostics, entries, groups };
}

/**
 * Gates a previous rewrite produced (`flexos_<m>_gate[_r](from, to, [ret,] f, a…)` with an
 * isolating <m>) enter the table exactly as the annotated gates they came from did, so that
 * rewriting a rewritten tree regenerates the same entry tables (idempotence).
 */
function enterRewrittenGates(facts: FileFacts, analysis: TreeAnalysis, d: Deployment, entries: EntryTable): void {
  const infixes = new Set(d.compartments.map((c) => c.mechanism.gate).filter((g) => g !== 'nop'));
  for (const call of facts.calls) {
    const m = /^flexos_(\w+?)_gate(_r)?$/.exec(call.callee);
    if (!m || !infixes.has(m[1]!)) continue;
    const [from, to] = [Number(call.args[0]?.text), Number(call.args[1]?.text)];
    const callee = call.args[m[2] ? 3 : 2]?.text ?? '';
    if (!Number.isInteger(from) || !Number.isInteger(to) || !/^[A-Za-z_]\w*$/.test(callee)) continue;
    // a static callee (callback implementation) is defined beside its wrapper
    const def = facts.functions.find((f) => f.name === callee) ?? analysis.index.definitions(callee).find((x) => d.compartmentOf.get(x.library ?? '') === to)?.def ?? analysis.index.definitions(callee)[0]?.def;
    // no definition in the tree (kraft fetches the library): arity from the call, as the first rewrite did
    const arity = def ? def.params.length : call.args.length - (m[2] ? 4 : 3);
    entries.add({ name: callee, compartment: to, arity, pointerArgs: def ? pointerMask(def.params) : 0, viaAlias: def?.linkage === 'static' }, from);
  }
}

/** `#include <header>` right after the file's `#include <flexos/isolation.h>` (else at the top). */
function includeAfterIsolationHeader(edits: FileEdits, header: string): void {
  const line = `#include <${header}>`;
  if (edits.facts.includes.some((i) => i.path === header)) return;
  const isolation = edits.facts.includes.find((i) => i.path === 'flexos/isolation.h');
  if (!isolation) {
    edits.code.prepend(`${line}\n`);
    return;
  }
  const end = isolation.span.end;
  if (edits.text[end - 1] === '\n') edits.code.appendLeft(end, `${line}\n`);
  else edits.code.appendLeft(end, `\n${line}`);
}

/** A plain call into another compartment runs with the caller's rights: it would fault. */
function ungatedCrossCompartmentCalls(analysis: TreeAnalysis, d: Deployment): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const call of analysis.calls) {
    if (!call.gate?.needed) continue;
    const from = d.compartmentOf.get(call.callerLibrary ?? '') ?? d.defaultId;
    const to = d.compartmentOf.get(call.gate.domain) ?? d.defaultId;
    if (from === to) continue;
    const pos = positionOf(analysis.index.file(call.file)!, call.site.span.start);
    out.push({
      code: 'ungated-call',
      severity: 'warning',
      file: call.file,
      line: pos.line,
      column: pos.column,
      start: call.site.span.start,
      end: call.site.span.end,
      message: `call to ${call.site.callee} (${call.gate.domain}, compartment ${to}) from compartment ${from} is not gated, and it needs a gate: ${call.gate.reason}; wrap it in flexos_gate(${call.gate.domain}, …) or run 'flexos port'`,
    });
  }
  return out;
}
