; Nodes the per-file analysis reads. One query, run natively, so the analysis only touches the
; nodes it needs (walking every node from JavaScript is ~100x slower on large files).
(function_definition) @function
(declaration) @declaration
(call_expression) @call
(preproc_include) @include
; the definition, not its name: its value and parameters are read from it without a .parent
(preproc_def name: (identifier)) @macro
(preproc_function_def name: (identifier)) @macro
; identifiers in value positions: a function name here means its address is taken
; (plain identifier call arguments are read with their call, which is cheaper than a capture each)
(init_declarator value: (identifier) @value)
(assignment_expression right: (identifier) @value)
(initializer_list (identifier) @value)
(initializer_pair value: (identifier) @value)
(return_statement (identifier) @value)
(pointer_expression argument: (identifier) @value)
(cast_expression value: (identifier) @value)
; typedefs: `(T)(x)` with T a typedef parses as a call, resolution needs the names to tell;
; port asks what each name stands for
(type_definition) @typedef
