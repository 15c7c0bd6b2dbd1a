import { createHash } from 'node:crypto';
import { type ErrorSpan, type ParsedSource, type SyntaxNode } from '../parse/parser.js';
import { LineIndex } from '../parse/line-index.js';
import { field, namedChildrenOf, nodeEnd, nodeStart, nodeText, nodeType, spanText } from '../parse/node-access.js';
import { AncestorFinder, ancestors, type Ancestors } from '../parse/ancestry.js';
import { STATEMENT_TYPES } from './syntax-kinds.js';
import { splitTopLevel, type MacroSite } from '../parse/parse-view.js';
import { attributeUses, callbackLibrary, isAnnotation } from './attributes.js';
import { nameUses } from './name-uses.js';
import { factNodes } from './fact-nodes.js';
import { tooDeepNestingOf } from './unseen-annotations.js';
import { declaratorShape, declaratorsOf, objectQualifiers, hasStorageClass, specifiers, type Specifiers } from './declarators.js';
import type {
  AllocKind,
  AttributeUse,
  CallArgument,
  CallContext,
  CallSite,
  CallbackAnnotation,
  FileFacts,
  FunctionDecl,
  FunctionDef,
  FunctionReference,
  GateSite,
  IncludeDirective,
  MacroBody,
  MacroDefine,
  Param,
  ParseErrorRegion,
  SharedAllocSite,
  SharedLiteralSite,
  Span,
  Suppression,
  VariableDecl,
} from './model.js';

export const GATE_NAMES = { flexos_gate: 'gate', flexos_gate_r: 'gate_r' } as const;
export const SHARED_LITERAL_NAME = 'FLEXOS_SHARED_LITERAL';
/** Words that mark a SPEC §2 annotation in raw text. */
const ANNOTATION_WORDS = /\bflexos_(gate|gate_r|whitelist|\w+_whitelist)\b|\bFLEXOS_SHARED_LITERAL\b|\blib\w+_callback\b/;
/** Placeholder allocator → how many leading arguments are not library names. */
export const SHARED_ALLOCATORS: Record<string, { kind: AllocKind; arity: number }> = {
  flexos_malloc_whitelist: { kind: 'malloc', arity: 1 },
  flexos_calloc_whitelist: { kind: 'calloc', arity: 2 },
  flexos_realloc_whitelist: { kind: 'realloc', arity: 2 },
  flexos_memalign_whitelist: { kind: 'memalign', arity: 2 },
  flexos_palloc_whitelist: { kind: 'palloc', arity: 1 },
  flexos_free_whitelist: { kind: 'free', arity: 1 },
  flexos_pfree_whitelist: { kind: 'pfree', arity: 2 },
};

export interface FactsOptions {
  path: string;
  library: string | null;
  isHeader: boolean;
}

interface FunctionFrame {
  def: FunctionDef;
  /** The function_definition node: its descendants' ancestors are found from it (ancestry.ts). */
  node: SyntaxNode;
  paramNames: Set<string>;
  locals: VariableDecl[];
}

/**
 * Everything one file says on its own. Pure: reads only the parsed source. With `within` (a node
 * of the tree, e.g. one function an editor changed), only what lies inside that node is read;
 * the whole-file fields (lines, hash, suppressions, skipped branches) are still the file's, and
 * `names` (the file's previous facts) says which names the rest of the file binds.
 */
export function extractFacts(parsed: ParsedSource, options: FactsOptions, part?: { within: SyntaxNode; names: FileFacts }): FileFacts {
  const within = part?.within;
  const { view, text } = parsed;
  const lines = LineIndex.of(text);
  const facts: FileFacts = {
    path: options.path,
    library: options.library,
    isHeader: options.isHeader,
    lineStarts: lines.lineStarts,
    lineCount: text.length === 0 ? 0 : text.endsWith('\n') ? lines.lineCount - 1 : lines.lineCount,
    hash: createHash('sha1').update(text, 'latin1').digest('hex'),
    functions: [],
    prototypes: [],
    globals: [],
    locals: [],
    defines: [],
    typedefs: [],
    calls: [],
    gates: [],
    sharedAllocs: [],
    sharedLiterals: [],
    functionRefs: [],
    callbacks: [],
    includes: [],
    parseErrors: [],
    skippedBranches: parsed.macroSites
      .filter((m) => m.kind === 'skipped-branch')
      .map((m) => ({ span: { start: m.start, end: m.end }, start: lines.position(m.start), hasAnnotation: ANNOTATION_WORDS.test(text.slice(m.start, m.end)) })),
    deadCode: parsed.macroSites
      .filter((m) => m.kind === 'dead-branch')
      .map((m) => ({ span: { start: m.start, end: m.end }, start: lines.position(m.start), reason: m.name })),
    strayAttributes: [],
    nameUses: [],
    suppressions: suppressions(text, lines),
  };
  const inRange = within ? (s: { start: number; end: number }) => s.start >= nodeStart(within) && s.end <= within.endIndex : () => true;
  const macroArgSpans = parsed.macroSites
    .filter((s) => (s.kind === 'iterator' || s.kind === 'definer') && inRange(s))
    .map((s) => macroArgsSpan(s, text));
  const definers = parsed.macroSites.filter((s) => s.kind === 'definer' && inRange(s));
  const seenValues = new Set<number>();
  let frame: FunctionFrame | null = null;
  const root = parsed.tree.rootNode;
  // one cursor for every ancestor question of this file, asked in document order (ancestry.ts)
  const finder = new AncestorFinder();

  for (const { kind, node, start, holder, name: macroName } of factNodes(within ?? root, tooDeepNestingOf(parsed))) {
    if (frame !== null && start >= frame.def.span.end) frame = null;
    switch (kind) {
      case 'function': {
        const def = functionDefinition(node, definers);
        if (def === null) break;
        facts.functions.push(def);
        frame = { def, node, paramNames: new Set(def.params.flatMap((p) => (p.name ? [p.name] : []))), locals: [] };
        break;
      }
      case 'declaration': {
        if (frame !== null && start >= frame.def.body.start) {
          const locals = variables(node, frame.def.name, specifiers(node), frame.node, finder);
          frame.locals.push(...locals);
          facts.locals.push(...locals);
        } else if (frame === null) {
          fileScopeDeclaration(node, facts);
        }
        break;
      }
      case 'call':
        call(node, frame, facts, macroArgSpans, view, seenValues, root, finder);
        break;
      case 'include': {
        const inc = include(node);
        if (inc) facts.includes.push(inc);
        break;
      }
      case 'macro': {
        const name = macroName!;
        const define = macroDefine(node, name);
        facts.defines.push(define);
        const body = macroBody(define, text);
        if (body) (facts.macroBodies ??= []).push(body);
        break;
      }
      case 'typedef':
        typedef(node, view, facts);
        break;
      case 'value': {
        if (seenValues.has(start)) break;
        seenValues.add(start);
        const ref = valueReference(node, holder!, frame, root, finder);
        if (ref) facts.functionRefs.push(ref);
        break;
      }
    }
  }
  facts.functionRefs.sort((a, b) => a.span.start - b.span.start);
  // each function's own locals, looked up by its name (scanning every local per function was quadratic)
  const localsByFunction = new Map<string, VariableDecl[]>();
  for (const v of facts.locals) {
    if (v.functionName === undefined) continue;
    const list = localsByFunction.get(v.functionName);
    if (list) list.push(v);
    else localsByFunction.set(v.functionName, [v]);
  }
  for (const fn of facts.functions) bodyNames(fn, localsByFunction.get(fn.name) ?? [], text);
  facts.parseErrors = parseErrors(within ? parsed.errors.filter(inRange) : parsed.errors, lines, facts.functions);
  attachAttributes(attributeUses(within ? parsed.macroSites.filter(inRange) : parsed.macroSites), facts, view);
  facts.nameUses = nameUses(view, facts, part?.names);
  return facts;
}

const DERIVED_DECLARATORS = new Set(['pointer_declarator', 'array_declarator', 'function_declarator']);

/**
 * A type_definition: the names resolution tells casts by (a plain or pointer declarator's name,
 * in order) and, for port, every declared name with its type.
 */
function typedef(node: SyntaxNode, view: string, facts: FileFacts): void {
  const declarators = declaratorsOf(node);
  for (const d of declarators) {
    const type = nodeType(d);
    if (type === 'type_identifier') facts.typedefs.push(nodeText(d));
    else if (type === 'pointer_declarator') {
      const inner = field(d, 'declarator');
      if (inner !== null && nodeType(inner) === 'type_identifier') facts.typedefs.push(nodeText(inner));
    }
  }
  const typeNode = field(node, 'type');
  if (!typeNode) return;
  const base = view.slice(nodeStart(typeNode), typeNode.endIndex).replace(/\s+/g, ' ').trim();
  for (const d of declarators) {
    const shape = declaratorShape(d);
    // any derivation (pointer, array, function, however nested: `(*handler_t)(int)`) makes a value that is no base-type object
    const derived = shape.path.some((n) => DERIVED_DECLARATORS.has(nodeType(n)));
    if (shape.name) (facts.typedefTypes ??= []).push({ name: shape.name, base, indirect: derived });
  }
}

const SUPPRESSION = /(?:\/\/|\/\*)[ \t]*flexos-ignore(-next-line|-file)?\b([^\n]*)/g;

/** `// flexos-ignore[-next-line|-file] [code…]` comments (see Suppression). */
function suppressions(text: string, lines: LineIndex): Suppression[] {
  if (!text.includes('flexos-ignore')) return [];
  const out: Suppression[] = [];
  for (const m of text.matchAll(SUPPRESSION)) {
    const scope = m[1] === '-next-line' ? 'next-line' : m[1] === '-file' ? 'file' : 'line';
    const rest = m[2]!.replace(/\*\/.*$/, '');
    const codes = rest.split(/[\s,]+/).filter((c) => /^[a-z][a-z0-9-]*$/.test(c));
    out.push({ scope, line: lines.position(m.index!).line, codes: codes.length > 0 ? codes : null });
  }
  return out;
}

/** `&v`, `&v[i]`, `&v.f` or an array `v` (cast or not): the variable a pointer initialiser points at. */
function pointedVariable(init: SyntaxNode): { name: string; address: boolean } | null {
  const base = stripCasts(init);
  if (nodeType(base) === 'pointer_expression' && field(base, 'operator')?.text === '&') {
    const target = lvalueBase(field(base, 'argument') ?? base);
    return target && !target.throughPointer ? { name: target.name, address: true } : null;
  }
  return nodeType(base) === 'identifier' ? { name: nodeText(base), address: false } : null;
}

const C_KEYWORDS = new Set(['if', 'else', 'while', 'do', 'for', 'switch', 'case', 'default', 'return', 'break', 'continue', 'goto', 'sizeof', 'typeof', '__typeof__', '_Alignof', 'struct', 'union', 'enum', 'const', 'volatile', 'static', 'int', 'char', 'long', 'short', 'unsigned', 'signed', 'void']);
const ASM_WORD = /\b(?:asm|__asm__|__asm)\b/;
const WORD = /\b[A-Za-z_]\w*/g;
/** JavaScript's \s among the first 256 code units (the texts are read as latin1). */
const SPACE = (() => {
  const space = new Uint8Array(256);
  for (let c = 0; c < 256; c++) space[c] = /\s/.test(String.fromCharCode(c)) ? 1 : 0;
  return space;
})();
const isSpace = (c: number): boolean => (c < 256 ? SPACE[c] === 1 : /\s/.test(String.fromCharCode(c)));

/**
 * The identifiers of a text (literals and comments blanked), each with whether `.` or `->`
 * precedes it (a member) and `(` follows it (a call), blanks allowed between. One word pattern
 * and a look at the neighbours: a pattern carrying the optional prefix and suffix was tried at
 * every position of the text, 40 times slower over the SQLite amalgamation.
 */
function forEachIdentifier(text: string, visit: (name: string, member: boolean, call: boolean) => void): void {
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const name = m[0];
    let before = m.index - 1;
    while (before >= 0 && isSpace(text.charCodeAt(before))) before--;
    const p = before >= 0 ? text.charCodeAt(before) : -1;
    const member = p === 0x2e || (p === 0x3e && before > 0 && text.charCodeAt(before - 1) === 0x2d);
    let after = m.index + name.length;
    while (after < text.length && isSpace(text.charCodeAt(after))) after++;
    visit(name, member, text.charCodeAt(after) === 0x28);
  }
}

/** Source text with string and character literals and comments blanked (offsets kept). */
function withoutLiterals(text: string): string {
  return text.replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => ' '.repeat(m.length));
}

/**
 * The names a function body uses beyond its parameters and locals, and whether it holds inline
 * assembly: what decides whether running it in another compartment touches only its arguments.
 * Field names after `.`/`->` are not names of variables. Conservative: a shadowed use is dropped
 * only when the function declares that name itself.
 */
function bodyNames(fn: FunctionDef, locals: readonly VariableDecl[], text: string): void {
  const body = withoutLiterals(text.slice(fn.body.start, fn.body.end));
  const own = new Set<string>(fn.params.flatMap((p) => (p.name ? [p.name] : [])));
  for (const v of locals) if (v.span.start >= fn.body.start && v.span.end <= fn.body.end) own.add(v.name);
  const names = new Set<string>();
  forEachIdentifier(body, (name, member, call) => {
    if (!member && !call && !own.has(name)) names.add(name);
  });
  fn.freeNames = [...names].sort();
  if (ASM_WORD.test(body)) fn.hasAsm = true;
}

/** Calls and names of a `#define` body. */
function macroDefine(def: SyntaxNode, nameNode: SyntaxNode): MacroDefine {
  const value = field(def, 'value');
  const paramsNode = field(def, 'parameters');
  return {
    name: nodeText(nameNode),
    span: span(def),
    functionLike: nodeType(def) === 'preproc_function_def',
    params: paramsNode ? namedChildrenOf(paramsNode).filter((c) => nodeType(c) === 'identifier').map((c) => nodeText(c)) : [],
    body: value ? { start: nodeStart(value), end: value.endIndex } : null,
  };
}

function macroBody(define: MacroDefine, text: string): MacroBody | null {
  if (define.body === null) return null;
  const params = new Set(define.params);
  const body = withoutLiterals(text.slice(define.body.start, define.body.end));
  const calls = new Set<string>();
  const names = new Set<string>();
  forEachIdentifier(body, (name, member, call) => {
    if (member || params.has(name) || name === '__VA_ARGS__' || C_KEYWORDS.has(name)) return;
    (call ? calls : names).add(name);
  });
  return { name: define.name, calls: [...calls].sort(), names: [...names].sort(), hasAsm: ASM_WORD.test(body) };
}

function macroArgsSpan(site: MacroSite, text: string): Span {
  // an iterator site covers only its name; its arguments follow (maybe after blanks)
  const start = site.kind === 'iterator' ? text.indexOf('(', site.end) : site.end - site.argsText.length;
  return { start, end: start + site.argsText.length };
}

function span(node: SyntaxNode): Span {
  return { start: nodeStart(node), end: nodeEnd(node) };
}

function functionDefinition(node: SyntaxNode, definers: MacroSite[]): FunctionDef | null {
  const declarator = field(node, 'declarator');
  const body = field(node, 'body');
  if (!declarator || !body) return null;
  const shape = declaratorShape(declarator);
  if (!shape.name || !shape.nameNode) return null;
  const pointerDepth = countPointers(declarator);
  const spec = specifiers(node);
  let under: SyntaxNode | null = declarator;
  while (under !== null && nodeType(under) === 'pointer_declarator') under = field(under, 'declarator');
  const inner = under !== null && nodeType(under) === 'function_declarator' ? field(under, 'declarator') : null;
  const nested = inner === null || nodeType(inner) !== 'identifier';
  const { params, variadic } = parameters(shape.parameters);
  const isInline = [...spec.storage, ...spec.qualifiers].some((word) => /^(__)?inline(__)?$/.test(word));
  const def: FunctionDef = {
    name: shape.name,
    linkage: spec.storage.has('static') ? 'static' : 'extern',
    inline: isInline,
    span: span(node),
    nameSpan: span(shape.nameNode),
    body: span(body),
    returnType: (spec.type + ' ' + '*'.repeat(pointerDepth)).trim(),
    returnsVoid: spec.typeNode?.text === 'void' && pointerDepth === 0,
    params,
    variadic,
    attributes: [],
  };
  if (nested) def.nestedDeclarator = true;
  // a definer that writes the body too (`DECLARE_TRAP`) covers the whole definition
  const macro = definers.find((d) => d.start >= nodeStart(node) && d.start < nodeStart(body));
  if (macro) {
    def.viaMacro = macro.name;
    definerSpans(def, macro);
  }
  return def;
}

/**
 * The parse view lays a definer's signature out over the macro call, so the name and parameter
 * nodes sit at view offsets that mean nothing in the original. Point them at the macro's
 * arguments instead (`UK_SYSCALL_R_DEFINE(int, f, int, a)`: name `f`, parameter `int, a`).
 */
function definerSpans(def: FunctionDef, site: MacroSite): void {
  const open = site.end - site.argsText.length;
  const args: Span[] = [];
  let at = open + 1;
  for (const part of splitTopLevel(site.argsText.slice(1, -1))) {
    const lead = part.length - part.trimStart().length;
    const trail = part.length - part.trimEnd().length;
    args.push({ start: at + lead, end: at + part.length - trail });
    at += part.length + 1;
  }
  // a name built from a template (`$0_$1`) has no argument of its own: the view's offsets stay
  const nameIndex = site.nameArg ?? -1;
  const nameArg = args[nameIndex];
  if (nameArg === undefined || site.argsText.slice(nameArg.start - open, nameArg.end - open) !== def.name) return;
  def.nameSpan = nameArg;
  const pairs = args.slice(nameIndex + 1);
  if (pairs.length !== def.params.length * 2) return;
  def.params.forEach((p, i) => {
    p.span = { start: pairs[2 * i]!.start, end: pairs[2 * i + 1]!.end };
  });
}

function countPointers(declarator: SyntaxNode): number {
  let depth = 0;
  let node: SyntaxNode | null = declarator;
  while (node && nodeType(node) !== 'function_declarator') {
    if (nodeType(node) === 'pointer_declarator') depth++;
    node = field(node, 'declarator');
  }
  return depth;
}

function parameters(list: SyntaxNode | null): { params: Param[]; variadic: boolean } {
  const params: Param[] = [];
  let variadic = false;
  if (!list) return { params, variadic };
  for (const p of namedChildrenOf(list)) {
    if (nodeType(p) === 'variadic_parameter') {
      variadic = true;
      continue;
    }
    if (nodeType(p) !== 'parameter_declaration') continue;
    const d = field(p, 'declarator');
    const shape = d ? declaratorShape(d) : null;
    const where = span(p);
    const typeText = spanText(p, where).replace(/\s+/g, ' ');
    if (!d && typeText === 'void') continue;
    params.push({ name: shape?.name ?? null, type: typeText, span: where });
  }
  return { params, variadic };
}

function fileScopeDeclaration(node: SyntaxNode, facts: FileFacts): void {
  const declarators = declaratorsOf(node);
  const spec = specifiers(node);
  const isStatic = spec.storage.has('static');
  const isExtern = spec.storage.has('extern');
  for (const d of declarators) {
    const shape = declaratorShape(d);
    if (!shape.name || !shape.nameNode) continue;
    if (shape.isFunction) {
      const type = spec.typeNode;
      const { params, variadic } = parameters(shape.parameters);
      const decl: FunctionDecl = {
        name: shape.name,
        linkage: isStatic ? 'static' : 'extern',
        span: span(node),
        returnsVoid: type?.text === 'void' && !shape.isPointer && countPointers(d) === 0,
        params,
        variadic,
      };
      facts.prototypes.push(decl);
    }
  }
  facts.globals.push(...variables(node, null, spec).map((v) => ({ ...v, storage: isStatic ? 'static' : isExtern ? 'extern' : 'none' }) as VariableDecl));
}

/** Variables (not functions) declared by a declaration. */
function variables(node: SyntaxNode, functionName: string | null, spec: Specifiers = specifiers(node), fnNode: SyntaxNode | null = null, finder?: AncestorFinder): VariableDecl[] {
  const result: VariableDecl[] = [];
  const declarators = declaratorsOf(node);
  const storage = spec.storage.has('static') ? 'static' : spec.storage.has('extern') ? 'extern' : 'none';
  const type = spec.type;
  let whole: Span | null = null;
  for (const d of declarators) {
    const shape = declaratorShape(d);
    if (!shape.name || !shape.nameNode || shape.isFunction) continue;
    whole ??= span(node);
    const init = nodeType(d) === 'init_declarator' ? field(d, 'value') : null;
    const qualifiers = objectQualifiers(d, spec.qualifiers, shape);
    const v: VariableDecl = {
      name: shape.name,
      storage,
      span: { start: whole.start, end: whole.end },
      // an init_declarator's declarator is the next node its shape walked: the second on its path, or the name
      declaratorSpan: span(nodeType(d) === 'init_declarator' ? (shape.path[1] ?? shape.nameNode) : d),
      nameSpan: span(shape.nameNode),
      type,
      isArray: shape.isArray,
      isConst: qualifiers.has('const'),
      isVolatile: qualifiers.has('volatile'),
      hasInitializer: init !== null,
      attributes: [],
      siblingCount: declarators.length,
    };
    if (init) {
      v.initializerSpan = span(init);
      const pointsTo = shape.isPointer ? pointedVariable(init) : null;
      if (pointsTo !== null) v.pointsTo = pointsTo;
    }
    if (functionName !== null) {
      // a declaration inside `#if … #endif` in a block is scoped to the block, not to the #if group
      const up = ancestors(fnNode, node, finder, whole.end);
      let level = up.length - 1;
      while (level > 0 && up.type(level).startsWith('preproc_')) level--;
      v.functionName = functionName;
      v.scope = level >= 0 ? up.span(level) : { start: whole.start, end: whole.end };
    }
    result.push(v);
  }
  return result;
}

/** `p = alloc(…)` / `T *p = alloc(…)` (through parentheses and casts): p. */
function allocationTarget(node: SyntaxNode): string | null {
  let child = node;
  let parent = node.parent;
  while (parent && (parent.type === 'cast_expression' || parent.type === 'parenthesized_expression')) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return null;
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === child.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left.text : null;
  }
  if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === child.id) {
    let d = parent.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
    return d?.text ?? null;
  }
  return null;
}

function include(node: SyntaxNode): IncludeDirective | null {
  const path = field(node, 'path');
  if (!path) return null;
  const raw = nodeText(path);
  return { path: raw.slice(1, -1), system: raw.startsWith('<'), span: span(node) };
}

/**
 * A call's callee and argument list. They are its two named children (one native read for both
 * instead of one a field) unless a comment or a parse error sits among them: then by field.
 */
function callParts(node: SyntaxNode): { fn: SyntaxNode; argList: SyntaxNode } | null {
  const children = namedChildrenOf(node);
  if (children.length === 2) {
    const first = nodeType(children[0]!);
    if (first !== 'comment' && first !== 'ERROR' && nodeType(children[1]!) === 'argument_list') return { fn: children[0]!, argList: children[1]! };
  }
  const fn = field(node, 'function');
  const argList = field(node, 'arguments');
  return fn && argList ? { fn, argList } : null;
}

function call(node: SyntaxNode, frame: FunctionFrame | null, facts: FileFacts, macroArgSpans: Span[], view: string, seenValues: Set<number>, root: SyntaxNode, finder: AncestorFinder): void {
  const parts = callParts(node);
  if (parts === null) return;
  const { fn, argList } = parts;
  const argNodes = namedChildrenOf(argList).filter((c) => nodeType(c) !== 'comment');
  const inFunction = frame?.def.name ?? null;
  const fnSpan = span(fn);
  const calleeName = nodeType(fn) === 'identifier' ? view.slice(fnSpan.start, fnSpan.end) : null;
  const args = argNodes.map((a) => argument(a, frame, view));
  const gateKind = calleeName !== null && Object.hasOwn(GATE_NAMES, calleeName) ? GATE_NAMES[calleeName as keyof typeof GATE_NAMES] : undefined;
  if (gateKind) {
    const site = gate(node, gateKind, argNodes, args, inFunction, root);
    facts.gates.push(site);
    identifierArguments(argNodes, args, gateKind === 'gate_r' ? 3 : 2, facts, inFunction, seenValues, { passedTo: site.callee, passedThroughGate: site.library });
    return;
  }
  if (calleeName === SHARED_LITERAL_NAME) {
    const lit = argNodes[0];
    facts.sharedLiterals.push({ span: span(node), literalSpan: lit ? span(lit) : span(argList), inFunction } satisfies SharedLiteralSite);
    return;
  }
  const alloc = calleeName !== null && Object.hasOwn(SHARED_ALLOCATORS, calleeName) ? SHARED_ALLOCATORS[calleeName] : undefined;
  if (alloc) {
    const target = allocationTarget(node);
    facts.sharedAllocs.push({
      kind: alloc.kind,
      span: span(node),
      calleeSpan: fnSpan,
      args: args.slice(0, alloc.arity),
      libraries: args.slice(alloc.arity).map((a) => a.text),
      libraryArgs: args.slice(alloc.arity),
      ...(target !== null ? { assignedTo: target } : {}),
      inFunction,
    } satisfies SharedAllocSite);
    return;
  }
  identifierArguments(argNodes, args, 0, facts, inFunction, seenValues, calleeName !== null ? { passedTo: calleeName } : {});
  // the argument list is the call's last child, and a node ends with its last child (trailing
  // comments are left to the parent): one end read for both
  const argsSpan = span(argList);
  const site: CallSite = {
    callee: calleeName ?? nodeText(fn),
    span: { start: nodeStart(node), end: argsSpan.end },
    calleeSpan: fnSpan,
    argsSpan,
    args,
    inFunction,
    context: 'expression',
    indirect: calleeName === null || (frame !== null && isLocalName(frame, calleeName, nodeStart(node))),
  };
  const where = callContext(node, site.span.end, inFunction !== null, macroArgSpans, frame?.node ?? root, finder);
  site.context = where.context;
  if (where.statement) site.statementSpan = where.statement;
  facts.calls.push(site);
}

/** Plain identifier arguments at file scope binding: candidate function addresses handed over. */
function identifierArguments(
  argNodes: SyntaxNode[],
  args: CallArgument[],
  first: number,
  facts: FileFacts,
  inFunction: string | null,
  seenValues: Set<number>,
  target: { passedTo?: string; passedThroughGate?: string },
): void {
  for (let i = first; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.kind !== 'identifier' || arg.binding !== 'file' || nodeType(argNodes[i]!) !== 'identifier') continue;
    seenValues.add(arg.span.start);
    facts.functionRefs.push({ name: arg.baseName!, span: arg.span, inFunction, ...target });
  }
}

function gate(node: SyntaxNode, kind: 'gate' | 'gate_r', argNodes: SyntaxNode[], args: CallArgument[], inFunction: string | null, root: SyntaxNode): GateSite {
  const lib = argNodes[0];
  const retIndex = kind === 'gate_r' ? 1 : -1;
  const calleeIndex = kind === 'gate_r' ? 2 : 1;
  const callee = argNodes[calleeIndex];
  // the way up from the root, once (no .parent: each one descends from the root again, which
  // made a gate nested thousands of blocks deep cost the square of its depth)
  const up = ancestors(root, node, new AncestorFinder());
  const site: GateSite = {
    kind,
    span: span(node),
    library: lib?.text ?? '',
    librarySpan: lib ? span(lib) : span(node),
    callee: callee?.text ?? '',
    calleeSpan: callee ? span(callee) : span(node),
    args: args.slice(calleeIndex + 1),
    inFunction,
    isStatement: up.length > 0 && up.type(up.length - 1) === 'expression_statement',
  };
  const ret = retIndex >= 0 ? argNodes[retIndex] : undefined;
  if (ret) {
    site.ret = nodeText(ret);
    site.retSpan = span(ret);
  }
  const statement = enclosingStatement(up);
  if (statement) site.statementSpan = statement;
  const condition = enclosingCondition(up);
  if (condition !== null) site.conditional = condition;
  return site;
}

const CONDITIONAL_GROUPS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_else', 'preproc_elifdef']);

/** The `#if`/`#ifdef` line of the innermost conditional group around a node (its ancestors), if any. */
function enclosingCondition(up: Ancestors): string | null {
  for (let level = up.length - 1; level >= 0; level--) {
    if (!CONDITIONAL_GROUPS.has(up.type(level))) continue;
    let group = level;
    while ((up.type(group) === 'preproc_else' || up.type(group) === 'preproc_elif' || up.type(group) === 'preproc_elifdef') && group > 0) group--;
    const line = nodeText(up.node(group)).split('\n', 1)[0]!.trim();
    return group === level ? line : `${line} (#else branch)`;
  }
  return null;
}

function stripCasts(node: SyntaxNode): SyntaxNode {
  let n = node;
  for (;;) {
    if (nodeType(n) === 'cast_expression') n = field(n, 'value') ?? n;
    else if (nodeType(n) === 'parenthesized_expression' && n.namedChildCount === 1) n = namedChildrenOf(n)[0]!;
    else return n;
  }
}

/** The variable an lvalue expression is rooted at: `x`, `x.f`, `x[3]`, `x->f` (pointer: not x's address). */
function lvalueBase(node: SyntaxNode): { name: string; throughPointer: boolean } | null {
  let n = stripCasts(node);
  let throughPointer = false;
  for (;;) {
    if (nodeType(n) === 'identifier') return { name: nodeText(n), throughPointer };
    if (nodeType(n) === 'field_expression') {
      if (field(n, 'operator')?.text === '->') throughPointer = true;
      n = stripCasts(field(n, 'argument') ?? n);
    } else if (nodeType(n) === 'subscript_expression') {
      n = stripCasts(field(n, 'argument') ?? n);
    } else return null;
  }
}

function argument(node: SyntaxNode, frame: FunctionFrame | null, view: string): CallArgument {
  const base = stripCasts(node);
  const start = nodeStart(node);
  const end = nodeEnd(node);
  const arg: CallArgument = { span: { start, end }, kind: 'other', text: view.slice(start, end) };
  if (nodeType(base) === 'pointer_expression' && field(base, 'operator')?.text === '&') {
    const target = lvalueBase(field(base, 'argument') ?? base);
    arg.kind = 'address-of';
    if (target && !target.throughPointer) {
      arg.baseName = target.name;
      arg.binding = bindingOf(frame, target.name, start);
    }
  } else if (nodeType(base) === 'identifier') {
    arg.kind = 'identifier';
    const name = base === node ? arg.text : nodeText(base);
    arg.baseName = name;
    arg.binding = bindingOf(frame, name, start);
  } else if (nodeType(base) === 'string_literal' || nodeType(base) === 'concatenated_string') {
    arg.kind = 'string';
  } else if (nodeType(base) === 'call_expression') {
    arg.kind = 'call';
  }
  return arg;
}

function bindingOf(frame: FunctionFrame | null, name: string, at: number): 'local' | 'param' | 'file' {
  if (frame === null) return 'file';
  if (localDeclaration(frame, name, at)) return 'local';
  if (frame.paramNames.has(name)) return 'param';
  return 'file';
}

export function localDeclaration(frame: { locals: VariableDecl[] }, name: string, at: number): VariableDecl | null {
  for (let i = frame.locals.length - 1; i >= 0; i--) {
    const v = frame.locals[i]!;
    if (v.name === name && v.nameSpan.start < at && v.scope && at >= v.scope.start && at < v.scope.end) return v;
  }
  return null;
}

function isLocalName(frame: FunctionFrame, name: string, at: number): boolean {
  return frame.paramNames.has(name) || localDeclaration(frame, name, at) !== null;
}

/**
 * A value identifier (`holder` its parent, see fact-nodes.ts) as a possible function address:
 * passed to a call when it is an argument, itself or under `&`/a cast.
 */
function valueReference(node: SyntaxNode, holder: SyntaxNode, frame: FunctionFrame | null, root: SyntaxNode, finder: AncestorFinder): FunctionReference | null {
  const where = span(node);
  const name = spanText(node, where);
  if (frame !== null && isLocalName(frame, name, where.start)) return null;
  const ref: FunctionReference = { name, span: where, inFunction: frame?.def.name ?? null };
  // the other holders (initialisers, assignments, returns) are no argument: no way up to read
  const holderType = nodeType(holder);
  if (holderType !== 'pointer_expression' && holderType !== 'cast_expression') return ref;
  const up = ancestors(frame?.node ?? root, holder, finder);
  const level = up.length - 1;
  if (level >= 0 && up.type(level) === 'argument_list') {
    const list = up.node(level);
    const callNode = level > 0 ? up.node(level - 1) : null;
    const fn = (callNode ? field(callNode, 'function') : null);
    if (callNode && fn && nodeType(fn) === 'identifier') {
      const calleeName = nodeText(fn);
      const gateKind = Object.hasOwn(GATE_NAMES, calleeName) ? GATE_NAMES[calleeName as keyof typeof GATE_NAMES] : undefined;
      if (gateKind) {
        const args = namedChildrenOf(list).filter((c) => nodeType(c) !== 'comment');
        const index = args.findIndex((a) => nodeStart(a) <= where.start && where.end <= a.endIndex);
        const firstPassed = gateKind === 'gate_r' ? 3 : 2;
        if (index < firstPassed) return null; // library, ret and callee slots are not values
        ref.passedThroughGate = args[0]?.text ?? '';
        ref.passedTo = args[firstPassed - 1]?.text ?? '';
      } else if (calleeName === SHARED_LITERAL_NAME || Object.hasOwn(SHARED_ALLOCATORS, calleeName)) {
        return null;
      } else {
        ref.passedTo = calleeName;
      }
    }
  }
  return ref;
}

const SHORT_CIRCUIT = new Set(['&&', '||']);

/** Where a call sits (see CallContext) and the statement holding it, in one walk up the tree. */
function callContext(node: SyntaxNode, end: number, inFunction: boolean, macroArgSpans: Span[], top: SyntaxNode, finder: AncestorFinder): { context: CallContext; statement: Span | null } {
  const at = nodeStart(node);
  let macroArgument = false;
  for (const s of macroArgSpans) if (at >= s.start && at < s.end) macroArgument = true;
  // the way up, found by descending from the function (or the root): see ancestry.ts
  const up = ancestors(top, node, finder, end);
  let direct = true;
  let nested: CallContext | null = null;
  let decided: CallContext | null = null;
  // `level` is the parent, `level + 1` (or the call) the child
  for (let level = up.length - 1; level >= 0; level--) {
    const type = up.type(level);
    // the field of the level below is read only where it decides (a read of its own: ancestry.ts)
    if (STATEMENT_TYPES.has(type) && type !== 'compound_statement') {
      if (decided === null) {
        if (type === 'expression_statement') decided = nested ?? (direct ? 'statement' : 'expression');
        else if (type === 'return_statement') decided = nested ?? (direct ? 'return' : 'expression');
        else if (type === 'for_statement' && up.fieldBelow(level) !== 'body') decided = 'condition';
        else decided = nested ?? 'expression';
      }
      return { context: macroArgument ? 'macro-argument' : decided, statement: up.span(level) };
    }
    if (type === 'function_definition' || type === 'translation_unit' || type === 'compound_statement') break;
    if (decided === null) {
      switch (type) {
        case 'init_declarator': {
          if (!inFunction || (level > 0 && hasStorageClass(up.node(level - 1), 'static'))) decided = 'static-initializer';
          else decided = nested ?? (direct ? 'initializer' : 'expression');
          break;
        }
        case 'assignment_expression':
          if (direct && level > 0 && up.type(level - 1) === 'expression_statement' && up.fieldBelow(level) === 'right') {
            decided = nested ?? 'assignment';
          }
          direct = false;
          break;
        case 'parenthesized_expression': {
          const holder = level > 0 ? up.type(level - 1) : undefined;
          if (holder === 'if_statement' || holder === 'while_statement' || holder === 'do_statement' || holder === 'switch_statement') decided = 'condition';
          break;
        }
        case 'binary_expression': {
          const operator = field(up.node(level), 'operator');
          if (operator && SHORT_CIRCUIT.has(nodeText(operator))) nested ??= 'short-circuit';
          direct = false;
          break;
        }
        case 'conditional_expression':
          if (up.fieldBelow(level) !== 'condition') nested ??= 'short-circuit';
          direct = false;
          break;
        case 'comma_expression':
          nested ??= 'comma';
          direct = false;
          break;
        case 'argument_list':
          nested ??= 'argument';
          direct = false;
          break;
        default:
          direct = false;
      }
    }
  }
  return { context: macroArgument ? 'macro-argument' : (decided ?? nested ?? 'expression'), statement: null };
}

/** The statement holding a node (its ancestors): the innermost one that is not a block. */
function enclosingStatement(up: Ancestors): Span | null {
  for (let level = up.length - 1; level >= 0; level--) {
    const type = up.type(level);
    if (STATEMENT_TYPES.has(type) && type !== 'compound_statement') return up.span(level);
    if (type === 'function_definition' || type === 'translation_unit') return null;
  }
  return null;
}

/** The parser's broken regions, adjacent stray tokens merged, each with its function. */
function parseErrors(errors: readonly ErrorSpan[], lines: LineIndex, functions: FunctionDef[]): ParseErrorRegion[] {
  const regions: ParseErrorRegion[] = [];
  for (const e of errors) {
    const fn = functionAt(functions, e.start);
    const last = regions[regions.length - 1];
    if (last && last.kind === 'error' && e.kind === 'error' && e.start - last.span.end <= 1 && last.inFunction === (fn?.name ?? null)) {
      last.span.end = e.end;
      continue;
    }
    regions.push({ span: { start: e.start, end: e.end }, start: lines.position(e.start), kind: e.kind, inFunction: fn?.name ?? null });
  }
  return regions;
}

interface AttachTarget {
  start: number;
  /** Attributes inside [start, end) belong to this target. */
  end: number;
  variables?: VariableDecl[];
  fn?: FunctionDef;
  proto?: FunctionDecl;
}

/** Gives each annotation attribute to the declaration it marks (see CONTRACTS §1). */
function attachAttributes(uses: AttributeUse[], facts: FileFacts, view: string): void {
  if (uses.length === 0) return;
  const targets: AttachTarget[] = [];
  const byDeclaration = new Map<number, VariableDecl[]>();
  for (const v of [...facts.globals, ...facts.locals]) {
    const list = byDeclaration.get(v.span.start);
    if (list) list.push(v);
    else byDeclaration.set(v.span.start, [v]);
  }
  for (const [start, vars] of byDeclaration) targets.push({ start, end: vars[0]!.span.end, variables: vars });
  for (const fn of facts.functions) targets.push({ start: fn.span.start, end: fn.body.start, fn });
  // a prototype carries callback attributes too, before or after its declarator
  for (const proto of facts.prototypes) targets.push({ start: proto.span.start, end: proto.span.end, proto });
  targets.sort((a, b) => a.start - b.start);
  for (const use of uses) {
    if (!isAnnotation(use)) continue;
    const target = findTarget(targets, use, view);
    if (!target) {
      facts.strayAttributes.push(use);
      continue;
    }
    if (target.proto) {
      const lib = callbackLibrary(use);
      if (lib) facts.callbacks.push({ function: target.proto.name, library: lib, attribute: use, onPrototype: true } satisfies CallbackAnnotation);
      else facts.strayAttributes.push(use);
      continue;
    }
    if (target.fn) {
      use.placement = use.span.start > target.fn.nameSpan.start ? 'after' : 'before';
      target.fn.attributes.push(use);
      const lib = callbackLibrary(use);
      if (lib) facts.callbacks.push({ function: target.fn.name, library: lib, attribute: use } satisfies CallbackAnnotation);
      continue;
    }
    const vars = target.variables!;
    const owner = [...vars].reverse().find((v) => v.nameSpan.start < use.span.start);
    if (owner) {
      owner.attributes.push({ ...use, placement: 'after' });
    } else {
      for (const v of vars) v.attributes.push({ ...use, placement: 'before' });
    }
  }
}

function findTarget(targets: AttachTarget[], use: AttributeUse, view: string): AttachTarget | null {
  let lo = 0;
  let hi = targets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (targets[mid]!.start <= use.span.start) lo = mid + 1;
    else hi = mid;
  }
  const containing = lo > 0 ? targets[lo - 1]! : null;
  if (containing && use.span.start < containing.end) return containing;
  const next = targets[lo];
  if (next && view.slice(use.span.end, next.start).trim() === '') return next;
  return null;
}

/**
 * Facts read back from JSON (worker threads send them so: parallel.ts), with the one object they
 * share restored: a callback's attribute is the very AttributeUse its function's attributes hold
 * (the rewrite finds a callback's function by it). JSON gives each its own copy.
 */
export function relinkSharedFacts(facts: FileFacts): FileFacts {
  for (const note of facts.callbacks) {
    if (note.onPrototype === true) continue;
    const start = note.attribute.span.start;
    const end = note.attribute.span.end;
    for (const fn of facts.functions) {
      if (fn.name !== note.function) continue;
      const same = fn.attributes.find((a) => a.span.start === start && a.span.end === end);
      if (same) {
        note.attribute = same;
        break;
      }
    }
  }
  return facts;
}

const lineIndexes = new WeakMap<FileFacts, LineIndex>();

/** 1-based line and byte column of an offset in a file the facts describe. */
export function positionOf(facts: FileFacts, offset: number): { line: number; column: number } {
  let li = lineIndexes.get(facts);
  if (!li) {
    li = LineIndex.fromStarts(facts.lineStarts);
    lineIndexes.set(facts, li);
  }
  return li.position(offset);
}

/** The function whose span holds an offset (functions are in document order, not nested). */
function functionAt(functions: FunctionDef[], at: number): FunctionDef | undefined {
  let lo = 0;
  let hi = functions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = functions[mid]!;
    if (at < f.span.start) hi = mid - 1;
    else if (at >= f.span.end) lo = mid + 1;
    else return f;
  }
  return undefined;
}
