; A definition's docstring: the first statement of its body when it is a string.
(function_definition
  body: (block . (expression_statement (string) @docstring)))
(class_definition
  body: (block . (expression_statement (string) @docstring)))
