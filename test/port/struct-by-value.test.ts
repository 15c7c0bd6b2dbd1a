/**
 * A gate needs a temporary for a struct returned by value in an expression, and a struct with a
 * const member (directly or in a nested struct) cannot be assigned to one: port leaves such a
 * call to a human. The struct is looked up where C looks it up, in the caller's translation unit
 * (the file and what it includes): a same-named struct of an unrelated file neither refuses a
 * gate nor gets its file parsed.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { ParsedSources } from '../../src/analyze/parsed-sources.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { portTree } from '../../src/transform/port/port-tree.js';

const FILES: Record<string, string> = {
  'liba/Makefile.uk': '$(eval $(call addlib,liba))\n',
  'liba/exportsyms.uk': 'a_frozen\na_outer\na_plain\n',
  'liba/include/a/rec.h': [
    'struct frozen { const int id; int v; };',
    'struct outer { struct frozen inner; int w; };',
    'struct plain { int v; };',
    'struct frozen a_frozen(void);',
    'struct outer a_outer(void);',
    'struct plain a_plain(void);',
    '',
  ].join('\n'),
  'liba/a.c': [
    '#include "a/rec.h"',
    'int a_state;',
    'struct frozen a_frozen(void) { struct frozen f = { a_state, 0 }; return f; }',
    'struct outer a_outer(void) { struct outer o = { { a_state, 0 }, 1 }; return o; }',
    'struct plain a_plain(void) { struct plain p = { a_state }; return p; }',
    '',
  ].join('\n'),
  'libb/Makefile.uk': '$(eval $(call addlib,libb))\n',
  'libb/b.c': [
    '#include "a/rec.h"',
    'static int id_of(struct frozen f) { return f.id; }',
    'static int w_of(struct outer o) { return o.w; }',
    'static int v_of(struct plain p) { return p.v; }',
    'int b_all(void)',
    '{',
    '\tint n = 0;',
    '\tn += id_of(a_frozen());',
    '\tn += w_of(a_outer());',
    '\tn += v_of(a_plain());',
    '\treturn n;',
    '}',
    '',
  ].join('\n'),
  // another translation unit's own `struct plain`, with a const member: not libb's
  'libc/Makefile.uk': '$(eval $(call addlib,libc))\n',
  'libc/c.c': 'struct plain { const int v; };\nint c_unrelated(void) { return 0; }\n',
};

describe('port: structs returned by value', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'flexos-sbv-'));
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const portLibb = () => {
    const analysis = analyzeTree(root, { macros: loadMacroTable([]), keepParsed: (lib) => lib?.name === 'libb', threads: 1 });
    return { analysis, result: portTree(analysis, { libraries: ['libb'] }) };
  };

  test('a const member, direct or nested, leaves the call to a human; an assignable struct is gated through a temporary', () => {
    const { result } = portLibb();
    expect(result.manual.map((m) => `${m.line}:${m.reason}`)).toEqual(['8:struct-by-value', '9:struct-by-value']);
    expect(result.manual[0]!.message).toMatch(/a_frozen\(\) returns 'struct frozen', which has a const member/);
    expect(result.manual[1]!.message).toMatch(/a_outer\(\) returns 'struct outer', which has a const member/);
    const after = result.files.find((f) => f.path === 'libb/b.c')!.after;
    expect(after).toMatch(/struct plain flexos_tmp\d+;\n\tflexos_gate_r\(liba, flexos_tmp\d+, a_plain\);\n\tn \+= v_of\(flexos_tmp\d+\);/);
  });

  test("only the caller's translation unit is read for it: its included header is parsed, no other file", () => {
    const { analysis } = portLibb();
    const parsed = analysis.parsed as ParsedSources;
    expect(parsed).toBeInstanceOf(ParsedSources);
    // libb/b.c was kept; of the rest, only the header it includes was parsed, on request
    expect(parsed.lateParses).toBe(1);
  });
});
