; Definitions that can enclose a selection or be named by it.
; @definition.* is the whole node, @name its identifier, @body where the signature ends.
(function_declaration
  name: (identifier) @name
  body: (block) @body) @definition.function

(method_declaration
  name: (field_identifier) @name
  body: (block) @body) @definition.method

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (struct_type) @body)) @definition.struct

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (interface_type) @body)) @definition.interface
