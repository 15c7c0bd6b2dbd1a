/** SPEC §7: a gate passes at most 6 arguments (they travel in registers). */
import { MAX_GATE_ARGUMENTS } from './context.js';
import { gateCheck } from './gate-check.js';

export const gateTooManyArguments = gateCheck({
  code: 'gate-too-many-arguments',
  severity: 'error',
  summary: `gate with more than ${MAX_GATE_ARGUMENTS} arguments`,
  origin: 'SPEC §7',
  deploymentDependent: false,
  gate(g, _t, _ctx, report) {
    if (g.site.args.length <= MAX_GATE_ARGUMENTS) return;
    const extra = g.site.args[MAX_GATE_ARGUMENTS]!;
    const message = `gate passes ${g.site.args.length} arguments to ${g.site.callee}(); at most ${MAX_GATE_ARGUMENTS} fit in registers — pass a pointer to a shared struct instead`;
    // FlexOS builds such a gate while its `#ifdef DEBUG_…` group is compiled out (as rewrite says)
    if (g.site.conditional === undefined) report(g.file, extra.span, message);
    else report(g.file, extra.span, `${message}; it is under '${g.site.conditional}' and builds only while that group is compiled out`, [], 'warning');
  },
});
