/**
 * A node's ancestors without `.parent`. Tree-sitter nodes hold no parent link: each `.parent`
 * descends from the root again, through every top-level declaration before the node, so
 * walking up from each call of a 270k-line file cost seconds. Descending once from a node known
 * to hold the target (its function) with a tree cursor costs only the levels in between, and
 * reads each level's type and field name without making a node object of it (each one costs an
 * allocation, a native cache entry and a finalizer); the few nodes a caller needs are made on
 * request, walking back up with the same cursor.
 */
import type { SyntaxNode, TreeCursor } from './parser.js';
import { nodeStart, nodeType } from './node-access.js';

/** The ancestors of one node, outermost (level 0) to its parent (level length - 1). */
export interface Ancestors {
  readonly length: number;
  type(level: number): string;
  /** The field the next level down (or the target, below the last level) fills in this level. */
  fieldBelow(level: number): string | null;
  node(level: number): SyntaxNode;
  span(level: number): { start: number; end: number };
}

/** `target`'s ancestors from `top` down when `top` holds it, else up to the root by `.parent`. */
export function ancestors(top: SyntaxNode | null, target: SyntaxNode): Ancestors {
  return (top !== null ? CursorAncestors.below(top, target) : null) ?? new NodeAncestors(target);
}

/** Type names by symbol id, learnt from the cursor (a number crosses the binding cheaper than a string). */
const typeNames: string[] = [];

/**
 * Recorded on the way down: each level moves to the first child that extends past the target's
 * start (siblings do not overlap, so that child holds the target).
 */
class CursorAncestors implements Ancestors {
  private readonly types: string[];
  private readonly fields: (string | null)[];
  private cursor: TreeCursor;
  /** The level the cursor is at (length: the target). */
  private at: number;
  private readonly top: SyntaxNode;
  private readonly start: number;

  private constructor(top: SyntaxNode, start: number, cursor: TreeCursor, types: string[], fields: (string | null)[]) {
    this.top = top;
    this.start = start;
    this.cursor = cursor;
    this.types = types;
    this.fields = fields;
    this.at = types.length;
  }

  static below(top: SyntaxNode, target: SyntaxNode): CursorAncestors | null {
    if (top === target) return null;
    const start = nodeStart(target);
    const targetType = nodeType(target);
    const cursor = top.walk();
    const types = [nodeType(top)];
    const fields: (string | null)[] = [];
    for (;;) {
      // the binding returns the child's index, or null (its typings say boolean)
      if ((cursor.gotoFirstChildForIndex(start) as unknown as number | null) === null) return null;
      const id = cursor.nodeTypeId;
      const type = (typeNames[id] ??= cursor.nodeType);
      fields.push(cursor.currentFieldName ?? null);
      // the same start and type may be an ancestor wrapping the target: only the object tells
      if (type === targetType && cursor.startIndex === start && cursor.currentNode === target) return new CursorAncestors(top, start, cursor, types, fields);
      types.push(type);
    }
  }

  get length(): number {
    return this.types.length;
  }

  type(level: number): string {
    return this.types[level]!;
  }

  fieldBelow(level: number): string | null {
    return this.fields[level] ?? null;
  }

  node(level: number): SyntaxNode {
    this.moveTo(level);
    return this.cursor.currentNode;
  }

  span(level: number): { start: number; end: number } {
    this.moveTo(level);
    return { start: this.cursor.startIndex, end: this.cursor.endIndex };
  }

  private moveTo(level: number): void {
    if (level > this.at) {
      // callers go up; going down again means descending anew (the binding's reset() is unwrapped)
      this.cursor = this.top.walk();
      this.at = 0;
      while (this.at < level) {
        this.cursor.gotoFirstChildForIndex(this.start);
        this.at++;
      }
    }
    while (this.at > level) {
      this.cursor.gotoParent();
      this.at--;
    }
  }
}

/** By `.parent`, for a target with no known top. */
class NodeAncestors implements Ancestors {
  private readonly nodes: SyntaxNode[] = [];
  private readonly target: SyntaxNode;

  constructor(target: SyntaxNode) {
    this.target = target;
    for (let n = target.parent; n !== null; n = n.parent) this.nodes.push(n);
    this.nodes.reverse();
  }

  get length(): number {
    return this.nodes.length;
  }

  type(level: number): string {
    return nodeType(this.nodes[level]!);
  }

  fieldBelow(level: number): string | null {
    const below = this.nodes[level + 1] ?? this.target;
    const parent = this.nodes[level]!;
    for (let i = 0; i < parent.childCount; i++) {
      const child = parent.child(i);
      if (child !== null && nodeStart(child) === nodeStart(below) && child.endIndex === below.endIndex && nodeType(child) === nodeType(below)) return parent.fieldNameForChild(i);
    }
    return null;
  }

  node(level: number): SyntaxNode {
    return this.nodes[level]!;
  }

  span(level: number): { start: number; end: number } {
    const n = this.nodes[level]!;
    return { start: nodeStart(n), end: n.endIndex };
  }
}
