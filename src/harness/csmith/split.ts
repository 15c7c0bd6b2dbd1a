/**
 * Splits one csmith program (one C file: types, static globals, static functions, main) into a
 * Unikraft-style tree of 2–4 libraries, so that random code nobody here wrote crosses library
 * boundaries everywhere: each global and function goes to a library chosen by a seeded
 * generator (main to the first), `static` is dropped so the others can reach it, and one shared
 * header holds the types, an `extern` declaration of every global and a prototype of every
 * function. The split program computes exactly what the original does (checked by the caller
 * before anything else runs on it).
 *
 * Read with tree-sitter: every piece of output is a span of the original text, with the
 * `static` specifier and initializers cut out by their node spans.
 */
import { parseSource, type SyntaxNode } from '../../parse/parser.js';
import { loadMacroTable, type MacroTable } from '../../parse/macro-table.js';

export interface SplitOptions {
  /** Number of libraries, 2–4. */
  libraries: number;
  /** Seeds the assignment of globals and functions to libraries. */
  seed: number;
  /** Fixed library index for some names (regression fixtures place what their bug needs). */
  placement?: ReadonlyMap<string, number>;
}

export interface SplitProgram {
  /** Relative path → content: `<lib>/Makefile.uk`, `<lib>/<lib>.c`, the header under the first library's include/. */
  files: Map<string, string>;
  /** Library names in order (`libcs0` … ; the first holds main). */
  libraries: string[];
  /** Which library got each global and function. */
  placement: Map<string, string>;
}

export const SPLIT_HEADER = 'csmith_split.h';

/** A small deterministic generator (mulberry32): the same seed gives the same split. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function splitCsmithProgram(text: string, options: SplitOptions, macros: MacroTable = loadMacroTable()): SplitProgram {
  if (!Number.isInteger(options.libraries) || options.libraries < 2 || options.libraries > 4) throw new RangeError('a csmith program is split across 2 to 4 libraries');
  const parsed = parseSource('csmith.c', text, macros);
  if (parsed.errors.length > 0) throw new Error(`the csmith program does not parse (first error at offset ${parsed.errors[0]!.start})`);
  const libraries = Array.from({ length: options.libraries }, (_, i) => `libcs${i}`);
  const random = generator(options.seed);
  const pick = (name: string): string => {
    const fixed = options.placement?.get(name);
    const r = random(); // drawn even when fixed, so the other names keep their places
    return libraries[fixed ?? Math.floor(r * libraries.length)]!;
  };

  const header: string[] = [];
  const externs: string[] = [];
  const prototypes: string[] = [];
  const bodies = new Map<string, string[]>(libraries.map((l) => [l, []]));
  const placement = new Map<string, string>();

  for (const node of parsed.tree.rootNode.namedChildren) {
    switch (node.type) {
      case 'comment':
        break;
      case 'preproc_include':
      case 'preproc_call':
      case 'preproc_def':
      case 'type_definition':
        header.push(node.text.trimEnd());
        break;
      case 'function_definition': {
        const name = functionName(node);
        const lib = name === 'main' ? libraries[0]! : pick(name);
        placement.set(name, lib);
        bodies.get(lib)!.push(withoutStatic(node, text, node.startIndex, node.endIndex));
        break;
      }
      case 'declaration': {
        if (isPrototype(node)) {
          prototypes.push(withoutStatic(node, text, node.startIndex, node.endIndex));
          break;
        }
        const declarators = node.childrenForFieldName('declarator');
        if (declarators.length === 0) {
          // `struct S0 { … };`: a type, shared by everyone
          header.push(node.text);
          break;
        }
        if (declarators.length !== 1) throw new Error(`csmith declared several globals together at offset ${node.startIndex}; the splitter expects one per declaration`);
        const d = declarators[0]!;
        const name = declaredName(d);
        const lib = pick(name);
        placement.set(name, lib);
        bodies.get(lib)!.push(withoutStatic(node, text, node.startIndex, node.endIndex));
        const declaratorEnd = d.type === 'init_declarator' ? d.childForFieldName('declarator')!.endIndex : d.endIndex;
        externs.push(`extern ${withoutStatic(node, text, node.startIndex, declaratorEnd)};`);
        break;
      }
      default:
        // struct/union definitions written as their own top-level item, pragmas and the like
        // (tree-sitter reads `struct S0 {…};` at file scope as the specifier and a separate `;`)
        if (node.type === 'struct_specifier' || node.type === 'union_specifier') header.push(`${node.text};`);
        else throw new Error(`unexpected top-level ${node.type} at offset ${node.startIndex} of the csmith program`);
    }
  }

  const files = new Map<string, string>();
  const guard = 'CSMITH_SPLIT_H';
  files.set(
    `${dirOf(libraries[0]!)}/include/${SPLIT_HEADER}`,
    [`/* Shared declarations of a csmith program split across ${libraries.length} libraries (generated). */`, `#ifndef ${guard}`, `#define ${guard}`, ...header, '', ...externs, '', ...prototypes, '', `#endif /* ${guard} */`, ''].join('\n'),
  );
  for (const lib of libraries) {
    const dir = dirOf(lib);
    files.set(`${dir}/Makefile.uk`, `$(eval $(call addlib,${lib}))\n${lib.toUpperCase()}_SRCS-y += $(${lib.toUpperCase()}_BASE)/${dir}.c\n`);
    files.set(`${dir}/${dir}.c`, [`/* Part of a csmith program split across libraries (generated). */`, `#include "${SPLIT_HEADER}"`, '', ...bodies.get(lib)!.map((b) => `${b}\n`), ''].join('\n'));
  }
  return { files, libraries, placement };
}

function dirOf(lib: string): string {
  return lib.replace(/^lib/, '');
}

function functionName(node: SyntaxNode): string {
  const d = node.childForFieldName('declarator');
  const name = d ? declaredName(d) : null;
  if (!name) throw new Error(`a function definition without a name at offset ${node.startIndex}`);
  return name;
}

function declaredName(declarator: SyntaxNode): string {
  let n: SyntaxNode | null = declarator;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChildren.find((c) => c.type.endsWith('declarator') || c.type === 'identifier') ?? null;
  if (!n) throw new Error(`cannot read the declared name at offset ${declarator.startIndex}`);
  return n.text;
}

function isPrototype(node: SyntaxNode): boolean {
  return node.childrenForFieldName('declarator').some((d) => {
    let n: SyntaxNode | null = d;
    while (n && n.type === 'pointer_declarator') n = n.childForFieldName('declarator');
    return n?.type === 'function_declarator';
  });
}

/** Text of [start, end) with the `static` storage class specifier (and its blank) cut out. */
function withoutStatic(node: SyntaxNode, text: string, start: number, end: number): string {
  const cut = node.namedChildren.find((c) => c.type === 'storage_class_specifier' && c.text === 'static');
  if (!cut) return text.slice(start, end);
  let cutEnd = cut.endIndex;
  while (text[cutEnd] === ' ' || text[cutEnd] === '\t') cutEnd++;
  return text.slice(start, cut.startIndex) + text.slice(cutEnd, end);
}
