; Module-level assignments (constants, aliases, tables) a selection may read.
(module
  (expression_statement
    (assignment left: (identifier) @name) @constant))
