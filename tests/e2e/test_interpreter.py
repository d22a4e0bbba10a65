"""`counterpoint check` runs a project's tests in the virtualenv the user activated outside the
project; without it, the report names the interpreter it used and the import that failed."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from lsprotocol import types

from tests.e2e.conftest import open_fixture, started_client, whole_lines
from tests.e2e.scripts import FIXED, VARIANT, run_check, script_disagreement, script_fix_and_bug
from tests.e2e.test_cli import FIXTURE
from tests.e2e.test_crosscheck import cross_check

DEPENDENCY = "outside_dep"  # installed only in the activated virtualenv


def project_needing_a_dependency(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(FIXTURE.parent, project)
    with (project / "windows.py").open("a") as module:
        module.write(f"\n\nimport {DEPENDENCY}  # noqa: E402\n\n\ndef name():\n")
        module.write(f"    return {DEPENDENCY}.NAME\n")
    return project / "windows.py"


def activated_virtualenv(tmp_path: Path, *, with_dependency: bool = True) -> Path:
    """A real virtualenv outside the project with pytest (this suite's own packages, through a
    .pth file) and, if asked, the dependency installed."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    (site,) = env.glob("lib/python3*/site-packages")
    (site / "suite.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    if with_dependency:
        install_dependency(env)
    return env


def install_dependency(env: Path) -> None:
    (site,) = env.glob("lib/python3*/site-packages")
    (site / f"{DEPENDENCY}.py").write_text("NAME = 'outside'\n")


def pipx_style_install(tmp_path: Path) -> Path:
    """Counterpoint in a virtualenv of its own without pytest, as pipx installs it: this suite's
    packages linked into its site-packages, pytest's left out."""
    env = tmp_path / "pipx" / "counterpoint"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    (site,) = env.glob("lib/python3*/site-packages")
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if entry.name.split("-")[0] in ("pytest", "_pytest", "py.py"):
            continue
        (site / entry.name).symlink_to(entry)
    python = env / "bin" / "python"
    assert subprocess.run([python, "-c", "import pytest"], capture_output=True).returncode != 0
    assert subprocess.run([python, "-c", "import counterpoint"]).returncode == 0
    return python


def test_the_activated_virtualenv_runs_the_tests(fake_providers, tmp_path):
    """Its missing dependency is reported; once installed, the tests run again and pass."""
    target = project_needing_a_dependency(tmp_path)
    env = activated_virtualenv(tmp_path, with_dependency=False)
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    check = (str(target), "--lines", "1-7", "--json")
    activated = {**fake_providers.env(), "VIRTUAL_ENV": str(env)}
    result = run_check(activated, *check, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    before = json.loads(result.stdout)
    assert before["execution"]["interpreter"] == str(env / "bin" / "python")
    error = f"ModuleNotFoundError: No module named '{DEPENDENCY}'"
    assert [e["collection_error"] for e in before["executions"]] == [error] * 3

    install_dependency(env)
    result = run_check(activated, *check, tmp_path=tmp_path)  # the same caches
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    setup = report["execution"]
    assert setup["interpreter"] == str(env / "bin" / "python")
    assert (setup["interpreter_source"], setup["interpreter_reason"]) == (
        "virtual_env",
        "the activated virtualenv (VIRTUAL_ENV)",
    )
    by_version = {e["proposal"]: e for e in report["executions"]}
    assert all(e["collection_error"] is None for e in by_version.values()), by_version
    assert by_version["claude"]["failed"] == by_version["claude"]["errors"] == 0
    assert by_version["claude"]["passed"] > 0
    assert report["confidence"]["label"] == "verified-one"
    assert report["recommended"] == "claude"
    assert any(note.startswith("behaviour compared on ") for note in setup["notes"])


def test_without_it_the_report_names_the_interpreter_and_the_failed_import(
    fake_providers, tmp_path
):
    target = project_needing_a_dependency(tmp_path)
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    check = (str(target), "--lines", "1-7")
    result = run_check(fake_providers.env(), *check, "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # The suite puts its own interpreter's folder first on PATH (tests/conftest.py).
    python3 = Path(sys.executable).parent / "python3"
    assert (report["execution"]["interpreter"], report["execution"]["interpreter_source"]) == (
        str(python3),
        "path",
    )
    error = f"ModuleNotFoundError: No module named '{DEPENDENCY}'"
    assert [e["collection_error"] for e in report["executions"]] == [error] * 3
    assert report["execution"]["behaviour"]["compared_calls"] == 0

    # The same report as text (from the caches: no model call, no test run).
    result = run_check(fake_providers.env(), *check, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"Python: {python3} (python3 on PATH, which has pytest)" in text, text
    assert f"Tests could not be loaded (the original, Claude, GPT): {error}" in text, text
    assert "both-fail" in text
    assert "behaviour compared on" not in text
    assert "behaviour not compared: neither version could be imported" in text, text


def test_a_pipx_style_install_runs_the_tests_with_the_python3_on_path_that_has_pytest(
    fake_providers, tmp_path
):
    """No .venv in the project, nothing activated, Counterpoint's own Python without pytest."""
    counterpoint = pipx_style_install(tmp_path)
    with_pytest = activated_virtualenv(tmp_path)  # not activated: only its python3 is on PATH
    project = tmp_path / "project"
    shutil.copytree(FIXTURE.parent, project)
    script_fix_and_bug(fake_providers, FIXED, VARIANT)
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
    path = os.pathsep.join([str(with_pytest / "bin"), "/usr/bin", "/bin"])
    result = subprocess.run(
        [counterpoint, "-m", "counterpoint", "check", str(project / "windows.py"), "--lines", "1-7",
         "--json"],
        env={**clean, **fake_providers.env(), "PATH": path,
             "COUNTERPOINT_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    setup = report["execution"]
    assert (setup["interpreter"], setup["interpreter_source"]) == (
        str(with_pytest / "bin" / "python3"),
        "path",
    ), setup
    claude = next(e for e in report["executions"] if e["proposal"] == "claude")
    assert claude["passed"] > 0 and claude["failed"] == claude["errors"] == 0
    assert report["confidence"]["label"] == "verified-one"


async def test_the_interpreter_the_editor_selected_runs_the_tests(fake_providers, tmp_path):
    """VS Code's client sends the Python extension's choice as `editorPython`; with nothing
    activated and no .venv in the project, the server takes it and the hover says so."""
    selected = activated_virtualenv(tmp_path) / "bin" / "python"  # not activated here
    options = {"editorPython": str(selected)}
    async with started_client(fake_providers, tmp_path, options) as client:
        script_disagreement(fake_providers)
        uri, _ = open_fixture(client)
        summary = await cross_check(client, uri, whole_lines(0, 6))
        assert summary["confidence"]["label"] == "verified-one"
        hover = await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(6, 12))
        )
    assert hover is not None
    assert f"_Python: {selected} (the interpreter selected in the editor)_" in hover.contents.value
