/**
 * The parse trees of an analysed tree, by file. Trees cannot cross worker threads, so when only
 * some files' trees are wanted up front (`port --lib X` edits X's files), the others are
 * analysed on workers and parsed again here on first request, from the same bytes: a file whose
 * bytes changed since its facts were read is an input error, never a tree that disagrees with
 * its facts. Keys are every analysed file, in the analysis's order, kept or not.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { InputError } from '../diagnostics/input-error.js';
import type { MacroTable } from '../parse/macro-table.js';
import { parseSource, type ParsedSource } from '../parse/parser.js';
import { readSource } from '../parse/source-file.js';
import type { FileFacts } from './model.js';

export class ParsedSources extends Map<string, ParsedSource> {
  private readonly order: string[] = [];
  private readonly hashes = new Map<string, string>();
  private parsedLater = 0;

  constructor(
    private readonly root: string,
    private readonly macros: MacroTable,
  ) {
    super();
  }

  /** A file analysed without keeping its tree: parsed on first request. */
  defer(facts: FileFacts): void {
    this.order.push(facts.path);
    this.hashes.set(facts.path, facts.hash);
  }

  /** A file whose tree was kept while it was analysed. */
  keep(path: string, parsed: ParsedSource): void {
    this.set(path, parsed);
  }

  override set(path: string, parsed: ParsedSource): this {
    if (!this.has(path)) this.order.push(path);
    this.hashes.delete(path);
    return super.set(path, parsed);
  }

  /** How many trees were parsed on request (a figure for the bench: each is a second parse). */
  get lateParses(): number {
    return this.parsedLater;
  }

  override get(path: string): ParsedSource | undefined {
    const kept = super.get(path);
    if (kept !== undefined) return kept;
    const hash = this.hashes.get(path);
    if (hash === undefined) return undefined;
    const parsed = parseSource(path, this.read(path, hash), this.macros);
    this.parsedLater++;
    this.hashes.delete(path);
    super.set(path, parsed);
    return parsed;
  }

  /**
   * A file's text without parsing it: the kept tree's, or the bytes read again (checked against
   * the facts, as get is) for a file whose tree was not kept.
   */
  textOf(path: string): string | undefined {
    const kept = super.get(path);
    if (kept !== undefined) return kept.text;
    const hash = this.hashes.get(path);
    return hash === undefined ? undefined : this.read(path, hash);
  }

  private read(path: string, hash: string): string {
    const source = readSource(join(this.root, path));
    if (createHash('sha1').update(source.text, 'latin1').digest('hex') !== hash) {
      throw new InputError(`${path}: changed on disk while flexos was reading the tree; run again on an unchanging tree`);
    }
    return source.text;
  }

  override has(path: string): boolean {
    return super.has(path) || this.hashes.has(path);
  }

  override get size(): number {
    return this.order.length;
  }

  override keys(): MapIterator<string> {
    return this.order[Symbol.iterator]() as MapIterator<string>;
  }

  override values(): MapIterator<ParsedSource> {
    return this.order.map((p) => this.get(p)!)[Symbol.iterator]() as MapIterator<ParsedSource>;
  }

  override entries(): MapIterator<[string, ParsedSource]> {
    return this.order.map((p): [string, ParsedSource] => [p, this.get(p)!])[Symbol.iterator]() as MapIterator<[string, ParsedSource]>;
  }

  override [Symbol.iterator](): MapIterator<[string, ParsedSource]> {
    return this.entries();
  }

  override forEach(callback: (value: ParsedSource, key: string, map: Map<string, ParsedSource>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }
}

/** A file's text from an analysis's trees, parsing nothing that was not kept. */
export function sourceText(parsed: ReadonlyMap<string, ParsedSource>, path: string): string | undefined {
  return parsed instanceof ParsedSources ? parsed.textOf(path) : parsed.get(path)?.text;
}
