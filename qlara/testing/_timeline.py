"""The message lifecycle as data: due transitions in a heap, events out.

``Timeline.run(until)`` applies every transition due by then, in time order,
and returns the callback payloads they produce. It knows nothing of HTTP,
locks or delivery, so it is tested directly.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from qlara._models import Channel
from qlara.testing import _events
from qlara.testing._state import FINAL, Lifecycle, SentMessage

__all__ = ["Timeline"]

Event = dict[str, Any]


class Timeline:
    """Transitions waiting for the clock."""

    def __init__(self, lifecycle: Lifecycle, wall: Callable[[float], datetime]) -> None:
        self.lifecycle = lifecycle
        self._wall = wall
        self._due: list[tuple[float, int, str, SentMessage]] = []
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._due)

    def start(self, message: SentMessage, at: float) -> None:
        """Plan a message's way from acceptance (or its scheduled time) ``at``."""
        self._push(at + self.lifecycle.sent_after, "sent", message)
        if message.final in FINAL or message.final == "RECEIVED":
            self._push(at + self.lifecycle.final_after, "final", message)

    def run(self, until: float) -> list[Event]:
        """Apply every transition due by ``until``; return the events they produce."""
        events: list[Event] = []
        due = self._due
        while due and due[0][0] <= until:
            at, _, kind, message = heapq.heappop(due)
            if kind == "sent":
                if message.status == "UNKNOWN" and message.final != "UNKNOWN":
                    message.status = "SENT"
            elif kind == "final":
                message.status = message.final
                message.delivered_date = self._wall(at)
                if message.notify and message.final in FINAL:
                    events.extend(self._deliveries(message, at))
            else:
                events.append(_events.read(message, self._wall(at)))
        return events

    def _deliveries(self, message: SentMessage, at: float) -> list[Event]:
        moment = self._wall(at)
        life = self.lifecycle
        if life.per_part_receipts and message.channel is Channel.SMS:
            events = [
                _events.delivery(message, moment, part, message.parts)
                for part in range(1, message.parts + 1)
            ]
        else:
            events = [_events.delivery(message, moment)]
        rich = message.channel is not Channel.SMS
        if life.read_after is not None and message.status == "DELIVERED" and rich:
            self._push(at + life.read_after, "read", message)
        return events

    def _push(self, due: float, kind: str, message: SentMessage) -> None:
        heapq.heappush(self._due, (due, next(self._seq), kind, message))
