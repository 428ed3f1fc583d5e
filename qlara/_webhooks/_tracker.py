"""``DeliveryTracker``: one forward-only delivery state per message, from any source.

Callbacks arrive late, twice, out of order and per SMS part; polls answer
whatever the platform knew at the time. The tracker folds all of it into one
state per message that only moves forward:

    UNKNOWN < SENT < RECEIVED < DELIVERED | ERROR | EXPIRED (final)

A final state sticks (a late SENT never overwrites DELIVERED, and the first
final word wins). Multi-part SMS receipts (``part`` of ``total_parts``) are
kept per part: the message is DELIVERED only when every part is, ERROR (or
EXPIRED) as soon as one part fails, and RECEIVED while some parts are
delivered and others are not yet.

Messages are keyed by the id the SDK sent (``SendResult.message_id``). An
event's ``sent_message_id`` (its ``customerMessageId``, else its
``messageId``) names it; when an event carries both ids, the platform's
``messageId`` is remembered as an alias, so a later event carrying only that
id lands on the same message. When events carrying only the platform's id
came first, their state moves under the sent id (merged with a ``track``-ed
one) as soon as an event links the two, so both ids find the one message.

``await tracker.wait(message_id, timeout=...)`` waits for a message's final
state without polling: the ``feed`` that moves it wakes the waiter, from any
thread (``send_with_fallback`` waits this way, and polls only as a backstop).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import datetime, timezone

import anyio
import attrs

from qlara._errors import ValidationError
from qlara._models.channel import Channel
from qlara._models.status import DeliveryStatus, MessageStatus
from qlara._webhooks._events import DeliveryEvent, InboundEvent, ReadEvent, UnknownEvent
from qlara._webhooks._wake import waker

__all__ = ["RANK", "DeliveryTracker", "TrackedMessage"]

RANK = {
    DeliveryStatus.UNKNOWN: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.RECEIVED: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.ERROR: 3,
    DeliveryStatus.EXPIRED: 3,
}

Trackable = DeliveryEvent | ReadEvent | InboundEvent | UnknownEvent | MessageStatus


def _channel(value: object) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationError("channel", f"must be SMS, RCS or WHATSAPP, got {value!r}") from None


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(field: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(field, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must be timezone-aware")
    return value


def _message_id(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("message_id", f"must be a string, got {type(value).__name__}")
    return value


@attrs.frozen(kw_only=True)
class TrackedMessage:
    """What the tracker knows about one message.

    Attributes:
        message_id: the id the SDK sent.
        status: the folded, forward-only state.
        description: the platform's explanation that came with the latest change.
        sent_at: when it was registered with ``track`` (or first heard of).
        updated_at: when its state last moved forward.
        read: whether a READ event arrived (WhatsApp and RCS).
        channel: the channel, from ``track`` or the first event or status that named it.
    """

    message_id: str
    status: DeliveryStatus
    description: str | None = None
    sent_at: datetime
    updated_at: datetime | None = None
    read: bool = False
    channel: Channel | None = None


class _State:
    __slots__ = (
        "channel", "description", "parts", "read", "sent_at", "status", "total", "updated_at"
    )  # fmt: skip

    def __init__(self, sent_at: datetime) -> None:
        self.channel: Channel | None = None
        self.status = DeliveryStatus.UNKNOWN
        self.description: str | None = None
        self.sent_at = sent_at
        self.updated_at: datetime | None = None
        self.read = False
        self.parts: dict[int, DeliveryStatus] = {}
        self.total = 1


def _fold_parts(parts: dict[int, DeliveryStatus], total: int) -> DeliveryStatus:
    seen = set(parts.values())
    for failure in (DeliveryStatus.ERROR, DeliveryStatus.EXPIRED):
        if failure in seen:
            return failure
    delivered = sum(1 for status in parts.values() if status is DeliveryStatus.DELIVERED)
    if delivered >= total:
        return DeliveryStatus.DELIVERED
    if delivered or DeliveryStatus.RECEIVED in seen:
        return DeliveryStatus.RECEIVED
    return DeliveryStatus.SENT if DeliveryStatus.SENT in seen else DeliveryStatus.UNKNOWN


class DeliveryTracker:
    """Fold callbacks and polled statuses into one monotonic state per message.

    Thread-safe: feed it from a webhook handler running in worker threads and
    read it from elsewhere.

    Args:
        clock: returns the current time as an aware ``datetime``; injectable for tests.
    """

    def __init__(self, *, clock: Callable[[], datetime] = _utc_now) -> None:
        if not callable(clock):
            raise ValidationError("clock", f"must be callable, got {type(clock).__name__}")
        self._clock = clock
        self._lock = threading.Lock()
        self._states: dict[str, _State] = {}
        self._aliases: dict[str, str] = {}
        self._waiters: dict[str, list[Callable[[], None]]] = {}

    def track(
        self, message_id: str, sent_at: datetime | None = None, *, channel: Channel | None = None
    ) -> None:
        """Register a sent message, so ``pending`` lists it until it is final.

        Args:
            message_id: ``SendResult.message_id``.
            sent_at: when it was sent (aware); defaults to now.
            channel: the channel it went out on, so ``pending`` can group the
                ids for ``client.messages.statuses`` (one channel per call).
        """
        if not isinstance(message_id, str) or not message_id:
            raise ValidationError("message_id", f"must be a non-empty string, got {message_id!r}")
        if sent_at is not None:
            _aware("sent_at", sent_at)
        with self._lock:
            state = self._states.get(message_id)
            if state is None:
                state = self._states[message_id] = _State(sent_at or self._clock())
            elif sent_at is not None:
                state.sent_at = sent_at
            if channel is not None:
                state.channel = _channel(channel)

    def feed(self, item: Trackable) -> bool:
        """Take one callback event or polled status.

        READ events mark the message read; INBOUND and unknown events are
        ignored (they are not about a sent message).

        Returns:
            True when the event told something new: the message's state moved
            forward, a new SMS part's receipt arrived, or it was read for the first
            time. False for duplicates, stale updates and unrelated events.

        Raises:
            ValidationError: ``item`` is not an event or a ``MessageStatus``
                (a raw dict or body must go through ``qlara.webhooks.parse`` first).
        """
        if not isinstance(
            item, (MessageStatus, DeliveryEvent, ReadEvent, InboundEvent, UnknownEvent)
        ):
            raise ValidationError(
                "item",
                "must be an event from qlara.webhooks.parse or a MessageStatus, "
                f"got {type(item).__name__} (parse a raw body first)",
            )
        key: str | None = None
        if isinstance(item, MessageStatus):
            key = item.customer_message_id
        elif isinstance(item, (DeliveryEvent, ReadEvent)):
            key = item.sent_message_id
        if key is None or isinstance(item, (InboundEvent, UnknownEvent)):
            return False
        aliases = (item.message_id,)
        with self._lock:
            key = self._resolve(key, aliases)
            state = self._states.get(key)
            if state is None:
                state = self._states[key] = _State(self._clock())
            if state.channel is None:
                state.channel = item.channel
            if isinstance(item, ReadEvent):
                changed = not state.read
                state.read = True
            else:
                changed = self._advance(state, item)
            waiting = self._take_waiters(key, aliases) if changed and self._waiters else ()
        for wake in waiting:
            wake()
        return changed

    def _take_waiters(self, key: str, aliases: tuple[str | None, ...]) -> list[Callable[[], None]]:
        woken: list[Callable[[], None]] = []
        for name in (key, *aliases):
            if name is not None:
                woken.extend(self._waiters.pop(name, ()))
        return woken

    def _resolve(self, key: str, aliases: tuple[str | None, ...]) -> str:
        key = self._aliases.get(key, key)
        for alias in aliases:
            if alias is None or alias == key:
                continue
            if alias not in self._aliases and alias in self._states:
                # Heard of first under the platform's id alone: the state belongs
                # to the id the SDK sent, which callers look it up by.
                self._adopt(key, alias)
            self._aliases.setdefault(alias, key)
        return key

    def _adopt(self, key: str, alias: str) -> None:
        moved = self._states.pop(alias)
        for name, target in self._aliases.items():
            if target == alias:
                self._aliases[name] = key
        state = self._states.get(key)
        if state is None:
            self._states[key] = moved
            return
        state.sent_at = min(state.sent_at, moved.sent_at)
        state.read = state.read or moved.read
        state.channel = state.channel or moved.channel
        state.total = max(state.total, moved.total)
        for part, status in moved.parts.items():
            if RANK[status] > RANK[state.parts.get(part, DeliveryStatus.UNKNOWN)]:
                state.parts[part] = status
        if state.status.is_final:
            return
        status, description = moved.status, moved.description
        if state.parts:
            status = max(status, _fold_parts(state.parts, state.total), key=RANK.__getitem__)
        if RANK[status] > RANK[state.status]:
            state.status = status
            state.description = description
            state.updated_at = moved.updated_at or self._clock()

    def _advance(self, state: _State, item: DeliveryEvent | MessageStatus) -> bool:
        if state.status.is_final:
            return False
        status = item.status
        if isinstance(item, DeliveryEvent) and item.total_parts and item.total_parts > 1:
            part = item.part or 1
            state.total = max(state.total, item.total_parts)
            if RANK[status] <= RANK[state.parts.get(part, DeliveryStatus.UNKNOWN)]:
                return False
            state.parts[part] = status
            folded = _fold_parts(state.parts, state.total)
            if RANK[folded] > RANK[state.status]:
                self._move(state, folded, item.description)
            return True  # a new part's receipt is news even when the message's state holds
        if RANK[status] <= RANK[state.status]:
            return False
        self._move(state, status, item.description)
        return True

    def _move(self, state: _State, status: DeliveryStatus, description: str | None) -> None:
        state.status = status
        state.description = description
        state.updated_at = self._clock()

    def status(self, message_id: str) -> DeliveryStatus | None:
        """The message's state, or ``None`` when the tracker never heard of it."""
        state = self.get(message_id)
        return None if state is None else state.status

    def get(self, message_id: str) -> TrackedMessage | None:
        """Everything the tracker knows about one message, or ``None``."""
        message_id = _message_id(message_id)
        with self._lock:
            return self._snapshot(message_id)

    def _snapshot(self, message_id: str) -> TrackedMessage | None:
        key = self._aliases.get(message_id, message_id)
        state = self._states.get(key)
        if state is None:
            return None
        return TrackedMessage(
            message_id=key,
            status=state.status,
            description=state.description,
            sent_at=state.sent_at,
            updated_at=state.updated_at,
            read=state.read,
            channel=state.channel,
        )

    async def wait(
        self,
        message_id: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - returns what is known, never raises
    ) -> TrackedMessage | None:
        """Wait until the message is final (DELIVERED, ERROR, EXPIRED) or ``timeout`` passes.

        Wakes on the ``feed`` that makes it final, from any thread or event
        loop, without polling. Cancelling the wait leaves nothing behind.

        Args:
            message_id: the id the SDK sent (or the platform's, once linked).
            timeout: seconds to wait at most (anyio's clock); ``None`` waits forever.

        Returns:
            What the tracker knows then: final, or not yet after a timeout
            (``None`` when it never heard of the message).
        """
        message_id = _message_id(message_id)
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or math.isnan(timeout)
            or timeout < 0
        ):
            raise ValidationError("timeout", f"must be a non-negative number, got {timeout!r}")
        deadline = math.inf if timeout is None else anyio.current_time() + timeout
        while True:
            event = anyio.Event()
            wake = waker(event)
            with self._lock:
                known = self._snapshot(message_id)
                if known is not None and known.status.is_final:
                    return known
                key = self._aliases.get(message_id, message_id)
                self._waiters.setdefault(key, []).append(wake)
            try:
                with anyio.move_on_after(deadline - anyio.current_time()):
                    await event.wait()
            finally:
                with self._lock:
                    waiting = self._waiters.get(key)
                    if waiting is not None and wake in waiting:
                        waiting.remove(wake)
                        if not waiting:
                            del self._waiters[key]
            if not event.is_set():
                return self.get(message_id)

    def pending(
        self, older_than: datetime | None = None, *, channel: Channel | None = None
    ) -> list[str]:
        """Ids of the messages not final yet, oldest first: the ones to poll or fall back on.

        Args:
            older_than: only messages sent before this instant (a deadline, e.g.
                ``now - timedelta(minutes=10)``); all when ``None``.
            channel: only messages known to be on this channel.
        """
        if older_than is not None:
            _aware("older_than", older_than)
        wanted = None if channel is None else _channel(channel)
        with self._lock:
            waiting = [
                (state.sent_at, key)
                for key, state in self._states.items()
                if not state.status.is_final
                and (older_than is None or state.sent_at < older_than)
                and (wanted is None or state.channel is wanted)
            ]
        return [key for _, key in sorted(waiting)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._states)
