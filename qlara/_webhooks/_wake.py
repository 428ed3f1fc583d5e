"""Wake a task waiting on its own event loop, from any thread or loop.

``DeliveryTracker.feed`` may run in a webhook server's worker thread or on
another event loop than the task waiting in ``DeliveryTracker.wait``, and an
``anyio.Event`` must be set on the loop that waits on it. So each waiter
hands over a function that schedules ``event.set`` on its own loop, thread-
safely and without blocking the feeding thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import anyio
import sniffio

__all__ = ["waker"]


def waker(event: anyio.Event) -> Callable[[], None]:
    """A function that sets ``event`` on its own event loop, callable from any thread.

    A webhook handler may feed the tracker from a worker thread or another
    loop; ``anyio.Event.set`` must run on the waiter's loop, so the wake-up is
    scheduled there (and dropped when that loop has already ended).
    """
    if sniffio.current_async_library() == "trio":
        import trio  # noqa: PLC0415 - only on the trio backend, an optional dependency

        token = trio.lowlevel.current_trio_token()

        def wake_trio() -> None:
            with contextlib.suppress(trio.RunFinishedError):
                token.run_sync_soon(event.set)

        return wake_trio
    loop = asyncio.get_running_loop()

    def wake_asyncio() -> None:
        # A closed loop raises RuntimeError: nobody waits there any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(event.set)

    return wake_asyncio
