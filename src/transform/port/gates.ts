/**
 * Gates for calls into other libraries' exported functions (SPEC §2, §6). Each call gets one of
 * five forms, decided from its place in the statement; anything else is a manual site:
 *   statement    f(a);            → flexos_gate(libX, f, a);
 *   assignment   x = f(a);        → flexos_gate_r(libX, x, f, a);
 *   initializer  T x = f(a);      → T x; flexos_gate_r(libX, x, f, a);
 *   return       return f(a);     → T flexos_ret; flexos_gate_r(libX, flexos_ret, f, a); return flexos_ret;
 *   hoist        … g(f(a)) …      → T flexos_tmp1; flexos_gate_r(libX, flexos_tmp1, f, a); … g(flexos_tmp1) …
 *   expression   … (x, f(a)) …    → … (x, ({ T flexos_tmp1; flexos_gate_r(libX, flexos_tmp1, f, a); flexos_tmp1; })) …
 * The expression form (a GNU statement expression, evaluated exactly where the call was, so
 * every sequencing of the original — comma, &&, ?:, loop conditions, side effects around it —
 * is kept) is, with --in-place-gates, the fallback where moving the call would change
 * evaluation order; without it those calls are manual sites (SPEC §6).
 */
import type { FunctionDef, ResolvedCall } from '../../analyze/model.js';
import type { ParsedSource, SyntaxNode } from '../../parse/parser.js';
import { declaratorShape } from '../../analyze/declarators.js';
import { nodeType } from '../../parse/node-access.js';
import { isStructByValue } from '../byvalue.js';
import type { PortContext } from './context.js';
import { hoistRefusal, sideEffect, type Refusal } from './evaluation-order.js';
import type { FileWork } from './file-work.js';
import type { GateForm } from './model.js';
import { enclosingStatement, isStatementCondition, lineIndent, namedChildren, nodeAt, operatorOf, same } from './syntax.js';
import { assignableType } from './value-class.js';
import { callsInBody } from './macros.js';

/** At most this many arguments go through a gate (registers). */
export const MAX_GATE_ARGUMENTS = 6;

export interface GatePlan {
  work: FileWork;
  call: SyntaxNode;
  args: SyntaxNode;
  callee: string;
  /** The library name written in the gate (`libkvs`). */
  gateLibrary: string;
  form: GateForm;
  statement: SyntaxNode;
  /** The outermost node standing for the call's value (the call, or parentheses/a void cast around it). */
  value: SyntaxNode;
  /** assignment: the left operand. */
  lhs?: SyntaxNode;
  /** initializer: the declarator before `=`, and the variable. */
  declarator?: SyntaxNode;
  variable?: string;
  /** return and hoist: the temporary and its type; return: no temporary when the caller is void. */
  temp?: string;
  tempType?: string;
  /** return: the statement sits directly in a block (else it becomes one). */
  inBlock?: boolean;
  caller: FunctionDef;
  /** String literal arguments to wrap in FLEXOS_SHARED_LITERAL. */
  literals: SyntaxNode[];
  /** Why the call needs a gate (what it reaches that is not the caller's). */
  why?: string;
  /** statement/assignment: the call is an operand of this statement-level comma expression, split into statements. */
  splitComma?: SyntaxNode;
}

/** `libkvs` for the library that defines the callee (dashes removed, `lib` prefix kept). */
export function gateLibraryName(library: string): string {
  const name = library.replace(/-/g, '');
  return name.startsWith('lib') ? name : `lib${name}`;
}

/** Decides how to gate one cross-library call, or why it must be ported by hand. */
export function planGate(ctx: PortContext, call: ResolvedCall): GatePlan | Refusal {
  const work = ctx.file(call.file);
  const site = call.site;
  const root = work.parsed.tree.rootNode;
  if (call.class === 'cross-unexported') {
    return { reason: 'unexported', message: `${site.callee}() belongs to ${call.calleeLibrary}, which does not export it; add it to that library's exportsyms.uk (then gate it) or stop calling it` };
  }
  if (call.class === 'ambiguous') {
    return { reason: 'ambiguous', message: `${site.callee}() is exported by ${(call.candidates ?? []).join(' and ')}; the gate's library cannot be chosen — resolve the duplicate first` };
  }
  // an inline or a macro of another library's header is reached through the include by design
  const shadow = call.class === 'inline-header' || call.class === 'macro' ? null : ctx.includes.shadowing(work.facts, site.callee);
  if (shadow) {
    return { reason: 'ambiguous', message: `${site.callee}() resolves to ${call.calleeLibrary}, but ${shadow}, which this file includes; check which one the call means and gate it by hand if it crosses` };
  }
  const node = nodeAt(root, site.span, 'call_expression');
  const args = node?.childForFieldName('arguments') ?? null;
  if (!node || !args) return { reason: 'unparsed', message: `${site.callee}() could not be found in the parse tree; port it by hand` };
  if (insideDefine(work.text, node.startIndex)) {
    return { reason: 'macro-body', message: `${site.callee}() is written in a #define body; every expansion crosses into ${call.gate?.domain ?? call.calleeLibrary} — gate it inside the macro by hand` };
  }
  if (site.context === 'macro-argument') {
    return { reason: 'macro-argument', message: `${site.callee}() is written inside the arguments of a macro (an iterator or definer); port it by hand` };
  }
  const caller = work.functionAt(node.startIndex);
  if (site.context === 'static-initializer' || caller === null) {
    return { reason: 'static-initializer', message: `${site.callee}() initialises a variable of static storage; a gate is a statement, port it by hand` };
  }
  const statement = enclosingStatement(node);
  if (!statement) return { reason: 'unparsed', message: `${site.callee}() is not inside a statement; port it by hand` };
  if (statement.hasError || work.overlapsParseError({ start: statement.startIndex, end: statement.endIndex })) {
    return { reason: 'unparsed', message: `${site.callee}() is in a statement tree-sitter could not fully parse; port it by hand` };
  }
  const domain = call.gate?.domain ?? call.calleeLibrary!;
  const macroRefusal = call.class === 'macro' ? macroGateRefusal(ctx, site.callee, domain, site.args.length, call.gate?.reason) : null;
  if (macroRefusal) return macroRefusal;
  const callee = call.class === 'macro' ? macroAsFunction(site.callee) : calleeDefinition(ctx, call);
  if (!callee) return { reason: 'unknown-type', message: `the definition of ${site.callee}() in ${call.calleeLibrary} was not found; port it by hand` };
  const signature = call.class === 'macro' ? null : signatureRefusal(ctx, callee, site.args.length);
  if (signature) return signature;

  const argNodes = namedChildren(args);
  const base = {
    work,
    call: node,
    args,
    callee: site.callee,
    gateLibrary: gateLibraryName(domain),
    ...(call.gate ? { why: call.gate.reason } : {}),
    statement,
    caller,
    literals: argNodes.map(stripCasts).filter((a) => a.type === 'string_literal' || a.type === 'concatenated_string'),
  };
  let form = directForm(ctx, work, node, statement, callee, caller);
  if ('reason' in form && ctx.inPlaceGates && IN_PLACE_REASONS.has(form.reason)) form = expressionForm(ctx, work, node, callee, caller) ?? form;
  if ('reason' in form) return form;
  if (call.class === 'macro' && form.form !== 'statement') {
    return { reason: 'macro-expansion', message: `${site.callee} is a macro of ${domain} used as a value; a gate on a macro is a statement — port it by hand` };
  }
  if (form.form !== 'statement' && form.form !== 'assignment' && ctx.typedefs.classify(callee.returnType) === 'struct' && !ctx.typedefs.isAssignable(callee.returnType, [work.facts.path, ...ctx.includes.closure(work.facts.path)])) {
    return { reason: 'struct-by-value', message: `${site.callee}() returns '${callee.returnType}', which has a const member: its value cannot be assigned to the temporary a gate needs; port it by hand` };
  }
  if ((form.form === 'hoist' || form.form === 'return') && /\n[ \t]*#/.test(work.text.slice(args.startIndex, args.endIndex))) {
    return { reason: 'preprocessor', message: `the arguments of ${site.callee}() contain preprocessor directives and would have to move; port it by hand` };
  }
  return { ...base, ...form };
}

/** Refusals to move a call that the expression form answers: it does not move the call. */
const IN_PLACE_REASONS = new Set(['loop-condition', 'conditional', 'comma', 'unsequenced', 'not-in-block', 'multi-declarator', 'const-initializer', 'preprocessor']);

/** The call replaced in place by a statement expression holding the gate, or null when its type cannot be written. */
function expressionForm(ctx: PortContext, work: FileWork, call: SyntaxNode, callee: FunctionDef, caller: FunctionDef): FormChoice | null {
  if (callee.returnsVoid) return { form: 'expression', value: call };
  const calleeType = (definitionFile(ctx, callee) === '' ? null : returnTypeOf(callee));
  if (calleeType === null) return null;
  return { form: 'expression', value: call, temp: work.freshName(caller, 'flexos_tmp', true), tempType: calleeType };
}

type FormChoice = Pick<GatePlan, 'form' | 'value' | 'lhs' | 'declarator' | 'variable' | 'temp' | 'tempType' | 'inBlock' | 'splitComma'>;

function directForm(ctx: PortContext, work: FileWork, call: SyntaxNode, statement: SyntaxNode, callee: FunctionDef, caller: FunctionDef): FormChoice | Refusal {
  const name = callee.name;
  const names = ctx.names(work.facts);
  let value = call;
  while (value.parent?.type === 'parenthesized_expression' && !isStatementCondition(value.parent)) value = value.parent;
  const parent = value.parent!;
  const valueClass = ctx.typedefs.classify(callee.returnType);

  // f(a);   (void)f(a);   and the same as an operand of `a, f(b), c;`, which becomes statements
  if (parent.type === 'cast_expression' && isVoidCast(parent)) {
    let outer: SyntaxNode = parent;
    while (outer.parent?.type === 'parenthesized_expression') outer = outer.parent;
    if (outer.parent?.type === 'expression_statement') return { form: 'statement', value: outer };
    const comma = statementComma(outer);
    if (comma) return { form: 'statement', value: outer, splitComma: comma };
  }
  if (parent.type === 'expression_statement') return { form: 'statement', value };
  const comma = statementComma(value);
  if (comma) return { form: 'statement', value, splitComma: comma };

  // return f(a);   (in a void function: `return f(a);` with f void, a GNU C idiom)
  if (parent.type === 'return_statement' && caller.returnsVoid) {
    return { form: 'return', value, inBlock: statement.parent?.type === 'compound_statement' };
  }
  if (callee.returnsVoid) return { reason: 'unknown-type', message: `the value of ${name}(), which returns void, is used; port it by hand` };
  if (valueClass === 'float' || valueClass === 'wide') {
    return { reason: 'non-register-value', message: `${name}() returns '${callee.returnType}', which a gate cannot return (integer and pointer values only); port it by hand` };
  }

  // x = f(a);   (also as an operand of a statement-level comma expression)
  const assignmentComma = parent.type === 'assignment_expression' ? statementComma(parent) : null;
  if (parent.type === 'assignment_expression' && operatorOf(parent) === '=' && same(parent.childForFieldName('right'), value) && (parent.parent?.type === 'expression_statement' || assignmentComma)) {
    const lhs = parent.childForFieldName('left')!;
    const effect = sideEffect(lhs, names, { allowVolatile: true });
    if (effect) return { reason: 'unsequenced', message: `the left operand of '= ${name}(...)' contains ${effect}; port it by hand` };
    return { form: 'assignment', value, lhs, ...(assignmentComma ? { splitComma: assignmentComma } : {}) };
  }

  // T x = f(a);
  if (parent.type === 'init_declarator' && same(parent.childForFieldName('value'), value)) {
    const declaration = parent.parent!;
    if (declaration.type === 'declaration' && declaration.parent?.type !== 'for_statement') {
      const declarators = declaration.childrenForFieldName('declarator');
      if (declarators.length > 1) {
        return { reason: 'multi-declarator', message: `${name}() initialises one of ${declarators.length} variables declared together; split the declaration, then port again` };
      }
      const declarator = parent.childForFieldName('declarator')!;
      const shape = declaratorShape(declarator);
      const constant = isConstDeclaration(declaration, declarator, shape.isPointer);
      if (constant) return { reason: 'const-initializer', message: `${name}() initialises const '${shape.name}', which a gate cannot assign; drop the const or port it by hand` };
      if (!shape.name || shape.isArray || shape.isFunction || !simpleDeclarator(declarator)) {
        return { reason: 'unknown-type', message: `${name}() initialises a variable with a complex declarator; port it by hand` };
      }
      if (/\b(__auto_type|auto|typeof|__typeof__)\b/.test(work.text.slice(declaration.startIndex, declarator.startIndex))) {
        return { reason: 'unknown-type', message: `${name}() initialises a variable whose type is inferred; port it by hand` };
      }
      return { form: 'initializer', value, declarator, variable: shape.name };
    }
  }

  // return f(a);
  if (parent.type === 'return_statement') {
    const inBlock = statement.parent?.type === 'compound_statement';
    const callerType = returnTypeOf(caller);
    if (callerType === null) return { reason: 'unknown-type', message: `the return type of ${caller.name}() could not be read; port ${name}() by hand` };
    return { form: 'return', value, inBlock, temp: work.freshName(caller, 'flexos_ret', false), tempType: callerType };
  }

  // anything nested: hoist into a temporary before the statement
  const refusal = hoistRefusal(call, statement, names);
  if (refusal) return refusal;
  if (!canInsertBefore(statement)) {
    return { reason: 'not-in-block', message: `${name}() would be hoisted before its statement, which is not directly in a { } block (else-if, unbraced body, first statement after a label); add braces, then port again` };
  }
  if (statement.type === 'declaration') {
    const declared = statement.childrenForFieldName('declarator').map((d) => declaratorShape(d).name);
    const callText = work.text.slice(call.startIndex, call.endIndex);
    if (declared.some((d) => d !== null && new RegExp(String.raw`\b${d}\b`).test(callText))) {
      return { reason: 'unsequenced', message: `${name}() uses the variable its declaration declares; port it by hand` };
    }
  }
  const calleeType = (definitionFile(ctx, callee) === '' ? null : returnTypeOf(callee));
  if (calleeType === null) return { reason: 'unknown-type', message: `the return type of ${name}() could not be read; port it by hand` };
  return { form: 'hoist', value, temp: work.freshName(caller, 'flexos_tmp', true), tempType: calleeType };
}

/**
 * The comma expression `node` is a direct operand of, when that comma expression (through
 * unparenthesised commas only) is a whole expression statement: `a(), x = f(b), c;` splits
 * into statements without changing what runs when (a comma is a sequence point).
 */
function statementComma(node: SyntaxNode): SyntaxNode | null {
  let top: SyntaxNode | null = null;
  let n = node;
  while (n.parent?.type === 'comma_expression') {
    top = n.parent;
    n = n.parent;
  }
  return top !== null && top.parent?.type === 'expression_statement' ? top : null;
}

/** `a, b, c;` → `a; b; c;` (braced when the statement is not directly in a block); once per statement. */
export function splitCommaStatement(work: FileWork, comma: SyntaxNode): void {
  if (!work.splitCommas.has(comma.startIndex)) {
    work.splitCommas.add(comma.startIndex);
    const statement = comma.parent!;
    const operators: SyntaxNode[] = [];
    const stack = [comma];
    while (stack.length > 0) {
      const c = stack.pop()!;
      for (const child of c.children) {
        if (child.type === ',') operators.push(child);
        else if (child.type === 'comma_expression') stack.push(child);
      }
    }
    for (const op of operators) work.code.overwrite(op.startIndex, op.endIndex, ';');
    if (statement.parent?.type !== 'compound_statement' && !canInsertBefore(statement)) {
      work.code.prependRight(statement.startIndex, '{ ');
      work.code.appendLeft(statement.endIndex, ' }');
    }
  }
}

/** Why a callee cannot be called through a gate at all, or null. */
function signatureRefusal(ctx: PortContext, callee: FunctionDef, passed: number): Refusal | null {
  const name = callee.name;
  if (callee.variadic) return { reason: 'variadic', message: `${name}() is variadic; a gate passes a fixed list of register arguments — add a fixed-argument variant (e.g. a v${name}() taking va_list) and gate that` };
  const count = Math.max(passed, callee.params.length);
  if (count > MAX_GATE_ARGUMENTS) return { reason: 'too-many-arguments', message: `${name}() takes ${count} arguments; a gate passes at most ${MAX_GATE_ARGUMENTS} — pack them into a shared struct and pass its address` };
  for (const p of callee.params) {
    const cls = ctx.typedefs.classify(p.type);
    // spelled `struct S`/`union U`, the rewrite marshals it through shared memory (src/transform/byvalue.ts); through a typedef it cannot see the struct
    if (cls === 'struct' && !isStructByValue(p.type)) return { reason: 'struct-by-value', message: `${name}() takes '${p.type}', a struct through a typedef, by value; write the parameter as 'struct …' so the rewrite can marshal it, or pass a pointer to shared memory` };
    if (cls === 'float' || cls === 'wide') return { reason: 'non-register-value', message: `${name}() takes '${p.type}', which a gate cannot pass (integer and pointer values only); port it by hand` };
  }
  if (ctx.typedefs.classify(callee.returnType) === 'struct' && !isStructByValue(callee.returnType)) {
    return { reason: 'struct-by-value', message: `${name}() returns '${callee.returnType}', a struct through a typedef, by value; write the return type as 'struct …' so the rewrite can marshal it, or return through a pointer to shared memory` };
  }
  return null;
}

function calleeDefinition(ctx: PortContext, call: ResolvedCall): FunctionDef | null {
  const defs = ctx.index.definitions(call.site.callee).filter((d) => d.library === call.calleeLibrary);
  if (defs.length === 0 && call.class === 'inline-header') return ctx.index.headerInlines(call.site.callee).find((d) => d.library === call.calleeLibrary)?.def ?? null;
  return defs[0]?.def ?? null;
}

/** A macro gated as FlexOS gates `uk_pr_err`: a statement whose expansion is one call. */
function macroAsFunction(name: string): FunctionDef {
  const none = { start: 0, end: 0 };
  return { name, linkage: 'extern', inline: false, span: none, nameSpan: none, body: none, returnType: 'void', returnsVoid: true, params: [], variadic: true, attributes: [] };
}

/**
 * A macro of another library can be gated only when it behaves as one function call: its body is
 * a single call that uses each parameter at most once (`uk_pr_err(fmt, ...)` → `uk_printk(…)`).
 * Control flow over its arguments (`UK_ASSERT(x)`) must stay in the caller: reported.
 */
function macroGateRefusal(ctx: PortContext, name: string, domain: string, passed: number, why: string | undefined): Refusal | null {
  const defs = ctx.macros.definitions(name);
  if (defs.length === 0 || !defs.every((d) => d.functionLike && isCallLike(d.body, d.params))) {
    const where = defs[0] ? ` (${defs[0].file})` : '';
    const first = defs.flatMap((d) => callsInBody(d)).map((c) => c.name).find((n) => n !== name && (ctx.index.definitions(n).some((x) => x.library === domain) || ctx.index.headerInlines(n).some((x) => x.library === domain)));
    const reaches = first ? `calls ${first}() of ${domain}` : `reaches ${domain}'s state`;
    return { reason: 'macro-expansion', message: `${name}() is a macro${where} that ${reaches}, and its expansion is not a single call: expand it here and gate that call by hand, or leave it if the state is reached only on failure paths${why ? ` — ${why}` : ''}` };
  }
  if (passed > MAX_GATE_ARGUMENTS) return { reason: 'too-many-arguments', message: `${name} is passed ${passed} arguments; a gate passes at most ${MAX_GATE_ARGUMENTS} — port it by hand` };
  return null;
}

function isCallLike(body: string, params: string[]): boolean {
  const text = body.replace(/\\\n/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ').trim();
  const m = /^\(?\s*[A-Za-z_]\w*\s*\(/.exec(text);
  if (!m || !/\)\s*\)?$/.test(text)) return false;
  const unquoted = text.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""');
  if (/;|\?|&&|\|\||\b(if|else|while|for|do|switch|return|goto)\b/.test(unquoted)) return false;
  return params.every((p) => p === '...' || (unquoted.match(new RegExp(String.raw`\b${p}\b`, 'g')) ?? []).length <= 1);
}

/** Is an offset on a `#define` line (or one of its backslash continuations)? */
function insideDefine(text: string, at: number): boolean {
  let lineStart = text.lastIndexOf('\n', at - 1) + 1;
  for (;;) {
    if (/^[ \t]*#[ \t]*define\b/.test(text.slice(lineStart, lineStart + 200))) return true;
    if (lineStart === 0) return false;
    const prevEnd = lineStart - 1;
    const prevStart = text.lastIndexOf('\n', prevEnd - 1) + 1;
    if (!/\\[ \t]*\r?$/.test(text.slice(prevStart, prevEnd))) return false;
    lineStart = prevStart;
  }
}

function definitionFile(ctx: PortContext, def: FunctionDef): string {
  return [...ctx.index.definitions(def.name), ...ctx.index.headerInlines(def.name)].find((d) => d.def === def)?.file ?? '';
}

/** The return type as a temporary's type, when the definition's declarator is a plain `*…name(…)`. */
function returnTypeOf(def: FunctionDef): string | null {
  if (def.nestedDeclarator) return null;
  const type = assignableType(def.returnType);
  if (type === '' || /[{}]/.test(type)) return null;
  return type;
}

function isVoidCast(cast: SyntaxNode): boolean {
  return cast.childForFieldName('type')?.text.replace(/\s+/g, '') === 'void';
}

/** The expression under casts and parentheses. */
export function stripCasts(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    if (n.type === 'cast_expression') n = n.childForFieldName('value') ?? n;
    else if (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChildren[0]!;
    else return n;
  }
}

function isConstDeclaration(declaration: SyntaxNode, declarator: SyntaxNode, isPointer: boolean): boolean {
  // `const T *p` is assignable; `T *const p` and `const T x` are not
  for (let d: SyntaxNode | null = declarator; d && d.type === 'pointer_declarator'; d = d.childForFieldName('declarator')) {
    if (d.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const')) return true;
  }
  if (isPointer) return false;
  return declaration.namedChildren.some((c) => c.type === 'type_qualifier' && c.text === 'const');
}

function simpleDeclarator(declarator: SyntaxNode): boolean {
  let d: SyntaxNode | null = declarator;
  while (d && d.type === 'pointer_declarator') d = d.childForFieldName('declarator');
  return d?.type === 'identifier';
}

/** A statement may be preceded by new statements and declarations: it sits in a block, not first after a label. */
function canInsertBefore(statement: SyntaxNode): boolean {
  const parent = statement.parent;
  if (!parent) return false;
  if (parent.type === 'compound_statement') return true;
  if (parent.type === 'case_statement') {
    const body = namedChildren(parent).filter((c) => !same(c, parent.childForFieldName('value')));
    return body.length > 0 && !same(body[0], statement);
  }
  return false;
}

/** Applies one gate plan (callers apply inner calls first, so hoisted arguments carry their edits). */
export function applyGate(plan: GatePlan): void {
  const { work, call, args, callee, gateLibrary: lib, statement, value } = plan;
  const code = work.code;
  const text = work.text;
  const hasArgs = namedChildren(args).length > 0;
  const open = args.startIndex + 1;
  const close = args.endIndex - 1;
  const cut = hasArgs ? open : close;
  const argSep = hasArgs ? (/\s/.test(text[open] ?? '') ? ',' : ', ') : '';
  const indent = lineIndent(text, statement.startIndex);
  const head = (ret?: string): string => `flexos_gate${ret !== undefined ? '_r' : ''}(${lib}, ${ret !== undefined ? `${ret}, ` : ''}${callee}${argSep}`;
  const dropTail = (): void => {
    if (value.endIndex > call.endIndex) code.remove(call.endIndex, value.endIndex);
  };
  switch (plan.form) {
    case 'statement':
      code.overwrite(value.startIndex, cut, head());
      dropTail();
      work.propose({ kind: 'gate', span: span(call), name: callee, target: lib, form: 'statement', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
      if (plan.splitComma) splitCommaStatement(work, plan.splitComma);
      return;
    case 'assignment': {
      const lhs = plan.lhs!;
      code.prependRight(lhs.startIndex, `flexos_gate_r(${lib}, `);
      code.overwrite(lhs.endIndex, cut, `, ${callee}${argSep}`);
      dropTail();
      work.propose({ kind: 'gate_r', span: span(call), name: callee, target: lib, form: 'assignment', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
      if (plan.splitComma) splitCommaStatement(work, plan.splitComma);
      return;
    }
    case 'initializer':
      code.overwrite(plan.declarator!.endIndex, cut, `;\n${indent}${head(plan.variable!)}`);
      dropTail();
      work.propose({ kind: 'gate_r', span: span(call), name: callee, target: lib, form: 'initializer', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
      return;
    case 'return': {
      const temp = plan.temp;
      if (temp === undefined) {
        const [pre, post] = plan.inBlock ? ['', `;\n${indent}return;`] : ['{ ', '; return; }'];
        code.overwrite(statement.startIndex, cut, pre + head());
        code.overwrite(call.endIndex, statement.endIndex, post);
        work.propose({ kind: 'gate', span: span(call), name: callee, target: lib, form: 'return', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
        return;
      }
      const decl = declaration(plan.tempType!, temp);
      if (plan.inBlock) {
        code.overwrite(statement.startIndex, cut, `${decl}\n${indent}${head(temp)}`);
        code.overwrite(call.endIndex, statement.endIndex, `;\n${indent}return ${temp};`);
      } else {
        code.overwrite(statement.startIndex, cut, `{ ${decl} ${head(temp)}`);
        code.overwrite(call.endIndex, statement.endIndex, `; return ${temp}; }`);
      }
      work.propose({ kind: 'gate_r', span: span(call), name: callee, target: lib, form: 'return', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
      return;
    }
    case 'expression': {
      const temp = plan.temp;
      if (temp === undefined) {
        code.overwrite(call.startIndex, cut, `({ ${head()}`);
        code.overwrite(close, call.endIndex, '); })');
        work.propose({ kind: 'gate', span: span(call), name: callee, target: lib, form: 'expression', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
        return;
      }
      code.overwrite(call.startIndex, cut, `({ ${declaration(plan.tempType!, temp)} ${head(temp)}`);
      code.overwrite(close, call.endIndex, `); ${temp}; })`);
      work.propose({ kind: 'gate_r', span: span(call), name: callee, target: lib, form: 'expression', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
      return;
    }
    case 'hoist': {
      const temp = plan.temp!;
      const argText = hasArgs ? argSep + code.slice(open, close) : '';
      code.appendLeft(statement.startIndex, `${declaration(plan.tempType!, temp)}\n${indent}flexos_gate_r(${lib}, ${temp}, ${callee}${argText});\n${indent}`);
      code.overwrite(call.startIndex, call.endIndex, temp);
      work.propose({ kind: 'gate_r', span: span(call), name: callee, target: lib, form: 'hoist', inFunction: plan.caller.name, ...(plan.why ? { reason: plan.why } : {}) });
      return;
    }
  }
}

/** `T name;`, written `T *name;` for pointer types. */
function declaration(type: string, name: string): string {
  return type.endsWith('*') ? `${type}${name};` : `${type} ${name};`;
}

/** Wraps a string literal argument of a gate in FLEXOS_SHARED_LITERAL(...). */
export function wrapLiteral(work: FileWork, literal: SyntaxNode, inFunction: string | undefined): void {
  work.code.prependRight(literal.startIndex, 'FLEXOS_SHARED_LITERAL(');
  work.code.appendLeft(literal.endIndex, ')');
  work.propose({ kind: 'shared-literal', span: span(literal), ...(inFunction ? { inFunction } : {}) });
}

function span(node: SyntaxNode): { start: number; end: number } {
  return { start: node.startIndex, end: node.endIndex };
}

