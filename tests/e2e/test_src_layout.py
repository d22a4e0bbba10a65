"""A src-layout project (src/pkg/…, tests importing `pkg`) runs its tests on the proposals,
without the project being installed."""

from tests.e2e.scripts import check_json, script_fix_and_bug

ORIGINAL = "def double(x):\n    return x + x + 1\n"
FIXED = "def double(x):\n    return x * 2\n"
WRONG = "def double(x):\n    return x + 2\n"


def test_a_src_layout_projects_tests_run_on_the_proposals(fake_providers, tmp_path):
    project = tmp_path / "proj"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'pkg'\nversion = '0'\n")
    (project / "src" / "pkg" / "__init__.py").write_text("")
    (project / "src" / "pkg" / "calc.py").write_text(ORIGINAL)
    (project / "tests" / "test_calc.py").write_text(
        "from pkg.calc import double\n\n\ndef test_double():\n    assert double(3) == 6\n"
    )
    script_fix_and_bug(fake_providers, FIXED, WRONG)
    report = check_json(fake_providers, project / "src" / "pkg" / "calc.py", "1-2", tmp_path)
    runs = {e["proposal"]: e for e in report["executions"]}
    assert runs["original"]["failed"] == 1, runs["original"]
    assert runs["claude"]["status"] == "ran" and runs["claude"]["passed"] == 1, runs["claude"]
    assert runs["gpt"]["failed"] == 1, runs["gpt"]
