"""The user's expectations as Go tests in the target's package: `a == b` compared with
`reflect.DeepEqual` (slices and maps have no `==`), anything else must be true."""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter

from counterpoint.languages.spec import text
from counterpoint.languages.testing import Regression, RegressionWriter, test_slug

PREFIX = "package p\nvar _ = "


class GoRegression(RegressionWriter):
    def run_test(self, regression: Regression) -> str:
        tests = []
        uses_reflect = False
        for index, expression in enumerate(regression.expectations, 1):
            shown = expression.strip()
            name = f"TestExpected{index}_{test_slug(shown)}".rstrip("_")
            sides = self.equality(shown)
            if sides is not None:
                uses_reflect = True
                got, want = sides
                body = (
                    f"\tgot, want := {got}, {want}\n"
                    "\tif !reflect.DeepEqual(got, want) {\n"
                    f'\t\tt.Errorf("{_quoted(shown)}: got %#v, want %#v", got, want)\n\t}}\n'
                )
            else:
                body = f'\tif !({shown}) {{\n\t\tt.Error("expected: {_quoted(shown)}")\n\t}}\n'
            tests.append(f"func {name}(t *testing.T) {{\n{body}}}\n")
        imports = '\t"reflect"\n\t"testing"\n' if uses_reflect else '\t"testing"\n'
        return f"package {regression.module}\n\nimport (\n{imports})\n\n" + "\n".join(tests)

    def equality(self, expression: str) -> tuple[str, str] | None:
        root = self.spec.parse(PREFIX + expression + "\n").root_node
        if root.has_error:
            return None
        values = [n for n in _walk(root) if n.type == "expression_list"]
        if not values or values[0].named_child_count != 1:
            return None
        node = values[0].named_children[0]
        operator = node.child_by_field_name("operator")
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if node.type != "binary_expression" or operator is None or left is None or right is None:
            return None
        return (text(left), text(right)) if text(operator) == "==" else None


def _walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _quoted(expression: str) -> str:
    """The expression inside a Go string literal (and no format verbs)."""
    return expression.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
