"""The sync facade's loop thread: one event loop per ``Qlara``, and the async client on it.

Traps this avoids, each reproduced on our machines: a new event loop per call
(~21 ms each); a client left open hanging interpreter exit (the loop is stopped
by ``close()``, the context exit, and a ``weakref.finalize`` that also runs at
exit); a forked child waiting forever on its parent's loop (the pid is checked,
and the loop thread is ours, not ``start_blocking_portal``'s, whose cleanup
calls into the portal); Ctrl-C leaving the request running (its future is
cancelled on any ``BaseException``).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from qlara._client import AsyncQlara
from qlara._config import ClientConfig
from qlara._errors import QlaraError

__all__ = ["Portal", "watch_exit"]

R = TypeVar("R")

# Loop threads, portals and clients whose cleanup must never run: a forked
# child's copies of its parent's, and a portal closed from its own thread.
# Collecting them would wait on a thread that cannot answer.
_ABANDONED: list[object] = []

# Set by an exit hook that runs before the clients' finalizers (see watch_exit).
_EXIT = threading.Event()
_EXIT_WATCHED = False


def watch_exit() -> None:
    """Note interpreter exit before any client's finalizer runs at exit.

    ``atexit`` runs hooks last-registered first; ``weakref.finalize``'s own
    hook exists once a finalizer was made, so registering after the first
    client's puts this one ahead of it.
    """
    global _EXIT_WATCHED  # noqa: PLW0603 - one hook per process
    if not _EXIT_WATCHED:
        _EXIT_WATCHED = True
        atexit.register(_EXIT.set)


class Portal:
    """One event loop thread and the async client living on it.

    Shared by a ``Qlara`` and its ``with_options`` copies; holds no reference to
    them, so ``weakref.finalize`` can stop it when they are gone.
    """

    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        self._portal: BlockingPortal | None = None
        self._client: AsyncQlara | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.closed = False

    def _forget_parent(self) -> None:
        """In a forked child: drop the parent's loop, portal and pool, never calling them."""
        if self._pid == os.getpid():
            return
        # The parent may have held the lock at fork time; no other thread exists here yet.
        self._lock = threading.Lock()
        _ABANDONED.append((self._thread, self._portal, self._client, self._loop))
        self._thread = self._portal = self._client = self._loop = None
        self._loop_thread = None
        self._pid = os.getpid()

    def client(self) -> tuple[BlockingPortal, AsyncQlara]:
        portal, client = self._portal, self._client
        if portal is not None and client is not None and self._pid == os.getpid():
            return portal, client
        self._forget_parent()
        with self._lock:
            if self.closed:
                raise QlaraError("this client is closed; create a new one")
            if self._portal is None or self._client is None:
                portal, thread = _start_loop_thread()
                try:
                    # Built on the portal's loop, so the pool and the loop belong together.
                    self._client = portal.call(AsyncQlara._from_config, self._config)
                    self._loop = portal.call(asyncio.get_running_loop)
                    self._loop_thread = portal.call(threading.get_ident)
                except BaseException:
                    _stop_loop_thread(portal, thread)  # no loop thread left behind
                    raise
                self._portal, self._thread = portal, thread
            return self._portal, self._client

    def call(
        self, function: Callable[..., Coroutine[Any, Any, R]], /, *args: Any, **kwargs: Any
    ) -> R:
        self.client()
        loop = self._loop
        assert loop is not None
        # One hand-off to the loop thread, not two: the portal's start_task_soon
        # waits for the task to be spawned before we can wait for its result,
        # which costs ~0.5 ms a call under contention (measured with 8 threads).
        coroutine = function(*args, **kwargs)
        try:
            future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        except RuntimeError:  # the loop stopped: the client was closed meanwhile
            coroutine.close()
            raise QlaraError("this client is closed; create a new one") from None
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self.closed and _EXIT.is_set():
                # Interpreter exit closed the client under a (daemon) thread still
                # waiting: only such threads are left, and they are about to be
                # stopped. Raising would print a traceback cut off mid-line.
                threading.Event().wait()
            if self.closed:
                raise QlaraError(
                    "the client was closed while this call was running (a send's outcome "
                    "is unknown)"
                ) from None
            raise
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        self._forget_parent()
        with self._lock:
            if self.closed:
                return
            self.closed = True
            thread, portal, client = self._thread, self._portal, self._client
            self._thread = self._portal = self._client = None
            if thread is None or portal is None:
                return
            if threading.get_ident() == self._loop_thread and self._loop is not None:
                # Closed on the loop thread itself (the last reference was dropped
                # there): it cannot wait for itself, so it stops from within.
                _ABANDONED.append(thread)
                self._loop.create_task(_shut_down(portal, client))
                return
            try:
                if client is not None:
                    portal.call(client.aclose)
            except RuntimeError:
                pass  # the loop already stopped (interpreter exit)
            finally:
                _stop_loop_thread(portal, thread)


def _start_loop_thread() -> tuple[BlockingPortal, threading.Thread]:
    """A daemon thread running an event loop with a portal into it."""
    started: concurrent.futures.Future[BlockingPortal] = concurrent.futures.Future()

    async def serve() -> None:
        async with BlockingPortal() as portal:
            started.set_result(portal)
            await portal.sleep_until_stopped()

    def run() -> None:
        try:
            anyio.run(serve)
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            if not started.done():
                started.set_exception(exc)

    thread = threading.Thread(target=run, name="qlara-portal", daemon=True)
    thread.start()
    return started.result(), thread


def _stop_loop_thread(portal: BlockingPortal, thread: threading.Thread) -> None:
    with contextlib.suppress(RuntimeError):  # already stopped
        portal.call(portal.stop, True)
    thread.join()


async def _shut_down(portal: BlockingPortal, client: AsyncQlara | None) -> None:
    if client is not None:
        await client.aclose()
    await portal.stop(cancel_remaining=True)
