/** One file being ported: its edits (MagicString at tree-sitter offsets), proposals and temporaries. */
import { functionContaining } from '../../analyze/scopes.js';
import MagicString from 'magic-string';
import { positionOf } from '../../analyze/facts.js';
import type { FileFacts, FunctionDef, Span } from '../../analyze/model.js';
import type { ParsedSource } from '../../parse/parser.js';
import type { Proposal } from './model.js';

export class FileWork {
  /**
   * The file's edits. A proxy over the MagicString that records where each edit lands, so that
   * `attempt` can tell an edit that cannot collide without cloning the string every time
   * (cloning per gate made a port quadratic in file size).
   */
  readonly code: MagicString;
  readonly proposals: Proposal[] = [];
  /** Start offsets of statement-level comma expressions already split into statements. */
  splitCommas = new Set<number>();
  private readonly usedNames = new Map<string, Set<string>>();
  private real: MagicString;
  private readonly touched = new TouchedPlaces();
  /** During an attempt's dry run: the edits it would make (not applied), and whether it read the string after one. */
  private dry: { ops: EditOp[]; readAfterWrite: boolean } | null = null;
  /** Names handed out by freshName during a dry run (given back when the attempt reruns). */
  private nameLog: [Set<string>, string][] | null = null;

  constructor(
    readonly facts: FileFacts,
    readonly parsed: ParsedSource,
    readonly library: string,
  ) {
    this.real = new MagicString(parsed.text);
    this.code = this.recordingProxy();
  }

  private recordingProxy(): MagicString {
    const proxy: MagicString = new Proxy({} as MagicString, {
      get: (_target, prop) => {
        const real = this.real;
        const value = Reflect.get(real, prop, real) as unknown;
        if (typeof prop !== 'string' || typeof value !== 'function') return value;
        const fn = value as (...a: unknown[]) => unknown;
        if (EDIT_METHODS.has(prop)) {
          return (...args: unknown[]) => {
            const start = args[0] as number;
            const op: EditOp = { method: prop as EditMethod, args, start, end: RANGE_METHODS.has(prop) ? (args[1] as number) : start };
            if (this.dry) {
              this.dry.ops.push(op);
              // what MagicString would refuse by itself (an empty or out-of-range edit): let the real run find out
              if ((RANGE_METHODS.has(prop) && op.end <= op.start) || op.start < 0 || op.end > this.parsed.text.length) this.dry.readAfterWrite = true;
            }
            else {
              fn.apply(real, args);
              this.touched.add(op);
            }
            return proxy;
          };
        }
        return (...args: unknown[]) => {
          if (this.dry && this.dry.ops.length > 0) this.dry.readAfterWrite = true;
          return fn.apply(real, args);
        };
      },
    });
    return proxy;
  }

  get text(): string {
    return this.parsed.text;
  }

  propose(p: Omit<Proposal, 'file' | 'library' | 'line' | 'column'>): void {
    const pos = positionOf(this.facts, p.span.start);
    const { kind, ...rest } = p;
    this.proposals.push({ kind, file: this.facts.path, library: this.library, line: pos.line, column: pos.column, ...rest });
  }

  /**
   * A fresh name `<base><n>` (or `<base>` itself when `numbered` is false and it is free) for a
   * temporary in `fn`: never one the function already uses.
   */
  freshName(fn: FunctionDef, base: string, numbered: boolean): string {
    const key = `${fn.span.start}`;
    let used = this.usedNames.get(key);
    if (!used) {
      used = new Set(this.text.slice(fn.span.start, fn.span.end).match(/\b[A-Za-z_]\w*\b/g) ?? []);
      this.usedNames.set(key, used);
    }
    let name = numbered ? `${base}1` : base;
    for (let n = 2; used.has(name); n++) name = `${base}${n}`;
    used.add(name);
    this.nameLog?.push([used, name]);
    return name;
  }

  /**
   * Runs `edit` on the file; when the edits it records collide with earlier ones (MagicString
   * refuses), the file is restored as it was and false is returned.
   */
  attempt(edit: () => void): boolean {
    const proposals = this.proposals.length;
    const commas = new Set(this.splitCommas);
    // dry run: record the edits; when none touches a place edited before (nor another of them),
    // MagicString cannot refuse them, and they are applied as recorded
    this.dry = { ops: [], readAfterWrite: false };
    this.nameLog = [];
    let ran = true;
    try {
      edit();
    } catch {
      ran = false;
    }
    const { ops, readAfterWrite } = this.dry;
    this.dry = null;
    const names = this.nameLog;
    this.nameLog = null;
    if (ran && !readAfterWrite) {
      const own = new TouchedPlaces();
      const clash = ops.some((op) => {
        const c = this.touched.collides(op) || own.collides(op);
        own.add(op);
        return c;
      });
      if (!clash) {
        for (const op of ops) (this.code[op.method] as (...a: unknown[]) => unknown)(...op.args);
        return true;
      }
    }
    // a possible collision: undo the dry run's side effects and run it for real on a backup
    this.proposals.length = proposals;
    for (const [set, name] of names) set.delete(name);
    this.splitCommas = new Set(commas);
    const backup = this.real.clone();
    try {
      edit();
      return true;
    } catch {
      this.real = backup;
      this.proposals.length = proposals;
      this.splitCommas = commas;
      return false;
    }
  }

  /** The enclosing function definition of an offset (binary search: C functions do not nest). */
  functionAt(offset: number): FunctionDef | null {
    return functionContaining(this.facts, offset, 'body');
  }

  overlapsParseError(span: Span): boolean {
    return this.facts.parseErrors.some((e) => e.span.start < span.end && span.start < e.span.end);
  }
}

type EditMethod = 'overwrite' | 'update' | 'remove' | 'appendLeft' | 'appendRight' | 'prependLeft' | 'prependRight';
const EDIT_METHODS = new Set<string>(['overwrite', 'update', 'remove', 'appendLeft', 'appendRight', 'prependLeft', 'prependRight']);
const RANGE_METHODS = new Set<string>(['overwrite', 'update', 'remove']);

/** One MagicString edit: a range replaced (start < end) or an insertion at a point (start === end). */
interface EditOp {
  method: EditMethod;
  args: unknown[];
  start: number;
  end: number;
}

/** Places already edited in a file, bucketed by offset so that a collision check is O(1). */
class TouchedPlaces {
  private static readonly BUCKET = 4096;
  private readonly buckets = new Map<number, EditOp[]>();

  /** Could MagicString refuse `op` after the recorded ones? Conservative: any overlap with an edited range counts. */
  collides(op: EditOp): boolean {
    for (let b = Math.floor(op.start / TouchedPlaces.BUCKET); b <= Math.floor(op.end / TouchedPlaces.BUCKET); b++) {
      for (const other of this.buckets.get(b) ?? []) {
        const range = op.start < op.end;
        const otherRange = other.start < other.end;
        if (range && otherRange && op.start < other.end && other.start < op.end) return true;
        if (range && !otherRange && op.start < other.start && other.start < op.end) return true;
        if (!range && otherRange && other.start < op.start && op.start < other.end) return true;
      }
    }
    return false;
  }

  add(op: EditOp): void {
    for (let b = Math.floor(op.start / TouchedPlaces.BUCKET); b <= Math.floor(op.end / TouchedPlaces.BUCKET); b++) {
      const list = this.buckets.get(b);
      if (list) list.push(op);
      else this.buckets.set(b, [op]);
    }
  }
}
