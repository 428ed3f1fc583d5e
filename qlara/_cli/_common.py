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
import math
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
    "describe",
    "integer",
    "integer_in",
    "parse_integer",
    "port",
    "refuse_connection_options",
    "seconds",
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


def parse_integer(text: str) -> int | None:
    """``text`` as an integer, or None when it is not one.

    ``str.isdigit`` accepts characters such as '\u00b2' that ``int`` refuses,
    so the test is ``isdecimal`` on the digits, and ``int`` is still guarded
    (it refuses numbers with thousands of digits).
    """
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in ("+", "-") else stripped
    if not digits.isdecimal():
        return None
    try:
        return int(stripped)
    except ValueError:
        return None


def _show(text: str) -> str:
    """An argument as quoted in an error line, cut short when it is long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def integer(text: str) -> int:
    """An ``argparse`` type: a whole number."""
    value = parse_integer(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {_show(text)}")
    return value


def integer_in(low: int, high: int) -> Callable[[str], int]:
    """An ``argparse`` type: a whole number from ``low`` to ``high``."""

    def bounded(text: str) -> int:
        value = parse_integer(text)
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, got {_show(text)}"
            )
        return value

    return bounded


def port(text: str) -> int:
    """An ``argparse`` type: a TCP port, 0 to 65535 (0: any free one)."""
    value = parse_integer(text)
    if value is None or not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"must be a port number from 0 to 65535, got {_show(text)}"
        )
    return value


def seconds(text: str) -> float:
    """An ``argparse`` type: a finite, non-negative number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, got {_show(text)}")
    return value


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def refuse_connection_options(args: argparse.Namespace, command: str) -> None:
    """Commands that run their own simulator take no platform key or URL: say so."""
    given = [flag for flag in ("api_key", "base_url") if option(args, flag) is not None]
    if given:
        flags = " and ".join("--" + flag.replace("_", "-") for flag in given)
        raise UsageError(
            f"{command} runs against its own local simulator, so {flags} would be ignored: "
            "drop them (use 'qlara send' or 'qlara batch' to talk to the platform)"
        )


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


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _grouped(exc: BaseException) -> BaseException | None:
    """The first error inside an exception group (anyio task groups raise them)."""
    inner = getattr(exc, "exceptions", None)
    if (
        type(exc).__name__ in ("ExceptionGroup", "BaseExceptionGroup")
        and isinstance(inner, (tuple, list))
        and inner
        and isinstance(inner[0], BaseException)
    ):
        return inner[0]
    return None


def describe(exc: BaseException) -> tuple[str, int]:
    """One line and an exit code for any error, so no traceback ever reaches the user.

    2 for bad arguments, configuration and the operating system refusing
    something (a busy port, a missing file), 1 for API errors and anything
    unexpected.
    """
    inner = _grouped(exc)
    if inner is not None:
        return describe(inner)
    if isinstance(exc, UsageError):
        return _one_line(str(exc)), EXIT_USAGE
    if isinstance(exc, (qlara.ValidationError, qlara.ConfigurationError)):
        return _one_line(str(exc)), EXIT_USAGE
    if isinstance(exc, qlara.APIStatusError):
        return _one_line(f"the platform answered {exc.status_code}: {exc.message}"), EXIT_API
    if isinstance(exc, qlara.QlaraError):
        return (str(exc).splitlines() or [type(exc).__name__])[0], EXIT_API
    text = _one_line(str(exc))
    if isinstance(exc, OSError):
        return (exc.strerror or text or type(exc).__name__), EXIT_USAGE
    if isinstance(exc, ValueError):
        return text or type(exc).__name__, EXIT_USAGE
    return f"unexpected {type(exc).__name__}" + (f": {text}" if text else ""), EXIT_API
