/**
 * The result cache of an exploration: every finished measurement is written at once (temp file +
 * rename), so an interrupted run resumes where it stopped. Tied to the measuring command: a cache
 * made with another command, repetition count or metric is refused rather than mixed in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../../diagnostics/input-error.js';
import { writeFileAtomicMkdir } from '../../emit/atomic-write.js';
import type { MeasureOutcome, MeasureSpec } from './measure-one.js';

interface CacheFile {
  version: 1;
  signature: string;
  /** Per configuration key, one entry per measurement round (re-measures add rounds). */
  results: Record<string, MeasureOutcome[]>;
}

export function signatureOf(spec: MeasureSpec): string {
  return JSON.stringify({ argv: spec.argv, repeat: spec.repeat, warmup: spec.warmup, metric: spec.metric, timeoutMs: spec.timeoutMs });
}

export class ResultCache {
  private data: CacheFile;

  constructor(readonly file: string, signature: string) {
    this.data = { version: 1, signature, results: {} };
    if (!existsSync(file)) return;
    let parsed: CacheFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    } catch (e) {
      throw new InputError(`${file}: the result cache is not valid JSON (${(e as Error).message}); delete it or pass another --cache`);
    }
    if (parsed.version !== 1 || typeof parsed.results !== 'object') throw new InputError(`${file}: not a flexos explore result cache; delete it or pass another --cache`);
    if (parsed.signature !== signature) {
      throw new InputError(`${file}: the result cache was made by another measuring command (${parsed.signature}); pass another --cache or delete it`);
    }
    this.data = parsed;
  }

  /** Round `round` (0-based) of configuration `key`, when already measured. */
  get(key: string, round: number): MeasureOutcome | undefined {
    return this.data.results[key]?.[round];
  }

  /** Measurements held (every round of every configuration). */
  get size(): number {
    return Object.values(this.data.results).reduce((n, rounds) => n + rounds.filter((r) => r !== undefined && r !== null).length, 0);
  }

  put(key: string, round: number, outcome: MeasureOutcome): void {
    const rounds = (this.data.results[key] ??= []);
    rounds[round] = outcome;
    writeFileAtomicMkdir(this.file, Buffer.from(JSON.stringify(this.data, null, 1) + '\n', 'utf8'));
  }
}
