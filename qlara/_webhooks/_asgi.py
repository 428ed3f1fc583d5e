"""``asgi_app``: a dependency-free ASGI 3 receiver for the platform's callbacks.

It answers first and works after: the platform retries a callback that is not
acknowledged quickly (the old guide says within 5 seconds), so the 200 goes
out as soon as the body is read and parsed, and the handler runs afterwards,
in a worker thread when it is a plain function, on the event loop when it is
async. A handler's exception is logged, never turned into a 5xx: the event
was received, and a retry would only deliver it again.

The platform signs nothing. With ``token``, callers must present the shared
secret as the ``token`` query parameter (put it in the registered URL) or the
``X-Webhook-Token`` header; it is compared in constant time.

Mounted in Starlette/FastAPI (``app.mount("/qlara/events", receiver)``), the
receiver serves ``/qlara/events/``: a POST to ``/qlara/events`` is answered 307
by the framework's router and never reaches it, so nothing here can see those
callbacks. What it can see is someone checking the URL (a GET or HEAD, from a
browser, curl or a redirect followed as a GET): it answers 405 naming the
mount and the fix, and logs that once as a WARNING. The README shows the mount done right
(register the URL with the trailing slash, or route the exact path with
``app.add_route(path, receiver, methods=["POST"])``).
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread

from qlara._errors import ValidationError, WebhookError
from qlara._webhooks._events import WebhookEvent
from qlara._webhooks._parse import parse

__all__ = ["ASGIApp", "WebhookReceiver", "asgi_app"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Handler = Callable[[WebhookEvent], Any]

DEFAULT_MAX_BODY = 1024 * 1024


class _TooLargeError(Exception):
    pass


class _DisconnectedError(Exception):
    pass


def _is_async(handler: object) -> bool:
    call = getattr(handler, "__call__", None)  # noqa: B004 - an async __call__ counts too
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)


class WebhookReceiver:
    """The ASGI application ``asgi_app`` returns; see ``qlara.webhooks.asgi_app``."""

    def __init__(self, handler: Handler, *, token: str | None, max_body: int) -> None:
        self._handler = handler
        self._async = _is_async(handler)
        self._token = None if token is None else token.encode()
        self._max_body = max_body
        self._warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope.get("type")
        if kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message.get("type") == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message.get("type") == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") != "POST":
            problem = "only POST is accepted"
            if scope.get("method") in ("GET", "HEAD"):
                problem = self._redirect_hint(scope)
            await _refuse(send, 405, problem, [(b"allow", b"POST")])
            return
        if not self._authorised(scope):
            log.debug("refused a callback without a valid token")
            await _refuse(send, 401, "missing or wrong webhook token")
            return
        declared = _content_length(scope)
        if declared is not None and declared > self._max_body:
            await _refuse(send, 413, f"the body exceeds {self._max_body} bytes")
            return
        try:
            body = await self._read(receive)
        except _TooLargeError:
            await _refuse(send, 413, f"the body exceeds {self._max_body} bytes")
            return
        except _DisconnectedError:
            return
        try:
            event = parse(body)
        except WebhookError as exc:
            log.debug("refused a callback body: %s", exc)
            await _refuse(send, 400, str(exc))
            return
        except Exception:  # parse promises WebhookError only; a bad body is still never a 5xx
            log.debug("refused a callback body that could not be read", exc_info=True)
            await _refuse(send, 400, "the callback body could not be read")
            return
        try:
            await _respond(send, 200, None)
        except Exception:
            log.debug("could not answer the callback; handling the event anyway", exc_info=True)
        await self._run(event)

    def _redirect_hint(self, scope: Scope) -> str:
        """What a GET here suggests about the setup, and the fix (logged once as a WARNING)."""
        mount = _as_text(scope.get("root_path", "")).rstrip("/")
        if mount:
            fix = (
                f"under a Starlette/FastAPI mount, a POST to {mount} is answered 307 by the "
                "framework and never gets here: register the callback URL as "
                f"{mount}/ (with the trailing slash), or route the exact path with "
                f'app.add_route("{mount}", receiver, methods=["POST"])'
            )
        else:
            fix = "register the exact URL this receiver is served at"
        problem = (
            f"only POST is accepted, got a GET at {_public_path(scope)}; if callbacks are "
            f"not arriving, {fix}"
        )
        if not self._warned:
            self._warned = True
            log.warning("webhook receiver: %s", problem)
        return problem

    def _authorised(self, scope: Scope) -> bool:
        if self._token is None:
            return True
        offered: list[bytes] = [
            _as_bytes(value)
            for name, value in _headers(scope)
            if _as_bytes(name).lower() == b"x-webhook-token"
        ]
        query = _as_bytes(scope.get("query_string", b"")).decode("latin-1")
        offered += [value.encode() for value in parse_qs(query).get("token", [])]
        accepted = False
        for value in offered:
            # Every offer is compared, in constant time, so timing says nothing.
            accepted |= hmac.compare_digest(value, self._token)
        return accepted

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message.get("type") == "http.disconnect":
                raise _DisconnectedError
            chunk = _as_bytes(message.get("body", b""))
            size += len(chunk)
            if size > self._max_body:
                raise _TooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _run(self, event: WebhookEvent) -> None:
        try:
            if self._async:
                await self._handler(event)
            else:
                result = await anyio.to_thread.run_sync(self._handler, event)
                if inspect.isawaitable(result):
                    await result
        except Exception:
            # Logged with the event type only: payloads hold phone numbers and texts.
            log.exception("the webhook handler failed on a %s", type(event).__name__)


def _as_bytes(value: object) -> bytes:
    """ASGI says bytes; a server or test harness that passes text is read, not a 500."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8", "replace")  # the text meant, as the token is compared
    return b""


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else _as_bytes(value).decode("utf-8", "replace")


def _public_path(scope: Scope) -> str:
    """The request path as the caller sent it (never the query: it holds the token).

    Starlette before 0.33 passes a mounted app the rest of the path (``/``) and
    the mount in ``root_path``; later versions pass the whole path in both.
    """
    root = _as_text(scope.get("root_path", ""))
    path = _as_text(scope.get("path", "")) or "/"
    return path if not root or path.startswith(root) else root.rstrip("/") + path


def _headers(scope: Scope) -> list[tuple[object, object]]:
    return [
        (pair[0], pair[1])
        for pair in scope.get("headers", ()) or ()
        if isinstance(pair, (tuple, list)) and len(pair) == 2
    ]


def _content_length(scope: Scope) -> int | None:
    for name, value in _headers(scope):
        if _as_bytes(name).lower() == b"content-length":
            try:
                return int(_as_bytes(value))
            except ValueError:
                return None
    return None


async def _refuse(
    send: Send, status: int, error: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer a 4xx; a connection the server already gave up on is no error of ours.

    uvicorn, for one, answers a request whose body breaks HTTP framing itself,
    and then raises on the application's own answer: the caller has its 4xx.
    """
    try:
        await _respond(send, status, error, headers)
    except Exception:
        log.debug("could not answer %d to a refused callback", status, exc_info=True)


async def _respond(
    send: Send, status: int, error: str | None, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = {"received": True} if error is None else {"error": error}
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def asgi_app(
    handler: Handler, *, token: str | None = None, max_body: int = DEFAULT_MAX_BODY
) -> WebhookReceiver:
    """An ASGI 3 application that receives the platform's callbacks.

    Run it under uvicorn or hypercorn, or mount it in Starlette/FastAPI. It
    answers every valid POST with 200 at once, then calls ``handler(event)``.

    Args:
        handler: a function or coroutine function taking the parsed event; a
            plain function runs in a worker thread so it may block.
        token: a shared secret callers must send as the ``token`` query
            parameter or the ``X-Webhook-Token`` header; 401 otherwise.
        max_body: the largest body accepted, in bytes; 413 beyond it.

    Answers: 200 received, 400 not a JSON object, 401 bad token, 405 not a
    POST, 413 too large; never 5xx for anything a caller sends. A GET (someone
    checking the URL) gets a 405 naming the fix for the usual reason callbacks
    never arrive, logged once as a WARNING: under a Starlette/FastAPI mount,
    register the URL with its trailing slash, or route the exact path.
    """
    if not callable(handler):
        raise ValidationError("handler", f"must be callable, got {handler!r}")
    if token is not None and (not isinstance(token, str) or not token):
        raise ValidationError("token", "must be a non-empty string or None")
    if isinstance(max_body, bool) or not isinstance(max_body, int) or max_body < 1:
        raise ValidationError("max_body", f"must be a positive number of bytes, got {max_body!r}")
    return WebhookReceiver(handler, token=token, max_body=max_body)
