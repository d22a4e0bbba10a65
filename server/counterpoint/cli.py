"""`counterpoint serve | check | demo | --version`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path

from counterpoint import __version__
from counterpoint.config import ConfigError, Settings
from counterpoint.core.render import render_sarif, render_text
from counterpoint.core.secrets import SecretFilter, environment_secrets
from counterpoint.demo.run import DemoError, run_demo
from counterpoint.engine.engine import Engine
from counterpoint.languages import UnsupportedLanguageError, language_for
from counterpoint.model.request import (
    MAX_DOCUMENT_CHARS,
    CrossCheckRequest,
    Range,
    RequestError,
    check_document_size,
)
from counterpoint.model.text import line_count


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    secret_filter = SecretFilter(environment_secrets(os.environ.items()))
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    if args.command == "check":
        return _check(args)
    if args.command == "demo":
        return _demo(args)
    return _serve(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="counterpoint",
        description="A second opinion from a different model family, backed by execution.",
    )
    parser.add_argument("--version", action="version", version=f"counterpoint {__version__}")
    parser.add_argument(
        "--log-level", default="warning", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser("serve", help="speak LSP over stdio (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")

    check = commands.add_parser("check", help="cross-check lines of a file and print the report")
    check.add_argument("file", type=Path)
    check.add_argument("--lines", required=True, metavar="START-END", help="1-based, inclusive")
    check.add_argument("--instruction", default="", help='what to do; default: "review"')
    check.add_argument(
        "--no-execute", action="store_true", help="do not run tests (judgments only)"
    )
    check.add_argument(
        "--no-cache", action="store_true", help="ask the models again even if a reply is cached"
    )
    output = check.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--sarif", action="store_true", help="print SARIF 2.1.0")

    demo = commands.add_parser(
        "demo",
        help="cross-check a bundled sample project on recorded replies: no keys, no network",
    )
    demo.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _serve(args: argparse.Namespace) -> int:
    from counterpoint.lsp.protocol import ClientFaultFilter  # pygls is only needed here
    from counterpoint.lsp.server import SERVER

    for handler in logging.getLogger().handlers:
        handler.filters.insert(0, ClientFaultFilter())  # before SecretFilter, which sees its text
    if getattr(args, "tcp", None):
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            return _fail(f"--tcp wants HOST:PORT, got {args.tcp!r}")
        SERVER.start_tcp(host, int(port))
    else:
        SERVER.start_io()
    return 0


def _check(args: argparse.Namespace) -> int:
    try:
        text = _read(args.file)
        check_document_size(len(text))
        first, last = _parse_lines(args.lines, text)
        language = language_for(path=str(args.file))
        settings = Settings.from_env()
        for problem in settings.problems:
            print(f"counterpoint: warning: {problem}", file=sys.stderr)
        engine = Engine(
            settings,
            use_cache=not args.no_cache,
            execute=not args.no_execute,
            on_warning=lambda message: print(f"counterpoint: warning: {message}", file=sys.stderr),
        )
        engine.voices()  # a missing key is said before anything runs
    except (RequestError, ConfigError, UnsupportedLanguageError) as error:
        return _fail(str(error))

    request = CrossCheckRequest(
        uri=args.file.resolve().as_uri(),
        text=text,
        language_id=language.name,
        selection=Range.of_lines(first, last),
        instruction=args.instruction,
    )
    show_progress = sys.stderr.isatty() and not (args.json or args.sarif)
    try:
        report = asyncio.run(
            engine.cross_check(
                request,
                progress=(lambda stage: print(f"… {stage}", file=sys.stderr))
                if show_progress
                else None,
            )
        )
    except RequestError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("cancelled", code=130)

    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    elif args.sarif:
        print(json.dumps(render_sarif(report, str(args.file)), indent=2))
    else:
        print(render_text(report, str(args.file)))
    return 0


def _demo(args: argparse.Namespace) -> int:
    show_progress = sys.stderr.isatty() and not args.json
    progress = (lambda stage: print(f"… {stage}", file=sys.stderr)) if show_progress else None
    try:
        return run_demo(as_json=args.json, progress=progress)
    except DemoError as error:
        return _fail(str(error), code=1)
    except KeyboardInterrupt:
        return _fail("cancelled", code=130)


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > 4 * MAX_DOCUMENT_CHARS:  # over the limit however it is encoded: not read
            raise RequestError(
                f"the document has {size:,} bytes; Counterpoint cross-checks documents of "
                f"at most {MAX_DOCUMENT_CHARS:,} characters ({MAX_DOCUMENT_CHARS // 1024**2} MiB)"
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequestError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise RequestError(f"{path} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise RequestError(f"{path} is not UTF-8 text") from None
    except OSError as error:
        raise RequestError(f"cannot read {path}: {error.strerror}") from None


def _parse_lines(spec: str, text: str) -> tuple[int, int]:
    """'A-B' or 'A' (1-based, inclusive) to zero-based (first, last)."""
    start, _, end = spec.partition("-")
    try:
        first, last = int(start), int(end or start)
    except ValueError:
        raise RequestError(f"--lines wants START-END, e.g. 3-10; got {spec!r}") from None
    total = line_count(text)
    # A final line break opens an empty last line that no one means to select.
    lines_in_file = total - 1 if text.endswith(("\n", "\r")) else total
    if first < 1 or last < first:
        raise RequestError(f"--lines {spec}: START must be ≥ 1 and END ≥ START")
    if last > lines_in_file:
        raise RequestError(f"--lines {spec} is out of range: the file has {lines_in_file} lines")
    return first - 1, last - 1


def _fail(message: str, code: int = 2) -> int:
    print(f"counterpoint: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
