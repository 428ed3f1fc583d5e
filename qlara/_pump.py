"""Turning an async iterator into a blocking one, across the sync facade's portal.

Driving an async generator with one portal call per ``__anext__`` runs each
step in a different task, which breaks anything the generator holds across
steps (cancel scopes, task groups). Instead ONE pump task inside the portal
iterates it and feeds a bounded memory stream; the blocking iterator reads
that stream through portal calls. The bound gives back-pressure: the pump
never runs more than ``buffer`` items ahead of the reader.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

__all__ = ["iterate_blocking"]

T = TypeVar("T")
R = TypeVar("R")


def _wait(portal: BlockingPortal, function: Callable[[], Awaitable[R]]) -> R:
    future = portal.start_task_soon(function)
    try:
        return future.result()
    except BaseException:
        future.cancel()  # Ctrl-C while waiting must not leave the task running
        raise


async def _pump(
    source: AsyncIterator[T],
    send: MemoryObjectSendStream[tuple[bool, Any]],
    finished: threading.Event,
) -> None:
    try:
        await _pump_items(source, send)
    finally:
        finished.set()


async def _pump_items(
    source: AsyncIterator[T], send: MemoryObjectSendStream[tuple[bool, Any]]
) -> None:
    async with send:
        try:
            try:
                async for item in source:
                    try:
                        await send.send((True, item))
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        return  # our own send failed: the reader went away
            finally:
                close = getattr(source, "aclose", None)
                if close is not None:
                    with anyio.CancelScope(shield=True):
                        await close()
        except Exception as exc:  # noqa: BLE001 - handed to the reader, who re-raises it
            # Including a source's own Broken/ClosedResourceError: only ours means "gone".
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await send.send((False, exc))


def iterate_blocking(
    portal: BlockingPortal, source: AsyncIterator[T], buffer: int = 16
) -> Iterator[T]:
    """Iterate ``source`` (not yet started) on ``portal``'s loop from this thread.

    Errors raised by ``source`` are re-raised here. Closing the returned
    iterator early (``break``, garbage collection) cancels the pump and closes
    ``source``.
    """
    send, receive = anyio.create_memory_object_stream[tuple[bool, Any]](buffer)
    receiver: MemoryObjectReceiveStream[tuple[bool, Any]] = receive
    finished = threading.Event()
    future = portal.start_task_soon(_pump, source, send, finished)

    def close_streams() -> None:
        send.close()
        receiver.close()

    try:
        while True:
            try:
                ok, value = _wait(portal, receiver.receive)
            except anyio.EndOfStream:
                return
            if not ok:
                raise value
            yield value
    finally:
        future.cancel()
        try:
            portal.call(close_streams)
        except RuntimeError:  # the portal already stopped, and the pump with it
            pass
        else:
            # Wait for the pump (it closes the source, shielded), so nothing of
            # the source runs on once the caller's loop is left.
            finished.wait()
