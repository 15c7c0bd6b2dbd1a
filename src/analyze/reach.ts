/**
 * Which cross-library calls need a gate (issue 7). A gate means "run this in the callee's
 * domain". A call needs none when running the callee in the caller's compartment provably touches
 * nothing but the caller's memory: the callee, and everything it reaches, uses no global variable
 * and no call through a pointer — only its arguments and locals (`memcpy`,
 * `strlen`). A library declared to run in the caller's domain (the deployment's libc, as in every
 * FlexOS deployment, where each compartment has its own copy) never needs one either.
 *
 * Functions, static inlines of headers and macro bodies are the nodes of one graph; a node is
 * impure for a reason of its own or because it reaches an impure node. Inline assembly is not a
 * reason by itself: it works on registers and its operands, and a global it names is a name of
 * the body like any other (an `asm` that derives a pointer from a register — a TLS or stack-top
 * lookup — is a limit of this rule: list such functions under `gate:` in the project file). Impurity is propagated
 * backwards from the nodes that have a reason of their own, so the result is the least fixpoint
 * and cycles are handled without guessing.
 */
import type { TreeIndex } from './index.js';
import type { CallSite, FileFacts, GateDecision, ResolvedCall } from './model.js';
import { fileTables, resolveFunctionName } from './resolve.js';
import { isTypedefCast } from './resolve-file.js';

/** What the project declares about calls whose sources or domains the code does not decide. */
export interface ReachPolicy {
  /** Libraries whose code runs in the caller's domain (default: the deployment's libc). */
  callerDomain: ReadonlySet<string>;
  /** Calls to functions with no source in the tree: assumed to run in the caller's domain, or gated. */
  absentSources: 'caller-domain' | 'gate';
  /** Function or macro names always gated / never gated, whatever the code says. */
  alwaysGate: ReadonlySet<string>;
  neverGate: ReadonlySet<string>;
}


interface Node {
  key: string;
  label: string;
  /** Why the node itself is impure, when it is. */
  own: string | null;
  edges: string[];
}

interface Impurity {
  reason: string;
  via: string | null;
}

const CROSS_CLASSES = new Set(['cross-exported', 'cross-unexported', 'inline-header', 'macro']);

export class ReachAnalysis {
  private readonly nodes = new Map<string, Node>();
  private readonly impure = new Map<string, Impurity>();

  constructor(
    private readonly index: TreeIndex,
    readonly policy: ReachPolicy,
  ) {
    this.build();
    this.propagate();
  }

  /** The decision for one resolved call, or null when it does not cross into another library's code. */
  decide(call: ResolvedCall): GateDecision | null {
    if (!CROSS_CLASSES.has(call.class)) return null;
    // a macro written at file scope declares something (a test case, a tracepoint): no call runs there
    if (call.class === 'macro' && call.site.inFunction === null) return null;
    const file = this.index.file(call.file);
    if (!file || file.library === null) return null;
    const domain = call.class === 'macro' ? this.macroLibrary(call.site.callee, file.library) : call.calleeLibrary;
    if (domain === null || domain === file.library) return null;
    const name = call.site.callee;
    if (this.policy.neverGate.has(name)) return { needed: false, domain, reason: `the project file lists ${name} under no-gate` };
    if (this.policy.alwaysGate.has(name)) return { needed: true, domain, reason: `the project file lists ${name} under gate` };
    if (this.policy.callerDomain.has(domain)) return { needed: false, domain, reason: `${domain} runs in the caller's domain (${this.callerDomainSource(domain)})` };
    const keys = this.calleeKeys(file, call.site);
    if (keys.length === 0) return { needed: true, domain, reason: `the definition of ${name} was not found, so what it touches is unknown` };
    for (const key of keys) {
      if (this.impure.has(key)) return { needed: true, domain, reason: this.explain(key) };
    }
    return { needed: false, domain, reason: `${this.nodes.get(keys[0]!)!.label} is pure: it touches only its arguments and locals and calls only pure code` };
  }

  /** `f() uses the global 'x'`, or `f() reaches g() → h(), which uses the global 'x'`. */
  explain(key: string): string {
    const labels: string[] = [];
    let at: string | null = key;
    let reason = '';
    while (at !== null) {
      const why: Impurity | undefined = this.impure.get(at);
      labels.push(this.nodes.get(at)?.label ?? at);
      if (!why) break;
      if (why.via === null || labels.length > 12) {
        reason = why.via === null ? why.reason : '…';
        break;
      }
      at = why.via;
    }
    if (labels.length === 1) return `${labels[0]} ${reason}`;
    return `${labels[0]} reaches ${labels.slice(1).join(' → ')}, which ${reason}`;
  }

  private callerDomainSource(domain: string): string {
    return this.index.aliases.get('libc') === domain ? "the deployment's libc" : 'declared in the project file';
  }

  private macroLibrary(name: string, callerLibrary: string): string | null {
    const owners = this.index.macroLibraries(name).filter((l): l is string => l !== null);
    if (owners.includes(callerLibrary) || owners.length === 0) return null;
    return owners.sort()[0]!;
  }

  private functionKey(file: string, name: string, isStatic: boolean): string {
    return isStatic ? `${file}#${name}` : `fn:${name}`;
  }

  /**
   * Graph nodes a call from `file` may run. A name that is a macro somewhere and a function
   * elsewhere (`uk_printk`: a macro, or an empty inline in the `#else` branch) may be either.
   */
  private calleeKeys(file: FileFacts, site: CallSite): string[] {
    const keys = this.functionKeys(file, site);
    const macro = `macro:${site.callee}`;
    if (this.nodes.has(macro) && !keys.includes(macro)) keys.push(macro);
    return keys;
  }

  private functionKeys(file: FileFacts, site: CallSite): string[] {
    const name = site.callee;
    const target = resolveFunctionName(this.index, file, name);
    switch (target.class) {
      case 'intra': {
        if (fileTables(file).staticFunctions.has(name)) return [`${file.path}#${name}`];
        const inline = this.index.headerInlines(name).filter((d) => d.library === file.library);
        if (inline.length > 0 && this.index.definitions(name).length === 0) return inline.map((d) => `${d.file}#${name}`);
        return this.nodes.has(`fn:${name}`) ? [`fn:${name}`] : [];
      }
      case 'inline-header':
        return this.index.headerInlines(name).filter((d) => d.library === target.library).map((d) => `${d.file}#${name}`);
      case 'macro':
        return this.nodes.has(`macro:${name}`) ? [`macro:${name}`] : [];
      case 'external':
        return this.index.rootInlines(name).map((d) => `${d.file}#${name}`);
      default:
        return this.nodes.has(`fn:${name}`) ? [`fn:${name}`] : [];
    }
  }

  /** An edge from a node to what one call of its body runs, or the reason the call itself is impure. */
  private edgeOrReason(file: FileFacts, site: CallSite): { keys: string[] } | { reason: string } | null {
    // `(T)(x)` with T a typedef of the tree reads as a call but is a cast
    if (site.indirect) return isTypedefCast(this.index, site) ? null : { reason: 'calls through a function pointer' };
    const name = site.callee;
    if (this.policy.alwaysGate.has(name)) return { reason: `calls ${name}, which the project file lists under gate` };
    if (this.policy.neverGate.has(name)) return null;
    const target = resolveFunctionName(this.index, file, name);
    if (target.library !== null && target.library !== file.library && this.policy.callerDomain.has(target.library)) return null;
    if (target.class === 'macro') {
      const owners = this.index.macroLibraries(name);
      if (owners.some((l) => l !== null && this.policy.callerDomain.has(l))) return null;
    }
    const keys = this.calleeKeys(file, site);
    if (keys.length > 0) return { keys };
    if (target.class === 'external') return this.policy.absentSources === 'gate' ? { reason: `calls ${name}, whose source is not in the tree` } : null;
    return null;
  }

  private addNode(key: string, label: string): Node {
    let node = this.nodes.get(key);
    if (!node) {
      node = { key, label, own: null, edges: [] };
      this.nodes.set(key, node);
    }
    return node;
  }

  private isVariable(file: FileFacts, name: string): boolean {
    return fileTables(file).globals.has(name) || this.index.isSharedVariableName(name);
  }

  private build(): void {
    const pending: { node: Node; file: FileFacts; site: CallSite }[] = [];
    for (const file of this.index.files) {
      const callsByFunction = new Map<string, CallSite[]>();
      for (const site of file.calls) {
        if (site.inFunction === null || isTypedefCast(this.index, site)) continue;
        const list = callsByFunction.get(site.inFunction);
        if (list) list.push(site);
        else callsByFunction.set(site.inFunction, [site]);
      }
      for (const fn of file.functions) {
        const node = this.addNode(this.functionKey(file.path, fn.name, fn.linkage === 'static'), `${fn.name}()`);
        const global = (fn.freeNames ?? []).find((n) => this.isVariable(file, n));
        if (node.own === null && global !== undefined) node.own = `uses the global '${global}'`;
        for (const site of callsByFunction.get(fn.name) ?? []) pending.push({ node, file, site });
      }
      for (const body of file.macroBodies ?? []) {
        const node = this.addNode(`macro:${body.name}`, `${body.name}`);
        const global = body.names.find((n) => this.isVariable(file, n));
        if (node.own === null && global !== undefined) node.own = `uses the global '${global}'`;
        for (const callee of body.calls) {
          pending.push({ node, file, site: { callee, span: { start: 0, end: 0 }, calleeSpan: { start: 0, end: 0 }, argsSpan: { start: 0, end: 0 }, args: [], inFunction: null, context: 'expression', indirect: false } });
        }
      }
    }
    // edges keep their first-seen order; the sets only make the duplicate test constant-time
    const seen = new Map<Node, Set<string>>();
    for (const { node, file, site } of pending) {
      const edge = this.edgeOrReason(file, site);
      if (edge === null) continue;
      if ('reason' in edge) {
        node.own ??= edge.reason;
        continue;
      }
      let has = seen.get(node);
      if (!has) {
        has = new Set(node.edges);
        seen.set(node, has);
      }
      for (const key of edge.keys) {
        if (key === node.key || has.has(key)) continue;
        has.add(key);
        node.edges.push(key);
      }
    }
  }

  private propagate(): void {
    const callers = new Map<string, string[]>();
    const keys = [...this.nodes.keys()].sort();
    for (const key of keys) {
      for (const to of this.nodes.get(key)!.edges) {
        const list = callers.get(to);
        if (list) list.push(key);
        else callers.set(to, [key]);
      }
    }
    const queue: string[] = [];
    for (const key of keys) {
      const own = this.nodes.get(key)!.own;
      if (own !== null) {
        this.impure.set(key, { reason: own, via: null });
        queue.push(key);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      const key = queue[i]!;
      for (const caller of callers.get(key) ?? []) {
        if (this.impure.has(caller)) continue;
        this.impure.set(caller, { reason: `reaches ${this.nodes.get(key)!.label}`, via: key });
        queue.push(caller);
      }
    }
  }
}

/** The default policy: the deployment's libc runs in the caller's domain; absent sources too. */
export function defaultReachPolicy(index: TreeIndex): ReachPolicy {
  const libc = index.aliases.get('libc');
  return { callerDomain: new Set(libc ? [libc] : []), absentSources: 'caller-domain', alwaysGate: new Set(), neverGate: new Set() };
}

