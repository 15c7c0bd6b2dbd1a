/**
 * Small helpers over the `yaml` AST: parsing, positions, alias resolution, merge keys and type
 * checks that fail with a ConfigError at the offending node. Used by the configuration loader and
 * the explore space spec.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type YAMLError, type YAMLMap, type YAMLSeq } from 'yaml';
import { ConfigError, type SourceLocation } from './types.js';

export interface YamlContext {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Fields produced so far by fieldsOf (merge keys included): bounds a `<<` merge bomb. */
  expanded?: number;
}

/** More fields than any real configuration has; past it, merges are taken for a bomb. */
export const MAX_EXPANDED_FIELDS = 20_000;

/** One `key: value` of a mapping, with merge keys (`<<: *anchor`) already expanded. */
export interface Field {
  name: string;
  value: Node | null;
  keyLocation: SourceLocation;
  /** The value's position, or the key's when the value is empty. */
  valueLocation: SourceLocation;
}

export interface YamlFileOptions {
  /** What the file holds, for the message on several documents (`a configuration`). */
  document: string;
  /** The YAML version to read (the `yaml` package's default, 1.2, when absent). */
  version?: '1.1' | '1.2';
}

/** One YAML document with its positions; its first syntax error is a ConfigError at that line:col. */
export function parseYamlFile(text: string, file: string, options: YamlFileOptions): YamlContext {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, ...(options.version ? { version: options.version } : {}) });
  const [first] = doc.errors;
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ConfigError({ file, line, column: col }, yamlErrorMessage(first, options.document));
  }
  return { file, doc, lineCounter };
}

function yamlErrorMessage(error: YAMLError, document: string): string {
  if (error.code === 'MULTIPLE_DOCS') {
    return `invalid YAML: the file holds several documents (\`---\`); ${document} is a single document, remove the extra ones`;
  }
  return `invalid YAML: ${error.message}; fix the syntax at this position`;
}

export function fail(location: SourceLocation, message: string): never {
  throw new ConfigError(location, message);
}

export function locationAt(ctx: YamlContext, offset: number): SourceLocation {
  const { line, col } = ctx.lineCounter.linePos(offset);
  return { file: ctx.file, line, column: col };
}

/** Where `node` starts, or `fallback` for a missing or empty node. */
export function locationOf(ctx: YamlContext, node: unknown, fallback: SourceLocation): SourceLocation {
  if (!isAlias(node) && !isMap(node) && !isSeq(node) && !isScalar(node)) return fallback;
  if (isScalar(node) && node.value === null && node.source === '') return fallback;
  const range = node.range;
  return range ? locationAt(ctx, range[0]) : fallback;
}

/** `node` with aliases followed; null for a missing node or an empty/null scalar. */
export function deref(ctx: YamlContext, node: unknown): Node | null {
  const target = isAlias(node) ? node.resolve(ctx.doc) : node;
  if (isScalar(target)) return target.value === null ? null : target;
  return isMap(target) || isSeq(target) ? target : null;
}

/** A short description of what a value is, for "found …" in messages. */
export function describe(node: Node | null): string {
  if (node === null) return 'an empty value';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `the string "${v}"`;
    if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`;
    if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  }
  return 'an unsupported value';
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

function keyName(ctx: YamlContext, key: unknown, fallback: SourceLocation): string {
  if (isScalar(key) && key.value !== null && typeof key.value !== 'object') return String(key.value);
  return fail(locationOf(ctx, key, fallback), 'keys must be plain names (e.g. `name:`); found a complex key');
}

function mergedMaps(ctx: YamlContext, value: unknown, at: SourceLocation): YAMLMap[] {
  const target = deref(ctx, value);
  const sources = isSeq(target) ? target.items.map((i) => deref(ctx, i)) : [target];
  return sources.map((s) =>
    isMap(s) ? s : fail(at, `a merge key \`<<\` must name a mapping (\`<<: *anchor\`); found ${describe(s)}`),
  );
}

/** The fields of `map`; own keys first, then keys brought in by `<<` that are not overridden. */
export function fieldsOf(ctx: YamlContext, map: YAMLMap, fallback: SourceLocation, depth = 0): Field[] {
  const own: Field[] = [];
  const merged: Field[] = [];
  ctx.expanded = (ctx.expanded ?? 0) + map.items.length;
  if (ctx.expanded > MAX_EXPANDED_FIELDS || depth > 64) {
    fail(locationOf(ctx, map, fallback), `merge keys (\`<<\`) here expand to more than ${MAX_EXPANDED_FIELDS} entries or ${64} levels; a configuration is small — write the entries out instead of nesting merges`);
  }
  for (const pair of map.items) {
    const keyLocation = locationOf(ctx, pair.key, fallback);
    if (isMergeKey(pair.key)) {
      for (const m of mergedMaps(ctx, pair.value, keyLocation)) merged.push(...fieldsOf(ctx, m, keyLocation, depth + 1));
      continue;
    }
    const name = keyName(ctx, pair.key, fallback);
    const value = deref(ctx, pair.value);
    own.push({ name, value, keyLocation, valueLocation: locationOf(ctx, pair.value, keyLocation) });
  }
  const seen = new Set(own.map((f) => f.name));
  for (const f of merged) if (!seen.has(f.name) && seen.add(f.name)) own.push(f);
  return own;
}

export function findField(fields: Field[], name: string): Field | undefined {
  return fields.find((f) => f.name === name);
}

/** Fails at the first key of `fields` not in `allowed`. */
export function rejectUnknownKeys(fields: Field[], allowed: readonly string[], where: string): void {
  const unknown = fields.find((f) => !allowed.includes(f.name));
  if (unknown) {
    fail(unknown.keyLocation, `unknown key \`${unknown.name}\` in ${where}; allowed keys: ${allowed.join(', ')}`);
  }
}

export function expectMap(node: Node | null, at: SourceLocation, what: string, hint: string): YAMLMap {
  return isMap(node) ? node : fail(at, `${what} must be a mapping (${hint}); found ${describe(node)}`);
}

export function expectSeq(node: Node | null, at: SourceLocation, what: string, hint: string): YAMLSeq {
  return isSeq(node) ? node : fail(at, `${what} must be a list (${hint}); found ${describe(node)}`);
}

export function expectString(node: Node | null, at: SourceLocation, what: string, hint: string): string {
  if (isScalar(node) && typeof node.value === 'string' && node.value !== '') return node.value;
  return fail(at, `${what} must be a non-empty string (${hint}); found ${describe(node)}`);
}

export function expectBoolean(node: Node | null, at: SourceLocation, what: string): boolean {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  return fail(at, `${what} must be true or false; found ${describe(node)}`);
}

/** The plain JavaScript value of `node` (aliases resolved). */
export function plainValue(ctx: YamlContext, node: Node | null): unknown {
  return node === null ? null : (node.toJS(ctx.doc) as unknown);
}
