/**
 * The names a function body or a #define body uses (what decides whether it touches more than
 * its arguments): members (`.x`, `->x`, blanks between) and calls (`x(`, blanks between) are told
 * apart by the neighbours of each word; words inside numbers, literals and comments are none.
 */
import { extractFacts } from '../../src/analyze/facts.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource } from '../../src/parse/parser.js';

const NBSP = '\u00a0';
const SOURCE = `struct s { int m, n; };
int g, h, k;
int f(struct s *p, struct s v)
{
	int own = p -> m + v . n + p->
		m + v.${NBSP}n;
	own += g + 0x1f + 1e5 + 2.5;
	own += call (h) + call2${NBSP}(k) + sizeof(struct s);
	/* hidden in a comment */ own += "str_in_literal"[0];
	return own + k;
}
#define M(a, ...) (a + G_M + other (a) + x.member + y ->member2 + __VA_ARGS__)
`;

test('free names of a function: members, calls, numbers, literals and comments left out', () => {
  const facts = extractFacts(parseSource('n.c', SOURCE, loadMacroTable()), { path: 'n.c', library: null, isHeader: false });
  const f = facts.functions.find((fn) => fn.name === 'f')!;
  // a lexical scan: keywords other than calls (`sizeof(`) stay words; `h` is passed, not called;
  // m and n follow `->`/`.` across blanks, a newline and a no-break space; `own` is a local
  expect(f.freeNames).toEqual(['g', 'h', 'int', 'k', 'return', 's', 'struct']);
});

test('names and calls of a #define body, parameters and __VA_ARGS__ left out', () => {
  const facts = extractFacts(parseSource('n.c', SOURCE, loadMacroTable()), { path: 'n.c', library: null, isHeader: false });
  const m = facts.macroBodies?.find((b) => b.name === 'M');
  expect(m).toEqual({ name: 'M', calls: ['other'], names: ['G_M', 'x', 'y'], hasAsm: false });
});
