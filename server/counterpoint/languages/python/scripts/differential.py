"""The differential probe, written into a Python run as one pytest test
(`_counterpoint/test_counterpoint_differential.py`): it imports the target's functions, makes
each call twice (a call whose two results differ is marked unstable) under a per-call limit, and
writes what each call returned or raised to $COUNTERPOINT_DIFF_OUT as JSON. The behaviour
comparison then lines the versions' results up call by call.
"""

import itertools
import json
import os
import re
import signal
import time
import types

# -- per-run header: python/behaviour.py writes these lines for each run --
MODULE = "target"
NAMES = ("function",)
CALLS: list[str] = []
LIMIT = 2.0  # seconds, per call
# -- end of the per-run header --

# The probe is one test: it stops in time to report what it has under the per-test limit.
BUDGET = 0.8 * float(os.environ.get("COUNTERPOINT_PER_TEST_TIMEOUT", "10"))


class _Expired(BaseException):
    pass


def _expire(signum, frame):
    raise _Expired()


def _canon(value, depth=0):
    if depth > 20:
        return "..."
    if isinstance(value, (types.GeneratorType, map, filter, zip, range)):
        value = list(itertools.islice(value, 1000))
    if isinstance(value, dict):
        items = sorted((_canon(k, depth + 1), _canon(v, depth + 1)) for k, v in value.items())
        return "{" + ", ".join(k + ": " + v for k, v in items) + "}"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(_canon(v, depth + 1) for v in value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_canon(v, depth + 1) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_canon(v, depth + 1) for v in value) + ",)"
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))[:2000]


def _run(expression, scope, limit):
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        return {"ok": True, "value": _canon(eval(expression, scope))}
    except _Expired:
        return {"ok": False, "exception": "Timeout"}
    except (Exception, SystemExit) as error:
        return {"ok": False, "exception": type(error).__name__}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def test_counterpoint_differential():
    results = []
    scope: dict[str, object] | None = {}
    try:
        exec(f"from {MODULE} import {', '.join(NAMES)}", scope)
    except BaseException as error:
        results = [
            {"call": c, "ok": False, "exception": "ImportError: " + type(error).__name__}
            for c in CALLS
        ]
        scope = None
    if scope is not None:
        started = time.monotonic()
        for call in CALLS:
            left = BUDGET - (time.monotonic() - started)
            if left <= 0.05:
                break  # calls left out are not compared
            first = _run(call, dict(scope), min(LIMIT, left))
            entry = {"call": call, **first}
            if first.get("exception") != "Timeout":
                second = _run(call, dict(scope), min(LIMIT, max(left / 2, 0.05)))
                if first != second:
                    entry["unstable"] = True
            results.append(entry)
    with open(os.environ["COUNTERPOINT_DIFF_OUT"], "w") as out:
        json.dump(results, out)
