/** Statement node types of tree-sitter-c that can hold a call (a call's statement is the first). */
export const STATEMENT_TYPES: ReadonlySet<string> = new Set([
  'expression_statement',
  'return_statement',
  'declaration',
  'if_statement',
  'while_statement',
  'do_statement',
  'for_statement',
  'switch_statement',
  'case_statement',
  'labeled_statement',
  'goto_statement',
  'compound_statement',
]);
