import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newTempDir } from '../support/temp-tree.js';
import { analyzeTree } from '../../src/analyze/analyze-tree.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource } from '../../src/parse/parser.js';
import { conditionalGroups } from '../../src/parse/conditionals.js';
import { main } from '../../src/cli/main.js';

const SPLIT_IF = `int g(int);
int f(int x)
{
#ifdef FAST
	if (x > 1) {
		return g(x);
	} else
#endif
	{
		return g(x + 1);
	}
}
static int table[] = {
	1,
#ifdef MORE
	2, 3
#else
	4
#endif
};
int h(void) { return table[0] + g(2); }
`;

describe('#if groups that split a construct', () => {
  test('conditionalGroups finds groups, their directives and later branches', () => {
    const groups = conditionalGroups(SPLIT_IF);
    expect(groups).toHaveLength(2);
    expect(SPLIT_IF.slice(groups[0]!.start, groups[0]!.end)).toMatch(/^#ifdef FAST[\s\S]*#endif$/);
    expect(groups[0]!.laterBranches).toEqual([]);
    expect(groups[1]!.laterBranches.map((b) => SPLIT_IF.slice(b.start, b.end))).toEqual(['\n\t4\n']);
  });

  test('are read as their first branch: no parse error, offsets kept, the rest reported', () => {
    const parsed = parseSource('a.c', SPLIT_IF, loadMacroTable());
    expect(parsed.tree.rootNode.hasError).toBe(false);
    expect(parsed.view.length).toBe(SPLIT_IF.length);
    expect([...parsed.view].map((c, i) => (c === '\n') === (SPLIT_IF[i] === '\n')).every(Boolean)).toBe(true);
    expect(parsed.macroSites.filter((s) => s.kind === 'skipped-branch').map((s) => SPLIT_IF.slice(s.start, s.end))).toEqual(['\n\t4\n']);
  });

  test('a skipped branch is a note; one holding an annotation stops a rewrite', async () => {
    const root = newTempDir('flexos-cond-');
    mkdirSync(join(root, 'liba'));
    writeFileSync(join(root, 'liba', 'Makefile.uk'), '$(eval $(call addlib,liba))\n');
    writeFileSync(join(root, 'liba', 'a.c'), SPLIT_IF);
    const a = analyzeTree(root, { macros: loadMacroTable() });
    expect(a.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`)).toEqual(['liba/a.c:17:6 note skipped-branch']);
    expect(a.calls.filter((c) => c.site.callee === 'g')).toHaveLength(3);

    writeFileSync(join(root, 'liba', 'a.c'), SPLIT_IF.replace('\t4\n', '\t4\n#define X flexos_gate(libb, g, 1)\n'));
    writeFileSync(join(root, 'c.yaml'), 'compartments:\n  - name: one\n    mechanism: { driver: fcalls }\n    default: true\n');
    let stderr = '';
    const out = newTempDir('flexos-cond-out-');
    const code = await main(['rewrite', root, '-c', join(root, 'c.yaml'), '-o', join(out, 'out')], { stdout: () => undefined, stderr: (t) => void (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toMatch(/liba\/a\.c:17:6: error: this #elif\/#else branch holds flexos annotations.*\[annotation-in-skipped-branch\]/);
  });
});
