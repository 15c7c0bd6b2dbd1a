/** `--jobs` left to flexos: worker threads only where a tree is large enough to pay for them. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTO_PARALLEL_BYTES, fileSizes, threadsFor } from '../../src/analyze/parallel.js';

describe('threads for a tree', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'flexos-threads-'));
    writeFileSync(join(root, 'small.c'), 'int x;\n');
    writeFileSync(join(root, 'big.c'), '/* filler */\n'.repeat(Math.ceil(AUTO_PARALLEL_BYTES / 13)));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('auto: one thread below the threshold, one per core at or above it', () => {
    expect(threadsFor(fileSizes(root, [{ path: 'small.c' }]), 'auto')).toBe(1);
    expect(threadsFor(fileSizes(root, [{ path: 'small.c' }, { path: 'big.c' }]), 'auto')).toBe(availableParallelism() < 2 ? 1 : availableParallelism());
  });

  test('a number is taken as given; a missing file counts as empty', () => {
    expect(threadsFor(fileSizes(root, [{ path: 'small.c' }]), 3)).toBe(3);
    expect(threadsFor(fileSizes(root, [{ path: 'gone.c' }]), 'auto')).toBe(1);
  });
});
