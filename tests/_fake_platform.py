"""An independent fake Qlara platform over real loopback HTTP/1.1, with fault injection.

Written for the soak campaign (tests/test_soak.py, benchmarks/soak.py) on the
standard library only, deliberately sharing nothing with ``qlara.testing``: a
threaded ``http.server`` on 127.0.0.1 speaking keep-alive HTTP/1.1, which
records every send it *accepts* by ``messageId`` and answers the status
lookup a journal resume makes.

Faults are chosen per attempt from ``(seed, key, attempt number)``, where the
key is the send's ``campaignId`` when it has one (the soak gives each input
its own, so the plan does not depend on the run's random message ids) and its
``messageId`` otherwise: a run is reproducible whatever order the requests
arrive in. The kinds:

- ``rate_limited``: 429 with a small ``retryAfter`` (nothing recorded);
- ``error_500_after``: recorded, then 500;
- ``bad_gateway``: 502 with an HTML body (a proxy's: nothing recorded);
- ``unavailable``: 503 (nothing recorded);
- ``stall_after``: recorded, then no answer until past the client's timeout;
- ``close_after``: recorded, then the connection closes without an answer;
- ``close_before``: the request is read, then the connection closes, nothing recorded;
- ``slow``: recorded and answered 200 after a short delay.
"""

from __future__ import annotations

import json
import random
import re
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["FAULT_KINDS", "LANDING_KINDS", "FakePlatform", "serve"]

FAULT_KINDS = (
    "rate_limited",
    "error_500_after",
    "bad_gateway",
    "unavailable",
    "stall_after",
    "close_after",
    "close_before",
    "slow",
)
LANDING_KINDS = frozenset({"ok", "slow", "error_500_after", "stall_after", "close_after"})
"""The kinds of attempt after which the platform holds the message."""

_SEND = re.compile(r"^/api/message-server/(sms|rcs|whatsapp)/send$")
_STATUS = re.compile(r"^/api/partner-gateway/v1/messages/status/([^/?]+)$")


class FakePlatform:
    """The platform's state and fault plan; thread-safe (each connection has a thread).

    Args:
        seed: makes the fault plan reproducible.
        fault_rate: the chance that an attempt meets a fault, spread evenly
            over ``kinds``.
        kinds: the fault kinds to draw from.
        stall: how long a ``stall_after`` holds its answer (past the client's timeout).
        slow: the range of a ``slow`` answer's delay, in seconds.
        retry_after: the ``retryAfter`` a 429 asks for, in seconds.
    """

    def __init__(
        self,
        *,
        seed: int,
        fault_rate: float = 0.1,
        kinds: Sequence[str] = FAULT_KINDS,
        stall: float = 0.6,
        slow: tuple[float, float] = (0.01, 0.05),
        retry_after: float = 0.05,
    ) -> None:
        unknown = set(kinds) - set(FAULT_KINDS)
        assert not unknown, unknown
        self.seed = seed
        self.fault_rate = fault_rate
        self.kinds = tuple(kinds)
        self.stall = stall
        self.slow = slow
        self.retry_after = retry_after
        self.accepted: Counter[str] = Counter()
        """How many times each ``messageId`` was accepted (more than 1 is a duplicate)."""
        self.attempts: defaultdict[str, list[str]] = defaultdict(list)
        """Per ``messageId``, the kind of every attempt in arrival order (``"ok"`` for none)."""
        self.status_lookups = 0
        self.errors: list[str] = []
        """Unexpected exceptions in the fake itself (a test asserts there are none)."""
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def plan(self, key: str, attempt: int) -> str:
        """The fault (or ``"ok"``) for the ``attempt``-th request of the send ``key`` names."""
        draw = random.Random(f"{self.seed}:{key}:{attempt}")
        if draw.random() >= self.fault_rate:
            return "ok"
        return draw.choice(self.kinds)

    def begin(self, message_id: str, key: str) -> str:
        """Register an attempt and return its kind."""
        with self._lock:
            attempts = self.attempts[message_id]
            kind = self.plan(key, len(attempts))
            attempts.append(kind)
            return kind

    def record(self, message_id: str) -> None:
        with self._lock:
            self.accepted[message_id] += 1

    def look_up(self, message_id: str) -> bool:
        """Count a status lookup; whether the platform holds ``message_id``."""
        with self._lock:
            self.status_lookups += 1
            return self.accepted[message_id] > 0

    def landed(self, message_id: str) -> bool:
        with self._lock:
            return self.accepted[message_id] > 0

    def served(self) -> Counter[str]:
        """How many attempts met each kind of fault."""
        with self._lock:
            return Counter(kind for kinds in self.attempts.values() for kind in kinds)

    def retries_after(self) -> Counter[str]:
        """Per kind, how many attempts were followed by another attempt of the same message."""
        with self._lock:
            return Counter(kind for kinds in self.attempts.values() for kind in kinds[:-1])

    def duplicates(self) -> dict[str, int]:
        with self._lock:
            return {mid: count for mid, count in self.accepted.items() if count > 1}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer waits ~40 ms for a delayed ACK
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: the campaign prints its own table."""

    def _answer(self, status: int, payload: object, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True

    def do_GET(self) -> None:
        platform = self.server.platform
        url = urlsplit(self.path)
        found = _STATUS.match(url.path)
        if found is None:
            self._answer(404, {"status": 404, "error": "Not Found", "message": url.path})
            return
        message_id = unquote(found.group(1))
        if platform.look_up(message_id):
            self._answer(
                200,
                {
                    "customerMessageId": message_id,
                    "deliveryStatus": "SENT",
                    "deliveryStatusDescription": "forwarded to the carrier",
                },
            )
        else:
            message = f"no message {message_id}"
            self._answer(404, {"status": 404, "error": "Not Found", "message": message})

    def do_POST(self) -> None:
        platform = self.server.platform
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        found = _SEND.match(urlsplit(self.path).path)
        if found is None:
            self._answer(404, {"status": 404, "error": "Not Found", "message": self.path})
            return
        try:
            body = json.loads(raw)
            message_id = str(body["messageId"])
            key = str(body.get("campaignId") or message_id)
        except (ValueError, KeyError, TypeError, AttributeError):
            self._answer(400, {"status": 400, "error": "Bad Request", "message": "messageId"})
            return
        kind = platform.begin(message_id, key)
        if kind == "close_before":
            self._drop()
            return
        if kind == "rate_limited":
            self._answer(
                429,
                {
                    "status": 429,
                    "error": "Too Many Requests",
                    "message": "slow down",
                    "retryAfter": platform.retry_after,
                },
            )
            return
        if kind == "unavailable":
            self._answer(503, {"status": 503, "error": "Service Unavailable", "message": "busy"})
            return
        if kind == "bad_gateway":
            self._answer(502, b"<html><h1>502 Bad Gateway</h1></html>", "text/html")
            return
        platform.record(message_id)
        if kind == "error_500_after":
            self._answer(500, {"status": 500, "error": "Internal Server Error", "message": "oops"})
        elif kind == "stall_after":
            platform.stopping.wait(platform.stall)
            self._drop()
        elif kind == "close_after":
            self._drop()
        else:
            if kind == "slow":
                delay = random.Random(f"{key}:slow").uniform(*platform.slow)
                platform.stopping.wait(delay)
            channel = found.group(1)
            result = {"accepted": True, "unicode": False, "parts": 1, "reasons": []}
            self._answer(
                200, {"messageId": message_id, "simulation": False, "results": {channel: result}}
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, platform: FakePlatform) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.platform = platform

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone mid-request (a timeout, a killed child) is expected; the rest is kept."""
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            self.platform.errors.append(repr(error))


@contextmanager
def serve(platform: FakePlatform) -> Iterator[str]:
    """Serve ``platform`` on an ephemeral loopback port; yields the base URL (``.../api``)."""
    server = _Server(platform)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="fake-platform",
        daemon=True,
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}/api"
    finally:
        platform.stopping.set()  # wakes every stalled or slow answer
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
