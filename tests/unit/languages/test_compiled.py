"""The shared driver for compiled languages: a family whose tests do not compile is dropped and
reported; the others still run."""

import subprocess

from counterpoint.languages.compiled import (
    EXPECTED_FILE,
    expected_lines,
    family_driver,
    family_file,
    read_family_log,
    unrun_errors,
)

# A toy "compiler": the build fails while any enabled file says BAD.
DRIVER = family_driver(
    ext="txt",
    setup='pkg="$1"',
    build='  if grep -l BAD "$pkg"/* >/dev/null 2>&1; then echo "x.txt:1: error: BAD" >"$1"; '
    "return 1; fi",
    enable='  cp "$1" "$pkg/"',
    disable='  rm -f "$pkg/$(basename "$1")"',
    errors="grep error",
    run='ls "$pkg" >> "$results"',
)


def test_the_driver_keeps_the_families_that_compile_and_reports_the_others(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "code.txt").write_text("fine\n")
    (tmp_path / "_counterpoint").mkdir()
    (tmp_path / family_file("claude", "txt")).write_text("good\n")
    (tmp_path / family_file("gpt", "txt")).write_text("BAD\n")
    (tmp_path / EXPECTED_FILE).write_text(
        expected_lines([("claude", "claude", ["t1"]), ("gpt", "gpt", ["t2"])])
    )
    (tmp_path / "drive.sh").write_text(DRIVER)
    subprocess.run(["sh", "drive.sh", "results.txt", "pkg"], cwd=tmp_path, check=True)
    log = read_family_log((tmp_path / "results.txt").read_text())
    assert log.expected == {"t1": ("claude", "claude"), "t2": ("gpt", "gpt")}
    assert log.dropped == {"gpt": ["x.txt:1: error: BAD"]}
    assert log.lines == ["code.txt", "model_claude.txt"]  # what the run saw in the package

    errors = unrun_errors(
        log, {"t1"}, ["w1"], "", lambda _family, name: name, lambda family: family
    )
    assert [(e.id, e.source, e.outcome, e.message) for e in errors] == [
        ("t2", "gpt", "error", "gpt's tests did not compile: x.txt:1: error: BAD")
    ]
    broken = unrun_errors(log, set(), ["w1"], "a.go:1: oops", lambda _f, n: n, lambda f: f)
    assert [(e.id, e.message) for e in broken] == [
        ("w1", "did not compile: a.go:1: oops"),
        ("t1", "did not compile: a.go:1: oops"),
        ("t2", "gpt's tests did not compile: x.txt:1: error: BAD"),
    ]
