/**
 * The cross-file step for one file: its calls, gates, function addresses, address arguments and
 * uses of other libraries' globals, resolved against the index. A tree's resolution is the
 * union over its files plus a few tree-wide findings (analyze-tree.ts); an editor re-resolves
 * only the file that changed (src/lsp).
 */
import { positionOf } from './facts.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { TreeIndex } from './index.js';
import type { CallSite, FileFacts, ResolvedCall, ResolvedGate, ResolvedGlobalUse, VariableDecl } from './model.js';
import { addressArguments, fileTables, resolveCall, resolveFunctionRef, resolveGate, type AddressArgument, type ResolvedFunctionRef } from './resolve.js';

export interface FileResolution {
  calls: ResolvedCall[];
  gates: ResolvedGate[];
  functionRefs: ResolvedFunctionRef[];
  addressArguments: AddressArgument[];
  /** Direct uses of another library's globals by this file's code. */
  globalUses: ResolvedGlobalUse[];
  diagnostics: Diagnostic[];
}

export function resolveFile(index: TreeIndex, file: FileFacts): FileResolution {
  const out: FileResolution = { calls: [], gates: [], functionRefs: [], addressArguments: [], globalUses: [], diagnostics: [] };
  for (const site of file.calls) {
    if (isTypedefCast(index, site)) continue;
    const r = resolveCall(index, file, site);
    out.calls.push(r);
    const cross = r.class === 'cross-exported' || r.class === 'cross-unexported';
    out.addressArguments.push(...addressArguments(index, file, site.args, { callSpan: site.span, callee: site.callee, calleeLibrary: r.calleeLibrary, crossLibrary: cross }));
  }
  for (const site of file.gates) {
    const g = resolveGate(index, file, site);
    out.gates.push(g);
    out.addressArguments.push(...addressArguments(index, file, site.args, { callSpan: site.span, callee: site.callee, calleeLibrary: g.calleeLibrary, crossLibrary: true }));
  }
  for (const ref of file.functionRefs) {
    const r = resolveFunctionRef(index, file, ref);
    if (r) out.functionRefs.push(r);
  }
  out.globalUses = directGlobalUses(index, file);
  for (const region of file.parseErrors) {
    out.diagnostics.push({
      code: 'unparsed-region',
      severity: 'warning',
      file: file.path,
      line: region.start.line,
      column: region.start.column,
      start: region.span.start,
      end: region.span.end,
      message: `${region.kind === 'missing' ? 'tree-sitter had to assume a missing token' : 'tree-sitter could not parse this region'}${region.inFunction ? ` in ${region.inFunction}()` : ''}; calls and annotations inside it are not seen — add the offending macro to a --macros table or simplify the code`,
    });
  }
  for (const b of file.skippedBranches) {
    out.diagnostics.push({
      code: b.hasAnnotation ? 'annotation-in-skipped-branch' : 'skipped-branch',
      severity: b.hasAnnotation ? 'error' : 'note',
      file: file.path,
      line: b.start.line,
      column: b.start.column,
      start: b.span.start,
      end: b.span.end,
      message: b.hasAnnotation
        ? 'this #elif/#else branch holds flexos annotations, but its #if group only parses one branch at a time and flexos read the first; restructure the group so each branch is complete C (or move the annotated code out of it)'
        : 'this #elif/#else branch was not analyzed: its #if group splits a construct, so flexos read the first branch only (as with the condition true)',
    });
  }
  // `#ifdef __cplusplus` guards are C++-only by definition: read as a C compiler reads them, no note
  for (const d of file.deadCode ?? []) {
    if (d.reason === '__cplusplus') continue;
    const endLine = positionOf(file, Math.max(d.span.start, d.span.end - 1)).line;
    out.diagnostics.push({
      code: 'dead-code',
      severity: 'note',
      file: file.path,
      line: d.start.line,
      column: 1,
      start: d.span.start,
      end: d.span.end,
      message: `lines ${Math.min(d.start.line + 1, endLine)}-${endLine} are dead code (${d.reason === '#if 1' ? '#else of #if 1' : '#if 0'}): not parsed and not analyzed, as no compiler sees them`,
    });
  }
  return out;
}

/** Names this file's code uses that another library defines as a global variable. */
function directGlobalUses(index: TreeIndex, file: FileFacts): ResolvedGlobalUse[] {
  const user = file.library;
  if (user === null) return [];
  const out: ResolvedGlobalUse[] = [];
  const own = fileTables(file).globals;
  for (const use of file.nameUses) {
    const local = own.get(use.name);
    if (local && local.storage !== 'extern') continue;
    for (const def of index.globalDefinitions(use.name)) {
      if (def.library === null || def.library === user || !ownedDefinition(index, def.file, def.def)) continue;
      out.push({ file: file.path, use, userLibrary: user, ownerFile: def.file, ownerLibrary: def.library, variable: def.def });
    }
  }
  return out;
}

/**
 * Globals used inside a static inline function of their own library's headers, which another
 * library calls: the body runs in the caller's code, so the caller uses the global.
 */
export function inlineGlobalUses(index: TreeIndex, calls: readonly ResolvedCall[]): ResolvedGlobalUse[] {
  const out: ResolvedGlobalUse[] = [];
  const seen = new Set<string>();
  for (const c of calls) {
    if (c.class !== 'inline-header' || c.callerLibrary === null || c.callerLibrary === c.calleeLibrary) continue;
    for (const inline of index.headerInlines(c.site.callee)) {
      const key = `${c.callerLibrary}\u0000${inline.file}\u0000${inline.def.name}`;
      if (seen.has(key) || inline.library === null) continue;
      seen.add(key);
      const facts = index.file(inline.file);
      if (!facts) continue;
      for (const use of facts.nameUses) {
        if (use.span.start < inline.def.body.start || use.span.start >= inline.def.body.end) continue;
        for (const def of index.globalDefinitions(use.name)) {
          if (def.library !== inline.library || def.library === c.callerLibrary || !ownedDefinition(index, def.file, def.def)) continue;
          out.push({
            file: inline.file,
            use,
            userLibrary: c.callerLibrary,
            ownerFile: def.file,
            ownerLibrary: def.library,
            variable: def.def,
            via: { function: inline.def.name, callFile: c.file, callSpan: c.site.span, callNeedsGate: c.gate?.needed === true },
          });
        }
      }
    }
  }
  return out;
}

/**
 * A definition that really gives its library a variable: in a source file (a header's
 * definition is every includer's), outside a region tree-sitter could not parse (where locals
 * can read as file-scope declarations).
 */
function ownedDefinition(index: TreeIndex, file: string, v: VariableDecl): boolean {
  const facts = index.file(file);
  if (!facts || facts.isHeader) return false;
  if (facts.parseErrors.some((e) => e.span.start < v.span.end && Math.max(e.span.end, e.span.start + 1) > v.span.start)) return false;
  // C allows only constant initialisers at file scope: a function call there means a local read out of its function
  const init = v.initializerSpan;
  return !init || !facts.calls.some((c) => c.inFunction === null && c.span.start >= init.start && c.span.end <= init.end && !c.indirect && !index.isMacro(c.callee) && !/^[A-Z_][A-Z0-9_]*$/.test(c.callee));
}

/** `(T)(x)` with T a typedef of the tree: tree-sitter reads a call, C means a cast. */
export function isTypedefCast(index: TreeIndex, site: CallSite): boolean {
  if (!site.indirect) return false;
  const m = /^\(\s*([A-Za-z_]\w*)\s*\)$/.exec(site.callee);
  return m !== null && index.isTypedef(m[1]!);
}
