import type { SyntaxNode } from '../parse/parser.js';
import { field, fieldChildren, namedChildrenOf, nodeStart, nodeText, nodeType } from '../parse/node-access.js';

/** What a (possibly nested) declarator declares. */
export interface DeclaratorShape {
  name: string | null;
  nameNode: SyntaxNode | null;
  /** `f(...)`: a function, not a pointer to one. */
  isFunction: boolean;
  isArray: boolean;
  isPointer: boolean;
  /** The parameter list when isFunction. */
  parameters: SyntaxNode | null;
  /** The declarator and its descendants down to the name (excluded): the name's ancestors, outermost first. */
  path: SyntaxNode[];
}

/**
 * Unwraps pointer, array, parenthesised, attributed and init declarators down to the name.
 * A function_declarator met before any parentheses declares a function (`int *f(void)`);
 * one met after them declares a pointer to a function (`int (*f)(void)`).
 */
export function declaratorShape(declarator: SyntaxNode): DeclaratorShape {
  let node: SyntaxNode | null = declarator;
  let isFunction = false;
  let isArray = false;
  let isPointer = false;
  let parenthesised = false;
  let parameters: SyntaxNode | null = null;
  let sawFunction = false;
  const path: SyntaxNode[] = [];
  while (node !== null) {
    const type = nodeType(node);
    if (type !== 'identifier' && type !== 'field_identifier' && type !== 'type_identifier') path.push(node);
    switch (type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: nodeText(node), nameNode: node, isFunction, isArray, isPointer, parameters, path };
      case 'init_declarator':
        node = field(node, 'declarator');
        break;
      case 'pointer_declarator':
        if (!sawFunction) isPointer = true;
        node = field(node, 'declarator');
        break;
      case 'array_declarator':
        if (!sawFunction) isArray = true;
        node = field(node, 'declarator');
        break;
      case 'function_declarator':
        if (!parenthesised && !sawFunction) {
          isFunction = true;
          parameters = field(node, 'parameters');
        }
        sawFunction = true;
        node = field(node, 'declarator');
        break;
      case 'parenthesized_declarator':
        parenthesised = true;
        if (isFunction) {
          // `int (f)(void)` is still a function; `(*f)` is not
          node = namedChildrenOf(node)[0] ?? null;
          if (node !== null && nodeType(node) === 'pointer_declarator') isFunction = false;
          break;
        }
        node = namedChildrenOf(node)[0] ?? null;
        break;
      case 'attributed_declarator':
        node = namedChildrenOf(node)[0] ?? null;
        break;
      default:
        node = field(node, 'declarator');
    }
  }
  return { name: null, nameNode: null, isFunction, isArray, isPointer, parameters, path };
}

/** Direct declarator children of a declaration (each may be an init_declarator). */
export function declaratorsOf(declaration: SyntaxNode): SyntaxNode[] {
  return fieldChildren(declaration, 'declarator');
}

export function hasStorageClass(declaration: SyntaxNode, which: string): boolean {
  for (const child of namedChildrenOf(declaration)) {
    if (nodeType(child) === 'storage_class_specifier' && nodeText(child) === which) return true;
  }
  return false;
}

/** Storage classes, qualifiers and the base type of a declaration, read in one pass. */
export interface Specifiers {
  storage: Set<string>;
  qualifiers: Set<string>;
  /** Base type text with qualifiers (`const struct foo`). */
  type: string;
  typeNode: SyntaxNode | null;
}

export function specifiers(declaration: SyntaxNode): Specifiers {
  const typeNode = field(declaration, 'type');
  const typeStart = typeNode !== null ? nodeStart(typeNode) : -1;
  const storage = new Set<string>();
  const qualifiers = new Set<string>();
  const parts: string[] = [];
  for (const child of namedChildrenOf(declaration)) {
    const t = nodeType(child);
    if (t === 'storage_class_specifier') storage.add(nodeText(child));
    else if (t === 'type_qualifier') {
      qualifiers.add(nodeText(child));
      parts.push(nodeText(child));
    } else if (nodeStart(child) === typeStart) parts.push(nodeText(child).replace(/\s+/g, ' '));
  }
  return { storage, qualifiers, type: parts.join(' '), typeNode };
}

/**
 * The qualifiers of the object a declarator declares (not of what it points to): read from the
 * name outwards, array derivations keep the element's qualifiers, the first pointer derivation
 * decides by its own qualifiers (`T *const p` is const, `const T *p` is not), and with no
 * pointer the declaration's specifiers decide (`const T x`, `const T a[3]`).
 */
export function objectQualifiers(declarator: SyntaxNode, specifierQualifiers: ReadonlySet<string>, shape: DeclaratorShape = declaratorShape(declarator)): Set<string> {
  if (!shape.nameNode) return new Set();
  // the name's ancestors up to the declarator are the path its shape walked down (no .parent:
  // tree-sitter finds a parent by descending from the root, slow in large files)
  for (let i = shape.path.length - 1; i >= 0; i--) {
    const n = shape.path[i]!;
    const type = nodeType(n);
    if (type === 'pointer_declarator') return new Set(namedChildrenOf(n).filter((c) => nodeType(c) === 'type_qualifier').map((c) => nodeText(c)));
    if (type === 'function_declarator') return new Set();
    if (i > 0 && type === nodeType(declarator) && nodeStart(n) === nodeStart(declarator) && n.endIndex === declarator.endIndex) break;
  }
  return new Set(specifierQualifiers);
}
