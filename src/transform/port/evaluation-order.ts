/**
 * May a call be moved out of its statement, into a temporary assigned just before it, without
 * changing what the program does? Only when the call is evaluated unconditionally and nothing in
 * the statement that may be evaluated before it (or unsequenced with it) has a side effect.
 * Conservative by design: any doubt is a manual site.
 */
import type { SyntaxNode } from '../../parse/parser.js';
import type { ManualReason } from './model.js';
import { LOOPS, isStatementCondition, namedChildren, operatorOf, same } from './syntax.js';

export interface Refusal {
  reason: ManualReason;
  message: string;
}

/** What the evaluation-order questions need to know about names. */
export interface NameFacts {
  /** Names a function-like macro the tree defines (or an upper-case name nobody defines). */
  isMacro(name: string): boolean;
  /** The macro evaluates each argument exactly once, like a function. */
  macroEvaluatesOnce(name: string): boolean;
  /** The name, seen at `at`, is a volatile object (reading it is a side effect). */
  isVolatile(name: string, at: number): boolean;
}

const UNEVALUATED = new Set(['sizeof_expression', 'alignof_expression', 'offsetof_expression', 'generic_expression']);

/**
 * Why `node` may have a side effect (a call, an assignment, ++/--, asm, a statement expression,
 * a volatile access), or null when it has none. Operands of sizeof are not evaluated.
 */
export function sideEffect(node: SyntaxNode, names: NameFacts, options: { allowVolatile?: boolean } = {}): string | null {
  const stack: SyntaxNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    switch (n.type) {
      case 'call_expression':
        return `the call ${n.childForFieldName('function')?.text ?? ''}()`;
      case 'assignment_expression':
        return 'an assignment';
      case 'update_expression':
        return `a ${n.text.includes('++') ? '++' : '--'}`;
      case 'gnu_asm_expression':
        return 'inline assembly';
      case 'compound_statement':
        return 'a statement expression';
      case 'identifier':
        if (!options.allowVolatile && names.isVolatile(n.text, n.startIndex)) return `a read of volatile ${n.text}`;
        break;
      default:
        if (UNEVALUATED.has(n.type)) continue;
    }
    for (const c of n.namedChildren) stack.push(c);
  }
  return null;
}

/**
 * Checks that `call`, somewhere inside `statement`, can be hoisted: returns null when it can,
 * or why not. `statement` is the call's enclosing statement.
 */
export function hoistRefusal(call: SyntaxNode, statement: SyntaxNode, names: NameFacts): Refusal | null {
  const callee = call.childForFieldName('function')?.text ?? 'the call';
  const siblings: SyntaxNode[] = [];
  let child = call;
  let node = call.parent;
  while (node !== null && !same(node, statement)) {
    switch (node.type) {
      case 'binary_expression': {
        const op = operatorOf(node);
        const right = node.childForFieldName('right');
        const left = node.childForFieldName('left');
        if (op === '&&' || op === '||') {
          if (same(child, right)) return { reason: 'conditional', message: `${callee}() is the right operand of '${op}' and runs only conditionally; split the condition by hand, then gate it` };
          // the right operand is evaluated after the left one: it cannot run before the call
        } else {
          const other = same(child, left) ? right : left;
          if (other) siblings.push(other);
        }
        break;
      }
      case 'conditional_expression':
        if (!same(child, node.childForFieldName('condition'))) {
          return { reason: 'conditional', message: `${callee}() is a branch of '?:' and runs only conditionally; rewrite it as an if, then gate it` };
        }
        break;
      case 'comma_expression':
        return { reason: 'comma', message: `${callee}() is an operand of a comma expression; split it into statements, then gate it` };
      case 'argument_list': {
        const outer = node.parent;
        const fn = outer?.childForFieldName('function');
        if (fn && fn.type === 'identifier' && names.isMacro(fn.text) && !names.macroEvaluatesOnce(fn.text)) {
          return {
            reason: 'macro-argument',
            message: `${callee}() is an argument of macro ${fn.text}, which may evaluate it never or more than once (e.g. an assertion compiled out); hoist it by hand where that is intended`,
          };
        }
        if (fn) siblings.push(fn);
        for (const a of namedChildren(node)) if (!same(a, child)) siblings.push(a);
        break;
      }
      case 'call_expression':
        // reached from its argument list (handled above) or from its function part: `f(x)(y)`
        if (same(child, node.childForFieldName('function'))) {
          const args = node.childForFieldName('arguments');
          if (args) siblings.push(...namedChildren(args));
        }
        break;
      case 'parenthesized_expression':
        if (isStatementCondition(node) && LOOPS.has(node.parent!.type)) {
          return loopRefusal(callee);
        }
        break;
      case 'init_declarator': {
        const declaration = node.parent;
        if (declaration && declaration.childrenForFieldName('declarator').length > 1) {
          return { reason: 'multi-declarator', message: `${callee}() initialises one of several variables declared together; split the declaration, then port again` };
        }
        break;
      }
      case 'for_statement':
      case 'while_statement':
      case 'do_statement':
        return loopRefusal(callee);
      case 'gnu_asm_expression':
      case 'compound_statement':
        return { reason: 'unsequenced', message: `${callee}() is inside a statement expression or asm operand; port it by hand` };
      default:
        if (UNEVALUATED.has(node.type)) {
          return { reason: 'unevaluated', message: `${callee}() is an operand of ${node.type.replace(/_expression$/, '')} and is never called; nothing to gate` };
        }
        for (const c of namedChildren(node)) if (!same(c, child)) siblings.push(c);
    }
    child = node;
    node = node.parent;
  }
  if (node === null) return { reason: 'unsequenced', message: `${callee}() is not inside a statement; port it by hand` };
  if (LOOPS.has(statement.type)) return loopRefusal(callee);
  for (const s of siblings) {
    const effect = sideEffect(s, names);
    if (effect) {
      return {
        reason: 'unsequenced',
        message: `${callee}() shares its statement with ${effect}, which may be evaluated before it; hoisting the call could reorder them, so split the statement by hand`,
      };
    }
  }
  return null;
}

function loopRefusal(callee: string): Refusal {
  return {
    reason: 'loop-condition',
    message: `${callee}() is in a loop header and runs on every iteration; rewrite the loop (e.g. for (;;) { gate; if (!cond) break; ... }), then gate it`,
  };
}
