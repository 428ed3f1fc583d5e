"""Resumable journals: across runs every input gets one outcome and nothing is sent twice."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import qlara
from qlara._batch._journal import Journal, JournalError
from tests.conftest import accepted
from tests.test_batch import Platform, collect, index_of, sms

MakeClient = Callable[..., qlara.AsyncQlara]


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def platform_handler(
    platform: Platform,
    *,
    stall_from: int | None = None,
    status_error: int | None = None,
    on_stall: Callable[[], None] = lambda: None,
) -> Callable[[httpx.Request], Any]:
    """Sends are processed at once; from ``stall_from`` on, the answer never comes."""
    never = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            if status_error is not None:
                return httpx.Response(status_error, json={"message": "status is down"})
            return platform.status(request)
        body = json.loads(request.content)
        platform.posts[body["messageId"]] += 1
        response = platform.answer(body)
        if stall_from is not None and index_of(request) >= stall_from:
            on_stall()
            await never.wait()  # landed on the platform; the answer is lost when we cancel
        return response

    return handler


async def run_until(
    client: qlara.AsyncQlara,
    messages: list[qlara.SmsMessage],
    journal: Path,
    stop_after: int,
    wait_for: anyio.Event | None = None,
) -> list[qlara.Outcome]:
    """Iterate, and cancel the whole loop after ``stop_after`` outcomes (and ``wait_for``)."""
    got: list[qlara.Outcome] = []
    with anyio.fail_after(10), anyio.CancelScope() as scope:
        async with client.send_many(messages, concurrency=4, journal=journal) as outcomes:
            async for outcome in outcomes:
                got.append(outcome)
                if len(got) == stop_after:
                    if wait_for is not None:
                        await wait_for.wait()
                    scope.cancel()
    return got


async def test_journal_records_header_starts_and_dones(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A run writes a header with its run id, then start and done records for each message."""
    journal = tmp_path / "run.jsonl"
    client = make_client(accepted())
    outcomes = await collect(client.send_many([sms(i) for i in range(5)], journal=journal))
    lines = records(journal)
    header = lines[0]
    assert header["event"] == "header"
    assert header["version"] == 1
    run_id = uuid.UUID(header["run_id"])
    starts = {r["index"]: r["message_id"] for r in lines if r["event"] == "start"}
    dones = {r["index"]: r for r in lines if r["event"] == "done"}
    assert starts == {o.index: o.message_id for o in outcomes}
    assert all(starts[i] == str(uuid.uuid5(run_id, str(i))) for i in range(5))
    assert all(d["ok"] is True and d["error"] is None for d in dones.values())
    assert sorted(dones) == list(range(5))


async def test_resume_after_cancellation_sends_nothing_twice(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """Cancelled halfway and resumed: one outcome per input over both runs, one send per message."""
    journal = tmp_path / "run.jsonl"
    messages = [sms(i) for i in range(40)]
    platform = Platform()
    stalled_once = anyio.Event()  # cancel only once a message has landed and stalled
    handler = platform_handler(platform, stall_from=10, on_stall=stalled_once.set)
    first = await run_until(
        make_client(handler), messages, journal, stop_after=8, wait_for=stalled_once
    )
    assert len(first) == 8
    stalled = {m for m, n in platform.processed.items() if n} - {o.message_id for o in first}
    assert stalled  # landed on the platform, never handed over

    second = await collect(
        make_client(platform_handler(platform)).send_many(messages, journal=journal)
    )
    indices = Counter(o.index for o in [*first, *second])
    assert sorted(indices) == list(range(40))
    assert set(indices.values()) == {1}
    assert all(o.ok for o in second)
    assert set(platform.posts.values()) == {1}
    assert set(platform.processed.values()) == {1}
    reconciled = [o for o in second if o.message_id in stalled]
    assert len(reconciled) == len(stalled)
    assert all(o.result is not None and "reconciledStatus" in o.result.raw for o in reconciled)
    # A third run finds everything done and sends nothing.
    posts = sum(platform.posts.values())
    assert (
        await collect(make_client(platform_handler(platform)).send_many(messages, journal=journal))
        == []
    )
    assert sum(platform.posts.values()) == posts


async def test_resume_keeps_derived_ids(make_client: MakeClient, tmp_path: Path) -> None:
    """A message without an id gets the same derived id in every run of one journal."""
    journal = tmp_path / "run.jsonl"
    messages = [sms(i) for i in range(12)]
    platform = Platform()
    first = await run_until(make_client(platform_handler(platform)), messages, journal, 3)
    second = await collect(
        make_client(platform_handler(platform)).send_many(messages, journal=journal)
    )
    run_id = uuid.UUID(records(journal)[0]["run_id"])
    for outcome in [*first, *second]:
        assert outcome.message_id == str(uuid.uuid5(run_id, str(outcome.index)))


async def test_unreachable_status_reports_unknown(make_client: MakeClient, tmp_path: Path) -> None:
    """A started message whose status cannot be looked up is reported unknown, not re-sent."""
    journal = tmp_path / "run.jsonl"
    messages = [sms(i) for i in range(6)]
    platform = Platform()
    stalled = anyio.Event()
    # The cancel comes once a stalled message is on the wire (journaled as started):
    # cancelling before any was would leave nothing for the resume to look up.
    handler = platform_handler(platform, stall_from=2, on_stall=stalled.set)
    first: list[qlara.Outcome] = []
    with anyio.fail_after(10), anyio.CancelScope() as scope:
        async with make_client(handler).send_many(
            messages, concurrency=4, journal=journal
        ) as outcomes:
            async for outcome in outcomes:
                first.append(outcome)
                if len(first) == 2:
                    await stalled.wait()
                    scope.cancel()
    posts = Counter(platform.posts)
    client = make_client(platform_handler(platform, status_error=403))
    second = await collect(client.send_many(messages, journal=journal))
    assert sorted(o.index for o in [*first, *second]) == list(range(6))
    unknown = [o for o in second if isinstance(o.error, qlara.OutcomeUnknownError)]
    assert unknown
    for outcome in unknown:
        assert isinstance(outcome.error, qlara.OutcomeUnknownError)
        assert outcome.error.message_id == outcome.message_id
        assert isinstance(outcome.error.cause, qlara.PermissionDeniedError)
        assert platform.posts[str(outcome.message_id)] == posts[str(outcome.message_id)]


async def test_started_but_never_arrived_is_sent(make_client: MakeClient, tmp_path: Path) -> None:
    """A message journaled as started that the platform does not know is sent on resume."""
    journal = tmp_path / "run.jsonl"
    opened = Journal(journal).open()
    opened.start(0, str(uuid.uuid5(opened.run_id, "0")))
    opened.close()
    platform = Platform()
    [outcome] = await collect(
        make_client(platform_handler(platform)).send_many([sms(0)], journal=journal)
    )
    assert outcome.ok
    assert outcome.result is not None
    assert "reconciledStatus" not in outcome.result.raw
    assert platform.posts[str(outcome.message_id)] == 1


async def test_progress_counts_earlier_runs(make_client: MakeClient, tmp_path: Path) -> None:
    """A resumed run reports progress over the whole input, earlier outcomes included."""
    journal = tmp_path / "run.jsonl"
    messages = [sms(i) for i in range(10)]
    platform = Platform()
    await run_until(make_client(platform_handler(platform)), messages, journal, stop_after=4)
    calls: list[tuple[int, int | None, int, int]] = []

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        calls.append((done, total, ok, failed))

    await collect(
        make_client(platform_handler(platform)).send_many(
            messages, journal=journal, on_progress=progress
        )
    )
    assert calls[0][0] >= 4
    assert calls[-1] == (10, 10, 10, 0)


async def test_torn_last_line_is_ignored_and_cut(make_client: MakeClient, tmp_path: Path) -> None:
    """Half a line left by a kill mid-write is dropped; the journal goes on cleanly."""
    journal = tmp_path / "run.jsonl"
    await collect(make_client(accepted()).send_many([sms(0)], journal=journal))
    with journal.open("a") as file:
        file.write('{"event": "start", "ind')
    outcomes = await collect(make_client(accepted()).send_many([sms(0), sms(1)], journal=journal))
    assert [o.index for o in outcomes] == [1]
    assert all(isinstance(r, dict) for r in records(journal))


@pytest.mark.parametrize(
    "content",
    [
        "not json\n",
        '{"event": "start", "index": 0, "message_id": "x"}\n',
        '{"event": "header", "version": 99, "run_id": "x"}\n',
        '{"event": "header", "version": 1, "run_id": "not-a-uuid"}\n',
    ],
)
async def test_unusable_journal_is_an_error(
    make_client: MakeClient, tmp_path: Path, content: str
) -> None:
    """A file that is not a qlara journal raises a QlaraError before anything is sent."""
    journal = tmp_path / "run.jsonl"
    journal.write_text(content)
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return accepted()(request)

    with pytest.raises(qlara.QlaraError, match=r"run\.jsonl"):
        await collect(make_client(handler).send_many([sms(0)], journal=journal))
    assert sent == []


def test_done_bitmap_is_compact(tmp_path: Path) -> None:
    """Done indices of a large run are kept as bits, and read back exactly."""
    journal = Journal(tmp_path / "big.jsonl").open()
    for index in range(0, 200_000, 3):
        journal.finish(index, "id", ok=index % 2 == 0, error=None)
    journal.close()
    reread = Journal(tmp_path / "big.jsonl").open()
    reread.close()
    assert reread.done.count == len(range(0, 200_000, 3))
    assert 3 in reread.done
    assert 4 not in reread.done
    assert reread.done_ok == len([i for i in range(0, 200_000, 3) if i % 2 == 0])


def test_a_journal_in_use_is_refused(tmp_path: Path) -> None:
    """A second run on a journal that another run holds open stops with a QlaraError."""
    first = Journal(tmp_path / "run.jsonl").open()
    try:
        with pytest.raises(qlara.QlaraError, match="in use"):
            Journal(tmp_path / "run.jsonl").open()
    finally:
        first.close()
    Journal(tmp_path / "run.jsonl").open().close()


@pytest.mark.parametrize("caller_ids", [False, True])
async def test_journal_of_another_input_is_refused(
    make_client: MakeClient, tmp_path: Path, caller_ids: bool
) -> None:
    """Resuming with another input raises a JournalError naming the index, and sends none of it."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()
    client = make_client(platform_handler(platform, stall_from=6))
    first = [sms(i, message_id=f"A-{i}" if caller_ids else None) for i in range(10)]
    await run_until(client, first, journal, stop_after=3)
    posts = sum(platform.posts.values())
    other = [
        qlara.SmsMessage(
            destination="+393409999999",
            body=f"campaign B {i}",
            sender="Shop",
            message_id=f"B-{i}" if caller_ids else None,
        )
        for i in range(10)
    ]
    with pytest.raises(JournalError, match=r"another input: messages\[0\]"):
        await collect(client.send_many(other, journal=journal))
    assert sum(platform.posts.values()) == posts


async def test_caller_message_id_is_never_overridden_on_resume(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A started message whose caller id changed on resume is refused, not sent under the old id."""
    journal = tmp_path / "run.jsonl"
    platform = Platform()
    with anyio.CancelScope() as scope:
        client = make_client(platform_handler(platform, stall_from=0, on_stall=scope.cancel))
        await collect(client.send_many([sms(0, message_id="first")], journal=journal))
    assert [r["caller_id"] for r in records(journal) if r["event"] == "start"] == ["first"]
    with pytest.raises(JournalError, match=r"messages\[0\]"):
        await collect(client.send_many([sms(0, message_id="second")], journal=journal))
    assert "second" not in platform.posts
    assert isinstance(JournalError("x"), qlara.QlaraError)


async def test_a_file_that_is_not_a_journal_is_never_truncated(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """A one-line file without a newline is refused and left byte for byte as it was."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my precious notes, one line, no newline")
    client = make_client(accepted())
    with pytest.raises(JournalError, match="not a qlara journal"):
        await collect(client.send_many([sms(0)], journal=notes))
    assert notes.read_text() == "my precious notes, one line, no newline"


async def test_a_torn_tail_after_the_header_is_cut(make_client: MakeClient, tmp_path: Path) -> None:
    """Half a record after a valid header is cut off and the run resumes."""
    journal = tmp_path / "run.jsonl"
    client = make_client(accepted())
    await collect(client.send_many([sms(i) for i in range(3)], journal=journal))
    with journal.open("a") as file:
        file.write('{"event":"start","index":3,"mess')
    outcomes = await collect(client.send_many([sms(i) for i in range(5)], journal=journal))
    assert sorted(o.index for o in outcomes) == [3, 4]
    assert all(isinstance(record, dict) for record in records(journal))


async def test_async_with_failing_at_start_releases_the_journal(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """An ``on_progress`` failing as ``async with`` opens the run closes the journal at once."""
    client = make_client(accepted())
    journal = tmp_path / "run.jsonl"

    def progress(done: int, total: int | None, ok: int, failed: int) -> None:
        raise ZeroDivisionError

    messages = [sms(i) for i in range(3)]
    try:
        async with client.send_many(messages, journal=journal, on_progress=progress):
            pytest.fail("entered")
    except ZeroDivisionError:
        # The error (and the frames it holds) is alive here: the journal must be free anyway.
        got = await collect(client.send_many(messages, journal=journal))
    assert sorted(o.index for o in got) == [0, 1, 2]
