"""The ``qlara`` command.

Subcommands live in their own modules, each with ``add_parser(subparsers)``
registering its parser and setting ``handler`` (``async (args, out) -> int``)
through ``set_defaults``. To add one, write ``qlara/_cli/_<name>.py`` and
append the module to ``COMMANDS``. Handlers raise; ``main`` turns errors into
one line on stderr and an exit code (never a traceback): 2 for bad arguments
or configuration (missing key, invalid field) and for the operating system
refusing something (a busy port), 1 for API errors and anything unexpected,
130 for Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

import anyio

from qlara._cli import _batch, _demo, _send, _simulator, _sms, _status, _webhooks
from qlara._cli._common import EXIT_USAGE, Output, UsageError, common_options, describe, option
from qlara._version import __version__

__all__ = ["COMMANDS", "main"]

COMMANDS: list[ModuleType] = [_demo, _send, _batch, _sms, _status, _webhooks, _simulator]


class _Parser(argparse.ArgumentParser):
    """Raises instead of printing usage and exiting, so errors stay one line."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="qlara",
        description="Send SMS, RCS and WhatsApp messages through Qlara, or try it offline.",
        epilog="Start with: qlara demo",
        parents=[common_options()],
    )
    parser.add_argument("--version", action="version", version=f"qlara {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qlara`` command; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        sys.stderr.write(f"qlara: error: {exc}\n")
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    out = Output(as_json=bool(option(args, "json", False)))
    try:
        return int(anyio.run(args.handler, args, out))
    except KeyboardInterrupt:
        sys.stderr.write("qlara: interrupted\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line
        message, code = describe(exc)
        sys.stderr.write(f"qlara: error: {message}\n")
        return code
