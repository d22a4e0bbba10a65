"""The user's expectations as tests in the package's runner style (vitest, jest or node's own
`node:test`), importing the target as the model-written tests do. `a == b` and `a === b` are
compared deeply (`[1, 2] == [1, 2]` is false in JavaScript, and is not what a user means);
anything else must be truthy. TypeScript shares this writer."""

from __future__ import annotations

import json

from counterpoint.languages.javascript.package import JEST, VITEST, Package, package_on_disk
from counterpoint.languages.spec import LanguageSpec, text
from counterpoint.languages.testing import Regression, RegressionWriter

EQUALITY = ("==", "===")


class NodeRegression(RegressionWriter):
    def __init__(self, spec: LanguageSpec, typescript: bool = False) -> None:
        super().__init__(spec)
        self.typescript = typescript

    def run_test(self, regression: Regression) -> str:
        package = self._package(regression)
        framework = package.framework if package else None
        names = regression.used_names()
        lines = []
        if framework == VITEST:
            lines.append("import { test, expect } from 'vitest';")
        elif framework != JEST:
            lines += ["import test from 'node:test';", "import assert from 'node:assert/strict';"]
        module = json.dumps(regression.module)
        if framework == JEST and package is not None and package.commonjs:
            lines.append(f"const {{ {', '.join(names)} }} = require({module});")
        elif names:
            lines.append(f"import {{ {', '.join(names)} }} from {module};")
        else:
            lines.append(f"import * as target from {module};")
        lines.append("")
        for expression in regression.expectations:
            title = json.dumps(f"expected: {expression.strip()}")
            check = self.assertion(expression, jest_style=framework in (VITEST, JEST))
            lines.append(f"test({title}, () => {{\n  {check};\n}});\n")
        return "\n".join(lines)

    def assertion(self, expression: str, jest_style: bool) -> str:
        sides = self.equality(expression)
        if sides is not None:
            left, right = sides
            return (
                f"expect({left}).toEqual({right})"
                if jest_style
                else (f"assert.deepStrictEqual({left}, {right})")
            )
        shown = expression.strip()
        return f"expect({shown}).toBe(true)" if jest_style else f"assert.ok({shown})"

    def equality(self, expression: str) -> tuple[str, str] | None:
        """The two sides of a top-level `==`/`===`, or None."""
        root = self.spec.parse(expression.strip()).root_node
        if root.has_error or root.named_child_count != 1:
            return None
        statement = root.named_children[0]
        if statement.type != "expression_statement" or statement.named_child_count != 1:
            return None
        node = statement.named_children[0]
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if node.type != "binary_expression" or operator is None or left is None or right is None:
            return None
        return (text(left), text(right)) if text(operator) in EQUALITY else None

    def _package(self, regression: Regression) -> Package | None:
        if regression.root is None:
            return None
        return package_on_disk(regression.root, regression.target_path, self.typescript)
