"""``DeliveryTracker.wait``: wake on the feed that makes a message final."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest
from anyio import wait_all_tasks_blocked

from qlara import DeliveryStatus, MessageStatus, ValidationError
from qlara.webhooks import DeliveryTracker, TrackedMessage


async def test_wait_returns_at_once_when_already_final() -> None:
    """A message already final is returned without waiting."""
    tracker = DeliveryTracker()
    tracker.feed(MessageStatus("m1", DeliveryStatus.EXPIRED))
    with anyio.fail_after(1):
        known = await tracker.wait("m1")
    assert known is not None
    assert known.status is DeliveryStatus.EXPIRED


async def test_wait_wakes_on_a_feed_from_another_thread() -> None:
    """A webhook handler feeding from a worker thread wakes the waiting task."""
    tracker = DeliveryTracker()
    tracker.track("m1")
    found: list[TrackedMessage | None] = []

    async def waiter() -> None:
        found.append(await tracker.wait("m1"))

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(waiter)
            await wait_all_tasks_blocked()
            assert found == []
            # A SENT update is news but not final: the waiter keeps waiting.
            await anyio.to_thread.run_sync(tracker.feed, MessageStatus("m1", DeliveryStatus.SENT))
            await wait_all_tasks_blocked()
            assert found == []
            await anyio.to_thread.run_sync(
                tracker.feed, MessageStatus("m1", DeliveryStatus.DELIVERED)
            )
    [known] = found
    assert known is not None
    assert known.status is DeliveryStatus.DELIVERED


async def test_wait_times_out_with_what_is_known() -> None:
    """After ``timeout`` the current state is returned (``None`` for a stranger)."""
    tracker = DeliveryTracker()
    tracker.feed(MessageStatus("m1", DeliveryStatus.SENT))
    known = await tracker.wait("m1", timeout=0)
    assert known is not None
    assert known.status is DeliveryStatus.SENT
    assert await tracker.wait("stranger", timeout=0.001) is None


async def test_cancelled_wait_leaves_no_waiter() -> None:
    """A cancelled wait unregisters itself; later feeds still work."""
    tracker = DeliveryTracker()
    with anyio.move_on_after(0.001):
        await tracker.wait("m1")
    assert tracker.feed(MessageStatus("m1", DeliveryStatus.DELIVERED))
    assert tracker.status("m1") is DeliveryStatus.DELIVERED


@pytest.mark.parametrize("bad", [-1, float("nan"), "5", True])
async def test_bad_timeout_is_refused(bad: object) -> None:
    """``timeout`` must be a non-negative number or None."""
    with pytest.raises(ValidationError, match="timeout"):
        await DeliveryTracker().wait("m1", timeout=bad)  # type: ignore[arg-type]
