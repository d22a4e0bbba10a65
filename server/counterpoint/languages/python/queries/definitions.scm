; Definitions that can enclose a selection or be named by it.
; @definition.* is the whole node, @name its identifier, @body where the signature ends.
(function_definition
  name: (identifier) @name
  body: (block) @body) @definition.function

(class_definition
  name: (identifier) @name
  body: (block) @body) @definition.class
