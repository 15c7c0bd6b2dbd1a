/**
 * rules/fcalls/placeholders/flexos/isolation.h turns every porting annotation into plain code, so a
 * ported tree compiles with gcc -Wall -Werror before any rewrite: gates become calls (also with no
 * argument), shared allocators become the C heap, unknown attributes are accepted, and a gate with
 * more than 6 arguments or an argument wider than 8 bytes (other than a struct or union, which the
 * rewrite marshals) fails to compile.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PLACEHOLDERS = fileURLToPath(new URL('../../rules/fcalls/placeholders', import.meta.url));
let dir = '';

function compile(name: string, source: string): { status: number | null; stderr: string; exe: string } {
  const src = join(dir, `${name}.c`);
  const exe = join(dir, name);
  writeFileSync(src, source);
  const r = spawnSync('gcc', ['-std=gnu11', '-O2', '-Wall', '-Werror', `-I${PLACEHOLDERS}`, '-o', exe, src], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, exe };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flexos-placeholder-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('placeholder <flexos/isolation.h>', () => {
  test('every annotation compiles to a direct call and runs', () => {
    const c = compile(
      'ok',
      `#include <flexos/isolation.h>
#include <stdio.h>
#include <string.h>
static int calls;
static int zero(void) { return 7; }
static void two(int a, const char *s) { calls += a + (int)strlen(s); }
static long six(long a, long b, long c, long d, long e, long f) { return a + b + c + d + e + f; }
static int x __attribute__((flexos_whitelist)) = 3;
static __attribute__((flexos_whitelist)) int y = 4;
static int __attribute__((libfoo_callback)) cb(void) { return 1; }
int main(void)
{
	char buf[16] __attribute__((flexos_whitelist));
	__attribute__((flexos_whitelist)) long r = 0;
	int z = 0;
	char *p, *q;

	buf[0] = '\\0';
	flexos_gate_r(libzero, z, zero);
	flexos_gate(libtwo, two, z, FLEXOS_SHARED_LITERAL("abc"));
	if (z)
		flexos_gate(libtwo, two, 1, buf + 0);
	else
		flexos_gate(libtwo, two, 2, "x");
	flexos_gate_r(libsix, r, six, 1, 2, 3, 4, x, y);
	p = flexos_malloc_whitelist(8, libfoo);
	p = flexos_realloc_whitelist(p, 64, libfoo, libbar);
	flexos_free_whitelist(p, libfoo);
	p = flexos_calloc_whitelist(4, 4, libfoo);
	q = flexos_palloc_whitelist(2, libfoo);
	q[2 * 4096 - 1] = 1;
	flexos_pfree_whitelist(q, 2, libfoo);
	flexos_free_whitelist(p);
	p = flexos_memalign_whitelist(64, 100, libfoo);
	printf("%d %d %ld %d %d\\n", z, calls, r, (int)((unsigned long)p % 64), cb());
	flexos_free_whitelist(p, libfoo);
	return 0;
}
`,
    );
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
    const r = spawnSync(c.exe, { encoding: 'utf8' });
    expect(r.stdout).toBe('7 11 17 0 1\n');
  });

  test('a gate with 7 arguments does not compile', () => {
    const c = compile(
      'seven',
      `#include <flexos/isolation.h>
static int f(int a, int b, int c, int d, int e, int f, int g) { return a + b + c + d + e + f + g; }
int main(void) { int r; flexos_gate_r(libf, r, f, 1, 2, 3, 4, 5, 6, 7); return r; }
`,
    );
    expect(c.status).not.toBe(0);
    expect(c.stderr).toMatch(/at most 6 arguments/);
  });

  test('a value wider than 8 bytes that is not a struct does not compile through a gate', () => {
    const c = compile(
      'wide',
      `#include <flexos/isolation.h>
static int f(__int128 w) { return (int)w; }
int main(void) { __int128 w = 1; int r; flexos_gate_r(libf, r, f, w); return r; }
`,
    );
    expect(c.status).not.toBe(0);
    expect(c.stderr).toMatch(/larger than 8 bytes/);
  });

  test('a struct or union by value compiles (the rewrite marshals it through shared memory)', () => {
    const c = compile(
      'big',
      `#include <flexos/isolation.h>
struct big { long a, b; };
union u { long a; char c[16]; };
static int f(struct big b, union u v) { return (int)(b.a + v.a); }
int main(void) { struct big b = { 1, 2 }; union u v = { 3 }; int r; flexos_gate_r(libf, r, f, b, v); return r - 4; }
`,
    );
    expect(c.stderr).toBe('');
    expect(c.status).toBe(0);
  });
});
