/**
 * `port`: the annotations a careful human porter would write for unported libraries (SPEC §2, §6),
 * as edits of the original text, plus the sites left for a human. Pure over the analysis: the
 * caller reads the tree (analyzeTree with keepParsed) and writes whatever it decides to write.
 */
import { matchLineEndings } from '../line-endings.js';
import type { TreeAnalysis } from '../../analyze/analyze-tree.js';
import type { FileFacts, ResolvedCall } from '../../analyze/model.js';
import { owningLibrary } from '../../analyze/libraries.js';
import { addCallbacks } from './callbacks.js';
import { PortContext } from './context.js';
import { applyGate, gateLibraryName, planGate, stripCasts, wrapLiteral, type GatePlan } from './gates.js';
import { addInclude, hasIsolationInclude } from './include.js';
import { reportMacroBodies, reportMacroExpansions } from './macro-calls.js';
import type { GateDecisionSite, PortResult, PortedFile } from './model.js';
import { positionOf } from '../../analyze/facts.js';
import { applyShareRequests, callbackCalls, shareRequests } from './shared-variables.js';
import { shareCrossingHeap, type HeapCrossing } from './heap.js';
import { transitiveShareRequests } from './transitive-sharing.js';
import { nodeAt } from './syntax.js';

export interface PortOptions {
  /** Library names (`libkvs`) to port; all libraries of the tree when absent. */
  libraries?: readonly string[];
  /**
   * Gate calls whose move would change evaluation order (&&, ?:, comma operands, loop
   * conditions, unsequenced statements) where they stand, inside a GNU statement expression,
   * instead of listing them for a human (SPEC §6 lists them by default).
   */
  inPlaceGates?: boolean;
}

/** Calls port cannot decide alone: reported at the site whatever their reach. */
const REPORTED_CLASSES = new Set(['cross-unexported', 'ambiguous']);

export function portTree(analysis: TreeAnalysis, options: PortOptions = {}): PortResult {
  const chosen = new Set(options.libraries ?? analysis.libraries.map((l) => l.name));
  const ctx = new PortContext(analysis, chosen, options.inPlaceGates ?? false);

  const plans: GatePlan[] = [];
  const refused: { file: string; span: { start: number; end: number }; callee: string }[] = [];
  const macroUses = new Map<string, { facts: FileFacts & { library: string }; call: ResolvedCall; message: string; count: number }>();
  const heap: HeapCrossing[] = [];
  for (const call of analysis.calls) {
    if (!(call.gate?.needed || (REPORTED_CLASSES.has(call.class) && call.gate?.needed !== false))) continue;
    const facts = ctx.index.file(call.file);
    if (!ctx.ported(facts)) continue;
    if (call.calleeLibrary !== null && ctx.includes.shadowing(facts, call.site.callee) === null) heap.push({ facts, site: call.site, target: call.calleeLibrary });
    const plan = planGate(ctx, call);
    if ('reason' in plan && call.class === 'macro' && plan.reason === 'macro-expansion') {
      const key = `${facts.library}\u0000${call.site.callee}`;
      const group = macroUses.get(key);
      if (group) group.count++;
      else macroUses.set(key, { facts, call, message: plan.message, count: 1 });
      refused.push({ file: call.file, span: call.site.span, callee: call.site.callee });
    } else if ('reason' in plan) {
      ctx.report(facts, call.site.span, plan.reason, plan.message, { callee: call.site.callee, inFunction: call.site.inFunction });
      refused.push({ file: call.file, span: call.site.span, callee: call.site.callee });
    } else plans.push(plan);
  }
  const refusedByFile = new Map<string, typeof refused>();
  for (const r of refused) {
    const list = refusedByFile.get(r.file);
    if (list) list.push(r);
    else refusedByFile.set(r.file, [r]);
  }
  // a gate around a call whose argument call is left to a human would change that call's context
  // (a `return` wrapped in a block makes it hoistable): port both by hand, so a second port agrees
  for (let i = plans.length - 1; i >= 0; i--) {
    const plan = plans[i]!;
    const inner = (refusedByFile.get(plan.work.facts.path) ?? []).find((r) => r.span.start >= plan.args.startIndex && r.span.end <= plan.args.endIndex);
    if (!inner) continue;
    plans.splice(i, 1);
    ctx.report(plan.work.facts, { start: plan.call.startIndex, end: plan.call.endIndex }, 'unsequenced', `${plan.callee}() has an argument, ${inner.callee}(), that is left for manual porting; gate both by hand`, { callee: plan.callee, inFunction: plan.caller.name });
  }
  // a macro that cannot be gated is reported once per library, at its first use, with the count
  for (const { facts, call, message, count } of macroUses.values()) {
    ctx.report(facts, call.site.span, 'macro-expansion', `${message}${count > 1 ? ` (${count} uses in ${facts.library}, reported here once)` : ''}`, { callee: call.site.callee, inFunction: call.site.inFunction });
  }
  for (const plan of plans) for (const literal of plan.literals) wrapLiteral(plan.work, literal, plan.caller.name);
  wrapLiteralsOfExistingGates(ctx);
  // inner calls first: a hoisted call carries its arguments' edits along
  plans.sort((a, b) => a.call.endIndex - a.call.startIndex - (b.call.endIndex - b.call.startIndex) || a.call.startIndex - b.call.startIndex);
  for (const plan of plans) {
    if (!plan.work.attempt(() => applyGate(plan))) {
      ctx.report(plan.work.facts, { start: plan.call.startIndex, end: plan.call.endIndex }, 'unparsed', `${plan.callee}() could not be rewritten without disturbing another edit; gate it by hand`, { callee: plan.callee, inFunction: plan.caller.name });
    }
  }

  const requests = shareRequests(ctx);
  applyShareRequests(ctx, [...requests, ...transitiveShareRequests(ctx, requests)]);
  addCallbacks(ctx);
  for (const g of analysis.gates) {
    const facts = ctx.index.file(g.file);
    if (ctx.ported(facts) && g.calleeLibrary !== null && g.calleeLibrary !== facts.library) heap.push({ facts, site: g.site, target: g.calleeLibrary });
  }
  for (const c of callbackCalls(ctx)) heap.push({ facts: c.facts, site: c.site, target: c.libraries.join(', ') });
  shareCrossingHeap(ctx, heap);
  reportMacroBodies(ctx);
  reportMacroExpansions(ctx);
  reportUnparsed(ctx);

  const files: PortedFile[] = [];
  for (const work of ctx.touchedFiles()) {
    if (work.proposals.length === 0) continue;
    if (!hasIsolationInclude(work)) addInclude(work);
    const after = matchLineEndings(work.text, work.code.toString());
    if (after === work.text) continue;
    work.proposals.sort((a, b) => a.span.start - b.span.start || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
    files.push({ path: work.facts.path, library: work.library, before: work.text, after, proposals: work.proposals });
  }
  const manual = ctx.manual.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span.start - b.span.start || (a.reason < b.reason ? -1 : 1)));
  const decisions: GateDecisionSite[] = [];
  for (const call of analysis.calls) {
    const facts = ctx.index.file(call.file);
    if (!call.gate || !ctx.ported(facts)) continue;
    const pos = positionOf(facts, call.site.span.start);
    decisions.push({ file: call.file, line: pos.line, column: pos.column, callee: call.site.callee, domain: call.gate.domain, needed: call.gate.needed, reason: call.gate.reason });
  }
  return { root: analysis.root, libraries: [...chosen].sort(), files, manual, decisions };
}

/** Raw string literals already passed through a gate into another library. */
function wrapLiteralsOfExistingGates(ctx: PortContext): void {
  for (const g of ctx.analysis.gates) {
    const facts = ctx.index.file(g.file);
    if (!ctx.ported(facts)) continue;
    const target = g.calleeLibrary !== null ? gateLibraryName(g.calleeLibrary) : gateLibraryName(g.site.library);
    if (target === gateLibraryName(facts.library)) continue;
    for (const arg of g.site.args) {
      if (arg.kind !== 'string') continue;
      const work = ctx.file(g.file);
      const node = nodeAt(work.parsed.tree.rootNode, arg.span, new Set(['string_literal', 'concatenated_string', 'cast_expression', 'parenthesized_expression']));
      const literal = node ? stripCasts(node) : null;
      if (literal && (literal.type === 'string_literal' || literal.type === 'concatenated_string')) wrapLiteral(work, literal, g.site.inFunction ?? undefined);
    }
  }
}

function reportUnparsed(ctx: PortContext): void {
  for (const facts of ctx.index.files) {
    if (!ctx.ported(facts)) continue;
    for (const region of facts.parseErrors) {
      ctx.report(
        facts,
        region.span,
        'unparsed',
        `tree-sitter could not parse this region${region.inFunction ? ` of ${region.inFunction}()` : ''}; calls and variables in it were not ported — check it by hand (or add the macro that confuses the parser to a --macros table)`,
        { inFunction: region.inFunction },
      );
    }
  }
  for (const d of ctx.analysis.diagnostics) {
    if (d.code !== 'unreadable-file') continue;
    const library = owningLibrary(ctx.analysis.libraries, d.file);
    if (library === null || !ctx.chosen.has(library.name)) continue;
    ctx.manual.push({ file: d.file, library: library.name, line: d.line, column: d.column, span: { start: d.start ?? 0, end: d.end ?? 0 }, reason: 'unparsed', message: `${d.message}; the file was not ported` });
  }
}
