"""``Qlara.send_many``: the bulk sender as a plain iterator.

An async iterator holding a task group cannot be driven by one portal call
per ``__anext__``: each call runs in a new task, and a task group must be
left by the task that entered it. So ONE pump task on the portal's loop runs
``SendMany`` from start to end and feeds a bounded memory stream; the
caller's thread reads the stream through portal calls, taking every outcome
that is ready in one call. The bound is the back-pressure: the pump waits when
the caller is slow, and the workers behind it stop pulling input.

The caller's iterable is pulled in the caller's thread, never on the loop
(``_feed``): the engine asks for more on the same stream, and the caller's
thread pulls at most ``concurrency`` messages ahead of the outcomes it has
yielded. A sqlite cursor works, and a slow input never stalls other threads'
calls.

An outcome is counted and reported to ``on_progress`` in the caller's thread
when the iterator yields it, and journaled ``done`` when the caller asks for
the next one, so the journal never claims the caller finished with an outcome
its loop body failed on.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections import deque
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sized
from typing import TYPE_CHECKING, Any

import anyio
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from qlara._batch._engine import SendMany
from qlara._batch._feed import NEED, Feed, Input
from qlara._batch._input import JournalPath, ProgressCallback, check_arguments
from qlara._batch._link import link_of
from qlara._batch._pack import check_sms_per_request
from qlara._errors import ValidationError
from qlara._guards import check_max_parts
from qlara._http import CallOptions
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._client import AsyncQlara
    from qlara._portal import Portal

__all__ = ["SendManyIterator", "send_many_blocking"]

MAX_TAKE = 256


class _Pump:
    """Runs one ``SendMany`` on the portal's loop; everything here is touched on that loop."""

    def __init__(self, make: Callable[[Feed], SendMany], buffer: int) -> None:
        self.make = make
        self.batch: SendMany | None = None
        self.scope: anyio.CancelScope | None = None
        self.stopped = False
        self.send: MemoryObjectSendStream[object]
        self.receive: MemoryObjectReceiveStream[object]
        self.send, self.receive = anyio.create_memory_object_stream[object](buffer)
        self.feed = Feed(self.send)
        self.dropped: list[Outcome] = []  # taken from the engine, never handed to the reader

    async def run(self) -> None:
        with anyio.CancelScope() as self.scope:
            if self.stopped:
                return
            batch = self.batch = self.make(self.feed)
            async with batch, self.send:
                async for outcome in batch:
                    try:
                        await self.send.send(outcome)
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        self.dropped.append(outcome)
                        return  # the reader went away
                    except BaseException:
                        self.dropped.append(outcome)
                        raise

    async def take(self) -> list[object]:
        """Wait for one outcome or request, then take every other one already waiting."""
        taken = [await self.receive.receive()]
        with contextlib.suppress(anyio.WouldBlock, anyio.EndOfStream):
            while len(taken) < MAX_TAKE:
                taken.append(self.receive.receive_nowait())
        return taken

    def stop(self) -> None:
        self.stopped = True
        if self.scope is not None:
            self.scope.cancel()

    def leftovers(self) -> list[Outcome]:
        """Once the pump ended: every outcome that went out and the reader never got."""
        left = list(self.dropped)
        with contextlib.suppress(anyio.WouldBlock, anyio.EndOfStream):
            while True:
                event = self.receive.receive_nowait()
                if isinstance(event, Outcome):
                    left.append(event)
        self.receive.close()
        if self.batch is not None:
            left.extend(self.batch.unreported)
        return left


def _wait(portal: BlockingPortal, pump: _Pump) -> list[object]:
    future = portal.start_task_soon(pump.take)
    try:
        return future.result()
    except BaseException:
        future.cancel()  # Ctrl-C while waiting must not leave the receive pending
        raise


class SendManyIterator(Iterator[Outcome]):
    """What ``Qlara.send_many`` returns: a plain iterator of one ``Outcome`` per input.

    ``close()`` (or dropping it, or leaving a ``for`` loop by ``break``) stops
    the sending, waits for it, and closes the journal. ``unreported`` then
    lists what went out, or may have, without being handed over, as on
    ``AsyncQlara.send_many``'s iterator.
    """

    def __init__(self, run: Callable[[list[Outcome]], Iterator[Outcome]]) -> None:
        self._unreported: list[Outcome] = []
        self._run = run(self._unreported)

    def __iter__(self) -> SendManyIterator:
        return self

    def __next__(self) -> Outcome:
        return next(self._run)

    def close(self) -> None:
        """Stop sending and close the journal. Idempotent."""
        self._run.close()  # type: ignore[attr-defined]

    @property
    def unreported(self) -> tuple[Outcome, ...]:
        """Messages that went out, or may have, whose outcome was never handed over.

        Known once the iteration stopped early (``close()``, ``break``, an
        exception): the outcomes already known but not yet taken, and one
        ``OutcomeUnknownError`` outcome (with the ``message_id``) per message
        cut off on the wire. By input index; empty after a full iteration.
        """
        return tuple(sorted(self._unreported, key=lambda outcome: outcome.index))


def _not_handed_over(
    portal: BlockingPortal, pump: _Pump, events: deque[object], recent: deque[int]
) -> list[Outcome]:
    """Once the pump ended: the outcomes taken or left behind that were never yielded."""
    left = [event for event in events if isinstance(event, Outcome)]
    with contextlib.suppress(RuntimeError):  # the portal already stopped
        left.extend(portal.call(pump.leftovers))
    handed = set(recent)
    unique = {outcome.index: outcome for outcome in left if outcome.index not in handed}
    return list(unique.values())


def _iterate(
    holder: Portal,
    target: Callable[[AsyncQlara], AsyncQlara],
    messages: Iterable[Any],
    make_args: dict[str, Any],
    unreported: list[Outcome],
) -> Iterator[Outcome]:
    portal, client = holder.client()
    async_client = target(client)
    concurrency = make_args["concurrency"]
    # Packs of N need N inputs per worker in hand: read that much further ahead.
    source = Input(messages, concurrency * make_args["sms_per_request"])
    total = len(messages) if isinstance(messages, Sized) else None  # checked at the call

    def make(feed: Feed) -> SendMany:
        batch = SendMany(link_of(async_client), feed, hand_over=False, checked=True, **make_args)
        batch.total = total
        return batch

    pump = _Pump(make, buffer=concurrency)
    future = portal.start_task_soon(pump.run)
    reported = False
    events: deque[object] = deque()
    # The pump cancelled mid-send cannot tell whether the reader took its outcome:
    # such an outcome is among the last ones yielded.
    recent: deque[int] = deque(maxlen=MAX_TAKE + min(concurrency, 1 << 16))
    try:
        while True:
            try:
                events = deque(_wait(portal, pump))
            except anyio.EndOfStream:
                break
            batch = pump.batch
            assert batch is not None
            if not reported:
                batch.report_progress()
                reported = True
            while events:
                event = events.popleft()
                if event is NEED:
                    source.wanted = True
                    source.serve(portal, pump.feed, batch.journal)
                    continue
                assert isinstance(event, Outcome)
                try:
                    batch.count(event)
                except BaseException:  # on_progress failed: never yielded, so unreported
                    events.appendleft(event)
                    raise
                recent.append(event.index)
                yield event
                # The caller asks for the next one: it is done with this one. The
                # journal is written on the loop thread only (its start records are).
                if batch.journal is not None:
                    portal.call(batch.journal_done, event)
                source.outstanding -= 1
                source.serve(portal, pump.feed, batch.journal)
        future.result()  # re-raise what stopped the pump (the input failed, the journal...)
        if not reported and pump.batch is not None:
            pump.batch.report_progress()
    finally:
        _finish(portal, pump, future, events=events, recent=recent, unreported=unreported)


def _finish(
    portal: BlockingPortal,
    pump: _Pump,
    future: concurrent.futures.Future[None],
    *,
    events: deque[object],
    recent: deque[int],
    unreported: list[Outcome],
) -> None:
    """Stop the pump, wait for it, note what was never handed over, close the journal."""
    with contextlib.suppress(RuntimeError):  # the portal already stopped
        portal.call(pump.stop)
    # Wait, so nothing runs on when we return; then no record can follow.
    concurrent.futures.wait([future])
    unreported.extend(_not_handed_over(portal, pump, events, recent))
    if pump.batch is not None:
        try:  # on the loop thread, like every other write to the journal
            portal.call(pump.batch.close_journal)
        except RuntimeError:  # the portal already stopped: nothing else can write now
            pump.batch.close_journal()


def send_many_blocking(
    holder: Portal,
    target: Callable[[AsyncQlara], AsyncQlara],
    messages: Iterable[Any],
    *,
    concurrency: int,
    journal: JournalPath | None,
    on_progress: ProgressCallback | None,
    options: CallOptions,
    max_parts: int | None = None,
    sms_per_request: int = 1,
) -> SendManyIterator:
    """Check the arguments now, and return the iterator that sends on first ``next()``."""
    check_arguments(messages, concurrency, journal, on_progress, options)
    check_max_parts(max_parts)
    check_sms_per_request(sms_per_request)
    if isinstance(messages, AsyncIterable) and not isinstance(messages, Iterable):
        raise ValidationError("messages", "the blocking client needs a plain iterable")
    make_args = {
        "concurrency": concurrency,
        "journal": journal,
        "on_progress": on_progress,
        "options": options,
        "max_parts": max_parts,
        "sms_per_request": sms_per_request,
    }
    return SendManyIterator(
        lambda unreported: _iterate(holder, target, messages, make_args, unreported)
    )
