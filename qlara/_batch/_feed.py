"""The input of ``Qlara.send_many``: the caller's iterable, pulled in the caller's thread.

The blocking client's engine runs on the portal's loop, but the caller's
iterable must never be touched there: a sqlite cursor belongs to its thread,
and a generator that blocks on a database would stall every other call on the
loop. So the engine's input is a ``Feed``, which asks the caller's thread for
more (a ``NEED`` on the pump's stream) and waits, and the caller's thread
pulls with an ``Input`` at most ``concurrency`` messages ahead of the outcomes
it has yielded (inputs an earlier run of the journal handed over aside).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import anyio
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectSendStream

from qlara._batch._journal import Journal

__all__ = ["NEED", "Feed", "Input"]

MAX_FEED = 64  # items handed over per portal call
NEED = object()  # the engine asks the caller's thread for more input


class Feed:
    """The engine's input on the loop side: items pulled in the caller's thread.

    ``__anext__`` asks the caller's thread (a ``NEED`` on the pump's stream)
    and waits for it to hand over a few items. The caller's iterable is only
    ever touched in the caller's thread: a sqlite cursor or a generator that
    blocks on a database works, and never stalls the client's loop.
    """

    def __init__(self, events: MemoryObjectSendStream[object]) -> None:
        self.events = events
        self.items: deque[Any] = deque()
        self.ended = False
        self.error: BaseException | None = None
        self.arrived = anyio.Event()

    def __aiter__(self) -> Feed:
        return self

    async def __anext__(self) -> Any:
        while True:
            if self.items:
                return self.items.popleft()
            if self.error is not None:
                raise self.error
            if self.ended:
                raise StopAsyncIteration
            self.arrived = anyio.Event()
            await self.events.send(NEED)
            await self.arrived.wait()

    def put(self, items: list[Any], ended: bool, error: BaseException | None) -> None:
        """Called on the loop (through the portal) with what the caller's thread pulled."""
        self.items.extend(items)
        self.ended = self.ended or ended
        self.error = self.error or error
        self.arrived.set()


class Input:
    """The caller's iterable, pulled in the caller's thread at most ``concurrency`` ahead."""

    def __init__(self, messages: Iterable[Any], concurrency: int) -> None:
        self.source = iter(messages)
        self.concurrency = concurrency
        self.next_index = 0
        self.outstanding = 0  # pulled, will get an outcome, not yet yielded
        self.wanted = False
        self.ended = False

    def serve(self, portal: BlockingPortal, feed: Feed, journal: Journal | None) -> None:
        """Hand the engine what it asked for, if the read-ahead allows it now.

        Args:
            portal: the loop's portal; ``feed.put`` runs on the loop.
            feed: the engine's input.
            journal: the run's open journal: what earlier runs handed over is skipped.
        """
        if not self.wanted or self.ended or self.outstanding >= self.concurrency:
            return
        self.wanted = False
        items: list[Any] = []
        error: BaseException | None = None
        while self.outstanding < self.concurrency and len(items) < MAX_FEED:
            try:
                item = next(self.source)
            except StopIteration:
                self.ended = True
                break
            except Exception as exc:  # noqa: BLE001 - raised by the engine after the in-flight
                self.ended, error = True, exc
                break
            if journal is None or self.next_index not in journal.done:
                self.outstanding += 1  # a journal skips what earlier runs handed over
            self.next_index += 1
            items.append(item)
        portal.call(feed.put, items, self.ended, error)
