/**
 * Can a value go through a gate? A gate passes at most six integer- or pointer-class values of at
 * most 8 bytes (SPEC §2). This classifies a C type written as text, resolving the typedefs the
 * tree declares; a name the tree does not declare (size_t, uint64_t, ...) counts as an integer.
 */
import Parser from 'tree-sitter';
import { cLanguage, type ParsedSource } from '../../parse/parser.js';
import { declaratorShape } from '../../analyze/declarators.js';

export type ValueClass = 'register' | 'struct' | 'float' | 'wide' | 'void';

interface TypedefEntry {
  /** Base type text (`struct foo`, `unsigned long`, `other_t`). */
  base: string;
  /** The declarator adds a pointer, an array or a function: a register value (after decay). */
  indirect: boolean;
}

export class TypedefTable {
  private readonly entries = new Map<string, TypedefEntry>();

  static of(parsed: Iterable<ParsedSource>): TypedefTable {
    const table = new TypedefTable();
    const query = typedefQuery();
    for (const source of parsed) {
      for (const { node } of query.captures(source.tree.rootNode)) {
        const type = node.childForFieldName('type');
        if (!type) continue;
        const base = squash(source.view.slice(type.startIndex, type.endIndex));
        for (const d of node.childrenForFieldName('declarator')) {
          const shape = declaratorShape(d);
          if (!shape.name || table.entries.has(shape.name)) continue;
          table.entries.set(shape.name, { base, indirect: shape.isPointer || shape.isArray || shape.isFunction });
        }
      }
    }
    return table;
  }

  /**
   * Class of a type. `text` is a declaration without its name or a parameter declaration with
   * it (`const struct foo *p`, `size_t n`, `struct foo`).
   */
  classify(text: string, depth = 0): ValueClass {
    const t = squash(text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' '));
    if (/[*[(]/.test(t)) return 'register';
    const words = t.split(' ').filter((w) => w !== '' && !QUALIFIERS.has(w));
    if (words.length === 0) return 'register';
    const first = words[0]!;
    if (first === 'struct' || first === 'union') return 'struct';
    if (first === 'enum') return 'register';
    if (words.includes('float') || words.includes('double') || words.includes('_Complex') || words.includes('__float128')) return 'float';
    if (words.includes('__int128') || words.includes('__int128_t') || words.includes('__uint128_t')) return 'wide';
    if (words.length === 1 && first === 'void') return 'void';
    if (BUILTIN_WORDS.has(first)) return 'register';
    const entry = this.entries.get(first);
    if (!entry || depth > 16) return 'register';
    if (entry.indirect) return 'register';
    return this.classify(entry.base, depth + 1);
  }
}

const QUALIFIERS = new Set(['const', 'volatile', 'restrict', '__restrict', '__restrict__', 'register', 'static', 'extern', 'inline', '__inline', '__inline__', '__extension__']);
const BUILTIN_WORDS = new Set(['char', 'short', 'int', 'long', 'signed', 'unsigned', '_Bool', 'bool', '__signed__', 'void']);

function squash(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

let query: Parser.Query | null = null;
function typedefQuery(): Parser.Query {
  query ??= new Parser.Query(cLanguage(), '(type_definition) @t');
  return query;
}

/** Type text of a return type without top-level qualifiers, so a temporary can be assigned. */
export function assignableType(returnType: string): string {
  const t = squash(returnType);
  if (t.includes('*')) {
    // `const char *` stays; a qualifier after the last star qualifies the pointer itself
    return t.replace(/\*\s*(const|volatile|restrict)\s*$/, '*').trim();
  }
  return t
    .split(' ')
    .filter((w) => w !== 'const' && w !== 'volatile')
    .join(' ');
}
