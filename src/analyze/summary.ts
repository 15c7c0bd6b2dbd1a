import { isWhitelist, sharedSection } from './attributes.js';
import type { TreeAnalysis } from './analyze-tree.js';
import { positionOf } from './facts.js';
import type { CallClass } from './model.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface LibrarySummary {
  name: string;
  shortName: string;
  dir: string;
  declaredBy: string;
  exportsFrom: 'exportsyms.uk' | 'all-non-static';
  files: number;
  lines: number;
  functions: number;
  staticFunctions: number;
  exported: number;
  globals: number;
  /** With `--config`: where the deployment places the library. */
  compartment?: { id: number; name: string; mechanism: string };
  /** Named by the configuration, not in the tree (kraft fetches it). */
  absent?: boolean;
}

/** The build the tree was analysed for. */
export interface BuildSummary {
  architecture: string;
  platform: string;
  libc: string;
  /** `libukplat` → …, `libc` → … */
  aliases: Record<string, string>;
  /** Directories left out: other platforms and architectures, host tools, an unused libc. */
  inactive: { dir: string; library?: string; reason: string }[];
}

export interface CrossCallCell {
  from: string;
  to: string;
  /** Ungated calls into exported functions. */
  exported: number;
  /** Ungated calls into functions the callee library does not export. */
  unexported: number;
  /** flexos_gate / flexos_gate_r sites naming the callee's library. */
  gates: number;
}

export interface AnnotationCounts {
  library: string;
  gate: number;
  gateR: number;
  whitelistedGlobalsBefore: number;
  whitelistedGlobalsAfter: number;
  whitelistedLocals: number;
  sharedSectionGlobals: number;
  sharedAllocations: number;
  sharedLiterals: number;
  callbacks: number;
  includesIsolationHeader: number;
}

export interface FunctionAddress {
  function: string;
  library: string | null;
  handedTo: string | null;
  file: string;
  line: number;
  column: number;
}

export interface UnparsedRegion {
  file: string;
  line: number;
  column: number;
  length: number;
  kind: 'error' | 'missing';
  inFunction: string | null;
}

/** The JSON document of `flexos analyze --json` (documented in docs/analyze-json.md). */
export interface AnalysisSummary {
  version: 1;
  root: string;
  files: number;
  lines: number;
  build: BuildSummary;
  libraries: LibrarySummary[];
  callClasses: Record<CallClass, number>;
  crossCalls: CrossCallCell[];
  annotations: AnnotationCounts[];
  functionAddresses: FunctionAddress[];
  addressArguments: { crossLibrary: number; total: number };
  unparsed: UnparsedRegion[];
  diagnostics: Diagnostic[];
}

const CALL_CLASSES: CallClass[] = ['intra', 'inline-header', 'cross-exported', 'cross-unexported', 'ambiguous', 'macro', 'external', 'indirect'];

export function summarize(a: TreeAnalysis): AnalysisSummary {
  const files = a.index.files;
  const libraries: LibrarySummary[] = a.libraries
    .map((lib) => {
      const own = files.filter((f) => f.library === lib.name);
      return {
        name: lib.name,
        shortName: lib.shortName,
        dir: lib.dir,
        declaredBy: lib.declaredBy,
        exportsFrom: lib.exportsyms === null ? ('all-non-static' as const) : ('exportsyms.uk' as const),
        files: own.length,
        lines: own.reduce((n, f) => n + f.lineCount, 0),
        functions: own.reduce((n, f) => n + f.functions.filter((fn) => fn.linkage === 'extern').length, 0),
        staticFunctions: own.reduce((n, f) => n + f.functions.filter((fn) => fn.linkage === 'static').length, 0),
        exported: a.index.exports(lib.name).size,
        globals: own.reduce((n, f) => n + f.globals.filter((g) => g.storage !== 'extern').length, 0),
        ...(lib.absent ? { absent: true } : {}),
      };
    })
    .sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const callClasses = Object.fromEntries(CALL_CLASSES.map((c) => [c, 0])) as Record<CallClass, number>;
  const cells = new Map<string, CrossCallCell>();
  const cell = (from: string, to: string): CrossCallCell => {
    const key = `${from}\u0000${to}`;
    let c = cells.get(key);
    if (!c) {
      c = { from, to, exported: 0, unexported: 0, gates: 0 };
      cells.set(key, c);
    }
    return c;
  };
  for (const call of a.calls) {
    callClasses[call.class]++;
    if (call.callerLibrary === null || call.calleeLibrary === null) continue;
    if (call.class === 'cross-exported') cell(call.callerLibrary, call.calleeLibrary).exported++;
    if (call.class === 'cross-unexported') cell(call.callerLibrary, call.calleeLibrary).unexported++;
  }
  for (const g of a.gates) {
    if (g.callerLibrary !== null) cell(g.callerLibrary, g.site.library).gates++;
  }
  const annotations: AnnotationCounts[] = libraries.map((lib) => {
    const own = files.filter((f) => f.library === lib.name);
    const count = (pick: (f: (typeof own)[number]) => number): number => own.reduce((n, f) => n + pick(f), 0);
    return {
      library: lib.name,
      gate: count((f) => f.gates.filter((g) => g.kind === 'gate').length),
      gateR: count((f) => f.gates.filter((g) => g.kind === 'gate_r').length),
      whitelistedGlobalsBefore: count((f) => f.globals.filter((g) => g.attributes.some((x) => isWhitelist(x) && x.placement === 'before')).length),
      whitelistedGlobalsAfter: count((f) => f.globals.filter((g) => g.attributes.some((x) => isWhitelist(x) && x.placement === 'after')).length),
      whitelistedLocals: count((f) => f.locals.filter((v) => v.attributes.some(isWhitelist)).length),
      sharedSectionGlobals: count((f) => f.globals.filter((g) => g.attributes.some(sharedSection)).length),
      sharedAllocations: count((f) => f.sharedAllocs.filter((s) => s.kind !== 'free' && s.kind !== 'pfree').length),
      sharedLiterals: count((f) => f.sharedLiterals.length),
      callbacks: count((f) => f.callbacks.length),
      includesIsolationHeader: count((f) => (f.includes.some((i) => i.path === 'flexos/isolation.h') ? 1 : 0)),
    };
  });
  const functionAddresses: FunctionAddress[] = a.functionRefs.map((r) => {
    const pos = positionOf(a.index.file(r.file)!, r.ref.span.start);
    return { function: r.ref.name, library: r.library, handedTo: r.handedTo, file: r.file, line: pos.line, column: pos.column };
  });
  const unparsed: UnparsedRegion[] = files.flatMap((f) =>
    f.parseErrors.map((e) => ({ file: f.path, line: e.start.line, column: e.start.column, length: e.span.end - e.span.start, kind: e.kind, inFunction: e.inFunction })),
  );
  return {
    version: 1,
    root: a.root,
    files: files.length,
    lines: a.totalLines,
    build: { ...a.build.target, aliases: Object.fromEntries([...a.build.aliases].sort()), inactive: a.build.inactive },
    libraries,
    callClasses,
    crossCalls: [...cells.values()].sort((x, y) => (x.from + '\u0000' + x.to < y.from + '\u0000' + y.to ? -1 : 1)),
    annotations,
    functionAddresses,
    addressArguments: { crossLibrary: a.addressArguments.filter((x) => x.crossLibrary).length, total: a.addressArguments.length },
    unparsed,
    diagnostics: a.diagnostics,
  };
}
