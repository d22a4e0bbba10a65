from counterpoint.core.context import build_context
from counterpoint.languages import language_for
from counterpoint.languages.javascript.support import NodeTests
from counterpoint.model.request import CrossCheckRequest, Position, Range

JS = language_for("javascript")
SUPPORT = NodeTests(JS)

FILES = {
    "test/a.test.js": (
        "import test from 'node:test';\nimport { f } from '../a.js';\n"
        "test('uses f', () => { f(1); });\ntest('other', () => { g(); });\n"
    ),
    "test/v.test.js": "import { test } from 'vitest';\ntest('v', () => f(1));\n",
    "src/helper.js": "export const x = 1;\n",
}


def test_node_tests_that_reference_the_symbol_are_selected_and_vitest_is_named():
    selection = SUPPORT.discover(sorted(FILES), FILES.get, "src/alpha.js", ["f"], "function f() {}")
    assert selection.test_ids == ("test/a.test.js::uses f",)
    assert selection.suite_size == 2
    assert "test/v.test.js is written for vitest, but the package runs node --test" in (
        selection.notes
    )


def test_literal_calls_only_feed_the_behaviour_probe():
    probe, why = SUPPORT.behaviour_probe(
        "../a.js",
        "export function f(xs, k) { return xs; }\nconst g = (a) => a;\n",
        ["f([1, 2], -1); f(xs, 2); g({a: 1, b: 'x'}); f(`t${x}`, 1)"],
        ["f([], 0)"],
    )
    assert why is None and probe is not None
    assert probe.names == ("f", "g")
    assert probe.calls == ("f([1, 2], -1)", "g({a: 1, b: 'x'})", "f([], 0)")


def test_typescript_context_finds_the_enclosing_function_and_imports():
    text = (
        "import { sum } from './sum';\n\n"
        "export function windowSums(xs: number[], k: number): number[] {\n"
        "  return xs.map((_, i) => sum(xs.slice(i, i + k)));\n"
        "}\n"
    )
    request = CrossCheckRequest(
        "file:///w/w.ts", text, "typescript", Range(Position(3, 4), Position(3, 4))
    )
    context = build_context(request, language_for("typescript"))
    assert context.target_range == Range.of_lines(2, 4)
    assert context.imports == "import { sum } from './sum';"
    assert "windowSums" in context.symbols
