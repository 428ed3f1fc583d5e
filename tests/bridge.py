"""Mock-transport handlers served over real loopback HTTP, for the aiohttp backend.

The httpx backend runs the pipeline tests on ``httpx.MockTransport``; aiohttp
has no such hook, so the same handlers (``httpx.Request -> httpx.Response``,
sync or async) are served by one loopback server for the whole session, each
client under its own path prefix (``/t<n>``, removed before the handler sees
the request). What a handler raises is played on the wire:

- ``httpx.TimeoutException``: the answer is held back (the client's read
  timeout fires after the request was written);
- any other ``httpx.TransportError``: the connection is dropped after the
  request was read (the connection broke mid-request);
- ``httpx.ConnectError`` cannot be played once the connection is made: a test
  scripting it runs on httpx only, and a real refused port covers aiohttp.
"""

from __future__ import annotations

import inspect
import itertools
import threading
from collections.abc import Callable
from typing import Any

import httpx

from qlara.testing._server import Server
from qlara.testing._wire import SimRequest, SimResponse

HELD_BACK = 30.0  # far beyond the read timeout the aiohttp tests use
NOT_FORWARDED = frozenset({"content-length", "transfer-encoding", "connection"})


class Bridge:
    """One loopback server; ``url_for(handler)`` is a base URL answered by ``handler``."""

    def __init__(self) -> None:
        self._handlers: dict[str, Callable[[httpx.Request], Any]] = {}
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._server = Server(self._handle)
        self._server.start()

    def url_for(self, handler: Callable[[httpx.Request], Any], base_url: str | None) -> str:
        """A base URL on the bridge for ``handler``, keeping ``base_url``'s path (``/api``)."""
        with self._lock:
            prefix = f"/t{next(self._numbers)}"
            self._handlers[prefix] = handler
        path = httpx.URL(base_url).path.rstrip("/") if base_url else "/api"
        return f"{self._server.url}{prefix}{path}"

    def forget(self, base_url: str) -> None:
        prefix = "/" + httpx.URL(base_url).path.split("/")[1]
        with self._lock:
            self._handlers.pop(prefix, None)

    def stop(self) -> None:
        self._server.stop()

    async def _handle(self, incoming: SimRequest) -> SimResponse:
        path = incoming.path
        if "://" in path:  # absolute-form, as a client sends it to a proxy
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        _, prefix, rest = path.split("/", 2)
        with self._lock:
            handler = self._handlers.get("/" + prefix)
        if handler is None:
            return SimResponse(404, {"content-type": "text/plain"}, b"no such test handler")
        url = f"http://{incoming.headers.get('host', 'localhost')}/{rest}"
        if incoming.query:
            url += "?" + incoming.query
        request = httpx.Request(
            incoming.method, url, headers=list(incoming.headers.items()), content=incoming.body
        )
        try:
            answer = handler(request)
            if inspect.isawaitable(answer):
                answer = await answer
        except httpx.ConnectError:
            return SimResponse(
                599, {"content-type": "text/plain"}, b"the bridge cannot play a ConnectError"
            )
        except httpx.TimeoutException:
            return SimResponse(504, delay=HELD_BACK)
        except httpx.TransportError:
            return SimResponse(500, drop=True)
        assert isinstance(answer, httpx.Response)
        try:
            body = answer.content  # read already (made from content= or json=)
        except httpx.ResponseNotRead:
            body = b"".join(answer.stream)  # type: ignore[arg-type]  # raw, still encoded
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_FORWARDED}
        return SimResponse(answer.status_code, headers, body)
