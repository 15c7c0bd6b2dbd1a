import type { MacroSite } from '../parse/parse-view.js';
import { splitTopLevel } from '../parse/parse-view.js';
import type { AttributeUse, Span } from './model.js';

/** Attribute-like macro sites as AttributeUse (placement is decided when attached). */
export function attributeUses(sites: readonly MacroSite[]): AttributeUse[] {
  const uses: AttributeUse[] = [];
  for (const site of sites) {
    if (site.kind === 'attribute') uses.push(fromAttribute(site));
    else if (site.kind === 'blank-call' && site.name === '__section') {
      uses.push({
        names: ['section'],
        text: site.argsText,
        span: { start: site.start, end: site.end },
        placement: 'before',
        section: stringArgument(site.argsText.slice(1, -1)),
      });
    }
  }
  return uses;
}

function fromAttribute(site: MacroSite): AttributeUse {
  // argsText is `((a, b(c)))`: strip the two outer parentheses
  const inner = site.argsText.replace(/^\(\s*\(/, '').replace(/\)\s*\)$/, '');
  const names: string[] = [];
  let section: string | undefined;
  for (const part of splitTopLevel(inner)) {
    const m = /^\s*([A-Za-z_]\w*)\s*(\(([\s\S]*)\))?\s*$/.exec(part);
    if (!m) continue;
    const name = m[1]!.replace(/^__(.*)__$/, '$1');
    names.push(name);
    if (name === 'section' && m[3] !== undefined) section = stringArgument(m[3]);
  }
  const use: AttributeUse = { names, text: site.argsText, span: { start: site.start, end: site.end }, placement: 'before' };
  if (section !== undefined) use.section = section;
  return use;
}

function stringArgument(text: string): string | undefined {
  const m = /^\s*"((?:\\.|[^"\\])*)"\s*$/.exec(text);
  return m ? m[1] : undefined;
}

export function isWhitelist(a: AttributeUse): boolean {
  return a.names.includes('flexos_whitelist');
}

export function sharedSection(a: AttributeUse): boolean {
  return a.section === '.data_shared';
}

/** `lib<X>_callback` → `lib<X>`. */
export function callbackLibrary(a: AttributeUse): string | null {
  for (const n of a.names) {
    const m = /^(lib\w+)_callback$/.exec(n);
    if (m) return m[1]!;
  }
  return null;
}

export function isAnnotation(a: AttributeUse): boolean {
  return isWhitelist(a) || sharedSection(a) || callbackLibrary(a) !== null;
}

export function within(inner: Span, outer: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}
