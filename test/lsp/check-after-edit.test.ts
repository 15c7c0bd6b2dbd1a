/**
 * After each editor edit, the language server's findings for the edited file (Project.check: the
 * kept per-file resolutions, the edited file's checks over a view of the analysis restricted to
 * what they read for it) are exactly those of a fresh whole analysis of the edited tree from disk.
 * The tree is corpus/vanilla plus a few files of our own with the shapes whose findings in one
 * file depend on other files: a whitelisted global others use or not (overshared), a header
 * inline that reads a global (its first caller in the tree carries the use), an export two
 * libraries define (duplicate-export sits at the first definition), a region tree-sitter cannot read.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { checkAnalysis } from '../../src/analyze/checks/check-tree.js';
import { TreeIndex } from '../../src/analyze/index.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { Project } from '../../src/lsp/project.js';
import { copyToTempTree } from '../support/temp-tree.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const EXTRA: Record<string, string> = {
  'w/Makefile.uk': '$(eval $(call addlib,libw))\n',
  'w/include/w/w.h': 'extern int w_used;\nextern int w_alone;\nextern int w_addr;\nextern int w_secret;\nstatic inline int w_peek(void) { return w_used; }\nstatic inline int w_peek2(void) { return w_secret; }\nextern int w_inline_only;\nstatic inline int w_peek3(void) { return w_inline_only; }\nint w_dup(int x);\nint v_take(int *p);\n',
  // the address of a whitelisted global leaves its library from another file of it
  'w/w2.c': '#include <w/w.h>\nint w_send(void) { return v_take(&w_addr); }\n',
  'w/w.c': [
    '#include <flexos/isolation.h>',
    '#include <w/w.h>',
    'int w_used __attribute__((flexos_whitelist));',
    'int w_alone __attribute__((flexos_whitelist));',
    'int w_addr __attribute__((flexos_whitelist));',
    'int w_secret;',
    // a #define naming a whitelisted global may carry it anywhere: never overshared (kept across body edits)
    'int w_macro __attribute__((flexos_whitelist));',
    '#define W_MACRO_REF (&w_macro)',
    'int w_inline_only __attribute__((flexos_whitelist));',
    'static int w_private;',
    '',
    'int w_dup(int x)',
    '{',
    '\tw_private = x;',
    '\treturn x + 1;',
    '}',
    '',
    'int w_fill(int *p)',
    '{',
    '\tint local __attribute__((flexos_whitelist));',
    '\tlocal = *p;',
    '\treturn local + w_private;',
    '}',
    '',
  ].join('\n'),
  'v/Makefile.uk': '$(eval $(call addlib,libv))\n',
  'v/v.c': [
    '#include <flexos/isolation.h>',
    '#include <w/w.h>',
    '',
    'int w_dup(int x) { return x; }',
    '',
    'int v_one(void)',
    '{',
    '\tint n = 3;',
    '\tw_used = n;',
    '\tn += w_peek();',
    '\treturn w_fill(&n) + w_dup(n);',
    '}',
    '',
    'int v_two(void)',
    '{',
    '\treturn w_peek() + w_fill(&w_used) + 1 +;',
    '}',
    '',
    'int v_take(int *p) { return *p + w_peek2(); }',
    '',
  ].join('\n'),
  // a later file of the same library reaching the inline that reads a private global
  'v/v2.c': '#include <w/w.h>\nint v_three(void)\n{\n\treturn w_peek2();\n}\nint v_four(void) { return w_peek3(); }\n',};

/** One-character and one-line edits of the kinds an editor makes: in a body, before a function, outside every function. */
interface Edit {
  file: string;
  from: string;
  to: string;
}

const EDITS: Edit[] = [
  // a callee's name, one character (the bench's edit), and back
  { file: 'kvs/iter.c', from: 'kvs_lock();', to: 'kvs_lick();' },
  { file: 'kvs/iter.c', from: 'kvs_lick();', to: 'kvs_lock();' },
  { file: 'kvs/iter.c', from: '\tfree(rec);', to: '\tfree(rec);\n\tkvs_table_next(NULL, &bucket);' },
  { file: 'app/main.c', from: '(', to: '(' },
  { file: 'v/v.c', from: 'n += w_peek();', to: 'n += w_peeks();' },
  { file: 'v/v.c', from: 'n += w_peeks();', to: 'n += w_peek();' },
  // the first caller of the inline moves: the other function's call now reaches it first
  { file: 'v/v.c', from: '\tn += w_peek();\n', to: '' },
  { file: 'v/v.c', from: '\tw_used = n;', to: '\tw_used = n;\n\tn += w_peek();' },
  // the duplicate definition moves down a line, then goes away and comes back
  { file: 'v/v.c', from: 'int w_dup(int x) { return x; }', to: '\nint w_dup(int x) { return x; }' },
  { file: 'v/v.c', from: 'int w_dup(int x) { return x; }', to: 'static int w_dup(int x) { return x; }' },
  { file: 'v/v.c', from: 'static int w_dup(int x) { return x; }', to: 'int w_dup(int x) { return x; }' },
  // the whitelisted globals: one stops being used elsewhere, one gets used
  { file: 'v/v.c', from: '\tw_used = n;', to: '\tw_alone = n;' },
  { file: 'w/w.c', from: '\treturn x + 1;', to: '\treturn x + 2;' },
  { file: 'w/w.c', from: 'int w_alone __attribute__((flexos_whitelist));', to: 'int w_alone;' },
  { file: 'w/w.c', from: '\tlocal = *p;', to: '\tlocal = *p;\n\tw_dup(local);' },
  { file: 'w/w.c', from: 'return local + w_private;', to: 'return local + w_private + w_peek();' },
  { file: 'v/v2.c', from: '\treturn w_peek2();', to: '\treturn w_peek2() + 1;' },
  { file: 'w/w.c', from: 'int w_secret;', to: 'int w_secret; /* private */' },
  { file: 'v/v.c', from: 'int v_take(int *p) { return *p + w_peek2(); }', to: 'int v_take(int *p) { return *p; }' },
  { file: 'v/v2.c', from: '\treturn w_peek2() + 1;', to: '\treturn w_peek2() + 2;' },
  { file: 'w/w.c', from: 'int w_inline_only __attribute__((flexos_whitelist));', to: 'int w_inline_only __attribute__((flexos_whitelist)); /* read by w_peek3 */' },
  // the parse error goes away
  { file: 'v/v.c', from: ' + 1 +;', to: ' + 1;' },
];

let tree: string;

beforeAll(() => {
  tree = copyToTempTree(join(REPO, 'corpus', 'vanilla'), EXTRA);
});

/** What `flexos check` over the whole tree on disk reports in one file. */
function fresh(path: string): unknown[] {
  const analysis = analyzeTree(tree, { macros: loadMacroTable(), threads: 1 });
  const text = (f: string): string | null => {
    try {
      return readFileSync(join(tree, f), 'latin1');
    } catch {
      return null;
    }
  };
  return checkAnalysis(analysis, { text, scope: new Set([path]) }).findings.filter((f) => f.file === path);
}

/** Every lookup of the index's derived tables, for every name a file defines, uses or declares. */
function tables(index: TreeIndex): unknown {
  const names = new Set<string>();
  for (const f of index.files) {
    for (const x of [...f.functions, ...f.globals, ...f.prototypes, ...(f.macroBodies ?? [])]) names.add(x.name);
    for (const c of f.calls) names.add(c.callee);
    for (const m of f.defines) names.add(m.name);
  }
  return [...names].sort().map((n) => ({
    n,
    definitions: index.definitions(n),
    headerInlines: index.headerInlines(n),
    rootInlines: index.rootInlines(n),
    globals: index.globalDefinitions(n),
    shared: index.isSharedVariableName(n),
    macroBodies: index.macroBodies(n),
    macroLibraries: index.macroLibraries(n),
    typedef: index.isTypedef(n),
    exporters: index.exporters(n),
    exported: index.libraries.filter((l) => index.exports(l.name).has(n)).map((l) => l.name),
  }));
}

test('the findings of an edited file equal a fresh analysis of the edited tree, edit after edit', () => {
  const project = Project.load(tree, loadMacroTable(), () => null);
  const texts = new Map<string, string>();
  const open = (path: string): string => {
    let text = texts.get(path);
    if (text === undefined) {
      text = readFileSync(join(tree, path), 'latin1');
      texts.set(path, text);
      project.update(path, text);
    }
    return text;
  };
  for (const path of ['v/v.c', 'v/v2.c', 'w/w.c', 'kvs/iter.c']) expect(project.check(open(path) && path)).toEqual(fresh(path));
  const codes = new Set<string>();
  for (const edit of EDITS) {
    const before = open(edit.file);
    expect(before).toContain(edit.from);
    const after = before.replace(edit.from, edit.to);
    texts.set(edit.file, after);
    writeFileSync(join(tree, edit.file), after);
    project.update(edit.file, after);
    const got = project.check(edit.file);
    // the index's tables, kept and re-pointed where the edit kept the file's names, equal a rebuild
    const rebuilt = new TreeIndex(project.index.libraries, project.index.files, project.index.aliases);
    expect(tables(project.index)).toEqual(tables(rebuilt));
    expect({ edit, findings: got }).toEqual({ edit, findings: fresh(edit.file) });
    for (const f of got) codes.add(f.code);
  }
  // the edits exercised the checks whose findings read other files
  expect([...codes].sort()).toEqual(expect.arrayContaining(['duplicate-export', 'foreign-global', 'overshared', 'ungated-call', 'unparsed-region']));
});
