"""`counterpoint demo`: the whole product on a bundled sample project, with no key and no network.

The two families' replies are recorded; the replay server (replay.py) answers them on 127.0.0.1
through the real SDK clients. Everything else is what `counterpoint check` runs: the context,
the sandboxed tests (of a copy of the sample in a temporary folder), the comparison and the
report. The demo has settings of its own: no API key, base URL, model or other setting of the
user's environment is read, so a real key is never sent anywhere and a user's
ANTHROPIC_BASE_URL cannot redirect it.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from counterpoint.config import Settings
from counterpoint.core.render import render_text
from counterpoint.core.wording import failure_detail
from counterpoint.demo.replay import DEMO_KEYS, Recordings, ReplayServer
from counterpoint.engine.engine import Engine
from counterpoint.languages import language_for
from counterpoint.languages.python.interpreter import pytest_missing, python_on_host
from counterpoint.model.report import Report
from counterpoint.model.request import CrossCheckRequest, Range

# The demo's whole environment, as far as the engine is concerned: its own keys.
DEMO_ENV = {"ANTHROPIC_API_KEY": DEMO_KEYS["anthropic"], "OPENAI_API_KEY": DEMO_KEYS["openai"]}
SAMPLE = "sample"

RECORDED = (
    "Counterpoint demo: the two models' replies are recorded. A local replay server on "
    "127.0.0.1 answers them through the real Anthropic and OpenAI SDK clients: no API key "
    "of yours is used and nothing goes over the network. The rest is real: context, sandboxed "
    "tests, comparison and report."
)
REAL_KEYS = """\
The replies above were recorded: no model was called and nothing was charged.
To cross-check your own code with live models, set real keys and run `counterpoint check`:
  export ANTHROPIC_API_KEY=… OPENAI_API_KEY=…
  counterpoint check path/to/file.py --lines 10-24 --instruction "fix the off-by-one\""""


class DemoError(Exception):
    """The demo could not show what it should; the message says why."""


def run_demo(*, as_json: bool = False, progress: Callable[[str], None] | None = None) -> int:
    """Print the demo's report (text, or JSON with `as_json`); 0 when it ran as recorded."""
    out = sys.stderr if as_json else sys.stdout
    print(RECORDED, file=out, flush=True)
    recordings = Recordings.packaged()
    with tempfile.TemporaryDirectory(prefix="counterpoint-demo-") as temporary:
        root = Path(temporary) / SAMPLE
        copy_tree(resources.files(__package__ or "counterpoint.demo").joinpath(SAMPLE), root)
        interpreter, tests_run_with = interpreter_with_pytest()
        print(introduction(recordings, root, tests_run_with), file=out, flush=True)
        report = cross_check(recordings, root, Path(temporary) / "cache", interpreter, progress)
    if as_json:
        document = report.to_json()
        document["demo"] = {"recorded_replies": True, "real_keys": REAL_KEYS.splitlines()[1:]}
        print(json.dumps(document, indent=2))
    else:
        print(render_text(report, recordings.path))
        print()
    print(REAL_KEYS, file=out)
    return 0


def introduction(recordings: Recordings, root: Path, tests_run_with: str) -> str:
    """What the demo checks: the sample's files, the interpreter, the lines and their code."""
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    span = f"{recordings.path}:{recordings.first_line}-{recordings.last_line}"
    lines = target_lines(recordings, (root / recordings.path).read_text(encoding="utf-8"))
    return "\n".join(
        [
            "",
            f"The sample project (copied to a temporary folder): {', '.join(files)}",
            tests_run_with,
            f"The lines cross-checked, {span}:",
            *(f"    {line}".rstrip() for line in lines.splitlines()),
            "",
        ]
    )


def target_lines(recordings: Recordings, text: str) -> str:
    first, last = recordings.first_line - 1, recordings.last_line
    return "".join(text.splitlines(keepends=True)[first:last])


def cross_check(
    recordings: Recordings,
    root: Path,
    cache_dir: Path,
    interpreter: str | None,
    progress: Callable[[str], None] | None,
) -> Report:
    """The recorded cross-check of the sample at `root`, on the demo's own settings. Raises
    DemoError when a call failed or the replay server refused one."""
    target = root / recordings.path
    text = target.read_text(encoding="utf-8")
    first, last = recordings.first_line - 1, recordings.last_line - 1
    with ReplayServer(recordings, target_lines(recordings, text)) as replay:
        engine = Engine(
            demo_settings(recordings, replay, cache_dir, interpreter),
            use_cache=False,
            env=DEMO_ENV,
            on_warning=lambda message: print(f"counterpoint: warning: {message}", file=sys.stderr),
        )
        request = CrossCheckRequest(
            uri=target.as_uri(),
            text=text,
            language_id=language_for(path=str(target)).name,
            selection=Range.of_lines(first, last),
            instruction=recordings.instruction,
        )
        try:
            report = asyncio.run(engine.cross_check(request, progress=progress))
        finally:
            engine.close()
    if replay.misses:  # e.g. a prompt or schema changed since the replies were recorded
        raise DemoError(f"the replay server refused a call: {replay.misses[0]}")
    if report.failures:  # every call has its recorded reply: none may fail
        raise DemoError(failure_detail(report, report.failures[0]))
    return report


def demo_settings(
    recordings: Recordings, replay: ReplayServer, cache_dir: Path, interpreter: str | None
) -> Settings:
    """Settings of the demo's own, never the environment's: the recorded models at the replay
    server, no cache kept, no retries (a refused call is a mismatch, not a fault), no cost."""
    models = (recordings.models["claude"], recordings.models["gpt"])
    return Settings(
        claude_model=models[0],
        gpt_model=models[1],
        anthropic_base_url=replay.anthropic_url,
        openai_base_url=replay.openai_url,
        request_timeout_s=30.0,
        max_retries=0,
        cache_dir=str(cache_dir),
        cache=False,
        prices={model: (0.0, 0.0) for model in models},  # recorded: nothing is spent
        python=interpreter,
        repair_rounds=0,  # the recordings hold no revision
    )


def interpreter_with_pytest() -> tuple[str | None, str]:
    """A Python that has pytest for the sample's tests, and a line saying which, found as for
    any project (the sample has no venv and the demo ignores the user's activated one): python3
    on PATH with pytest, else Counterpoint's own. None when neither has pytest: the report then
    says the tests could not run."""
    for candidate in (sys.executable, shutil.which("python3")):
        if candidate and pytest_missing(candidate) is None:
            executable = python_on_host(candidate).executable or candidate  # not a pyenv shim
            return executable, f"Its tests run with: {executable} (it has pytest)"
    return None, (
        "Its tests cannot run: no Python with pytest was found (Counterpoint's own or python3 "
        f"on PATH); `{sys.executable} -m pip install pytest` lets them run"
    )


def copy_tree(source: Traversable, destination: Path) -> None:
    """The packaged sample, file by file (it may sit in a zip), without bytecode caches."""
    destination.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.name == "__pycache__":
            continue
        if entry.is_dir():
            copy_tree(entry, destination / entry.name)
        else:
            (destination / entry.name).write_bytes(entry.read_bytes())
