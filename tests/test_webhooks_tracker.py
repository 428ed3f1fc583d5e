"""The tracker keeps one forward-only state per message, whatever order events come in."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara import webhooks

S = qlara.DeliveryStatus
T0 = datetime(2026, 4, 9, 10, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def receipt(message_id: str, status: str, **extra: Any) -> webhooks.WebhookEvent:
    return webhooks.parse(
        {"eventType": "DELIVERY", "messageId": message_id, "status": status, **extra}
    )


def polled(message_id: str, status: S) -> qlara.MessageStatus:
    return qlara.MessageStatus(customer_message_id=message_id, status=status)


def test_state_moves_forward_only() -> None:
    """A late SENT never overwrites DELIVERED."""
    tracker = webhooks.DeliveryTracker()
    assert tracker.feed(receipt("m1", "SENT"))
    assert tracker.feed(receipt("m1", "DELIVERED"))
    assert not tracker.feed(receipt("m1", "SENT"))
    assert not tracker.feed(receipt("m1", "RECEIVED"))
    assert tracker.status("m1") is S.DELIVERED


def test_first_final_state_sticks() -> None:
    """Once final, a conflicting final word is ignored."""
    tracker = webhooks.DeliveryTracker()
    tracker.feed(receipt("m1", "ERROR", description="bad number"))
    assert not tracker.feed(receipt("m1", "DELIVERED"))
    state = tracker.get("m1")
    assert state is not None
    assert (state.status, state.description) == (S.ERROR, "bad number")


def test_duplicates_are_ignored() -> None:
    """The same event twice changes nothing the second time."""
    tracker = webhooks.DeliveryTracker()
    event = receipt("m1", "RECEIVED")
    assert tracker.feed(event)
    assert not tracker.feed(event)
    assert tracker.status("m1") is S.RECEIVED


def test_polled_statuses_and_events_fold_together() -> None:
    """A polled MessageStatus and callbacks update the same message."""
    tracker = webhooks.DeliveryTracker()
    tracker.feed(polled("m1", S.SENT))
    tracker.feed(webhooks.parse({"eventType": "DELIVERY", "messageId": "m1", "statusCode": 3}))
    assert not tracker.feed(polled("m1", S.SENT))
    assert tracker.status("m1") is S.DELIVERED


def test_unknown_status_does_not_move_state() -> None:
    """An UNKNOWN status registers the message but never outranks a known state."""
    tracker = webhooks.DeliveryTracker()
    tracker.feed(receipt("m1", "SENT"))
    assert not tracker.feed(receipt("m1", "SOMETHING_NEW"))
    assert tracker.status("m1") is S.SENT
    assert not tracker.feed(receipt("m2", "SOMETHING_NEW"))
    assert tracker.status("m2") is S.UNKNOWN


def part(message_id: str, code: int, number: int, total: int) -> webhooks.WebhookEvent:
    return webhooks.parse(
        {"eventType": "DELIVERY", "messageId": message_id, "statusCode": code,
         "numPart": number, "totalParts": total}
    )  # fmt: skip


def test_multipart_delivered_only_when_every_part_is() -> None:
    """A 3-part SMS is DELIVERED only after all three parts' receipts."""
    tracker = webhooks.DeliveryTracker()
    assert tracker.feed(part("m1", 3, 1, 3))
    assert tracker.status("m1") is S.RECEIVED
    assert not tracker.feed(part("m1", 3, 1, 3))
    assert tracker.feed(part("m1", 3, 3, 3))
    assert tracker.status("m1") is S.RECEIVED
    assert tracker.feed(part("m1", 3, 2, 3))
    assert tracker.status("m1") is S.DELIVERED


def test_multipart_error_when_any_part_fails() -> None:
    """One failed part makes the whole message ERROR, and it stays so."""
    tracker = webhooks.DeliveryTracker()
    tracker.feed(part("m1", 3, 1, 2))
    tracker.feed(part("m1", 6, 2, 2))
    assert tracker.status("m1") is S.ERROR
    assert not tracker.feed(part("m1", 3, 2, 2))
    assert tracker.status("m1") is S.ERROR


def test_keyed_by_the_id_the_sdk_sent_with_aliases() -> None:
    """customerMessageId names the message; the platform's messageId then finds it too."""
    tracker = webhooks.DeliveryTracker()
    tracker.track("order-1")
    tracker.feed(
        webhooks.parse(
            {"eventType": "DELIVERY", "messageId": "uuid-9", "customerMessageId": "order-1",
             "statusCode": 0}
        )
    )  # fmt: skip
    tracker.feed(webhooks.parse({"eventType": "DELIVERY", "messageId": "uuid-9", "statusCode": 3}))
    assert tracker.status("order-1") is S.DELIVERED
    assert tracker.status("uuid-9") is S.DELIVERED
    assert len(tracker) == 1


def test_platform_id_heard_first_is_found_by_the_sent_id() -> None:
    """Receipts under the platform's id alone, then one naming both: one message, sent id."""
    tracker = webhooks.DeliveryTracker()
    tracker.feed(webhooks.parse({"eventType": "DELIVERY", "messageId": "P", "status": "SENT"}))
    tracker.feed(
        webhooks.parse(
            {"eventType": "DELIVERY", "customerMessageId": "C", "messageId": "P", "statusCode": 3}
        )
    )
    assert tracker.status("C") is S.DELIVERED
    assert tracker.status("P") is S.DELIVERED
    state = tracker.get("P")
    assert state is not None
    assert state.message_id == "C"
    assert len(tracker) == 1
    assert tracker.pending() == []


def test_tracked_message_and_platform_id_state_are_merged() -> None:
    """A tracked id and a state first filed under the platform's id become one when linked."""
    clock = Clock()
    tracker = webhooks.DeliveryTracker(clock=clock)
    tracker.track("C", channel=qlara.Channel.SMS)
    clock.now = T0 + timedelta(seconds=5)
    tracker.feed(
        webhooks.parse(
            {"eventType": "DELIVERY", "messageId": "P", "statusCode": 3, "channel": "SMS"}
        )
    )
    tracker.feed(webhooks.parse({"eventType": "READ", "messageId": "P"}))
    assert sorted(tracker.pending()) == ["C"]
    tracker.feed(
        webhooks.parse(
            {"eventType": "DELIVERY", "customerMessageId": "C", "messageId": "P", "status": "SENT"}
        )
    )
    state = tracker.get("C")
    assert state is not None
    assert (state.message_id, state.status, state.read, state.sent_at) == (
        "C",
        S.DELIVERED,
        True,
        T0,
    )
    assert tracker.get("P") == state
    assert len(tracker) == 1
    assert tracker.pending() == []


@pytest.mark.parametrize("item", [None, {"messageId": "m", "status": "SENT"}, "m", 5])
def test_feed_refuses_what_is_not_an_event_or_status(item: Any) -> None:
    """feed() names its argument when given a dict, None or anything else it cannot track."""
    tracker = webhooks.DeliveryTracker()
    with pytest.raises(qlara.ValidationError) as caught:
        tracker.feed(item)
    assert caught.value.field == "item"
    assert len(tracker) == 0


def test_read_events_mark_read_and_inbound_is_ignored() -> None:
    """READ marks the message read once; INBOUND and unknown events are not about sent messages."""
    tracker = webhooks.DeliveryTracker()
    tracker.feed(receipt("m1", "DELIVERED"))
    read = webhooks.parse({"eventType": "READ", "messageId": "m1"})
    assert tracker.feed(read)
    assert not tracker.feed(read)
    state = tracker.get("m1")
    assert state is not None
    assert state.read
    assert state.status is S.DELIVERED
    assert not tracker.feed(webhooks.parse({"eventType": "INBOUND", "messageId": "x"}))
    assert not tracker.feed(webhooks.parse({"eventType": "NEW", "messageId": "y"}))
    assert not tracker.feed(webhooks.parse({"eventType": "DELIVERY", "status": "SENT"}))
    assert tracker.status("x") is None
    assert len(tracker) == 1


def test_pending_lists_messages_not_final_after_a_deadline() -> None:
    """pending(older_than=...) names the messages still open, oldest first."""
    clock = Clock()
    tracker = webhooks.DeliveryTracker(clock=clock)
    tracker.track("a")
    tracker.track("b", sent_at=T0 - timedelta(minutes=5))
    clock.now = T0 + timedelta(minutes=10)
    tracker.track("c")
    tracker.feed(receipt("d", "SENT"))
    tracker.feed(receipt("a", "SENT"))
    assert tracker.pending() == ["b", "a", "c", "d"]
    assert tracker.pending(older_than=T0 + timedelta(minutes=1)) == ["b", "a"]
    tracker.feed(receipt("b", "EXPIRED"))
    assert tracker.pending(older_than=T0 + timedelta(minutes=1)) == ["a"]
    state = tracker.get("a")
    assert state is not None
    assert state.updated_at == clock.now
    assert state.sent_at == T0


def test_naive_times_are_refused() -> None:
    """Naive datetimes cannot be compared with event times, so they are refused."""
    tracker = webhooks.DeliveryTracker()
    with pytest.raises(qlara.ValidationError):
        tracker.track("m", sent_at=datetime(2026, 1, 1))
    with pytest.raises(qlara.ValidationError):
        tracker.pending(older_than=datetime(2026, 1, 1))
    with pytest.raises(qlara.ValidationError):
        tracker.track("")


@pytest.mark.parametrize("value", ["2024-01-01", 1700000000, ["a"]])
def test_times_that_are_not_datetimes_are_refused(value: Any) -> None:
    """A string or number where a datetime belongs is a ValidationError naming the argument."""
    tracker = webhooks.DeliveryTracker()
    with pytest.raises(qlara.ValidationError) as tracked:
        tracker.track("a", value)
    with pytest.raises(qlara.ValidationError) as listed:
        tracker.pending(older_than=value)
    assert (tracked.value.field, listed.value.field) == ("sent_at", "older_than")


@pytest.mark.parametrize("value", [["a"], None, 5, {"a": 1}])
def test_lookups_need_a_string_id(value: Any) -> None:
    """status() and get() refuse an id that is not a string instead of raising TypeError."""
    tracker = webhooks.DeliveryTracker()
    with pytest.raises(qlara.ValidationError) as asked:
        tracker.status(value)
    with pytest.raises(qlara.ValidationError) as got:
        tracker.get(value)
    assert (asked.value.field, got.value.field) == ("message_id", "message_id")


def test_clock_must_be_callable() -> None:
    """A clock that cannot be called is refused when the tracker is made."""
    with pytest.raises(qlara.ValidationError) as caught:
        webhooks.DeliveryTracker(clock=T0)  # type: ignore[arg-type]
    assert caught.value.field == "clock"


def test_feeding_from_many_threads() -> None:
    """Concurrent feeds from worker threads leave one consistent state."""
    tracker = webhooks.DeliveryTracker()
    events = [part(f"m{i % 10}", 3, i // 10 + 1, 10) for i in range(100)]

    def feed(chunk: list[webhooks.WebhookEvent]) -> None:
        for event in chunk:
            tracker.feed(event)

    threads = [threading.Thread(target=feed, args=(events[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(tracker.status(f"m{i}") is S.DELIVERED for i in range(10))


RANK = {S.UNKNOWN: 0, S.SENT: 1, S.RECEIVED: 2, S.DELIVERED: 3, S.ERROR: 3, S.EXPIRED: 3}


@given(st.lists(st.sampled_from(list(S)), max_size=12))
def test_state_never_goes_backwards(sequence: list[S]) -> None:
    """Whatever the order, the state's rank never drops and the first final state sticks."""
    tracker = webhooks.DeliveryTracker()
    previous = 0
    first_final = next((s for s in sequence if s.is_final), None)
    for status in sequence:
        tracker.feed(polled("m", status))
        current = tracker.status("m")
        assert current is not None
        assert RANK[current] >= previous
        previous = RANK[current]
    if first_final is not None:
        assert tracker.status("m") is first_final


@given(st.permutations([(1, 3), (2, 3), (3, 3), (1, 3), (2, 0)]))
def test_part_order_does_not_matter(receipts: list[tuple[int, int]]) -> None:
    """Part receipts in any order, with duplicates and SENT noise, end DELIVERED."""
    tracker = webhooks.DeliveryTracker()
    for number, code in receipts:
        tracker.feed(part("m", code, number, 3))
    assert tracker.status("m") is S.DELIVERED


def test_pending_by_channel() -> None:
    """Channels come from track() or the first event naming one, so pending can group polls."""
    tracker = webhooks.DeliveryTracker()
    tracker.track("s1", channel=qlara.Channel.SMS)
    tracker.track("r1", channel=qlara.Channel.RCS)
    tracker.feed(receipt("w1", "SENT", channel="whatsapp"))
    tracker.track("x1")
    assert tracker.pending(channel=qlara.Channel.SMS) == ["s1"]
    assert tracker.pending(channel=qlara.Channel.WHATSAPP) == ["w1"]
    state = tracker.get("r1")
    assert state is not None
    assert state.channel is qlara.Channel.RCS
    with pytest.raises(qlara.ValidationError):
        tracker.track("y", channel="FAX")  # type: ignore[arg-type]
