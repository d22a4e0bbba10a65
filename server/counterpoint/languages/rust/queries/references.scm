; Names a selection uses: identifiers, method and field names, and type names.
(identifier) @reference
(field_identifier) @reference
(type_identifier) @reference
