/**
 * A scratch "world" per test: a copy of the tiny fixture tree, a file beside it and the place
 * where outputs go, so that a test can prove that nothing outside the output changed and that no
 * temp file or journal survived.
 */
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';
import { newTempDir } from '../support/temp-tree.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const TINY = join(REPO, 'test/rewrite/fixtures/tiny');

export interface World {
  dir: string;
  tree: string;
  config: string;
  out: string;
}

export function makeWorld(prefix: string): World {
  const dir = newTempDir(`flexos-robust-${prefix}-`);
  const tree = join(dir, 'tree');
  cpSync(TINY, tree, { recursive: true });
  writeFileSync(join(dir, 'outside.txt'), 'not flexos output\n');
  mkdirSync(join(dir, 'cfg'));
  const config = join(dir, 'cfg', 'fcalls.yaml');
  writeFileSync(config, readFileSync(join(TINY, 'fcalls.yaml')));
  return { dir, tree, config, out: join(dir, 'out') };
}

/** Every entry under `root` (files by content, links by target, directories), keyed by relative path. */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  // names as bytes: a name that is not UTF-8 must be seen (and reopened) as it is
  const walk = (dir: Buffer): void => {
    for (const name of readdirSync(dir, { encoding: 'buffer' }).sort(Buffer.compare)) {
      const full = Buffer.concat([dir, Buffer.from('/'), name]);
      const rel = relative(root, full.toString('latin1'));
      const st = lstatSync(full);
      if (st.isSymbolicLink()) out.set(rel, `link:${readlinkSync(full)}`);
      else if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(full);
      } else out.set(rel, readFileSync(full).toString('latin1'));
    }
  };
  walk(Buffer.from(root, 'latin1'));
  return out;
}

/** Everything of `before` outside `except` (relative prefixes) is as it was, and nothing was added there. */
export function expectUnchangedOutside(root: string, before: Map<string, string>, except: string[] = []): void {
  const keep = (rel: string): boolean => !except.some((e) => rel === e || rel.startsWith(e + '/'));
  const now = snapshot(root);
  const strip = (m: Map<string, string>): Map<string, string> => new Map([...m].filter(([k]) => keep(k)));
  expect(strip(now)).toEqual(strip(before));
}

/** No journal directory and no temp file anywhere under `root`. */
export function expectNoLeftovers(root: string): void {
  const left = [...snapshot(root).keys()].filter((k) => /(^|\/)\.flexos-txn(\/|$)|\.flexos-tmp$/.test(k));
  expect(left).toEqual([]);
}
