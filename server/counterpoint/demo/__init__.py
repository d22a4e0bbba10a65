"""`counterpoint demo`: a cross-check of a bundled sample project on recorded replies (run.py),
answered through the real SDK clients by a local replay server (replay.py)."""
