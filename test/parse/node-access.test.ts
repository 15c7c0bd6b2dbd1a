import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMacroTable } from '../../src/parse/macro-table.js';
import { parseSource, type SyntaxNode } from '../../src/parse/parser.js';
import { childrenOf, descendantsOf, field, fieldChildren, namedChildrenOf, nodeEnd, nodeStart, nodeText, nodeType, sameNode, withoutNodeCache } from '../../src/parse/node-access.js';
import { AncestorFinder, ancestors } from '../../src/parse/ancestry.js';

// The shortcuts rely on internals of the pinned node binding (per-type node classes, the node
// object's fields); if the binding changes, these fail on every node instead of facts going wrong.

const macros = loadMacroTable();

/** Every node of a tree, by a cursor (so the walk itself does not depend on what is tested). */
function allNodes(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const cursor = root.walk();
  for (;;) {
    out.push(cursor.currentNode);
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return out;
  }
}

const SAMPLE = `#include <stdio.h>
#define ADD(a, b) ((a) + (b))
typedef int (*handler_t)(int);
static int table[] = { 1, 2, 3 };
static int m, *n = 0;
int f(int x, ...) { int y = ADD(x, 1); if (y && g(y)) return h(y) ? 1 : 0; for (;;) k(); return (int)x + @; }
`;

/** Zero-width MISSING identifiers in front of identifier characters, Latin-1 letters, `$` and a \u escape in names. */
const BROKEN = `int f(void) { int x = ; return x + ; }
int g(int a) { a = ; if (a) return ; return caf\u00e9 + na\xefve + $d; }
int h(int b) { b = (b + ) * 2; return b; }
struct s { int ; } v = { . = 1 };
`;

function corpusFiles(): string[] {
  const dir = fileURLToPath(new URL('../../corpus/vanilla/ukalloc/', import.meta.url));
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.c') || f.endsWith('.h'))
    .map((f) => join(dir, f));
}

describe('node access shortcuts agree with the binding', () => {
  const sources: [string, string][] = [['sample.c', SAMPLE], ...corpusFiles().map((f): [string, string] => [f, readFileSync(f, 'latin1')])];

  test.each(sources.map(([name, text]) => [name, text]))('type, start and text of every node of %s', (name, text) => {
    const parsed = parseSource(name, text, macros);
    const nodes = allNodes(parsed.tree.rootNode);
    expect(nodes.length).toBeGreaterThan(10);
    const wrong = nodes.filter((n) => nodeType(n) !== n.type || nodeStart(n) !== n.startIndex || nodeText(n) !== n.text);
    expect(wrong.map((n) => `${n.type}@${n.startIndex}`)).toEqual([]);
  });

  test.each(sources.map(([name, text]) => [name, text]))('field getters agree with childForFieldName on every node of %s', (name, text) => {
    const nodes = allNodes(parseSource(name, text, macros).tree.rootNode);
    const names = ['declarator', 'type', 'value', 'body', 'function', 'arguments', 'operator', 'argument', 'left', 'right', 'condition', 'name', 'parameters', 'path', 'field'];
    let found = 0;
    for (const n of nodes) {
      for (const f of names) {
        const slow = n.childForFieldName(f);
        const fast = field(n, f);
        expect(fast === null ? null : `${fast.type}@${fast.startIndex}`).toBe(slow === null ? null : `${slow.type}@${slow.startIndex}`);
        if (slow !== null) found++;
      }
    }
    expect(found).toBeGreaterThan(10);
  });

  test.each(sources.map(([name, text]) => [name, text]))('children, named children and descendants made from the native half agree with the binding on every node of %s', (name, text) => {
    const root = parseSource(name, text, macros).tree.rootNode;
    const nodes = allNodes(root);
    const describe = (n: SyntaxNode): string => `${n.type}@${n.startIndex}-${n.endIndex}${n.isMissing ? '!' : ''}`;
    let made = 0;
    let manyDeclarators = 0;
    for (const n of nodes) {
      const children = childrenOf(n);
      expect(children.map(describe)).toEqual(n.children.map(describe));
      expect(namedChildrenOf(n).map(describe)).toEqual(n.namedChildren.map(describe));
      // the type read from the symbol each node carries, anonymous and ERROR nodes included
      for (const c of children) expect(nodeType(c)).toBe(c.type);
      made += children.length;
      const declarators = fieldChildren(n, 'declarator');
      expect(declarators.map(describe)).toEqual(n.childrenForFieldName('declarator').map(describe));
      if (declarators.length > 1) manyDeclarators++;
    }
    expect(made).toBeGreaterThan(10);
    if (name === 'sample.c') expect(manyDeclarators).toBeGreaterThan(0);
    const types = ['call_expression', 'identifier', 'ERROR', 'declaration', 'preproc_def'];
    const want = nodes.filter((n) => types.includes(n.type));
    expect(descendantsOf(root, types).map(describe)).toEqual(want.map(describe));
    expect(want.length).toBeGreaterThan(3);
  });

  test.each([...sources, ['broken.c', BROKEN]].map(([name, text]) => [name, text]))('identifier ends measured in the text agree with the binding in %s', (name, text) => {
    const parsed = parseSource(name!, text!, macros);
    const ids = descendantsOf(parsed.tree.rootNode, ['identifier', 'field_identifier', 'type_identifier', 'statement_identifier']);
    expect(ids.length).toBeGreaterThan(3);
    const wrong = ids.filter((n) => nodeEnd(n) !== n.endIndex || nodeText(n) !== n.text);
    expect(wrong.map((n) => `${n.type}@${n.startIndex}-${n.endIndex}${n.isMissing ? ' (missing)' : ''}`)).toEqual([]);
    if (name === 'broken.c') expect(ids.some((n) => n.isMissing && n.startIndex === n.endIndex)).toBe(true);
  });

  test('the sample has ERROR and anonymous nodes, which take the native path', () => {
    const nodes = allNodes(parseSource('sample.c', SAMPLE, macros).tree.rootNode);
    expect(nodes.some((n) => n.type === 'ERROR')).toBe(true);
    expect(nodes.some((n) => !n.isNamed)).toBe(true);
  });

  test.each(sources.map(([name, text]) => [name, text]))('ancestors from the function or the root match .parent in %s', (name, text) => {
    const root = parseSource(name, text, macros).tree.rootNode;
    const nodes = allNodes(root).filter((n) => n.isNamed && !sameNode(n, root));
    let checked = 0;
    // a fresh finder each time, and one finder asked in document order and backwards (its
    // descent starts from the way down it found last)
    const finders: [SyntaxNode[], () => AncestorFinder | undefined][] = [
      [nodes, () => undefined],
      ...[nodes, [...nodes].reverse()].map((order): [SyntaxNode[], () => AncestorFinder] => {
        const finder = new AncestorFinder();
        return [order, () => finder];
      }),
    ];
    for (const [order, finderOf] of finders) for (const node of order) {
      const expected: SyntaxNode[] = [];
      for (let p = node.parent; p !== null; p = p.parent) expected.unshift(p);
      const fn = expected.find((p) => p.type === 'function_definition') ?? null;
      const top = fn ?? root;
      const want = expected.slice(expected.findIndex((p) => sameNode(p, top)));
      const up = ancestors(top, node, finderOf());
      expect(up.length).toBe(want.length);
      for (let level = want.length - 1; level >= 0; level--) {
        expect(up.type(level)).toBe(want[level]!.type);
        const below = want[level + 1] ?? node;
        const i = want[level]!.children.findIndex((c) => c.startIndex === below.startIndex && c.endIndex === below.endIndex && c.type === below.type);
        expect(up.fieldBelow(level)).toBe(want[level]!.fieldNameForChild(i) ?? null);
        // starts are read when asked, with the cursor moved up there
        expect(up.span(level)).toEqual({ start: want[level]!.startIndex, end: want[level]!.endIndex });
      }
      // nodes are made on request, walking up (and down again)
      expect(sameNode(up.node(want.length - 1), want[want.length - 1]!)).toBe(true);
      expect(up.span(0)).toEqual({ start: top.startIndex, end: top.endIndex });
      expect(sameNode(up.node(want.length - 1), want[want.length - 1]!)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  test('a node not below the given top falls back to .parent', () => {
    const root = parseSource('sample.c', SAMPLE, macros).tree.rootNode;
    const fns = allNodes(root).filter((n) => n.type === 'function_definition' || n.type === 'declaration');
    const outside = fns.find((n) => n.type === 'declaration' && n.parent !== null && sameNode(n.parent, root))!;
    const fn = fns.find((n) => n.type === 'function_definition')!;
    const up = ancestors(fn, outside);
    expect(up.length).toBe(1);
    expect(sameNode(up.node(0), root)).toBe(true);
  });

  test('sameNode tells nodes apart by their place in the tree, not by object', () => {
    const root = parseSource('sample.c', SAMPLE, macros).tree.rootNode;
    const nodes = allNodes(root);
    const call = nodes.find((n) => n.type === 'call_expression')!;
    expect(sameNode(call, call.parent!.namedChildren.find((c) => c.startIndex === call.startIndex && c.type === call.type)!)).toBe(true);
    expect(sameNode(call, call.parent!)).toBe(false);
    expect(sameNode(call, call.namedChildren[0]!)).toBe(false);
    const other = parseSource('sample.c', SAMPLE, macros).tree.rootNode;
    expect(sameNode(root, other)).toBe(false);
  });

  test('our trees hand out node objects without the binding\'s cache: a node read twice is two objects, one node', () => {
    const root = parseSource('sample.c', SAMPLE, macros).tree.rootNode;
    const first = root.namedChildren[0]!;
    const again = root.namedChildren[0]!;
    expect(again).not.toBe(first); // with the cache, the binding would hand out the same object
    expect(sameNode(again, first)).toBe(true);
    expect(nodeText(again)).toBe(nodeText(first));
  });

  test('a binding without the node cache hooks is refused by name, not read wrongly', () => {
    const tree = parseSource('sample.c', SAMPLE, macros).tree;
    const stripped = Object.create(tree, { _cacheNode: { value: undefined } }) as typeof tree;
    expect(() => withoutNodeCache(stripped)).toThrow(/tree-sitter binding changed.*withoutNodeCache/);
  });
});
