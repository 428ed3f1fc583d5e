"""Delivering callbacks over HTTP without holding up the simulator.

Events go into a bounded queue and one background thread POSTs them to the
configured URL with a keep-alive ``httpx.Client``, retrying a failed delivery a
few times with a short backoff. When the queue is full the event is dropped
and counted: the simulator's request handling never waits for a receiver.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from qlara._redact import mask_url

__all__ = ["HttpDispatcher", "is_loopback"]

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")

log = logging.getLogger(__name__)

_STOP = object()


class HttpDispatcher:
    """A thread POSTing JSON events, in order, to whatever URL each was queued for.

    Attributes:
        delivered: events the receiver answered with 2xx.
        failed: events given up on after every attempt.
        dropped: events refused because the queue was full.
    """

    def __init__(
        self,
        *,
        max_queue: int = 10_000,
        attempts: int = 4,
        backoff: float = 0.05,
        timeout: float = 5.0,
    ) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.delivered = 0
        self.failed = 0
        self.dropped = 0

    def submit(self, url: str, event: dict[str, Any]) -> None:
        """Queue one event; never blocks."""
        self._ensure_started()
        try:
            self._queue.put_nowait((url, event))
        except queue.Full:
            self.dropped += 1

    def join(self, timeout: float = 10.0) -> bool:
        """Wait until every queued event was handled; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        """Stop the thread; events still queued are dropped (``join`` first to keep them).

        A delivery in progress makes no further attempts, so closing is quick
        even when the receiver is gone.
        """
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            self.dropped += 1
            self._queue.task_done()
        self._queue.put(_STOP)
        thread.join(timeout=self._timeout + 1)
        self._stopping.clear()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="qlara-sim-callbacks", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout) as client:
            while True:
                item = self._queue.get()
                try:
                    if item is _STOP:
                        return
                    url, event = item
                    self._deliver(client, url, event)
                finally:
                    self._queue.task_done()

    def _deliver(self, client: httpx.Client, url: str, event: dict[str, Any]) -> None:
        for attempt in range(self._attempts):
            try:
                response = client.post(url, json=event)
            except httpx.HTTPError as exc:
                # The URL may hold the receiver's token: never logged whole.
                problem = f"{type(exc).__name__}: {exc}".replace(url, mask_url(url))
            else:
                if response.is_success:
                    self.delivered += 1
                    return
                problem = f"HTTP {response.status_code}"
            log.debug("callback attempt %d failed: %s", attempt + 1, problem)
            if attempt + 1 < self._attempts and self._stopping.wait(self._backoff * 2**attempt):
                break
        self.failed += 1


def is_loopback(url: str) -> bool:
    """Whether a URL points at this machine (where callbacks may go by default)."""
    host = urlsplit(url).netloc.rpartition("@")[2]
    host = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return host in LOOPBACK_HOSTS
