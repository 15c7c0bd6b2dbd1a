import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const opts = { knownDrivers: ['fcalls', 'intel-pku', 'vmept'] };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flexos-config-'));
  mkdirSync(join(dir, 'app', 'libs', 'mylib'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected a ConfigError, got ${String(e)}`);
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const COMPS = ['compartments:', '  - name: comp1', '    mechanism: { driver: fcalls }'];

describe('loadConfig', () => {
  test('reads the file and resolves library paths against its directory', () => {
    const file = write('app/kraft.yaml', [...COMPS, 'libraries:', '  mylib: { path: libs/mylib }']);
    const config = loadConfig(file, opts);
    expect(config.file).toBe(file);
    expect(config.libraries[0].path).toBe(join(dir, 'app', 'libs', 'mylib'));
    expect(config.libraries[0].pathLocation).toEqual({ file, line: 5, column: 18 });
  });

  test('a library path that is not a directory is an error at the path value', () => {
    const file = write('app/missing.yaml', [...COMPS, 'libraries:', '  mylib: { path: libs/nope }']);
    const e = errorOf(() => loadConfig(file, opts));
    expect(e.location).toEqual({ file, line: 5, column: 18 });
    expect(e.detail).toBe(
      `\`path\` of library mylib is not a directory (${join(dir, 'app', 'libs', 'nope')}); give the library's directory, relative to the configuration file`,
    );
  });

  test('missing file', () => {
    const file = join(dir, 'nope.yaml');
    const e = errorOf(() => loadConfig(file, opts));
    expect(e.location).toEqual({ file });
    expect(e.message).toBe(`${file}: configuration file not found; pass the path of an existing kraft.yaml`);
  });

  test('a directory', () => {
    const e = errorOf(() => loadConfig(join(dir, 'app'), opts));
    expect(e.detail).toBe('is a directory, not a configuration file; pass the path of the kraft.yaml inside it');
  });

  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  (asRoot ? test.skip : test)(`an unreadable file${asRoot ? ' [skipped: running as root, which can read any file]' : ''}`, () => {
    const file = write('secret.yaml', COMPS);
    chmodSync(file, 0o000);
    const e = errorOf(() => loadConfig(file, opts));
    expect(e.detail).toBe('configuration file cannot be read (permission denied); check its permissions');
  });

  test('errors inside the file carry its path', () => {
    const file = write('bad.yaml', [...COMPS, 'sharing: stack']);
    const e = errorOf(() => loadConfig(file, opts));
    expect(e.message).toBe(`${file}:4:10: unknown sharing strategy "stack"; allowed: shared-stack, dss, heap (default shared-stack)`);
  });
});
