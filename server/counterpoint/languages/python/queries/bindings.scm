; Locals, for comparing proposals modulo consistent renaming (core/compare.py).
; @scope: names bound directly inside are locals (renamed); @scope.keep: names bound there are
; attributes, not locals (never renamed, and invisible from nested scopes).
; @binding: an identifier bound in its innermost scope. @global / @nonlocal: names a scope
; declares as not its own. @member: identifiers naming an attribute, a keyword argument or an
; imported module, never a variable.
(function_definition) @scope
(lambda) @scope
(list_comprehension) @scope
(set_comprehension) @scope
(dictionary_comprehension) @scope
(generator_expression) @scope
(class_definition) @scope.keep

; Parameters
(parameters (identifier) @binding)
(lambda_parameters (identifier) @binding)
(default_parameter name: (identifier) @binding)
(typed_parameter . (identifier) @binding)
(typed_default_parameter name: (identifier) @binding)
(list_splat_pattern (identifier) @binding)
(dictionary_splat_pattern (identifier) @binding)

; Assignment, for, with / except, comprehension and walrus targets
(assignment left: (identifier) @binding)
(augmented_assignment left: (identifier) @binding)
(named_expression name: (identifier) @binding)
(for_statement left: (identifier) @binding)
(for_in_clause left: (identifier) @binding)
(pattern_list (identifier) @binding)
(tuple_pattern (identifier) @binding)
(list_pattern (identifier) @binding)
(as_pattern_target (identifier) @binding)
(as_pattern_target (tuple (identifier) @binding))
(as_pattern_target (list (identifier) @binding))
(aliased_import alias: (identifier) @binding)

(global_statement (identifier) @global)
(nonlocal_statement (identifier) @nonlocal)

(attribute attribute: (identifier) @member)
(keyword_argument name: (identifier) @member)
(dotted_name (identifier) @member)
