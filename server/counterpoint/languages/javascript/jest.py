"""jest, from the package's own node_modules, read back from its JSON report. jest loads test
files as CommonJS unless the package is an ES module one (and runs node with
--experimental-vm-modules); `describe`, `test` and `expect` are globals."""

from __future__ import annotations

from counterpoint.languages.javascript.package import JEST, NodeSelection, Package
from counterpoint.languages.javascript.runner import WHERE, JsonReportRunner
from counterpoint.languages.testing import Run

CJS_IMPORTS = (
    "const { writeFileSync } = require('node:fs');\nconst { inspect } = require('node:util');\n"
)


class Jest(JsonReportRunner):
    name = JEST

    def hint(self, module: str, package: Package | None, typescript: bool) -> str:
        load = (
            f"load the code under test with `require('{module}')`"
            if package is not None and package.commonjs
            else f"import the code under test from '{module}'"
        )
        globals_ = "`describe`, `test` and `expect` are globals"
        return f"Your tests run with jest {WHERE} ({globals_}): {load}."

    def model_suffix(self, typescript: bool) -> str:
        return ".ts" if typescript else ".js"  # CommonJS or ESM, as the package's own .js files

    def probe_imports(self, commonjs: bool) -> tuple[str, str]:
        if commonjs:
            return CJS_IMPORTS, "require({})"
        return super().probe_imports(commonjs)

    def options(
        self, run: Run[NodeSelection], output: str, pattern: str, timeout_ms: str
    ) -> list[str]:
        return [
            "--json",
            f"--outputFile={output}",
            "--ci",
            "--runInBand",
            f"--cacheDirectory={run.sandbox_dir / 'jest-cache'}",
            "--watchman=false",
            f"--testTimeout={timeout_ms}",
            f"--testNamePattern={pattern}",
            "--passWithNoTests",
            "--runTestsByPath",
        ]
