/**
 * What port reads of other libraries' definitions comes from the facts (their trees may never be
 * kept): whether a definition's return type is its specifiers and stars, and what typedefs stand for.
 */
import { extractFacts, relinkSharedFacts } from '../../src/analyze/facts.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource } from '../../src/parse/parser.js';

const SOURCE = `typedef unsigned long word_t, *word_p;
typedef int (*handler_t)(int);
typedef struct node node_t[4];
static int plain(int x) { return x; }
char **stars(void) { return 0; }
int (*nested(void))(int) { return 0; }
int (parenthesised)(int y) { return y; }
`;

test('function definitions and typedefs as port needs them', () => {
  const facts = extractFacts(parseSource('t.c', SOURCE, loadMacroTable()), { path: 't.c', library: null, isHeader: false });
  const nested = Object.fromEntries(facts.functions.map((f) => [f.name, f.nestedDeclarator === true]));
  expect(nested).toEqual({ plain: false, stars: false, nested: true, parenthesised: true });
  expect(facts.functions.find((f) => f.name === 'stars')!.returnType).toBe('char **');
  // resolution's names: plain and pointer declarators only, as before
  expect(facts.typedefs).toEqual(['word_t', 'word_p']);
  expect(facts.typedefTypes).toEqual([
    { name: 'word_t', base: 'unsigned long', indirect: false },
    { name: 'word_p', base: 'unsigned long', indirect: true },
    { name: 'handler_t', base: 'int', indirect: true },
    { name: 'node_t', base: 'struct node', indirect: true },
  ]);
});

test('facts read back from JSON share a callback attribute with its function again', () => {
  const text = 'static void __attribute__((libuklock_callback)) work(void *arg) { (void)arg; }\nvoid start(void) { run(work); }\n';
  const facts = extractFacts(parseSource('w.c', text, loadMacroTable()), { path: 'w.c', library: null, isHeader: false });
  const fn = facts.functions.find((f) => f.name === 'work')!;
  expect(facts.callbacks).toHaveLength(1);
  expect(fn.attributes).toContain(facts.callbacks[0]!.attribute); // the analysis shares the object
  const copy = JSON.parse(JSON.stringify(facts)) as typeof facts;
  const copyFn = copy.functions.find((f) => f.name === 'work')!;
  expect(copyFn.attributes).not.toContain(copy.callbacks[0]!.attribute); // JSON does not
  const relinked = relinkSharedFacts(copy);
  expect(copyFn.attributes).toContain(relinked.callbacks[0]!.attribute);
  expect(JSON.stringify(relinked)).toBe(JSON.stringify(facts));
});

test("a gate's statement and #if line are read from its ancestors, at any depth", () => {
  const depth = 3000;
  const text = `#ifdef CONFIG_A\nvoid f(int *p)\n{\n${'{'.repeat(depth)}\n#if X\n\tflexos_gate(libb, g, p);\n#else\n\tif (p) flexos_gate(libb, h, p);\n#endif\n${'}'.repeat(depth)}\n}\n#endif\n`;
  const facts = extractFacts(parseSource('g.c', text, loadMacroTable()), { path: 'g.c', library: null, isHeader: false });
  const [first, second] = facts.gates;
  expect(facts.gates).toHaveLength(2);
  expect(first!.isStatement).toBe(true);
  expect(first!.conditional).toBe('#if X');
  expect(text.slice(first!.statementSpan!.start, first!.statementSpan!.end)).toBe('flexos_gate(libb, g, p);');
  expect(second!.isStatement).toBe(true);
  expect(second!.conditional).toBe('#if X (#else branch)');
  expect(text.slice(second!.statementSpan!.start, second!.statementSpan!.end)).toBe('flexos_gate(libb, h, p);');
});
