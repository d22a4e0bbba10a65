"""The user's expectations as pytest tests: one `assert` each, importing the target's names
from its module as the model-written tests do."""

from __future__ import annotations

from counterpoint.languages.testing import Regression, RegressionWriter, test_slug


class PythonRegression(RegressionWriter):
    def run_test(self, regression: Regression) -> str:
        names = regression.used_names()
        imports = (
            f"from {regression.module} import {', '.join(names)}"
            if names
            else f"from {regression.module} import *  # noqa: F403"
        )
        tests = [
            f"def test_expected_{index}_{test_slug(expression)}".rstrip("_")
            + f"():\n    assert {expression.strip()}\n"
            for index, expression in enumerate(regression.expectations, 1)
        ]
        return "\n\n".join([imports + "\n", *tests])
