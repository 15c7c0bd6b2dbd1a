/**
 * Heap memory handed to another library: `p = malloc(...)` then `f(p)` into another library (a
 * call being gated, or a callback another library handed in). The buffer must come from the shared
 * heap (`flexos_malloc_whitelist`, SPEC §2); which allocations reach a crossing is a judgement the
 * porter makes, so `port` reports the allocation instead of changing it.
 */
import type { CallArgument, FileFacts, Span } from '../../analyze/model.js';
import { localAt, type PortContext } from './context.js';

const ALLOCATORS = /^(malloc|calloc|realloc|reallocarray|strdup|strndup|memalign|aligned_alloc|posix_memalign|valloc)$/;

export interface HeapCrossing {
  facts: FileFacts;
  /** The call or gate: callee, place and arguments. */
  site: { callee: string; span: Span; args: CallArgument[] };
  /** Library the memory goes to. */
  target: string;
}

export function reportHeapCrossings(ctx: PortContext, crossings: HeapCrossing[]): void {
  const seen = new Set<string>();
  for (const { facts, site, target } of crossings) {
    const fn = facts.functions.find((f) => site.span.start >= f.body.start && site.span.start < f.body.end);
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
      ctx.report(
        facts,
        arg.span,
        'shared-heap',
        `'${name}' points to memory from ${allocator}() and is passed to ${site.callee}(), which runs in ${target}; allocate it from the shared heap (flexos_${allocator === 'calloc' || allocator === 'realloc' ? allocator : 'malloc'}_whitelist(..., ${ctx.index.file(facts.path)?.library ?? 'lib'}) and the matching flexos_free_whitelist) if the other library touches it`,
        { callee: site.callee, inFunction: fn.name },
      );
    }
  }
}

/** `p`, `p + n`, `(T *)p`: the local a pointer argument is based on. */
function pointerBase(arg: CallArgument): string | null {
  if (arg.kind === 'identifier' && arg.binding === 'local' && arg.baseName) return arg.baseName;
  if (arg.kind !== 'other') return null;
  const m = /^\s*(?:\([^()]*\)\s*)?([A-Za-z_]\w*)\s*[+-]/.exec(arg.text);
  return m ? m[1]! : null;
}
