"""Must show: with one provider answering 529 on every call, `counterpoint check --json` exits 0
with the other family's proposal, labelled not cross-checked, in bounded time."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.scripts import ACCEPT, FIXED, VARIANT
from tests.e2e.test_cli import FIXTURE, run_check
from tests.fakes.providers import Reply

DOWN = {"anthropic": "claude", "openai": "gpt"}


@pytest.mark.parametrize("down", ["anthropic", "openai"])
def test_check_survives_a_provider_that_is_overloaded_on_every_call(fake_providers, tmp_path, down):
    up = "openai" if down == "anthropic" else "anthropic"
    code = {"anthropic": FIXED, "openai": VARIANT}[up]
    fake_providers.default(
        up, "submit_proposal", Reply.structured({"code": code, "explanation": "", "tests": []})
    )
    fake_providers.default(up, "submit_judgment", Reply.structured(ACCEPT))
    for kind in ("submit_proposal", "submit_judgment"):
        fake_providers.default(down, kind, Reply.error(529))

    started = time.monotonic()
    # The SDKs' own retry policy (2 retries with backoff) is left as users have it.
    result = run_check(
        fake_providers.env(),
        str(FIXTURE),
        "--lines",
        "1-7",
        "--no-execute",
        "--json",
        tmp_path=tmp_path,
    )
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(p["id"], p["code"], p["cross_checked"]) for p in report["proposals"]] == [
        (DOWN[up], code, False)
    ]
    assert report["confidence"]["label"] == "not-cross-checked"
    assert report["recommended"] is None
    failures = {(f["voice"], f["stage"], f["kind"]) for f in report["failures"]}
    assert failures == {(DOWN[down], "propose", "overloaded"), (DOWN[down], "judge", "overloaded")}
    assert all("overloaded (529, 3 attempts)" in f["message"] for f in report["failures"])
    # Three attempts per call, both of its calls refused.
    refused = [r for r in fake_providers.requests if r.provider == down]
    assert [r.status for r in refused] == [529] * 6
    assert elapsed < 30, elapsed
    assert "Traceback" not in result.stderr
