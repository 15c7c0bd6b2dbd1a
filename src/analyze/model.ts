/**
 * The library model: what flexos knows about a Unikraft-style tree.
 *
 * Two layers, so that an editor can re-analyze one file against a cached index of the rest:
 * - FileFacts: everything learnt from one file alone (no knowledge of other files);
 * - TreeIndex + resolution (index.ts, resolve.ts): symbols across files, call classification.
 * Offsets are byte offsets into the original file text.
 */

import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface Span {
  start: number;
  end: number;
}

export interface Position {
  line: number;
  column: number;
}

export type MakefileMacro = 'addlib' | 'addlib_s' | 'addlib_paramprefix' | 'addplatlib' | 'addplatlib_s' | 'config';

/** A library: a directory with a Makefile.uk (or one named by the configuration). */
export interface Library {
  /** Unikraft's name from the addlib line, e.g. `libvfscore`. */
  name: string;
  /** Name without the `lib` prefix, as kraft.yaml writes it, e.g. `vfscore`. */
  shortName: string;
  /** Directory relative to the tree root (`.` for the root itself), with `/` separators. */
  dir: string;
  declaredBy: MakefileMacro;
  /** Sources the Makefile.uk lists (relative to the tree root), when it lists any. */
  listedSources: string[];
  /** Symbols from exportsyms.uk; null when the file is absent (every non-static symbol is exported). */
  exportsyms: string[] | null;
  /** For `addplatlib[_s]`: the platform it belongs to (`kvm`, `xen`, `linuxu`). */
  platform?: string;
  /** Other directories whose sources the library compiles (a platform's `plat/common`). */
  extraDirs?: string[];
  /** Named by the configuration but not in the tree (kraft fetches it at build time). */
  absent?: boolean;
  /** The configuration key that names this library (`redis:` for app-redis's `appredis`). */
  configKey?: string;
}

export type Linkage = 'static' | 'extern';

export interface FunctionDef {
  name: string;
  linkage: Linkage;
  inline: boolean;
  span: Span;
  nameSpan: Span;
  body: Span;
  /** Return type text as written (specifiers and pointer stars), e.g. `struct foo *`. */
  returnType: string;
  returnsVoid: boolean;
  params: Param[];
  variadic: boolean;
  attributes: AttributeUse[];
  /** Defined through a definer macro (e.g. UK_SYSCALL_R_DEFINE). */
  viaMacro?: string;
  /** Names the body uses that are neither parameters nor locals (candidates for globals), sorted. */
  freeNames?: string[];
  /** The body holds inline assembly. */
  hasAsm?: boolean;
  /**
   * The name is not `name(params)` under pointer stars alone (`int (*f(void))(int)`, `int (f)(void)`):
   * the specifiers and stars are then not the whole return type.
   */
  nestedDeclarator?: true;
}

/** What a typedef name stands for, as far as passing a value through a gate asks. */
export interface TypedefType {
  name: string;
  /** Base type text (`struct foo`, `unsigned long`, `other_t`). */
  base: string;
  /** The declarator adds a pointer, an array or a function: a register value (after decay). */
  indirect: boolean;
}

/** A `#define` as written: what `port` asks of a macro (is it function-like, which parameters, where is its body). */
export interface MacroDefine {
  name: string;
  /** The whole directive. */
  span: Span;
  functionLike: boolean;
  /** Parameter names in order (`...` left out). */
  params: string[];
  /** The body; null when the macro is defined empty. */
  body: Span | null;
}

/** What a `#define` body mentions, for deciding what an expansion reaches. */
export interface MacroBody {
  name: string;
  /** `name(` tokens of the body, parameters excluded. */
  calls: string[];
  /** Every other identifier of the body, parameters excluded. */
  names: string[];
  hasAsm: boolean;
}

export interface Param {
  name: string | null;
  type: string;
  span: Span;
}

export interface FunctionDecl {
  name: string;
  linkage: Linkage;
  span: Span;
  returnsVoid: boolean;
  params: Param[];
  variadic: boolean;
}

export interface VariableDecl {
  name: string;
  /** static / extern / none (a tentative or initialised definition) */
  storage: 'static' | 'extern' | 'none';
  /** The whole declaration (type through `;`). */
  span: Span;
  /** Span of the declarator that holds this name (a declaration may declare several). */
  declaratorSpan: Span;
  nameSpan: Span;
  type: string;
  isArray: boolean;
  /** Qualifiers of the object itself (`T *const p` is const; `const T *p` is not). */
  isConst: boolean;
  isVolatile: boolean;
  hasInitializer: boolean;
  initializerSpan?: Span;
  attributes: AttributeUse[];
  /** For locals: the block the declaration is scoped to, and its function. */
  scope?: Span;
  functionName?: string;
  /** Number of declarators in the declaration (rewrites must split multi-declarator lines). */
  siblingCount: number;
  /** A pointer initialised with `&v` (address) or a bare name `v` (an array, or another pointer). */
  pointsTo?: { name: string; address: boolean };
}

/** An `__attribute__((...))`, `__section(...)` or similar marker found in the text. */
export interface AttributeUse {
  /** Attribute names inside, e.g. ['flexos_whitelist'] or ['section']. */
  names: string[];
  /** Raw text of the attribute. */
  text: string;
  span: Span;
  /** 'before' the type / declaration start, or 'after' the declarator (FlexOS's placement). */
  placement: 'before' | 'after';
  /** The section named, for section attributes and `__section()`. */
  section?: string;
}

export type ArgumentKind = 'address-of' | 'identifier' | 'string' | 'call' | 'other';

export interface CallArgument {
  span: Span;
  kind: ArgumentKind;
  /** For address-of and identifier arguments: the base variable or function name. */
  baseName?: string;
  /** How baseName is bound where the call is: a local, a parameter, or file scope (global or function). */
  binding?: 'local' | 'param' | 'file';
  text: string;
}

/** Where a call sits; decides whether `port` may hoist it into a temporary. */
export type CallContext =
  | 'statement' // f(...);
  | 'assignment' // x = f(...);
  | 'initializer' // T x = f(...);
  | 'return' // return f(...);
  | 'condition' // if/while/for/switch condition or loop update
  | 'short-circuit' // operand of && or || or ?:
  | 'comma' // operand of a comma expression
  | 'argument' // argument of another call
  | 'static-initializer' // initialiser of a static-storage variable
  | 'macro-argument' // inside an iterator/definer macro's arguments
  | 'expression'; // any other nested position

export interface CallSite {
  callee: string;
  span: Span;
  calleeSpan: Span;
  argsSpan: Span;
  args: CallArgument[];
  /** Enclosing function, null at file scope. */
  inFunction: string | null;
  context: CallContext;
  /** The callee expression is not a plain name (a pointer, a member). */
  indirect: boolean;
  /** The statement that holds the call (for hoisting), when inside a function. */
  statementSpan?: Span;
}

export type GateKind = 'gate' | 'gate_r';

/** A `flexos_gate(libX, f, ...)` or `flexos_gate_r(libX, ret, f, ...)` placeholder. */
export interface GateSite {
  kind: GateKind;
  span: Span;
  library: string;
  librarySpan: Span;
  ret?: string;
  retSpan?: Span;
  callee: string;
  calleeSpan: Span;
  args: CallArgument[];
  inFunction: string | null;
  /** Is the gate a whole statement (as it must be)? */
  isStatement: boolean;
  statementSpan?: Span;
  /** The `#if`/`#ifdef` line of the conditional group the gate is compiled under, if any. */
  conditional?: string;
}

export type AllocKind = 'malloc' | 'calloc' | 'realloc' | 'memalign' | 'palloc' | 'free' | 'pfree';

export interface SharedAllocSite {
  kind: AllocKind;
  span: Span;
  calleeSpan: Span;
  args: CallArgument[];
  /** Library names listed after the allocation arguments. */
  libraries: string[];
  /** The same, as arguments (their places, for diagnostics). */
  libraryArgs: CallArgument[];
  /** The variable the block is stored in (`p = …(…)`, `T *p = …(…)`, through a cast), if any. */
  assignedTo?: string;
  inFunction: string | null;
}

export interface SharedLiteralSite {
  span: Span;
  literalSpan: Span;
  inFunction: string | null;
}

/** A function name used as a value (not called): its address goes somewhere. */
export interface FunctionReference {
  name: string;
  span: Span;
  inFunction: string | null;
  /** When the value is a call argument, the call it is passed to. */
  passedTo?: string;
  /** When passed through a gate, the library the gate names. */
  passedThroughGate?: string;
}

export interface ParseErrorRegion {
  span: Span;
  start: Position;
  /** 'error' for an ERROR node, 'missing' for a token tree-sitter had to invent. */
  kind: 'error' | 'missing';
  /** The function the region falls in, when it does. */
  inFunction: string | null;
}

export interface SkippedBranch {
  span: Span;
  start: Position;
  /** The branch mentions a flexos annotation, which a rewrite would then miss. */
  hasAnnotation: boolean;
}

/** A branch no C compilation keeps (`#if 0`, `#ifdef __cplusplus`): blanked before parsing. */
export interface DeadCode {
  span: Span;
  start: Position;
  /** The condition that makes it dead: `#if 0`, `#if 1` (its #else) or `__cplusplus`. */
  reason: string;
}

export interface IncludeDirective {
  path: string;
  system: boolean;
  span: Span;
}

/** Everything learnt from one file alone. Plain data: cacheable, replaceable. */
export interface FileFacts {
  /** Path relative to the tree root, `/` separators. */
  path: string;
  /** Library that owns the file (by directory), null when outside every library. */
  library: string | null;
  isHeader: boolean;
  lineCount: number;
  /** Offset of the first byte of each line, for file:line:col of any span. */
  lineStarts: number[];
  /** Content hash, to know when cached facts are stale. */
  hash: string;
  functions: FunctionDef[];
  prototypes: FunctionDecl[];
  globals: VariableDecl[];
  locals: VariableDecl[];
  /** Each `#define` of the file (function-like or not), in text order. */
  defines: MacroDefine[];
  /** What the bodies of those macros mention. */
  macroBodies?: MacroBody[];
  /** Type names the file defines with typedef. */
  typedefs: string[];
  /** Every name a typedef of the file declares, with its type (absent when there is none). */
  typedefTypes?: TypedefType[];
  calls: CallSite[];
  gates: GateSite[];
  sharedAllocs: SharedAllocSite[];
  sharedLiterals: SharedLiteralSite[];
  functionRefs: FunctionReference[];
  /** Attributes that name `lib<X>_callback`, with the function they mark. */
  callbacks: CallbackAnnotation[];
  includes: IncludeDirective[];
  parseErrors: ParseErrorRegion[];
  /**
   * Later branches of #if/#else groups that only parse one branch at a time: flexos read the
   * first branch (as the preprocessor would with that condition true) and not these.
   */
  skippedBranches: SkippedBranch[];
  /** Branches dead in every C compilation: not parsed, not analysed. */
  deadCode: DeadCode[];
  /** Annotation attributes that could not be attached to any declaration. */
  strayAttributes: AttributeUse[];
  /** Findings about what flexos could not see in this file (analyze/unseen-annotations.ts). */
  unseen?: Diagnostic[];
  /** Identifiers used but not bound by the file (candidates for other libraries' globals; name-uses.ts). */
  nameUses: NameUse[];
  /** `flexos-ignore` comments (check suppressions). */
  suppressions: Suppression[];
}

/** An identifier in a value position that the file itself does not bind. */
export interface NameUse {
  name: string;
  span: Span;
  inFunction: string | null;
  access: 'read' | 'write' | 'address';
}

/**
 * A comment that silences `flexos check`: `flexos-ignore` (its own line), `flexos-ignore-next-line`,
 * `flexos-ignore-file`, each optionally followed by the codes it silences (all when none).
 */
export interface Suppression {
  scope: 'line' | 'next-line' | 'file';
  /** 1-based line of the comment. */
  line: number;
  codes: string[] | null;
}

export interface CallbackAnnotation {
  function: string;
  /** The library named by the attribute (`libkvs` for `libkvs_callback`). */
  library: string;
  attribute: AttributeUse;
  /** The attribute is on a prototype of the function, not on its definition. */
  onPrototype?: boolean;
}

export type CallClass =
  | 'intra' // same library
  | 'inline-header' // static inline from a library header: runs in the caller's compartment
  | 'cross-exported'
  | 'cross-unexported'
  | 'ambiguous' // several libraries export the name
  | 'macro' // a function-like macro defined in the tree
  | 'external' // outside the tree (libc, compiler builtins)
  | 'indirect'; // through a pointer: never gated at the call site

export interface ResolvedCall {
  file: string;
  site: CallSite;
  callerLibrary: string | null;
  calleeLibrary: string | null;
  class: CallClass;
  /** For ambiguous calls, every library that exports the name. */
  candidates?: string[];
  /** For calls into another library's code: does it need a gate, into which domain, and why. */
  gate?: GateDecision;
}

export interface GateDecision {
  needed: boolean;
  /** The library whose domain the call must run in (the callee's). */
  domain: string;
  reason: string;
}

export interface ResolvedGate {
  file: string;
  site: GateSite;
  callerLibrary: string | null;
  /** The library that really defines the callee, when known. */
  calleeLibrary: string | null;
  calleeExported: boolean;
  calleeReturnsVoid: boolean | null;
}

/** A global variable of one library used by name from code that runs in another. */
export interface ResolvedGlobalUse {
  /** File holding the use. */
  file: string;
  use: NameUse;
  /** Library whose code runs the use (the caller of `via`, when set). */
  userLibrary: string;
  /** The definition used, and its library. */
  ownerFile: string;
  ownerLibrary: string;
  variable: VariableDecl;
  /** The use is in a static inline of the owner's headers that `userLibrary` calls. */
  via?: { function: string; callFile: string; callSpan: Span; callNeedsGate: boolean };
}
