/**
 * Function-like macros of the tree, as far as `port` needs them: may a call written in a macro's
 * argument be hoisted out of it (the macro evaluates the argument exactly once, unconditionally)?
 */
import type { FileFacts, MacroDefine } from '../../analyze/model.js';
import { sourceText } from '../../analyze/parsed-sources.js';
import type { ParsedSource } from '../../parse/parser.js';

export interface MacroDefinition {
  name: string;
  params: string[];
  body: string;
  file: string;
  functionLike: boolean;
  /** Offset of the body in the file. */
  bodyStart: number;
}

export class MacroDefinitions {
  private readonly byName = new Map<string, MacroDefinition[]>();
  private readonly byFile = new Map<string, MacroDefinition[]>();
  private readonly facts = new Map<string, FileFacts>();
  /** Per macro name, the files that define it, in the tree's file order. */
  private readonly definingFiles = new Map<string, string[]>();

  /**
   * The tree's macros, from the facts (their places) and the files' texts (their bodies): no
   * tree is parsed for them. A file's text is read only when a macro it defines, or the file
   * itself, is asked about: most of a tree's macros never are.
   */
  constructor(
    private readonly parsed: ReadonlyMap<string, ParsedSource>,
    files: Iterable<FileFacts>,
  ) {
    for (const facts of files) {
      this.facts.set(facts.path, facts);
      for (const define of facts.defines) {
        const list = this.definingFiles.get(define.name);
        if (list === undefined) this.definingFiles.set(define.name, [facts.path]);
        else if (list[list.length - 1] !== facts.path) list.push(facts.path);
      }
    }
  }

  definitions(name: string): MacroDefinition[] {
    let defs = this.byName.get(name);
    if (!defs) {
      defs = (this.definingFiles.get(name) ?? []).flatMap((p) => this.inFile(p).filter((d) => d.name === name));
      this.byName.set(name, defs);
    }
    return defs;
  }

  inFile(path: string): MacroDefinition[] {
    let list = this.byFile.get(path);
    if (!list) {
      const facts = this.facts.get(path);
      const text = facts && facts.defines.length > 0 ? sourceText(this.parsed, path) : undefined;
      list = facts && text !== undefined ? facts.defines.map((d) => definitionOf(d, path, text)) : [];
      this.byFile.set(path, list);
    }
    return list;
  }

  /**
   * True when every definition of `name` is function-like and uses each parameter exactly once,
   * with no control flow, short-circuit operator, `sizeof`/`typeof` or `#`: the argument is then
   * evaluated once, as a function argument would be (e.g. `unlikely(x)`).
   */
  evaluatesArgumentsOnce(name: string): boolean {
    const defs = this.definitions(name);
    if (defs.length === 0) return false;
    return defs.every((d) => d.functionLike && simpleBody(d));
  }
}

function definitionOf(define: MacroDefine, file: string, text: string): MacroDefinition {
  return {
    name: define.name,
    params: define.params,
    body: define.body ? text.slice(define.body.start, define.body.end) : '',
    file,
    functionLike: define.functionLike,
    // an empty macro's body would start where the directive ends
    bodyStart: define.body?.start ?? define.span.end,
  };
}

function simpleBody(def: MacroDefinition): boolean {
  const body = def.body.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""').replace(/\\\n/g, ' ');
  if (/&&|\|\||\?|#|;|\+\+|--|[^=!<>]=[^=]|\b(if|else|while|for|do|switch|sizeof|typeof|__typeof__|_Alignof|__builtin_constant_p|__builtin_choose_expr)\b/.test(body)) return false;
  // any other call in the body may run before the argument: only the branch hint is allowed
  for (const m of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    if (m[1] !== '__builtin_expect' && !def.params.includes(m[1]!)) return false;
  }
  return def.params.every((p) => (body.match(new RegExp(String.raw`\b${p}\b`, 'g')) ?? []).length === 1);
}

/** `name(` tokens in a macro body, with their offsets in the file (parameters excluded). */
export function callsInBody(def: MacroDefinition): { name: string; at: number }[] {
  const out: { name: string; at: number }[] = [];
  const body = def.body.replace(/"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => ' '.repeat(m.length));
  for (const m of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) {
    if (!def.params.includes(m[1]!)) out.push({ name: m[1]!, at: def.bodyStart + m.index });
  }
  return out;
}
