/**
 * Can a value go through a gate? A gate passes at most six integer- or pointer-class values of at
 * most 8 bytes (SPEC §2). This classifies a C type written as text, resolving the typedefs the
 * tree declares; a name the tree does not declare (size_t, uint64_t, ...) counts as an integer.
 */
import Parser from 'tree-sitter';
import { cLanguage, type ParsedSource } from '../../parse/parser.js';
import { declaratorShape, objectQualifiers } from '../../analyze/declarators.js';
import type { FileFacts, TypedefType } from '../../analyze/model.js';

export type ValueClass = 'register' | 'struct' | 'float' | 'wide' | 'void';

export class TypedefTable {
  private readonly entries = new Map<string, TypedefType>();
  /** `struct S` / `union U` tags whose objects cannot be assigned (a const member, directly or nested). */
  private readonly unassignable = new Set<string>();
  /** Each record tag's members of record type (by value), for the nesting closure. */
  private readonly members = new Map<string, string[]>();
  /** The files whose records have been read (on assignability questions only: rarely asked). */
  private readonly scanned = new Set<string>();
  private sourceOf: (path: string) => ParsedSource | undefined = () => undefined;

  /** The typedefs the facts list (first definition of a name wins, in file order); records read from `sourceOf`'s trees when asked. */
  static of(files: Iterable<FileFacts>, sourceOf: (path: string) => ParsedSource | undefined): TypedefTable {
    const table = new TypedefTable();
    table.sourceOf = sourceOf;
    for (const facts of files) {
      for (const t of facts.typedefTypes ?? []) if (!table.entries.has(t.name)) table.entries.set(t.name, t);
    }
    return table;
  }

  /**
   * Can an object of this struct type be assigned (`x = f()`)? Not with a const member. `seen`:
   * the files of the translation unit asking (the file and its include closure): a function
   * returning a struct by value needs its type complete there, so its definition is among
   * them, and only their trees are read (a struct defined nowhere there counts as assignable).
   */
  isAssignable(text: string, seen: Iterable<string>): boolean {
    const m = /\b(struct|union)\s+([A-Za-z_]\w*)/.exec(text);
    if (!m) return true;
    const fresh: ParsedSource[] = [];
    for (const path of seen) {
      if (this.scanned.has(path)) continue;
      this.scanned.add(path);
      const source = this.sourceOf(path);
      if (source) fresh.push(source);
    }
    if (fresh.length > 0) this.findUnassignable(fresh);
    return !this.unassignable.has(`${m[1]} ${m[2]}`);
  }

  private findUnassignable(sources: ParsedSource[]): void {
    const members = this.members;
    for (const source of sources) {
      for (const { node } of recordQuery().captures(source.tree.rootNode)) {
        const name = node.childForFieldName('name')?.text;
        const body = node.childForFieldName('body');
        if (!name || !body) continue;
        const tag = `${node.type === 'union_specifier' ? 'union' : 'struct'} ${name}`;
        const nested: string[] = [];
        for (const field of body.namedChildren) {
          if (field.type !== 'field_declaration') continue;
          const quals = new Set(field.namedChildren.filter((c) => c.type === 'type_qualifier').map((c) => c.text));
          const declarators = field.childrenForFieldName('declarator');
          if (declarators.length === 0 ? quals.has('const') : declarators.some((d) => objectQualifiers(d, quals).has('const'))) this.unassignable.add(tag);
          const type = field.childForFieldName('type');
          const inner = type && (type.type === 'struct_specifier' || type.type === 'union_specifier') ? type.childForFieldName('name')?.text : undefined;
          if (inner && declarators.every((d) => !declaratorShape(d).isPointer)) nested.push(`${type!.type === 'union_specifier' ? 'union' : 'struct'} ${inner}`);
        }
        members.set(tag, nested);
      }
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const [tag, nested] of members) {
        if (!this.unassignable.has(tag) && nested.some((n) => this.unassignable.has(n))) {
          this.unassignable.add(tag);
          changed = true;
        }
      }
    }
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

let records: Parser.Query | null = null;
function recordQuery(): Parser.Query {
  records ??= new Parser.Query(cLanguage(), '[(struct_specifier) (union_specifier)] @r');
  return records;
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
