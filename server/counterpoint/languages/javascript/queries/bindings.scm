; Locals, for comparing proposals modulo consistent renaming (core/compare.py).
(function_declaration) @scope
(function_expression) @scope
(arrow_function) @scope
(method_definition) @scope
(class_body) @scope.keep

(formal_parameters (identifier) @binding)
(formal_parameters (assignment_pattern left: (identifier) @binding))
(arrow_function parameter: (identifier) @binding)
(variable_declarator name: (identifier) @binding)
(for_in_statement left: (identifier) @binding)

(member_expression property: (property_identifier) @member)
