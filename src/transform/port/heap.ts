/**
 * Heap memory handed to another library: `p = malloc(...)` then `f(p)` into another library (a
 * call being gated, or a callback another library handed in). The buffer must come from the shared
 * heap (`flexos_malloc_whitelist`, SPEC §2). Without alias analysis a free cannot be matched to
 * its allocation, so the unit of change is the file: in a file where some libc-heap memory
 * crosses, every malloc/calloc/realloc/free moves to the shared heap (memory allocated and freed
 * in the same file stays consistent; over-sharing is the price). A file that also gets memory
 * from other libc allocators (strdup, …) or frees memory it did not allocate is reported instead.
 */
import { functionContaining } from '../../analyze/scopes.js';
import type { CallArgument, FileFacts, Span } from '../../analyze/model.js';
import { localAt, type PortContext } from './context.js';
import { gateLibraryName } from './gates.js';

const ALLOCATORS = /^(malloc|calloc|realloc|reallocarray|strdup|strndup|memalign|aligned_alloc|posix_memalign|valloc)$/;

export interface HeapCrossing {
  facts: FileFacts;
  /** The call or gate: callee, place and arguments. */
  site: { callee: string; span: Span; args: CallArgument[] };
  /** Library the memory goes to. */
  target: string;
}

export function shareCrossingHeap(ctx: PortContext, crossings: HeapCrossing[]): void {
  const seen = new Set<string>();
  const crossingFiles = new Map<string, { facts: FileFacts; targets: Set<string>; reports: (() => void)[] }>();
  for (const { facts, site, target } of crossings) {
    const fn = functionContaining(facts, site.span.start, 'body');
    if (!fn) continue;
    const parsed = ctx.analysis.parsed.get(facts.path);
    if (!parsed) continue;
    for (const arg of site.args) {
      const name = pointerBase(arg);
      if (name === null) continue;
      const local = localAt(facts, name, arg.span.start);
      if (!local || local.isArray) continue;
      const key = `${facts.path}:${local.nameSpan.start}`;
      if (seen.has(key)) continue;
      const body = parsed.view.slice(fn.body.start, fn.body.end);
      const assigned = new RegExp(String.raw`\b${name}\s*=\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*\(`, 'g');
      let allocator: string | null = null;
      for (const m of body.matchAll(assigned)) if (ALLOCATORS.test(m[1]!)) allocator = m[1]!;
      if (local.initializerSpan) {
        const init = /^\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*\(/.exec(parsed.view.slice(local.initializerSpan.start, local.initializerSpan.end));
        if (init && ALLOCATORS.test(init[1]!)) allocator = init[1]!;
      }
      if (allocator === null) continue;
      seen.add(key);
      let entry = crossingFiles.get(facts.path);
      if (!entry) crossingFiles.set(facts.path, (entry = { facts, targets: new Set(), reports: [] }));
      for (const t of target.split(', ')) entry.targets.add(t);
      entry.reports.push(() => ctx.report(
        facts,
        arg.span,
        'shared-heap',
        `'${name}' points to memory from ${allocator}() and is passed to ${site.callee}(), which runs in ${target}; allocate it from the shared heap (flexos_${allocator === 'calloc' || allocator === 'realloc' ? allocator : 'malloc'}_whitelist(..., ${ctx.index.file(facts.path)?.library ?? 'lib'}) and the matching flexos_free_whitelist) if the other library touches it`,
        { callee: site.callee, inFunction: fn.name },
      ));
    }
  }
  for (const { facts, targets, reports } of crossingFiles.values()) {
    if (!convertFile(ctx, facts, [...targets].sort())) for (const r of reports) r();
  }
}

const CONVERTED: Record<string, { to: string; arity: number }> = {
  malloc: { to: 'flexos_malloc_whitelist', arity: 1 },
  calloc: { to: 'flexos_calloc_whitelist', arity: 2 },
  realloc: { to: 'flexos_realloc_whitelist', arity: 2 },
  free: { to: 'flexos_free_whitelist', arity: 1 },
};
const OTHER_ALLOCATORS = /^(reallocarray|strdup|strndup|asprintf|vasprintf|getline|getdelim|memalign|aligned_alloc|posix_memalign|valloc|realpath|scandir)$/;

/** Every libc heap call of the file to the shared allocator, or false when that is not safe. */
function convertFile(ctx: PortContext, facts: FileFacts, targets: string[]): boolean {
  const calls = facts.calls.filter((c) => !c.indirect);
  if (calls.some((c) => OTHER_ALLOCATORS.test(c.callee))) return false;
  const heapCalls = calls.filter((c) => Object.hasOwn(CONVERTED, c.callee) && c.args.length === CONVERTED[c.callee]!.arity);
  if (!heapCalls.some((c) => c.callee === 'malloc' || c.callee === 'calloc')) return false;
  const work = ctx.file(facts.path);
  const libs = targets.map((t) => gateLibraryName(t)).join(', ');
  return work.attempt(() => {
    for (const c of heapCalls) {
      work.code.overwrite(c.calleeSpan.start, c.calleeSpan.end, CONVERTED[c.callee]!.to);
      work.code.appendLeft(c.span.end - 1, `, ${libs}`);
      if (c.callee !== 'free') work.propose({ kind: 'shared-heap', span: c.span, ...(c.inFunction ? { inFunction: c.inFunction } : {}) });
    }
  });
}

/** `p`, `p + n`, `(T *)p`: the local a pointer argument is based on. */
function pointerBase(arg: CallArgument): string | null {
  if (arg.kind === 'identifier' && arg.binding === 'local' && arg.baseName) return arg.baseName;
  if (arg.kind !== 'other') return null;
  const m = /^\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*[+-]/.exec(arg.text);
  return m ? m[1]! : null;
}
