; The package clause and the file's imports, sent as context.
(source_file (package_clause) @import)
(source_file (import_declaration) @import)
