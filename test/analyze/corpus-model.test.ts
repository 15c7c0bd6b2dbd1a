/**
 * The library model of the bundled corpus equals corpus/MANIFEST.md, which was counted by hand.
 * Every expected number and name below is copied from MANIFEST.md (or read off the source lines
 * named next to it); nothing is derived from the code under test.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeTree, type TreeAnalysis } from '../../src/analyze/analyze-tree.js';
import { isWhitelist, sharedSection } from '../../src/analyze/attributes.js';
import { positionOf } from '../../src/analyze/facts.js';
import type { CallClass, FileFacts } from '../../src/analyze/model.js';
import { summarize, type AnalysisSummary } from '../../src/analyze/summary.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';

const CORPUS = fileURLToPath(new URL('../../corpus/', import.meta.url));

let ported: TreeAnalysis;
let vanilla: TreeAnalysis;
let portedSummary: AnalysisSummary;
let vanillaSummary: AnalysisSummary;

beforeAll(() => {
  const macros = loadMacroTable();
  ported = analyzeTree(CORPUS + 'ported', { macros });
  vanilla = analyzeTree(CORPUS + 'vanilla', { macros });
  portedSummary = summarize(ported);
  vanillaSummary = summarize(vanilla);
});

function readCorpus(rel: string): string {
  return readFileSync(CORPUS + rel, 'latin1');
}

const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort();

/** `file:line` of an offset. */
function where(a: TreeAnalysis, file: string, offset: number): string {
  return `${file}:${positionOf(a.index.file(file)!, offset).line}`;
}

function filesOf(a: TreeAnalysis, library: string): FileFacts[] {
  return a.index.files.filter((f) => f.library === library);
}

// MANIFEST "Libraries (ported form)"
const LIBRARIES: Record<string, { dir: string; macro: string; exports: string[] | 'none' }> = {
  libukbase: { dir: 'ukbase', macro: 'addlib', exports: [] },
  liblinuxuplat: {
    dir: 'linuxuplat',
    macro: 'addplatlib',
    exports: ['ukplat_monotonic_clock', 'ukplat_time_elapsed_ns', 'ukplat_random_seed', 'ukplat_random_u64', 'ukplat_random_range', 'ukplat_random_fill'],
  },
  libukalloc: { dir: 'ukalloc', macro: 'addlib_s', exports: ['uk_alloc_register', 'uk_alloc_update', 'uk_alloc_total', 'uk_alloc_dump'] },
  libuklock: {
    dir: 'uklock',
    macro: 'addlib_s',
    exports: ['uk_mutex_create', 'uk_mutex_lock', 'uk_mutex_unlock', 'uk_mutex_trylock', 'uk_mutex_stats', 'uk_workq_post', 'uk_workq_run', 'uk_workq_pending', 'uk_workq_stats'],
  },
  libukconsole: { dir: 'ukconsole', macro: 'addlib', exports: ['uk_console_loglevel', 'uk_console_write', 'uk_console_log', 'uk_console_hexdump'] },
  libukhash: { dir: 'ukhash', macro: 'addlib_s', exports: 'none' },
  libramfs: {
    dir: 'ramfs',
    macro: 'addlib_s',
    exports: ['ramfs_init', 'ramfs_open', 'ramfs_read', 'ramfs_write', 'ramfs_lseek', 'ramfs_close', 'ramfs_unlink', 'ramfs_mkdir', 'ramfs_stat', 'ramfs_readdir', 'ramfs_publish_stats'],
  },
  libkvs: {
    dir: 'kvs',
    macro: 'addlib_s',
    exports: [
      'kvs_stats', 'kvs_init', 'kvs_put', 'kvs_get', 'kvs_del', 'kvs_count', 'kvs_clear', 'kvs_foreach', 'kvs_digest',
      'kvs_snapshot', 'kvs_restore', 'kvs_snapshot_async', 'kvs_async_status', 'kvs_snapshot_list', 'kvs_publish_stats',
    ],
  },
  libapp: { dir: 'app', macro: 'addlib', exports: ['main'] },
};
/** ukhash has no exportsyms.uk: every non-static symbol counts as exported. */
const UKHASH_ALL_NON_STATIC = ['ukhash_crc32', 'ukhash_crc32_table', 'ukhash_mix64', 'ukhash_fmix64'];
const EXPORT_COUNTS: Record<string, number> = { libukbase: 0, liblinuxuplat: 6, libukalloc: 4, libuklock: 9, libukconsole: 4, libukhash: 4, libramfs: 11, libkvs: 15, libapp: 1 };

// MANIFEST "Non-static but not exported"
const INTERNAL: Record<string, string[]> = {
  libukalloc: ['uk_alloc_reg_get', 'uk_alloc_reg_count'],
  libuklock: ['uklock_mutex_get', 'uklock_workq_counters'],
  libukconsole: ['uk_console_emit', 'uk_console_lock', 'uk_console_unlock'],
  libramfs: ['ramfs_lock', 'ramfs_unlock', 'ramfs_node_new', 'ramfs_node_release', 'ramfs_node_destroy', 'ramfs_walk', 'ramfs_lookup', 'ramfs_file_read', 'ramfs_file_write', 'ramfs_file_truncate', 'ramfs_dir_count', 'ramfs_heap'],
  libkvs: ['kvs_lock', 'kvs_unlock', 'kvs_table_size', 'kvs_table_next', 'kvs_table_insert', 'kvs_table_reset', 'kvs_heap'],
  libapp: ['app_info', 'app_out', 'app_init', 'app_workload_run', 'app_bench', 'app_op_names'],
};

// MANIFEST "Gates (ported form), per caller → callee library": [gate, gate_r, callee functions]
const GATES: Record<string, [number, number, string]> = {
  'libapp>libkvs': [2, 14, 'kvs_init r1, kvs_publish_stats g1, kvs_clear g1, kvs_put r1, kvs_get r1, kvs_del r1, kvs_count r2, kvs_foreach r1, kvs_digest r2, kvs_snapshot r1, kvs_snapshot_async r1, kvs_async_status r1, kvs_snapshot_list r1, kvs_restore r1'],
  'libapp>liblinuxuplat': [2, 6, 'ukplat_monotonic_clock r1, ukplat_time_elapsed_ns r1, ukplat_random_seed g1, ukplat_random_range r3, ukplat_random_fill g1, ukplat_random_u64 r1'],
  'libapp>libramfs': [9, 9, 'ramfs_init r1, ramfs_mkdir r2, ramfs_publish_stats g1, ramfs_unlink g3, ramfs_stat r1, ramfs_open r2, ramfs_read r2, ramfs_write r1, ramfs_close g4, ramfs_lseek g1'],
  'libapp>libukalloc': [1, 1, 'uk_alloc_dump g1, uk_alloc_total r1'],
  'libapp>libukconsole': [3, 0, 'uk_console_log g1, uk_console_write g1, uk_console_hexdump g1'],
  'libapp>libukhash': [0, 5, 'ukhash_mix64 r1, ukhash_crc32 r4'],
  'libapp>libuklock': [2, 2, 'uk_workq_stats g1, uk_workq_post g1, uk_workq_run r1, uk_workq_pending r1'],
  'libkvs>libramfs': [2, 6, 'ramfs_write r1, ramfs_open r2, ramfs_read r2, ramfs_readdir r1, ramfs_close g2'],
  'libkvs>libukalloc': [0, 2, 'uk_alloc_register r1, uk_alloc_update r1'],
  'libkvs>libukhash': [0, 4, 'ukhash_crc32 r4'],
  'libkvs>libuklock': [2, 2, 'uk_mutex_lock g1, uk_mutex_unlock g1, uk_mutex_create r1, uk_workq_post r1'],
  'libramfs>libukalloc': [0, 2, 'uk_alloc_register r1, uk_alloc_update r1'],
  'libramfs>libuklock': [2, 1, 'uk_mutex_lock g1, uk_mutex_unlock g1, uk_mutex_create r1'],
  'libukalloc>libukconsole': [1, 0, 'uk_console_write g1'],
};

// MANIFEST "Cross-library calls in the vanilla form"
const VANILLA_CROSS: Record<string, number> = {
  'libapp>libkvs': 16,
  'libapp>liblinuxuplat': 8,
  'libapp>libramfs': 18,
  'libapp>libukalloc': 2,
  'libapp>libukconsole': 3,
  'libapp>libukhash': 5,
  'libapp>libuklock': 4,
  'libkvs>libramfs': 8,
  'libkvs>libukalloc': 2,
  'libkvs>libukhash': 4,
  'libkvs>libuklock': 4,
  'libramfs>libukalloc': 2,
  'libramfs>libuklock': 3,
  'libukalloc>libukconsole': 1,
};

/** 'kvs_count r2, kvs_clear g1' → { 'kvs_count r': 2, 'kvs_clear g': 1 } */
function calleeTable(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of text.split(',')) {
    const m = /^\s*(\w+) ([gr])(\d+)\s*$/.exec(item)!;
    out[`${m[1]} ${m[2]}`] = Number(m[3]);
  }
  return out;
}

describe('libraries (both forms)', () => {
  for (const form of ['ported', 'vanilla'] as const) {
    test(`${form}: nine libraries with their directory, Makefile macro and exports`, () => {
      const a = form === 'ported' ? ported : vanilla;
      expect(sorted(a.libraries.map((l) => l.name))).toEqual(sorted(Object.keys(LIBRARIES)));
      for (const lib of a.libraries) {
        const expected = LIBRARIES[lib.name]!;
        expect({ name: lib.name, dir: lib.dir, macro: lib.declaredBy, short: lib.shortName }).toEqual({
          name: lib.name,
          dir: expected.dir,
          macro: expected.macro,
          short: expected.dir,
        });
        if (expected.exports === 'none') {
          expect(lib.exportsyms).toBeNull();
          expect(sorted(a.index.exports(lib.name))).toEqual(sorted(UKHASH_ALL_NON_STATIC));
        } else {
          expect(lib.exportsyms).not.toBeNull();
          expect(sorted(lib.exportsyms!)).toEqual(sorted(expected.exports));
          expect(sorted(a.index.exports(lib.name))).toEqual(sorted(expected.exports));
        }
        expect(a.index.exports(lib.name).size).toBe(EXPORT_COUNTS[lib.name]);
      }
      // exactly one library lacks exportsyms.uk
      expect(a.libraries.filter((l) => l.exportsyms === null).map((l) => l.name)).toEqual(['libukhash']);
      const s = form === 'ported' ? portedSummary : vanillaSummary;
      expect(Object.fromEntries(s.libraries.map((l) => [l.name, l.exported]))).toEqual(EXPORT_COUNTS);
      expect(s.libraries.find((l) => l.name === 'libukhash')!.exportsFrom).toBe('all-non-static');
      expect(s.libraries.filter((l) => l.exportsFrom === 'all-non-static')).toHaveLength(1);
    });

    test(`${form}: file and line totals; internal helpers are defined but not exported`, () => {
      const a = form === 'ported' ? ported : vanilla;
      // MANIFEST "Size": 22 .c + 20 .h; vanilla 3776 lines, ported 3878
      expect(a.index.files.filter((f) => !f.isHeader)).toHaveLength(22);
      expect(a.index.files.filter((f) => f.isHeader)).toHaveLength(20);
      expect(a.totalLines).toBe(form === 'ported' ? 3878 : 3776);
      for (const [lib, names] of Object.entries(INTERNAL)) {
        for (const name of names) {
          const defined = a.index.definitions(name).length + a.index.globalDefinitions(name).length;
          expect({ name, defined: defined > 0, exported: a.index.exports(lib).has(name) }).toEqual({ name, defined: true, exported: false });
        }
      }
    });

    test(`${form}: zero unparsed regions`, () => {
      const a = form === 'ported' ? ported : vanilla;
      const s = form === 'ported' ? portedSummary : vanillaSummary;
      expect(s.unparsed).toEqual([]);
      expect(a.index.files.flatMap((f) => f.parseErrors)).toEqual([]);
      expect(a.diagnostics).toEqual([]);
    });
  }

  test('UK_SYSCALL_R_DEFINE defines 7 functions, all in ramfs/syscalls.c', () => {
    for (const a of [ported, vanilla]) {
      const defined = a.index.files.flatMap((f) => f.functions.filter((fn) => fn.viaMacro === 'UK_SYSCALL_R_DEFINE').map((fn) => `${f.path} ${fn.name}`));
      expect(sorted(defined)).toEqual(sorted(['ramfs_open', 'ramfs_read', 'ramfs_write', 'ramfs_lseek', 'ramfs_close', 'ramfs_unlink', 'ramfs_mkdir'].map((n) => `ramfs/syscalls.c ${n}`)));
    }
  });
});

describe('vanilla form: cross-library calls', () => {
  test('caller→callee matrix of class cross-exported equals the manifest (80 calls)', () => {
    const matrix: Record<string, number> = {};
    for (const c of vanilla.calls.filter((c) => c.class === 'cross-exported')) {
      const key = `${c.callerLibrary}>${c.calleeLibrary}`;
      matrix[key] = (matrix[key] ?? 0) + 1;
    }
    expect(matrix).toEqual(VANILLA_CROSS);
    expect(vanillaSummary.callClasses['cross-exported']).toBe(80);
    expect(vanillaSummary.callClasses['cross-unexported']).toBe(0);
    expect(vanillaSummary.callClasses.ambiguous).toBe(0);
    expect(Object.fromEntries(vanillaSummary.crossCalls.map((c) => [`${c.from}>${c.to}`, c.exported]))).toEqual(VANILLA_CROSS);
    expect(vanillaSummary.crossCalls.every((c) => c.unexported === 0 && c.gates === 0)).toBe(true);
  });

  test('every call became exactly one gate: per callee function, vanilla calls = ported gate + gate_r', () => {
    const calls: Record<string, number> = {};
    for (const c of vanilla.calls.filter((c) => c.class === 'cross-exported')) {
      const key = `${c.callerLibrary}>${c.site.callee}`;
      calls[key] = (calls[key] ?? 0) + 1;
    }
    const expected: Record<string, number> = {};
    for (const [pair, [, , detail]] of Object.entries(GATES)) {
      const caller = pair.split('>')[0]!;
      for (const [k, n] of Object.entries(calleeTable(detail))) {
        const key = `${caller}>${k.split(' ')[0]}`;
        expected[key] = (expected[key] ?? 0) + n;
      }
    }
    expect(calls).toEqual(expected);
  });

  test('no call from another library reaches a non-exported helper or a never-called export', () => {
    const crossCallees = new Set(vanilla.calls.filter((c) => c.class === 'cross-exported').map((c) => c.site.callee));
    for (const name of ['uk_mutex_trylock', 'uk_mutex_stats', 'ukhash_crc32_table', 'ukhash_fmix64']) expect(crossCallees.has(name)).toBe(false);
    for (const names of Object.values(INTERNAL)) for (const name of names) expect(crossCallees.has(name)).toBe(false);
  });

  // Sites read off the vanilla sources (file:line) and classified by hand.
  const SITES: [string, string, CallClass, string | null][] = [
    ['kvs/table.c:243', 'kvs_lock', 'intra', 'libkvs'],
    ['kvs/table.c:167', 'ukhash_fnv1a64', 'inline-header', 'libukhash'],
    ['ukconsole/console.c:21', 'uk_spin_lock', 'inline-header', 'libuklock'],
    ['ramfs/ramfs.c:48', 'uk_calloc', 'inline-header', 'libukalloc'],
    ['app/workload.c:197', 'UK_ASSERT', 'macro', null],
    ['app/workload.c:196', 'uk_workq_pending', 'cross-exported', 'libuklock'],
    ['app/workload.c:253', 'ramfs_read', 'cross-exported', 'libramfs'],
    ['app/workload.c:69', 'snprintf', 'external', null],
    ['ramfs/dir.c:78', 'cb', 'indirect', null],
    ['uklock/workq.c:72', 'w.fn', 'indirect', null],
  ];
  test.each(SITES)('%s %s() is %s', (at, callee, cls, calleeLib) => {
    const found = vanilla.calls.filter((c) => c.site.callee === callee && where(vanilla, c.file, c.site.span.start) === at);
    expect(found).toHaveLength(1);
    expect(found[0]!.class).toBe(cls);
    expect(found[0]!.calleeLibrary).toBe(calleeLib);
  });

  test('call contexts that matter to port (MANIFEST table of shapes)', () => {
    const ctx = (at: string, callee: string): string[] =>
      vanilla.calls.filter((c) => c.site.callee === callee && where(vanilla, c.file, c.site.span.start) === at).map((c) => c.site.context);
    // `for (;;) { n = ramfs_read(…); if (n <= 0) break; … }`: an assignment statement
    expect(ctx('app/workload.c:253', 'ramfs_read')).toEqual(['assignment']);
    // `while (got < total)` around it in kvs_restore: the read is a statement of the body
    expect(ctx('kvs/snapshot.c:174', 'ramfs_read')).toEqual(['assignment']);
    // `crc = ukhash_crc32(ukhash_crc32(0, &hdr, …), payload, …)`: two calls, the inner one an argument
    expect(sorted(ctx('kvs/snapshot.c:183', 'ukhash_crc32'))).toEqual(['argument', 'assignment']);
  });
});

describe('ported form: gates', () => {
  test('gate matrix caller→callee (gate / gate_r) equals the manifest: 26 + 54 = 80', () => {
    const matrix: Record<string, [number, number]> = {};
    for (const g of ported.gates) {
      const key = `${g.callerLibrary}>${g.site.library}`;
      const cell = (matrix[key] ??= [0, 0]);
      cell[g.site.kind === 'gate' ? 0 : 1]++;
    }
    expect(matrix).toEqual(Object.fromEntries(Object.entries(GATES).map(([k, [g, r]]) => [k, [g, r]])));
    expect(ported.gates.filter((g) => g.site.kind === 'gate')).toHaveLength(26);
    expect(ported.gates.filter((g) => g.site.kind === 'gate_r')).toHaveLength(54);
    expect(Object.fromEntries(portedSummary.crossCalls.map((c) => [`${c.from}>${c.to}`, c.gates]))).toEqual(
      Object.fromEntries(Object.entries(GATES).map(([k, [g, r]]) => [k, g + r])),
    );
    // no ungated cross-library call is left
    expect(portedSummary.callClasses['cross-exported']).toBe(0);
    expect(portedSummary.callClasses['cross-unexported']).toBe(0);
  });

  test('per callee function, gate and gate_r counts equal the manifest', () => {
    for (const [pair, [, , detail]] of Object.entries(GATES)) {
      const [caller, callee] = pair.split('>');
      const got: Record<string, number> = {};
      for (const g of ported.gates.filter((g) => g.callerLibrary === caller && g.site.library === callee)) {
        const key = `${g.site.callee} ${g.site.kind === 'gate' ? 'g' : 'r'}`;
        got[key] = (got[key] ?? 0) + 1;
      }
      expect({ pair, got }).toEqual({ pair, got: calleeTable(detail) });
    }
  });

  test('per file and per caller library', () => {
    const perFile: Record<string, string> = {};
    for (const f of ported.index.files) {
      if (f.gates.length === 0) continue;
      perFile[f.path] = `g${f.gates.filter((g) => g.kind === 'gate').length} r${f.gates.filter((g) => g.kind === 'gate_r').length}`;
    }
    expect(perFile).toEqual({
      'app/main.c': 'g6 r5',
      'app/workload.c': 'g13 r32',
      'kvs/table.c': 'g2 r3',
      'kvs/iter.c': 'g0 r1',
      'kvs/snapshot.c': 'g2 r10',
      'ramfs/ramfs.c': 'g2 r3',
      'ukalloc/report.c': 'g1 r0',
    });
    const perLib = Object.fromEntries(portedSummary.annotations.filter((a) => a.gate + a.gateR > 0).map((a) => [a.library, [a.gate, a.gateR]]));
    expect(perLib).toEqual({ libapp: [19, 37], libkvs: [4, 14], libramfs: [2, 3], libukalloc: [1, 0] });
  });

  test('every gate names the exporting library, is a statement, has ≤ 3 arguments; 14 take none', () => {
    for (const g of ported.gates) {
      expect({ callee: g.site.callee, owner: g.calleeLibrary, exported: g.calleeExported, statement: g.site.isStatement }).toEqual({
        callee: g.site.callee,
        owner: g.site.library,
        exported: true,
        statement: true,
      });
      expect(g.site.args.length).toBeLessThanOrEqual(3);
    }
    expect(Math.max(...ported.gates.map((g) => g.site.args.length))).toBe(3);
    const zero = ported.gates.filter((g) => g.site.args.length === 0).map((g) => `${g.site.kind} ${g.site.library} ${g.site.ret ?? '-'} ${g.site.callee}`);
    expect(sorted(zero)).toEqual(
      sorted([
        'gate libkvs - kvs_publish_stats',
        'gate libramfs - ramfs_publish_stats',
        'gate libukalloc - uk_alloc_dump',
        'gate libkvs - kvs_clear',
        'gate_r libramfs rc ramfs_init',
        'gate_r liblinuxuplat now ukplat_monotonic_clock',
        'gate_r libkvs live kvs_count',
        'gate_r libkvs live kvs_count',
        'gate_r libkvs *digest kvs_digest',
        'gate_r libkvs after kvs_digest',
        'gate_r libuklock ran uk_workq_run',
        'gate_r libuklock pending uk_workq_pending',
        'gate_r libkvs async kvs_async_status',
        'gate_r liblinuxuplat r ukplat_random_u64',
      ]),
    );
  });

  test('gate_r targets that are not plain names: ramfs_heap_id, kvs_heap_id (file-static) and *digest', () => {
    const fileStatic = new Set<string>();
    for (const f of ported.index.files) {
      for (const g of f.gates) {
        if (g.kind !== 'gate_r' || !g.ret) continue;
        const isLocal = f.locals.some((v) => v.name === g.ret && v.functionName === g.inFunction);
        const fn = f.functions.find((x) => x.name === g.inFunction);
        const isParam = fn?.params.some((p) => p.name === g.ret) ?? false;
        if (!isLocal && !isParam) fileStatic.add(`${f.path} ${g.ret}`);
      }
    }
    expect(sorted(fileStatic)).toEqual(['app/workload.c *digest', 'kvs/table.c kvs_heap_id', 'ramfs/ramfs.c ramfs_heap_id']);
  });
});

describe('ported form: shared data and callbacks', () => {
  test('annotation counts per library', () => {
    const counts = Object.fromEntries(
      portedSummary.annotations.map((a) => [
        a.library,
        [a.whitelistedGlobalsBefore, a.whitelistedGlobalsAfter, a.whitelistedLocals, a.sharedSectionGlobals, a.sharedAllocations, a.sharedLiterals, a.callbacks].join(' '),
      ]),
    );
    // columns: wl globals before, wl globals after, wl locals, .data_shared, shared allocs, shared literals, callbacks
    expect(counts).toEqual({
      libapp: '1 3 5 2 0 13 2',
      libkvs: '0 2 3 0 4 2 2',
      libramfs: '0 0 2 0 0 2 0',
      libukalloc: '1 0 0 0 0 0 0',
      libukconsole: '1 0 0 0 0 0 0',
      libukhash: '0 0 0 0 0 0 0',
      liblinuxuplat: '0 0 0 0 0 0 0',
      libuklock: '0 0 0 0 0 0 0',
      libukbase: '0 0 0 0 0 0 0',
    });
  });

  test('8 whitelisted globals: 3 before the type, 5 after the declarator', () => {
    const got = ported.index.files.flatMap((f) =>
      f.globals.flatMap((g) => g.attributes.filter(isWhitelist).map((a) => `${f.library} ${f.path} ${g.name} ${a.placement}${g.hasInitializer ? ' init' : ''}`)),
    );
    expect(sorted(got)).toEqual(
      sorted([
        'libukconsole ukconsole/console.c uk_console_loglevel before init',
        'libukalloc ukalloc/report.c report_line before',
        'libapp app/workload.c app_key before',
        'libkvs kvs/table.c kvs_stats after',
        'libkvs kvs/iter.c digest_buf after',
        'libapp app/main.c app_line after',
        'libapp app/workload.c app_val after',
        'libapp app/workload.c app_ticks after init',
      ]),
    );
  });

  test('10 whitelisted locals: 4 before the type, 6 after the declarator', () => {
    const got = ported.index.files.flatMap((f) =>
      f.locals.flatMap((v) =>
        v.attributes.filter(isWhitelist).map((a) => `${f.path} ${v.functionName} ${v.name} ${a.placement}${v.hasInitializer ? ' init' : ''}${v.isArray ? ' array' : ''}`),
      ),
    );
    expect(sorted(got)).toEqual(
      sorted([
        'app/main.c report tot before',
        'app/main.c report wst after',
        'app/workload.c phase_iterate cnt after init',
        'app/workload.c phase_snapshot st before',
        'app/workload.c phase_snapshot head after array',
        'kvs/table.c kvs_publish_stats st before',
        'kvs/snapshot.c kvs_restore hdr before',
        'kvs/snapshot.c kvs_snapshot_list scan after init',
        'ramfs/ramfs.c ramfs_publish_stats st after',
        'ramfs/dir.c ramfs_readdir ent after',
      ]),
    );
  });

  test('2 explicit .data_shared globals in app/workload.c; no stray annotation', () => {
    const got = ported.index.files.flatMap((f) => f.globals.filter((g) => g.attributes.some(sharedSection)).map((g) => `${f.path} ${g.name}`));
    expect(sorted(got)).toEqual(['app/workload.c app_iobuf', 'app/workload.c app_names']);
    expect(ported.index.files.flatMap((f) => f.strayAttributes)).toEqual([]);
  });

  test('shared heap: 4 flexos_malloc_whitelist + 5 flexos_free_whitelist, all in kvs, each naming the libraries that read the block', () => {
    const got = ported.index.files.flatMap((f) => f.sharedAllocs.map((s) => `${f.library} ${s.kind} ${s.inFunction} [${s.libraries.join(',')}]`));
    expect(sorted(got)).toEqual(
      sorted([
        'libkvs malloc kvs_foreach [libapp]',
        'libkvs malloc kvs_snapshot [libramfs,libukhash]',
        'libkvs malloc kvs_restore [libramfs,libukhash]',
        'libkvs malloc kvs_snapshot_async [libuklock,libramfs]',
        'libkvs free kvs_foreach [libapp]',
        'libkvs free kvs_snapshot [libramfs,libukhash]',
        'libkvs free kvs_restore [libramfs,libukhash]',
        'libkvs free kvs_snapshot_work [libuklock,libramfs]',
        'libkvs free kvs_snapshot_async [libuklock,libramfs]',
      ]),
    );
  });

  test('17 shared literals: ramfs 2, kvs 2, app/main.c 2 ("/snap", "/data"), app/workload.c 11', () => {
    const perFile: Record<string, number> = {};
    for (const f of ported.index.files) if (f.sharedLiterals.length > 0) perFile[f.path] = f.sharedLiterals.length;
    expect(Object.values(perFile).reduce((a, b) => a + b, 0)).toBe(17);
    const perLib: Record<string, number> = {};
    for (const f of ported.index.files) perLib[f.library!] = (perLib[f.library!] ?? 0) + f.sharedLiterals.length;
    expect(perLib).toMatchObject({ libramfs: 2, libkvs: 2, libapp: 13 });
    expect(perFile['app/main.c']).toBe(2);
    expect(perFile['app/workload.c']).toBe(11);
    // literal spans are offsets into the original text: read them back from the corpus files
    const mainText = readCorpus('ported/app/main.c');
    const main = ported.index.file('app/main.c')!;
    expect(sorted(main.sharedLiterals.map((l) => mainText.slice(l.literalSpan.start, l.literalSpan.end)))).toEqual(['"/data"', '"/snap"']);
    const literals = filesOf(ported, 'libramfs').flatMap((f) => f.sharedLiterals.map((l) => readCorpus(`ported/${f.path}`).slice(l.literalSpan.start, l.literalSpan.end)));
    expect(literals).toEqual(['"ramfs"', '"ramfs"']);
  });

  test('4 callbacks: function, defining library, calling library', () => {
    const got = ported.index.files.flatMap((f) => f.callbacks.map((c) => `${c.function} ${f.library} ${c.library}`));
    expect(sorted(got)).toEqual(
      sorted(['app_count_cb libapp libkvs', 'app_tick_work libapp libuklock', 'kvs_snapshot_work libkvs libuklock', 'kvs_scan_cb libkvs libramfs']),
    );
    // the attribute sits between the return type and the name
    for (const f of ported.index.files) {
      for (const c of f.callbacks) {
        const fn = f.functions.find((x) => x.name === c.function)!;
        expect(fn.linkage).toBe('static');
        expect(c.attribute.placement).toBe('before');
        expect(c.attribute.span.end).toBeLessThanOrEqual(fn.nameSpan.start);
      }
    }
  });

  test('every file using an annotation includes flexos/isolation.h', () => {
    for (const f of ported.index.files) {
      const annotated =
        f.gates.length + f.sharedAllocs.length + f.sharedLiterals.length + f.callbacks.length +
        f.globals.filter((g) => g.attributes.some((a) => isWhitelist(a))).length + f.locals.filter((v) => v.attributes.some(isWhitelist)).length;
      if (annotated > 0) expect({ file: f.path, include: f.includes.some((i) => i.path === 'flexos/isolation.h') }).toEqual({ file: f.path, include: true });
    }
  });
});

describe('function addresses and addresses of variables', () => {
  test('function addresses handed to another library (exact list, both forms)', () => {
    const list = (a: TreeAnalysis) =>
      sorted(a.functionRefs.filter((r) => r.handedTo !== null && r.handedTo !== r.library).map((r) => `${r.ref.name} ${r.library} -> ${r.handedTo} ${where(a, r.file, r.ref.span.start)}`));
    // lines read off the sources (grep -n app_count_cb …)
    expect(list(ported)).toEqual(
      sorted([
        'app_count_cb libapp -> libkvs app/workload.c:195',
        'app_tick_work libapp -> libuklock app/workload.c:234',
        'kvs_snapshot_work libkvs -> libuklock kvs/snapshot.c:236',
        'kvs_scan_cb libkvs -> libramfs kvs/snapshot.c:283',
      ]),
    );
    expect(list(vanilla)).toEqual(
      sorted([
        'app_count_cb libapp -> libkvs app/workload.c:163',
        'app_tick_work libapp -> libuklock app/workload.c:194',
        'kvs_snapshot_work libkvs -> libuklock kvs/snapshot.c:225',
        'kvs_scan_cb libkvs -> libramfs kvs/snapshot.c:269',
      ]),
    );
    // in the ported form they are handed over through gates
    for (const r of ported.functionRefs.filter((r) => r.handedTo !== null && r.handedTo !== r.library)) expect(r.ref.passedThroughGate).toBe(r.handedTo);
  });

  // [file:line of the gate, gate callee, variable, binding]
  const THROUGH_GATES: [string, string, string, 'local' | 'global'][] = [
    ['app/main.c:93', 'uk_alloc_total', 'tot', 'local'],
    ['app/main.c:98', 'uk_workq_stats', 'wst', 'local'],
    ['app/workload.c:195', 'kvs_foreach', 'cnt', 'local'],
    ['app/workload.c:268', 'ramfs_read', 'head', 'local'],
    ['kvs/snapshot.c:168', 'ramfs_read', 'hdr', 'local'],
    ['kvs/snapshot.c:191', 'ukhash_crc32', 'hdr', 'local'],
    ['kvs/snapshot.c:283', 'ramfs_readdir', 'scan', 'local'],
    ['kvs/table.c:326', 'uk_alloc_update', 'st', 'local'],
    ['ramfs/ramfs.c:195', 'uk_alloc_update', 'st', 'local'],
    ['app/workload.c:234', 'uk_workq_post', 'app_ticks', 'global'],
    ['ukalloc/report.c:68', 'uk_console_write', 'report_line', 'global'],
    ['kvs/iter.c:69', 'ukhash_crc32', 'digest_buf', 'global'],
  ];
  test.each(THROUGH_GATES)('%s %s(…) passes %s (%s)', (at, callee, name, binding) => {
    const found = ported.addressArguments.filter((x) => x.name === name && x.callee === callee && where(ported, x.file, x.callSpan.start) === at);
    expect(found).toHaveLength(1);
    expect(found[0]!.binding).toBe(binding);
    expect(found[0]!.crossLibrary).toBe(true);
  });

  test("ramfs_readdir's `ent` goes to a callback, not through a gate", () => {
    const ent = ported.addressArguments.filter((x) => x.name === 'ent' && x.file === 'ramfs/dir.c');
    expect(ent.map((x) => `${x.callee} ${x.binding} ${x.crossLibrary}`)).toContain('cb local false');
    expect(ent.some((x) => x.crossLibrary)).toBe(false);
  });
});
