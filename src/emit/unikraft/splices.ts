import MagicString from 'magic-string';
import type { Deployment } from '../../transform/deployment.js';
import { BLOCK_END, REWRITTEN_SUFFIX, type MarkerSite } from './markers.js';
import type { MarkerRule } from './rules.js';

/**
 * PKRU while compartment `id` runs under FlexOS's intel-pku: access and write disable set for
 * every key 0..14 except `id`; key 15 (bits 30-31, the shared domain) always open. kraft's
 * template wrote `0x3fffffff & ~(0x3 << (N + 1))`, which is this value only for N = 1.
 */
export function pkruFor(id: number): string {
  const value = (0x3fffffff & ~(0x3 << (2 * id))) >>> 0;
  return '0x' + value.toString(16).padStart(8, '0');
}

export interface SpliceContext {
  deployment: Deployment;
  privateStacks: boolean;
}

/** Fills {{id}}, {{pkru}} and {{compartment_of <library>}} in one template. */
export function renderTemplate(template: string, ctx: SpliceContext, id: number | null): string {
  return template
    .replace(/\{\{\s*compartment_of\s+([A-Za-z0-9_-]+)\s*\}\}/g, (_, lib: string) => String(ctx.deployment.compartmentOf.get(lib) ?? ctx.deployment.defaultId))
    .replace(/\{\{\s*id\s*\}\}/g, () => String(id ?? ctx.deployment.defaultId))
    .replace(/\{\{\s*pkru\s*\}\}/g, () => pkruFor(id ?? ctx.deployment.defaultId));
}

/** What replaces one marker comment: the rule's template per isolated compartment, or once. */
export function markerReplacement(rule: MarkerRule | undefined, ctx: SpliceContext): string {
  if (!rule) return '';
  if (rule.privateStacksOnly && !ctx.privateStacks) return '';
  if (rule.each === 'once') return renderTemplate(rule.template, ctx, null);
  return ctx.deployment.compartments
    .filter((c) => c.id !== ctx.deployment.defaultId)
    .map((c) => renderTemplate(rule.template, ctx, c.id))
    .join('');
}

/**
 * Replaces every marker with its splice, bracketed by the marker (marked rewritten) and an end
 * comment: a marker alone on its line becomes lines of their own (the splice keeps its own
 * indentation), one inside a line stays inside it. A block from an earlier rewrite is rendered
 * again in place, so rewriting the output changes nothing.
 */
export function spliceMarkers(text: string, sites: MarkerSite[], rules: ReadonlyMap<string, MarkerRule>, ctx: SpliceContext): string {
  if (sites.length === 0) return text;
  const code = new MagicString(text);
  for (const site of sites) {
    const replacement = markerReplacement(rules.get(site.text), ctx);
    const open = `/* __FLEXOS MARKER__: ${site.text}${REWRITTEN_SUFFIX} */`;
    const lineStart = text.lastIndexOf('\n', site.start - 1) + 1;
    const lineEnd = text.indexOf('\n', site.end);
    const indent = text.slice(lineStart, site.start);
    const aloneOnLine = /^[ \t]*$/.test(indent) && /^[ \t]*$/.test(text.slice(site.end, lineEnd === -1 ? text.length : lineEnd));
    if (aloneOnLine) {
      const body = replacement === '' || replacement.endsWith('\n') ? replacement : `${indent}${replacement}\n`;
      code.overwrite(lineStart, lineEnd === -1 ? text.length : lineEnd, `${indent}${open}\n${body}${indent}${BLOCK_END}`);
    } else {
      code.overwrite(site.start, site.end, `${open}${replacement.replace(/\n$/, '')}${BLOCK_END}`);
    }
  }
  return code.toString();
}
