/**
 * The trees of files analysed without keeping them (port --lib: the other libraries) are parsed
 * again on request, from the same bytes, and equal the tree the analysis would have kept.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { InputError } from '../../src/diagnostics/input-error.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';

describe('parse trees kept for some libraries, parsed on request for the others', () => {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'flexos-parsed-'));
    for (const lib of ['liba', 'libb']) {
      mkdirSync(join(root, lib));
      writeFileSync(join(root, lib, 'Makefile.uk'), `$(eval $(call addlib,${lib}))\n`);
    }
    writeFileSync(join(root, 'liba', 'a.c'), 'int b(int);\nint a(int x)\n{\n\treturn b(x);\n}\n');
    writeFileSync(join(root, 'libb', 'b.h'), 'typedef struct pair { int x; } pair_t;\n#define TWICE(v) ((v) * 2)\n');
    writeFileSync(join(root, 'libb', 'b.c'), '#include "b.h"\nint b(int x)\n{\n\treturn TWICE(x);\n}\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const analyse = (keepParsed: boolean | ((lib: { name: string } | null) => boolean)) => analyzeTree(root, { macros: loadMacroTable(), keepParsed });

  test('every analysed file is a key, in the analysis order; deferred trees equal kept ones', () => {
    const some = analyse((lib) => lib?.name === 'liba');
    const all = analyse(true);
    expect([...some.parsed.keys()]).toEqual([...all.parsed.keys()]);
    expect(some.parsed.size).toBe(3);
    for (const path of all.parsed.keys()) {
      const late = some.parsed.get(path)!;
      const kept = all.parsed.get(path)!;
      expect(late.view).toBe(kept.view);
      expect(late.tree.rootNode.toString()).toBe(kept.tree.rootNode.toString());
    }
    expect(some.parsed.get('libb/none.c')).toBeUndefined();
  });

  test('the typedefs port reads come from the facts, not from trees', () => {
    const some = analyse((lib) => lib?.name === 'liba');
    const header = some.index.file('libb/b.h')!;
    expect(header.typedefs).toEqual(['pair_t']);
    expect(header.typedefTypes).toEqual([{ name: 'pair_t', base: 'struct pair { int x; }', indirect: false }]);
  });

  test('a file changed on disk since its facts were read is an input error naming it', () => {
    const some = analyse((lib) => lib?.name === 'liba');
    writeFileSync(join(root, 'libb', 'b.c'), '#include "b.h"\nint b(int x)\n{\n\treturn x;\n}\n');
    expect(() => some.parsed.get('libb/b.c')).toThrow(InputError);
    expect(() => some.parsed.get('libb/b.c')).toThrow(/libb\/b\.c: changed on disk/);
  });

  test('without keepParsed no tree is kept or deferred', () => {
    expect(analyse(false).parsed.size).toBe(0);
  });
});
