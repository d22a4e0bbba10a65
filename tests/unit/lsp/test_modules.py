"""Every lsp module imports on its own, and none but the entry point imports lsp/server.py (the
import cycle crosscheck <-> server <-> staleness must not come back, not even for type hints)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.unit.test_layers import ROOT, lint_imports

LSP = ROOT / "server" / "counterpoint" / "lsp"
MODULES = sorted(p.stem for p in LSP.glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("module", MODULES)
def test_each_lsp_module_imports_alone(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import counterpoint.lsp.{module}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_feature_importing_the_server_breaks_the_layers_even_for_type_hints(tmp_path):
    shutil.copytree(LSP.parent, tmp_path / "counterpoint")
    path = tmp_path / "counterpoint" / "lsp" / "hover.py"
    path.write_text(
        path.read_text()
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        + "    from counterpoint.lsp.server import CounterpointServer  # the violation\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert (
        "counterpoint.lsp.hover is not allowed to import counterpoint.lsp.server" in result.stdout
    )
