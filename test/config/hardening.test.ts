import { describe, expect, test } from '@jest/globals';
import {
  HARDENING_NAMES,
  canonicalHardening,
  hardeningFlags,
  probeHardening,
} from '../../src/config/hardening.js';

describe('hardening names map to gcc flags', () => {
  test.each([
    ['ubsan', ['-fsanitize=undefined', '-fno-sanitize-recover=undefined'], ['-fsanitize=undefined']],
    ['asan', ['-fsanitize=address'], ['-fsanitize=address']],
    ['stack-protector', ['-fstack-protector-strong'], []],
    ['cfi', ['-fsanitize=cfi', '-flto', '-fvisibility=hidden'], ['-fsanitize=cfi', '-flto']],
    ['safestack', ['-fsanitize=safe-stack'], ['-fsanitize=safe-stack']],
  ])('%s', (name, cflags, ldflags) => {
    expect(hardeningFlags([name])).toEqual({ cflags, ldflags });
  });

  test('the canonical names, in order', () => {
    expect(HARDENING_NAMES).toEqual(['ubsan', 'asan', 'stack-protector', 'cfi', 'safestack']);
  });

  test('aliases', () => {
    expect(['kasan', 'sp', 'ssp', 'stackprotector', 'safe-stack', 'asan', 'msan'].map(canonicalHardening)).toEqual([
      'asan',
      'stack-protector',
      'stack-protector',
      'stack-protector',
      'safestack',
      'asan',
      undefined,
    ]);
    expect(hardeningFlags(['sp'])).toEqual(hardeningFlags(['stack-protector']));
  });

  test('several names: union in order, without repeats', () => {
    expect(hardeningFlags(['asan', 'ubsan', 'kasan', 'sp'])).toEqual({
      cflags: ['-fsanitize=address', '-fsanitize=undefined', '-fno-sanitize-recover=undefined', '-fstack-protector-strong'],
      ldflags: ['-fsanitize=address', '-fsanitize=undefined'],
    });
    expect(hardeningFlags([])).toEqual({ cflags: [], ldflags: [] });
  });

  test('an unknown name is a programming error', () => {
    expect(() => hardeningFlags(['msan'])).toThrow('unknown hardening "msan"; allowed: ubsan, asan, stack-protector, cfi, safestack');
  });
});

describe('probeHardening really compiles and links with gcc', () => {
  test.each(['ubsan', 'asan', 'stack-protector', 'sp'])('%s is supported', (name) => {
    expect(probeHardening(name)).toEqual({ ok: true });
  });

  test.each([
    ['cfi', /cfi/],
    ['safestack', /safe-stack/],
  ])('%s is not supported by gcc 12, with the compiler diagnostic as the reason', (name, pattern) => {
    const result = probeHardening(name, 'gcc');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(pattern);
  });

  test('the answer is cached per process', () => {
    const first = probeHardening('cfi');
    expect(probeHardening('cfi')).toBe(first);
  });

  test('a missing compiler is a reason, not an exception', () => {
    const result = probeHardening('asan', '/nonexistent/cc');
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/^cannot run \/nonexistent\/cc: .*ENOENT/) });
  });

  test('an unknown name is a reason', () => {
    expect(probeHardening('msan')).toEqual({ ok: false, reason: expect.stringMatching(/^unknown hardening "msan"/) });
  });
});
