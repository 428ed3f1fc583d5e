"""``Qlara``: the blocking client, the async one run behind an anyio portal.

There is no second copy of any logic here. Each sync method is *declared*
(``send = blocking(AsyncSms.send)``) and runs the async method on one
long-lived event loop in a background thread, started on first use. Traps this
avoids, each reproduced on our machines:

- a new event loop per call costs ~21 ms; one portal per client costs nothing after start;
- a client left open in a module global must not hang interpreter exit: the
  portal is stopped by ``close()``, by the context exit, and by a
  ``weakref.finalize`` that also runs at exit;
- a forked child inherits a portal whose thread does not exist there: the pid
  is checked and the child starts its own portal and pool, or, if it never
  uses the client, closes (or drops) it without touching the parent's loop.
  The loop thread is ours, not ``start_blocking_portal``'s: that context
  manager's cleanup calls into the portal, which in a child waits forever;
- Ctrl-C while waiting must not leave the request running: the task is started
  with ``start_task_soon`` and its future cancelled on any ``BaseException``.

Many threads may share one ``Qlara`` (and so one pool). Called from inside a
running event loop (a notebook cell), it blocks that loop like any sync I/O.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Coroutine, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from qlara._auth import BasicAuth
from qlara._batch_input import ProgressCallback
from qlara._batch_sync import SendManyIterator, send_many_blocking
from qlara._blocking import Blocking, blocking, sync_child
from qlara._client import AsyncQlara
from qlara._config import DEFAULT_RATE_LIMIT, ClientConfig, check_max_retries, resolve
from qlara._errors import QlaraError
from qlara._http import TimeoutTypes
from qlara._models import AnyMessage
from qlara._ratelimit import RateLimit
from qlara._resources._base import call_options
from qlara._resources.account import Account, ApiKeys, Socials
from qlara._resources.campaigns import Campaigns
from qlara._resources.contacts import Contacts
from qlara._resources.exports import Exports
from qlara._resources.inbox import Inbox
from qlara._resources.media import Files, Media
from qlara._resources.messages import Messages
from qlara._resources.rcs import Rcs
from qlara._resources.sms import Sms
from qlara._resources.webhooks import Webhooks
from qlara._resources.whatsapp import WhatsApp
from qlara._retry import RetryPolicy

if TYPE_CHECKING:
    from typing_extensions import Self

R = TypeVar("R")

# Loop threads, portals and clients whose cleanup must never run: a forked
# child's copies of its parent's, and a portal closed from its own thread.
# Collecting them would wait on a thread that cannot answer.
_ABANDONED: list[object] = []

# Set by an exit hook that runs before the clients' finalizers (see _watch_exit).
_EXIT = threading.Event()
_EXIT_WATCHED = False


def _watch_exit() -> None:
    """Note interpreter exit before any client's finalizer runs at exit.

    ``atexit`` runs hooks last-registered first; ``weakref.finalize``'s own
    hook exists once a finalizer was made, so registering after the first
    client's puts this one ahead of it.
    """
    global _EXIT_WATCHED  # noqa: PLW0603 - one hook per process
    if not _EXIT_WATCHED:
        _EXIT_WATCHED = True
        atexit.register(_EXIT.set)


class _Portal:
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


class Qlara(Blocking):
    """The blocking client: the same constructor, resources and errors as ``AsyncQlara``.

    Use it as a context manager, or call ``close()``; a forgotten client is
    still cleaned up at interpreter exit.
    """

    _portal: _Portal

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        auth: BasicAuth | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._config = resolve(
            api_key=api_key,
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            rate_limit=rate_limit,
            http_client=http_client,
            transport=transport,
        )
        self._portal = _Portal(self._config)
        self._options: Mapping[str, Any] = {}
        self._copy_of: tuple[AsyncQlara, AsyncQlara] | None = None
        self._owner = True
        self._parent: Qlara | None = None
        self._finalizer = weakref.finalize(self, self._portal.close)
        _watch_exit()

    def _async_target(self, client: AsyncQlara) -> Any:
        if not self._options:
            return client
        # A copy's async twin is made once per portal client (a fork makes a new one).
        cached = self._copy_of
        if cached is None or cached[0] is not client:
            cached = self._copy_of = (client, client.with_options(**self._options))
        return cached[1]

    sms: sync_child[Sms] = sync_child(Sms)
    rcs: sync_child[Rcs] = sync_child(Rcs)
    whatsapp: sync_child[WhatsApp] = sync_child(WhatsApp)
    messages: sync_child[Messages] = sync_child(Messages)
    webhooks: sync_child[Webhooks] = sync_child(Webhooks)
    # channel assets and conversations (issue 10)
    media: sync_child[Media] = sync_child(Media)
    files: sync_child[Files] = sync_child(Files)
    inbox: sync_child[Inbox] = sync_child(Inbox)
    # -- the account, contacts, campaigns and exports (issue 11) --
    contacts: sync_child[Contacts] = sync_child(Contacts)
    campaigns: sync_child[Campaigns] = sync_child(Campaigns)
    exports: sync_child[Exports] = sync_child(Exports)
    account: sync_child[Account] = sync_child(Account)
    socials: sync_child[Socials] = sync_child(Socials)
    api_keys: sync_child[ApiKeys] = sync_child(ApiKeys)

    request = blocking(AsyncQlara.request)
    send = blocking(AsyncQlara.send)
    send_with_fallback = blocking(AsyncQlara.send_with_fallback)

    def send_many(
        self,
        messages: Iterable[AnyMessage],
        *,
        concurrency: int = 16,
        journal: str | os.PathLike[str] | None = None,
        on_progress: ProgressCallback | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        max_parts: int | None = None,
    ) -> SendManyIterator:
        """Blocking ``AsyncQlara.send_many``: a plain iterator of one ``Outcome`` per input.

        Same arguments and guarantees; one task on the client's loop does the
        sending. Stopping early (``break``, ``close()``) cancels what is in
        flight and closes the journal; the iterator's ``unreported`` then lists
        the messages that went out, or may have, without being handed over.
        """
        return send_many_blocking(
            self._portal,
            self._async_target,
            messages,
            concurrency=concurrency,
            journal=journal,
            on_progress=on_progress,
            options=call_options(timeout, extra_headers, extra_body),
            max_parts=max_parts,
        )

    def with_options(
        self,
        *,
        timeout: TimeoutTypes = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
    ) -> Qlara:
        """A copy with other options sharing this client's portal, pool and limiter."""
        if max_retries is not None:
            check_max_retries(max_retries)
        copy = type(self).__new__(type(self))
        copy._config = self._config
        copy._portal = self._portal
        options = {"timeout": timeout, "max_retries": max_retries, "retry_policy": retry_policy}
        copy._options = {**self._options, **{k: v for k, v in options.items() if v is not None}}
        copy._copy_of = None
        copy._owner = False
        copy._parent = self  # the original's finalizer must not stop the shared portal first
        return copy

    @property
    def base_url(self) -> str:
        return self._config.base_url

    @property
    def max_retries(self) -> int:
        retries = self._options.get("max_retries")
        return self._config.max_retries if retries is None else int(retries)

    @property
    def is_closed(self) -> bool:
        return self._portal.closed

    def close(self) -> None:
        """Close the pool and stop the background event loop. Idempotent."""
        if self._owner:
            self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Qlara(base_url={self._config.base_url!r}, auth={self._config.auth_kind!r})"
