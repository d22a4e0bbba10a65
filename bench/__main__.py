"""`python -m bench NAME [--json]`: run one benchmark and print its figures."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

BENCHMARKS = {
    "overhead": "bench.overhead",
    "verification": "bench.verification",
    "cancel": "bench.cancel",
    "quality": "bench.quality",
    "cache": "bench.cache",
    "responsiveness": "bench.responsiveness",
    "memory": "bench.memory",
    "prompt": "bench.prompt",
    "verification_real": "bench.verification_real",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = importlib.import_module(BENCHMARKS[args.name]).run()
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
