/**
 * The facts read nodes found by one descendantsOfType walk (src/analyze/fact-nodes.ts): value
 * identifiers are read from the nodes holding them and placed among the others by start, calls
 * read their callee and arguments from their named children unless a comment sits between.
 */
import { extractFacts } from '../../src/analyze/facts.js';
import { factNodes } from '../../src/analyze/fact-nodes.js';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource } from '../../src/parse/parser.js';

const SOURCE = `typedef int (*cb_t)(int);
static int f(int), g(int), h(int);
static cb_t table[] = { f, g, { h }, [2] = f };
struct ops { cb_t a, b; } ops = { .a = f, .b = (cb_t)g };
int use(int x, cb_t y)
{
	cb_t p = h, q = p;
	int local = x;
	p = g;
	register_cb /* why */ (&f, (void *)h, x, local);
	flexos_gate(libx, g, &f, h);
	if (x) return f;
	return FLEXOS_SHARED_LITERAL(f);
}
int broken(int x) { x = ; return (x + ); }
`;

const parsed = () => parseSource('v.c', SOURCE, loadMacroTable());

test('value identifiers become function references where they are not locals, with the call they are passed to', () => {
  const facts = extractFacts(parsed(), { path: 'v.c', library: null, isHeader: false });
  const refs = facts.functionRefs.map((r) => [r.name, r.inFunction, r.passedTo ?? null, r.passedThroughGate ?? null]);
  expect(refs).toEqual([
    // initializer lists (nested ones too) and designated initializers, at file scope
    ['f', null, null, null],
    ['g', null, null, null],
    ['h', null, null, null],
    ['f', null, null, null],
    ['f', null, null, null],
    ['g', null, null, null],
    // `p = h` is a value, `q = p` a local; `p = g` an assignment
    ['h', 'use', null, null],
    ['g', 'use', null, null],
    // under & and a cast as arguments: passed to the call (x and local are no file-scope names)
    ['f', 'use', 'register_cb', null],
    ['h', 'use', 'register_cb', null],
    // through a gate: the library and callee slots are not values
    ['f', 'use', 'g', 'libx'],
    ['h', 'use', 'g', 'libx'],
    ['f', 'use', null, null],
  ]);
});

test('a call with a comment between its callee and its arguments is read by field', () => {
  const facts = extractFacts(parsed(), { path: 'v.c', library: null, isHeader: false });
  const call = facts.calls.find((c) => c.callee === 'register_cb')!;
  expect(call.args.map((a) => a.text)).toEqual(['&f', '(void *)h', 'x', 'local']);
  expect(SOURCE.slice(call.span.start, call.span.end)).toBe('register_cb /* why */ (&f, (void *)h, x, local)');
  expect(SOURCE.slice(call.argsSpan.start, call.argsSpan.end)).toBe('(&f, (void *)h, x, local)');
  expect(call.context).toBe('statement');
});

test('the nodes come by start, each value after the node holding it and before the next node', () => {
  const tree = parsed().tree;
  const nodes = factNodes(tree.rootNode);
  for (let i = 1; i < nodes.length; i++) expect(nodes[i]!.start).toBeGreaterThanOrEqual(nodes[i - 1]!.start);
  const values = nodes.filter((n) => n.kind === 'value');
  // plain identifier arguments (the gate's h, the literal's f) are read with their call, not here
  expect(values.map((v) => v.node.text)).toEqual(['f', 'g', 'h', 'f', 'f', 'g', 'h', 'p', 'x', 'g', 'f', 'h', 'f', 'f']);
  for (const v of values) expect(v.holder!.id).toBe(v.node.parent!.id);
  // a function with parse errors is read too (its broken assignment and return hold no identifier)
  expect(nodes.filter((n) => n.kind === 'function').map((n) => n.node.childForFieldName('declarator')!.text)).toEqual(['use(int x, cb_t y)', 'broken(int x)']);
});
