from counterpoint.engine.privacy import ignoring_pattern


def test_default_patterns_cover_env_keys_and_secrets(tmp_path):
    for name, pattern in [
        (".env.local", ".env*"),
        ("server.pem", "*.pem"),
        ("id_ed25519", "id_*"),
        ("secrets.py", "secrets.*"),
    ]:
        assert ignoring_pattern(tmp_path / name, tmp_path) == pattern
    assert ignoring_pattern(tmp_path / "windows.py", tmp_path) is None


def test_the_workspace_ignore_file_adds_patterns(tmp_path):
    (tmp_path / ".counterpointignore").write_text("# private\nvendor/\n*_private.py\n")
    (tmp_path / "vendor").mkdir()
    assert ignoring_pattern(tmp_path / "vendor" / "lib.py", tmp_path) == "vendor/"
    assert ignoring_pattern(tmp_path / "pkg" / "keys_private.py", tmp_path) == "*_private.py"
    assert ignoring_pattern(tmp_path / "pkg" / "public.py", tmp_path) is None
