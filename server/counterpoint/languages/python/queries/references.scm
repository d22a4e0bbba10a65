; Names a selection uses: bare identifiers and attribute names (for self.method calls).
(identifier) @reference
(attribute attribute: (identifier) @reference)
