import dataclasses
from textwrap import dedent

from counterpoint.core.compare import Region, diverging_regions, equivalent
from counterpoint.languages import language_for
from counterpoint.languages.spec import Normalisation

PYTHON = language_for("python")

ORIGINAL = dedent(
    """\
    def window_sums(xs, k):
        # one sum per window
        out = []
        for i in range(len(xs) - k):
            out.append(sum(xs[i : i + k]))
        return out
    """
)


def code(text: str) -> str:
    return dedent(text)


def regions(original: str = ORIGINAL, **proposals: str) -> list[Region]:
    return diverging_regions(original, proposals, PYTHON)


# --- no regions -------------------------------------------------------------------------------


def test_identical_proposals_have_no_regions_even_when_they_change_the_original():
    fixed = ORIGINAL.replace("len(xs) - k)", "len(xs) - k + 1)")
    assert regions(a=fixed, b=fixed) == []
    assert regions(a=ORIGINAL, b=ORIGINAL) == []


def test_formatting_only_differences_are_not_regions():
    reformatted = code(
        """\
        def window_sums(
            xs,
            k,
        ):
            # one sum per window
            out = [
            ]
            for i in range(len(xs)
                           - k):
                out.append(sum(xs[i:i+k]))

            return out
        """
    )
    assert regions(a=ORIGINAL, b=reformatted) == []
    assert equivalent(ORIGINAL, reformatted, PYTHON) is True


def test_backslash_continuation_and_one_line_blocks_equal_their_plain_forms():
    assert equivalent("x = a + \\\n    b\n", "x = a + b\n", PYTHON) is True
    assert equivalent("if c: x = 1\n", "if c:\n    x = 1\n", PYTHON) is True
    assert equivalent("a = 1; b = 2\n", "a = 1\nb = 2\n", PYTHON) is True
    assert equivalent("t = (1,)\n", "t = (1)\n", PYTHON) is False  # a tuple's comma counts


def test_comment_only_differences_are_not_regions():
    commented = code(
        """\
        def window_sums(xs, k):  # sliding windows
            out = []
            # every start position
            for i in range(len(xs) - k):
                out.append(sum(xs[i : i + k]))  # window sum
            return out
        """
    )
    assert regions(a=ORIGINAL, b=commented) == []
    assert equivalent(ORIGINAL, commented, PYTHON) is True


def test_quote_style_only_differences_are_not_regions_but_prefixes_count():
    single = "label = 'total: ' + f'{n}' + '''x'''\n"
    double = 'label = "total: " + f"{n}" + "x"\n'
    assert regions(single, a=single, b=double) == []
    assert equivalent(single, double, PYTHON) is True
    assert equivalent("x = 'a'\n", "x = b'a'\n", PYTHON) is False
    assert equivalent("x = 'a'\n", "x = 'b'\n", PYTHON) is False
    assert equivalent('x = f"{n:>3}"\n', 'x = f"{n:<3}"\n', PYTHON) is False


def test_consistently_renamed_locals_are_the_same_code():
    renamed = code(
        """\
        def window_sums(values, width):
            result = []
            for start in range(len(values) - width):
                result.append(sum(values[start : start + width]))
            return result
        """
    )
    assert regions(a=ORIGINAL, b=renamed) == []
    assert equivalent(ORIGINAL, renamed, PYTHON) is True
    assert equivalent("def f(xs):\n    total = 0\n", "def f(values):\n    acc = 0\n", PYTHON)


def test_two_proposals_adding_the_same_helper_under_different_names_agree():
    a = ORIGINAL.replace("    out = []\n", "    n = len(xs)\n    out = []\n").replace(
        "len(xs) - k", "n - k"
    )
    b = ORIGINAL.replace("    out = []\n", "    count = len(xs)\n    out = []\n").replace(
        "len(xs) - k", "count - k"
    )
    assert regions(a=a, b=b) == []


# --- regions ----------------------------------------------------------------------------------


def test_one_line_behavioural_difference_is_one_region():
    a = ORIGINAL.replace("len(xs) - k)", "len(xs) - k + 1)").replace(
        "    # one sum per window\n", ""
    )
    b = ORIGINAL
    assert regions(a=a, b=b) == [
        Region(
            original=(3, 4),
            versions={"a": (2, 3), "b": (3, 4)},
            original_text="    for i in range(len(xs) - k):\n",
            texts={
                "a": "    for i in range(len(xs) - k + 1):\n",
                "b": "    for i in range(len(xs) - k):\n",
            },
        )
    ]


def test_a_difference_next_to_renamed_locals_still_has_exact_spans():
    a = ORIGINAL.replace("len(xs) - k)", "len(xs) - k + 1)")
    b = code(
        """\
        def window_sums(values, width):
            result = []
            for start in range(
                len(values) - width
            ):
                result.append(sum(values[start : start + width]))
            return result
        """
    )
    assert regions(a=a, b=b) == [
        Region(
            original=(3, 4),
            versions={"a": (3, 4), "b": (2, 5)},
            original_text="    for i in range(len(xs) - k):\n",
            texts={
                "a": "    for i in range(len(xs) - k + 1):\n",
                "b": "    for start in range(\n        len(values) - width\n    ):\n",
            },
        )
    ]


def test_two_separate_differences_are_two_regions():
    original = "".join(f"v{n} = compute({n})\n" for n in range(30))
    a = original.replace("compute(2)", "compute(2, fast=True)").replace("v25 =", "w25 =")
    b = original
    assert regions(original, a=a, b=b) == [
        Region(
            (2, 3),
            {"a": (2, 3), "b": (2, 3)},
            "v2 = compute(2)\n",
            {
                "a": "v2 = compute(2, fast=True)\n",
                "b": "v2 = compute(2)\n",
            },
        ),
        Region(
            (25, 26),
            {"a": (25, 26), "b": (25, 26)},
            "v25 = compute(25)\n",
            {
                "a": "w25 = compute(25)\n",
                "b": "v25 = compute(25)\n",
            },
        ),
    ]


def test_an_inserted_if_block_is_a_region_with_an_empty_original_span():
    a = ORIGINAL.replace(
        "    out = []\n",
        "    out = []\n    if k <= 0:\n        # nothing to sum\n        return out\n",
    )
    assert regions(a=a, b=ORIGINAL) == [
        Region(
            original=(3, 3),
            versions={"a": (3, 6), "b": (3, 3)},
            original_text="",
            texts={"a": "    if k <= 0:\n        # nothing to sum\n        return out\n", "b": ""},
        )
    ]


def test_a_proposal_adding_a_local_does_not_shift_the_others():
    a = ORIGINAL.replace("    out = []\n", "    n = len(xs)\n    out = []\n")
    b = ORIGINAL.replace("return out", "return out[:]")
    assert regions(a=a, b=b) == [
        Region((2, 2), {"a": (2, 3), "b": (2, 2)}, "", {"a": "    n = len(xs)\n", "b": ""}),
        Region(
            (5, 6),
            {"a": (6, 7), "b": (5, 6)},
            "    return out\n",
            {
                "a": "    return out\n",
                "b": "    return out[:]\n",
            },
        ),
    ]


def test_a_line_changed_by_one_proposal_and_kept_by_the_other_is_a_region():
    a = ORIGINAL.replace("return out", "return list(out)")
    b = ORIGINAL.replace("window_sums(xs, k)", "window_sums(values, k)").replace("xs", "values")
    assert regions(a=a, b=b) == [
        Region(
            (5, 6),
            {"a": (5, 6), "b": (5, 6)},
            "    return out\n",
            {
                "a": "    return list(out)\n",
                "b": "    return out\n",
            },
        )
    ]


def test_a_called_global_difference_is_a_region_despite_renamed_locals():
    b = ORIGINAL.replace("sum(", "max(").replace("out", "acc")
    assert regions(a=ORIGINAL, b=b) == [
        Region(
            (4, 5),
            {"a": (4, 5), "b": (4, 5)},
            "        out.append(sum(xs[i : i + k]))\n",
            {
                "a": "        out.append(sum(xs[i : i + k]))\n",
                "b": "        acc.append(max(xs[i : i + k]))\n",
            },
        )
    ]
    assert equivalent(ORIGINAL, b, PYTHON) is False


def test_globals_attributes_and_keyword_names_stay_significant():
    assert equivalent("total = 0\n", "acc = 0\n", PYTHON) is False  # module level: globals
    method = "def f(self):\n    self.{} = 1\n"
    assert equivalent(method.format("total"), method.format("acc"), PYTHON) is False
    call = "def f(x):\n    return g({}=x)\n"
    assert equivalent(call.format("key"), call.format("other"), PYTHON) is False
    declared = "def f():\n    global {0}\n    {0} = 1\n"
    assert equivalent(declared.format("a"), declared.format("b"), PYTHON) is False
    assert equivalent("f = lambda a: a + 1\n", "f = lambda b: b + 1\n", PYTHON) is True


def test_crlf_input_keeps_its_line_endings_in_texts():
    original = ORIGINAL.replace("\n", "\r\n")
    a = original.replace("len(xs) - k)", "len(xs) - k + 1)")
    b = ORIGINAL  # LF: line endings are formatting
    assert regions(original, a=a, b=b) == [
        Region(
            original=(3, 4),
            versions={"a": (3, 4), "b": (3, 4)},
            original_text="    for i in range(len(xs) - k):\r\n",
            texts={
                "a": "    for i in range(len(xs) - k + 1):\r\n",
                "b": "    for i in range(len(xs) - k):\n",
            },
        )
    ]
    assert equivalent(original, b, PYTHON) is True


def test_unparsable_code_does_not_raise_and_falls_back_to_whitespace_normalised_lines():
    original = "def f(:\n    return  x\n"
    a = "def f(:\n    return x\n"
    b = "def f(:\n    return y\n"
    assert regions(original, a=a, b=b) == [
        Region(
            (1, 2),
            {"a": (1, 2), "b": (1, 2)},
            "    return  x\n",
            {
                "a": "    return x\n",
                "b": "    return y\n",
            },
        )
    ]
    assert equivalent("x = (\n", "x  =  (\n", PYTHON) is True
    assert equivalent("x = (\n", "y = (\n", PYTHON) is False
    assert regions("", a="", b=")))\n") == [
        Region((0, 0), {"a": (0, 0), "b": (0, 1)}, "", {"a": "", "b": ")))\n"})
    ]


def test_a_language_without_normalisation_data_compares_whitespace_normalised_lines():
    plain = dataclasses.replace(PYTHON, normalisation=Normalisation())
    assert equivalent("x  =  1  # c\n", "x = 1 # c\n", plain) is True
    assert equivalent("def f(a):\n    return a\n", "def f(b):\n    return b\n", plain) is False
    assert diverging_regions(
        "x = 1\ny = 2\n", {"a": "x = 1\ny = 3\n", "b": "x = 1\ny = 2\n"}, plain
    ) == [Region((1, 2), {"a": (1, 2), "b": (1, 2)}, "y = 2\n", {"a": "y = 3\n", "b": "y = 2\n"})]


def test_two_200_line_proposals_give_the_one_region_where_they_differ():
    # Its wall-clock bound (0.25 s) failed at 0.53 s on a loaded 2-core CI machine: speed
    # belongs in bench/, not in a timed test.
    chunk = code(
        '''\
        def window_{n}(xs, k):
            """Sums of each window."""
            out = []
            total = sum(xs[:k])  # first window
            for i in range(len(xs) - k):
                out.append(total + {n})
                total += xs[i + k] - xs[i]
            return out

        '''
    )
    original = "".join(chunk.format(n=n) for n in range(22))[:-1]
    a = original.replace("window_3(", "window_3b(")
    b = original.replace("out", "acc").replace('"""', "'''")
    found = diverging_regions(original, {"a": a, "b": b}, PYTHON)
    assert [region.original for region in found] == [(27, 28)]


def test_lines_all_proposals_rewrite_alike_are_trimmed_from_a_region():
    original = "x = f(a)\ny = g(x)\nz = 0\n"
    a = "x = f(a, 1)\ny = h(x)\nz = 0\n"
    b = "x = f(a, 1)\ny = k(x)\nz = 0\n"
    assert regions(original, a=a, b=b) == [
        Region(
            (1, 2),
            {"a": (1, 2), "b": (1, 2)},
            "y = g(x)\n",
            {
                "a": "y = h(x)\n",
                "b": "y = k(x)\n",
            },
        )
    ]
    c = "x = f(a, 1)\nw = 1\ny = k(x)\nz = 0\n"  # not line for line: the original is kept whole
    assert regions(original, a=a, c=c) == [
        Region(
            (0, 2),
            {"a": (1, 2), "c": (1, 3)},
            "x = f(a)\ny = g(x)\n",
            {
                "a": "y = h(x)\n",
                "c": "w = 1\ny = k(x)\n",
            },
        )
    ]


def test_nested_scopes_classes_and_nonlocal_do_not_confuse_renaming():
    first = code(
        """\
        def outer(items):
            count = 0

            def bump():
                nonlocal count
                count += 1

            class Box:
                size = len(items)

            return [bump() for item in items], Box.size
        """
    )
    second = (
        first.replace("items", "things")
        .replace("count", "n")
        .replace("item ", "thing ")
        .replace("Box", "Crate")
    )
    assert equivalent(first, second.replace("Crate", "Box"), PYTHON) is True
    assert equivalent(first, second, PYTHON) is False  # nested class and def names stay significant
    assert equivalent(first, first.replace("size = len", "length = len"), PYTHON) is False
    assert diverging_regions(first, {}, PYTHON) == []
