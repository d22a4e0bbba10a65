; Crate-level use declarations and extern crates, sent as context.
(source_file (use_declaration) @import)
(source_file (extern_crate_declaration) @import)
