"""Which Python runs a project's tests: the order it is looked for in, what is passed over and why,
what is never run on the host, and how often an interpreter is asked about itself.

The interpreters are real executables: small shell scripts that answer the question the server
asks (where they load from, whether they find pytest) and note each time they are run."""

from __future__ import annotations

import json
import os
from pathlib import Path

from counterpoint.languages.python.interpreter import choose_python, python_on_host

OWN_NAME = "own"


def fake_python(folder: Path, *, pytest: bool = True, name: str = "python", says: str = "") -> Path:
    """An interpreter at folder/bin/<name> that finds pytest when asked if `pytest` (or once
    folder/site/pytest exists) and appends a line to folder/ran each time it runs. `says` is the
    executable it reports (a pyenv shim reports the interpreter it leads to)."""
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    site = folder / "site"
    site.mkdir(exist_ok=True)
    if pytest:
        (site / "pytest").mkdir(exist_ok=True)
    python = folder / "bin" / name
    answer = {"executable": says or str(python), "paths": [str(site)]}
    found, missing = (json.dumps({**answer, "pytest": value}) for value in (True, False))
    python.write_text(
        "#!/bin/sh\n"
        f"echo ran >> '{folder / 'ran'}'\n"
        f"if [ -d '{site / 'pytest'}' ]; then echo '{found}'; else echo '{missing}'; fi\n"
    )
    python.chmod(0o755)
    return python


def runs_of(python: Path) -> int:
    ran = python.parent.parent / "ran"
    return len(ran.read_text().splitlines()) if ran.exists() else 0


def workspace_venv(root: Path, folder: str = ".venv", *, pytest: bool = True) -> Path:
    """A repository's committed virtualenv, whose python must never run on the host: it writes
    root/../ran-on-host if it does."""
    venv = root / folder
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    if pytest:
        (site / "pytest").mkdir()
    python = venv / "bin" / "python"
    python.write_text(f"#!/bin/sh\necho ran > '{root.parent / 'ran-on-host'}'\n")
    python.chmod(0o755)
    return python


class Machine:
    """A project and, around it, the interpreters a user's machine may have."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.root = tmp_path / "project"
        self.root.mkdir()
        (self.root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
        self.env: dict[str, str] = {"PATH": str(tmp_path / "empty-path")}
        self.own = fake_python(tmp_path / OWN_NAME)
        self.editor: str | None = None

    def on_path(self, *, pytest: bool, says: str = "") -> Path:
        python3 = fake_python(self.tmp / "path", pytest=pytest, name="python3", says=says)
        self.env["PATH"] = str(python3.parent)
        return python3

    def choose(self, configured: str | None = None):
        return choose_python(self.root, configured, self.editor, self.env, str(self.own))

    @property
    def ran_on_host(self) -> bool:
        return (self.tmp / "ran-on-host").exists()


def test_the_python_setting_comes_first_and_is_taken_as_it_is(tmp_path):
    machine = Machine(tmp_path)
    machine.env["VIRTUAL_ENV"] = str(fake_python(tmp_path / "activated").parent.parent)
    workspace_venv(machine.root)
    configured = fake_python(tmp_path / "mine", pytest=False)
    choice = machine.choose(str(configured))
    assert (choice.path, choice.source, choice.why) == (
        str(configured),
        "setting",
        "the python setting",
    )


def test_an_activated_virtualenv_comes_before_the_project_venv_the_editor_and_path(tmp_path):
    machine = Machine(tmp_path)
    activated = fake_python(tmp_path / "activated")
    machine.env["VIRTUAL_ENV"] = str(activated.parent.parent)
    machine.env["CONDA_PREFIX"] = str(fake_python(tmp_path / "conda").parent.parent)
    workspace_venv(machine.root)
    machine.editor = str(fake_python(tmp_path / "editor"))
    machine.on_path(pytest=True)
    choice = machine.choose()
    assert (choice.path, choice.source) == (str(activated), "virtual_env")
    assert choice.why == "the activated virtualenv (VIRTUAL_ENV)"
    assert choice.passed_over == () and not choice.in_workspace


def test_an_activated_conda_environment_is_next(tmp_path):
    machine = Machine(tmp_path)
    conda = fake_python(tmp_path / "conda")
    machine.env["CONDA_PREFIX"] = str(conda.parent.parent)
    workspace_venv(machine.root)
    choice = machine.choose()
    assert (choice.path, choice.source) == (str(conda), "conda")
    assert choice.why == "the activated conda environment (CONDA_PREFIX)"


def test_then_the_projects_venv_read_on_disk_and_never_run_on_the_host(tmp_path):
    machine = Machine(tmp_path)
    python = workspace_venv(machine.root, "venv")
    machine.editor = str(fake_python(tmp_path / "editor"))
    machine.on_path(pytest=True)
    choice = machine.choose()
    assert (choice.path, choice.source, choice.why) == (
        str(python),
        "project",
        "the project's venv",
    )
    assert choice.in_workspace
    assert not machine.ran_on_host


def test_then_the_interpreter_selected_in_the_editor(tmp_path):
    machine = Machine(tmp_path)
    editor = fake_python(tmp_path / "editor")
    machine.editor = str(editor)
    machine.on_path(pytest=True)
    choice = machine.choose()
    assert (choice.path, choice.source) == (str(editor), "editor")
    assert choice.why == "the interpreter selected in the editor"


def test_then_python3_on_path_when_it_has_pytest(tmp_path):
    machine = Machine(tmp_path)
    python3 = machine.on_path(pytest=True)
    choice = machine.choose()
    assert (choice.path, choice.source, choice.why) == (
        str(python3),
        "path",
        "python3 on PATH, which has pytest",
    )


def test_a_pyenv_shim_on_path_runs_the_interpreter_it_leads_to(tmp_path):
    machine = Machine(tmp_path)
    real = fake_python(tmp_path / "versions" / "3.12")
    machine.on_path(pytest=True, says=str(real))
    assert machine.choose().path == str(real)


def test_python3_without_pytest_is_passed_over_for_counterpoints_own(tmp_path):
    machine = Machine(tmp_path)
    python3 = machine.on_path(pytest=False)
    choice = machine.choose()
    assert (choice.path, choice.source, choice.why) == (
        str(machine.own),
        "own",
        "Counterpoint's own Python",
    )
    assert choice.passed_over == (
        f"passed over {python3} (python3 on PATH, which has pytest): pytest is not installed "
        f"for {python3}; install it there to run tests",
    )


def test_an_activated_environment_without_pytest_is_passed_over_and_said(tmp_path):
    machine = Machine(tmp_path)
    activated = fake_python(tmp_path / "activated", pytest=False)
    machine.env["VIRTUAL_ENV"] = str(activated.parent.parent)
    project = workspace_venv(machine.root)
    choice = machine.choose()
    assert choice.path == str(project)
    (said,) = choice.passed_over
    assert said.startswith(f"passed over {activated} (the activated virtualenv (VIRTUAL_ENV)): ")
    assert "pytest is not installed" in said


def test_when_none_has_pytest_the_first_interpreter_found_is_named_as_missing_it(tmp_path):
    machine = Machine(tmp_path)
    activated = fake_python(tmp_path / "activated", pytest=False)
    machine.env["VIRTUAL_ENV"] = str(activated.parent.parent)
    machine.on_path(pytest=False)
    machine.own = fake_python(tmp_path / "own-without", pytest=False)
    choice = machine.choose()
    assert (choice.path, choice.source) == (str(activated), "virtual_env")
    assert python_on_host(choice.path).missing == (
        f"pytest is not installed for {activated}; install it there to run tests"
    )
    assert not any(str(activated) in said for said in choice.passed_over)


def test_a_bin_python_that_leads_to_another_program_is_passed_over_unrun(tmp_path):
    machine = Machine(tmp_path)
    other = tmp_path / "odd" / "tool"
    other.parent.mkdir()
    other.write_text(f"#!/bin/sh\necho ran > '{tmp_path / 'tool-ran'}'\n")
    other.chmod(0o755)
    (tmp_path / "odd" / "bin").mkdir()
    (tmp_path / "odd" / "bin" / "python").symlink_to(other)
    machine.env["VIRTUAL_ENV"] = str(tmp_path / "odd")
    choice = machine.choose()
    assert choice.source == "own"
    assert choice.passed_over == (
        f"passed over {tmp_path / 'odd' / 'bin' / 'python'} (the activated virtualenv "
        f"(VIRTUAL_ENV)): it leads to {other}, which is not a Python interpreter",
    )
    assert not (tmp_path / "tool-ran").exists()


def test_a_missing_or_unexecutable_interpreter_is_passed_over(tmp_path):
    machine = Machine(tmp_path)
    machine.env["VIRTUAL_ENV"] = str(tmp_path / "gone")
    plain = fake_python(tmp_path / "plain")
    plain.chmod(0o644)
    machine.editor = str(plain)
    choice = machine.choose()
    assert choice.source == "own"
    assert [said.rsplit(": ", 1)[1] for said in choice.passed_over] == [
        "no such file",
        "not executable",
    ]


def test_an_activated_venv_or_editor_pick_inside_the_workspace_is_never_run_on_the_host(
    tmp_path,
):
    """The project's own venv, activated, is still the repository's; so is an editor's pick
    inside the repository, even one that is a link to an interpreter outside."""
    machine = Machine(tmp_path)
    inside = workspace_venv(machine.root, "env")
    machine.env["VIRTUAL_ENV"] = str(inside.parent.parent)
    choice = machine.choose()
    assert (choice.path, choice.source, choice.in_workspace) == (str(inside), "virtual_env", True)

    (machine.root / "env").rename(machine.root / "env-gone")
    machine.env.pop("VIRTUAL_ENV")
    outside = fake_python(tmp_path / "elsewhere")
    (machine.root / "tools").mkdir()
    (machine.root / "tools" / "python").symlink_to(outside)
    machine.editor = str(machine.root / "tools" / "python")
    choice = machine.choose()
    assert choice.source == "own"
    (said,) = choice.passed_over
    assert "is not in a virtualenv" in said
    assert not machine.ran_on_host and runs_of(outside) == 0


def test_an_interpreter_is_asked_once_until_it_or_its_packages_change(tmp_path):
    machine = Machine(tmp_path)
    python3 = machine.on_path(pytest=False)
    for _ in range(3):
        assert machine.choose().source == "own"
    assert runs_of(python3) == 1

    (tmp_path / "path" / "site" / "pytest").mkdir()  # pytest installed: its folder changed
    assert machine.choose().source == "path"
    assert runs_of(python3) == 2

    stat = python3.stat()
    os.utime(python3, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # replaced
    assert machine.choose().source == "path"
    assert runs_of(python3) == 3
