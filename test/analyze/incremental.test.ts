/**
 * The two-layer model: per-file facts are replaced one at a time and the cross-file resolution
 * follows, without reading any other file again. Also: duplicate exports, Makefile.uk name
 * extraction, and exportsyms.uk absent → every non-static symbol exported.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeFile, analyzeTree, resolveTree } from '../../src/analyze/analyze-tree.js';
import { extractFacts } from '../../src/analyze/facts.js';
import { TreeIndex } from '../../src/analyze/index.js';
import { listTree, readLibrary } from '../../src/analyze/libraries.js';
import type { FileFacts } from '../../src/analyze/model.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource } from '../../src/parse/parser.js';
import { writeTempTree } from '../support/temp-tree.js';

const macros = loadMacroTable();

/** Facts for an edited text, from memory (what an editor does on change). */
function factsOf(path: string, library: string | null, text: string): FileFacts {
  return extractFacts(parseSource(path, text, macros), { path, library, isHeader: path.endsWith('.h') });
}

const TREE = {
  'app/Makefile.uk': '$(eval $(call addlib,libapp))\nLIBAPP_SRCS-y += $(LIBAPP_BASE)/main.c $(LIBAPP_BASE)/util.c\n',
  'app/exportsyms.uk': 'main\n',
  'app/main.c': 'int work(int);\nint bee_api(int);\nint helper(int);\n\nint main(void)\n{\n\treturn work(1) + bee_api(2) + helper(3);\n}\n',
  'app/util.c': 'int work(int x) { return x + 1; }\nint helper(int x) { return x * 2; }\n',
  'bee/Makefile.uk': '# platform library, no exportsyms.uk\n$(eval $(call addplatlib,linuxu,libbee))\nLIBBEE_SRCS-y += $(LIBBEE_BASE)/bee.c\n',
  'bee/bee.c': 'int bee_counter;\nstatic int bee_private(void) { return 0; }\nint bee_api(int x) { return x + bee_private() + bee_counter; }\n',
  'cee/Makefile.uk': '$(eval $(call addlib_paramprefix,libcee,CEE))\nLIBCEE_SRCS-y += $(LIBCEE_BASE)/cee.c|cee\n',
  'cee/exportsyms.uk': '# what others may call\ncee_api\n',
  'cee/cee.c': 'int cee_api(void) { return 0; }\nint cee_hidden(void) { return 1; }\n',
};

function classOf(analysis: ReturnType<typeof resolveTree>, file: string, callee: string): string {
  const found = analysis.calls.filter((c) => c.file === file && c.site.callee === callee);
  expect(found).toHaveLength(1);
  return `${found[0]!.class} ${found[0]!.calleeLibrary ?? '-'}`;
}

describe('incremental re-analysis through TreeIndex.replaceFile', () => {
  test('moving a callee between libraries changes the class of the call, with no other file read again', () => {
    const root = writeTempTree(TREE);
    const first = analyzeTree(root, { macros });
    expect(first.diagnostics).toEqual([]);
    expect(classOf(first, 'app/main.c', 'work')).toBe('intra libapp');
    expect(classOf(first, 'app/main.c', 'bee_api')).toBe('cross-exported libbee');
    expect(classOf(first, 'app/main.c', 'helper')).toBe('intra libapp');

    // The index built from the facts alone, as an editor keeps it.
    const index = new TreeIndex(first.libraries, first.index.files);
    const mainFacts = index.file('app/main.c')!;
    // Nothing below may touch the disk: remove the tree.
    rmSync(root, { recursive: true, force: true });

    // 1. `work` moves from app/util.c to bee/bee.c (libbee has no exportsyms.uk: it is exported)
    index.replaceFile(factsOf('app/util.c', 'libapp', 'int helper(int x) { return x * 2; }\n'));
    index.replaceFile(factsOf('bee/bee.c', 'libbee', TREE['bee/bee.c'] + 'int work(int x) { return x + 1; }\n'));
    let now = resolveTree(root, index);
    expect(classOf(now, 'app/main.c', 'work')).toBe('cross-exported libbee');
    expect(classOf(now, 'app/main.c', 'helper')).toBe('intra libapp');
    expect(index.exports('libbee').has('work')).toBe(true);
    expect(index.file('app/main.c')).toBe(mainFacts); // the caller's facts were not rebuilt

    // 2. `work` moves on to cee/cee.c: defined there but not in its exportsyms.uk
    index.replaceFile(factsOf('bee/bee.c', 'libbee', TREE['bee/bee.c']));
    index.replaceFile(factsOf('cee/cee.c', 'libcee', TREE['cee/cee.c'] + 'int work(int x) { return x + 1; }\n'));
    now = resolveTree(root, index);
    expect(classOf(now, 'app/main.c', 'work')).toBe('cross-unexported libcee');
    expect(index.exports('libcee').has('work')).toBe(false);

    // 3. the caller itself changes: a static bee_api shadows libbee's, cee_api is called
    index.replaceFile(
      factsOf('app/main.c', 'libapp', 'static int bee_api(int x) { return x; }\nint cee_api(void);\nint main(void)\n{\n\treturn bee_api(2) + cee_api();\n}\n'),
    );
    now = resolveTree(root, index);
    expect(classOf(now, 'app/main.c', 'bee_api')).toBe('intra libapp');
    expect(classOf(now, 'app/main.c', 'cee_api')).toBe('cross-exported libcee');
    expect(now.calls.some((c) => c.file === 'app/main.c' && c.site.callee === 'work')).toBe(false);

    // 4. ported: the call becomes a gate; the gate resolves to the callee's library
    index.replaceFile(
      factsOf('app/main.c', 'libapp', '#include <flexos/isolation.h>\nint main(void)\n{\n\tint r;\n\tflexos_gate_r(libbee, r, bee_api, 2);\n\treturn r;\n}\n'),
    );
    now = resolveTree(root, index);
    expect(now.calls.filter((c) => c.file === 'app/main.c')).toEqual([]);
    expect(now.gates.map((g) => `${g.site.library} ${g.site.callee} ${g.calleeLibrary} ${g.calleeExported} ${g.calleeReturnsVoid}`)).toEqual([
      'libbee bee_api libbee true false',
    ]);

    // 5. removing a file drops its definitions
    index.removeFile('cee/cee.c');
    expect(index.definitions('cee_api')).toEqual([]);
    expect(index.file('cee/cee.c')).toBeUndefined();
  });

  test('analyzeFile gives the same facts as the tree pass for one file', () => {
    const root = writeTempTree(TREE);
    const tree = analyzeTree(root, { macros });
    const one = analyzeFile(root, 'app/main.c', 'libapp', macros);
    expect(one.facts).toEqual(tree.index.file('app/main.c'));
    expect(one.parsed.text).toBe(TREE['app/main.c']);
  });
});

describe('libraries and exports', () => {
  test('addplatlib and addlib_paramprefix: names, macros and listed sources', () => {
    const root = writeTempTree(TREE);
    const listing = listTree(root);
    expect(listing.libraries.map((l) => [l.name, l.shortName, l.dir, l.declaredBy])).toEqual([
      ['libapp', 'app', 'app', 'addlib'],
      ['libbee', 'bee', 'bee', 'addplatlib'],
      ['libcee', 'cee', 'cee', 'addlib_paramprefix'],
    ]);
    expect(listing.libraries.map((l) => l.listedSources)).toEqual([['app/main.c', 'app/util.c'], ['bee/bee.c'], ['cee/cee.c']]);
    expect(listing.libraries.map((l) => l.exportsyms)).toEqual([['main'], null, ['cee_api']]);
    expect(listing.files).toEqual(['app/main.c', 'app/util.c', 'bee/bee.c', 'cee/cee.c']);
  });

  test('the other Makefile.uk variants, and a Makefile.uk that declares no library', () => {
    const root = writeTempTree({
      'a/Makefile.uk': '$(eval $(call addlib_s,libvfscore,$(CONFIG_LIBVFSCORE)))\n',
      'b/Makefile.uk': '$(eval $(call addplatlib_s,kvm,libkvmplat,$(CONFIG_KVM)))\n',
      'c/Makefile.uk': '$(eval  $( call  addlib , libspaced ))\n',
      'd/Makefile.uk': '# helpers only\nCFLAGS += -O2\n',
    });
    const got = ['a', 'b', 'c', 'd'].map((d) => {
      const lib = readLibrary(root, join(root, d));
      return lib && [lib.name, lib.shortName, lib.declaredBy, lib.dir];
    });
    expect(got).toEqual([
      ['libvfscore', 'vfscore', 'addlib_s', 'a'],
      ['libkvmplat', 'kvmplat', 'addplatlib_s', 'b'],
      ['libspaced', 'spaced', 'addlib', 'c'],
      null,
    ]);
    expect(listTree(root).libraries.map((l) => l.name)).toEqual(['libvfscore', 'libkvmplat', 'libspaced']);
  });

  test('exportsyms.uk absent → every non-static function and variable is exported', () => {
    const root = writeTempTree(TREE);
    const a = analyzeTree(root, { macros });
    expect([...a.index.exports('libbee')].sort()).toEqual(['bee_api', 'bee_counter']);
    expect([...a.index.exports('libcee')]).toEqual(['cee_api']);
    expect([...a.index.exports('libapp')]).toEqual(['main']);
  });

  test('two libraries exporting the same symbol → a duplicate-export warning naming both; calls are ambiguous', () => {
    const root = writeTempTree({
      'one/Makefile.uk': '$(eval $(call addlib,libone))\n',
      'one/one.c': 'int dup(void) { return 1; }\n',
      'two/Makefile.uk': '$(eval $(call addlib_s,libtwo,$(CONFIG_LIBTWO)))\n',
      'two/exportsyms.uk': 'dup\n',
      'two/two.c': '\nint dup(void) { return 2; }\n',
      'app/Makefile.uk': '$(eval $(call addlib,libapp))\n',
      'app/exportsyms.uk': 'main\n',
      'app/main.c': 'int dup(void);\nint main(void) { return dup(); }\n',
    });
    const a = analyzeTree(root, { macros });
    const dups = a.diagnostics.filter((d) => d.code === 'duplicate-export');
    expect(dups).toHaveLength(1);
    expect(dups[0]).toMatchObject({ severity: 'warning', file: 'one/one.c', line: 1, column: 5 });
    expect(dups[0]!.message).toContain("'dup'");
    expect(dups[0]!.message).toContain('libone and libtwo');
    const call = a.calls.find((c) => c.site.callee === 'dup')!;
    expect(call.class).toBe('ambiguous');
    expect(call.candidates!.sort()).toEqual(['libone', 'libtwo']);
  });

  test('the same name defined in two libraries but exported by one is no duplicate', () => {
    const root = writeTempTree({
      'one/Makefile.uk': '$(eval $(call addlib,libone))\n',
      'one/exportsyms.uk': 'other\n',
      'one/one.c': 'int dup(void) { return 1; }\nint other(void) { return 0; }\n',
      'two/Makefile.uk': '$(eval $(call addlib,libtwo))\n',
      'two/two.c': 'int dup(void) { return 2; }\n',
      'app/Makefile.uk': '$(eval $(call addlib,libapp))\n',
      'app/main.c': 'int dup(void);\nint main(void) { return dup(); }\n',
    });
    const a = analyzeTree(root, { macros });
    expect(a.diagnostics).toEqual([]);
    const call = a.calls.find((c) => c.site.callee === 'dup')!;
    expect(`${call.class} ${call.calleeLibrary}`).toBe('cross-exported libtwo');
  });
});
