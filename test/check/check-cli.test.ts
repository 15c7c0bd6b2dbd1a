/**
 * `flexos check` as a user runs it: the corpus acceptance (ported clean, vanilla reports every
 * cross-library call the hand port gates), the three formats (SARIF validated against the
 * official 2.1.0 schema), baselines, narrowing to paths, and input errors (exit 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { runCli } from '../support/cli.js';
import { copyToTempTree } from '../support/temp-tree.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PORTED = join(REPO, 'corpus/ported');
const VANILLA = join(REPO, 'corpus/vanilla');

const GCC_LINE = /^([^:]+):(\d+):(\d+): (error|warning|note): (.+) \[([a-z-]+)\]$/;

describe('corpus acceptance', () => {
  test('the hand-ported corpus checks clean (exit 0, no finding)', async () => {
    const r = await runCli(['check', PORTED]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^flexos check: 42 files, 0 errors, 0 warnings, 0 notes\n$/);
    expect(r.code).toBe(0);
  });

  test('the vanilla corpus reports an ungated call at every site the hand port gates, except calls the analysis proves pure', async () => {
    const r = await runCli(['check', VANILLA, '--only', 'ungated-call']);
    expect(r.code).toBe(1);
    const found = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => {
        const m = GCC_LINE.exec(l)!;
        expect(m).not.toBeNull();
        return `${m[1]} ${/^(\w+)\(\)/.exec(m[5]!)![1]}`;
      })
      .sort();
    const ported = analyzeTree(PORTED, { macros: loadMacroTable() });
    const gated = ported.gates.map((g) => `${g.file} ${g.site.callee}`).sort();
    expect(gated).toHaveLength(80);
    // the hand port gates every cross-library call; the analysis (issue 7) lets pure callees run in the caller's domain
    const vanilla = analyzeTree(VANILLA, { macros: loadMacroTable() });
    const pure = vanilla.calls.filter((c) => c.gate?.needed === false && c.gate.reason.includes('is pure')).map((c) => `${c.file} ${c.site.callee}`);
    const expected = [...gated];
    for (const p of pure) {
      const i = expected.indexOf(p);
      if (i >= 0) expected.splice(i, 1);
    }
    expect(expected.length).toBeGreaterThanOrEqual(70);
    expect(found).toEqual(expected);
  });
});

describe('with a configuration', () => {
  test('one compartment: only ungated calls remain; three compartments: fewer crossings than without a configuration', async () => {
    const codes = async (...extra: string[]) => {
      const r = await runCli(['check', VANILLA, '--format', 'json', ...extra]);
      return JSON.parse(r.stdout).summary.byCode as Record<string, number>;
    };
    const none = await codes();
    const one = await codes('-c', join(REPO, 'corpus/configs/fcalls-1.yaml'));
    const three = await codes('-c', join(REPO, 'corpus/configs/pku-3.yaml'));
    expect(Object.keys(one)).toEqual(['ungated-call']);
    expect(one['ungated-call']).toBe(none['ungated-call']);
    expect(three['unshared-address']!).toBeGreaterThan(0);
    expect(three['unshared-address']!).toBeLessThan(none['unshared-address']!);
  });
});

describe('formats', () => {
  test('gcc lines parse as file:line:col: severity: message [code]', async () => {
    const r = await runCli(['check', VANILLA]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(80);
    for (const l of lines) expect(l).toMatch(GCC_LINE);
  });

  test('JSON: the documented shape (docs/check-json.md)', async () => {
    const r = await runCli(['check', VANILLA, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['version', 'tool', 'root', 'configuration', 'summary', 'findings']);
    expect(doc.version).toBe(1);
    expect(doc.summary.byCode['ungated-call']).toBeGreaterThanOrEqual(70);
    expect(doc.summary.findings).toBe(doc.findings.length);
    const f = doc.findings[0];
    expect(Object.keys(f)).toEqual(['code', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'fixes']);
    const withFix = doc.findings.find((x: { fixes: unknown[] }) => x.fixes.length > 0);
    expect(Object.keys(withFix.fixes[0].edits[0])).toEqual(['file', 'line', 'column', 'endLine', 'endColumn', 'newText']);
  });

  test('SARIF 2.1.0 validates against the official schema', async () => {
    const require = createRequire(import.meta.url);
    const Ajv = require('ajv-draft-04');
    const schemaPath = join(REPO, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const r = await runCli(['check', VANILLA, '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(log.runs[0].results.length).toBeGreaterThan(80);
    expect(log.runs[0].results.some((x: { fixes?: unknown[] }) => (x.fixes ?? []).length > 0)).toBe(true);
    // and a log that breaks the schema is refused (the validation can fail)
    expect(validate({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false);
  });
});

describe('baseline: CI fails only on new findings', () => {
  test('write a baseline, pass on it, fail on a new finding only', async () => {
    const tree = copyToTempTree(VANILLA);
    const baseline = join(tree, '..', 'baseline.json');
    const w = await runCli(['check', tree, '--baseline', baseline, '--update-baseline']);
    expect(w.code).toBe(0);
    expect(JSON.parse(readFileSync(baseline, 'utf8')).findings.length).toBeGreaterThan(50);
    const same = await runCli(['check', tree, '--baseline', baseline]);
    expect(same.stdout).toBe('');
    expect(same.code).toBe(0);
    expect(same.stderr).toMatch(/in the baseline/);
    // a new ungated call, and a line inserted above old findings (which must stay matched)
    const main = join(tree, 'app/main.c');
    const text = readFileSync(main, 'latin1');
    writeFileSync(main, text.replace(/\nint main\(/, '\nvoid extra(void)\n{\n\tuk_alloc_dump();\n}\n\nint main('));
    const fresh = await runCli(['check', tree, '--baseline', baseline]);
    expect(fresh.code).toBe(1);
    const lines = fresh.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^app\/main\.c:\d+:2: error: uk_alloc_dump\(\) is exported by libukalloc .*\[ungated-call\]$/);
  });

  test('a broken baseline is an input error', async () => {
    const tree = copyToTempTree(VANILLA);
    const bad = join(tree, '..', 'bad.json');
    writeFileSync(bad, '{"version": 7}');
    const r = await runCli(['check', tree, '--baseline', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^flexos: .*bad\.json: not a flexos check baseline/);
  });
});

describe('paths and input errors', () => {
  test('a file of the tree: the root is found above its library, findings only for that file', async () => {
    const r = await runCli(['check', join(VANILLA, 'app/main.c')]);
    const files = new Set(r.stdout.trimEnd().split('\n').map((l) => GCC_LINE.exec(l)![1]));
    expect([...files]).toEqual(['app/main.c']);
    expect(r.code).toBe(1);
  });
  test.each([
    [['check', '/nonexistent/tree'], /no such file or directory/],
    [['check', VANILLA, '--format', 'xml'], /Invalid values|Choices/],
    [['check', VANILLA, '--only', 'no-such-check'], /no such check/],
    [['check', VANILLA, '--update-baseline'], /needs --baseline/],
  ])('%j → exit 2, one line', async (argv, message) => {
    const r = await runCli([...(argv as string[])]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/^ {4}at /m);
  });
});
