/**
 * SPEC §7: a whitelisted variable that never crosses a boundary. Sharing weakens isolation, so a
 * whitelist nobody needs is a finding. Crossing means: its address goes to another compartment
 * (gate, cross-library call, or any call through a pointer, which may be a callback), or code of
 * another compartment names it. Conservative, so that what is reported is oversharing for sure:
 * an address passed to any function of the tree, kept in a pointer or stored away may escape
 * further, and is not reported.
 */
import { isWhitelist } from '../attributes.js';
import type { FileFacts, VariableDecl } from '../model.js';
import { addressCrossings } from './crossings.js';
import type { Check } from './model.js';

export const overshared: Check = {
  code: 'overshared',
  severity: 'warning',
  summary: 'whitelisted variable that never crosses a boundary (oversharing weakens isolation)',
  origin: 'SPEC §7',
  deploymentDependent: true,
  run(ctx, report) {
    const crossingLocals = new Set<string>();
    const crossingGlobals = new Set<string>();
    const key = (file: string, v: VariableDecl): string => `${file}\u0000${v.nameSpan.start}`;
    // only the whitelisted globals of the files reported on are looked for elsewhere
    const wanted = new Set<string>();
    for (const facts of ctx.index.files) if (ctx.inScope(facts.path)) for (const v of facts.globals) if (v.attributes.some(isWhitelist)) wanted.add(v.name);
    for (const { arg } of addressCrossings(ctx, wanted)) {
      const found = ctx.variableAt(ctx.facts(arg.file), arg.name, arg.binding === 'local' ? 'local' : 'global', arg.arg.span.start);
      if (found) (arg.binding === 'local' ? crossingLocals : crossingGlobals).add(key(found.file, found.variable));
    }
    // an address handed to a function of the tree (even the variable's own library) may travel on
    // from there (`vfs_read(fp, &uio)` reaches a file system's operation through a pointer):
    // only addresses that stay with libc or never leave their function prove a whitelist unneeded
    for (const a of ctx.analysis.addressArguments) {
      if (a.calleeLibrary === null || (!ctx.inScope(a.file) && !(a.binding === 'global' && wanted.has(a.name)))) continue;
      const found = ctx.variableAt(ctx.facts(a.file), a.name, a.binding === 'local' ? 'local' : 'global', a.arg.span.start);
      if (found) (a.binding === 'local' ? crossingLocals : crossingGlobals).add(key(found.file, found.variable));
    }
    for (const u of ctx.analysis.globalUses) if (wanted.has(u.variable.name) && ctx.crosses(u.userLibrary, u.ownerLibrary)) crossingGlobals.add(key(u.ownerFile, u.variable));
    const escapes = wanted.size > 0 ? escapingAddresses(ctx.index.files, wanted) : new Set<string>();
    // a #define that names the global expands in whichever library uses the macro
    for (const f of ctx.index.files) for (const b of f.macroBodies ?? []) for (const n of b.names) if (wanted.has(n)) escapes.add(n);
    for (const facts of ctx.index.files) {
      if (!ctx.inScope(facts.path) || facts.library === null) continue;
      const throughPointer = indirectArguments(facts);
      // `char *p = buf;`: the address lives on in a pointer, which may cross (see confused-deputy)
      for (const v of [...facts.locals, ...facts.globals]) if (v.pointsTo) throughPointer.add(v.pointsTo.name);
      for (const v of facts.locals) {
        if (!v.attributes.some(isWhitelist) || crossingLocals.has(key(facts.path, v))) continue;
        if (throughPointer.has(v.name) || v.storage === 'static') continue;
        report(facts.path, v.nameSpan, `local '${v.name}' is whitelisted but its address never leaves ${ctx.where(facts.library)}; remove __attribute__((flexos_whitelist)) (shared data is reachable from every compartment)`);
      }
      for (const v of facts.globals) {
        if (v.storage === 'extern' || !v.attributes.some(isWhitelist) || crossingGlobals.has(key(facts.path, v))) continue;
        if (escapes.has(v.name) || throughPointer.has(v.name)) continue;
        report(facts.path, v.nameSpan, `global '${v.name}' is whitelisted but no other compartment uses it or receives its address; remove __attribute__((flexos_whitelist)) (shared data is reachable from every compartment)`);
      }
    }
  },
};

/** Names whose address is taken anywhere other than as a direct call argument (it may travel on). */
function escapingAddresses(files: readonly FileFacts[], wanted: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const f of files) {
    if (!f.nameUses.some((u) => u.access === 'address' && wanted.has(u.name))) continue;
    const argStarts = new Set<number>();
    for (const c of f.calls) for (const a of c.args) argStarts.add(a.span.start);
    for (const g of f.gates) for (const a of g.args) argStarts.add(a.span.start);
    // `&x` whose value is stored or returned rather than passed (the `&` sits before the name)
    for (const u of f.nameUses) if (u.access === 'address' && !argStarts.has(u.span.start) && !startsArgument(argStarts, u.span.start)) out.add(u.name);
  }
  return out;
}

function startsArgument(argStarts: Set<number>, at: number): boolean {
  for (let i = at - 1; i >= at - 3; i--) if (argStarts.has(i)) return true;
  return false;
}

/** Variables whose address goes into a call through a pointer (a callback may run elsewhere). */
function indirectArguments(facts: FileFacts): Set<string> {
  const out = new Set<string>();
  for (const c of facts.calls) {
    if (!c.indirect) continue;
    for (const a of c.args) if (a.baseName && (a.kind === 'address-of' || a.kind === 'identifier')) out.add(a.baseName);
  }
  return out;
}
