/**
 * `flexos check`: boundary-aware diagnostics (SPEC §7, issue 9). Each check is a module of this
 * folder with a stable code; all of them read the analysis (TreeAnalysis), never the source
 * again, so the CLI, the language server and `port` agree on what crosses.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Span } from '../model.js';

/** One text edit of a quick fix, in byte offsets of a file of the tree. */
export interface TextEdit {
  file: string;
  start: number;
  end: number;
  newText: string;
}

/** A fix that is safe to apply without review (the language server offers it as a quick fix). */
export interface Fix {
  title: string;
  edits: TextEdit[];
}

export interface Finding extends Diagnostic {
  start: number;
  end: number;
  fixes: Fix[];
}

export interface CheckInfo {
  code: string;
  severity: Diagnostic['severity'];
  /** One line: what the check finds (README table, SARIF rule). */
  summary: string;
  /** The issue or SPEC item it answers. */
  origin: 'SPEC §7' | 'issue 9' | 'issue 11' | 'analysis';
  /** Depends on the configuration's compartments (without one, every library is isolated). */
  deploymentDependent: boolean;
}

export interface Check extends CheckInfo {
  run(ctx: import('./context.js').CheckContext, report: Reporter): void;
}

export interface Reporter {
  /** A finding of the running check at a span of a file. */
  (file: string, span: Span, message: string, fixes?: Fix[], severity?: Diagnostic['severity']): void;
  /** Passes on a diagnostic the analysis made (its own code and severity). */
  analysis(d: Diagnostic): void;
}
