"""The import rules of pyproject.toml's [tool.importlinter] hold, and they can fail: a core module
that imports the sandbox, pygls or an SDK breaks them, and so does an import that points up the
layers (model <- core <- engine <- lsp <- cli)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=package_parent,
        timeout=120,
    )


@pytest.fixture
def copy_of_the_package(tmp_path):
    shutil.copytree(ROOT / "server" / "counterpoint", tmp_path / "counterpoint")
    return tmp_path


def test_the_layers_hold(copy_of_the_package):
    result = lint_imports(copy_of_the_package)
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize(
    "module, imported",
    [
        ("core/render.py", "import counterpoint.sandbox.runner"),
        ("core/confidence.py", "import pygls.server"),
        ("core/prompts.py", "import anthropic"),
        ("core/regions.py", "import lsprotocol.types"),
        ("core/parse.py", "import counterpoint.engine.run"),
        ("model/report.py", "import counterpoint.core.confidence"),
        ("sandbox/seccomp.py", "import counterpoint.core.render"),
        ("languages/go/support.py", "import counterpoint.core.context"),
        ("engine/budget.py", "import counterpoint.lsp.state"),
        ("demo/replay.py", "import aiohttp"),  # a test dependency, needed at run time
        ("demo/run.py", "import anthropic"),
        ("engine/engine.py", "import counterpoint.demo.run"),
        # The MCP front end beside the language server: neither imports the other, and the
        # engine imports neither.
        ("mcp/tools.py", "import counterpoint.lsp.session"),
        ("mcp/results.py", "import lsprotocol.types"),
        ("mcp/server.py", "import anthropic"),
        ("lsp/hover.py", "import mcp.types"),
        ("lsp/hover.py", "import counterpoint.mcp.results"),
        ("engine/run.py", "import counterpoint.mcp.tools"),
    ],
)
def test_a_core_module_importing_what_it_must_not_breaks_them(
    copy_of_the_package, module, imported
):
    path = copy_of_the_package / "counterpoint" / module
    path.write_text(path.read_text() + f"\n{imported}  # the violation\n")
    result = lint_imports(copy_of_the_package)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
