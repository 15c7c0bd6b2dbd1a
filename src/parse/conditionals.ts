/**
 * Preprocessor conditional groups (#if/#ifdef/#ifndef … #elif/#else … #endif) found in the text,
 * for two cases a macro table cannot fix:
 * - branches that are dead in every C compilation (`#if 0`, `#ifdef __cplusplus`): a compiler
 *   never sees them, so neither does the parse (their text is blanked, their directives kept);
 * - a group whose branches split a construct (`} else\n#endif\n{`, an `#ifdef` inside an
 *   initializer). tree-sitter reads every branch at once and fails; reading only the first
 *   branch, as a preprocessor with that condition true would, parses.
 */
export interface ConditionalGroup {
  start: number;
  end: number;
  /** Each directive line of the group (#if…, #elif, #else, #endif), continuations included. */
  directives: { start: number; end: number }[];
  /** The text of each branch after the first: what a first-branch reading leaves out. */
  laterBranches: { start: number; end: number }[];
  /** Whether one of its conditions is known for C (then it is handled as dead code instead). */
  known: boolean;
}

/** A branch no C compilation keeps, and the condition that says so. */
export interface DeadBranch {
  start: number;
  end: number;
  /** `#if 0`, `__cplusplus`, or `#if 1` (for the #else of an always-true group). */
  reason: DeadReason;
}

export type DeadReason = '#if 0' | '#if 1' | '__cplusplus';

const DIRECTIVE = /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b((?:\\\r?\n|[^\n])*)/gm;

/** What a C compiler knows of a condition: true, false, or null (depends on the configuration). */
function knownValue(kind: string, rest: string): { value: boolean; reason: DeadReason } | null {
  const cond = rest
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/g, ' ')
    .replace(/\\\r?\n/g, ' ')
    .trim();
  if (kind === 'ifdef' || kind === 'elifdef') return cond === '__cplusplus' ? { value: false, reason: '__cplusplus' } : null;
  if (kind === 'ifndef' || kind === 'elifndef') return cond === '__cplusplus' ? { value: true, reason: '__cplusplus' } : null;
  if (kind !== 'if' && kind !== 'elif') return null;
  const bare = cond.replace(/^\(\s*(.*?)\s*\)$/, '$1');
  if (bare === '0') return { value: false, reason: '#if 0' };
  if (bare === '1') return { value: true, reason: '#if 1' };
  if (/^(?:defined\s*\(\s*__cplusplus\s*\)|defined\s+__cplusplus|__cplusplus)$/.test(bare)) return { value: false, reason: '__cplusplus' };
  if (/^!\s*(?:defined\s*\(\s*__cplusplus\s*\)|defined\s+__cplusplus)$/.test(bare)) return { value: true, reason: '__cplusplus' };
  return null;
}

interface OpenGroup {
  group: ConditionalGroup;
  branchStart: number | null;
  /** The current branch's known value (null: unknown), and whether an earlier one was known true. */
  current: { value: boolean; reason: DeadReason } | null;
  taken: DeadReason | null;
  /** Every branch so far was known false (so an #else is known true). */
  allFalse: boolean;
}

/** Every group of the text, sorted by start, and the branches that are dead for C. */
export function scanConditionals(text: string): { groups: ConditionalGroup[]; dead: DeadBranch[] } {
  const groups: ConditionalGroup[] = [];
  const dead: DeadBranch[] = [];
  const open: OpenGroup[] = [];
  // a branch is dead when its own condition is known false, or an earlier branch was known true
  const closeBranch = (top: OpenGroup, end: number): void => {
    if (top.branchStart === null) return;
    const reason = top.taken ?? (top.current && !top.current.value ? top.current.reason : null);
    if (reason !== null && end > top.branchStart) dead.push({ start: top.branchStart, end, reason });
    if (top.taken === null && top.current?.value) top.taken = top.current.reason;
    if (top.current === null || top.current.value) top.allFalse = false;
  };
  for (const m of text.matchAll(DIRECTIVE)) {
    const kind = m[1]!;
    const line = { start: m.index!, end: m.index! + m[0].length };
    if (kind.startsWith('if')) {
      const current = knownValue(kind, m[2]!);
      const group: ConditionalGroup = { start: line.start, end: line.end, directives: [line], laterBranches: [], known: current !== null };
      open.push({ group, branchStart: line.end, current, taken: null, allFalse: true });
      continue;
    }
    const top = open[open.length - 1];
    if (!top) continue; // unbalanced: leave it to tree-sitter to report
    closeBranch(top, line.start);
    if (top.group.directives.length > 1) top.group.laterBranches.push({ start: top.branchStart!, end: line.start });
    top.group.directives.push(line);
    if (kind === 'endif') {
      top.group.end = line.end;
      groups.push(top.group);
      open.pop();
    } else {
      top.branchStart = line.end;
      // #else is known true exactly when every earlier branch was known false
      top.current = kind === 'else' ? (top.allFalse ? { value: true, reason: '#if 0' } : null) : knownValue(kind, m[2]!);
      if (top.current !== null) top.group.known = true;
    }
  }
  return { groups: groups.sort((a, b) => a.start - b.start), dead: outermost(dead) };
}

/** Dead branches nested in a dead branch are covered by it. */
function outermost(dead: DeadBranch[]): DeadBranch[] {
  const sorted = [...dead].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: DeadBranch[] = [];
  for (const d of sorted) {
    const last = out[out.length - 1];
    if (last && d.start >= last.start && d.end <= last.end) continue;
    out.push(d);
  }
  return out;
}

export function conditionalGroups(text: string): ConditionalGroup[] {
  return scanConditionals(text).groups;
}

/** The text with [start, end) ranges turned into spaces (offsets and newlines kept). */
export function blankRanges(view: string, ranges: readonly { start: number; end: number }[]): string {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let at = 0;
  for (const r of sorted) {
    const start = Math.max(r.start, at);
    if (r.end <= start) continue;
    out.push(view.slice(at, start), view.slice(start, r.end).replace(/[^\n]/g, ' '));
    at = r.end;
  }
  out.push(view.slice(at));
  return out.join('');
}

/** The view with each chosen group read as its first branch (offsets and newlines kept). */
export function keepFirstBranches(view: string, groups: readonly ConditionalGroup[]): string {
  return blankRanges(
    view,
    groups.flatMap((g) => [...g.directives, ...g.laterBranches]),
  );
}
