/**
 * The bundled corpus (corpus/vanilla, corpus/ported) builds warning-free with gcc as one Linux
 * program per form, both forms print the same deterministic checksum, the benchmark mode reports
 * ops/s, and the corpus has the shape other tests rely on (libraries, Makefile.uk, exportsyms.uk,
 * size). The annotation totals asserted at the end are the ones corpus/MANIFEST.md documents:
 * if the corpus changes, update both.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CORPUS = join(REPO, 'corpus');
const FORMS = ['vanilla', 'ported'] as const;
type Form = (typeof FORMS)[number];

/** The checksum the workload prints (observed once, fixed here: it must never drift). */
const CHECKSUM = '0xe7701a5e796fd948';
const LIBRARIES = ['app', 'kvs', 'linuxuplat', 'ramfs', 'ukalloc', 'ukbase', 'ukconsole', 'ukhash', 'uklock'];
const BENCH_OPS = ['put', 'get', 'del', 'iterate', 'snapshot', 'restore', 'fileio'];

let buildRoot = '';
const binary = (form: Form): string => join(buildRoot, form, 'app');

function run(form: Form, args: string[] = []): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(binary(form), args, { encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function sourcesOf(form: Form): string[] {
  return walk(join(CORPUS, form)).filter((p) => /\.[ch]$/.test(p));
}

function libraryDirs(form: Form): string[] {
  return readdirSync(join(CORPUS, form))
    .filter((d) => existsSync(join(CORPUS, form, d, 'Makefile.uk')))
    .sort();
}

beforeAll(() => {
  buildRoot = mkdtempSync(join(tmpdir(), 'flexos-corpus-'));
  for (const form of FORMS) {
    // -Werror is part of the corpus Makefile: a warning fails the build here.
    execFileSync('make', ['-s', '-C', CORPUS, `FORM=${form}`, `BUILD=${join(buildRoot, form)}`], {
      stdio: 'pipe',
      encoding: 'utf8',
    });
  }
}, 300_000);

afterAll(() => {
  if (buildRoot) rmSync(buildRoot, { recursive: true, force: true });
});

describe('both forms build and agree', () => {
  test.each(FORMS)('%s builds into the BUILD directory', (form) => {
    expect(existsSync(binary(form))).toBe(true);
  });

  test.each(FORMS)('%s prints the fixed checksum as its single last checksum line', (form) => {
    const r = run(form);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter((l) => l.startsWith('checksum:'))).toHaveLength(1);
    expect(lines[lines.length - 1]).toBe(`checksum: ${CHECKSUM}`);
    expect(lines[lines.length - 1]).toMatch(/^checksum: 0x[0-9a-f]{16}$/);
  });

  test('vanilla and ported print exactly the same output', () => {
    const v = run('vanilla');
    const p = run('ported');
    expect(p.stdout).toBe(v.stdout);
  });

  test('output is deterministic across runs', () => {
    expect(run('ported').stdout).toBe(run('ported').stdout);
  });

  test.each(FORMS)('%s --bench 3 prints ops/s per operation type and the same checksum', (form) => {
    const r = run(form, ['--bench', '3']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('bench: 3 iterations');
    for (const op of BENCH_OPS) {
      expect(lines.some((l) => new RegExp(`^bench: ${op}\\s+\\d+ ops/s`).test(l))).toBe(true);
    }
    expect(lines.filter((l) => /ops\/s/.test(l))).toHaveLength(BENCH_OPS.length);
    expect(lines[lines.length - 1]).toBe(`checksum: ${CHECKSUM}`);
  });

  test('a bad command line is a usage error (exit 2)', () => {
    const r = run('vanilla', ['--bench', 'x']);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^usage: /);
  });
});

describe('corpus shape', () => {
  test('at least six libraries, each with a Makefile.uk, the same in both forms', () => {
    expect(libraryDirs('vanilla')).toEqual(LIBRARIES);
    expect(libraryDirs('ported')).toEqual(LIBRARIES);
    expect(libraryDirs('vanilla').length).toBeGreaterThanOrEqual(6);
  });

  test('both forms hold the same files', () => {
    const rel = (form: Form) => walk(join(CORPUS, form)).map((p) => p.slice(join(CORPUS, form).length));
    expect(rel('ported')).toEqual(rel('vanilla'));
  });

  test('the vanilla form has at least 3000 lines of C', () => {
    const lines = sourcesOf('vanilla').reduce((n, p) => n + readFileSync(p, 'utf8').split('\n').length - 1, 0);
    expect(lines).toBeGreaterThanOrEqual(3000);
  });

  test('Makefile.uk declares lib<name> with addlib, addlib_s and exactly one addplatlib', () => {
    const variants: Record<string, number> = {};
    for (const lib of LIBRARIES) {
      const mk = readFileSync(join(CORPUS, 'vanilla', lib, 'Makefile.uk'), 'utf8');
      const m = /\$\(eval \$\(call (addlib|addlib_s|addplatlib),(?:linuxu,)?lib(\w+)/.exec(mk);
      expect(m).not.toBeNull();
      expect(m![2]).toBe(lib);
      variants[m![1]] = (variants[m![1]] ?? 0) + 1;
    }
    expect(variants.addplatlib).toBe(1);
    expect(variants.addlib).toBeGreaterThan(0);
    expect(variants.addlib_s).toBeGreaterThan(0);
  });

  test('every .c file of a library is listed in its Makefile.uk', () => {
    for (const form of FORMS) {
      for (const lib of LIBRARIES) {
        const mk = readFileSync(join(CORPUS, form, lib, 'Makefile.uk'), 'utf8');
        const upper = `LIB${lib.toUpperCase()}`;
        const listed = [...mk.matchAll(new RegExp(`${upper}_SRCS-y \\+= \\$\\(${upper}_BASE\\)/(\\S+)`, 'g'))].map((m) => m[1]).sort();
        const present = readdirSync(join(CORPUS, form, lib)).filter((f) => f.endsWith('.c')).sort();
        expect(listed).toEqual(present);
      }
    }
  });

  test('exactly one library (ukhash) has no exportsyms.uk', () => {
    const without = LIBRARIES.filter((lib) => !existsSync(join(CORPUS, 'vanilla', lib, 'exportsyms.uk')));
    expect(without).toEqual(['ukhash']);
  });

  test('no printf-family call writes to stdio directly', () => {
    const offenders = [...sourcesOf('vanilla'), ...sourcesOf('ported')].filter((p) =>
      /\b(printf|fprintf|puts|fputs|putchar|fwrite)\s*\(/.test(readFileSync(p, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

/** Count regex matches over the files of one library of the ported form. */
function countIn(lib: string, re: RegExp): number {
  return walk(join(CORPUS, 'ported', lib))
    .filter((p) => /\.[ch]$/.test(p))
    .reduce((n, p) => n + [...readFileSync(p, 'utf8').matchAll(re)].length, 0);
}

describe('ported annotations match corpus/MANIFEST.md (textual counts)', () => {
  // caller library -> [flexos_gate sites, flexos_gate_r sites]
  const GATES: Record<string, [number, number]> = {
    app: [19, 37],
    kvs: [4, 14],
    ramfs: [2, 3],
    ukalloc: [1, 0],
    linuxuplat: [0, 0],
    ukbase: [0, 0],
    ukconsole: [0, 0],
    ukhash: [0, 0],
    uklock: [0, 0],
  };

  test.each(Object.entries(GATES))('%s: gate sites', (lib, [g, gr]) => {
    expect([countIn(lib, /\bflexos_gate\s*\(/g), countIn(lib, /\bflexos_gate_r\s*\(/g)]).toEqual([g, gr]);
  });

  test('whitelists, shared data, literals, allocations and callbacks', () => {
    const total = (re: RegExp) => LIBRARIES.reduce((n, lib) => n + countIn(lib, re), 0);
    expect(total(/__attribute__\(\(flexos_whitelist\)\)/g)).toBe(18);
    expect(total(/section\("\.data_shared"\)/g)).toBe(2);
    expect(total(/FLEXOS_SHARED_LITERAL\(/g)).toBe(17);
    expect(total(/flexos_malloc_whitelist\(/g)).toBe(4);
    expect(total(/flexos_free_whitelist\(/g)).toBe(5);
    expect(total(/__attribute__\(\(lib\w+_callback\)\)/g)).toBe(4);
  });

  test('every file that uses an annotation includes <flexos/isolation.h>', () => {
    const missing = sourcesOf('ported').filter((p) => {
      const text = readFileSync(p, 'utf8');
      const uses = /\bflexos_(gate|gate_r|malloc_whitelist|free_whitelist)\b|flexos_whitelist|FLEXOS_SHARED_LITERAL|_callback\)\)/.test(text);
      return uses && !text.includes('#include <flexos/isolation.h>');
    });
    expect(missing).toEqual([]);
  });

  test('the vanilla form has no annotation at all', () => {
    const annotated = sourcesOf('vanilla').filter((p) =>
      /flexos_|FLEXOS_|flexos\/isolation\.h|\.data_shared|lib\w+_callback/.test(readFileSync(p, 'utf8')),
    );
    expect(annotated).toEqual([]);
  });
});
