/**
 * The macro-table entries the bench relies on (Redis, jemalloc, Lua, hiredis and SQLite idioms)
 * each turn a snippet that tree-sitter-c cannot read into one it parses without ERROR, while the
 * parse view keeps every offset and newline; and the bench's layout rule for function openings
 * finds what it should.
 */
import { describe, expect, test } from '@jest/globals';
import { extractFacts } from '../../src/analyze/facts.js';
import type { FileFacts } from '../../src/analyze/model.js';
import { emptyMacroTable, loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource, type ParsedSource } from '../../src/parse/parser.js';
import { codeOnly, functionOpenings } from '../../bench/lib.js';

const table = loadMacroTable();

function newlineOffsets(s: string): number[] {
  const out: number[] = [];
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) out.push(i);
  return out;
}

/** Asserts the snippet needs the table (errors without it) and parses cleanly with it. */
function parse(text: string): { parsed: ParsedSource; facts: FileFacts } {
  expect(parseSource('snippet.c', text, emptyMacroTable()).tree.rootNode.hasError).toBe(true);
  const parsed = parseSource('snippet.c', text, table);
  expect(parsed.view.length).toBe(text.length);
  expect(newlineOffsets(parsed.view)).toEqual(newlineOffsets(text));
  expect(parsed.tree.rootNode.hasError).toBe(false);
  return { parsed, facts: extractFacts(parsed, { path: 'snippet.c', library: null, isHeader: false }) };
}

const lines = (...l: string[]): string => l.join('\n') + '\n';
const names = (facts: FileFacts): string[] => facts.functions.map((f) => f.name);
const callees = (facts: FileFacts): string[] => facts.calls.map((c) => c.callee);

describe('blank: qualifier and marker macros', () => {
  test('SQLite Tcl harness: SQLITE_TCLAPI, CONST, EXTERN', () => {
    const { facts } = parse(
      lines(
        'static int SQLITE_TCLAPI DbObjCmd(void *cd, Tcl_Interp *interp, int objc, Tcl_Obj *CONST objv[]){',
        '  return Tcl_GetIndexFromObj(interp, objv[1], 0);',
        '}',
        'EXTERN int Sqlite3_Init(Tcl_Interp *interp){ return DbObjCmd(0, interp, 0, 0); }',
      ),
    );
    expect(names(facts)).toEqual(['DbObjCmd', 'Sqlite3_Init']);
    expect(facts.functions.map((f) => f.linkage)).toEqual(['static', 'extern']);
    expect(callees(facts)).toEqual(['Tcl_GetIndexFromObj', 'DbObjCmd']);
  });

  test('SQLite: deliberate_fall_through after a case, SQLITE_NO_TSAN before the return type', () => {
    const { facts } = parse(
      lines(
        'int f(int x){',
        '  switch( x ){',
        '    case 1: x++; /* no break */ deliberate_fall_through',
        '    case 2: x--; break;',
        '  }',
        '  return x;',
        '}',
        'static SQLITE_NO_TSAN void walIndexWriteHdr(Wal *pWal){ walShmBarrier(pWal); }',
      ),
    );
    expect(names(facts)).toEqual(['f', 'walIndexWriteHdr']);
  });

  test('Redis and jemalloc: REDIS_STATIC, ATOMIC_INLINE, UNUSED, JEMALLOC_FALLTHROUGH', () => {
    const { facts } = parse(
      lines(
        'REDIS_STATIC quicklistNode *quicklistCreateNode(void) {',
        '    return zmalloc(sizeof(quicklistNode));',
        '}',
        'ATOMIC_INLINE int',
        'atomic_load_int(const atomic_int_t *a) {',
        '  UNUSED bool propagate;',
        '  switch (a->n) { case 3: k ^= t[2]; JEMALLOC_FALLTHROUGH',
        '  case 2: k ^= t[1]; }',
        '  return a->repr;',
        '}',
      ),
    );
    expect(names(facts)).toEqual(['quicklistCreateNode', 'atomic_load_int']);
    // an alias entry keeps what the macro stands for: REDIS_STATIC is read as `static`
    expect(facts.functions[0]!.linkage).toBe('static');
  });

  test('hiredis adapters and examples: G_GNUC_UNUSED after a parameter, EV_P_ before one', () => {
    const { facts } = parse(
      lines(
        'static void connect_cb(const redisAsyncContext *ac G_GNUC_UNUSED, int status) { (void)status; }',
        'static void redisLibevReadEvent(EV_P_ ev_io *watcher, int revents) { redisAsyncHandleRead(watcher->data); }',
      ),
    );
    expect(facts.functions.map((f) => f.params.map((p) => p.name))).toEqual([
      ['ac', 'status'],
      ['watcher', 'revents'],
    ]);
  });

  test('jemalloc tests: TEST_END closing a TEST_BEGIN block keeps the next function whole', () => {
    const { facts } = parse(
      lines('TEST_BEGIN(test_a0) {', '\tvoid *p = a0malloc(1);', '\ta0dalloc(p);', '}', 'TEST_END', '', 'int', 'main(void) {', '\treturn test(test_a0);', '}'),
    );
    expect(names(facts)).toEqual(['test_a0', 'main']);
    expect(callees(facts)).toEqual(['a0malloc', 'a0dalloc', 'test']);
  });

  test('jemalloc hook.c: statement macros without `;`', () => {
    const { facts } = parse(
      lines(
        'static void f(void) {',
        '\tHOOK_PROLOGUE',
        '',
        '\thooks_internal_t hook;',
        '\tFOR_EACH_HOOK_BEGIN(&hook)',
        '\t\thook_alloc h = hook.hooks.alloc_hook;',
        '\tFOR_EACH_HOOK_END',
        '\tHOOK_EPILOGUE',
        '}',
      ),
    );
    expect(names(facts)).toEqual(['f']);
  });
});

describe('blank_call: statement fragments, generators, string pasting', () => {
  test('SQLite debug-only macros: the code around them keeps its calls', () => {
    const { facts } = parse(
      lines(
        'int f(Btree *p){',
        '  int rc2;',
        '  TESTONLY( rc2 = ) sqlite3BtreeCommitPhaseOne(p, 0);',
        '  VVA_ONLY( int nRef );',
        '  MUTEX_LOGIC( sqlite3_mutex *mutexShared; )',
        '  SimulateIOError( return SQLITE_IOERR );',
        '  IOTRACE(("LOCK %p\\n", p))',
        '  return sqlite3BtreeCommitPhaseTwo(p, 0);',
        '}',
      ),
    );
    expect(callees(facts)).toEqual(['sqlite3BtreeCommitPhaseOne', 'sqlite3BtreeCommitPhaseTwo']);
    expect(facts.parseErrors).toEqual([]);
  });

  test('Lua LUA_QL pasted into a string, Redis GET_NUMERIC_TYPE without `;`', () => {
    const { facts } = parse(
      lines(
        'static int tostr(lua_State *L) {',
        '  return luaL_error(L, LUA_QL("tostring") " must return a string");',
        '}',
        'static int numericSet(void) {',
        '  long long prev = 0;',
        '  GET_NUMERIC_TYPE(prev)',
        '  if (prev != 0) return setNumericType(prev);',
        '  return 0;',
        '}',
      ),
    );
    expect(names(facts)).toEqual(['tostr', 'numericSet']);
    expect(callees(facts)).toEqual(['luaL_error', 'setNumericType']);
  });

  test('jemalloc ctl.c: file-scope generators of whole functions', () => {
    const { facts } = parse(
      lines('CTL_RO_NL_GEN(version, JEMALLOC_VERSION, const char *)', 'CTL_RO_CONFIG_GEN(config_debug, bool)', '', 'static int', 'epoch_ctl(tsd_t *tsd) {', '\treturn 0;', '}'),
    );
    expect(names(facts)).toEqual(['epoch_ctl']);
  });

  test('jemalloc log.h: log_do_begin / log_do_end bracket statements', () => {
    const { facts } = parse(
      lines('static void f(void) {', '\tfor (i = 0; i < 10; i++) {', '\t\tlog_do_begin(log_l1_a)', '\t\t\tcount++;', '\t\tlog_do_end(log_l1_a)', '\t}', '}'),
    );
    expect(names(facts)).toEqual(['f']);
  });
});

describe('iterator: NAME(args) { body } read as a loop', () => {
  test('Redis TEST / run_with_period and jemalloc ql_foreach: calls in the body are seen', () => {
    const { facts } = parse(
      lines(
        'void f(void) {',
        '  TEST("Create list") {',
        '    lpFree(lp);',
        '  }',
        '  run_with_period(1000) {',
        '    cron();',
        '  }',
        '  ql_foreach(w, witnesses, link) {',
        '    witness_print(w);',
        '  }',
        '}',
      ),
    );
    expect(callees(facts)).toEqual(['lpFree', 'cron', 'witness_print']);
  });
});

describe('type_arg: type names in argument positions', () => {
  test('Lua cast / luaM_newvector, SQLite GLOBAL / SWAP, jemalloc VARIABLE_ARRAY / READ', () => {
    const { facts, parsed } = parse(
      lines(
        'void f(void) {',
        '  Closure *c = cast(Closure *, luaM_malloc(L, 8));',
        '  f->p = luaM_newvector(L, n, Proto *);',
        '  for(pBt=GLOBAL(BtShared*,sqlite3SharedCacheList); pBt; pBt=pBt->pNext){}',
        '  SWAP(Expr*, pLeft, pRight);',
        '  VARIABLE_ARRAY(extent_t *, item_extent, nflush);',
        '  READ(oldname, const char *);',
        '}',
      ),
    );
    expect(callees(facts)).toEqual(['cast', 'luaM_malloc', 'luaM_newvector', 'GLOBAL', 'SWAP', 'VARIABLE_ARRAY', 'READ']);
    expect(parsed.macroSites.filter((s) => s.kind === 'type-arg').map((s) => s.name)).toEqual(['cast', 'luaM_newvector', 'GLOBAL', 'SWAP', 'VARIABLE_ARRAY', 'READ']);
  });
});

describe('bench layout rule for function openings', () => {
  test('finds K&R-free function headers in both brace styles, skips declarations, calls and initialisers', () => {
    const text = lines(
      '/* int commented(void) { } */',
      'static int',
      'one(int a) {',
      '  return two(a);',
      '}',
      'int two(',
      '  int b',
      '){',
      '  if (b) { return 1; }',
      '  return 0;',
      '}',
      'int proto(int c);',
      'static const struct s table[] = { { 1 } };',
      'struct s { int x; };',
      'TEST_BEGIN(test_a0) {',
      '}',
    );
    const found = functionOpenings(codeOnly(text)).map((o) => text.slice(o.head, o.brace + 1).replace(/\s+/g, ' '));
    expect(found).toEqual(['one(int a) {', 'int two( int b ){', 'TEST_BEGIN(test_a0) {']);
  });
});
