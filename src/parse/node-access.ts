/**
 * Cheap reads of a syntax node's type, start and text. Every getter of node-tree-sitter's
 * SyntaxNode is a call into the native binding, and the per-file analysis makes millions of
 * them. Two need no native call with the pinned binding (tree-sitter 0.22.4, package.json):
 *
 * - type: the binding makes one SyntaxNode subclass per symbol of the language
 *   (`language.nodeSubclasses`, used for every named symbol), so a node's class decides its
 *   type: the native getter is asked once per class. Anonymous tokens and ERROR nodes share the
 *   base class; for them the native getter answers each time.
 * - start: a node object holds the TSNode it was handed out as, in fields 0–5 (id, then
 *   context[0] = start byte of the parser's UTF-16 input: two bytes per code unit).
 *
 * This is the one module that relies on these internals. The first reads are checked against
 * the public getters and a disagreement throws (a changed binding), so nothing reads wrong
 * offsets silently; test/parse/node-access.test.ts checks every node of real files.
 */
import { syntaxNodeClass, type SyntaxNode, type Tree } from './parser.js';

type NodeClass = abstract new (...args: never[]) => SyntaxNode;

let baseClass: unknown = null;
const typeByClass = new Map<NodeClass, string>();
/** Reads still checked against the native getters before the shortcuts are trusted. */
let unchecked = 256;

function checked(node: SyntaxNode, fast: string | number, what: 'type' | 'startIndex'): void {
  unchecked--;
  const slow = node[what];
  if (slow !== fast) {
    throw new Error(`the tree-sitter binding changed: a ${node.constructor.name}'s ${what} is ${String(slow)}, src/parse/node-access.ts read ${String(fast)}; update that module for the binding in package.json`);
  }
}

const noCache = (): void => {};

/**
 * Node objects of a tree without the binding's node cache. The binding registers every node
 * object it hands out in a per-tree native map, with a weak reference and a finalizer each, so
 * that it can hand the same object out again and move it on Tree.edit. Nothing here relies on
 * either: nodes are compared with sameNode, and no node object is read after its tree is edited
 * (an edited tree is only handed to the next parse). The analysis of the SQLite amalgamation
 * makes some 420,000 node objects; without the weak references and finalizers its facts cost
 * about a quarter less CPU (most of it in the garbage collector). Same facts, byte for byte.
 */
export function withoutNodeCache<T extends Tree>(tree: T): T {
  const own = tree as unknown as { _cacheNode?: unknown; _cacheNodes?: unknown };
  if (typeof own._cacheNode !== 'function' || typeof own._cacheNodes !== 'function') {
    throw new Error('the tree-sitter binding changed: a Tree has no _cacheNode/_cacheNodes; update withoutNodeCache in src/parse/node-access.ts for the binding in package.json');
  }
  own._cacheNode = noCache;
  own._cacheNodes = noCache;
  return tree;
}

/** A node's type, without a native call for named nodes. */
export function nodeType(node: SyntaxNode): string {
  const cls = node.constructor as NodeClass;
  let type = typeByClass.get(cls);
  if (type === undefined) {
    type = node.type;
    baseClass ??= syntaxNodeClass();
    if (cls !== baseClass) typeByClass.set(cls, type);
  } else if (unchecked > 0) checked(node, type, 'type');
  return type;
}

/** A node's start offset (UTF-16 units, as startIndex), read from the node object itself. */
export function nodeStart(node: SyntaxNode): number {
  const start = (node as unknown as Record<number, number>)[2]! >>> 1;
  if (unchecked > 0) checked(node, start, 'startIndex');
  return start;
}

/**
 * Whether two node objects are the same node of one tree. Usually they are one object (the
 * binding caches node objects by node id), but not always: when a collected object's finalizer
 * runs after a new object for the same node was cached, it removes the new one from the cache,
 * and the next read makes a third. Fields 0–1 are the node id (its place in the tree).
 */
export function sameNode(a: SyntaxNode, b: SyntaxNode): boolean {
  if (a === b) return true;
  const x = a as unknown as Record<number, number>;
  const y = b as unknown as Record<number, number>;
  return a.tree === b.tree && x[0] === y[0] && x[1] === y[1] && x[2] === y[2];
}

const getterOf = new Map<string, string>();

/**
 * A node's child in a field, by the per-type class's field getter where the class has one (it
 * passes the field's number, not its name, across the binding), else by childForFieldName.
 */
export function field(node: SyntaxNode, name: string): SyntaxNode | null {
  let getter = getterOf.get(name);
  if (getter === undefined) {
    getter = name.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()) + 'Node';
    getterOf.set(name, getter);
  }
  const viaGetter = (node as unknown as Record<string, SyntaxNode | null | undefined>)[getter];
  if (viaGetter === undefined) return node.childForFieldName(name);
  if (unchecked > 0) {
    unchecked--;
    const slow = node.childForFieldName(name);
    if ((slow === null) !== (viaGetter === null) || (slow !== null && viaGetter !== null && !sameNode(slow, viaGetter))) {
      throw new Error(`the tree-sitter binding changed: a ${node.constructor.name}'s ${getter} is not its '${name}' field; update src/parse/node-access.ts for the binding in package.json`);
    }
  }
  return viaGetter;
}

/** A node's start and end offsets (one native call instead of two). */
export function nodeSpan(node: SyntaxNode): { start: number; end: number } {
  return { start: nodeStart(node), end: node.endIndex };
}

/** A node's text in the string its tree was parsed from (one native call instead of two). */
export function nodeText(node: SyntaxNode): string {
  const input = parsedString(node);
  return input !== null ? input.slice(nodeStart(node), node.endIndex) : node.text;
}

/** The text of a node whose span the caller already read (no native call at all). */
export function spanText(node: SyntaxNode, span: { start: number; end: number }): string {
  const input = parsedString(node);
  return input !== null ? input.slice(span.start, span.end) : node.text;
}

/** The string the node's tree was parsed from (the binding keeps it), or null when it was a callback. */
function parsedString(node: SyntaxNode): string | null {
  const input = (node.tree as unknown as { input?: unknown }).input;
  return typeof input === 'string' ? input : null;
}
