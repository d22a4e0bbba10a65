; Names a selection uses.
(identifier) @reference
(property_identifier) @reference
