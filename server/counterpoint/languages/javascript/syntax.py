"""What the node runners read of JavaScript and TypeScript source with tree-sitter: the tests
in a file, and the top-level functions and literal calls the behaviour probe uses."""

from __future__ import annotations

import tree_sitter

from counterpoint.languages.spec import LanguageSpec, text

TEST_RUNNERS = frozenset({"test", "it"})
GROUPS = frozenset({"describe", "suite", "context"})


def tests_in(spec: LanguageSpec, source: str, full_names: bool) -> list[tuple[str, set[str]]]:
    """(name, names referenced) per `test(…)`/`it(…)` call with a literal name. With
    `full_names`, the name is prefixed by the enclosing `describe(…)` titles, as vitest and
    jest name their tests."""
    tree = spec.parse(source)
    found = []
    for _, match in tree_sitter.QueryCursor(spec.queries.tests).matches(tree.root_node):
        if text(match["test.runner"][0]) not in TEST_RUNNERS:
            continue
        call = match["test.call"][0]
        title = text(match["test.name"][0])
        if full_names:
            title = " ".join([*_group_titles(call), title])
        found.append((title, spec.references_in(tree.root_node, call)))
    return found


def top_level_functions(spec: LanguageSpec, code: str) -> list[str]:
    names = []
    for node in spec.parse(code).root_node.children:
        target = (
            node.child_by_field_name("declaration") if node.type == "export_statement" else node
        )
        if target is None:
            continue
        if target.type == "function_declaration":
            name = target.child_by_field_name("name")
            if name is not None:
                names.append(text(name))
        elif target.type == "lexical_declaration":
            for declarator in target.named_children:
                value = declarator.child_by_field_name("value")
                name = declarator.child_by_field_name("name")
                if (
                    value is not None
                    and name is not None
                    and value.type in ("arrow_function", "function_expression")
                ):
                    names.append(text(name))
    return names


def literal_calls(spec: LanguageSpec, source: str, names: set[str]) -> list[str]:
    """Calls of `names` whose arguments are all literals, in source order."""
    found = []
    stack = [spec.parse(source).root_node]
    while stack:
        node = stack.pop()
        stack.extend(reversed(node.children))
        if node.type != "call_expression":
            continue
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None or text(function) not in names:
            continue
        if all(_is_literal(arg) for arg in arguments.named_children):
            found.append(text(node))
    return found


def _group_titles(call: tree_sitter.Node) -> list[str]:
    """The titles of the describe(…) blocks around a test call, outermost first."""
    titles: list[str] = []
    node = call.parent
    while node is not None:
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                function = function.child_by_field_name("object")  # describe.only(…)
            arguments = node.child_by_field_name("arguments")
            if (
                function is not None
                and text(function) in GROUPS
                and arguments is not None
                and arguments.named_children
                and arguments.named_children[0].type == "string"
            ):
                titles.insert(0, _string_value(arguments.named_children[0]))
        node = node.parent
    return titles


def _string_value(node: tree_sitter.Node) -> str:
    return "".join(text(child) for child in node.named_children)


def _is_literal(node: tree_sitter.Node) -> bool:
    if node.type in ("number", "true", "false", "null", "undefined"):
        return True
    if node.type == "string":
        return True
    if node.type == "template_string":
        return not any(child.type == "template_substitution" for child in node.children)
    if node.type == "unary_expression":
        operand = node.child_by_field_name("argument")
        return operand is not None and operand.type == "number"
    if node.type == "array":
        return all(_is_literal(child) for child in node.named_children)
    if node.type == "object":
        return all(
            child.type == "pair"
            and (value := child.child_by_field_name("value")) is not None
            and _is_literal(value)
            for child in node.named_children
        )
    return node.type == "identifier" and text(node) in ("undefined", "NaN", "Infinity")
