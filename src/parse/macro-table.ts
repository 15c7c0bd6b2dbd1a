import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, parseDocument, LineCounter } from 'yaml';
import { InputError } from '../diagnostics/input-error.js';

/** How a definer macro's arguments map onto a function signature. */
export interface DefinerShape {
  /** Argument position of the return type, or the type itself (`void`). */
  returns: number | string;
  /** Argument position of the name, or a template over arguments (`$0_$1`). */
  name: number | string;
  /**
   * The parameters: `pairs` (the remaining arguments alternate type, name), `types` (each
   * remaining argument is a type), `none` (`(void)`).
   */
  params: 'pairs' | 'types' | 'none' | 'declarations';
  /**
   * For `declarations`: the macro joining the declarations in argument `from` (newlib's
   * `int _DEFUN(f, (a, b), int a _AND int b)`, with `returns: before` — the type precedes it).
   */
  separator?: string;
  /** First argument position of the parameters (default: after the last position used). */
  from?: number;
  /** The macro writes the body too (`DECLARE_TRAP(name, …)` with no `{` after it): read `{}`. */
  body?: boolean;
}

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
  /** Macros that expand to a string literal (`STRINGIFY(x)`, `LVLC_RESET`): read as `""`. */
  string: Set<string>;
  /** Macro name → the C it stands for, over its arguments (`UK_TAILQ_HEAD` → `struct $0`). */
  template: Map<string, string>;
}

export const BUNDLED_MACRO_TABLE = fileURLToPath(new URL('../../grammars/macros.yaml', import.meta.url));

export function emptyMacroTable(): MacroTable {
  return { blank: new Set(), blankCall: new Set(), iterator: new Set(), definer: new Map(), typeArg: new Map(), alias: new Map(), string: new Set(), template: new Map() };
}

/**
 * The bundled table as JSON, written by the build (`npm run build`, scripts/compile-macro-table.mjs)
 * with the hash of the YAML it was made from and of this module. Reading the YAML costs every process 90–140 ms of
 * CPU (the YAML parser runs cold); the JSON, about 1 ms. A stale or missing one is not read.
 */
export const BUNDLED_MACRO_CACHE = fileURLToPath(new URL('../../dist/macro-table.json', import.meta.url));

/** Loads the bundled table, then each extra file on top of it. */
export function loadMacroTable(extraFiles: readonly string[] = []): MacroTable {
  const text = readTable(BUNDLED_MACRO_TABLE);
  const table = cachedTable(text) ?? tableOf(BUNDLED_MACRO_TABLE, text);
  for (const file of extraFiles) mergeMacroText(table, file, readTable(file));
  return table;
}

/** The bundled table as the cache holds it, for the build to write to BUNDLED_MACRO_CACHE. */
export function bundledMacroCache(): string {
  const text = readTable(BUNDLED_MACRO_TABLE);
  const entries = Object.fromEntries(Object.entries(tableOf(BUNDLED_MACRO_TABLE, text)).map(([key, value]: [string, Set<unknown> | Map<unknown, unknown>]) => [key, [...value]]));
  return JSON.stringify({ source: hashOf(text), entries }) + '\n';
}

/** The cache: each key of the table with its Set's members or its Map's entries. */
interface MacroCache {
  /** hashOf the YAML the table was read from. */
  source: string;
  entries: Record<string, unknown[]>;
}

function cachedTable(yamlText: string): MacroTable | null {
  let cacheText: string;
  try {
    cacheText = readFileSync(BUNDLED_MACRO_CACHE, 'utf8');
  } catch {
    return null; // not built: the YAML says the same
  }
  return macroTableFromCache(cacheText, yamlText);
}

/** The table a cache holds, or null when it is no cache of `yamlText` (stale, or not JSON). */
export function macroTableFromCache(cacheText: string, yamlText: string): MacroTable | null {
  let cache: MacroCache;
  try {
    cache = JSON.parse(cacheText) as MacroCache;
  } catch {
    return null;
  }
  if (cache === null || typeof cache !== 'object' || cache.source !== hashOf(yamlText)) return null;
  // the same loader wrote it (the hash says so): every key of the table is there, Sets as Sets
  const table = emptyMacroTable() as unknown as Record<string, Set<unknown> | Map<unknown, unknown>>;
  for (const [key, empty] of Object.entries(table)) {
    const items = cache.entries?.[key];
    if (!Array.isArray(items)) return null;
    table[key] = empty instanceof Map ? new Map(items as [unknown, unknown][]) : new Set(items);
  }
  return table as unknown as MacroTable;
}

/** The YAML's hash and this module's own (a cache made by other loading code is stale too). */
function hashOf(yamlText: string): string {
  return createHash('sha1').update(yamlText).update('\u0000').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex');
}

function tableOf(file: string, text: string): MacroTable {
  const table = emptyMacroTable();
  mergeMacroText(table, file, text);
  return table;
}

function readTable(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read macro table (${(err as NodeJS.ErrnoException).code ?? 'error'}); pass an existing YAML file to --macros`);
  }
}

function mergeMacroText(table: MacroTable, file: string, text: string): void {
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
      case 'iterator':
      case 'string': {
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
          throw new InputError(`${where(key)}: '${key}' must be a list of macro names`);
        }
        const target = key === 'blank' ? table.blank : key === 'blank_call' ? table.blankCall : key === 'string' ? table.string : table.iterator;
        for (const name of value as string[]) target.add(name);
        break;
      }
      case 'definer': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new InputError(`${where(key)}: 'definer' must map macro names to { returns, name, params: pairs }`);
        }
        for (const [name, shape] of Object.entries(value as Record<string, unknown>)) {
          const s = shape as Partial<DefinerShape> | null;
          const isIndex = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
          const ok =
            s !== null &&
            typeof s === 'object' &&
            (isIndex(s.returns) || (typeof s.returns === 'string' && /^[A-Za-z_][\w \t*]*$/.test(s.returns))) &&
            (isIndex(s.name) || (typeof s.name === 'string' && /^[\w$]+$/.test(s.name))) &&
            (s.params === 'pairs' || s.params === 'types' || s.params === 'none' || (s.params === 'declarations' && typeof s.separator === 'string' && /^\w+$/.test(s.separator))) &&
            (s.from === undefined || isIndex(s.from)) &&
            (s.body === undefined || typeof s.body === 'boolean');
          if (!ok) {
            throw new InputError(
              `${where(key)}: definer '${name}' needs { returns: <index, type or 'before'>, name: <index or template like $0_$1>, params: pairs|types|none|declarations (with separator: <macro>), from: <index>?, body: <bool>? }`,
            );
          }
          table.definer.set(name, { returns: s!.returns!, name: s!.name!, params: s!.params!, ...(s!.from !== undefined ? { from: s!.from } : {}), ...(s!.body ? { body: true } : {}), ...(s!.separator ? { separator: s!.separator } : {}) });
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
      case 'template': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new InputError(`${where(key)}: 'template' must map macro names to the C they stand for, e.g. UK_TAILQ_HEAD: struct $0`);
        }
        for (const [name, text] of Object.entries(value as Record<string, unknown>)) {
          if (typeof text !== 'string' || text.trim() === '' || text.includes('\n')) {
            throw new InputError(`${where(key)}: template '${name}' needs one line of C, with $0, $1, … for the arguments`);
          }
          table.template.set(name, text);
        }
        break;
      }
      default:
        throw new InputError(`${where(key)}: unknown macro-table key '${key}'; allowed: blank, blank_call, iterator, definer, type_arg, alias, string, template`);
    }
  }
}
