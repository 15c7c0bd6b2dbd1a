/**
 * A node's ancestors without `.parent`. Tree-sitter nodes hold no parent link: each `.parent`
 * descends from the root again, through every top-level declaration before the node, so
 * walking up from each call of a 270k-line file cost seconds. Descending once from a node known
 * to hold the target (its function) with a tree cursor costs only the levels in between.
 */
import type { SyntaxNode } from './parser.js';
import { nodeStart } from './node-access.js';

/**
 * The ancestors of `target` from `top` (first) down to its parent (last), or null when `target`
 * is not below `top`. Each level moves to the first child that extends past the target's start:
 * siblings do not overlap, so that child holds the target.
 */
export function ancestorsBelow(top: SyntaxNode, target: SyntaxNode): SyntaxNode[] | null {
  if (top === target) return null;
  const at = nodeStart(target);
  const cursor = top.walk();
  const chain: SyntaxNode[] = [top];
  for (;;) {
    if (cursor.gotoFirstChildForIndex(at) === null) return null;
    const node = cursor.currentNode;
    if (node === target) return chain;
    chain.push(node);
  }
}

/** The ancestors of `node` up to the root, innermost last, by `.parent` (for when no top is known). */
export function ancestorsByParent(node: SyntaxNode): SyntaxNode[] {
  const chain: SyntaxNode[] = [];
  for (let n = node.parent; n !== null; n = n.parent) chain.push(n);
  return chain.reverse();
}

/** `target`'s ancestors, descending from `top` when it holds the target, else walking up. */
export function ancestors(top: SyntaxNode | null, target: SyntaxNode): SyntaxNode[] {
  return (top !== null ? ancestorsBelow(top, target) : null) ?? ancestorsByParent(target);
}
