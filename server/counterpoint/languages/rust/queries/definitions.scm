; Definitions that can enclose a selection or be named by it.
; @definition.* is the whole node, @name its identifier, @body where the signature ends.
(function_item
  name: (identifier) @name
  body: (block) @body) @definition.function

(impl_item
  type: (_) @name
  body: (declaration_list) @body) @definition.impl

(trait_item
  name: (type_identifier) @name
  body: (declaration_list) @body) @definition.trait

(struct_item
  name: (type_identifier) @name
  body: (field_declaration_list) @body) @definition.struct

(enum_item
  name: (type_identifier) @name
  body: (enum_variant_list) @body) @definition.enum

(mod_item
  name: (identifier) @name
  body: (declaration_list) @body) @definition.module
