"""``send_many``: one outcome per input, lazily, boundedly, honest about duplicates."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import attrs
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara._batch._engine import SendMany
from qlara._batch._input import carrying_id, derived_id
from tests.conftest import DESTINATION, FAST_RETRIES, KEY, accepted

MakeClient = Callable[..., qlara.AsyncQlara]


def sms(index: int, **fields: Any) -> qlara.SmsMessage:
    return qlara.SmsMessage(destination=DESTINATION, body=f"msg {index}", sender="Shop", **fields)


def index_of(request: httpx.Request) -> int:
    return int(json.loads(request.content)["body"].split()[1])


class Platform:
    """A fake platform remembering every send it processed, per message id."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()
        self.processed: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0

    def answer(self, body: dict[str, Any]) -> httpx.Response:
        self.processed[body["messageId"]] += 1
        result = {"accepted": True, "unicode": False, "parts": 1, "reasons": []}
        return httpx.Response(
            200, json={"messageId": body["messageId"], "results": {"sms": result}}
        )

    def status(self, request: httpx.Request) -> httpx.Response:
        message_id = request.url.path.rsplit("/", 1)[1]
        if not self.processed[message_id]:
            return httpx.Response(404, json={"message": "not found"})
        return httpx.Response(200, json={"customerMessageId": message_id, "deliveryStatus": "SENT"})


async def collect(outcomes: AsyncIterator[qlara.Outcome]) -> list[qlara.Outcome]:
    return [outcome async for outcome in outcomes]


async def test_one_outcome_per_input(make_client: MakeClient) -> None:
    """Every input gets exactly one accepted outcome carrying the id it was sent with."""
    client = make_client(accepted())
    outcomes = await collect(client.send_many([sms(i) for i in range(50)], concurrency=8))
    assert sorted(o.index for o in outcomes) == list(range(50))
    assert all(o.ok and o.error is None for o in outcomes)
    for outcome in outcomes:
        assert outcome.result is not None
        assert outcome.result.message_id == outcome.message.message_id == outcome.message_id
        assert outcome.message.body == f"msg {outcome.index}"


async def test_async_iterable_input(make_client: MakeClient) -> None:
    """An async generator works as input like any iterable."""

    async def messages() -> AsyncIterator[qlara.SmsMessage]:
        for i in range(20):
            await anyio.lowlevel.checkpoint()
            yield sms(i)

    client = make_client(accepted())
    outcomes = await collect(client.send_many(messages(), concurrency=4))
    assert sorted(o.index for o in outcomes) == list(range(20))
    assert all(o.ok for o in outcomes)


async def test_caller_ids_kept_and_derived_ids_deterministic(make_client: MakeClient) -> None:
    """A caller's message_id is sent as is; others get uuid5(run_id, index), all distinct."""
    client = make_client(accepted())
    messages = [sms(0, message_id="order-1"), sms(1), sms(2)]
    outcomes = {o.index: o for o in await collect(client.send_many(messages))}
    assert outcomes[0].message_id == "order-1"
    derived = {outcomes[1].message_id, outcomes[2].message_id}
    assert len(derived) == 2
    for value in derived:
        assert value is not None
        assert uuid.UUID(value).version == 5


async def test_input_is_read_lazily(make_client: MakeClient) -> None:
    """The input is pulled only about `concurrency` messages ahead of the caller."""
    pulled = 0

    def messages() -> Iterator[qlara.SmsMessage]:
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield sms(i)

    client = make_client(accepted())
    async with client.send_many(messages(), concurrency=4) as outcomes:
        seen = 0
        async for _ in outcomes:
            seen += 1
            assert pulled <= seen + 4 + 1
            if seen == 100:
                break
    assert pulled <= 100 + 4 + 1


async def test_concurrency_bounds_requests_in_flight(make_client: MakeClient) -> None:
    """No more than `concurrency` sends are in flight at once, and that many are reached."""
    platform = Platform()

    async def handler(request: httpx.Request) -> httpx.Response:
        platform.in_flight += 1
        platform.max_in_flight = max(platform.max_in_flight, platform.in_flight)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        platform.in_flight -= 1
        return platform.answer(json.loads(request.content))

    client = make_client(handler)
    outcomes = await collect(client.send_many([sms(i) for i in range(60)], concurrency=6))
    assert len(outcomes) == 60
    assert platform.max_in_flight == 6


async def test_mixed_faults_give_honest_outcomes(make_client: MakeClient) -> None:
    """429s and connect errors are retried; ambiguous failures are unknown, never resent."""
    platform = Platform()
    attempts: Counter[int] = Counter()

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        platform.posts[body["messageId"]] += 1
        index = index_of(request)
        attempts[index] += 1
        kind = index % 6
        first = attempts[index] == 1
        if kind == 1 and first:
            return httpx.Response(429, json={"status": 429, "retryAfter": 0})
        if kind == 2:
            platform.processed[body["messageId"]] += index % 2  # maybe it landed
            return httpx.Response(500, json={"message": "boom"})
        if kind == 3 and first:
            raise httpx.ConnectError("refused", request=request)
        if kind == 4:
            platform.processed[body["messageId"]] += 1  # it landed, the answer did not
            raise httpx.ReadTimeout("slow", request=request)
        if kind == 5:
            return httpx.Response(400, json={"message": "bad destination"})
        return platform.answer(body)

    client = make_client(handler)
    outcomes = await collect(client.send_many([sms(i) for i in range(60)], concurrency=8))
    assert sorted(o.index for o in outcomes) == list(range(60))
    for outcome in outcomes:
        kind = outcome.index % 6
        if kind in (0, 1, 3):
            assert outcome.ok, outcome.error
        elif kind in (2, 4):
            assert isinstance(outcome.error, qlara.OutcomeUnknownError)
            assert outcome.error.message_id == outcome.message_id
            assert not outcome.ok
        else:
            assert isinstance(outcome.error, qlara.BadRequestError)
    assert max(platform.processed.values()) == 1
    ambiguous = [o.message_id for o in outcomes if o.index % 6 in (2, 4)]
    assert all(platform.posts[str(m)] == 1 for m in ambiguous)


async def test_bad_items_become_validation_outcomes(make_client: MakeClient) -> None:
    """An item that is not a message gets a ValidationError outcome; the rest are sent."""
    client = make_client(accepted())
    items: list[Any] = [sms(0), {"destination": DESTINATION}, sms(2)]
    outcomes = {o.index: o for o in await collect(client.send_many(items))}
    assert outcomes[0].ok
    assert outcomes[2].ok
    error = outcomes[1].error
    assert isinstance(error, qlara.ValidationError)
    assert error.field == "messages[1]"


async def test_non_qlara_exception_becomes_validation_outcome(make_client: MakeClient) -> None:
    """An unexpected exception while sending one message is that message's outcome."""
    client = make_client(accepted())
    outcomes = await collect(client.send_many([sms(0)], extra_body={"x": object()}))
    assert isinstance(outcomes[0].error, qlara.ValidationError)
    assert isinstance(outcomes[0].error.__cause__, TypeError)


async def test_rejected_message_is_not_ok(make_client: MakeClient) -> None:
    """A send the platform answers but does not accept is an outcome without error, not ok."""
    client = make_client(accepted(accepted=False, reasons=["blocked"]))
    [outcome] = await collect(client.send_many([sms(0)]))
    assert outcome.error is None
    assert outcome.result is not None
    assert not outcome.ok


async def test_progress_is_reported(make_client: MakeClient) -> None:
    """on_progress sees (done, total, ok, failed) after every outcome; total from len()."""
    client = make_client(accepted())
    calls: list[tuple[int, int | None, int, int]] = []
    items: list[Any] = [sms(0), "not a message", sms(2)]

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        calls.append((done, total, ok, failed))

    await collect(client.send_many(items, on_progress=progress))
    assert calls[0] == (0, 3, 0, 0)
    assert calls[-1] == (3, 3, 2, 1)
    assert [c[0] for c in calls] == [0, 1, 2, 3]
    calls.clear()
    await collect(client.send_many(iter([sms(0)]), on_progress=progress))
    assert calls == [(0, None, 0, 0), (1, None, 1, 0)]


async def test_failing_input_is_raised_after_in_flight_outcomes(make_client: MakeClient) -> None:
    """An exception from the caller's iterable surfaces once earlier messages are handed over."""

    def messages() -> Iterator[qlara.SmsMessage]:
        yield sms(0)
        yield sms(1)
        raise RuntimeError("the CSV is broken")

    client = make_client(accepted())
    seen: list[int] = []

    async def consume() -> None:
        async for outcome in client.send_many(messages()):
            seen.append(outcome.index)  # noqa: PERF401 - shows what arrived before the error

    with pytest.raises(RuntimeError, match="CSV"):
        await consume()
    assert sorted(seen) == [0, 1]


@pytest.mark.parametrize("concurrency", [0, -1, True, 1.5])
async def test_bad_concurrency_is_rejected_at_the_call(
    make_client: MakeClient, concurrency: Any
) -> None:
    """A concurrency that is not a positive integer raises ValidationError at once."""
    client = make_client(accepted())
    with pytest.raises(qlara.ValidationError, match="concurrency"):
        client.send_many([], concurrency=concurrency)


async def test_non_iterable_input_is_rejected_at_the_call(make_client: MakeClient) -> None:
    """A single message (or anything not iterable) is refused before any work."""
    client = make_client(accepted())
    with pytest.raises(qlara.ValidationError, match="messages"):
        client.send_many(sms(0))  # type: ignore[arg-type]


async def test_cancellation_stops_workers_and_journals_every_start(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A cancel stops all sends at once; every message that went out has a start record."""
    platform = Platform()
    stall = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        platform.posts[body["messageId"]] += 1
        if index_of(request) >= 5:
            await stall.wait()  # never set: these are in flight when we cancel
        return platform.answer(body)

    client = make_client(handler)
    journal = tmp_path / "run.jsonl"
    posted_at_cancel = -1
    handed: list[int] = []
    with anyio.CancelScope() as scope:
        async with client.send_many([sms(i) for i in range(100)], journal=journal) as outcomes:
            async for outcome in outcomes:
                handed.append(outcome.index)
                if outcome.index == 4:
                    scope.cancel()
                    posted_at_cancel = len(platform.posts)
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    started = {r["message_id"] for r in records if r["event"] == "start"}
    done = {r["index"] for r in records if r["event"] == "done"}
    assert set(platform.posts) <= started
    assert 5 <= len(platform.posts) == posted_at_cancel <= 5 + 16
    assert {0, 1, 2, 3, 4} >= done >= {4}
    # Every post was handed over or is listed; the stalled ones as cut off on the wire.
    listed = {o.index: o for o in outcomes.unreported}
    assert len(listed) + len(handed) == len(platform.posts)
    assert {o.message_id for o in listed.values()} <= set(platform.posts)
    assert all(isinstance(o.error, qlara.OutcomeUnknownError) for i, o in listed.items() if i >= 5)


def blocking_client(handler: Callable[[httpx.Request], httpx.Response]) -> qlara.Qlara:
    return qlara.Qlara(
        KEY, transport=httpx.MockTransport(handler), rate_limit=None, retry_policy=FAST_RETRIES
    )


def test_sync_send_many_is_a_plain_iterator() -> None:
    """The blocking client yields one outcome per input, with progress in the caller's thread."""
    threads: set[int] = set()

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        threads.add(threading.get_ident())

    with blocking_client(accepted()) as client:
        outcomes = list(client.send_many([sms(i) for i in range(30)], on_progress=progress))
    assert sorted(o.index for o in outcomes) == list(range(30))
    assert all(o.ok for o in outcomes)
    assert threads == {threading.get_ident()}


def test_sync_break_stops_sending_and_closes_the_journal(tmp_path: Path) -> None:
    """Leaving the loop early cancels the rest; the journal holds what the caller was done with."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        platform.posts[body["messageId"]] += 1
        return platform.answer(body)

    with blocking_client(handler) as client:
        seen = []
        for outcome in client.send_many((sms(i) for i in range(10_000)), journal=journal):
            seen.append(outcome.index)
            if len(seen) == 5:
                break
        posts = sum(platform.posts.values())
        assert posts < 100
        assert client.sms.send(destination=DESTINATION, body="after", sender="Shop").accepted
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    # The last one is not journaled done: the caller broke out instead of asking for more.
    assert sorted(r["index"] for r in lines if r["event"] == "done") == sorted(seen[:-1])
    assert sum(platform.posts.values()) == posts + 1


def test_sync_send_many_raises_what_stopped_it() -> None:
    """An error from the caller's iterable reaches the blocking caller."""

    def messages() -> Iterator[qlara.SmsMessage]:
        yield sms(0)
        raise RuntimeError("the CSV is broken")

    with blocking_client(accepted()) as client:
        seen: list[int] = []
        with pytest.raises(RuntimeError, match="CSV"):
            seen.extend(o.index for o in client.send_many(messages()))
    assert seen == [0]


def test_sync_send_many_checks_arguments_at_the_call() -> None:
    """Bad arguments fail at the call, before any iteration starts."""
    with blocking_client(accepted()) as client:
        with pytest.raises(qlara.ValidationError, match="concurrency"):
            client.send_many([], concurrency=0)

        async def messages() -> AsyncIterator[qlara.SmsMessage]:
            yield sms(0)

        with pytest.raises(qlara.ValidationError, match="plain iterable"):
            client.send_many(messages())  # type: ignore[arg-type]


@given(namespace=st.uuids(), index=st.integers(min_value=0, max_value=10**12))
def test_derived_id_is_uuid5_of_the_index(namespace: uuid.UUID, index: int) -> None:
    """The fast id derivation is exactly uuid5(run_id, str(index))."""
    assert derived_id(namespace.bytes, index) == str(uuid.uuid5(namespace, str(index)))


def test_with_message_id_copies_every_field() -> None:
    """Setting the id on a copy keeps every other field and leaves the original alone."""
    original = qlara.WhatsAppMessage(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        placeholders={"name": "Ada"},
        fallback_sms=qlara.SmsFallback(sender="Shop", body="Hi"),
    )
    copy = carrying_id(original, "m-1")
    assert copy == attrs.evolve(original, message_id="m-1")
    assert original.message_id is None


async def test_failing_progress_callback_stops_cleanly(make_client: MakeClient) -> None:
    """An exception from on_progress ends the iteration with it, workers stopped."""
    client = make_client(accepted())

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        if done == 3:
            raise RuntimeError("the progress bar broke")

    async def consume() -> None:
        async for _ in client.send_many([sms(i) for i in range(50)], on_progress=progress):
            pass

    with pytest.raises(RuntimeError, match="progress bar"):
        await consume()


def test_sync_send_many_journals_every_outcome(tmp_path: Path) -> None:
    """Run to the end, the blocking iterator leaves a done record for every input."""
    journal = tmp_path / "run.jsonl"
    with blocking_client(accepted()) as client:
        outcomes = list(client.send_many([sms(i) for i in range(200)], journal=journal))
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert len(outcomes) == 200
    assert sorted(r["index"] for r in lines if r["event"] == "done") == list(range(200))


async def test_huge_concurrency_starts_only_the_workers_it_needs(make_client: MakeClient) -> None:
    """A concurrency far above the input's size starts one worker per message at most."""
    client = make_client(accepted())
    outcomes = await collect(client.send_many([sms(i) for i in range(3)], concurrency=10**20))
    assert sorted(o.index for o in outcomes) == [0, 1, 2]


def slow_accepted(platform: Platform) -> Callable[[httpx.Request], Any]:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return platform.status(request)
        body = json.loads(request.content)
        platform.posts[body["messageId"]] += 1
        for _ in range(3):
            await anyio.lowlevel.checkpoint()
        return platform.answer(body)

    return handler


async def test_plain_async_for_is_safe_on_break_and_errors(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A plain `async for` may break, raise or be cancelled, and it releases the journal."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()
    client = make_client(slow_accepted(platform))
    async for _ in client.send_many([sms(i) for i in range(50)], concurrency=4, journal=journal):
        break

    async def body_fails() -> None:
        async for _ in client.send_many([sms(i) for i in range(50)], journal=journal):
            raise KeyError("save failed")

    with pytest.raises(KeyError):
        await body_fails()
    with anyio.move_on_after(0.001) as scope:
        async for _ in client.send_many([sms(i) for i in range(50)], journal=journal):
            await anyio.sleep(1)
    assert scope.cancelled_caught
    with anyio.fail_after(5):
        outcomes = await collect(client.send_many([sms(i) for i in range(50)], journal=journal))
    assert outcomes
    assert all(o.ok for o in outcomes)
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    assert {r["index"] for r in lines if r["event"] == "done"} == set(range(50))
    assert max(platform.posts.values()) == 1


async def test_plain_async_for_inside_a_task_group_after_break(make_client: MakeClient) -> None:
    """Breaking out of a plain `async for` inside a task group leaves no scope behind."""
    client = make_client(slow_accepted(Platform()))
    async with anyio.create_task_group() as group:
        group.start_soon(anyio.sleep, 0)
        async for _ in client.send_many([sms(i) for i in range(50)], concurrency=4):
            break
        await anyio.lowlevel.checkpoint()
    assert (await client.sms.send(destination=DESTINATION, body="after", sender="Shop")).accepted


async def test_plain_async_for_on_progress_raising_at_start(make_client: MakeClient) -> None:
    """An on_progress failing at the start raises its error and sends nothing."""
    platform = Platform()
    client = make_client(slow_accepted(platform))

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await collect(client.send_many([sms(i) for i in range(5)], on_progress=progress))
    with anyio.fail_after(5):
        await anyio.lowlevel.checkpoint()
    assert not platform.posts


async def test_plain_async_for_reads_input_lazily(make_client: MakeClient) -> None:
    """The plain form pulls at most `concurrency` messages beyond those handed over."""
    pulled = 0

    def messages() -> Iterator[qlara.SmsMessage]:
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield sms(i)

    client = make_client(accepted())
    seen = 0
    async for _ in client.send_many(messages(), concurrency=4):
        seen += 1
        assert pulled <= seen + 4
        if seen == 100:
            break


async def test_async_with_cancelled_in_the_body(make_client: MakeClient) -> None:
    """A move_on_after around the loop inside `async with` cancels cleanly and stops sending."""
    platform = Platform()
    client = make_client(slow_accepted(platform))
    async with client.send_many([sms(i) for i in range(100)], concurrency=4) as outcomes:
        with anyio.move_on_after(0.001):
            async for _ in outcomes:
                await anyio.sleep(1)
    posts = sum(platform.posts.values())
    await anyio.sleep(0.01)
    assert sum(platform.posts.values()) == posts < 100


@pytest.mark.parametrize("managed", [False, True])
async def test_done_is_journaled_when_the_caller_asks_for_the_next(
    make_client: MakeClient, tmp_path: Path, managed: bool
) -> None:
    """An outcome whose on_progress or loop body failed stays started and a resume delivers it."""
    journal = tmp_path / "run.jsonl"
    client = make_client(slow_accepted(Platform()))
    messages = [sms(i) for i in range(6)]
    got: list[int] = []
    fail = [True]  # the loop body fails once, on index 4

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        if done == 3:
            raise RuntimeError("UI crashed")

    async def run(**kwargs: Any) -> None:
        batch = client.send_many(messages, concurrency=1, journal=journal, **kwargs)
        if managed:
            async with batch as outcomes:
                async for outcome in outcomes:
                    if outcome.index == 4 and fail and fail.pop():
                        raise KeyError("save failed")
                    got.append(outcome.index)
        else:
            async for outcome in batch:
                if outcome.index == 4 and fail and fail.pop():
                    raise KeyError("save failed")
                got.append(outcome.index)

    with pytest.raises(RuntimeError):
        await run(on_progress=progress)
    assert got == [0, 1]
    with pytest.raises(KeyError):
        await run()
    await run()
    assert sorted(got) == list(range(6))


async def drain(batch: SendMany, managed: bool, got: list[qlara.Outcome]) -> None:
    if managed:
        async with batch as outcomes:
            async for outcome in outcomes:
                got.append(outcome)  # noqa: PERF401 - keeps what came before an error
    else:
        async for outcome in batch:
            got.append(outcome)  # noqa: PERF401 - keeps what came before an error


@pytest.mark.parametrize("managed", [False, True])
@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (401, {}, qlara.AuthenticationError),
        (403, {}, qlara.PermissionDeniedError),
        (429, {"Retry-After": "3600"}, qlara.RateLimitError),
    ],
)
async def test_batch_wide_failure_stops_the_run(
    make_client: MakeClient,
    tmp_path: Path,
    managed: bool,
    status: int,
    headers: dict[str, str],
    error: type[qlara.QlaraError],
) -> None:
    """A 401, 403 or over-long 429 stops pulling input and raises; a resume sends the rest."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()
    failing = [True]

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return platform.status(request)
        body = json.loads(request.content)
        platform.posts[body["messageId"]] += 1
        if index_of(request) == 5 and failing:
            return httpx.Response(status, headers=headers, json={"message": "no"})
        return platform.answer(body)

    client = make_client(handler)
    messages = [sms(i) for i in range(200)]
    got: list[qlara.Outcome] = []
    with pytest.raises(error):
        await drain(client.send_many(messages, concurrency=4, journal=journal), managed, got)
    assert sum(platform.posts.values()) < 20
    assert all(o.ok for o in got)
    failing.clear()
    await drain(client.send_many(messages, concurrency=4, journal=journal), managed, got)
    assert sorted(o.index for o in got) == list(range(200))
    assert max(platform.processed.values()) == 1


async def test_client_closed_mid_run_stops_the_run(make_client: MakeClient) -> None:
    """Closing the client mid-run ends the iteration with a QlaraError, not 1 outcome per input."""
    client = make_client(slow_accepted(Platform()))
    got: list[qlara.Outcome] = []

    async def run() -> None:
        async with client.send_many([sms(i) for i in range(200)], concurrency=4) as outcomes:
            async for outcome in outcomes:
                got.append(outcome)
                if len(got) == 10:
                    await client.aclose()

    with pytest.raises(qlara.QlaraError, match="closed"):
        await run()
    assert 10 <= len(got) < 20
    assert all(o.ok for o in got)


def bad_arguments(tmp_path: Path) -> list[tuple[dict[str, Any], str]]:
    return [
        ({"journal": 123}, "journal"),
        ({"journal": tmp_path / "missing" / "run.jsonl"}, "journal"),
        ({"journal": tmp_path}, "journal"),
        ({"on_progress": 5}, "on_progress"),
        ({"timeout": "x"}, "timeout"),
        ({"extra_headers": {"a\n": "b"}}, "extra_headers"),
        ({"extra_body": [1]}, "extra_body"),
    ]


async def test_bad_arguments_fail_at_the_call(make_client: MakeClient, tmp_path: Path) -> None:
    """A bad journal, on_progress, timeout or extra is a ValidationError naming it, at the call."""
    client = make_client(accepted())
    for kwargs, name in bad_arguments(tmp_path):
        with pytest.raises(qlara.ValidationError) as caught:
            client.send_many([sms(0)], **kwargs)
        assert caught.value.field.startswith(name)


def test_sync_bad_arguments_fail_at_the_call(tmp_path: Path) -> None:
    """The blocking client checks the same arguments at the call."""
    with blocking_client(accepted()) as client:
        for kwargs, name in bad_arguments(tmp_path):
            with pytest.raises(qlara.ValidationError) as caught:
                client.send_many([sms(0)], **kwargs)
            assert caught.value.field.startswith(name)


async def test_journal_that_cannot_be_opened_names_its_path(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """An OSError opening the journal is a QlaraError naming the path."""
    journal = tmp_path / "link.jsonl"
    journal.symlink_to(tmp_path / "gone" / "run.jsonl")
    client = make_client(accepted())
    with pytest.raises(qlara.QlaraError, match=r"link\.jsonl"):
        await collect(client.send_many([sms(0)], journal=journal))


def test_sync_input_is_pulled_in_the_callers_thread_boundedly() -> None:
    """The blocking client pulls the input in the caller's thread, at most `concurrency` ahead."""
    threads: set[int] = set()
    pulled = 0

    def messages() -> Iterator[qlara.SmsMessage]:
        nonlocal pulled
        for i in range(500):
            threads.add(threading.get_ident())
            pulled += 1
            yield sms(i)

    with blocking_client(accepted()) as client:
        seen = 0
        for _ in client.send_many(messages(), concurrency=8):
            seen += 1
            assert pulled <= seen + 8
        assert seen == 500
    assert threads == {threading.get_ident()}


def test_sync_resume_skips_done_inputs_without_stalling(tmp_path: Path) -> None:
    """A resume whose first inputs are all done skips them and sends the rest."""
    journal = tmp_path / "run.jsonl"
    with blocking_client(accepted()) as client:
        first = list(client.send_many([sms(i) for i in range(100)], concurrency=4, journal=journal))
        assert len(first) == 100
        rest = list(client.send_many([sms(i) for i in range(150)], concurrency=4, journal=journal))
    assert sorted(o.index for o in rest) == list(range(100, 150))


def test_sync_batch_wide_failure_stops_the_run(tmp_path: Path) -> None:
    """The blocking client raises a 401 after the in-flight outcomes and a resume sends the rest."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()
    failing = [True]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return platform.status(request)
        body = json.loads(request.content)
        if index_of(request) == 5 and failing:
            return httpx.Response(401, json={"message": "bad key"})
        return platform.answer(body)

    messages = [sms(i) for i in range(100)]
    got: list[qlara.Outcome] = []
    with blocking_client(handler) as client:
        with pytest.raises(qlara.AuthenticationError):
            got.extend(client.send_many(messages, concurrency=4, journal=journal))
        assert len(got) < 20
        failing.clear()
        got.extend(client.send_many(messages, concurrency=4, journal=journal))
    assert sorted(o.index for o in got) == list(range(100))
    assert max(platform.processed.values()) == 1


async def test_plain_form_kept_iterator_releases_the_journal_on_aclose(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A kept iterator left by break releases its journal on aclose(), and a resume continues."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()
    client = make_client(slow_accepted(platform))
    batch = client.send_many([sms(i) for i in range(20)], concurrency=4, journal=journal)
    async for _ in batch:
        break
    await batch.aclose()
    rest = await collect(client.send_many([sms(i) for i in range(20)], journal=journal))
    # Nothing was journaled done (the caller broke out), so all 20 come again,
    # the first round reconciled through the status endpoint, none sent twice.
    assert sorted(o.index for o in rest) == list(range(20))
    assert all(o.ok for o in rest)
    assert max(platform.posts.values()) == 1
