/**
 * `flexos port` on a small two-library tree (test/port/fixtures/basic: liba exports functions,
 * libb calls them in every position a port has to handle). Proves the exact diff for each gate
 * form, whitelist, shared literal, callback and include; that every manual case is listed with
 * its reason and left unchanged; idempotence; --write all-or-nothing; --patch; --json; exit codes.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPort, type PortArgs, type PortDeps, type PortedFile } from '../../src/cli/commands/port.js';
import { main } from '../../src/cli/main.js';
import type { CliRun } from '../support/cli.js';
import { copyToTempTree } from '../support/temp-tree.js';
import { InputError } from '../../src/diagnostics/input-error.js';
import { commitChanges } from '../../src/emit/transaction.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(REPO, 'test/port/fixtures/basic');
const PLACEHOLDERS = join(REPO, 'rules/fcalls/placeholders');

/** runPort as the CLI runs it: an InputError is exit 2 with one `flexos:` line. */
async function port(args: Partial<PortArgs> & { tree: string }, deps: PortDeps = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
  try {
    const code = await runPort(args, out, deps);
    return { code, stdout, stderr };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { code: 2, stdout, stderr: stderr + `flexos: ${err.message}\n` };
  }
}

function snapshot(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(root, p), readFileSync(p, 'latin1'));
    }
  };
  walk(root);
  return files;
}

/** Splits a multi-file diff into path → that file's diff. */
function perFile(diff: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of diff.split(/^(?=diff --git )/m)) {
    if (part === '') continue;
    out.set(/^diff --git a\/(\S+)/.exec(part)![1]!, part);
  }
  return out;
}

/** Puts git's header (`diff --git`, `---`, `+++`) before each file's hunks, as `port` prints them. */
function withGitHeader(hunks: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(hunks).map(([path, h]) => [path, `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n${h}`]));
}

/** `port`'s diff of each changed file, written here without git's three header lines (withGitHeader adds them). */
const EXPECTED: Record<string, string> = withGitHeader({
  'a/a.c': `@@ -1,8 +1,9 @@
 #include <stdarg.h>
 #include <string.h>
 #include <a/a.h>
+#include <flexos/isolation.h>
 
-int a_level = 1;
+__attribute__((flexos_whitelist)) int a_level = 1;
 int a_counter;
 static char a_store[64];
 /* every entry point counts its calls: each touches liba's state, so each needs a gate */
@@ -79,7 +80,7 @@
 
 int a_iter(a_cb cb, void *arg)
 {
-	int v = a_counter;
+	__attribute__((flexos_whitelist)) int v = a_counter;
 
 	return cb(&v, arg);
 }
`,
  'b/assignment.c': `@@ -1,12 +1,13 @@
 #include <a/a.h>
+#include <flexos/isolation.h>
 
 int b_assign(int x)
 {
 	int r;
 	char *p;
 
-	r = a_get(x);
-	r = (a_get(r + 1));
-	p = a_dup(0);
+	flexos_gate_r(liba, r, a_get, x);
+	flexos_gate_r(liba, r, a_get, r + 1);
+	flexos_gate_r(liba, p, a_dup, 0);
 	return r + (p != 0);
 }
`,
  'b/hoist.c': `@@ -1,4 +1,5 @@
 #include <a/a.h>
+#include <flexos/isolation.h>
 
 static int b_twice(int v)
 {
@@ -9,18 +10,34 @@
 {
 	int y;
 
-	y = 1 + a_get(x);
-	if (a_get(y) < 0)
+	int flexos_tmp1;
+	flexos_gate_r(liba, flexos_tmp1, a_get, x);
+	y = 1 + flexos_tmp1;
+	int flexos_tmp2;
+	flexos_gate_r(liba, flexos_tmp2, a_get, y);
+	if (flexos_tmp2 < 0)
 		return -1;
-	if (a_get(y) > 0 && x)
+	int flexos_tmp3;
+	flexos_gate_r(liba, flexos_tmp3, a_get, y);
+	if (flexos_tmp3 > 0 && x)
 		y++;
-	y += a_get(2);
-	y = a_get(a_get(x));
-	y = b_twice(a_get(y));
-	switch (a_get(3)) {
+	int flexos_tmp4;
+	flexos_gate_r(liba, flexos_tmp4, a_get, 2);
+	y += flexos_tmp4;
+	int flexos_tmp5;
+	flexos_gate_r(liba, flexos_tmp5, a_get, x);
+	flexos_gate_r(liba, y, a_get, flexos_tmp5);
+	int flexos_tmp6;
+	flexos_gate_r(liba, flexos_tmp6, a_get, y);
+	y = b_twice(flexos_tmp6);
+	int flexos_tmp7;
+	flexos_gate_r(liba, flexos_tmp7, a_get, 3);
+	switch (flexos_tmp7) {
 	case 1:
 		y++;
 		break;
 	}
-	return y * a_get(y);
+	int flexos_tmp8;
+	flexos_gate_r(liba, flexos_tmp8, a_get, y);
+	return y * flexos_tmp8;
 }
`,
  'b/initializer.c': `@@ -1,11 +1,14 @@
 #include <a/a.h>
+#include <flexos/isolation.h>
 
 int b_init(int x)
 {
-	int r = a_get(x);
-	const char *s = a_dup(0);
-	char *t =
-		a_dup(0);
+	int r;
+	flexos_gate_r(liba, r, a_get, x);
+	const char *s;
+	flexos_gate_r(liba, s, a_dup, 0);
+	char *t;
+	flexos_gate_r(liba, t, a_dup, 0);
 
 	return r + (s != 0) + (t != 0);
 }
`,
  'b/noinc.c': `@@ -1,7 +1,10 @@
 /* A file without includes: the prototype is written here. */
+#include <flexos/isolation.h>
 int a_get(int x);
 
 int b_noinc(int x)
 {
-	return a_get(x) + 1;
+	int flexos_tmp1;
+	flexos_gate_r(liba, flexos_tmp1, a_get, x);
+	return flexos_tmp1 + 1;
 }
`,
  'b/ported.c': `@@ -13,7 +13,7 @@
 {
 	int r;
 
-	flexos_gate_r(liba, r, a_name, "raw");
+	flexos_gate_r(liba, r, a_name, FLEXOS_SHARED_LITERAL("raw"));
 	flexos_gate(liba, a_fill, (char *)&b_sum, sizeof(b_sum));
 	flexos_gate_r(liba, r, a_iter, b_cb2, 0);
 	return r;
`,
  'b/return.c': `@@ -1,18 +1,22 @@
 #include <a/a.h>
+#include <flexos/isolation.h>
 
 int b_return(int x)
 {
-	return a_get(x);
+	int flexos_ret;
+	flexos_gate_r(liba, flexos_ret, a_get, x);
+	return flexos_ret;
 }
 
 long b_return_unbraced(int x)
 {
 	if (x)
-		return a_get(x);
+		{ long flexos_ret; flexos_gate_r(liba, flexos_ret, a_get, x); return flexos_ret; }
 	return 0;
 }
 
 void b_return_void(int x)
 {
-	return a_put(x);
+	flexos_gate(liba, a_put, x);
+	return;
 }
`,
  'b/shared.c': `@@ -1,10 +1,12 @@
 #include <a/a.h>
+#include <flexos/isolation.h>
 
-static char b_buf[32];
-static int b_count;
-int b_x, b_y;
+static __attribute__((flexos_whitelist)) char b_buf[32];
+static __attribute__((flexos_whitelist)) int b_count;
+int b_x;
+__attribute__((flexos_whitelist)) int b_y;
 
-static int b_cb(int *v, void *arg)
+static __attribute__((liba_callback)) int b_cb(int *v, void *arg)
 {
 	*(int *)arg += *v;
 	return 0;
@@ -12,19 +14,23 @@
 
 int b_shared(void)
 {
-	int local, other = 0;
-	char name[8];
-	int sum = 0;
-	int p1 = 1, p2 = 2;
+	__attribute__((flexos_whitelist)) int local;
+	int other = 0;
+	__attribute__((flexos_whitelist)) char name[8];
+	__attribute__((flexos_whitelist)) int sum = 0;
+	__attribute__((flexos_whitelist)) int p1 = 1;
+	__attribute__((flexos_whitelist)) int p2 = 2;
 
-	a_fill(b_buf, sizeof(b_buf));
-	a_fill(name, sizeof(name));
-	a_fill((char *)&local, sizeof(local));
-	a_fill((char *)&b_y, sizeof(b_y));
-	a_fill((char *)&b_count, sizeof(b_count));
-	a_fill((char *)&p1, sizeof(p1));
-	a_fill((char *)&p2, sizeof(p2));
-	a_name("literal");
-	a_iter(b_cb, &sum);
-	return a_level + a_counter_get() + other + sum + b_x + p1 + p2;
+	flexos_gate(liba, a_fill, b_buf, sizeof(b_buf));
+	flexos_gate(liba, a_fill, name, sizeof(name));
+	flexos_gate(liba, a_fill, (char *)&local, sizeof(local));
+	flexos_gate(liba, a_fill, (char *)&b_y, sizeof(b_y));
+	flexos_gate(liba, a_fill, (char *)&b_count, sizeof(b_count));
+	flexos_gate(liba, a_fill, (char *)&p1, sizeof(p1));
+	flexos_gate(liba, a_fill, (char *)&p2, sizeof(p2));
+	flexos_gate(liba, a_name, FLEXOS_SHARED_LITERAL("literal"));
+	flexos_gate(liba, a_iter, b_cb, &sum);
+	int flexos_tmp1;
+	flexos_gate_r(liba, flexos_tmp1, a_counter_get);
+	return a_level + flexos_tmp1 + other + sum + b_x + p1 + p2;
 }
`,
  'b/statement.c': `@@ -1,8 +1,9 @@
 #include <a/a.h>
+#include <flexos/isolation.h>
 
 void b_statement(int x)
 {
-	a_put(x);
-	(void)a_get(x);
-	a_fill(0, 0);
+	flexos_gate(liba, a_put, x);
+	flexos_gate(liba, a_get, x);
+	flexos_gate(liba, a_fill, 0, 0);
 }
`,
});

describe('the proposed diff, file by file', () => {
  let run: CliRun;
  let files: Map<string, string>;
  beforeAll(async () => {
    run = await port({ tree: FIXTURE });
    files = perFile(run.stdout);
  });

  test('exit 1 when something is proposed, and only the expected files change', async () => {
    expect(run.code).toBe(1);
    expect([...files.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each([
    ['gate form: statement', 'b/statement.c'],
    ['gate form: assignment', 'b/assignment.c'],
    ['gate form: initializer', 'b/initializer.c'],
    ['gate form: return (in a block, unbraced, and in a void function)', 'b/return.c'],
    ['gate form: nested call hoisted into a temporary', 'b/hoist.c'],
    ['whitelists for address-passed locals and globals, a split declaration, a shared literal, a callback', 'b/shared.c'],
    ['whitelists in the defining library: globals used by name or through a static inline, a callback argument', 'a/a.c'],
    ['the include goes after the leading comment of a file without includes', 'b/noinc.c'],
    ['an existing gate only gets its raw literal wrapped', 'b/ported.c'],
  ])('%s', (_what, path) => {
    expect(files.get(path)).toBe(EXPECTED[path]);
  });
});

describe('manual sites', () => {
  let run: CliRun;
  let notes: string[];
  beforeAll(async () => {
    run = await port({ tree: FIXTURE });
    notes = run.stderr.split('\n').filter((l) => l.endsWith('[port-manual]'));
  });

  test('every manual case of b/manual.c is listed with its reason, and the file is left unchanged', async () => {
    expect(perFile(run.stdout).has('b/manual.c')).toBe(false);
    const expected: [number, RegExp][] = [
      [4, /macro B_GET calls a_get\(\) of liba/],
      [17, /a_get\(\) is in a loop header/],
      [19, /right operand of '&&'/],
      [21, /branch of '\?:'/],
      [22, /comma expression/],
      [23, /argument of macro B_CHECK/],
      [24, /a_many\(\) takes 7 arguments; a gate passes at most 6/],
      [25, /a_sum\(\) is variadic/],
      [26, /a_take\(\) takes 'pair_t p', a struct through a typedef, by value/],
      [27, /a_pair\(\) returns 'pair_t', a struct through a typedef, by value/],
      [28, /a_ratio\(\) returns 'double'/],
      [29, /one of 2 variables declared together/],
      [30, /initialises const 'c'/],
      [31, /shares its statement with the call b_bump\(\)/],
      [34, /not directly in a \{ \} block/],
      [36, /operand of sizeof and is never called/],
      [37, /a_hidden\(\) belongs to liba, which does not export it/],
      [38, /a_get_twice\(\) is a macro \(a\/include\/a\/a\.h\) that calls a_get\(\) of liba/],
    ];
    const manual = notes.filter((n) => n.startsWith('b/manual.c:'));
    expect(manual).toHaveLength(expected.length);
    expected.forEach(([line, message], i) => {
      expect(manual[i]).toMatch(new RegExp(`^b/manual\\.c:${line}:\\d+: note: `));
      expect(manual[i]).toMatch(message);
    });
    expect(notes).toHaveLength(expected.length);
  });

  test('the JSON names each manual site with a stable reason code', async () => {
    const json = JSON.parse((await port({ tree: FIXTURE, json: true })).stdout) as { manual: { file: string; line: number; reason: string }[] };
    expect(json.manual.map((m) => `${m.line}:${m.reason}`)).toEqual([
      '4:macro-body',
      '17:loop-condition',
      '19:conditional',
      '21:conditional',
      '22:comma',
      '23:macro-argument',
      '24:too-many-arguments',
      '25:variadic',
      '26:struct-by-value',
      '27:struct-by-value',
      '28:non-register-value',
      '29:multi-declarator',
      '30:const-initializer',
      '31:unsequenced',
      '34:not-in-block',
      '36:unevaluated',
      '37:unexported',
      '38:macro-expansion',
    ]);
  });
});

describe('summary', () => {
  test('stderr holds the per-library porting table after the diff', async () => {
    const run = await port({ tree: FIXTURE });
    const lines = run.stderr.split('\n');
    expect(lines[0]).toMatch(/^library\s+lines \+\/-\s+gates\s+gate_r\s+shared vars\s+shared literals\s+callbacks\s+manual$/);
    expect(lines.find((l) => l.startsWith('liba '))).toMatch(/^liba\s+\+3\/-2\s+0\s+0\s+2\s+0\s+0\s+0$/);
    expect(lines.find((l) => l.startsWith('libb '))).toMatch(/^libb\s+\+76\/-41\s+13\s+19\s+8\s+2\s+1\s+18$/);
  });
});

describe('idempotence and writing', () => {
  test('port --write, then port again: nothing to propose, exit 0, no diff', async () => {
    const tree = copyToTempTree(FIXTURE);
    const first = await port({ tree, write: true });
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('wrote 9 files');
    const again = await port({ tree });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('nothing to propose');
    // the manual sites are still there, unchanged
    expect(again.stderr.split('\n').filter((l) => l.endsWith('[port-manual]'))).toHaveLength(18);
  });

  test('--write writes exactly what the diff shows (git apply of --patch gives the same tree)', async () => {
    const written = copyToTempTree(FIXTURE);
    await port({ tree: written, write: true });
    const patched = copyToTempTree(FIXTURE);
    const patchFile = join(patched, '..', 'port.patch');
    const r = await port({ tree: patched, patch: patchFile });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('port.patch');
    execFileSync('git', ['apply', '-p1', patchFile], { cwd: patched });
    expect(snapshot(patched)).toEqual(snapshot(written));
  });

  test('--write is all or nothing: when one file cannot be written, no file changes and the exit is 2', async () => {
    const tree = copyToTempTree(FIXTURE);
    const before = snapshot(tree);
    const failing = (root: string, files: readonly PortedFile[]): Promise<string[]> =>
      commitChanges(root, [...files.map((f) => ({ path: join(root, f.path), content: Buffer.from(f.after, 'latin1') })), { path: join(root, 'zz-not-a-directory', 'x.c'), content: Buffer.from('y') }]);
    writeFileSync(join(tree, 'zz-not-a-directory'), 'x');
    const r = await port({ tree, write: true }, { writeFiles: failing });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/flexos: .*zz-not-a-directory: exists and is not a directory.*nothing was written/);
    expect(snapshot(tree).get('zz-not-a-directory')).toBe('x');
    rmSync(join(tree, 'zz-not-a-directory'));
    expect(snapshot(tree)).toEqual(before);
  });

  test('the ported fixture still compiles warning-free with the placeholder header', async () => {
    const tree = copyToTempTree(FIXTURE);
    await port({ tree, write: true });
    for (const root of [FIXTURE, tree]) {
      for (const file of [...snapshot(root).keys()].filter((f) => f.endsWith('.c'))) {
        const r = spawnSync('gcc', ['-std=gnu11', '-Wall', '-Werror', '-fsyntax-only', `-I${join(root, 'a/include')}`, `-I${PLACEHOLDERS}`, join(root, file)], { encoding: 'utf8' });
        expect(`${file}: ${r.stderr}`).toBe(`${file}: `);
      }
    }
  });
});

describe('options and exit codes', () => {
  test('--lib b (or libb) ports only that library', async () => {
    for (const lib of ['b', 'libb']) {
      const files = [...perFile((await port({ tree: FIXTURE, lib: [lib] })).stdout).keys()];
      expect(files.every((f) => f.startsWith('b/'))).toBe(true);
      expect(files).toHaveLength(8);
    }
  });

  test('an unknown library is exit 2 and lists the known ones', async () => {
    const r = await port({ tree: FIXTURE, lib: ['nope'] });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("flexos: unknown library 'nope'; the tree has: a (liba), b (libb)\n");
  });

  test('a missing tree is exit 2 through the CLI, with one flexos: line', async () => {
    let stderr = '';
    const code = await main(['port', join(FIXTURE, 'missing')], { stdout: () => undefined, stderr: (t) => void (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^flexos: .*no such directory/);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('the CLI registers port: exit 1 with the diff on stdout', async () => {
    let stdout = '';
    const code = await main(['port', FIXTURE, '--lib', 'a'], { stdout: (t) => void (stdout += t), stderr: () => undefined });
    expect(code).toBe(1);
    expect(stdout).toBe(EXPECTED['a/a.c']);
  });

  test('a library with nothing to propose: exit 0 and an empty diff', async () => {
    const tree = copyToTempTree(FIXTURE);
    await port({ tree, write: true, lib: ['a'] });
    const r = await port({ tree, lib: ['a'] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  test('--json: edits per file, the summary and the manual sites', async () => {
    const r = await port({ tree: FIXTURE, json: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout) as {
      version: number;
      libraries: string[];
      files: { path: string; added: number; removed: number; diff: string; edits: { kind: string; line: number; name?: string; target?: string; form?: string }[] }[];
      summary: { total: { gates: number; gatesR: number; sharedVariables: number; sharedLiterals: number; callbacks: number; manual: number } };
    };
    expect(json.version).toBe(1);
    expect(json.libraries).toEqual(['liba', 'libb']);
    expect(json.files.map((f) => f.path)).toEqual(Object.keys(EXPECTED).sort());
    const ret = json.files.find((f) => f.path === 'b/return.c')!;
    expect(ret.diff).toBe(EXPECTED['b/return.c']);
    expect(ret.edits.filter((e) => e.kind === 'gate_r').map((e) => [e.line, e.name, e.target, e.form])).toEqual([
      [5, 'a_get', 'liba', 'return'],
      [11, 'a_get', 'liba', 'return'],
    ]);
    expect(json.summary.total).toMatchObject({ gates: 13, gatesR: 19, sharedVariables: 10, sharedLiterals: 2, callbacks: 1, manual: 18 });
  });

  test('colour only when asked (a TTY): plain text otherwise', async () => {
    const plain = await port({ tree: FIXTURE, lib: ['a'] });
    expect(plain.stdout).not.toContain('\u001b[');
    const coloured = await port({ tree: FIXTURE, lib: ['a'] }, { color: true });
    expect(coloured.stdout).toContain('\u001b[32m+#include <flexos/isolation.h>');
    expect(coloured.stdout.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain.stdout);
  });
});
