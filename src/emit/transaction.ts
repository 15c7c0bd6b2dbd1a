/**
 * All-or-nothing writes of many files under one directory (the "anchor": the output directory or,
 * in place, the tree). Protocol:
 *
 *  1. lock: create `<anchor>/.flexos-txn/` (exclusive mkdir); a leftover one from a run that died
 *     is recovered first (see `recoverInterrupted`);
 *  2. stage: write every new content into the journal directory (same file system as the
 *     targets, since every target is under the anchor), nothing is touched yet;
 *  3. journal: record every step (target, staged copy, backup name, whether it existed, the
 *     directories to create) in `journal.json`, written by temp file + rename;
 *  4. commit: per target, check it still holds what was read (else abort), move it to its backup,
 *     move the staged copy into place;
 *  5. done: mark the journal done and remove the journal directory.
 *
 * Any failure or SIGINT/SIGTERM before step 5 rolls every replaced target back from its backup
 * and removes what was created; a run killed outright (SIGKILL, power aside) leaves the journal,
 * and the next write to the same anchor rolls it back before doing anything. Nothing is fsync'd:
 * the guarantee covers a failing or killed process, not a machine losing power.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { InputError, InterruptedError } from '../diagnostics/input-error.js';

/** One file to write (content) or remove (content undefined), under the anchor. */
export interface FileChange {
  /** Absolute path; must lie under the anchor. */
  path: string;
  content?: Buffer;
  /**
   * What the target held when flexos read it: a Buffer (must still be equal), null (must still
   * not exist), undefined (not checked).
   */
  expected?: Buffer | null;
}

export const JOURNAL_DIR = '.flexos-txn';
const JOURNAL = 'journal.json';

interface JournalEntry {
  target: string;
  staged: string | null;
  backup: string;
  existed: boolean;
}

interface Journal {
  pid: number;
  /** staging: nothing touched yet; commit: targets being replaced; done: all replaced. */
  state: 'staging' | 'commit' | 'done';
  /** Directories created by the commit, parents first. */
  dirs: string[];
  entries: JournalEntry[];
}

/** A write that did not happen; the message names the path and says nothing was changed. */
export class WriteError extends InputError {}

function errno(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

/** `path` under `anchor` with no `..` step, else a WriteError: confinement is checked, not assumed. */
export function confinedPath(anchor: string, path: string): string {
  const rel = relative(anchor, path);
  if (rel === '' || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new WriteError(`${path}: outside the output directory ${anchor}; flexos writes only under it (nothing was written)`);
  }
  return rel;
}

/** Test hook: slows every commit step so a test can deliver a signal mid-commit. */
function commitDelay(): number {
  const ms = Number(process.env.FLEXOS_TEST_COMMIT_DELAY_MS ?? 0);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

const tick = (ms = 0): Promise<void> => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJournal(dir: string): Journal | null {
  try {
    return JSON.parse(readFileSync(join(dir, JOURNAL), 'utf8')) as Journal;
  } catch {
    return null;
  }
}

function writeJournal(dir: string, journal: Journal): void {
  const tmp = join(dir, `${JOURNAL}.tmp`);
  writeFileSync(tmp, JSON.stringify(journal));
  renameSync(tmp, join(dir, JOURNAL));
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Undoes a journal's commit from the files present: backups go back, placed new files go. */
function rollBack(dir: string, journal: Journal): void {
  for (const e of [...journal.entries].reverse()) {
    const backup = join(dir, e.backup);
    if (exists(backup)) renameSync(backup, e.target);
    else if (!e.existed && e.staged !== null && !exists(join(dir, e.staged)) && exists(e.target)) unlinkSync(e.target);
  }
  for (const d of [...journal.dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone else's file) or already gone: leave it
    }
  }
}

/**
 * Finishes what a dead run left in `<anchor>/.flexos-txn`: a journal being committed is rolled
 * back, a finished one or a staging area is removed. Returns a note for the user, or null.
 * A journal of a run still alive is an error (two runs writing the same place).
 */
export function recoverInterrupted(anchor: string): string | null {
  const dir = join(anchor, JOURNAL_DIR);
  if (!existsSync(dir)) return null;
  const journal = readJournal(dir);
  if (journal && isAlive(journal.pid)) {
    throw new WriteError(`${anchor}: another flexos run (pid ${journal.pid}) is writing here; wait for it to finish (or remove ${dir} if that process is not flexos)`);
  }
  let note: string;
  if (journal && journal.state === 'commit') {
    rollBack(dir, journal);
    note = `${anchor}: rolled back the write of an interrupted run (pid ${journal.pid}); its ${journal.entries.length} file(s) are as they were before it`;
  } else {
    note = `${anchor}: removed the staging area of an interrupted run${journal ? ` (pid ${journal.pid})` : ''}; no file had been changed by it`;
  }
  rmSync(dir, { recursive: true, force: true });
  return note;
}

/** Missing directories between the anchor and `target`'s parent (parents first); a symlink or a non-directory on the way is refused. */
function missingDirs(anchor: string, target: string, known: Map<string, boolean>): string[] {
  const rel = relative(anchor, dirname(target));
  const missing: string[] = [];
  let cur = anchor;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    cur = join(cur, part);
    let state = known.get(cur);
    if (state === undefined) {
      try {
        const st = lstatSync(cur);
        if (st.isSymbolicLink()) throw new WriteError(`${cur}: is a symbolic link inside the output directory; flexos does not write through links (remove it; nothing was written)`);
        if (!st.isDirectory()) throw new WriteError(`${cur}: exists and is not a directory, but ${target} must go inside it; remove or rename it (nothing was written)`);
        state = true;
      } catch (err) {
        if (err instanceof WriteError) throw err;
        state = false;
      }
      known.set(cur, state);
    }
    if (!state) missing.push(cur);
  }
  return missing;
}

/** The target as it is now: its bytes, null when absent; a directory or link in the way is refused. */
function currentContent(path: string): Buffer | null {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return null;
  }
  if (st.isDirectory()) throw new WriteError(`${path}: is a directory where flexos must write a file; remove or rename it (nothing was written)`);
  if (!st.isFile() && !st.isSymbolicLink()) throw new WriteError(`${path}: is not a regular file; remove it (nothing was written)`);
  if (st.isSymbolicLink()) return Buffer.from(`symlink:${path}`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new WriteError(`${path}: cannot be read before replacing it (${errno(err)}); check its permissions (nothing was written)`);
  }
}

function checkUnchanged(change: FileChange): void {
  if (change.expected === undefined) return;
  const now = currentContent(change.path);
  const same = change.expected === null ? now === null : now !== null && now.equals(change.expected);
  if (!same) {
    throw new WriteError(`${change.path}: changed since flexos read it (edited during the run?); nothing was written — run flexos again`);
  }
}

/** Creates `path` (its parent exists), with a clean error instead of looping on odd file systems. */
function makeDir(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    throw new WriteError(`${path}: cannot create this directory (${errno(err)}); choose an output directory you can write (nothing was written)`);
  }
}

/** Creates the anchor and its missing parents (returns the ones created, parents first). */
function ensureAnchor(anchor: string): string[] {
  const created: string[] = [];
  const chain: string[] = [];
  for (let cur = anchor; !exists(cur); cur = dirname(cur)) {
    chain.unshift(cur);
    if (dirname(cur) === cur) break;
  }
  for (const d of chain) {
    makeDir(d);
    created.push(d);
  }
  const st = lstatSync(anchor);
  if (!st.isDirectory()) throw new WriteError(`${anchor}: is not a directory; choose a directory for the output (nothing was written)`);
  return created;
}

function removeCreated(dirs: string[]): void {
  for (const d of [...dirs].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty: not ours alone
    }
  }
}

/**
 * Writes and removes `changes` under `anchor`, all or nothing (see the module comment). Returns
 * notes for the user (a recovered earlier run). Throws WriteError or InterruptedError; in both
 * cases no target was changed and no temp file is left.
 */
export async function commitChanges(anchor: string, changes: readonly FileChange[]): Promise<string[]> {
  const notes: string[] = [];
  for (const c of changes) confinedPath(anchor, c.path);
  const createdAnchor = ensureAnchor(anchor);
  const recovered = recoverInterrupted(anchor);
  if (recovered) notes.push(recovered);
  const dir = join(anchor, JOURNAL_DIR);
  try {
    mkdirSync(dir);
    // the owner's pid at once: a second run seeing this directory knows it is taken
    writeJournal(dir, { pid: process.pid, state: 'staging', dirs: [], entries: [] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    removeCreated(createdAnchor);
    throw new WriteError(`${dir}: cannot create the journal directory (${errno(err)}); check that ${anchor} is writable (nothing was written)`);
  }

  let interrupted: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const journal: Journal = { pid: process.pid, state: 'commit', dirs: [], entries: [] };
  let committing = false;
  const checkSignal = async (ms = 0): Promise<void> => {
    await tick(ms);
    if (interrupted) throw new InterruptedError(interrupted, `interrupted by ${interrupted}`);
  };
  try {
    // stage: everything new goes into the journal directory first
    const known = new Map<string, boolean>();
    const dirs = new Set<string>();
    for (const [i, c] of changes.entries()) {
      for (const d of missingDirs(anchor, c.path, known)) {
        dirs.add(d);
        known.set(d, true);
      }
      const staged = c.content === undefined ? null : `staged-${i}`;
      if (staged !== null) {
        try {
          writeFileSync(join(dir, staged), c.content!);
        } catch (err) {
          throw new WriteError(`${c.path}: cannot stage its new content (${errno(err)}); check free space and permissions under ${anchor} (nothing was written)`);
        }
      }
      const now = currentContent(c.path);
      journal.entries.push({ target: c.path, staged, backup: `backup-${i}`, existed: now !== null });
      if (i % 64 === 63) await checkSignal();
    }
    journal.dirs = [...dirs];
    for (const c of changes) checkUnchanged(c);
    await checkSignal();
    writeJournal(dir, journal);

    // commit: one target at a time, each checked unchanged right before it is replaced
    committing = true;
    const delay = commitDelay();
    for (const d of journal.dirs) makeDir(d);
    for (const [i, c] of changes.entries()) {
      const e = journal.entries[i]!;
      checkUnchanged(c);
      try {
        if (e.existed) renameSync(c.path, join(dir, e.backup));
        if (e.staged !== null) renameSync(join(dir, e.staged), c.path);
      } catch (err) {
        throw new WriteError(`${c.path}: cannot be replaced (${errno(err)}); check its permissions`);
      }
      if (delay > 0 || i % 64 === 63) await checkSignal(delay);
    }
    journal.state = 'done';
    writeJournal(dir, journal);
  } catch (err) {
    if (committing) rollBack(dir, journal);
    rmSync(dir, { recursive: true, force: true });
    removeCreated(createdAnchor);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (err instanceof InterruptedError) {
      throw new InterruptedError(err.signal, `${anchor}: interrupted by ${err.signal}; ${committing ? 'the files already replaced were rolled back, ' : ''}no file was changed`);
    }
    if (err instanceof WriteError) {
      const rolled = committing && !err.message.includes('nothing was written') ? '; every file already replaced was rolled back, no file was changed' : '';
      throw new WriteError(err.message + rolled);
    }
    throw new WriteError(`${anchor}: could not write (${errno(err)}); ${committing ? 'rolled back, ' : ''}no file was changed`);
  }
  rmSync(dir, { recursive: true, force: true });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (interrupted) {
    // the signal arrived after the last step: the write is complete and stays
    notes.push(`${anchor}: ${interrupted as string} arrived after the write completed; every file was written`);
  }
  return notes;
}

/** Regular files under `dir` (relative paths), skipping the journal directory. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (rel === '' && e.name === JOURNAL_DIR) continue;
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}
