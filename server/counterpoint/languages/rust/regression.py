"""The user's expectations as Rust `#[test]` functions, appended to the target's file inside a
`mod` with `use super::*;` as the model-written tests are: `a == b` as `assert_eq!` (which shows
both sides), anything else as `assert!`."""

from __future__ import annotations

from counterpoint.languages.spec import text
from counterpoint.languages.testing import Regression, RegressionWriter, test_slug

PREFIX = "fn counterpoint_expected() -> bool { "


class RustRegression(RegressionWriter):
    def run_test(self, regression: Regression) -> str:
        tests = []
        for index, expression in enumerate(regression.expectations, 1):
            shown = expression.strip()
            name = f"expected_{index}_{test_slug(shown).lower()}".rstrip("_")
            sides = self.equality(shown)
            check = f"assert_eq!({sides[0]}, {sides[1]});" if sides else f"assert!({shown});"
            tests.append(f"#[test]\nfn {name}() {{\n    {check}\n}}\n")
        return "\n".join(tests)

    def equality(self, expression: str) -> tuple[str, str] | None:
        root = self.spec.parse(PREFIX + expression + " }").root_node
        if root.has_error or root.named_child_count != 1:
            return None
        body = root.named_children[0].child_by_field_name("body")
        if body is None or body.named_child_count != 1:
            return None
        node = body.named_children[0]
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if node.type != "binary_expression" or operator is None or left is None or right is None:
            return None
        return (text(left), text(right)) if text(operator) == "==" else None
