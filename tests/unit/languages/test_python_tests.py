import os
import subprocess
import sys
from textwrap import dedent

from counterpoint.languages import language_for
from counterpoint.languages.python.support import RUN_PLUGIN, PythonTests

SUPPORT = PythonTests(language_for("python"))

FILES = {
    "windows.py": "def window_sums(xs, k):\n    return []\n",
    "tests/test_sliding.py": dedent(
        """\
        from windows import window_sums

        def test_pairs():
            assert window_sums([1, 2], 1) == [1, 2]

        def helper():
            return window_sums([], 1)

        class TestEdges:
            def test_empty(self):
                assert window_sums([], 1) == []

            def test_unrelated(self):
                assert True

        class Helper:
            def test_not_collected(self):
                window_sums([], 1)
        """
    ),
    "tests/test_other.py": "def test_other():\n    assert 1\n",
    "tests/test_misc.py": "def test_misc():\n    assert 2\n",
}


def discover(target="windows.py", symbols=("window_sums",), code="def window_sums(): pass"):
    return SUPPORT.discover(sorted(FILES), FILES.get, target, symbols, code)


def test_selects_tests_that_reference_the_symbol():
    selection = discover()
    assert selection.test_ids == (
        "tests/test_sliding.py::test_pairs",
        "tests/test_sliding.py::TestEdges::test_empty",
    )
    assert selection.suite_size == 5  # every collected test function, for comparison


def test_the_conventional_test_file_is_always_included():
    selection = discover(target="other.py", symbols=("nothing",))
    assert selection.test_ids == ("tests/test_other.py::test_other",)


def test_doctests_in_the_selection_are_run_and_no_tests_is_said():
    selection = discover(
        target="lonely.py",
        symbols=("lonely",),
        code="def lonely():\n    '''\n    >>> 1\n    1\n    '''",
    )
    assert selection.test_ids == ()
    assert selection.doctest_files == ("lonely.py",)
    assert "no workspace tests reference lonely" in selection.notes


def test_module_names_follow_packages(tmp_path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("")
    assert SUPPORT.module_name(tmp_path, str(tmp_path / "pkg" / "sub" / "m.py")) == "pkg.sub.m"
    assert SUPPORT.module_name(tmp_path, str(tmp_path / "top.py")) == "top"


def test_junit_results_are_read_per_source():
    xml = dedent(
        """\
        <testsuites><testsuite>
          <testcase classname="tests.test_windows" name="test_pairs" file="tests/test_windows.py"/>
          <testcase classname="tests.test_windows.TestEdges" name="test_empty"
                    file="tests/test_windows.py">
            <failure message="assert [1] == []">long trace</failure></testcase>
          <testcase classname="windows" name="windows.window_sums" file="windows.py">
            <skipped message="skip"/></testcase>
          <testcase classname="_counterpoint.test_from_gpt_1" name="test_x"
                    file="_counterpoint/test_from_gpt_1.py">
            <error message="boom"/></testcase>
        </testsuite></testsuites>
        """
    )
    selection = discover(code=">>>")
    outcomes = SUPPORT.read_results(xml, selection, {"_counterpoint/test_from_gpt_1.py": "gpt"})
    assert [(o.id, o.source, o.outcome, o.message) for o in outcomes] == [
        ("tests/test_windows.py::test_pairs", "workspace", "passed", ""),
        ("tests/test_windows.py::TestEdges::test_empty", "workspace", "failed", "assert [1] == []"),
        ("windows.py::windows.window_sums", "doctest", "skipped", "skip"),
        ("_counterpoint/test_from_gpt_1.py::test_x", "gpt", "error", "boom"),
    ]


def test_module_names_are_relative_to_the_root_not_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "__init__.py").write_text("")  # even a root that looks like a package
    monkeypatch.chdir(tmp_path)
    assert SUPPORT.module_name(tmp_path, "pkg/mod.py") == "pkg.mod"


PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def test_doctests_compare_values_not_quotes_and_bare_claims_must_hold(tmp_path):
    (tmp_path / "counterpoint_run.py").write_text(RUN_PLUGIN)
    (tmp_path / "quoted.py").write_text(
        'def names():\n    """\n    >>> names()\n    ["a", "b"]\n    >>> names() == ["a", "b"]\n'
        '    """\n    return ["a", "b"]\n\n\n'
        'def wrong():\n    """\n    >>> wrong()\n    ["a"]\n    >>> wrong() == ["a"]\n    """\n'
        '    return ["b"]\n'
    )
    result = subprocess.run(
        [*PYTEST, "-p", "counterpoint_run", "--doctest-modules", "quoted.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
    )
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    assert "quoted.wrong" in result.stdout


def test_unittest_cases_are_selected_whatever_their_class_name():
    files = {
        "tests/test_more.py": dedent(
            """\
            from unittest import TestCase
            import lib as mi

            class ChunkedTests(TestCase):
                def test_even(self):
                    self.assertEqual(list(mi.chunked([1, 2], 1)), [[1], [2]])

            class Helper:
                def test_not_collected(self):
                    mi.chunked([], 1)
            """
        )
    }
    selection = SUPPORT.discover(sorted(files), files.get, "lib.py", ("chunked",), "def chunked")
    assert selection.test_ids == ("tests/test_more.py::ChunkedTests::test_even",)


def test_a_large_conventional_test_file_gives_only_the_tests_that_name_the_target():
    many = "\n".join(f"def test_{i}():\n    assert other({i})\n" for i in range(60))
    files = {"tests/test_lib.py": many + "\ndef test_mine():\n    assert mine() == 1\n"}
    selection = SUPPORT.discover(sorted(files), files.get, "lib.py", ("mine",), "def mine(): ...")
    assert selection.test_ids == ("tests/test_lib.py::test_mine",)


def test_only_the_targets_own_doctests_are_named():
    source = dedent(
        '''\
        def other():
            """
            >>> other()
            1
            """
            return 1


        class Stats:
            def mean(self):
                """
                >>> Stats().mean()
                0
                """
                return 0
        '''
    )
    target = source[source.index("class Stats") :]
    files = {"lib.py": source}
    selection = SUPPORT.discover(sorted(files), files.get, "lib.py", ("Stats",), target)
    assert selection.doctest_files == ("lib.py",)
    assert selection.doctest_names == ("Stats.mean",)


def test_the_run_keeps_only_the_named_doctests(tmp_path):
    (tmp_path / "counterpoint_run.py").write_text(RUN_PLUGIN)
    (tmp_path / "two.py").write_text(
        'def a():\n    """\n    >>> a()\n    1\n    """\n    return 1\n\n\n'
        'def b():\n    """\n    >>> b()\n    3\n    """\n    return 2\n'
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    argv = [*PYTEST, "-p", "counterpoint_run", "--doctest-modules", "two.py"]
    only_a = subprocess.run(
        argv,
        cwd=tmp_path,
        env={**env, "COUNTERPOINT_DOCTESTS": "a"},
        capture_output=True,
        text=True,
    )
    assert "1 passed, 1 deselected" in only_a.stdout, only_a.stdout
    unknown = subprocess.run(
        argv,
        cwd=tmp_path,
        env={**env, "COUNTERPOINT_DOCTESTS": "zz"},
        capture_output=True,
        text=True,
    )
    assert "1 failed, 1 passed" in unknown.stdout, unknown.stdout  # no match: all of them run


CALLS = "\ndef test_{}():\n    window_sums([], 1)\n"


def test_a_test_that_imports_the_name_from_another_module_is_not_selected():
    files = {
        "windows0.py": "def window_sums(xs, k): ...\n",
        "windows1.py": "def window_sums(xs, k): ...\n",
        "pkg/__init__.py": "from pkg.core import window_sums\n",
        "pkg/core.py": "def window_sums(xs, k): ...\n",
        "tests/test_zero.py": f"from windows0 import window_sums\n{CALLS.format('a')}",
        "tests/test_one.py": f"from windows1 import window_sums\n{CALLS.format('b')}",
        "tests/test_pkg.py": f"from pkg import window_sums\n{CALLS.format('c')}",
    }
    zero = SUPPORT.discover(sorted(files), files.get, "windows0.py", ("window_sums",), "def w")
    assert zero.test_ids == ("tests/test_zero.py::test_a",)
    core = SUPPORT.discover(sorted(files), files.get, "pkg/core.py", ("window_sums",), "def w")
    assert core.test_ids == ("tests/test_pkg.py::test_c",)  # the package may re-export it


def run_pytest(folder, *files):
    """Real pytest over `files` in `folder`: its JUnit results (or None) and its output."""
    results = folder / "results.xml"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
         "junit_family=xunit1", "--junitxml", str(results), "--continue-on-collection-errors",
         *files],
        cwd=folder, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )  # fmt: skip
    return (results.read_text() if results.exists() else None), done.stdout + done.stderr


def test_a_test_file_that_cannot_be_imported_says_the_import_error(tmp_path):
    (tmp_path / "windows.py").write_text(
        "import numpy_nowhere\n\ndef window_sums(xs, k):\n    return []\n"
    )
    (tmp_path / "test_windows.py").write_text(
        "from windows import window_sums\n\n"
        "def test_pairs():\n    assert window_sums([1], 1) == [1]\n"
    )
    xml, output = run_pytest(tmp_path, "test_windows.py")
    outcomes = SUPPORT.read_results(xml, discover(), {})
    assert [(o.outcome, o.message) for o in outcomes] == [
        ("error", "collection failure: ModuleNotFoundError: No module named 'numpy_nowhere'")
    ]
    assert SUPPORT.collection_error(outcomes, output) == (
        "ModuleNotFoundError: No module named 'numpy_nowhere'"
    )


def test_a_conftest_that_cannot_be_imported_leaves_no_results_but_its_error(tmp_path):
    (tmp_path / "conftest.py").write_text("import numpy_nowhere\n")
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n")
    xml, output = run_pytest(tmp_path, "test_x.py")
    outcomes = SUPPORT.read_results(xml, discover(), {}) if xml else []
    assert outcomes == []
    assert SUPPORT.collection_error(outcomes, output) == (
        "ModuleNotFoundError: No module named 'numpy_nowhere'"
    )


def test_failing_tests_are_no_collection_error():
    xml = dedent(
        """\
        <testsuites><testsuite>
          <testcase classname="tests.test_windows" name="test_pairs" file="tests/test_windows.py">
            <failure message="assert 1 == 2">E   AssertionError: assert 1 == 2</failure></testcase>
        </testsuite></testsuites>
        """
    )
    outcomes = SUPPORT.read_results(xml, discover(), {})
    assert SUPPORT.collection_error(outcomes, "E   AssertionError: assert 1 == 2") == ""
