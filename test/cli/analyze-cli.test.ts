/**
 * `flexos analyze` through `main(argv, out)`: the table, the documented JSON shape
 * (docs/analyze-json.md), and bad input (exit 2, one `flexos:` line, never a stack trace).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, type CliRun } from '../support/cli.js';
import { writeTempTree } from '../support/temp-tree.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PORTED = join(REPO, 'corpus/ported');
const VANILLA = join(REPO, 'corpus/vanilla');

/** A usage or input error: exit 2, nothing on stdout, one `flexos:` line first on stderr, no stack. */
function expectInputError(r: CliRun): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^flexos: \S/);
  expect(r.stderr).not.toMatch(/^ {4}at /m);
  expect(r.stderr).not.toContain('internal error');
}

// ---------------------------------------------------------------- a tiny shape checker
type Shape = 'string' | 'number' | 'integer' | 'boolean' | 'string|null' | { literal: unknown } | { enum: readonly string[] } | { array: Shape } | { object: Record<string, Shape>; optional?: Record<string, Shape> } | { record: Shape; keys?: readonly string[] };

/** Problems with `value` against `shape`, as `path: problem` strings (empty when it fits). */
function check(value: unknown, shape: Shape, path = '$'): string[] {
  if (shape === 'string') return typeof value === 'string' ? [] : [`${path}: expected string, got ${JSON.stringify(value)}`];
  if (shape === 'number') return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: expected number`];
  if (shape === 'integer') return Number.isInteger(value) && (value as number) >= 0 ? [] : [`${path}: expected a non-negative integer, got ${JSON.stringify(value)}`];
  if (shape === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: expected boolean`];
  if (shape === 'string|null') return value === null || typeof value === 'string' ? [] : [`${path}: expected string or null`];
  if ('literal' in shape) return value === shape.literal ? [] : [`${path}: expected ${JSON.stringify(shape.literal)}`];
  if ('enum' in shape) return typeof value === 'string' && shape.enum.includes(value) ? [] : [`${path}: expected one of ${shape.enum.join('|')}, got ${JSON.stringify(value)}`];
  if ('array' in shape) {
    if (!Array.isArray(value)) return [`${path}: expected array`];
    return value.flatMap((v, i) => check(v, shape.array, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected object`];
  const obj = value as Record<string, unknown>;
  if ('record' in shape) {
    const problems = Object.entries(obj).flatMap(([k, v]) => check(v, shape.record, `${path}.${k}`));
    if (shape.keys) {
      const keys = Object.keys(obj).sort();
      if (JSON.stringify(keys) !== JSON.stringify([...shape.keys].sort())) problems.push(`${path}: keys ${keys.join(',')} ≠ ${[...shape.keys].sort().join(',')}`);
    }
    return problems;
  }
  const problems: string[] = [];
  const optional = shape.optional ?? {};
  for (const [k, s] of Object.entries(shape.object)) {
    if (!(k in obj)) problems.push(`${path}: missing key '${k}'`);
    else problems.push(...check(obj[k], s, `${path}.${k}`));
  }
  for (const [k, s] of Object.entries(optional)) if (k in obj) problems.push(...check(obj[k], s, `${path}.${k}`));
  for (const k of Object.keys(obj)) if (!(k in shape.object) && !(k in optional)) problems.push(`${path}: undocumented key '${k}'`);
  return problems;
}

const CALL_CLASSES = ['intra', 'inline-header', 'cross-exported', 'cross-unexported', 'ambiguous', 'macro', 'external', 'indirect'] as const;

/** The shape documented in docs/analyze-json.md. */
const ANALYZE_JSON: Shape = {
  object: {
    version: { literal: 1 },
    root: 'string',
    files: 'integer',
    lines: 'integer',
    build: {
      object: {
        architecture: 'string',
        platform: 'string',
        libc: 'string',
        aliases: { record: 'string' },
        inactive: { array: { object: { dir: 'string', reason: 'string' }, optional: { library: 'string' } } },
      },
    },
    libraries: {
      array: {
        optional: { absent: 'boolean' },
        object: {
          name: 'string',
          shortName: 'string',
          dir: 'string',
          declaredBy: { enum: ['addlib', 'addlib_s', 'addlib_paramprefix', 'addplatlib', 'addplatlib_s', 'config'] },
          exportsFrom: { enum: ['exportsyms.uk', 'all-non-static'] },
          files: 'integer',
          lines: 'integer',
          functions: 'integer',
          staticFunctions: 'integer',
          exported: 'integer',
          globals: 'integer',
        },
      },
    },
    callClasses: { record: 'integer', keys: CALL_CLASSES },
    crossCalls: { array: { object: { from: 'string', to: 'string', exported: 'integer', unexported: 'integer', gates: 'integer' } } },
    annotations: {
      array: {
        object: {
          library: 'string',
          gate: 'integer',
          gateR: 'integer',
          whitelistedGlobalsBefore: 'integer',
          whitelistedGlobalsAfter: 'integer',
          whitelistedLocals: 'integer',
          sharedSectionGlobals: 'integer',
          sharedAllocations: 'integer',
          sharedLiterals: 'integer',
          callbacks: 'integer',
          includesIsolationHeader: 'integer',
        },
      },
    },
    functionAddresses: {
      array: { object: { function: 'string', library: 'string|null', handedTo: 'string|null', file: 'string', line: 'integer', column: 'integer' } },
    },
    addressArguments: { object: { crossLibrary: 'integer', total: 'integer' } },
    unparsed: {
      array: { object: { file: 'string', line: 'integer', column: 'integer', length: 'integer', kind: { enum: ['error', 'missing'] }, inFunction: 'string|null' } },
    },
    diagnostics: {
      array: {
        object: { code: 'string', severity: { enum: ['error', 'warning', 'note'] }, file: 'string', line: 'integer', column: 'integer', message: 'string' },
        optional: { start: 'integer', end: 'integer' },
      },
    },
  },
};

describe('the shape checker itself', () => {
  test('reports missing, extra and mistyped keys', () => {
    const shape: Shape = { object: { a: 'integer', b: 'string|null' }, optional: { c: 'string' } };
    expect(check({ a: 1, b: null }, shape)).toEqual([]);
    expect(check({ a: 1, b: 'x', c: 'y' }, shape)).toEqual([]);
    expect(check({ a: -1, b: 2, d: 0 }, shape)).toEqual([
      '$.a: expected a non-negative integer, got -1',
      '$.b: expected string or null',
      "$: undocumented key 'd'",
    ]);
    expect(check({ b: null, c: 3 }, shape)).toEqual(["$: missing key 'a'", '$.c: expected string, got 3']);
  });
});

// ---------------------------------------------------------------- the corpus
describe('flexos analyze on the corpus', () => {
  test('analyze corpus/ported prints the table, exit 0', async () => {
    const r = await runCli(['analyze', PORTED]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${PORTED}: 9 libraries, 42 files, 3878 lines`);
    // the one library without exportsyms.uk is marked
    expect(lines.filter((l) => l.includes('(no exportsyms.uk)')).map((l) => l.split(/\s+/)[0])).toEqual(['libukhash']);
    // gate matrix rows (MANIFEST: app → kvs 16, kvs → ramfs 8, ukalloc → ukconsole 1)
    expect(lines).toContain('libapp      libkvs                0           0     16');
    expect(lines).toContain('libkvs      libramfs              0           0      8');
    expect(lines).toContain('libukalloc  libukconsole          0           0      1');
    expect(lines).toContain('calls by class: intra 220, inline-header 46, cross-exported 0, cross-unexported 0, ambiguous 0, macro 50, external 85, indirect 3');
    // the four callbacks' addresses (MANIFEST "Callbacks")
    expect(lines).toContain('app_count_cb       libapp      libkvs     app/workload.c:195:41');
    expect(lines).toContain('kvs_scan_cb        libkvs      libramfs   kvs/snapshot.c:283:50');
    expect(lines).toContain('unparsed regions: 0');
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  test('analyze --json has the documented shape and the manifest numbers', async () => {
    const r = await runCli(['analyze', '--json', VANILLA]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & { root: string };
    expect(check(doc, ANALYZE_JSON)).toEqual([]);
    expect(isAbsolute(doc.root)).toBe(true);
    const s = doc as unknown as { files: number; lines: number; libraries: { name: string }[]; callClasses: Record<string, number>; crossCalls: { exported: number }[]; unparsed: unknown[] };
    expect([s.files, s.lines, s.libraries.length]).toEqual([42, 3776, 9]);
    expect(s.callClasses['cross-exported']).toBe(80);
    expect(s.crossCalls).toHaveLength(14);
    expect(s.crossCalls.reduce((n, c) => n + c.exported, 0)).toBe(80);
    expect(s.unparsed).toEqual([]);
  });
});

// ---------------------------------------------------------------- bad input
describe('bad input', () => {
  test('a missing directory: exit 2, one flexos: line naming it', async () => {
    const missing = join(tmpdir(), 'flexos-no-such-tree-' + process.pid);
    const r = await runCli(['analyze', missing]);
    expectInputError(r);
    expect(r.stderr).toBe(`flexos: ${missing}: no such directory; pass the root of a Unikraft-style source tree\n`);
  });

  test('a path to a regular file that is not a tree: exit 2, one line', async () => {
    const root = writeTempTree({ 'notes.txt': 'hello\n' });
    const r = await runCli(['analyze', join(root, 'notes.txt')]);
    expectInputError(r);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('not a directory');
  });

  test('an unknown option: exit 2 with a usage hint, and the command does not run', async () => {
    const r = await runCli(['analyze', PORTED, '--frobnicate']);
    expectInputError(r);
    expect(r.stderr).toBe("flexos: Unknown argument: frobnicate\nRun 'flexos --help' for usage.\n");
  });

  test('an unknown command and a missing argument: exit 2 with a usage hint', async () => {
    for (const argv of [['frobnicate'], ['analyze'], []]) {
      const r = await runCli([...argv]);
      expectInputError(r);
      expect(r.stderr).toMatch(/Run 'flexos --help' for usage\.\n$/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
    }
  });

  test('a malformed --macros file: exit 2, file:line:col', async () => {
    const root = writeTempTree({ 'm.yaml': 'blank:\n  - A\nblank:\n  - B\n' });
    const r = await runCli(['analyze', PORTED, '--macros', join(root, 'm.yaml')]);
    expectInputError(r);
    expect(r.stderr.startsWith(`flexos: ${join(root, 'm.yaml')}:3:1: malformed macro table`)).toBe(true);
  });

  describe('a tree with a binary .c file and unbalanced braces', () => {
    let root: string;
    beforeAll(() => {
      root = writeTempTree({
        'liba/Makefile.uk': '$(eval $(call addlib,liba))\n',
        'liba/exportsyms.uk': 'a_api\n',
        'liba/a.c': 'int b_api(void);\nint a_api(void) { return b_api(); }\n',
        // NUL bytes on line 2, column 5
        'liba/blob.c': Buffer.concat([Buffer.from('int x;\nint \0\0\0 y;\n'), Buffer.from([0xff, 0xfe, 0x00])]),
        // one `}` too many on line 2
        'liba/extra.c': 'int f(void) { return 1; }\n}\nint g(void) { return 2; }\n',
        'libb/Makefile.uk': '$(eval $(call addlib,libb))\n',
        // the closing brace of h is missing: tree-sitter assumes it at the end (line 5, column 2)
        'libb/b.c': 'int b_api(void)\n{\n\tif (1) {\n\t\treturn 2;\n}\n',
      });
    });

    test('text: the binary file is an unreadable-file error with file:line:col; the rest is analyzed; exit 1 (an error-level finding)', async () => {
      const r = await runCli(['analyze', root]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('');
      const lines = r.stdout.split('\n');
      // blob.c is listed but not counted (it could not be read)
      expect(lines[0]).toBe(`${root}: 2 libraries, 3 files, 10 lines`); // a.c 2 + extra.c 3 + b.c 5
      expect(lines).toContain('liba/blob.c:2:5: error: binary file (NUL byte); flexos reads C source text only [unreadable-file]');
      expect(lines.filter((l) => l.startsWith('liba/extra.c:2:1: warning: tree-sitter could not parse this region') && l.endsWith('[unparsed-region]'))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('libb/b.c:5:2: warning: tree-sitter had to assume a missing token') && l.endsWith('[unparsed-region]'))).toHaveLength(1);
      expect(lines).toContain('unparsed regions: 2');
      // the readable files still resolve: a.c → b_api is a cross-library call
      expect(r.stdout).toContain('cross-exported 1');
    });

    test('json: same findings, documented shape', async () => {
      const r = await runCli(['analyze', root, '--json']);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(check(doc, ANALYZE_JSON)).toEqual([]);
      expect(doc.unparsed).toEqual([
        { file: 'liba/extra.c', line: 2, column: 1, length: 1, kind: 'error', inFunction: null },
        { file: 'libb/b.c', line: 5, column: 2, length: 0, kind: 'missing', inFunction: null },
      ]);
      expect(doc.diagnostics.map((d: { code: string; file: string; line: number; column: number; severity: string }) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`)).toEqual([
        'liba/blob.c:2:5 error unreadable-file',
        'liba/extra.c:2:1 warning unparsed-region',
        'libb/b.c:5:2 warning unparsed-region',
      ]);
      expect(doc.crossCalls).toEqual([{ from: 'liba', to: 'libb', exported: 1, unexported: 0, gates: 0 }]);
    });
  });
});

// ---------------------------------------------------------------- the launcher
describe('bin/flexos.js', () => {
  test('--help through the real launcher (dist/ built by tsc)', () => {
    if (!existsSync(join(REPO, 'dist/cli/main.js'))) {
      execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(REPO, 'tsconfig.json')], { stdio: 'pipe' });
    }
    const r = spawnSync(process.execPath, [join(REPO, 'bin/flexos.js'), '--help'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('flexos <command> [options]');
    expect(r.stdout).toContain('flexos analyze <tree>');
    expect(r.stderr).toBe('');
    const bad = spawnSync(process.execPath, [join(REPO, 'bin/flexos.js'), 'analyze', join(tmpdir(), 'flexos-absent-' + process.pid)], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^flexos: .*no such directory/);
    expect(bad.stderr).not.toMatch(/^ {4}at /m);
  });
});
