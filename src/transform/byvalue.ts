/**
 * Structs and unions passed or returned by value across an isolating gate. A gate carries six
 * register values; FlexOS refuses such calls. Here the caller copies each by-value argument to
 * the shared heap and passes its address, and a generated stub — run in the callee's
 * compartment — unpacks the copies, calls the function, and stores a struct result in a shared
 * buffer the caller copies out and frees:
 *
 *   flexos_gate_r(libX, r, f, s, n);          with struct R f(struct S s, int n)
 *   →
 *   { struct S *flexos_byval1; struct R *flexos_res1 = flexos_byval_result(sizeof *flexos_res1);
 *     FLEXOS_BYVAL_R(flexos_vmept_gate, 0, 1, r, flexos_res1, f__flexos_byval, FLEXOS_BYVAL_ARG(flexos_byval1, s), n);
 *     flexos_shared_free(flexos_byval1); flexos_shared_free(flexos_res1); }
 *
 * with, before the calling function, the stub
 *   static void f__flexos_byval(struct S *s, int n, struct R *flexos_res) { *flexos_res = f(*s, n); }
 *
 * Within one compartment (and under fcalls) a gate is a plain call and needs none of this.
 * The runtime side (FLEXOS_BYVAL_ARG, FLEXOS_BYVAL_R, flexos_byval_result) is in flexos/runtime.h.
 */
import { isPointerParam, type EntryTable } from './entries.js';
import type { FunctionDef, GateSite, Param } from '../analyze/model.js';
import type { FileEdits } from './edits.js';

export const BYVALUE_STUB_SUFFIX = '__flexos_byval';
const RESULT_PARAM = 'flexos_res';

export function isStructByValue(type: string): boolean {
  return /^(const\s+|volatile\s+)*(struct|union)\b/.test(type.trim()) && !type.includes('*') && !type.includes('[');
}

/** What a gate into `def` needs marshalled: by-value parameter indices and a by-value result. */
export function byValueShape(def: FunctionDef): { params: number[]; result: boolean } {
  return { params: def.params.flatMap((p, i) => (isStructByValue(p.type) ? [i] : [])), result: !def.returnsVoid && isStructByValue(def.returnType) };
}

const stubsWritten = new WeakMap<FileEdits, Set<string>>();
const counters = new WeakMap<FileEdits, { n: number }>();

/**
 * Rewrites one isolating gate into `def` whose arguments or result are structs by value; reports
 * an error (and edits nothing) where the stub cannot be written.
 */
export function rewriteByValueGate(edits: FileEdits, site: GateSite, def: FunctionDef, from: number, to: number, mech: string, entries?: EntryTable): void {
  const shape = byValueShape(def);
  const total = def.params.length + (shape.result ? 1 : 0);
  if (total > 6) {
    edits.report('gate-too-many-arguments', 'error', site.span, `'${site.callee}' returns a struct by value and takes ${def.params.length} arguments; with the result buffer that is ${total}, and a gate passes at most 6`);
    return;
  }
  if (def.variadic || def.params.some((p) => p.name === null) || site.args.length !== def.params.length) {
    edits.report('gate-struct-by-value', 'error', site.span, `'${site.callee}' passes a struct by value; marshalling it needs a non-variadic definition with named parameters and one argument per parameter`);
    return;
  }
  if (!site.statementSpan || !site.isStatement) {
    edits.report('gate-struct-by-value', 'error', site.span, 'a gate passing a struct by value must be a statement of its own');
    return;
  }
  const enclosing = edits.facts.functions.find((f) => f.name === site.inFunction && f.span.start <= site.span.start && site.span.end <= f.span.end);
  if (!enclosing) {
    edits.report('gate-struct-by-value', 'error', site.span, 'a gate passing a struct by value must be inside a function');
    return;
  }
  const stub = site.callee + BYVALUE_STUB_SUFFIX;
  if (entries !== undefined) {
    // the stub is what the callee's compartment enters (issue 11's entry tables): every by-value
    // argument and the result buffer arrive as pointers
    const mask = def.params.reduce((m, p, i) => (isStructByValue(p.type) || isPointerParam(p) ? m | (1 << i) : m), shape.result ? 1 << def.params.length : 0);
    const conflict = entries.add({ name: stub, compartment: to, arity: total, pointerArgs: mask, viaAlias: true }, from);
    if (conflict) {
      edits.report('gate-entry-conflict', 'error', site.calleeSpan, conflict);
      return;
    }
  }
  writeStub(edits, def, stub, enclosing.span.start, shape.result, entries !== undefined);

  const counter = counters.get(edits) ?? { n: 0 };
  counters.set(edits, counter);
  const decls: string[] = [];
  const frees: string[] = [];
  for (const i of shape.params) {
    const tmp = `flexos_byval${++counter.n}`;
    const arg = site.args[i]!;
    decls.push(`${pointerTo(writable(typeOf(def.params[i]!)), tmp)};`);
    frees.push(`flexos_shared_free(${tmp});`);
    edits.code.prependRight(arg.span.start, `FLEXOS_BYVAL_ARG(${tmp}, `);
    edits.code.appendLeft(arg.span.end, ')');
  }
  const gate = `flexos_${mech}_gate`;
  const keyword = site.kind === 'gate' ? 'flexos_gate' : 'flexos_gate_r';
  const close = site.span.end - 1; // the gate's closing parenthesis
  if (shape.result) {
    const res = `flexos_res${++counter.n}`;
    decls.push(`${pointerTo(writable(def.returnType), res)} = flexos_byval_result(sizeof *${res});`);
    frees.push(`flexos_shared_free(${res});`);
    if (site.kind === 'gate_r') {
      edits.code.overwrite(site.span.start, site.span.start + keyword.length, 'FLEXOS_BYVAL_R');
      edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${gate}, ${from}, ${to}`);
      edits.code.overwrite(site.calleeSpan.start, site.calleeSpan.end, `${res}, ${stub}`);
    } else {
      edits.code.overwrite(site.span.start, site.span.start + keyword.length, gate);
      edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
      edits.code.overwrite(site.calleeSpan.start, site.calleeSpan.end, stub);
      edits.code.appendLeft(close, `, ${res}`);
    }
  } else {
    edits.code.overwrite(site.span.start, site.span.start + keyword.length, `${gate}${site.kind === 'gate_r' ? '_r' : ''}`);
    edits.code.overwrite(site.librarySpan.start, site.librarySpan.end, `${from}, ${to}`);
    edits.code.overwrite(site.calleeSpan.start, site.calleeSpan.end, stub);
  }
  edits.code.prependLeft(site.statementSpan.start, `{ ${decls.join(' ')} `);
  edits.code.appendRight(site.statementSpan.end, ` ${frees.join(' ')} }`);
}

/** The stub, once per file and callee, before the first function that gates into it. */
function writeStub(edits: FileEdits, def: FunctionDef, stub: string, at: number, result: boolean, alias: boolean): void {
  const written = stubsWritten.get(edits) ?? new Set<string>();
  stubsWritten.set(edits, written);
  if (written.has(stub)) return;
  written.add(stub);
  const params = def.params.map((p) => (isStructByValue(p.type) ? pointerTo(typeOf(p), p.name!) : p.type));
  const args = def.params.map((p) => (isStructByValue(p.type) ? `*${p.name}` : p.name!)).join(', ');
  let signature: string;
  let body: string;
  if (result) {
    signature = `void ${stub}(${[...params, pointerTo(writable(def.returnType), RESULT_PARAM)].join(', ')})`;
    // copied as bytes: a struct with a const member can be initialised but not assigned
    body = `${writable(def.returnType)} flexos_v = ${def.name}(${args});\n\t__builtin_memcpy(${RESULT_PARAM}, &flexos_v, sizeof flexos_v);`;
  } else if (def.returnsVoid) {
    signature = `void ${stub}(${params.join(', ') || 'void'})`;
    body = `${def.name}(${args});`;
  } else {
    signature = `${returnTypeSpelling(def.returnType)}${stub}(${params.join(', ') || 'void'})`;
    body = `return ${def.name}(${args});`;
  }
  edits.code.prependLeft(
    at,
    `/* flexos: ${def.name}() takes or returns a struct by value; its gate passes shared copies, this stub unpacks them in the callee's compartment. */\n__attribute__((section(".text_shared"))) static ${signature}\n{\n\t${body}\n}\n${alias ? `FLEXOS_ENTRY_ALIAS(${stub});\n` : ''}\n`,
  );
}

/** `union U1 p_21` → `union U1`. */
function typeOf(p: Param): string {
  const t = p.type.trim();
  return p.name !== null && t.endsWith(p.name) ? t.slice(0, t.length - p.name.length).trim() : t;
}

function pointerTo(type: string, name: string): string {
  return `${type} *${name}`;
}

/** A buffer the caller or the stub writes: its type without the qualifiers of a by-value copy. */
function writable(type: string): string {
  return type.replace(/\b(const|volatile)\s+/g, '').trim();
}

function returnTypeSpelling(type: string): string {
  const t = type.trim();
  return t.endsWith('*') ? t : `${t} `;
}
