"""The simulator served on loopback, in this process or in a child process.

In-process is what ``qlara.testing.serve`` gives; the server's thread then
shares the GIL with the client being measured. A child process keeps the two
apart, so the numbers are the client's (the default of the throughput runs).
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import qlara
import qlara.testing


def _child(pipe: Connection, options: dict[str, Any]) -> None:
    sim = qlara.testing.Simulator(**options)
    with qlara.testing.serve(sim) as server:
        pipe.send(server.base_url)
        pipe.recv()  # until the parent says stop
        pipe.send(sim.requests_seen)


@contextlib.contextmanager
def served(*, in_process: bool = False, **options: Any) -> Iterator[str]:
    """Yield the base URL of a simulator built with ``options``."""
    if in_process:
        sim = qlara.testing.Simulator(**options)
        with qlara.testing.serve(sim) as server:
            yield server.base_url
        return
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(child, options), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulator process did not start")
        yield str(parent.recv())
    finally:
        parent.send("stop")
        parent.poll(10)
        process.join(10)
        if process.is_alive():
            process.kill()
