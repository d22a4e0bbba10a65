; Module-level imports, sent as context so a proposal keeps using the same names.
(module (import_statement) @import)
(module (import_from_statement) @import)
(module (future_import_statement) @import)
