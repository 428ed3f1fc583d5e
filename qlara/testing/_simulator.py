"""``Simulator``: an in-memory Qlara with a pure-ish ``handle(request) -> response``.

One lock guards the state, so the simulator can be driven from a test thread
while a server thread answers requests. Callback events produced while the
lock is held are delivered after it is released, so a callback function may
call back into the simulator.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from qlara._models import Channel
from qlara._models.ratelimit import RateLimit
from qlara.testing import _events, _exports, _inbox, _routes
from qlara.testing._assets import AssetControls, AssetState
from qlara.testing._dispatch import HttpDispatcher, is_loopback
from qlara.testing._encoding import sms_parts
from qlara.testing._faults import Delay, Drop, Faults, Malformed, Status, status_response
from qlara.testing._limits import KeyLimiter
from qlara.testing._platform import PlatformState
from qlara.testing._sends import Parsed, answer, new_id
from qlara.testing._state import MARKS, Lifecycle, SentMessage
from qlara.testing._timeline import Timeline
from qlara.testing._wire import SimRequest, SimResponse, credential, error_response

if TYPE_CHECKING:
    import httpx

    from qlara.testing._asgi import ASGIApp

__all__ = ["Simulator"]

Event = dict[str, Any]


class Simulator(AssetControls):
    """An offline Qlara platform, as its documentation describes it.

    Args:
        api_keys: the keys (and ``"user:password"`` Basic credentials) it accepts;
            ``None`` accepts any non-empty credential.
        rate_limit: enforce the platform's per-key limit (e.g.
            ``qlara.RateLimit.production()``); ``None`` turns it off.
        lifecycle: how fast accepted messages become SENT and DELIVERED.
        clock: a monotonic clock in seconds; ``advance()`` moves it further.
        start: the wall-clock time the simulator's clock starts at (now by default).
        callback: a function receiving every callback event (a dict) in-process,
            instead of POSTing them to the configured webhook.
        history_shape: ``"array"`` answers history as the bare array of the
            reference; ``"messages"`` wraps it as ``{"messages": [...]}`` (UC-019).
        allow_remote_callbacks: POST callbacks to hosts other than localhost. Off
            by default: the simulator is offline, and tests that register
            ``https://example.com/hook`` must not reach the network.
        seed: seeds the random faults, for reproducible runs.

    Attributes:
        max_request_bytes: the largest SMS Legacy request body accepted; a
            larger one answers 413 (the platform's limit is undocumented).
        credit: what ``GET /api/services/sms/credit`` answers, in EUR.
    """

    def __init__(
        self,
        *,
        api_keys: Collection[str] | None = None,
        rate_limit: RateLimit | None = None,
        lifecycle: Lifecycle | None = None,
        clock: Callable[[], float] | None = None,
        start: datetime | None = None,
        callback: Callable[[Event], object] | None = None,
        history_shape: str = "array",
        allow_remote_callbacks: bool = False,
        seed: int | None = None,
    ) -> None:
        if history_shape not in ("array", "messages"):
            raise ValueError("history_shape must be 'array' or 'messages'")
        self.api_keys: frozenset[str] | None = None if api_keys is None else frozenset(api_keys)
        self.lifecycle: Lifecycle = lifecycle or Lifecycle()
        self.history_shape = history_shape
        self.callback = callback
        self.allow_remote_callbacks = allow_remote_callbacks
        self.faults: Faults = Faults(seed)
        self._rate_limit = rate_limit
        self._clock = clock or time.monotonic
        self._offset = 0.0
        self._epoch = self._clock()
        self._start = start or datetime.now(timezone.utc)
        self._lock = threading.RLock()
        self._dispatcher: HttpDispatcher | None = None
        self.max_request_bytes = 1 << 20
        self.credit: float = 1000.0
        self._init_state()

    def _init_state(self) -> None:
        self.sent: list[SentMessage] = []
        self.events: list[Event] = []
        self.send_counts: collections.Counter[str] = collections.Counter()
        self.attempt_counts: collections.Counter[str] = collections.Counter()
        self.requests_seen: int = 0
        self.exports: list[Mapping[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self._by_id: dict[str, SentMessage] = {}
        self._marks: dict[tuple[str, Channel | None], str] = {}
        self._timeline = Timeline(self.lifecycle, self.wall)
        self._pending: list[Event] = []
        self._limiter = None if self._rate_limit is None else KeyLimiter(self._rate_limit)
        # sender numbers, templates, media, files, the inbox (issue 10; see _assets.py)
        self.assets: AssetState = AssetState()
        # Contacts, lists, campaigns, exports, credit and keys (issue 11).
        self.platform: PlatformState = PlatformState()

    # -- clock ---------------------------------------------------------------

    def now(self) -> float:
        """The simulator's clock: the injected clock plus every ``advance``."""
        return self._clock() - self._epoch + self._offset

    def wall(self, at: float | None = None) -> datetime:
        """The wall-clock time of a simulator instant (now by default)."""
        return self._start + timedelta(seconds=self.now() if at is None else at)

    def advance(self, seconds: float) -> None:
        """Move the clock forward, running every transition and callback now due."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
        self.tick()

    def tick(self) -> None:
        """Run the transitions due at the current time (servers call this periodically)."""
        with self._lock:
            self._run_due()
        self._flush()

    # -- test controls --------------------------------------------------------

    def mark_number(
        self, destination: str, status: str, *, channel: Channel | str | None = None
    ) -> None:
        """Decide how messages to ``destination`` end, on one channel or on all.

        ``"ERROR"`` / ``"EXPIRED"``: fail after being SENT. ``"SENT"`` or
        ``"UNKNOWN"``: never reach a final state. ``"RECEIVED"``: end as RECEIVED.
        ``"REJECTED"``: the send itself answers ``accepted: false``.
        ``"DELIVERED"``: the default.

        Args:
            channel: only messages sent on this channel (``"WHATSAPP"``, say, so
                the number is unreachable on WhatsApp but gets its SMS); a mark
                for one channel wins over a mark for all of them.
        """
        status = status.upper()
        if status not in MARKS:
            raise ValueError(f"status must be one of {', '.join(sorted(MARKS))}, got {status!r}")
        selected = None if channel is None else Channel(channel)
        with self._lock:
            self._marks[destination, selected] = status

    def inject_inbound(
        self,
        source: str,
        text: str | None = None,
        *,
        destination: str = "+390212345678",
        channel: Channel | str = Channel.WHATSAPP,
        message_type: str = "TEXT",
        media_key: str | None = None,
        media: bytes | None = None,
        media_type: str = "image/jpeg",
    ) -> Event:
        """Simulate a message from ``source``: an INBOUND callback event, sent now.

        It also lands in the inbox, in the conversation of ``source`` with
        ``destination`` on ``channel`` (made on the first message), and opens
        WhatsApp's 24-hour reply window. ``media`` stores a file the customer
        sent (downloadable at ``/api/files/{mediaKey}``); its key is the event's
        ``mediaKey``.
        """
        if media is not None:
            media_key = self.add_file(media, media_type, key=media_key)
            if message_type == "TEXT":
                message_type = "VIDEO" if media_type.startswith("video/") else "IMAGE"
        event = _events.inbound(
            source=source,
            destination=destination,
            text=text,
            channel=Channel(channel).value,
            message_type=message_type,
            media_key=media_key,
            moment=self.wall(),
        )
        with self._lock:
            _inbox.record_inbound(self.assets, event, self.now(), self.wall())
            self._emit(event)
        self._flush()
        return event

    def message(self, message_id: str) -> SentMessage:
        """The accepted message with this id (``KeyError`` when there is none)."""
        with self._lock:
            self._run_due()
            return self._by_id[message_id]

    def status_of(self, message_id: str) -> str | None:
        """The current delivery status of a message, ``None`` when unknown."""
        with self._lock:
            self._run_due()
            found = self._by_id.get(message_id)
            return None if found is None else found.status

    def count(self, message_id: str) -> int:
        """How many sends with this id were accepted (more than 1 is a duplicate)."""
        return self.send_counts[message_id]

    def reset(self) -> None:
        """Forget every message, event, webhook, mark, fault and rate-limit window."""
        with self._lock:
            self.faults.clear()
            self._init_state()

    @property
    def webhook_url(self) -> str | None:
        """The configured callback URL, if any."""
        return None if self.webhook is None else str(self.webhook["callbackUrl"])

    def wait_for_callbacks(self, timeout: float = 10.0) -> bool:
        """Block until every queued HTTP callback was delivered or given up on."""
        dispatcher = self._dispatcher
        return True if dispatcher is None else dispatcher.join(timeout)

    @property
    def callback_stats(self) -> Mapping[str, int]:
        """HTTP callbacks ``delivered``, ``failed`` and ``dropped`` (queue full)."""
        d = self._dispatcher
        if d is None:
            return {"delivered": 0, "failed": 0, "dropped": 0}
        return {"delivered": d.delivered, "failed": d.failed, "dropped": d.dropped}

    def close(self) -> None:
        """Stop the callback thread; HTTP callbacks not delivered yet are dropped.

        Call ``wait_for_callbacks()`` first to let them through. A later event
        starts the thread again, so closing is always safe.
        """
        if self._dispatcher is not None:
            self._dispatcher.close()

    # -- adapters -------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An ``httpx.AsyncBaseTransport`` answering from this simulator."""
        from qlara.testing._transport import SimulatorTransport  # noqa: PLC0415

        return SimulatorTransport(self)

    def asgi_app(self) -> ASGIApp:
        """An ASGI application answering from this simulator."""
        from qlara.testing._asgi import simulator_app  # noqa: PLC0415

        return simulator_app(self)

    # -- the core ---------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one request, applying faults, auth, rate limits and the endpoint.

        A HEAD request is answered as the same GET would be, without the body.
        """
        response = self._answer(request)
        if request.method == "HEAD":
            response.body = b""
        return response

    def _answer(self, request: SimRequest) -> SimResponse:
        fault = self.faults.take(request.path)
        if isinstance(fault, Status):
            return status_response(fault, request.path)
        if isinstance(fault, Drop) and not fault.processed:
            return SimResponse(0, drop=True)
        with self._lock:
            self.requests_seen += 1
            self._run_due()
            response = self._handle_locked(request)
        self._flush()
        if isinstance(fault, Delay):
            response.delay = fault.seconds
        elif isinstance(fault, Drop):
            response.drop = True
        elif isinstance(fault, Malformed):
            body = (
                fault.body if fault.body is not None else response.body[: len(response.body) // 2]
            )
            response.status, response.body = fault.status, body
        return response

    def _handle_locked(self, request: SimRequest) -> SimResponse:
        if not request.path.startswith("/api/"):
            return error_response(404, "No endpoint here; the API lives under /api", request.path)
        if request.path.startswith(_exports.DOWNLOAD_PREFIX):
            return _exports.download(self, request)  # a time-limited link: no credentials
        key = credential(request.headers)
        if key is None:
            return error_response(
                401, "Missing credentials: send X-Api-Key or Basic auth", request.path
            )
        if self.api_keys is not None and key not in self.api_keys:
            return error_response(401, "Invalid API key or credentials", request.path)
        headers: dict[str, str] = {}
        if self._limiter is not None:
            verdict = self._limiter.check(key, self.now())
            headers = {
                "x-ratelimit-limit": str(verdict.limit),
                "x-ratelimit-remaining": str(verdict.remaining),
            }
            if not verdict.admitted:
                seconds = verdict.retry_after
                response = error_response(
                    429,
                    f"Rate limit exceeded. Please retry after {seconds} seconds.",
                    request.path,
                    {"retryAfter": seconds},
                )
                response.headers.update(headers)
                return response
        response = _routes.dispatch(self, request)
        if headers:
            response.headers.update(headers)
        return response

    # -- used by the routes (lock held) -----------------------------------------------

    def _accept(self, parsed: Parsed, data: Mapping[str, Any]) -> dict[str, Any]:
        message_id = parsed.message_id or new_id()
        platform_id = message_id if parsed.dialect == "current" else new_id()
        self.attempt_counts[message_id] += 1
        mark = self.mark_of(parsed.destination, parsed.channel)
        accepted = mark != "REJECTED"
        if accepted and not parsed.simulation:
            self._track(parsed, data, message_id, platform_id, mark)
        return answer(parsed, message_id, platform_id, accepted)

    def _accept_legacy(self, parsed: Parsed, data: Mapping[str, Any]) -> bool:
        """One message of an SMS Legacy request: tracked by its own id; accepted?"""
        message_id = parsed.message_id or new_id()
        self.attempt_counts[message_id] += 1
        mark = self.mark_of(parsed.destination, parsed.channel)
        accepted = mark != "REJECTED"
        if accepted and not parsed.simulation:
            self._track(parsed, data, message_id, message_id, mark)
        return accepted

    def _track(
        self, parsed: Parsed, data: Mapping[str, Any], message_id: str, platform_id: str, mark: str
    ) -> None:
        parts, unicode = sms_parts(parsed.text) if parsed.text is not None else (1, False)
        now = self.now()
        start = now
        if parsed.scheduled is not None:
            start = max(now, (parsed.scheduled - self._start).total_seconds())
        message = SentMessage(
            message_id=message_id,
            platform_id=platform_id,
            channel=parsed.channel,
            destination=parsed.destination,
            sender=parsed.sender,
            text=parsed.text,
            body=data,
            dialect=parsed.dialect,
            parts=parts,
            unicode=unicode,
            accepted_at=now,
            sent_date=self.wall(now),
            final=mark,
            notify=parsed.notify,
        )
        self.send_counts[message_id] += 1
        self.sent.append(message)
        self._by_id.setdefault(message_id, message)
        self._timeline.start(message, start)

    def _run_due(self) -> None:
        for event in self._timeline.run(self.now()):
            self._emit(event)

    def _emit(self, event: Event) -> None:
        self.events.append(event)
        self._pending.append(event)

    def _flush(self) -> None:
        if not self._pending:
            return
        with self._lock:
            pending, self._pending = self._pending, []
            url = self.webhook_url
        if self.callback is not None:
            for event in pending:
                self.callback(event)
            return
        if url is None or not (self.allow_remote_callbacks or is_loopback(url)):
            return
        with self._lock:
            if self._dispatcher is None:
                self._dispatcher = HttpDispatcher()
            dispatcher = self._dispatcher
        for event in pending:
            dispatcher.submit(url, event)

    def lookup(self, message_id: str) -> SentMessage | None:
        return self._by_id.get(message_id)

    def mark_of(self, destination: str, channel: Channel | None = None) -> str:
        """How messages to ``destination`` on ``channel`` end (``mark_number``; DELIVERED
        by default); a mark for that channel wins over one for every channel."""
        marks = self._marks
        found = marks.get((destination, channel)) if channel is not None else None
        return found or marks.get((destination, None), "DELIVERED")

    def forget(self, message_id: str) -> None:
        """Withdraw a tracked message (a cancelled campaign's): it is no longer reported."""
        message = self._by_id.pop(message_id, None)
        if message is not None and message in self.sent:
            self.sent.remove(message)

    def all_messages(self) -> list[SentMessage]:
        return list(self._by_id.values())

    def __repr__(self) -> str:
        return f"Simulator(messages={len(self._by_id)}, events={len(self.events)})"
