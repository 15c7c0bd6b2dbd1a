/**
 * Function-like macros of the tree, as far as `port` needs them: may a call written in a macro's
 * argument be hoisted out of it (the macro evaluates the argument exactly once, unconditionally)?
 */
import type { ParsedSource, SyntaxNode } from '../../parse/parser.js';
import { descendantsOf, field, namedChildrenOf, nodeEnd, nodeStart, nodeText, nodeType } from '../../parse/node-access.js';

export interface MacroDefinition {
  name: string;
  params: string[];
  body: string;
  file: string;
  /** The `#define` node. */
  node: SyntaxNode;
  /** Offset of the body in the file. */
  bodyStart: number;
}

export class MacroDefinitions {
  private readonly byName = new Map<string, MacroDefinition[]>();
  private readonly byFile = new Map<string, MacroDefinition[]>();
  /** File order of the tree and, per macro name, the files that define it (from the facts). */
  private readonly order: string[];
  private readonly definingFiles = new Map<string, Set<string>>();

  /**
   * The tree's macros. Definitions are read from a file's parse tree only when a name it defines
   * (its facts list them) or the file itself is asked about: most of a tree's macros never are.
   */
  constructor(
    private readonly parsed: ReadonlyMap<string, ParsedSource>,
    macroNames: Iterable<{ path: string; macros: readonly string[] }>,
  ) {
    this.order = [...parsed.keys()];
    for (const { path, macros } of macroNames) {
      for (const name of macros) {
        const files = this.definingFiles.get(name);
        if (files) files.add(path);
        else this.definingFiles.set(name, new Set([path]));
      }
    }
  }

  definitions(name: string): MacroDefinition[] {
    let defs = this.byName.get(name);
    if (!defs) {
      const files = this.definingFiles.get(name);
      defs = files ? this.order.filter((p) => files.has(p)).flatMap((p) => this.inFile(p).filter((d) => d.name === name)) : [];
      this.byName.set(name, defs);
    }
    return defs;
  }

  inFile(path: string): MacroDefinition[] {
    let list = this.byFile.get(path);
    if (!list) {
      const source = this.parsed.get(path);
      list = source ? definitionsOf(source) : [];
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
    return defs.every((d) => nodeType(d.node) === 'preproc_function_def' && simpleBody(d));
  }
}

/** Every `#define` of one file, in order (one native walk: a query cursor costs twice as much a node). */
function definitionsOf(source: ParsedSource): MacroDefinition[] {
  const list: MacroDefinition[] = [];
  for (const node of descendantsOf(source.tree.rootNode, DEFINE_TYPES)) {
    const name = field(node, 'name');
    const value = field(node, 'value');
    if (!name) continue;
    const paramsNode = field(node, 'parameters');
    const params = paramsNode ? namedChildrenOf(paramsNode).filter((c) => nodeType(c) === 'identifier').map((c) => nodeText(c)) : [];
    list.push({
      name: nodeText(name),
      params,
      body: value ? source.text.slice(nodeStart(value), nodeEnd(value)) : '',
      file: source.path,
      node,
      bodyStart: value ? nodeStart(value) : nodeEnd(node),
    });
  }
  return list;
}

const DEFINE_TYPES = ['preproc_function_def', 'preproc_def'];

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
