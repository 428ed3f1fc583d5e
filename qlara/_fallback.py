"""``send_with_fallback``: try channels in turn until one delivers within a deadline.

The platform's own fallback (``fallback_sms`` on a WhatsApp message) only
covers a refusal at send time. A message that is accepted and then never
delivered needs the client to notice and send the next one; this module does
that, one step per message:

1. Send it (each message under its own ``message_id``; one without gets a
   UUID4 before anything is sent, so every id is known up front).
2. Wait until it is DELIVERED, fails (ERROR, EXPIRED, or the send was
   refused), or ``deliver_within`` seconds from the start of its send pass.
   With a ``DeliveryTracker`` fed by webhooks the wait wakes on the callback,
   and the status endpoint is polled only as a backstop (every
   ``backstop_interval`` seconds, and once at the deadline); without one, the
   status is polled after waits that double from ``poll_interval`` up to
   ``max_poll_interval``, and once at the deadline.
3. Delivered: stop. Otherwise move on to the next message.

A send the platform accepted on another channel than the message's own (its
own fallback, e.g. ``fallback_sms`` when WhatsApp refused) is followed on that
channel: the status endpoint answers 404 on any other.

A send whose outcome is unknown (``OutcomeUnknownError``) is looked up with
``client.messages.status`` before anything else happens, on its own channel
and on those of the platform fallbacks it carries (``fallback_rcs``,
``fallback_sms``; an RCS message's ``max_sms_parts`` or body ``fallback_sms``):
found means it landed (and is waited for like any other, on the channel it was
found on), not found anywhere means it never arrived (the next message is
sent), unless a tracker already heard a callback about it: then it landed.
When even the lookup fails and no callback came, it may have landed, and
sending the next one may reach the recipient twice: by default the chain stops there
(``on_unknown="stop"``; the step says ``"unknown"``), and
``on_unknown="continue"`` makes sending on a stated choice.

Time is anyio's clock (``anyio.current_time``/``anyio.sleep``), so a virtual
clock drives it in tests. Every request goes through the client's one rate
limiter, however many fallbacks run at once. Cancelling stops at once and
sends nothing more; a message whose send was in flight may still land.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import anyio
import attrs

from qlara._errors import NotFoundError, OutcomeUnknownError, QlaraError
from qlara._fallback_input import check_seconds, platform_channels, prepare, taken_on
from qlara._models import AnyMessage, SendResult
from qlara._models.channel import Channel
from qlara._models.status import DeliveryStatus, MessageStatus
from qlara._webhooks._tracker import RANK, DeliveryTracker, TrackedMessage

if TYPE_CHECKING:
    from qlara._client import AsyncQlara

__all__ = ["FallbackOutcome", "FallbackStep", "send_with_fallback"]

StepEnd = Literal["delivered", "failed", "refused", "timed_out", "unknown"]
OnUnknown = Literal["stop", "continue"]


@attrs.frozen(kw_only=True)
class FallbackStep:
    """One message of a fallback chain: how its send went and how it ended.

    Attributes:
        message: the message as sent, with its ``message_id``.
        channel: the channel it went out on: the message's own, or the one the
            platform's own fallback (``fallback_sms``, say) accepted it on, which
            is the channel its status is looked up and reported on.
        result: the send's answer; ``None`` when the send raised.
        error: what the send raised (an ``OutcomeUnknownError`` stays here
            even when the lookup then found the message).
        status: the last delivery status known (polled, or from the tracker).
        ended: ``"delivered"``; ``"failed"`` (ERROR or EXPIRED, or a send
            that never arrived); ``"refused"`` (not accepted, or an API error);
            ``"timed_out"`` (not final within ``deliver_within``); ``"unknown"``
            (it may have landed, and nothing could tell).
        started_at: when its send began, on anyio's clock (seconds).
        ended_at: when the step ended, on the same clock.
    """

    message: AnyMessage
    channel: Channel
    result: SendResult | None = None
    error: QlaraError | None = None
    status: MessageStatus | None = None
    ended: StepEnd
    started_at: float
    ended_at: float

    @property
    def message_id(self) -> str:
        """The id this step's message was sent with."""
        assert self.message.message_id is not None
        return self.message.message_id

    @property
    def elapsed(self) -> float:
        """Seconds from the start of the send to the end of the step."""
        return self.ended_at - self.started_at


@attrs.frozen(kw_only=True)
class FallbackOutcome:
    """What ``send_with_fallback`` did.

    Attributes:
        delivered_by: the channel that delivered, or ``None``.
        steps: one per message sent, in order; the messages after the one
            that delivered (or after an ``"unknown"`` step that stopped the
            chain) are not sent and have no step.
    """

    delivered_by: Channel | None
    steps: tuple[FallbackStep, ...]

    @property
    def delivered(self) -> bool:
        """True when one of the messages was delivered."""
        return self.delivered_by is not None

    @property
    def unknown(self) -> bool:
        """True when the chain stopped on a message that may have landed."""
        return bool(self.steps) and self.steps[-1].ended == "unknown" and not self.delivered


def _from_tracker(known: TrackedMessage, channel: Channel) -> MessageStatus:
    return MessageStatus(
        known.message_id, known.status, known.description, channel=known.channel or channel
    )


class _Chain:
    def __init__(
        self,
        client: AsyncQlara,
        tracker: DeliveryTracker | None,
        deliver_within: float,
        intervals: tuple[float, float, float],
    ) -> None:
        self.client = client
        self.tracker = tracker
        self.deliver_within = deliver_within
        self.poll_interval, self.max_poll_interval, self.backstop_interval = intervals

    async def step(self, message: Any) -> FallbackStep:
        started = anyio.current_time()
        message_id: str = message.message_id
        channel: Channel = message.channel
        result: SendResult | None = None
        error: QlaraError | None = None
        status: MessageStatus | None = None

        def done(ended: StepEnd) -> FallbackStep:
            return FallbackStep(
                message=message,
                channel=channel,
                result=result,
                error=error,
                status=status,
                ended=ended,
                started_at=started,
                ended_at=anyio.current_time(),
            )

        try:
            result = await self.client.send(message)
        except OutcomeUnknownError as exc:
            error = exc
            lookup_failed = False
            try:
                found = await self._look_up(message)
            except QlaraError:
                found, lookup_failed = None, True
            heard = None if self.tracker is None else self.tracker.get(message_id)
            if found is not None:
                channel, status = found
                self._feed(status)
            elif heard is not None:
                # A callback about it came: it landed, whatever the lookup said.
                channel = heard.channel or channel
                status = _from_tracker(heard, channel)
            elif lookup_failed:
                if self.tracker is not None:  # it may have landed: keep it to reconcile
                    self.tracker.track(message_id, channel=channel)
                return done("unknown")
            else:
                return done("failed")  # the platform does not know it: it never arrived
        except QlaraError as exc:
            if self.client.is_closed:
                raise  # nothing after this one can be sent either
            error = exc
            return done("refused")
        if result is not None and not result.accepted:
            return done("refused")
        if result is not None:
            channel = taken_on(result, channel)
        if self.tracker is not None:
            # Only once it is known to be on its way: a refused message must not
            # linger in the tracker's ``pending()``.
            self.tracker.track(message_id, channel=channel)
        if status is None or not status.is_final:
            status = await self._wait(message_id, channel, started + self.deliver_within, status)
        if status is not None and status.status is DeliveryStatus.DELIVERED:
            return done("delivered")
        if status is not None and status.is_final:
            return done("failed")
        return done("timed_out")

    async def _look_up(self, message: Any) -> tuple[Channel, MessageStatus] | None:
        """Where an unknown send landed: its channel or a platform fallback's; ``None``: nowhere."""
        for channel in platform_channels(message):
            try:
                status = await self.client.messages.status(message.message_id, channel=channel)
            except NotFoundError:
                continue
            return channel, status
        return None

    def _feed(self, status: MessageStatus) -> None:
        if self.tracker is not None:
            self.tracker.feed(status)

    async def _wait(
        self, message_id: str, channel: Channel, deadline: float, latest: MessageStatus | None
    ) -> MessageStatus | None:
        tracker = self.tracker
        interval = self.poll_interval if tracker is None else self.backstop_interval
        while True:
            pause = max(0.0, min(interval, deadline - anyio.current_time()))
            if tracker is not None:
                known = await tracker.wait(message_id, timeout=pause)
                if known is not None and known.status.is_final:
                    return _from_tracker(known, channel)
            else:
                await anyio.sleep(pause)
            polled = await self._poll(message_id, channel)
            if polled is not None:
                latest = polled
                self._feed(polled)
                if polled.is_final:
                    return polled
            if anyio.current_time() >= deadline:
                return self._latest(message_id, channel, latest)
            if tracker is None:
                interval = min(interval * 2, self.max_poll_interval)

    def _latest(
        self, message_id: str, channel: Channel, polled: MessageStatus | None
    ) -> MessageStatus | None:
        """The furthest state known: the last poll's, or the tracker's when it heard more."""
        known = None if self.tracker is None else self.tracker.get(message_id)
        if known is None or (polled is not None and RANK[known.status] <= RANK[polled.status]):
            return polled
        return _from_tracker(known, channel)

    async def _poll(self, message_id: str, channel: Channel) -> MessageStatus | None:
        try:
            return await self.client.messages.status(message_id, channel=channel)
        except NotFoundError:
            return None  # not listed yet: keep waiting
        except QlaraError:
            if self.client.is_closed:
                raise
            return None  # a failed poll is no news; the deadline still holds


async def send_with_fallback(
    client: AsyncQlara,
    messages: Iterable[AnyMessage],
    *,
    deliver_within: float,
    tracker: DeliveryTracker | None = None,
    on_unknown: OnUnknown = "stop",
    poll_interval: float = 1.0,
    max_poll_interval: float = 30.0,
    backstop_interval: float = 30.0,
) -> FallbackOutcome:
    """The engine of ``AsyncQlara.send_with_fallback`` (see the module docstring)."""
    within = check_seconds("deliver_within", deliver_within)
    intervals = (
        check_seconds("poll_interval", poll_interval),
        check_seconds("max_poll_interval", max_poll_interval),
        check_seconds("backstop_interval", backstop_interval),
    )
    chain = prepare(messages, on_unknown, tracker)
    client._http.connection.check_usable()
    runner = _Chain(client, tracker, within, intervals)
    steps: list[FallbackStep] = []
    for message in chain:
        step = await runner.step(message)
        steps.append(step)
        if step.ended == "delivered":
            return FallbackOutcome(delivered_by=step.channel, steps=tuple(steps))
        if step.ended == "unknown" and on_unknown == "stop":
            break
    return FallbackOutcome(delivered_by=None, steps=tuple(steps))
