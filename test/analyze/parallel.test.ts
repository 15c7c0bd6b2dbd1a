/**
 * The per-file step on worker threads gives the same analysis as the serial one, byte for byte,
 * unreadable files included. Worker threads run the compiled dist/ (scripts/test.sh builds it
 * before jest), so this drives the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'bin', 'flexos.js');
const BUILT = join(process.cwd(), 'dist', 'analyze', 'file-worker.js');

function analyze(tree: string, jobs: number): { status: number | null; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, 'analyze', tree, '--json', '--jobs', String(jobs)], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

describe('analyze --jobs', () => {
  let root = '';
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error('dist/ is not built: run `npx tsc -p tsconfig.json` (scripts/test.sh does) before this test');
    root = mkdtempSync(join(tmpdir(), 'flexos-par-'));
    for (const lib of ['liba', 'libb', 'libc']) {
      mkdirSync(join(root, lib));
      writeFileSync(join(root, lib, 'Makefile.uk'), `$(eval $(call addlib,${lib}))\n`);
      for (let i = 0; i < 6; i++) {
        const callee = lib === 'liba' ? 'b_0' : 'a_0';
        writeFileSync(join(root, lib, `f${i}.c`), `int ${callee}(int);\nint ${lib.slice(3)}_${i}(int x)\n{\n\tif (x > ${i})\n\t\treturn ${callee}(x - 1);\n\treturn x;\n}\n#if 0\nint gone(void) {\n#endif\n`);
      }
    }
    writeFileSync(join(root, 'libb', 'blob.c'), Buffer.from([0x69, 0x6e, 0x74, 0x00, 0x0a]));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('1 thread and 3 threads print the same JSON, unreadable files and notes included', () => {
    const serial = analyze(root, 1);
    const parallel = analyze(root, 3);
    // an unreadable file is an error-level finding: analyze exits 1 (and prints everything)
    expect(serial.status).toBe(1);
    expect(parallel.status).toBe(1);
    expect(parallel.stdout).toBe(serial.stdout);
    const json = JSON.parse(serial.stdout) as { files: number; diagnostics: { code: string; file: string }[] };
    expect(json.files).toBe(18);
    expect(json.diagnostics.filter((d) => d.code === 'unreadable-file').map((d) => d.file)).toEqual(['libb/blob.c']);
    expect(json.diagnostics.filter((d) => d.code === 'dead-code')).toHaveLength(18);
  });

  // the CLI's main() run from `node --input-type=module -e SCRIPT`, with `prelude` first
  const fromEval = (prelude: string, args: string[]) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', `${prelude}\nconst { main } = await import(${JSON.stringify(join(process.cwd(), 'dist', 'cli', 'main.js'))});\nprocess.exitCode = await main(process.argv.slice(1));`, ...args], { encoding: 'utf8', timeout: 60_000 });

  test('from a `node -e` script, workers start (they do not inherit --input-type) and the analysis is the same', () => {
    const serial = analyze(root, 1);
    const r = fromEval('', ['analyze', root, '--json', '--jobs', '3']);
    expect(r.signal).toBeNull(); // no hang: it used to wait for a worker that had refused to start
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(serial.stdout);
  });

  test('a worker that cannot start holds no file: the main thread reads every file and the analysis is the same', () => {
    const serial = analyze(root, 1);
    // every worker is given an option a worker refuses, so each fails during its start-up
    const prelude = [
      "import { createRequire, syncBuiltinESMExports } from 'node:module';",
      'const threads = createRequire(import.meta.url)("node:worker_threads");',
      'const Real = threads.Worker;',
      "threads.Worker = class extends Real { constructor(file, options) { super(file, { ...options, execArgv: ['--input-type=module'] }); } };",
      'syncBuiltinESMExports();',
    ].join('\n');
    const r = fromEval(prelude, ['analyze', root, '--json', '--jobs', '3']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(serial.stdout);
  });

  test('under V8 options (`node --max-old-space-size=… flexos`), which a worker refuses, workers start with the other options and the analysis is the same', () => {
    const serial = analyze(root, 1);
    // loaded into every thread by --import, which the workers keep: each worker leaves a mark;
    // the main thread opens each C file 0.1 s slowly, so the workers are up before it is done
    const marks = join(root, 'marks');
    mkdirSync(marks, { recursive: true });
    const hook = join(root, 'mark-workers.mjs');
    writeFileSync(hook, [
      "import { isMainThread, threadId } from 'node:worker_threads';",
      "import { createRequire, syncBuiltinESMExports } from 'node:module';",
      'const fs = createRequire(import.meta.url)("node:fs");',
      `if (!isMainThread) fs.writeFileSync(${JSON.stringify(marks)} + '/' + threadId, '');`,
      'const real = fs.openSync;',
      'const pause = new Int32Array(new SharedArrayBuffer(4));',
      'fs.openSync = function (path, ...rest) {',
      "  if (isMainThread && String(path).endsWith('.c')) Atomics.wait(pause, 0, 0, 100);",
      '  return real.call(this, path, ...rest);',
      '};',
      'syncBuiltinESMExports();',
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--max-old-space-size=1024', '--import', hook, '--stack-size=2000', CLI, 'analyze', root, '--json', '--jobs', '3'], { encoding: 'utf8', timeout: 60_000 });
    const started = readdirSync(marks).length;
    rmSync(marks, { recursive: true, force: true });
    rmSync(hook);
    expect(r.stderr).toBe(''); // it was: internal error: Initiated Worker with invalid execArgv flags
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(serial.stdout);
    expect(started).toBe(2);
  });

  test('a worker that dies in the middle of a file is not waited for: its file is read on the main thread and the analysis is the same', () => {
    const serial = analyze(root, 1);
    // loaded into every thread by --import (workers inherit it): in a worker, the first C file it
    // opens ends the worker's thread there and then, as running out of heap would (no finally
    // runs); the main thread opens each C file 0.1 s slowly, so the workers are up and take files
    const hook = join(root, 'die-mid-file.mjs');
    writeFileSync(hook, [
      "import { isMainThread } from 'node:worker_threads';",
      "import { createRequire, syncBuiltinESMExports } from 'node:module';",
      'const fs = createRequire(import.meta.url)("node:fs");',
      'const real = fs.openSync;',
      'const pause = new Int32Array(new SharedArrayBuffer(4));',
      'fs.openSync = function (path, ...rest) {',
      "  if (String(path).endsWith('.c')) {",
      '    if (!isMainThread) process.exit(3);',
      '    Atomics.wait(pause, 0, 0, 100);',
      '  }',
      '  return real.call(this, path, ...rest);',
      '};',
      'syncBuiltinESMExports();',
    ].join('\n'));
    const r = spawnSync(process.execPath, ['--import', hook, CLI, 'analyze', root, '--json', '--jobs', '3'], { encoding: 'utf8', timeout: 60_000 });
    rmSync(hook);
    expect(r.stderr).toBe(''); // nothing failed loudly: the dead worker's file was read again
    expect(r.signal).toBeNull(); // no hang: the main thread used to wait for ever for a dead worker
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(serial.stdout);
  });

  test('--jobs 0 is a usage error naming the option', () => {
    const r = spawnSync(process.execPath, [CLI, 'analyze', root, '--jobs', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--jobs: expected a positive integer/);
  });

  test('port --lib on worker threads proposes what it does on one thread (the other libraries analysed on workers)', () => {
    const corpus = join(process.cwd(), 'corpus', 'vanilla');
    const port = (jobs: number) => spawnSync(process.execPath, [CLI, 'port', corpus, '--lib', 'kvs', '--lib', 'ramfs', '--json', '--jobs', String(jobs)], { encoding: 'utf8' });
    const serial = port(1);
    const parallel = port(3);
    expect(serial.status).toBe(1); // something is proposed
    expect(parallel.status).toBe(1);
    expect(parallel.stdout).toBe(serial.stdout);
    const json = JSON.parse(serial.stdout) as { files: { path: string }[] };
    expect(json.files.length).toBeGreaterThan(0);
    expect(json.files.every((f) => f.path.startsWith('kvs/') || f.path.startsWith('ramfs/'))).toBe(true);
  });

  test('rewrite on worker threads writes what it writes on one thread (callbacks found by their attribute after the facts cross threads)', () => {
    const ported = join(process.cwd(), 'corpus', 'ported');
    const config = join(process.cwd(), 'corpus', 'configs', 'pku-3.yaml');
    const rewrite = (jobs: number) => spawnSync(process.execPath, [CLI, 'rewrite', ported, '-c', config, '--diff', '--jobs', String(jobs)], { encoding: 'utf8' });
    const serial = rewrite(1);
    const parallel = rewrite(3);
    expect(serial.status).toBe(1); // --diff: changes found
    expect(parallel.status).toBe(1);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(parallel.stderr).toBe(serial.stderr);
    expect(serial.stdout).toMatch(/_callback|flexos_intelpku_gate/);
  });
});
