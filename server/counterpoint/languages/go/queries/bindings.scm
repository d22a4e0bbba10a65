; Locals, for comparing proposals modulo consistent renaming (core/compare.py).
; @scope: names bound inside are locals; @binding: an identifier bound in its innermost scope;
; @member: identifiers naming a struct field in a keyed literal, never a variable.
(function_declaration) @scope
(method_declaration) @scope
(func_literal) @scope

(parameter_declaration name: (identifier) @binding)
(variadic_parameter_declaration name: (identifier) @binding)
(short_var_declaration left: (expression_list (identifier) @binding))
(var_spec name: (identifier) @binding)
(range_clause left: (expression_list (identifier) @binding))

(keyed_element . (literal_element (identifier) @member))
