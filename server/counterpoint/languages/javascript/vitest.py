"""vitest, from the package's own node_modules, read back from its JSON report."""

from __future__ import annotations

from counterpoint.languages.javascript.package import VITEST, NodeSelection, Package
from counterpoint.languages.javascript.runner import WHERE, JsonReportRunner
from counterpoint.languages.testing import Run


class Vitest(JsonReportRunner):
    name = VITEST
    test_import = "import { test } from 'vitest';\n"

    def hint(self, module: str, package: Package | None, typescript: bool) -> str:
        return (
            f"Your tests run with vitest {WHERE}: import `describe`, `it`/`test` and `expect` "
            f"from 'vitest', and the code under test from '{module}'."
        )

    def options(
        self, run: Run[NodeSelection], output: str, pattern: str, timeout_ms: str
    ) -> list[str]:
        return [
            "run",
            "--reporter=json",
            f"--outputFile={output}",
            "--passWithNoTests",
            f"--testTimeout={timeout_ms}",
            "-t",
            pattern,
        ]
