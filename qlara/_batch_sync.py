"""``Qlara.send_many``: the bulk sender as a plain iterator.

An async iterator holding a task group cannot be driven by one portal call
per ``__anext__``: each call runs in a new task, and a task group must be
left by the task that entered it. So ONE pump task on the portal's loop runs
``SendMany`` from start to end and feeds a bounded memory stream; the
caller's thread reads the stream through portal calls, taking every outcome
that is ready in one call. The bound is the back-pressure: the pump waits when
the caller is slow, and the workers behind it stop pulling input.

An outcome is counted and reported to ``on_progress`` in the caller's thread
when the iterator yields it, and journaled ``done`` when the caller asks for
the next one, so the journal never claims the caller finished with an outcome
its loop body failed on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import anyio
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from qlara._batch import JournalPath, ProgressCallback, SendMany, check_arguments
from qlara._errors import ValidationError
from qlara._http import CallOptions
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._client import AsyncQlara
    from qlara._sync import _Portal

__all__ = ["send_many_blocking"]

MAX_TAKE = 256


class _Pump:
    """Runs one ``SendMany`` on the portal's loop; everything here is touched on that loop."""

    def __init__(self, make: Callable[[], SendMany], buffer: int) -> None:
        self.make = make
        self.batch: SendMany | None = None
        self.scope: anyio.CancelScope | None = None
        self.stopped = False
        self.send: MemoryObjectSendStream[Outcome]
        self.receive: MemoryObjectReceiveStream[Outcome]
        self.send, self.receive = anyio.create_memory_object_stream[Outcome](buffer)

    async def run(self) -> None:
        with anyio.CancelScope() as self.scope:
            if self.stopped:
                return
            batch = self.batch = self.make()
            async with batch, self.send:
                async for outcome in batch:
                    try:
                        await self.send.send(outcome)
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        return  # the reader went away

    async def take(self) -> list[Outcome]:
        """Wait for one outcome, then take every other one already waiting."""
        taken = [await self.receive.receive()]
        with contextlib.suppress(anyio.WouldBlock, anyio.EndOfStream):
            while len(taken) < MAX_TAKE:
                taken.append(self.receive.receive_nowait())
        return taken

    def stop(self) -> None:
        self.stopped = True
        if self.scope is not None:
            self.scope.cancel()
        self.receive.close()


def _wait(portal: BlockingPortal, pump: _Pump) -> list[Outcome]:
    future = portal.start_task_soon(pump.take)
    try:
        return future.result()
    except BaseException:
        future.cancel()  # Ctrl-C while waiting must not leave the receive pending
        raise


def _iterate(
    holder: _Portal, target: Callable[[AsyncQlara], AsyncQlara], make_args: dict[str, Any]
) -> Iterator[Outcome]:
    portal, client = holder.client()
    async_client = target(client)

    def make() -> SendMany:
        return SendMany(async_client, async_client._http, hand_over=False, **make_args)

    pump = _Pump(make, buffer=make_args["concurrency"])
    future = portal.start_task_soon(pump.run)
    reported = False
    try:
        while True:
            try:
                outcomes = _wait(portal, pump)
            except anyio.EndOfStream:
                break
            batch = pump.batch
            assert batch is not None
            if not reported:
                batch.report_progress()
                reported = True
            for outcome in outcomes:
                batch.count(outcome)
                yield outcome
                # The caller asks for the next one: it is done with this one.
                batch.journal_done(outcome)
        future.result()  # re-raise what stopped the pump (the input failed, the journal...)
        if not reported and pump.batch is not None:
            pump.batch.report_progress()
    finally:
        with contextlib.suppress(RuntimeError):  # the portal already stopped
            portal.call(pump.stop)
        # Wait, so nothing runs on when we return; then no record can follow.
        concurrent.futures.wait([future])
        if pump.batch is not None:
            pump.batch.close_journal()


def send_many_blocking(
    holder: _Portal,
    target: Callable[[AsyncQlara], AsyncQlara],
    messages: Iterable[Any],
    *,
    concurrency: int,
    journal: JournalPath | None,
    on_progress: ProgressCallback | None,
    options: CallOptions,
) -> Iterator[Outcome]:
    """Check the arguments now, and return the iterator that sends on first ``next()``."""
    check_arguments(messages, concurrency, journal, on_progress, options)
    if isinstance(messages, AsyncIterable) and not isinstance(messages, Iterable):
        raise ValidationError("messages", "the blocking client needs a plain iterable")
    make_args = {
        "messages": messages,
        "concurrency": concurrency,
        "journal": journal,
        "on_progress": on_progress,
        "options": options,
    }
    return _iterate(holder, target, make_args)
