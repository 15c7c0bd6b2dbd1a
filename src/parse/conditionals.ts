/**
 * Preprocessor conditional groups (#if/#ifdef/#ifndef … #elif/#else … #endif) found in the text,
 * for the one case a macro table cannot fix: a group whose branches split a construct
 * (`} else\n#endif\n{`, an `#ifdef` inside an initializer). tree-sitter reads every branch at
 * once and fails; reading only the first branch, as a preprocessor with that condition true
 * would, parses.
 */
export interface ConditionalGroup {
  start: number;
  end: number;
  /** Each directive line of the group (#if…, #elif, #else, #endif), continuations included. */
  directives: { start: number; end: number }[];
  /** The text of each branch after the first: what a first-branch reading leaves out. */
  laterBranches: { start: number; end: number }[];
}

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b(?:\\\r?\n|[^\n])*/gm;

export function conditionalGroups(text: string): ConditionalGroup[] {
  const groups: ConditionalGroup[] = [];
  const open: { group: ConditionalGroup; branchStart: number | null }[] = [];
  for (const m of text.matchAll(DIRECTIVE)) {
    const kind = m[1]!;
    const line = { start: m.index!, end: m.index! + m[0].length };
    if (kind.startsWith('if')) {
      const group: ConditionalGroup = { start: line.start, end: line.end, directives: [line], laterBranches: [] };
      open.push({ group, branchStart: null });
      continue;
    }
    const top = open[open.length - 1];
    if (!top) continue; // unbalanced: leave it to tree-sitter to report
    if (top.branchStart !== null) top.group.laterBranches.push({ start: top.branchStart, end: line.start });
    top.group.directives.push(line);
    if (kind === 'endif') {
      top.group.end = line.end;
      groups.push(top.group);
      open.pop();
    } else {
      top.branchStart = line.end;
    }
  }
  return groups.sort((a, b) => a.start - b.start);
}

/** The view with each chosen group read as its first branch (offsets and newlines kept). */
export function keepFirstBranches(view: string, groups: readonly ConditionalGroup[]): string {
  const ranges = groups.flatMap((g) => [...g.directives, ...g.laterBranches]).sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let at = 0;
  for (const r of ranges) {
    const start = Math.max(r.start, at);
    if (r.end <= start) continue;
    out.push(view.slice(at, start), view.slice(start, r.end).replace(/[^\n]/g, ' '));
    at = r.end;
  }
  out.push(view.slice(at));
  return out.join('');
}
