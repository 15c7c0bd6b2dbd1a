import type { CallbackAnnotation, FunctionDef } from '../analyze/model.js';
import { gateMechanism, type Deployment } from './deployment.js';
import type { FileEdits } from './edits.js';
import { removeWithLeadingSpace } from './shared-data.js';
import { resolveLibraryName } from '../analyze/library-names.js';
import type { TreeIndex } from '../analyze/index.js';
import { USERSPACE_FORMS, type TargetForms } from './target-forms.js';

/**
 * `__attribute__((libX_callback)) T cb(P)`: library X calls cb through a pointer. When X sits in
 * another compartment, the original becomes cb__flexos_impl and cb becomes a wrapper in
 * .text_shared that gates from X's compartment into cb's (SPEC §4).
 */
export function rewriteCallback(edits: FileEdits, fn: FunctionDef, note: CallbackAnnotation, index: TreeIndex, d: Deployment, view: string, forms: TargetForms = USERSPACE_FORMS): void {
  removeWithLeadingSpace(edits, note.attribute.span.start, note.attribute.span.end);
  const library = resolveLibraryName(index, note.library)?.library;
  if (!library) {
    edits.report('callback-unknown-library', 'error', note.attribute.span, `callback attribute names '${note.library}', which is neither a library of the tree nor one the configuration names; fix the name or add the library under the configuration's libraries:`);
    return;
  }
  const callee = d.compartmentOf.get(edits.facts.library ?? '') ?? d.defaultId;
  const caller = d.compartmentOf.get(library.name) ?? d.defaultId;
  if (callee === caller && !forms.alwaysWrapCallbacks) return;
  const unnamed = fn.params.find((p) => p.name === null);
  if (unnamed || fn.variadic) {
    edits.report('callback-signature', 'error', fn.nameSpan, `callback '${fn.name}' needs named, non-variadic parameters so a wrapper can forward them`);
    return;
  }
  if (fn.params.length > 6) {
    edits.report('gate-too-many-arguments', 'error', fn.nameSpan, `callback '${fn.name}' takes ${fn.params.length} parameters; a gate forwards at most 6`);
    return;
  }
  const impl = forms.callbackImpl(fn.name);
  edits.code.overwrite(fn.nameSpan.start, fn.nameSpan.end, impl);
  // the view has attributes blanked, so this is the bare specifier text
  const prefix = view.slice(fn.span.start, fn.nameSpan.start).replace(/\s+/g, ' ').trim();
  const signature = view.slice(fn.nameSpan.end, fn.body.start).replace(/\s+/g, ' ').trim();
  const mech = gateMechanism(d, caller, callee);
  const args = fn.params.map((p) => p.name).join(', ');
  const call = fn.returnsVoid
    ? `flexos_${mech}_gate(${caller}, ${callee}, ${impl}${args ? ', ' + args : ''});`
    : `${fn.returnType} flexos_ret; flexos_${mech}_gate_r(${caller}, ${callee}, flexos_ret, ${impl}${args ? ', ' + args : ''}); return flexos_ret;`;
  const wrapper = `\n\n/* flexos: ${library.name} calls ${fn.name} through a pointer; the wrapper gates into compartment ${callee}. */\n__attribute__((section(".text_shared"))) ${prefix} ${fn.name}${signature}\n{\n\t${call}\n}`;
  edits.code.appendLeft(fn.span.end, wrapper);
}
