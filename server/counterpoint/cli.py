"""`counterpoint serve | check | mcp | demo | --version`."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from counterpoint import __version__
from counterpoint.config import DECLARATIONS, ConfigError, Settings
from counterpoint.core.render import render_text
from counterpoint.core.sarif import render_sarif
from counterpoint.core.secrets import SecretFilter, environment_secrets
from counterpoint.demo.run import DemoError, run_demo
from counterpoint.engine.documents import file_target
from counterpoint.engine.engine import Engine
from counterpoint.languages import UnsupportedLanguageError
from counterpoint.model.request import RequestError
from counterpoint.model.vocabulary import ConfidenceLabel

# What `check` exits with; the README's "Command line" lists the same.
EXIT_REPORT, EXIT_FAIL_ON, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def main(argv: list[str] | None = None) -> int:
    parser = _parser(json_errors="--json" in (sys.argv[1:] if argv is None else argv))
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
    if args.command == "mcp":
        from counterpoint.mcp.server import serve_stdio  # the MCP SDK is only needed here

        return serve_stdio()
    return _serve(args)


class _Parser(argparse.ArgumentParser):
    """argparse, whose usage errors are also a JSON error object on stdout under --json."""

    def __init__(self, *args: Any, json_errors: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.json_errors = json_errors

    def error(self, message: str) -> NoReturn:
        if self.json_errors:
            _print_json_error("usage", message)
        super().error(message)


def _parser(json_errors: bool = False) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="counterpoint",
        description="A second opinion from a different model family, backed by execution.",
        json_errors=json_errors,
    )
    parser.add_argument("--version", action="version", version=f"counterpoint {__version__}")
    parser.add_argument(
        "--log-level", default="warning", choices=["debug", "info", "warning", "error"]
    )
    commands = parser.add_subparsers(dest="command")

    serve = commands.add_parser(
        "serve",
        help="speak LSP over stdio (the default)",
        description=SERVE_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")

    check = commands.add_parser(
        "check",
        help="cross-check lines of a file and print the report",
        epilog=_check_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("file", type=Path)
    check.add_argument("--lines", required=True, metavar="START-END", help="1-based, inclusive")
    check.add_argument("--instruction", default="", help='what to do; default: "review"')
    check.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="EXPR",
        help="what the code must do, as a boolean expression in its language over its names "
        "(e.g. 'count_up_to(3) == [1, 2, 3]'); run as a test of every proposal, and a proposal "
        "that fails one is not recommended; repeatable",
    )
    check.add_argument(
        "--no-execute", action="store_true", help="do not run tests (judgments only)"
    )
    check.add_argument(
        "--no-cache", action="store_true", help="ask the models again even if a reply is cached"
    )
    output = check.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--sarif", action="store_true", help="print SARIF 2.1.0")
    check.add_argument(
        "--fail-on",
        type=_labels,
        default=frozenset(),
        metavar="LABELS",
        help="exit 1 when the report's label is one of these, comma-separated "
        "(e.g. disputed,both-fail,failed); labels: " + ", ".join(ConfidenceLabel),
    )

    commands.add_parser(
        "mcp",
        help="serve MCP over stdio: cross_check and review tools for coding agents",
        description=MCP_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    demo = commands.add_parser(
        "demo",
        help="cross-check a bundled sample project on recorded replies: no keys, no network",
    )
    demo.add_argument("--json", action="store_true", help="print the report as JSON")
    for command in commands.choices.values():
        command.json_errors = json_errors
    return parser


SERVE_DESCRIPTION = """\
Run Counterpoint as a language server. An editor starts `counterpoint serve` and speaks LSP
over its stdin and stdout (the default); --tcp HOST:PORT listens for one client instead.
The keys come from the server's environment (ANTHROPIC_API_KEY, OPENAI_API_KEY); settings
come as LSP initializationOptions, which are yours (workspace/configuration can only tighten
them): see "Configuration" and "Editors" in the README."""


MCP_DESCRIPTION = """\
Run Counterpoint as an MCP server for coding agents (Claude Code, Codex CLI, opencode,
Cursor): the agent starts `counterpoint mcp` and speaks MCP over its stdin and stdout. Tools:
cross_check (a file, lines or a symbol, an instruction) and review. The keys and settings come
from the server's environment, as for `check`: see "Agents (MCP)" in the README."""


def _check_epilog() -> str:
    def env(name: str) -> str:
        return DECLARATIONS[name].env or name

    anthropic_url, openai_url = env("anthropic_base_url"), env("openai_base_url")
    variables = [
        (Settings.anthropic_key_env, f"Claude's key (may be unset with {anthropic_url})"),
        (Settings.openai_key_env, f"GPT's key (may be unset with {openai_url})"),
        (anthropic_url, "Anthropic's endpoint (default: the SDK's)"),
        (openai_url, "an OpenAI(-compatible) endpoint, e.g. Ollama's (default: the SDK's)"),
        (env("claude_model"), f"Claude's model (default {Settings.claude_model})"),
        (env("gpt_model"), f"GPT's model (default {Settings.gpt_model})"),
    ]
    rows = "\n".join(f"  {name:27}{what}" for name, what in variables)
    return f"""\
environment (every setting: "Configuration" in the README):
{rows}

exit codes:
  {EXIT_REPORT}    a report was made (even if a provider failed: the report says so)
  {EXIT_FAIL_ON}    a report was made and its label is one of --fail-on
  {EXIT_BAD_INPUT}    bad input or settings: one line on stderr (and, with --json, a JSON error
       object {{"error": {{"kind": ..., "message": ...}}}} on stdout)
  {EXIT_INTERRUPTED}  interrupted"""


def _labels(text: str) -> frozenset[ConfidenceLabel]:
    """--fail-on's comma-separated labels; an unknown one is a usage error."""
    named = [part.strip() for part in text.split(",") if part.strip()]
    known = {label.value for label in ConfidenceLabel}
    unknown = [name for name in named if name not in known]
    if unknown or not named:
        raise argparse.ArgumentTypeError(
            f"unknown label {', '.join(map(repr, unknown)) or repr(text)}; labels: "
            + ", ".join(ConfidenceLabel)
        )
    return frozenset(ConfidenceLabel(name) for name in named)


def _serve(args: argparse.Namespace) -> int:
    from counterpoint.lsp.protocol import ClientFaultFilter  # pygls is only needed here
    from counterpoint.lsp.server import SERVER

    for handler in logging.getLogger().handlers:
        handler.filters.insert(0, ClientFaultFilter())  # before SecretFilter, which sees its text
    if getattr(args, "tcp", None):
        host, _, port = args.tcp.rpartition(":")
        if not host or not port.isdigit():
            return _fail("usage", f"--tcp wants HOST:PORT, got {args.tcp!r}")
        SERVER.start_tcp(host, int(port))
    else:
        SERVER.start_io()
    return 0


def _check(args: argparse.Namespace) -> int:
    fail = functools.partial(_fail, json_errors=args.json)
    if args.expect and args.no_execute:
        return fail("usage", "--expect runs as tests: it cannot be used with --no-execute")
    try:
        target = file_target(args.file, lines=args.lines)
        settings = Settings.from_env()
        for problem in settings.problems:
            print(f"counterpoint: warning: {problem}", file=sys.stderr)
        engine = Engine(
            settings,
            use_cache=not args.no_cache,
            execute=not args.no_execute,
            on_warning=lambda message: print(f"counterpoint: warning: {message}", file=sys.stderr),
        )
        engine.check_keys()  # a missing key is said before anything runs, and imports no SDK
    except (RequestError, UnsupportedLanguageError) as error:
        return fail("input", str(error))
    except ConfigError as error:
        return fail("config", str(error))

    request = target.request(args.instruction, tuple(args.expect))
    root = target.root
    show_progress = sys.stderr.isatty() and not (args.json or args.sarif)
    try:
        report = asyncio.run(
            engine.cross_check(
                request,
                progress=(lambda stage: print(f"… {stage}", file=sys.stderr))
                if show_progress
                else None,
                workspace_root=root,
            )
        )
    except RequestError as error:
        return fail("input", str(error))
    except ConfigError as error:
        return fail("config", str(error))
    except KeyboardInterrupt:
        return fail("cancelled", "cancelled", code=EXIT_INTERRUPTED)

    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    elif args.sarif:
        print(json.dumps(render_sarif(report, str(root)), indent=2))
    else:
        print(render_text(report, str(args.file)))
    return EXIT_FAIL_ON if report.confidence.label in args.fail_on else EXIT_REPORT


def _demo(args: argparse.Namespace) -> int:
    show_progress = sys.stderr.isatty() and not args.json
    progress = (lambda stage: print(f"… {stage}", file=sys.stderr)) if show_progress else None
    try:
        return run_demo(as_json=args.json, progress=progress)
    except DemoError as error:
        return _fail("input", str(error), code=1, json_errors=args.json)
    except KeyboardInterrupt:
        return _fail("cancelled", "cancelled", code=EXIT_INTERRUPTED, json_errors=args.json)


def _fail(kind: str, message: str, code: int = EXIT_BAD_INPUT, json_errors: bool = False) -> int:
    """One line on stderr; under --json also the error object on stdout (README: "Command
    line"). `kind` is one of "usage", "input", "config", "cancelled"."""
    print(f"counterpoint: error: {message}", file=sys.stderr)
    if json_errors:
        _print_json_error(kind, message)
    return code


def _print_json_error(kind: str, message: str) -> None:
    print(json.dumps({"error": {"kind": kind, "message": message}}))


if __name__ == "__main__":
    sys.exit(main())
