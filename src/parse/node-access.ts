/**
 * Cheap reads of a syntax node's type, start and text. Every getter of node-tree-sitter's
 * SyntaxNode is a call into the native binding, and the per-file analysis makes millions of
 * them. Two need no native call with the pinned binding (tree-sitter 0.22.4, package.json):
 *
 * - type: every node object holds its symbol in field 6 (the nodes this module makes, and
 *   those the binding makes through `language.nodeSubclasses`, which unifyNodeClasses replaces),
 *   and a named symbol's type comes from the language's table. Anonymous tokens and the ERROR
 *   nodes the binding makes itself ask the native getter each time.
 * - start: a node object holds the TSNode it was handed out as, in fields 0–5 (id, then
 *   context[0] = start byte of the parser's UTF-16 input: two bytes per code unit).
 *
 * This is the one module that relies on these internals. The first reads are checked against
 * the public getters and a disagreement throws (a changed binding), so nothing reads wrong
 * offsets silently; test/parse/node-access.test.ts checks every node of real files.
 */
import { nativeBinding, syntaxNodeClass, type SyntaxNode, type Tree } from './parser.js';

let baseClass: unknown = null;
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

/**
 * Makes the binding hand out every node it makes itself (a tree's root, a cursor's node, a
 * parent, a child) as an object of the base class with its symbol in field 6, as the nodes of
 * this module are. The binding's own per-symbol subclasses give each node type its own map, so
 * every site that reads nodes met dozens of maps (slow polymorphic reads); with one map the
 * amalgamation's facts cost 10–17% less CPU in-process (README, Performance). Called once per
 * language, after the binding has made its subclasses (Parser#setLanguage); nothing here reads
 * the subclasses' field getters.
 */
export function unifyNodeClasses(language: object): void {
  const holder = language as { nodeSubclasses?: unknown[]; __flexosUnified?: boolean };
  if (holder.__flexosUnified === true) return;
  const subclasses = holder.nodeSubclasses;
  if (!Array.isArray(subclasses)) throw new Error('the tree-sitter binding changed: a Language has no nodeSubclasses after setLanguage; update unifyNodeClasses in src/parse/node-access.ts for the binding in package.json');
  baseClass ??= syntaxNodeClass();
  const Base = baseClass as new (tree: Tree) => Record<number, number>;
  for (let symbol = 0; symbol < subclasses.length; symbol++) {
    // called with `new` by the binding: the object it returns is the node
    subclasses[symbol] = function NodeOfSymbol(tree: Tree): Record<number, number | null> {
      const node = new Base(tree) as Record<number, number | null>;
      node[0] = null; // the one elements kind (see made)
      node[SYMBOL_FIELD] = symbol;
      return node;
    };
  }
  holder.__flexosUnified = true;
}

/** A node's type, without a native call for named nodes. */
export function nodeType(node: SyntaxNode): string {
  const symbol = (node as unknown as Record<number, number | undefined>)[SYMBOL_FIELD];
  if (symbol !== undefined) {
    const name = symbol === ERROR_SYMBOL ? 'ERROR' : languageTables(node.tree).namedTypes[symbol];
    if (name === null || name === undefined) return node.type;
    if (unchecked > 0) checked(node, name, 'type');
    return name;
  }
  return node.type;
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

/**
 * A node's child in a field, asked by the field's number (a string costs more to pass across the
 * binding), made as the functions below make nodes.
 */
export function field(node: SyntaxNode, name: string): SyntaxNode | null {
  const id = languageTables(node.tree).fieldIds.get(name);
  if (id === undefined) return null; // no node type of the grammar has that field
  const child = one(native().NodeMethods.childNodeForFieldId(marshal(node), id), node.tree);
  if (unchecked > 0) {
    unchecked--;
    const slow = node.childForFieldName(name);
    if ((slow === null) !== (child === null) || (slow !== null && child !== null && !sameNode(slow, child))) {
      throw new Error(`the tree-sitter binding changed: field ${id} of a ${node.type} is not its '${name}' field; update src/parse/node-access.ts for the binding in package.json`);
    }
  }
  return child;
}

/**
 * Node lists straight from the binding's native methods. Its JavaScript wrappers make each node
 * object of a per-type class, keyed by a BigInt of its id in a Map (to hand one object out per
 * node); the analysis of the SQLite amalgamation makes some 600,000 node objects, and that
 * making cost more than the native calls. Here a node is an object of the base class holding the
 * six numbers the binding hands over (fields 0–5, as its own objects) and the node's symbol
 * (field 6), from which nodeType reads the type. Such objects work with every getter of the
 * binding; the per-type field getters (`declaratorNode`) they lack are what `field` is for.
 */
export function namedChildrenOf(node: SyntaxNode): SyntaxNode[] {
  return many(native().NodeMethods.namedChildren(marshal(node)), node.tree);
}

export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  return many(native().NodeMethods.children(marshal(node)), node.tree);
}

/** A node's children in a field (a declaration's declarators), asked by the field's number. */
export function fieldChildren(node: SyntaxNode, name: string): SyntaxNode[] {
  const id = languageTables(node.tree).fieldIds.get(name);
  if (id === undefined) return [];
  const children = many(native().NodeMethods.childrenForFieldId(marshal(node), id), node.tree);
  if (unchecked > 0) {
    unchecked--;
    const slow = node.childrenForFieldName(name);
    if (slow.length !== children.length || slow.some((c, i) => !sameNode(c, children[i]!))) {
      throw new Error(`the tree-sitter binding changed: the children in field ${id} of a ${node.type} are not its '${name}' children; update src/parse/node-access.ts for the binding in package.json`);
    }
  }
  return children;
}

/** `node` and its descendants of the given types, in document order (node.descendantsOfType). */
export function descendantsOf(node: SyntaxNode, types: string[]): SyntaxNode[] {
  return many(native().NodeMethods.descendantsOfType(marshal(node), types) ?? [], node.tree);
}

/** What the binding's native half hands over for a node: its symbol (then its six numbers are in the transfer array), or null. */
type NodeRef = number | null;

interface NativeHalf {
  NodeMethods: {
    namedChildren(tree: Tree): NodeRef[];
    children(tree: Tree): NodeRef[];
    descendantsOfType(tree: Tree, types: string[]): NodeRef[] | undefined;
    childNodeForFieldId(tree: Tree, fieldId: number): NodeRef;
    childrenForFieldId(tree: Tree, fieldId: number): NodeRef[];
  };
  nodeTransferArray: Uint32Array;
  getNodeTypeNamesById(language: unknown): (string | null)[];
  getNodeFieldNamesById(language: unknown): (string | null)[];
}

const FIELDS_PER_NODE = 6;
const SYMBOL_FIELD = 6;
const ERROR_SYMBOL = 0xffff;

let nativeHalf: NativeHalf | null = null;

function native(): NativeHalf {
  return (nativeHalf ??= nativeBinding() as NativeHalf);
}

/** Writes the node into the transfer array, where the native methods read their node; returns its tree, their first argument. */
function marshal(node: SyntaxNode): Tree {
  // the array is replaced when a call hands over more nodes than it holds: read it each time
  const transfer = native().nodeTransferArray;
  const fields = node as unknown as Record<number, number>;
  for (let i = 0; i < FIELDS_PER_NODE; i++) transfer[i] = fields[i]!;
  return node.tree;
}

function made(tree: Tree, symbol: number, transfer: Uint32Array, offset: number): SyntaxNode {
  baseClass ??= syntaxNodeClass();
  const node = new (baseClass as new (tree: Tree) => SyntaxNode)(tree) as unknown as Record<number, number | null>;
  // a node id's low half is a heap address, past the small-integer range three times in four:
  // a first element that is no small integer gives every node the same elements kind, hence
  // the same map, where the numbers alone would split the nodes between two at random
  node[0] = null;
  for (let i = 0; i < FIELDS_PER_NODE; i++) node[i] = transfer[offset + i]!;
  node[SYMBOL_FIELD] = symbol;
  return node as unknown as SyntaxNode;
}

function one(ref: NodeRef, tree: Tree): SyntaxNode | null {
  return ref === null ? null : made(tree, ref, native().nodeTransferArray, 0);
}

function many(refs: NodeRef[], tree: Tree): SyntaxNode[] {
  const transfer = native().nodeTransferArray;
  const nodes: SyntaxNode[] = [];
  // every entry has its six numbers in the array, null ones (no node) included
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    if (ref !== null) nodes.push(made(tree, ref, transfer, i * FIELDS_PER_NODE));
  }
  return nodes;
}

/** What the native half tells of a language, asked once per language. */
interface LanguageTables {
  /** Named node types by symbol (null for anonymous symbols: their type is asked natively). */
  namedTypes: (string | null)[];
  /** By symbol: whether nodes of it are identifiers (aliases included). */
  identifierSymbols: boolean[];
  fieldIds: Map<string, number>;
}

const tablesOf = new WeakMap<object, LanguageTables>();

function languageTables(tree: Tree): LanguageTables {
  const language = (tree as unknown as { language: object }).language;
  let tables = tablesOf.get(language);
  if (tables === undefined) {
    const namedTypes = native().getNodeTypeNamesById(language);
    const fieldIds = new Map<string, number>();
    native().getNodeFieldNamesById(language).forEach((name, id) => {
      if (name !== null && name !== undefined) fieldIds.set(name, id);
    });
    tables = { namedTypes, identifierSymbols: namedTypes.map((name) => name !== null && IDENTIFIER_TYPES.includes(name)), fieldIds };
    tablesOf.set(language, tables);
  }
  return tables;
}

/** A node's start and end offsets (one native call instead of two). */
export function nodeSpan(node: SyntaxNode): { start: number; end: number } {
  return { start: nodeStart(node), end: nodeEnd(node) };
}

/** A node's text in the string its tree was parsed from (one native call instead of two). */
export function nodeText(node: SyntaxNode): string {
  const input = parsedString(node);
  return input !== null ? input.slice(nodeStart(node), nodeEnd(node)) : node.text;
}

/**
 * Where each tree is broken (its outermost ERROR and MISSING spans, sorted), told by the parser:
 * outside them an identifier is the longest run the grammar's identifier pattern matches from its
 * start, so nodeEnd measures it in the text instead of asking the binding (a third of the
 * analysis's end reads are identifiers'). Inside them an identifier may be a zero-width MISSING
 * token, which only the binding can tell. Trees the parser did not describe are always asked.
 */
const brokenSpansOf = new WeakMap<Tree, readonly { start: number; end: number }[]>();

export function describeBrokenSpans(tree: Tree, spans: readonly { start: number; end: number }[]): void {
  brokenSpansOf.set(tree, spans);
}

/** The rest of tree-sitter-c's identifier after its first character (grammar.js, `identifier`). */
const IDENTIFIER_REST = /(?:\p{XID_Continue}|\$|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*/uy;
const IDENTIFIER_TYPES = ['identifier', 'field_identifier', 'type_identifier', 'statement_identifier'];
let uncheckedEnds = 256;

/** A node's end offset (UTF-16 units, as endIndex): measured in the text for identifiers where the tree is whole. */
export function nodeEnd(node: SyntaxNode): number {
  const symbol = (node as unknown as Record<number, number | undefined>)[SYMBOL_FIELD];
  if (symbol === undefined || symbol === ERROR_SYMBOL) return node.endIndex;
  const spans = brokenSpansOf.get(node.tree);
  if (spans === undefined) return node.endIndex;
  if (languageTables(node.tree).identifierSymbols[symbol] !== true) return node.endIndex;
  const input = parsedString(node);
  const start = nodeStart(node);
  if (input === null || inSpans(spans, start)) return node.endIndex;
  IDENTIFIER_REST.lastIndex = start + 1;
  IDENTIFIER_REST.exec(input);
  const end = IDENTIFIER_REST.lastIndex;
  if (uncheckedEnds > 0) {
    uncheckedEnds--;
    if (node.endIndex !== end) {
      throw new Error(`the tree-sitter grammar changed: an ${nodeType(node)} at ${start} ends at ${node.endIndex}, src/parse/node-access.ts measured ${end}; update IDENTIFIER_REST for the grammar in package.json`);
    }
  }
  return end;
}

/** Whether `at` lies in (or at either end of) one of the sorted, disjoint spans. */
function inSpans(spans: readonly { start: number; end: number }[], at: number): boolean {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.start <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && at <= spans[lo - 1]!.end;
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
