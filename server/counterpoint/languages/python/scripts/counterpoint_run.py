"""The pytest plugin loaded into every Python run (`-p counterpoint_run`, from `_counterpoint/`):
a per-test time limit, doctests that compare values, and only the target's own doctests.

The per-test limit makes one endless test fail alone, so the run still reports the rest; the
whole-run timeout outside is the backstop.
"""

import ast
import doctest
import os
import signal

import pytest

LIMIT = float(os.environ.get("COUNTERPOINT_PER_TEST_TIMEOUT", "10"))


def _expire(signum, frame):
    raise TimeoutError(f"timed out after {LIMIT:g} s (counterpoint per-test limit)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_exact = doctest.OutputChecker.check_output


def _same_value(want, got):
    try:
        return ast.literal_eval(want.strip()) == ast.literal_eval(got.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _check_output(self, want, got, optionflags):
    # ["a"] shows the same value as ['a']; and `>>> f(x) == y` with no output line is a claim
    # that holds when it prints True.
    if _exact(self, want, got, optionflags):
        return True
    if not want.strip() and got.strip() == "True":
        return True
    return _same_value(want, got)


doctest.OutputChecker.check_output = _check_output  # type: ignore[method-assign]


def pytest_collection_modifyitems(config, items):
    # Only the target's own doctests, when it names them and the module has them.
    wanted = [n for n in os.environ.get("COUNTERPOINT_DOCTESTS", "").split(",") if n]
    doctests = [i for i in items if type(i).__name__ == "DoctestItem"]
    chosen = [i for i in doctests if any(i.name.endswith("." + n) for n in wanted)]
    if not wanted or not chosen:
        return
    dropped = [i for i in doctests if i not in chosen]
    config.hook.pytest_deselected(items=dropped)
    items[:] = [i for i in items if i not in dropped]
