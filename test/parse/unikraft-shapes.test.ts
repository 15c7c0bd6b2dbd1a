/**
 * Shapes found in real Unikraft trees (mainline and FlexOS's), reproduced in small fixtures of
 * our own: dead `#if 0` / `__cplusplus` branches, the extern "C" guard, inline asm (statements,
 * register variables, asm in #define bodies), the queue, trace and trap macro families, test
 * cases, syscall definers with marked parameters, string-literal macros, and host tools under
 * support/. Each parses without an error region and the facts point at the original text.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { extractFacts } from '../../src/analyze/facts.js';
import type { FileFacts, Span } from '../../src/analyze/model.js';
import { scanConditionals } from '../../src/parse/conditionals.js';
import { InputError } from '../../src/diagnostics/input-error.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource, type ParsedSource } from '../../src/parse/parser.js';

const table = loadMacroTable();

function newlines(s: string): number[] {
  const out: number[] = [];
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) out.push(i);
  return out;
}

/** Parses `text` and checks the invariants: same length, same newlines, no error region. */
function clean(text: string): { parsed: ParsedSource; facts: FileFacts; slice: (s: Span) => string } {
  const parsed = parseSource('shape.c', text, table);
  expect(parsed.view.length).toBe(text.length);
  expect(newlines(parsed.view)).toEqual(newlines(text));
  const facts = extractFacts(parsed, { path: 'shape.c', library: 'libx', isHeader: false });
  expect(facts.parseErrors.map((e) => `${e.start.line}:${e.start.column} ${text.slice(e.span.start, e.span.start + 30)}`)).toEqual([]);
  expect(facts.skippedBranches).toEqual([]);
  return { parsed, facts, slice: (s) => text.slice(s.start, s.end) };
}

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'flexos-shapes-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('dead branches: #if 0 and __cplusplus', () => {
  // vfscore's mount.c shape: an #if 0 block of C++ that would swallow the live function after it
  const MOUNT = [
    '#ifdef __cplusplus',
    'extern "C" {',
    '#endif',
    'int uk_mutex_lock(int *m);',
    '#if 0',
    'int mount_lock(void)',
    '{',
    '\tfor (auto&& mp : mount_list) {',
    '#endif',
    'int sync(void)',
    '{',
    '\treturn uk_mutex_lock(0);',
    '}',
    '#if 1',
    'static int mode = 1;',
    '#else',
    'static int mode =',
    '#endif',
    '#ifndef __cplusplus',
    'int c_only(void) { return mode; }',
    '#else',
    'auto cxx_only() -> int { return 0; }',
    '#endif',
    '#ifdef __cplusplus',
    '}',
    '#endif',
    '',
  ].join('\n');

  test('scanConditionals: dead branches with their reason, live ones left alone', () => {
    const { dead } = scanConditionals(MOUNT);
    expect(dead.map((d) => `${d.reason}:${MOUNT.slice(d.start, d.end).trim().split('\n')[0]}`)).toEqual([
      '__cplusplus:extern "C" {',
      '#if 0:int mount_lock(void)',
      '#if 1:static int mode =',
      '__cplusplus:auto cxx_only() -> int { return 0; }',
      '__cplusplus:}',
    ]);
    const { dead: none } = scanConditionals('#if CONFIG_X\nint a;\n#else\nint b;\n#endif\n#if 0\n#elif CONFIG_Y\nint c;\n#else\nint d;\n#endif\n');
    expect(none.map((d) => d.reason)).toEqual(['#if 0']);
  });

  test('are not parsed: no phantom function, no error, the live function after them is seen', () => {
    const p = clean(MOUNT);
    expect(p.facts.functions.map((f) => f.name)).toEqual(['sync', 'c_only']);
    expect(p.facts.calls.map((c) => `${c.callee} in ${c.inFunction}`)).toEqual(['uk_mutex_lock in sync']);
    expect(p.facts.deadCode.map((d) => `${d.start.line} ${d.reason}`)).toEqual(['1 __cplusplus', '5 #if 0', '16 #if 1', '21 __cplusplus', '24 __cplusplus']);
  });

  test('each #if 0 group is one note; __cplusplus guards make none', () => {
    const root = tree({ 'libvfs/Makefile.uk': '$(eval $(call addlib,libvfs))\n', 'libvfs/mount.c': MOUNT });
    try {
      const a = analyzeTree(root, { macros: table });
      expect(a.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}`)).toEqual([
        'libvfs/mount.c:5:1 note dead-code: lines 6-8 are dead code (#if 0): not parsed and not analyzed, as no compiler sees them',
        'libvfs/mount.c:16:1 note dead-code: lines 17-17 are dead code (#else of #if 1): not parsed and not analyzed, as no compiler sees them',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('inline asm', () => {
  test('asm statements, register variables and asm in a #define body with comments', () => {
    const p = clean(
      [
        '#define syscall0(num)\t\t\t\\',
        '({\t\t\t\t\t\t\\',
        '\tregister long _nret asm("rax") = (num);\t\\',
        '\tasm volatile ("syscall"\t\t\t\\',
        '\t\t      : /* output */\t\t\\',
        '\t\t\t"=r" (_nret)\t\t\\',
        '\t\t      : /* clobbers */\t\t\\',
        '\t\t\t"r11", "rcx", "memory");\t\\',
        '\t_nret;\t\t\t\t\t\\',
        '})',
        '# define checkProfileCallback(DB,P)  /*no-op*/',
        'long eval(long f)',
        '{',
        '\tregister unsigned long ret asm("rax") = f;',
        '\tregister unsigned long arg __asm__("rdi");',
        '\tasm volatile ("call *%0" : "=r"(ret) : "r"(arg) : "memory");',
        '\t__asm__ __volatile__("pause");',
        '\tif (f) asm("nop"); else asm("hlt");',
        '\treturn ret;',
        '}',
        'int renamed(void) __asm__("other_name");',
        '',
      ].join('\n'),
    );
    expect(p.facts.functions.map((f) => f.name)).toEqual(['eval']);
    expect(p.facts.locals.map((v) => p.slice(v.nameSpan))).toEqual(['ret', 'arg']);
    expect(p.parsed.macroSites.filter((s) => s.kind === 'asm-label').map((s) => p.slice(s))).toEqual(['asm("rax")', '__asm__("rdi")', '__asm__("other_name")']);
  });
});

describe('queue, trace, trap and test macro families', () => {
  test('UK_*_ENTRY fields, UK_*_HEAD types, REMOVE with a type, FOREACH loops', () => {
    const p = clean(
      [
        'struct uk_thread {',
        '\tUK_TAILQ_ENTRY(struct uk_thread) thread_list;',
        '\tUK_SLIST_ENTRY(struct uk_thread) entries;',
        '\tUK_STAILQ_ENTRY(struct uk_thread) q;',
        '};',
        'UK_TAILQ_HEAD(uk_thread_list, struct uk_thread);',
        'static UK_STAILQ_HEAD(wait_list, struct uk_thread) waiting = UK_STAILQ_HEAD_INITIALIZER(waiting);',
        'UK_RB_GENERATE_STATIC(tree, node, link, cmp)',
        'void wake(struct uk_thread_list *l, struct uk_thread *t)',
        '{',
        '\tstruct uk_thread *i, *tmp;',
        '\tUK_STAILQ_REMOVE(&waiting, t, struct uk_thread, q);',
        '\tUK_TAILQ_FOREACH_SAFE(i, l, thread_list, tmp) {',
        '\t\tsched(i);',
        '\t}',
        '\tUK_TAILQ_FOREACH_REVERSE(i, l, uk_thread_list, thread_list)',
        '\t\tsched(i);',
        '\tuk_ctortab_foreach(ctor, start, end) {',
        '\t\t(*ctor)();',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
    expect(p.facts.functions.map((f) => f.name)).toEqual(['wake']);
    expect(p.facts.globals.map((g) => g.name)).toEqual(['waiting']);
    expect(p.facts.calls.filter((c) => !c.indirect).map((c) => `${c.callee}=${p.slice(c.calleeSpan)}`)).toEqual([
      'UK_STAILQ_HEAD_INITIALIZER=UK_STAILQ_HEAD_INITIALIZER',
      'UK_STAILQ_REMOVE=UK_STAILQ_REMOVE',
      'sched=sched',
      'sched=sched',
    ]);
  });

  test('UK_TRACEPOINT declares a static function; DECLARE_TRAP(_EC) defines do_<name>', () => {
    const p = clean(
      [
        'UK_TRACEPOINT(trace_socket_create, "%d %d %d", int, int,',
        '\t      int);',
        'DECLARE_TRAP_EC(divide_error,    "divide error",         UKARCH_TRAP_MATH)',
        'DECLARE_TRAP   (debug,           "debug",                UKARCH_TRAP_DEBUG)',
        'int socket(int a, int b, int c)',
        '{',
        '\ttrace_socket_create(a, b, c);',
        '\treturn 0;',
        '}',
        '',
      ].join('\n'),
    );
    expect(p.facts.functions.map((f) => `${f.linkage} ${f.name} ${f.viaMacro ?? '-'}`)).toEqual([
      'static trace_socket_create UK_TRACEPOINT',
      'extern do_divide_error DECLARE_TRAP_EC',
      'extern do_debug DECLARE_TRAP',
      'extern socket -',
    ]);
    expect(p.slice(p.facts.functions[0]!.nameSpan)).toBe('trace_socket_create');
    expect(p.facts.calls.map((c) => `${c.callee} in ${c.inFunction}`)).toEqual(['trace_socket_create in socket']);
  });

  test('UK_TESTCASE bodies are functions named after suite and case; UBSAN handlers too', () => {
    const p = clean(
      [
        'UK_TESTCASE(ukstreambuf, test_seek)',
        '{',
        '\tUK_TEST_EXPECT_SNUM_EQ(seek(0), 0);',
        '}',
        'UBSAN_RECOVERABLE(add_overflow, struct ubsan_overflow_data *, data,',
        '\t\t  value_handle_t, lhs, value_handle_t, rhs)',
        '{',
        '\treport(data, lhs, rhs);',
        '}',
        '',
      ].join('\n'),
    );
    expect(p.facts.functions.map((f) => `${f.name}(${f.params.map((x) => x.name).join(',')})`)).toEqual(['ukstreambuf_test_seek()', 'add_overflow(data,lhs,rhs)']);
    expect(p.facts.functions[1]!.params.map((x) => p.slice(x.span))).toEqual(['struct ubsan_overflow_data *, data', 'value_handle_t, lhs', 'value_handle_t, rhs']);
    expect(p.facts.calls.map((c) => `${c.callee} in ${c.inFunction}`)).toEqual(['UK_TEST_EXPECT_SNUM_EQ in ukstreambuf_test_seek', 'seek in ukstreambuf_test_seek', 'report in add_overflow']);
  });

  test('syscall definers whose parameters carry __unused; DECONST and operator arguments', () => {
    const p = clean(
      [
        'UK_SYSCALL_R_DEFINE(int, rt_sigprocmask,',
        '\t\t    int __unused, how,',
        '\t\t    const sigset_t *__unused, set,',
        '\t\t    size_t __unused, sigsetsize)',
        '{',
        '\treturn 0;',
        '}',
        'size_t span(const char *s, const char *c)',
        '{',
        '\tsize_t byteset[4] = { 0 };',
        '\tfor (; *c && BITOP(byteset, *(unsigned char *)c, |=); c++)',
        '\t\t;',
        '\tfree(DECONST(char *, s));',
        '\treturn 0;',
        '}',
        '',
      ].join('\n'),
    );
    expect(p.facts.functions.map((f) => `${f.name}(${f.params.map((x) => x.name).join(',')})`)).toEqual(['rt_sigprocmask(how,set,sigsetsize)', 'span(s,c)']);
    expect(p.facts.calls.map((c) => c.callee)).toEqual(['BITOP', 'free', 'DECONST']);
  });

  test('string-literal macros next to literals: STRINGIFY(x) " ", colour prefixes', () => {
    const p = clean(
      [
        'void banner(void)',
        '{',
        '\tprint("Unikraft " STRINGIFY(UK_CODENAME) " " STRINGIFY(UK_FULLVERSION));',
        '\tcout(LVLC_RESET LVLC_THREAD "<%s> ", name);',
        '\tout(_VPRINT_ARGS_SRCNAME(srcname, srcline) fmt);',
        '}',
        '',
      ].join('\n'),
    );
    expect(p.facts.calls.map((c) => c.callee)).toEqual(['print', 'cout', 'out']);
  });
});

describe('host tools', () => {
  test('support/ at the root is neither a library nor analysed, even with a Makefile.uk; one note says so', () => {
    const root = tree({
      'Makefile.uk': '',
      'lib/ukfoo/Makefile.uk': '$(eval $(call addlib,libukfoo))\n',
      'lib/ukfoo/foo.c': 'int foo(void) { return 0; }\n',
      'support/kconfig/Makefile.uk': '$(eval $(call addlib,libkconfig))\n',
      'support/kconfig/zconf.c': 'int yylex(void) { return menu_add_entry(; }\n',
      'support/scripts/helper.c': 'int main(void) { return 0; }\n',
    });
    try {
      const a = analyzeTree(root, { macros: table });
      expect(a.libraries.map((l) => l.name)).toEqual(['libukfoo']);
      expect(a.index.files.map((f) => f.path)).toEqual(['lib/ukfoo/foo.c']);
      expect(a.diagnostics.map((d) => `${d.file} ${d.severity} ${d.code}: ${d.message}`)).toEqual([
        'support note host-tools: support/ holds host tools (2 C files built for the build machine, not the unikernel): not a library, not analyzed',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('macro table: new keys are validated', () => {
  test('a definer with a bad shape and a multi-line template name the file and the key', () => {
    const root = tree({
      'bad-definer.yaml': 'definer:\n  MY_DEFINE: { returns: void, name: $0, params: triples }\n',
      'bad-template.yaml': 'template:\n  MY_HEAD: ""\n',
    });
    try {
      expect(() => loadMacroTable([join(root, 'bad-definer.yaml')])).toThrow(InputError);
      expect(() => loadMacroTable([join(root, 'bad-definer.yaml')])).toThrow(/bad-definer\.yaml:1:1: definer 'MY_DEFINE' needs/);
      expect(() => loadMacroTable([join(root, 'bad-template.yaml')])).toThrow(/bad-template\.yaml:1:1: template 'MY_HEAD' needs one line of C/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
