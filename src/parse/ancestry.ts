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
import { nodeStart, nodeType, sameNode } from './node-access.js';

/** The ancestors of one node, outermost (level 0) to its parent (level length - 1). */
export interface Ancestors {
  readonly length: number;
  type(level: number): string;
  /** The field the next level down (or the target, below the last level) fills in this level. */
  fieldBelow(level: number): string | null;
  node(level: number): SyntaxNode;
  span(level: number): { start: number; end: number };
}

/**
 * `target`'s ancestors from `top` down when `top` holds it, else up to the root by `.parent`.
 * With a finder, the descent starts from the deepest ancestor the finder's last target shares
 * with this one (targets met in document order share most of their way down). `targetEnd`:
 * the target's end where the caller read it already (a native read less).
 */
export function ancestors(top: SyntaxNode | null, target: SyntaxNode, finder: AncestorFinder = new AncestorFinder(), targetEnd?: number): Ancestors {
  return (top !== null ? finder.find(top, target, targetEnd) : null) ?? new NodeAncestors(target);
}

/** Type and field names by id, learnt from the cursor (a number crosses the binding cheaper than a string). */
const typeNames: string[] = [];
const fieldNames: (string | null)[] = [];

/**
 * One cursor and the path it last went down: each level's type and end. Each level moves to the
 * first child that extends past the target's start (siblings do not overlap, so that child holds
 * the target). Three native reads a level (move, type, end): a level's start and the field of
 * the level below are read when asked (most are never asked: a call's context reads a few
 * levels up to its statement), with the cursor moved there (the way back up to the next
 * target's common ancestor goes through them anyway). A finder answers one target at a time:
 * the Ancestors it returns hold until the next find.
 */
export class AncestorFinder implements Ancestors {
  private top: SyntaxNode | null = null;
  private cursor: TreeCursor | null = null;
  private readonly types: string[] = [];
  /** The field the next level down fills in each level: undefined until asked. */
  private readonly fields: (string | null | undefined)[] = [];
  /** Each level's start: -1 until asked (or needed to tell where the next target's way down parts). */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Levels of the current path (the target is below the last). */
  private depth = 0;
  /** The level the cursor is at (depth: the target). */
  private at = 0;
  /** The start the current path was found for (to go down it again). */
  private goal = 0;

  find(top: SyntaxNode, target: SyntaxNode, targetEnd?: number): Ancestors | null {
    if (sameNode(top, target)) return null;
    const start = nodeStart(target);
    const end = targetEnd ?? target.endIndex;
    if (top !== this.top || this.cursor === null) {
      this.top = top;
      this.cursor = top.walk();
      this.types[0] = nodeType(top);
      this.starts[0] = nodeStart(top);
      this.ends[0] = top.endIndex;
      this.fields[0] = undefined;
      this.depth = 1;
      this.at = 0;
      this.goal = start;
    }
    // the deepest level of the last path that strictly holds the target (a level with the
    // target's very span may be the target itself: only its object tells, so it is left).
    // Every level holds the last target, so when this one starts no earlier, each level starts
    // before it too: only a level ending with it needs its start read.
    const inOrder = start >= this.goal;
    let keep = this.depth - 1;
    while (keep >= 0) {
      if (end <= this.ends[keep]!) {
        if (inOrder && this.ends[keep] !== end) break;
        const levelStart = this.startAt(keep);
        if (levelStart <= start && (levelStart !== start || this.ends[keep] !== end)) break;
      }
      keep--;
    }
    if (keep < 0) return null;
    this.moveTo(keep);
    const cursor = this.cursor;
    this.depth = keep + 1;
    this.goal = start;
    const targetType = nodeType(target);
    for (;;) {
      // the binding returns the child's index, or null (its typings say boolean)
      if ((cursor.gotoFirstChildForIndex(start) as unknown as number | null) === null) {
        this.at = this.depth; // below the last level, somewhere: moveTo climbs back
        this.depth = keep + 1;
        this.top = null; // the cursor's place is not known exactly: start afresh next time
        return null;
      }
      this.fields[this.depth - 1] = undefined;
      const id = cursor.nodeTypeId;
      const type = (typeNames[id] ??= cursor.nodeType);
      const nodeEndAt = cursor.endIndex;
      // the same end and type may be an ancestor wrapping the target (`**p`): only the node id tells
      if (type === targetType && nodeEndAt === end && sameNode(cursor.currentNode, target)) {
        this.at = this.depth;
        return this;
      }
      this.types[this.depth] = type;
      this.starts[this.depth] = -1;
      this.ends[this.depth] = nodeEndAt;
      this.depth++;
    }
  }

  get length(): number {
    return this.depth;
  }

  type(level: number): string {
    return this.types[level]!;
  }

  fieldBelow(level: number): string | null {
    let name = this.fields[level];
    if (name === undefined) {
      // the field is the child's: read at the level below (the target, below the last level)
      this.moveTo(level + 1);
      const fieldId = this.cursor!.currentFieldId;
      name = fieldId === 0 ? null : (fieldNames[fieldId] ??= this.cursor!.currentFieldName ?? null);
      this.fields[level] = name;
    }
    return name;
  }

  node(level: number): SyntaxNode {
    this.moveTo(level);
    return this.cursor!.currentNode;
  }

  span(level: number): { start: number; end: number } {
    return { start: this.startAt(level), end: this.ends[level]! };
  }

  private startAt(level: number): number {
    let start = this.starts[level]!;
    if (start < 0) {
      this.moveTo(level);
      start = this.starts[level] = this.cursor!.startIndex;
    }
    return start;
  }

  private moveTo(level: number): void {
    const cursor = this.cursor!;
    while (this.at < level) {
      // back down the current path (after node() went up)
      cursor.gotoFirstChildForIndex(this.goal);
      this.at++;
    }
    while (this.at > level) {
      cursor.gotoParent();
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
