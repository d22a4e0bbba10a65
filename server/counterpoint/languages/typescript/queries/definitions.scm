; Definitions that can enclose a selection or be named by it.
(function_declaration
  name: (identifier) @name
  body: (statement_block) @body) @definition.function

(class_declaration
  name: (type_identifier) @name
  body: (class_body) @body) @definition.class

(method_definition
  name: (property_identifier) @name
  body: (statement_block) @body) @definition.method

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function body: (_) @body) (function_expression body: (statement_block) @body)])) @definition.function
