"""``send_many`` stopped early: cancellation is prompt, and nothing sent goes unaccounted for."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import qlara
from qlara._batch._engine import SendMany
from qlara.testing import Simulator
from tests.conftest import DESTINATION, KEY

MakeClient = Callable[..., qlara.AsyncQlara]


def sms(index: int) -> qlara.SmsMessage:
    return qlara.SmsMessage(destination=DESTINATION, body=f"msg {index}", sender="Shop")


def many(count: int) -> Iterator[qlara.SmsMessage]:
    return (sms(index) for index in range(count))


class Wire:
    """A platform answering at once, without ever yielding (as ``httpx.MockTransport`` does)."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.on_send: Callable[[int], None] = lambda count: None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        message_id = json.loads(request.content)["messageId"]
        self.sent.append(message_id)
        self.on_send(len(self.sent))
        return httpx.Response(
            200, json={"messageId": message_id, "results": {"sms": {"accepted": True}}}
        )


async def test_cancel_in_the_loop_body_sends_nothing_more(make_client: MakeClient) -> None:
    """Cancelling the caller's scope mid-iteration puts no further message on the wire."""
    wire = Wire()
    client = make_client(wire)
    taken = 0
    sent_at_cancel = -1
    with anyio.CancelScope() as scope:
        async for _ in client.send_many(many(20_000), concurrency=8):
            taken += 1
            if taken == 3:
                scope.cancel()
                sent_at_cancel = len(wire.sent)
    assert scope.cancelled_caught
    assert taken == 3
    assert len(wire.sent) == sent_at_cancel == 8


async def test_cancel_mid_round_stops_the_rest_of_the_round(make_client: MakeClient) -> None:
    """A cancel landing while a round is being sent stops the messages not yet on the wire."""
    wire = Wire()
    client = make_client(wire)
    with anyio.CancelScope() as scope:

        def cancel_at(count: int) -> None:
            if count == 11:
                scope.cancel()

        wire.on_send = cancel_at
        outcomes = client.send_many(many(20_000), concurrency=8)
        async for _ in outcomes:
            pass
    assert len(wire.sent) == 11
    # Eleven went out; none was handed over after the cancel: all are accounted for.
    assert outcomes.done + len(outcomes.unreported) == 11


async def test_expired_deadline_sends_nothing(make_client: MakeClient) -> None:
    """A scope whose deadline has passed sends nothing, even over a transport that never yields."""
    wire = Wire()
    client = make_client(wire)
    with anyio.CancelScope(deadline=anyio.current_time() - 1):
        async for _ in client.send_many(many(20_000), concurrency=8):
            pytest.fail("an outcome after the deadline")
    assert wire.sent == []


async def test_deadline_passing_mid_run_stops_within_a_round(make_client: MakeClient) -> None:
    """A deadline that passes while sending stops the run at the next round at the latest."""
    wire = Wire()
    client = make_client(wire)
    with anyio.CancelScope() as scope:

        def expire_at(count: int) -> None:
            if count == 20:
                scope.deadline = anyio.current_time() - 1

        wire.on_send = expire_at
        async for _ in client.send_many(many(20_000), concurrency=8):
            pass
    assert 20 <= len(wire.sent) <= 24  # the rest of the round that was under way


async def test_break_lists_the_round_it_left(make_client: MakeClient) -> None:
    """After a ``break``, ``unreported`` holds the sent messages never handed over, with ids."""
    wire = Wire()
    client = make_client(wire)
    outcomes = client.send_many(many(100), concurrency=8)
    assert not outcomes.unreported
    first = await anext(outcomes)  # then stop, as a ``break`` does
    indices = [o.index for o in outcomes.unreported]
    assert indices == sorted(indices)
    assert sorted([first.index, *indices]) == list(range(8))
    assert all(o.ok for o in outcomes.unreported)
    assert {first.message_id, *(o.message_id for o in outcomes.unreported)} == set(wire.sent)


async def test_full_iteration_leaves_nothing_unreported(make_client: MakeClient) -> None:
    """A run iterated to the end has no unreported messages, in either form."""
    client = make_client(Wire())
    plain = client.send_many(many(20), concurrency=8)
    assert len([o async for o in plain]) == 20
    assert plain.unreported == ()
    async with client.send_many(many(20), concurrency=8) as managed:
        assert len([o async for o in managed]) == 20
    assert managed.unreported == ()


async def test_leaving_async_with_lists_what_was_in_flight(make_client: MakeClient) -> None:
    """Leaving ``async with`` early lists the messages that went out after the last handed one."""
    gate = anyio.Event()
    sent: list[str] = []

    async def stalling(request: httpx.Request) -> httpx.Response:
        message_id = json.loads(request.content)["messageId"]
        sent.append(message_id)
        if len(sent) > 1:
            await gate.wait()  # never set
        return httpx.Response(
            200, json={"messageId": message_id, "results": {"sms": {"accepted": True}}}
        )

    client = make_client(stalling)
    async with client.send_many(many(50), concurrency=4) as outcomes:
        first = await anext(outcomes)  # then stop, as a ``break`` does
    unreported = outcomes.unreported
    assert {first.message_id, *(o.message_id for o in unreported)} == set(sent)
    assert len(unreported) == len(sent) - 1
    for outcome in unreported:
        assert isinstance(outcome.error, qlara.OutcomeUnknownError)
        assert outcome.error.message_id == outcome.message_id


async def test_break_with_a_journal_lets_a_resume_reconcile(tmp_path: Path) -> None:
    """Messages left unreported are journaled started: a resume finds them and sends none."""
    journal = tmp_path / "run.jsonl"
    sim = Simulator()
    async with qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        messages = [sms(i) for i in range(20)]
        outcomes = client.send_many(messages, concurrency=8, journal=journal)
        first = await anext(outcomes)  # then stop, as a ``break`` does
        left = {o.index: o.message_id for o in outcomes.unreported}
        await outcomes.aclose()
        assert sorted([first.index, *left]) == list(range(8))
        sent_before = len(sim.sent)
        resumed = [o async for o in client.send_many(messages, journal=journal)]
    by_index = {o.index: o for o in resumed}
    assert all(by_index[i].ok and by_index[i].message_id == left[i] for i in left)
    # Only the 12 never started went out again; the 8 started were reconciled.
    assert len(sim.sent) == sent_before + 12


def test_sync_break_lists_what_was_not_handed_over() -> None:
    """The blocking iterator's ``unreported`` accounts for every sent message after a ``break``."""
    wire = Wire()
    transport = httpx.MockTransport(wire)
    with qlara.Qlara(KEY, transport=transport, rate_limit=None) as client:
        outcomes = client.send_many(many(200), concurrency=8)
        handed: list[Any] = []
        for outcome in outcomes:
            handed.append(outcome.message_id)
            if len(handed) == 3:
                break
        outcomes.close()
        listed = [o.message_id for o in outcomes.unreported]
    assert sorted(handed + listed) == sorted(wire.sent)
    assert len(set(handed + listed)) == len(wire.sent)


def failing_at(done_at: int) -> Callable[[int, int | None, int, int], None]:
    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        if done == done_at:
            raise RuntimeError("the progress bar broke")

    return progress


async def take_each(outcomes: SendMany, handed: list[str]) -> None:
    """Iterate to the end or the error; ``handed`` keeps the ids taken before it."""
    async for outcome in outcomes:
        handed.append(str(outcome.message_id))  # noqa: PERF401 - kept when the loop raises


async def take_all(outcomes: SendMany, handed: list[str], *, managed: bool) -> None:
    if managed:
        async with outcomes:
            await take_each(outcomes, handed)
    else:
        await take_each(outcomes, handed)


@pytest.mark.parametrize("managed", [False, True])
async def test_on_progress_failing_lists_the_outcome_it_failed_on(
    make_client: MakeClient, managed: bool
) -> None:
    """An outcome whose ``on_progress`` call raised was never handed over: ``unreported`` has it."""
    wire = Wire()
    client = make_client(wire)
    handed: list[str] = []
    outcomes = client.send_many(many(100), concurrency=8, on_progress=failing_at(3))
    with pytest.raises(RuntimeError, match="progress bar"):
        await take_all(outcomes, handed, managed=managed)
    listed = {str(o.message_id) for o in outcomes.unreported}
    assert len(handed) == 2
    assert listed.isdisjoint(handed)
    # Every message that went out is handed over or listed (cut off on the wire, maybe unsent).
    assert set(wire.sent) - set(handed) <= listed
    if not managed:  # the round that was sent, exactly
        assert sorted([*handed, *listed]) == sorted(wire.sent)


def test_sync_on_progress_failing_lists_the_outcome_it_failed_on() -> None:
    """The blocking iterator's ``unreported`` has the outcome its ``on_progress`` failed on."""
    wire = Wire()
    transport = httpx.MockTransport(wire)
    handed: list[str] = []

    def take(outcomes: Iterator[qlara.Outcome]) -> None:
        for outcome in outcomes:
            handed.append(str(outcome.message_id))  # noqa: PERF401 - kept when the loop raises

    with qlara.Qlara(KEY, transport=transport, rate_limit=None) as client:
        outcomes = client.send_many(many(200), concurrency=8, on_progress=failing_at(3))
        with pytest.raises(RuntimeError, match="progress bar"):
            take(outcomes)
        listed = [str(o.message_id) for o in outcomes.unreported]
    assert len(handed) == 2
    assert sorted([*handed, *listed]) == sorted(wire.sent)
