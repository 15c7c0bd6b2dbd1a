/**
 * A safety net against wrong gates: the library model resolves a name across the tree, but the C
 * preprocessor decides what a call means in one file. When a file includes (transitively) a file
 * that defines the callee as a static function or as a macro — `#include "dict.c"`, a compatibility
 * header `#define sdscat hi_sdscat` — the call is not the other library's function.
 */
import { posix } from 'node:path';
import type { FileFacts } from './model.js';
import type { TreeIndex } from './index.js';

export class IncludeClosure {
  private readonly bySuffix = new Map<string, string[]>();
  private readonly closures = new Map<string, Set<string>>();
  private readonly shadows = new Map<string, Map<string, string>>();

  constructor(private readonly index: TreeIndex) {
    for (const f of index.files) {
      const parts = f.path.split('/');
      for (let i = 0; i < parts.length; i++) {
        const suffix = parts.slice(i).join('/');
        const list = this.bySuffix.get(suffix) ?? [];
        list.push(f.path);
        this.bySuffix.set(suffix, list);
      }
    }
  }

  /** Files of the tree `path` may include, directly or not (over-approximated by path suffix). */
  closure(path: string): Set<string> {
    let seen = this.closures.get(path);
    if (seen) return seen;
    seen = new Set();
    const stack = [path];
    while (stack.length > 0) {
      const file = this.index.file(stack.pop()!);
      if (!file) continue;
      for (const inc of file.includes) {
        for (const target of this.resolve(file, inc.path, inc.system)) {
          if (!seen.has(target) && target !== path) {
            seen.add(target);
            stack.push(target);
          }
        }
      }
    }
    this.closures.set(path, seen);
    return seen;
  }

  /** Where an included file may be another file's own static function or macro of that name. */
  shadowing(caller: FileFacts, name: string): string | null {
    let names = this.shadows.get(caller.path);
    if (!names) {
      names = new Map();
      for (const path of [...this.closure(caller.path)].sort()) {
        const f = this.index.file(path);
        if (!f) continue;
        for (const { name: m } of f.defines) if (!names.has(m)) names.set(m, `${path} defines macro ${m}`);
        for (const fn of f.functions) if (fn.linkage === 'static' && !names.has(fn.name)) names.set(fn.name, `${path} defines a static ${fn.name}()`);
        for (const p of f.prototypes) if (p.linkage === 'static' && !names.has(p.name)) names.set(p.name, `${path} declares a static ${p.name}()`);
      }
      this.shadows.set(caller.path, names);
    }
    return names.get(name) ?? null;
  }

  private resolve(from: FileFacts, included: string, system: boolean): string[] {
    const normal = posix.normalize(included);
    if (!system) {
      const sibling = posix.normalize(posix.join(posix.dirname(from.path), included));
      if (this.index.file(sibling)) return [sibling];
    }
    const candidates = this.bySuffix.get(normal.replace(/^(\.\.\/)+/, '')) ?? [];
    const sameLibrary = candidates.filter((c) => this.index.file(c)?.library === from.library);
    return sameLibrary.length > 0 && !system ? sameLibrary : candidates;
  }
}
