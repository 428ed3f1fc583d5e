"""Fault injection: what the network and the platform do on a bad day.

``sim.faults`` holds, per path pattern, a queue of faults served one per
matching request, and faults that strike with a probability. A pattern is a
``fnmatch`` glob over the path under ``/api`` (``"/message-server/*/send"``,
``"*"``); the ``/api`` prefix may be given or left out.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any, Union

import attrs

from qlara.testing._wire import SimResponse, error_response, json_response

__all__ = ["Delay", "Drop", "Fault", "Faults", "Malformed", "Status", "status_response"]


@attrs.frozen(kw_only=True)
class Status:
    """Answer with this status code instead of handling the request.

    Attributes:
        code: the HTTP status.
        body: the JSON body; a Spring-style error body when ``None``.
        headers: extra response headers (e.g. ``{"Retry-After": "2"}``).
        retry_after: for 429/503, the ``retryAfter`` seconds put in the body.
    """

    code: int
    body: Any = None
    headers: Mapping[str, str] | None = None
    retry_after: int | None = None


@attrs.frozen(kw_only=True)
class Delay:
    """Handle the request, then hold the answer for ``seconds``.

    The transport turns a delay longer than the client's read timeout into
    ``httpx.ReadTimeout`` (after waiting that timeout); the request was handled.
    """

    seconds: float


@attrs.frozen(kw_only=True)
class Drop:
    """Close the connection without an answer.

    Attributes:
        processed: handle the request first (a send lands, the answer is lost:
            the ambiguous case), or drop it before it is handled.
    """

    processed: bool = False


@attrs.frozen(kw_only=True)
class Malformed:
    """Handle the request, then answer with a broken body and this status.

    Attributes:
        status: the status to answer with (a 2xx that breaks the contract by default).
        body: the raw body; the real answer cut in half when ``None``.
    """

    status: int = 200
    body: bytes | None = None


Fault = Union[Status, Delay, Drop, Malformed]  # noqa: UP007
FaultLike = Union[Fault, int]  # noqa: UP007


def _as_fault(value: FaultLike) -> Fault:
    if isinstance(value, bool):
        raise TypeError("a fault is a Status, Delay, Drop, Malformed or a status code")
    if isinstance(value, int):
        return Status(code=value)
    if not isinstance(value, (Status, Delay, Drop, Malformed)):
        raise TypeError(f"not a fault: {value!r}")
    return value


def _pattern(path: str) -> str:
    if path == "*" or path.startswith("/api/") or path == "/api":
        return path
    return "/api" + (path if path.startswith("/") else "/" + path)


class Faults:
    """The faults waiting for requests. Thread-safe.

    Example::

        sim.faults.queue("/message-server/sms/send", 503, qlara.testing.Drop())
        sim.faults.chance("*", 0.05, qlara.testing.Status(code=500))
    """

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {}
        self._chances: list[tuple[str, float, Fault]] = []
        self._random = random.Random(seed)  # noqa: S311 - simulation, not cryptography
        self.injected: int = 0

    def queue(self, path: str, *faults: FaultLike) -> None:
        """Serve ``faults`` in order, one per request matching ``path``.

        Integers stand for ``Status(code=n)``.
        """
        items = [_as_fault(fault) for fault in faults]
        with self._lock:
            self._queues.setdefault(_pattern(path), deque()).extend(items)

    def chance(self, path: str, probability: float, fault: FaultLike) -> None:
        """Strike each request matching ``path`` with ``fault`` at this probability."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {probability}")
        with self._lock:
            self._chances.append((_pattern(path), probability, _as_fault(fault)))

    def clear(self) -> None:
        """Forget every queued fault and probability."""
        with self._lock:
            self._queues.clear()
            self._chances.clear()

    @property
    def pending(self) -> int:
        """Queued faults not served yet."""
        with self._lock:
            return sum(len(queue) for queue in self._queues.values())

    def take(self, path: str) -> Fault | None:
        """The fault for one request to ``path``, if any (queues first)."""
        if not self._queues and not self._chances:
            return None
        with self._lock:
            for pattern, queue in self._queues.items():
                if queue and _matches(pattern, path):
                    self.injected += 1
                    return queue.popleft()
            for pattern, probability, fault in self._chances:
                if _matches(pattern, path) and self._random.random() < probability:
                    self.injected += 1
                    return fault
        return None


def _matches(pattern: str, path: str) -> bool:
    return pattern == "*" or fnmatch.fnmatchcase(path, pattern)


def status_response(fault: Status, path: str) -> SimResponse:
    """The answer a ``Status`` fault gives instead of the endpoint's."""
    if fault.body is not None:
        response = json_response(fault.code, fault.body)
    else:
        extra = None if fault.retry_after is None else {"retryAfter": fault.retry_after}
        message = "Injected fault"
        if fault.code == 429:
            message = f"Rate limit exceeded. Please retry after {fault.retry_after or 1} seconds."
        response = error_response(fault.code, message, path, extra)
    if fault.headers:
        response.headers.update({k.lower(): v for k, v in fault.headers.items()})
    return response
