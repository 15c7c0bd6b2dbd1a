import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { BUNDLED_MACRO_TABLE, bundledMacroCache, loadMacroTable, macroTableFromCache, type MacroTable } from '../../src/parse/macro-table.js';

// The build writes the bundled table as JSON so that processes skip the YAML parser; the JSON
// must read as the YAML does, and a cache of other bytes must never be read.

const yaml = readFileSync(BUNDLED_MACRO_TABLE, 'utf8');

function plain(t: MacroTable): unknown {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v instanceof Map ? [...v] : [...(v as Set<string>)]]));
}

describe('the macro table cache', () => {
  test('reads as the YAML it was made from', () => {
    const fromCache = macroTableFromCache(bundledMacroCache(), yaml);
    expect(fromCache).not.toBeNull();
    expect(plain(fromCache!)).toEqual(plain(loadMacroTable()));
    expect(fromCache!.definer.size).toBeGreaterThan(5);
    expect(fromCache!.blank.has('__always_inline') || fromCache!.blank.size > 20).toBe(true);
  });

  test('is not read for other YAML (the table was edited after the build)', () => {
    expect(macroTableFromCache(bundledMacroCache(), yaml + '\nblank: [ADDED_AFTER_BUILD]\n')).toBeNull();
  });

  test('is not read when it is not JSON (a broken or foreign file)', () => {
    expect(macroTableFromCache('{"source": ', yaml)).toBeNull();
    expect(macroTableFromCache('null', yaml)).toBeNull();
    expect(macroTableFromCache('{}', yaml)).toBeNull();
  });
});
