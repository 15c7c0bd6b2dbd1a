/**
 * Unikraft macro idioms parse with zero errors through the macro table, the parse view keeps
 * every offset and newline, and what the facts report slices the ORIGINAL text to exactly the
 * expected strings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFacts } from '../../src/analyze/facts.js';
import type { FileFacts, Span } from '../../src/analyze/model.js';
import { InputError } from '../../src/diagnostics/input-error.js';
import { loadMacroTable, type MacroTable } from '../../src/parse/macro-table.js';
import { buildParseView } from '../../src/parse/parse-view.js';
import { parseSource, type ParsedSource } from '../../src/parse/parser.js';

const table = loadMacroTable();

function newlineOffsets(s: string): number[] {
  const out: number[] = [];
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) out.push(i);
  return out;
}

interface Parsed {
  text: string;
  parsed: ParsedSource;
  facts: FileFacts;
  slice: (s: Span) => string;
}

/** Parses `text`, asserting the invariants every idiom must keep. */
function parse(text: string, macros: MacroTable = table): Parsed {
  const parsed = parseSource('idiom.c', text, macros);
  expect(parsed.view.length).toBe(text.length);
  expect(newlineOffsets(parsed.view)).toEqual(newlineOffsets(text));
  expect(parsed.tree.rootNode.hasError).toBe(false);
  const facts = extractFacts(parsed, { path: 'idiom.c', library: 'libx', isHeader: false });
  expect(facts.parseErrors).toEqual([]);
  return { text, parsed, facts, slice: (s) => text.slice(s.start, s.end) };
}

describe('qualifier and attribute macros', () => {
  test('__unused, __noreturn, __maybe_unused, __used __section(…), __packed, __aligned(…) are blanked', () => {
    const p = parse(
      [
        'static __unused unsigned int longest(void) { return 0; }',
        'static __noreturn void die(void) { for (;;) ; }',
        'static __maybe_unused int maybe;',
        'static const char x_libinfo[] __used __section(".uk_libinfo") = "x";',
        'struct __packed hdr { int a; } __aligned(8);',
        'int call(void) { die(); return longest(); }',
        '',
      ].join('\n'),
    );
    expect(p.facts.functions.map((f) => `${f.linkage} ${f.name}`)).toEqual(['static longest', 'static die', 'extern call']);
    for (const f of p.facts.functions) expect(p.slice(f.nameSpan)).toBe(f.name);
    expect(p.facts.globals.map((g) => g.name)).toEqual(['maybe', 'x_libinfo']);
    const sites = p.parsed.macroSites.map((s) => p.text.slice(s.start, s.end));
    expect(sites).toEqual(['__unused', '__noreturn', '__maybe_unused', '__used', '__section(".uk_libinfo")', '__packed', '__aligned(8)']);
    const calls = p.facts.calls.map((c) => `${c.callee}=${p.slice(c.calleeSpan)}`);
    expect(calls).toEqual(['die=die', 'longest=longest']);
    // a section other than .data_shared is recorded but is no annotation
    const libinfo = p.facts.globals.find((g) => g.name === 'x_libinfo')!;
    expect(libinfo.attributes).toEqual([]);
  });

  test('a GCC post-declarator attribute on a plain global', () => {
    const p = parse('static unsigned long stats_queries __attribute__((unused));\n');
    expect(p.facts.globals.map((g) => g.name)).toEqual(['stats_queries']);
    expect(p.parsed.macroSites.map((s) => p.text.slice(s.start, s.end))).toEqual(['__attribute__((unused))']);
  });
});

describe('flexos_whitelist, both placements', () => {
  const ATTR = '__attribute__((flexos_whitelist))';

  test('globals: before the type; after the declarator without and with initializer; on the next line', () => {
    const p = parse(
      [
        `${ATTR} int before_g;`,
        `static ${ATTR} char report_line[128];`,
        `static int after_g ${ATTR};`,
        `static unsigned long after_init ${ATTR} = 3;`,
        'static unsigned char digest_buf[32]',
        `\t${ATTR};`,
        'int plain = 1;',
        '',
      ].join('\n'),
    );
    const got = p.facts.globals.map((g) => ({
      name: g.name,
      nameText: p.slice(g.nameSpan),
      attrs: g.attributes.map((a) => `${a.placement} ${a.names.join(',')} ${p.slice(a.span)}`),
      init: g.initializerSpan ? p.slice(g.initializerSpan) : null,
    }));
    expect(got).toEqual([
      { name: 'before_g', nameText: 'before_g', attrs: [`before flexos_whitelist ${ATTR}`], init: null },
      { name: 'report_line', nameText: 'report_line', attrs: [`before flexos_whitelist ${ATTR}`], init: null },
      { name: 'after_g', nameText: 'after_g', attrs: [`after flexos_whitelist ${ATTR}`], init: null },
      { name: 'after_init', nameText: 'after_init', attrs: [`after flexos_whitelist ${ATTR}`], init: '3' },
      { name: 'digest_buf', nameText: 'digest_buf', attrs: [`after flexos_whitelist ${ATTR}`], init: null },
      { name: 'plain', nameText: 'plain', attrs: [], init: '1' },
    ]);
    expect(p.facts.globals.find((g) => g.name === 'digest_buf')!.isArray).toBe(true);
    expect(p.facts.strayAttributes).toEqual([]);
  });

  test('locals: before the type; after the declarator without and with initializer', () => {
    const p = parse(
      [
        'int f(void)',
        '{',
        `\t${ATTR} struct st tot;`,
        `\tstruct st wst ${ATTR};`,
        `\tstruct cnt c ${ATTR} = { 0 };`,
        '\tint other = 2;',
        '\treturn g(&tot, &wst, &c, other);',
        '}',
        '',
      ].join('\n'),
    );
    const got = p.facts.locals.map((v) => `${v.functionName} ${p.slice(v.nameSpan)} ${v.attributes.map((a) => `${a.placement}:${p.slice(a.span)}`).join(' ')}`.trim());
    expect(got).toEqual([`f tot before:${ATTR}`, `f wst after:${ATTR}`, `f c after:${ATTR}`, 'f other']);
    expect(p.slice(p.facts.locals[2]!.initializerSpan!)).toBe('{ 0 }');
    const call = p.facts.calls[0]!;
    expect(p.slice(call.calleeSpan)).toBe('g');
    expect(call.args.map((a) => `${a.kind} ${a.baseName} ${a.binding} ${p.slice(a.span)}`)).toEqual([
      'address-of tot local &tot',
      'address-of wst local &wst',
      'address-of c local &c',
      'identifier other local other',
    ]);
  });
});

describe('shared sections', () => {
  test('__section(".data_shared") and __attribute__((section(".data_shared")))', () => {
    const p = parse(
      [
        'static char app_names[256] __section(".data_shared");',
        'static char app_iobuf[512] __attribute__((section(".data_shared")));',
        '__attribute__((section(".data_shared"))) int early;',
        '',
      ].join('\n'),
    );
    const got = p.facts.globals.map((g) => `${g.name} ${g.attributes.map((a) => `${a.section} ${p.slice(a.span)}`).join(' | ')}`);
    expect(got).toEqual([
      'app_names .data_shared __section(".data_shared")',
      'app_iobuf .data_shared __attribute__((section(".data_shared")))',
      'early .data_shared __attribute__((section(".data_shared")))',
    ]);
  });
});

describe('definer macros', () => {
  test('UK_SYSCALL_R_DEFINE(int, f, int, a) { … } is a FunctionDef named f with its parameters', () => {
    const text = [
      '#include <uk/syscall.h>',
      'static int helper(int x) { return x; }',
      'UK_SYSCALL_R_DEFINE(int, ramfs_open, const char *, path, int, flags)',
      '{',
      '\treturn helper(flags) + (path != 0);',
      '}',
      'UK_SYSCALL_R_DEFINE(ssize_t, ramfs_read, int, fd,',
      '\t\t    void *, buf, size_t, len)',
      '{',
      '\treturn helper(fd) + (int)len + (buf != 0);',
      '}',
      '',
    ].join('\n');
    const p = parse(text);
    const defs = p.facts.functions.filter((f) => f.viaMacro === 'UK_SYSCALL_R_DEFINE');
    expect(defs.map((f) => ({ name: f.name, linkage: f.linkage, nameText: p.slice(f.nameSpan), params: f.params.map((x) => `${x.name}=${p.slice(x.span)}`) }))).toEqual([
      { name: 'ramfs_open', linkage: 'extern', nameText: 'ramfs_open', params: ['path=const char *, path', 'flags=int, flags'] },
      { name: 'ramfs_read', linkage: 'extern', nameText: 'ramfs_read', params: ['fd=int, fd', 'buf=void *, buf', 'len=size_t, len'] },
    ]);
    expect(defs.map((f) => f.returnType)).toEqual(['int', 'ssize_t']);
    expect(p.slice(defs[0]!.span).startsWith('UK_SYSCALL_R_DEFINE(int, ramfs_open')).toBe(true);
    expect(p.slice(defs[0]!.body)).toBe('{\n\treturn helper(flags) + (path != 0);\n}');
    // calls in the body are found, their parameters bind as parameters
    const calls = p.facts.calls.filter((c) => c.callee === 'helper');
    expect(calls.map((c) => `${c.inFunction} ${p.slice(c.calleeSpan)} ${c.args[0]!.binding}`)).toEqual(['ramfs_open helper param', 'ramfs_read helper param']);
    expect(p.parsed.macroSites.filter((s) => s.kind === 'definer').map((s) => s.definedName)).toEqual(['ramfs_open', 'ramfs_read']);
  });
});

describe('iterator macros', () => {
  test('uk_list_for_each_entry(p, &h, node) { … } and an unbraced body: calls inside are still found', () => {
    const text = [
      'int walk(struct uk_list_head *head)',
      '{',
      '\tstruct item *p, *n;',
      '\tint total = 0;',
      '\tuk_list_for_each_entry(p, head, node) {',
      '\t\ttotal += weigh(p);',
      '\t}',
      '\tuk_list_for_each_entry_safe(p, n, head, node)',
      '\t\tdrop(p);',
      '\treturn total;',
      '}',
      '',
    ].join('\n');
    const p = parse(text);
    expect(p.facts.functions.map((f) => f.name)).toEqual(['walk']);
    const calls = p.facts.calls.map((c) => `${p.slice(c.calleeSpan)} in ${c.inFunction} line ${p.text.slice(0, c.span.start).split('\n').length}`);
    expect(calls).toEqual(['weigh in walk line 6', 'drop in walk line 9']);
    // the iterator's own arguments stay readable in the facts: `p` is the walk's local
    const weigh = p.facts.calls[0]!;
    expect(weigh.args.map((a) => `${p.slice(a.span)} ${a.binding}`)).toEqual(['p local']);
    expect(p.parsed.macroSites.filter((s) => s.kind === 'iterator').map((s) => `${s.name}${s.argsText}`)).toEqual([
      'uk_list_for_each_entry(p, head, node)',
      'uk_list_for_each_entry_safe(p, n, head, node)',
    ]);
  });

  test('a call inside the iterator arguments is a macro-argument', () => {
    const p = parse('void f(void)\n{\n\tstruct item *p;\n\tuk_list_for_each_entry(p, list_of(3), node) {\n\t\tuse(p);\n\t}\n}\n');
    expect(p.facts.calls.map((c) => `${p.slice(c.calleeSpan)} ${c.context}`)).toEqual(['list_of macro-argument', 'use statement']);
  });
});

describe('type-argument macros', () => {
  test('uk_list_entry(p, struct x, node) parses; the call and its non-type arguments keep their text', () => {
    const text = [
      'struct x { int v; struct uk_list_head node; };',
      'int first(struct uk_list_head *h)',
      '{',
      '\tstruct x *e = uk_list_entry(h->next, struct x, node);',
      '\treturn e->v;',
      '}',
      '',
    ].join('\n');
    const p = parse(text);
    const call = p.facts.calls.find((c) => c.callee === 'uk_list_entry')!;
    expect(p.slice(call.calleeSpan)).toBe('uk_list_entry');
    expect(p.slice(call.span)).toBe('uk_list_entry(h->next, struct x, node)');
    expect(p.slice(call.argsSpan)).toBe('(h->next, struct x, node)');
    expect(call.args).toHaveLength(3);
    expect([p.slice(call.args[0]!.span), p.slice(call.args[2]!.span)]).toEqual(['h->next', 'node']);
    expect(call.context).toBe('initializer');
    const site = p.parsed.macroSites.find((s) => s.kind === 'type-arg')!;
    expect(p.text.slice(site.start, site.end)).toBe('uk_list_entry(h->next, struct x, node)');
  });
});

describe('the parse view itself', () => {
  test('comments, strings and directives are never rewritten', () => {
    const text = '#define X __unused\n/* __unused */ const char *s = "__attribute__((flexos_whitelist))"; // __noreturn\nstatic __unused int y;\n';
    const view = buildParseView(text, table);
    expect(view.view.length).toBe(text.length);
    expect(view.sites.map((s) => text.slice(s.start, s.end))).toEqual(['__unused']);
    expect(view.sites[0]!.start).toBe(text.lastIndexOf('__unused'));
  });

  test('without the macro table the same idioms produce ERROR nodes (the table is what fixes them)', () => {
    const raw = parseSource('raw.c', 'UK_SYSCALL_R_DEFINE(int, f, int, a)\n{\n\treturn a;\n}\nstatic int x __attribute__((flexos_whitelist)) = 3;\n', {
      blank: new Set(),
      blankCall: new Set(),
      iterator: new Set(),
      definer: new Map(),
      typeArg: new Map(),
      alias: new Map(),
      string: new Set(),
      template: new Map(),
    });
    // attributes are always lifted, but the definer is unknown without the table
    expect(raw.tree.rootNode.hasError).toBe(true);
  });
});

describe('user macro files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flexos-macros-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an extra file extends the bundled table', () => {
    const file = join(dir, 'extra.yaml');
    writeFileSync(file, ['blank:', '  - MY_API', 'iterator:', '  - my_foreach', 'definer:', '  MY_DEFINE: { returns: 0, name: 1, params: pairs }', 'type_arg:', '  my_entry: [1]', ''].join('\n'));
    const extended = loadMacroTable([file]);
    expect(extended.blank.has('MY_API')).toBe(true);
    expect(extended.blank.has('__unused')).toBe(true); // bundled entries are kept
    expect(extended.iterator.has('my_foreach')).toBe(true);
    expect(extended.definer.get('MY_DEFINE')).toEqual({ returns: 0, name: 1, params: 'pairs' });
    expect(extended.typeArg.get('my_entry')).toEqual([1]);
    expect(table.blank.has('MY_API')).toBe(false);

    const text = 'MY_API int api(void) { return 1; }\nMY_DEFINE(long, mk, int, a)\n{\n\tstruct y *p;\n\tmy_foreach(p, a) {\n\t\tapi();\n\t}\n\treturn (long)my_entry(p, struct y, n);\n}\n';
    // the bundled table alone cannot read it
    expect(parseSource('u.c', text, table).tree.rootNode.hasError).toBe(true);
    const p = parse(text, extended);
    expect(p.facts.functions.map((f) => `${f.name} ${p.slice(f.nameSpan)} ${f.viaMacro ?? '-'}`)).toEqual(['api api -', 'mk mk MY_DEFINE']);
    expect(p.facts.calls.map((c) => `${p.slice(c.calleeSpan)} ${c.inFunction}`)).toEqual(['api mk', 'my_entry mk']);
  });

  test('a malformed macro file is an InputError naming file:line:col', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'blank:\n  - OK_NAME\n  - [unclosed\n');
    let err: unknown;
    try {
      loadMacroTable([file]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(new RegExp(`^${escape(file)}:\\d+:\\d+: malformed macro table`));
    expect((err as Error).message).not.toContain('\n');
    const dup = join(dir, 'dup.yaml');
    writeFileSync(dup, 'blank:\n  - A\nblank:\n  - B\n');
    expect(() => loadMacroTable([dup])).toThrow(new RegExp(`^${escape(dup)}:3:1: malformed macro table: Map keys must be unique`));
  });

  test('a well-formed YAML with a wrong shape names the offending key with file:line:col', () => {
    const file = join(dir, 'shape.yaml');
    writeFileSync(file, 'blank:\n  - A\niterators:\n  - b\n');
    expect(() => loadMacroTable([file])).toThrow(InputError);
    expect(() => loadMacroTable([file])).toThrow(new RegExp(`^${escape(file)}:3:1: unknown macro-table key 'iterators'`));
  });

  test('a missing macro file is an InputError', () => {
    expect(() => loadMacroTable([join(dir, 'absent.yaml')])).toThrow(InputError);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
