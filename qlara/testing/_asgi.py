"""ASGI both ways: the simulator as an ASGI app, and an ASGI app as a handler.

``simulator_app`` lets any ASGI server (or ``httpx.ASGITransport``) serve the
simulator. ``asgi_handler`` goes the other way, so the loopback server can run
an ASGI application such as ``qlara.webhooks.asgi_app`` (the demo's receiver).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio

from qlara.testing._wire import SimRequest, SimResponse

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["ASGIApp", "asgi_handler", "simulator_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def simulator_app(simulator: Simulator) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        raw_path = scope.get("raw_path")
        request = SimRequest(
            scope["method"],
            # As sent, percent-encoded, like the other adapters (ASGI's "path" is decoded).
            raw_path.partition(b"?")[0].decode("latin-1") if raw_path else scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            await _read_body(receive),
        )
        response = simulator.handle(request)
        if response.delay:
            await anyio.sleep(response.delay)
        if response.drop:
            raise ConnectionAbortedError("simulated dropped connection")
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    return app


def asgi_handler(app: ASGIApp) -> Callable[[SimRequest], Awaitable[SimResponse]]:
    """Run one request through an ASGI app and collect its answer."""

    async def handle(request: SimRequest) -> SimResponse:
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.path,
            "raw_path": request.path.encode("latin-1"),
            "query_string": request.query.encode("latin-1"),
            "root_path": "",
            "headers": [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.items()
            ],
            "server": ("127.0.0.1", 0),
            "client": ("127.0.0.1", 0),
        }
        sent_body = False
        response = SimResponse(500)
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                response.status = message["status"]
                response.headers = {
                    k.decode("latin-1").lower(): v.decode("latin-1")
                    for k, v in message.get("headers", [])
                }
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        response.body = b"".join(chunks)
        return response

    return handle
