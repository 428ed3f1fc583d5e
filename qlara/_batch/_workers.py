"""The ``async with`` form of ``send_many``: workers keeping ``concurrency`` in flight.

The workers run in a task group owned by the caller's ``async with`` (entered
by ``start``, left by ``stop``, both in the caller's task) and hand each
outcome over an unbuffered memory stream. A worker whose outcome the caller
has not taken yet waits and pulls no more input, so at most ``concurrency``
messages are held beyond the caller's own, whatever the size of the batch.
One worker starts; each one that finds input starts the next, so there are
never more workers than messages.

Workers never raise: an exception in one would cancel the caller's own code
between two steps. A failure is kept (``Run.fail``) and raised by
``SendMany.__anext__``; outcomes a worker held and could not hand over (the
caller left, or it was cancelled) are kept for ``SendMany.unreported``.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

import anyio
import anyio.abc
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from qlara._batch._single import process
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._batch._packer import Packer
    from qlara._batch._run import Run

__all__ = ["Workers"]


class Workers:
    """The task group of workers behind one ``async with client.send_many(...)``."""

    def __init__(self, run: Run, packer: Packer | None) -> None:
        self._run = run
        self._packer = packer
        self._stack: AsyncExitStack | None = None
        self._receive: MemoryObjectReceiveStream[Outcome] | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._count = 0

    async def start(self) -> None:
        """Enter the task group and start the first worker."""
        stack = AsyncExitStack()
        send, receive = anyio.create_memory_object_stream[Outcome](0)
        stack.callback(receive.close)
        try:
            group = await stack.enter_async_context(anyio.create_task_group())
            # Cancelling the group must not leave a worker's send pending.
            stack.push_async_callback(self._cancel, group)
            self._group, self._count = group, 1
            group.start_soon(self._work, send.clone())
        except BaseException:
            await stack.aclose()
            raise
        finally:
            send.close()
        self._stack, self._receive = stack, receive

    async def receive(self) -> Outcome | None:
        """The next outcome a worker hands over; ``None`` once every worker is done."""
        assert self._receive is not None
        try:
            try:
                # A worker already waiting to hand over: take it without a
                # trip through the event loop (two per message otherwise).
                await anyio.lowlevel.checkpoint_if_cancelled()
                return self._receive.receive_nowait()
            except anyio.WouldBlock:
                return await self._receive.receive()
        except anyio.EndOfStream:
            return None

    async def stop(self, exc: BaseException | None) -> None:
        """Leave the task group (cancelling workers still running). Idempotent.

        Args:
            exc: what is propagating out of the caller's ``async with``, if anything.
        """
        stack, self._stack = self._stack, None
        receive, self._receive = self._receive, None
        if receive is not None:
            receive.close()
        if stack is None:
            return
        try:
            # Leave as if nothing happened: the callbacks cancel the workers, and the
            # task group must not wrap the caller's exception in an exception group.
            await stack.aclose()
        except BaseException:
            if exc is None:
                raise
            # What is propagating (a cancellation, the caller's error) wins; the
            # group's own exception can only be a consequence of it.

    @staticmethod
    async def _cancel(group: anyio.abc.TaskGroup) -> None:
        group.cancel_scope.cancel()

    async def _work(self, outcomes: MemoryObjectSendStream[Outcome]) -> None:
        run = self._run
        packer = self._packer
        with outcomes:
            while True:
                try:
                    unit = await (run.source.pull() if packer is None else packer.gather())
                    if unit is None:
                        return
                    if self._count < run.concurrency:
                        self._count += 1
                        assert self._group is not None
                        self._group.start_soon(self._work, outcomes.clone())
                    if packer is None:
                        ready = [await process(run, unit[0], unit[1])]
                    else:
                        ready = await packer.deliver(*unit)
                except Exception as exc:  # noqa: BLE001 - kept and raised by SendMany.__anext__
                    run.fail(exc)
                    return
                sent = 0
                try:
                    for outcome in ready:
                        try:
                            outcomes.send_nowait(outcome)  # the caller is waiting: no loop trip
                        except anyio.WouldBlock:  # the rare case
                            await outcomes.send(outcome)
                        sent += 1
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    run.keep_undelivered(ready[sent:])
                    return
                except BaseException:  # cancelled holding outcomes the caller never got
                    run.keep_undelivered(ready[sent:])
                    raise
