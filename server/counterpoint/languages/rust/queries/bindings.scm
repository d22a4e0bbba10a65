; Locals, for comparing proposals modulo consistent renaming (core/compare.py).
; @scope: names bound inside are locals; @binding: an identifier bound in its innermost scope;
; @member: identifiers naming a path segment or a macro, never a variable.
(function_item) @scope
(closure_expression) @scope

(parameter pattern: (identifier) @binding)
(closure_parameters (identifier) @binding)
(let_declaration pattern: (identifier) @binding)
(for_expression pattern: (identifier) @binding)
(tuple_pattern (identifier) @binding)
(reference_pattern (identifier) @binding)
(let_condition pattern: (identifier) @binding)

(scoped_identifier path: (identifier) @member)
(scoped_identifier name: (identifier) @member)
(macro_invocation macro: (identifier) @member)
