import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, parseDocument, LineCounter } from 'yaml';
import { InputError } from '../diagnostics/input-error.js';

/**
 * How a definer macro's arguments map onto a function signature: `pairs` — the return type, the
 * name, then type/name pairs (Unikraft's UK_SYSCALL_DEFINE); `declarations` — the name and one
 * argument holding the parameter declarations joined by a separator macro, the return type
 * written before the macro (newlib's K&R-compatible `int _DEFUN(f, (a, b), int a _AND int b)`).
 */
export type DefinerShape = { returns: number; name: number; params: 'pairs' } | { name: number; params: 'declarations'; declarations: number; separator: string };

/** The macro table of grammars/macros.yaml, possibly extended by user files. */
export interface MacroTable {
  blank: Set<string>;
  blankCall: Set<string>;
  iterator: Set<string>;
  definer: Map<string, DefinerShape>;
  /** Macro name → argument positions that hold a type name. */
  typeArg: Map<string, number[]>;
  /** Macro name → the keyword it stands for (`REDIS_STATIC` → `static`), no longer than the name. */
  alias: Map<string, string>;
}

export const BUNDLED_MACRO_TABLE = fileURLToPath(new URL('../../grammars/macros.yaml', import.meta.url));

export function emptyMacroTable(): MacroTable {
  return { blank: new Set(), blankCall: new Set(), iterator: new Set(), definer: new Map(), typeArg: new Map(), alias: new Map() };
}

/** Loads the bundled table, then each extra file on top of it. */
export function loadMacroTable(extraFiles: readonly string[] = []): MacroTable {
  const table = emptyMacroTable();
  for (const file of [BUNDLED_MACRO_TABLE, ...extraFiles]) mergeMacroFile(table, file);
  return table;
}

function mergeMacroFile(table: MacroTable, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read macro table (${(err as NodeJS.ErrnoException).code ?? 'error'}); pass an existing YAML file to --macros`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new InputError(`${file}:${pos.line}:${pos.col}: malformed macro table: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() as Record<string, unknown> | null;
  if (data === null) return;
  const where = (key: string): string => {
    // the key itself, not its value: `iterators:` is where an unknown key is
    const pair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
    const node = (pair?.key ?? doc.get(key, true)) as { range?: [number, number, number] } | undefined;
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return `${file}:${pos.line}:${pos.col}`;
  };
  for (const [key, value] of Object.entries(data)) {
    switch (key) {
      case 'blank':
      case 'blank_call':
      case 'iterator': {
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
          throw new InputError(`${where(key)}: '${key}' must be a list of macro names`);
        }
        const target = key === 'blank' ? table.blank : key === 'blank_call' ? table.blankCall : table.iterator;
        for (const name of value as string[]) target.add(name);
        break;
      }
      case 'definer': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new InputError(`${where(key)}: 'definer' must map macro names to { returns, name, params: pairs }`);
        }
        for (const [name, shape] of Object.entries(value as Record<string, unknown>)) {
          const s = shape as Record<string, unknown> | null;
          if (s && s.params === 'declarations' && typeof s.name === 'number' && typeof s.declarations === 'number' && typeof s.separator === 'string') {
            table.definer.set(name, { name: s.name, params: 'declarations', declarations: s.declarations, separator: s.separator });
            continue;
          }
          if (!s || typeof s.returns !== 'number' || typeof s.name !== 'number' || s.params !== 'pairs') {
            throw new InputError(`${where(key)}: definer '${name}' needs { returns: <index>, name: <index>, params: pairs } or { name: <index>, params: declarations, declarations: <index>, separator: <macro> }`);
          }
          table.definer.set(name, { returns: s.returns, name: s.name, params: 'pairs' });
        }
        break;
      }
      case 'type_arg': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new InputError(`${where(key)}: 'type_arg' must map macro names to lists of argument positions`);
        }
        for (const [name, positions] of Object.entries(value as Record<string, unknown>)) {
          if (!Array.isArray(positions) || !positions.every((p) => Number.isInteger(p) && (p as number) >= 0)) {
            throw new InputError(`${where(key)}: type_arg '${name}' needs a list of argument positions, e.g. [1]`);
          }
          table.typeArg.set(name, positions as number[]);
        }
        break;
      }
      case 'alias': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new InputError(`${where(key)}: 'alias' must map macro names to the text they stand for`);
        }
        for (const [name, text] of Object.entries(value as Record<string, unknown>)) {
          if (typeof text !== 'string' || !/^[A-Za-z_]\w*$/.test(text) || text.length > name.length) {
            throw new InputError(`${where(key)}: alias '${name}' needs one keyword or identifier no longer than the macro name (offsets must not move)`);
          }
          table.alias.set(name, text);
        }
        break;
      }
      default:
        throw new InputError(`${where(key)}: unknown macro-table key '${key}'; allowed: blank, blank_call, iterator, definer, type_arg, alias`);
    }
  }
}
