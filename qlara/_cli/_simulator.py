"""``qlara simulator serve``: the simulator as a local server for any program."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable
from typing import Any

import anyio

import qlara
from qlara._cli._common import (
    Output,
    UsageError,
    common_options,
    port,
    refuse_connection_options,
    seconds,
)
from qlara.testing import Simulator, serve

__all__ = ["add_parser"]

RATE_LIMITS: dict[str, Callable[[], qlara.RateLimit | None]] = {
    "production": qlara.RateLimit.production,
    "trial": qlara.RateLimit.trial,
    "off": lambda: None,
}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("simulator", help="run the offline simulator")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = actions.add_parser(
        "serve", help="serve the simulator on 127.0.0.1", parents=[common_options()]
    )
    run.add_argument("--port", type=port, default=8080, help="port to listen on (0: any free one)")
    run.add_argument(
        "--rate-limit",
        choices=sorted(RATE_LIMITS),
        default="production",
        help="enforce a plan's per-key limit (default: production)",
    )
    run.add_argument("--key", action="append", help="accept only this API key (repeatable)")
    run.add_argument("--for", dest="seconds", type=seconds, help=argparse.SUPPRESS)
    run.set_defaults(handler=_serve)


async def _serve(args: argparse.Namespace, out: Output) -> int:
    refuse_connection_options(args, "qlara simulator serve")
    sim = Simulator(api_keys=args.key, rate_limit=RATE_LIMITS[args.rate_limit]())
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(serve(sim, port=args.port))
        except OSError as exc:
            sim.close()
            problem = exc.strerror or str(exc) or type(exc).__name__
            raise UsageError(f"cannot listen on 127.0.0.1 port {args.port}: {problem}") from exc
        out.emit(
            {"baseUrl": server.base_url, "port": server.port},
            f"Qlara simulator listening on {server.url}\n"
            f"  export QLARA_BASE_URL={server.base_url}\n"
            f"  export QLARA_API_KEY={'<one of your --key values>' if args.key else 'anything'}\n"
            "Press Ctrl-C to stop.",
        )
        if args.seconds is None:
            await anyio.sleep_forever()
        await anyio.sleep(args.seconds)
    out.emit({"requests": sim.requests_seen}, f"stopped after {sim.requests_seen} requests")
    return 0
