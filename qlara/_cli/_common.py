"""What every subcommand shares: global options, the client, output, errors.

A subcommand is a module with ``add_parser(subparsers)`` that registers its
parser and sets ``handler`` (an ``async (args, out) -> int``) with
``set_defaults``. Errors are raised, never printed by the handler: ``main``
turns them into one line on stderr and an exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TextIO

import qlara
from qlara.testing import Simulator

__all__ = [
    "EXIT_API",
    "EXIT_USAGE",
    "Output",
    "UsageError",
    "client_for",
    "common_options",
]

EXIT_API = 1
EXIT_USAGE = 2
Handler = Callable[[argparse.Namespace, "Output"], Awaitable[int]]


class UsageError(Exception):
    """Bad arguments or configuration: exit code 2."""


def common_options() -> argparse.ArgumentParser:
    """Options every subcommand takes, before or after its name.

    Defaults are ``SUPPRESS`` so that a value given before the subcommand is
    not overwritten by the subcommand's own (absent) copy.
    """
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection and output")
    group.add_argument(
        "--api-key", default=argparse.SUPPRESS, help="API key (default: $QLARA_API_KEY)"
    )
    group.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        help="API base URL (default: $QLARA_BASE_URL, else the production API)",
    )
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=argparse.SUPPRESS,
        help="talk to an in-process simulator instead of the platform",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print machine-readable JSON",
    )
    return parent


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


class Output:
    """Where a command writes: plain text, or JSON with ``--json``."""

    def __init__(self, *, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream if stream is not None else sys.stdout

    def line(self, text: str = "") -> None:
        print(text, file=self.stream, flush=True)

    def data(self, value: Any) -> None:
        print(json.dumps(value, indent=2, default=str, ensure_ascii=False), file=self.stream)

    def emit(self, value: Any, text: str) -> None:
        """JSON ``value`` with ``--json``, else the human ``text``."""
        if self.as_json:
            self.data(value)
        else:
            self.line(text)


@contextlib.asynccontextmanager
async def client_for(args: argparse.Namespace) -> AsyncIterator[qlara.AsyncQlara]:
    """The client the global options describe: the platform, or a sandbox simulator."""
    if option(args, "sandbox", False):
        sim = Simulator()
        async with qlara.AsyncQlara(
            api_key="sandbox", transport=sim.transport(), rate_limit=None
        ) as client:
            yield client
        return
    api_key = option(args, "api_key") or os.environ.get("QLARA_API_KEY")
    if not api_key:
        raise UsageError(
            "no API key: set QLARA_API_KEY or pass --api-key (or add --sandbox to try "
            "the offline simulator)"
        )
    async with qlara.AsyncQlara(api_key=api_key, base_url=option(args, "base_url")) as client:
        yield client


def describe(exc: BaseException) -> tuple[str, int]:
    """One line and an exit code for an error."""
    if isinstance(exc, UsageError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, (qlara.ValidationError, qlara.ConfigurationError)):
        return str(exc), EXIT_USAGE
    if isinstance(exc, qlara.APIStatusError):
        return f"the platform answered {exc.status_code}: {exc.message}", EXIT_API
    if isinstance(exc, qlara.QlaraError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__, EXIT_API
    raise exc
