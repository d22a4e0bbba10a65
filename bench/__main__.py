"""`python -m bench NAME [--json] [--save] [options]`: run one benchmark and print its figures.

A benchmark with options of its own declares them in `add_arguments(parser)` and takes them as
keyword arguments of `run`; `python -m bench NAME --help` lists them. `--save` puts the figures
into bench/results.json under NAME (marked as measured on their own, with the date) and rewrites
bench/RESULTS.md.

`python -m bench all` runs every benchmark in turn and writes bench/results.json (every figure)
and bench/RESULTS.md (each figure beside its goal, with the machine's description);
`python -m bench report` rewrites RESULTS.md from results.json.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCHMARKS = {
    "overhead": "bench.overhead",
    "verification": "bench.verification",
    "sandbox": "bench.sandbox",
    "cancel": "bench.cancel",
    "quality": "bench.quality",
    "cache": "bench.cache",
    "arrival": "bench.arrival",
    "responsiveness": "bench.responsiveness",
    "memory": "bench.memory",
    "prompt": "bench.prompt",
    "verification_real": "bench.verification_real",
    "hardening": "bench.hardening",
    "big_document": "bench.big_document",
    "secrets": "bench.secrets",
    "compare": "bench.compare",
    "startup": "bench.startup",
}
HERE = Path(__file__).resolve().parent
# Covered by another benchmark's run in `all`: memory by responsiveness, the real library by
# verification. Hardening's figures are in bench/hardening.md (nested per case). big_document
# compares code before and after a change: its figures are kept in bench/big_document.md.
NOT_IN_ALL = {"memory", "verification_real", "hardening", "big_document", "compare"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=[*sorted(BENCHMARKS), "all", "report"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--save", action="store_true", help="record the figures in results.json and RESULTS.md"
    )
    args, rest = parser.parse_known_args(argv)
    if args.name == "all":
        return run_all()
    if args.name == "report":
        return write_report()
    module = importlib.import_module(BENCHMARKS[args.name])
    own = argparse.ArgumentParser(prog=f"python -m bench {args.name}")
    if hasattr(module, "add_arguments"):
        module.add_arguments(own)
    options = own.parse_args(rest)
    figures = module.run(**vars(options))
    if args.save:
        save(args.name, figures)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 0


def run_all() -> int:
    results: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for name, module in BENCHMARKS.items():
        if name in NOT_IN_ALL:
            continue
        print(f"running {name}…", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            results[name] = importlib.import_module(module).run()
        except Exception:  # one broken benchmark must not hide the others' figures
            results[name] = {"error": traceback.format_exc(limit=5)}
        seconds[name] = round(time.monotonic() - started, 1)
    results["_run"] = {
        "date": datetime.date.today().isoformat(),
        "seconds": seconds,
        "machine": machine(),
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return write_report()


def save(name: str, figures: dict[str, Any]) -> None:
    """One benchmark's figures into results.json beside the `all` run's, then RESULTS.md."""
    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[name] = {
        **figures,
        "measured_separately": f"{datetime.date.today().isoformat()} with "
        f"`python -m bench {name}`, not in the `all` run",
    }
    path.write_text(json.dumps(results, indent=2) + "\n")
    write_report()


def write_report() -> int:
    """bench/RESULTS.md from bench/results.json (`python -m bench report` redoes only this)."""
    from bench.summary import NOTES, rows_for

    results = json.loads((HERE / "results.json").read_text())
    run = results.pop("_run", {})
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench all` (run on {run.get('date', 'an unrecorded date')}); every "
        "figure below was measured in that one run. All figures: [results.json](results.json). "
        "Hardening (faults, hostile proposals, fuzzing): [hardening.md](hardening.md).",
        "",
        "## Machine",
        "",
        *[f"- {fact}" for fact in run.get("machine") or machine()],
        "",
        "## Figures and goals",
        "",
        "| benchmark | figure | measured | goal | met |",
        "|---|---|---|---|---|",
    ]
    missed = []
    for name, figures in results.items():
        if "error" in figures:
            lines.append(f"| {name} | (the benchmark failed: see results.json) | | | no |")
            missed.append(name)
            continue
        for row in rows_for(name, figures):
            met = {True: "yes", False: "**no**", None: "n/a"}[row.met]
            lines.append(f"| {name} | {row.figure} | {row.measured} | {row.goal} | {met} |")
            if row.met is False:
                missed.append(name)
    seconds = run.get("seconds", {})
    if seconds:
        lines += ["", "Time each took: " + ", ".join(f"{k} {v} s" for k, v in seconds.items())]
    notes = [NOTES[name] for name in dict.fromkeys(missed) if name in NOTES]
    if notes:
        lines += ["", "## Where a goal is missed: why, and what would close the gap", ""]
        lines += [note.strip() + "\n" for note in notes]
    kept = HERE / "big_document.md"  # before/after figures, which one run cannot remeasure
    if kept.exists():
        lines += ["", kept.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines).rstrip() + "\n")
    print(f"wrote {HERE / 'RESULTS.md'}", file=sys.stderr)
    return 0


def machine() -> list[str]:
    facts = [f"{platform.system()} {platform.release()}, {platform.machine()}"]
    model = _first_line_with("/proc/cpuinfo", "model name")
    facts.append(
        f"{os.cpu_count()} cores" + (f" ({model.split(':', 1)[1].strip()})" if model else "")
    )
    memory = _first_line_with("/proc/meminfo", "MemTotal")
    if memory:
        kib = int(memory.split()[1])
        facts.append(f"{kib / 1024**2:.1f} GiB memory")
    facts.append(f"Python {platform.python_version()}")
    for tool in ("node", "go", "cargo"):
        try:
            version = subprocess.run(
                [tool, "version" if tool == "go" else "--version"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            version = "not found"
        facts.append(f"{tool}: {version or 'not found'}")
    return facts


def _first_line_with(path: str, prefix: str) -> str | None:
    try:
        with open(path) as source:
            return next((line for line in source if line.startswith(prefix)), None)
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
