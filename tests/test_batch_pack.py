"""send_many(sms_per_request=N): SMS packed into SMS Legacy requests, one outcome each."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

import qlara
import qlara.testing
from qlara._batch._engine import SendMany
from qlara._batch._input import derived_id, message_digest
from qlara._batch._journal import Journal
from qlara.testing import Drop, Lifecycle, Simulator
from tests.conftest import DESTINATION, KEY, accepted
from tests.test_batch import collect

MakeClient = Callable[..., qlara.AsyncQlara]
LEGACY = "/services/sms/send"


def number(index: int) -> str:
    return f"+3934{index:08d}"


def personal(index: int, **fields: Any) -> qlara.SmsMessage:
    return qlara.SmsMessage(destination=number(index), body=f"Hi {index}", sender="Shop", **fields)


def simulator(**options: Any) -> Simulator:
    return Simulator(lifecycle=Lifecycle.instant(), **options)


def client_for(sim: Simulator, **options: Any) -> qlara.AsyncQlara:
    options.setdefault("rate_limit", None)
    return qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), **options)


def legacy_posts(sim: Simulator) -> int:
    return sum(1 for m in sim.sent if m.dialect == "legacy")


async def drain(outcomes: SendMany, *, managed: bool) -> list[qlara.Outcome]:
    """Every outcome, in the plain form or inside ``async with``."""
    if managed:
        async with outcomes:
            return await collect(outcomes)
    return await collect(outcomes)


async def test_two_thousand_sms_in_packs_of_a_hundred() -> None:
    """2,000 SMS reach the simulator once each in about 20 requests, one outcome per input."""
    sim = simulator(rate_limit=qlara.RateLimit.production())
    async with client_for(sim, rate_limit=qlara.RateLimit.production()) as client:
        messages = [personal(i) for i in range(2000)]
        async with client.send_many(messages, sms_per_request=100) as outcomes:
            got = [outcome async for outcome in outcomes]
            assert outcomes.requests is not None
            assert outcomes.requests <= 25
    assert Counter(o.index for o in got) == Counter(range(2000))
    assert all(o.ok for o in got)
    assert len(sim.sent) == 2000
    assert set(sim.send_counts.values()) == {1}
    assert sim.requests_seen <= 25
    for outcome in got:
        assert outcome.result is not None
        assert outcome.result.message_id == outcome.message_id
        assert sim.message(str(outcome.message_id)).text == f"Hi {outcome.index}"


async def test_plain_iteration_packs_too() -> None:
    """The round-based `async for` form packs as well, with one outcome per input."""
    sim = simulator()
    async with client_for(sim) as client:
        got = await collect(client.send_many([personal(i) for i in range(300)], sms_per_request=50))
    assert sorted(o.index for o in got) == list(range(300))
    assert set(sim.send_counts.values()) == {1}
    assert sim.requests_seen < 300


async def test_what_travels_together(make_client: MakeClient) -> None:
    """Same text and sender share an item, flags split packs, placeholders are rendered."""
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        bodies.append(body)
        ids = [i for item in body["messages"] for i in item["ids"]]
        return httpx.Response(200, json={"results": [{"id": i, "accepted": True} for i in ids]})

    client = make_client(handler)
    messages = [
        qlara.SmsMessage(destination=number(0), body="Sale", sender="Shop"),
        qlara.SmsMessage(destination=number(1), body="Sale", sender="Shop"),
        qlara.SmsMessage(
            destination=number(2), body="Hi {name}", sender="Shop", placeholders={"name": "Ada"}
        ),
        qlara.SmsMessage(destination=number(3), body="Sale", sender="Shop", simulation=True),
        qlara.SmsMessage(
            destination=number(4), body="Sale", sender="Shop", enable_notification=False
        ),
    ]
    got = await collect(client.send_many(messages, sms_per_request=10))
    assert all(o.ok for o in got)
    assert len(got) == 5
    by_flags = {(b.get("simulation"), b.get("enableDelivery")): b for b in bodies}
    assert len(bodies) == 3
    main = by_flags[(False, True)]["messages"]
    assert [(m["body"], m["destinations"]) for m in main] == [
        ("Sale", [number(0), number(1)]),
        ("Hi Ada", [number(2)]),
    ]
    assert by_flags[(True, True)]["messages"][0]["destinations"] == [number(3)]
    assert by_flags[(False, False)]["messages"][0]["destinations"] == [number(4)]


async def test_what_cannot_travel_goes_alone() -> None:
    """A campaign id, a placeholder without value, a long id, RCS: each through its own endpoint."""
    sim = simulator()
    alone: list[qlara.SmsMessage | qlara.RcsMessage] = [
        personal(1, campaign_id="spring"),
        qlara.SmsMessage(destination=number(2), body="Hi {name}", sender="Shop", placeholders={}),
        qlara.SmsMessage(
            destination=number(3), body="Hi {name}", sender="Shop", placeholders={"x": "1"}
        ),
        personal(4, message_id="i" * 65),
        qlara.RcsMessage(destination=number(5), agent_id=1, body=qlara.RcsText(text="Hi")),
    ]
    async with client_for(sim) as client:
        got = await collect(
            client.send_many([personal(0), *alone, personal(6)], sms_per_request=10)
        )
    assert len(got) == 7
    assert all(o.ok for o in got)
    dialects = {m.destination: m.dialect for m in sim.sent}
    assert dialects[number(0)] == dialects[number(6)] == "legacy"
    assert all(dialects[number(i)] == "current" for i in range(1, 6))
    assert sim.message("i" * 65).text == "Hi 4"


async def test_a_rejected_id_fails_only_its_message() -> None:
    """The answer's per-id verdict decides each outcome."""
    sim = simulator()
    sim.mark_number(number(3), "REJECTED")
    async with client_for(sim) as client:
        got = await collect(client.send_many([personal(i) for i in range(10)], sms_per_request=10))
    failed = [o for o in got if not o.ok]
    assert [o.index for o in failed] == [3]
    result = failed[0].result
    assert result is not None
    assert failed[0].error is None
    assert result.results[qlara.Channel.SMS].status_code == 403
    assert sum(o.ok for o in got) == 9


@pytest.mark.parametrize("fault", [Drop(processed=True), 500, qlara.testing.Malformed()])
async def test_an_ambiguous_request_makes_every_message_unknown(fault: Any) -> None:
    """A pack that may have landed is OutcomeUnknownError for each of its messages, never resent."""
    sim = simulator()
    sim.faults.queue(LEGACY, fault)
    async with client_for(sim) as client:
        got = await collect(client.send_many([personal(i) for i in range(20)], sms_per_request=20))
    assert len(got) == 20
    assert all(isinstance(o.error, qlara.OutcomeUnknownError) for o in got)
    assert {getattr(o.error, "message_id", None) for o in got} == {o.message_id for o in got}
    assert max(sim.attempt_counts.values(), default=0) <= 1  # never sent again


async def test_a_missing_verdict_is_unknown(make_client: MakeClient) -> None:
    """An id the answer leaves out is unknown; the others keep their verdicts."""

    def handler(request: httpx.Request) -> httpx.Response:
        ids = [i for item in json.loads(request.content)["messages"] for i in item["ids"]]
        return httpx.Response(200, json={"results": [{"id": i, "accepted": True} for i in ids[1:]]})

    got = await collect(
        make_client(handler).send_many([personal(i) for i in range(5)], sms_per_request=5)
    )
    unknown = [o.index for o in got if isinstance(o.error, qlara.OutcomeUnknownError)]
    assert unknown == [0]
    assert sum(o.ok for o in got) == 4


@pytest.mark.parametrize("how", ["413", "400", "limit"])
async def test_a_too_large_request_is_split(how: str) -> None:
    """A 413 (or a 400 naming the size) splits the pack; every message then lands once."""
    sim = simulator()
    if how == "413":
        sim.faults.queue(LEGACY, 413)
    elif how == "400":
        body = {"status": "error", "message": "Request size exceeds the limit"}
        sim.faults.queue(LEGACY, qlara.testing.Status(code=400, body=body))
    else:
        sim.max_request_bytes = 2000  # a handful of messages per request
    async with client_for(sim) as client:
        got = await collect(client.send_many([personal(i) for i in range(40)], sms_per_request=40))
    assert len(got) == 40
    assert all(o.ok for o in got)
    assert set(sim.send_counts.values()) == {1}
    assert len(sim.send_counts) == 40


@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "message": "Wrong sender", "code": 18},
        {"status": "error", "message": "Body size too long for one message", "code": 7},
    ],
)
async def test_a_request_wide_400_fails_each_message(body: dict[str, Any]) -> None:
    """A 400 not about the request's size fails every message of the pack with its own id."""
    sim = simulator()
    sim.faults.queue(LEGACY, qlara.testing.Status(code=400, body=body))
    async with client_for(sim) as client:
        got = await collect(client.send_many([personal(i) for i in range(4)], sms_per_request=4))
    assert all(isinstance(o.error, qlara.BadRequestError) for o in got)
    assert {getattr(o.error, "message_id", None) for o in got} == {o.message_id for o in got}
    assert sim.faults.pending == 0
    assert sim.sent == []


class Stall(httpx.AsyncBaseTransport):
    """Answers from the simulator; from the ``stall_at``-th Legacy request on, never answers."""

    def __init__(self, sim: Simulator, stall_at: int) -> None:
        self.inner = sim.transport()
        self.stall_at = stall_at
        self.legacy = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith(LEGACY):
            self.legacy += 1
            if self.legacy >= self.stall_at:
                await anyio.Event().wait()  # it landed; the answer never comes
        return response


async def test_resume_reconciles_packs_without_duplicates(tmp_path: Path) -> None:
    """A run killed with packs in flight, resumed: one outcome per input, one send per message."""
    sim = simulator()
    journal = tmp_path / "run.jsonl"
    messages = [personal(i) for i in range(500)]
    first: list[qlara.Outcome] = []
    stall = Stall(sim, stall_at=3)
    async with qlara.AsyncQlara(api_key=KEY, transport=stall, rate_limit=None) as client:
        with anyio.CancelScope() as scope:  # a kill: cancelled at once, packs in flight
            async with client.send_many(
                messages, sms_per_request=50, concurrency=4, journal=journal
            ) as outcomes:
                async for outcome in outcomes:
                    first.append(outcome)
                    if len(first) == 100:
                        scope.cancel()
    landed = set(sim.send_counts)
    assert len(first) == 100
    assert len(landed) > 100
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    packs = Counter(r["pack"] for r in records if r["event"] == "start")
    assert packs
    assert max(packs.values()) == 50

    async with client_for(sim) as client:
        second = await collect(
            client.send_many(messages, sms_per_request=50, concurrency=4, journal=journal)
        )
    indices = Counter(o.index for o in [*first, *second])
    assert indices == Counter(range(500))
    assert all(o.ok for o in second)
    assert set(sim.send_counts.values()) == {1}
    assert len(sim.send_counts) == 500
    reconciled = [o for o in second if o.result is not None and "reconciledStatus" in o.result.raw]
    assert {o.message_id for o in reconciled} == landed - {o.message_id for o in first}


async def test_sms_per_request_is_checked_at_the_call(make_client: MakeClient) -> None:
    """0, a bool or more than 1,000 per request is refused before anything is sent."""
    client = make_client(accepted())
    for bad in (0, True, 1001, "10"):
        with pytest.raises(qlara.ValidationError) as caught:
            client.send_many([personal(0)], sms_per_request=bad)  # type: ignore[arg-type]
        assert caught.value.field == "sms_per_request"


def test_sync_send_many_packs() -> None:
    """The blocking client packs the same way: one outcome per input, few requests."""
    sim = simulator()
    with qlara.Qlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        got = list(client.send_many([personal(i) for i in range(400)], sms_per_request=100))
        with pytest.raises(qlara.ValidationError):
            client.send_many([personal(0)], sms_per_request=0)
    assert sorted(o.index for o in got) == list(range(400))
    assert set(sim.send_counts.values()) == {1}
    assert sim.requests_seen <= 20
    assert DESTINATION not in {m.destination for m in sim.sent}


async def test_max_parts_holds_in_packs_too() -> None:
    """With sms_per_request, a message over max_parts is refused and never sent; the rest pack."""
    sim = simulator()
    async with client_for(sim) as client:
        messages = [personal(i) for i in range(10)]
        messages[3] = qlara.SmsMessage(destination=number(3), body="ç" * 200, sender="Shop")
        got = [o async for o in client.send_many(messages, sms_per_request=5, max_parts=2)]
    assert Counter(o.index for o in got) == Counter(range(10))
    [refused] = [o for o in got if not o.ok]
    assert refused.index == 3
    assert isinstance(refused.error, qlara.ValidationError)
    assert "max_parts=2" in str(refused.error)
    assert len(sim.sent) == 9
    assert all(m.destination != number(3) for m in sim.sent)


async def test_a_cancelled_pack_is_listed_as_unreported() -> None:
    """A pack cut off on the wire is listed by unreported() as unknown, per message."""
    started = anyio.Event()

    async def stall(request: httpx.Request) -> httpx.Response:
        started.set()
        await anyio.sleep(30)
        return httpx.Response(500)

    async with qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(stall), rate_limit=None
    ) as client:
        run = client.send_many([personal(i) for i in range(4)], sms_per_request=4)
        with anyio.move_on_after(5) as scope:
            async with anyio.create_task_group() as group:

                async def consume() -> None:
                    async for _ in run:
                        pass

                group.start_soon(consume)
                await started.wait()
                scope.cancel()
        await run.aclose()
    unknown = run.unreported
    assert sorted(o.index for o in unknown) == [0, 1, 2, 3]
    assert all(isinstance(o.error, qlara.OutcomeUnknownError) for o in unknown)


def _ids_and_numbers(request: httpx.Request) -> list[tuple[str, str]]:
    items = json.loads(request.content)["messages"]
    return [pair for item in items for pair in zip(item["ids"], item["destinations"], strict=True)]


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        (lambda sent: httpx.Response(200, json={"status": "ok"}), True),
        (lambda sent: httpx.Response(200), True),
        (lambda sent: httpx.Response(202), True),
        (lambda sent: httpx.Response(200, json={"globalId": "g"}), True),
        (lambda sent: httpx.Response(200, json={"accepted": True, "results": []}), True),
        (
            lambda sent: httpx.Response(
                200, json={"accepted": True, "results": [{"id": i} for i, _ in sent]}
            ),
            True,
        ),
        (
            lambda sent: httpx.Response(
                200, json={"results": [{"destination": n[1:], "accepted": True} for _, n in sent]}
            ),
            True,
        ),
        (
            lambda sent: httpx.Response(
                200, json={"status": "error", "message": "Insufficient credit", "code": 2}
            ),
            False,
        ),
    ],
)
async def test_answers_without_per_id_verdicts(
    make_client: MakeClient,
    answer: Callable[[list[tuple[str, str]]], httpx.Response],
    accepted: bool,
) -> None:
    """A 2xx with no per-id verdict gives the request's verdict to each message, once each."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return answer(_ids_and_numbers(request))

    messages = [personal(i) for i in range(4)]
    got = await collect(make_client(handler).send_many(messages, sms_per_request=4))
    assert len(requests) == 1
    assert sorted(o.index for o in got) == [0, 1, 2, 3]
    assert all(o.error is None and o.result is not None for o in got)
    assert [o.ok for o in got] == [accepted] * 4
    assert all(o.result is not None and o.result.raw.get("globalId") for o in got)
    if not accepted:
        assert got[0].result is not None
        assert got[0].result.results[qlara.Channel.SMS].reasons == ("code 2: Insufficient credit",)


async def test_results_by_a_shared_number(make_client: MakeClient) -> None:
    """Results keyed by number only: a number sent twice takes them if they agree, else unknown."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = _ids_and_numbers(request)
        verdict = {number(0): True, number(1): False}
        results = [{"destination": n, "accepted": verdict.get(n, True)} for _, n in sent]
        results[-1]["accepted"] = not results[-1]["accepted"]  # the second of number(1) differs
        return httpx.Response(200, json={"results": results})

    messages = [personal(0), personal(0), personal(1), personal(1)]
    got = await collect(make_client(handler).send_many(messages, sms_per_request=4))
    by_index = {o.index: o for o in got}
    assert by_index[0].ok
    assert by_index[1].ok
    assert isinstance(by_index[2].error, qlara.OutcomeUnknownError)
    assert isinstance(by_index[3].error, qlara.OutcomeUnknownError)


async def test_a_token_the_sdk_cannot_render_goes_alone(make_client: MakeClient) -> None:
    """A placeholder named outside the `{name}` token syntax is left to SMS Universal."""
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith(LEGACY):
            return httpx.Response(200, json={"status": "ok"})
        return accepted()(request)

    odd = qlara.SmsMessage(
        destination=number(1),
        body="Hi {first name}",
        sender="Shop",
        placeholders={"first name": "Ann"},
    )
    messages = [personal(0), odd, personal(2)]
    got = await collect(make_client(handler).send_many(messages, sms_per_request=3))
    assert all(o.ok for o in got)
    assert sorted(paths) == ["/api/message-server/sms/send", "/api/services/sms/send"]


async def test_one_id_travels_once_per_request(make_client: MakeClient) -> None:
    """Inputs sharing a message_id never share a request, so each has its own verdict."""
    legacy_ids: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(LEGACY):
            sent = [i for i, _ in _ids_and_numbers(request)]
            legacy_ids.append(sent)
            return httpx.Response(
                200, json={"results": [{"id": i, "accepted": True} for i in sent]}
            )
        return accepted()(request)

    messages = [personal(0), *(personal(i, message_id="dup") for i in (1, 2, 3))]
    got = await collect(make_client(handler).send_many(messages, sms_per_request=4))
    assert sorted(o.index for o in got) == [0, 1, 2, 3]
    assert all(len(ids) == len(set(ids)) for ids in legacy_ids)
    assert sum(ids.count("dup") for ids in legacy_ids) == 1


async def test_results_with_the_platforms_own_ids_go_by_number(make_client: MakeClient) -> None:
    """Results carrying ids not ours are matched by number, the id kept as the platform's."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = _ids_and_numbers(request)
        results = [
            {"id": f"p-{n}", "destination": n, "accepted": n != number(2), "statusCode": 200}
            for _, n in sent
        ]
        results[2]["statusCode"] = 403
        return httpx.Response(200, json={"globalId": "g", "accepted": True, "results": results})

    got = await collect(
        make_client(handler).send_many([personal(i) for i in range(4)], sms_per_request=4)
    )
    assert [o.ok for o in sorted(got, key=lambda o: o.index)] == [True, True, False, True]
    assert all(o.result is not None for o in got)
    first = next(o for o in got if o.index == 0)
    assert first.result is not None
    assert first.result.platform_message_id == f"p-{number(0)}"


@pytest.mark.parametrize("stop", ["break", "cancel"])
async def test_a_packs_outcomes_left_untaken_are_unreported(
    make_client: MakeClient, stop: str
) -> None:
    """Stopping after one outcome of an answered pack lists each of the others in unreported."""

    def handler(request: httpx.Request) -> httpx.Response:
        sent = [i for i, _ in _ids_and_numbers(request)]
        return httpx.Response(200, json={"results": [{"id": i, "accepted": True} for i in sent]})

    run = make_client(handler).send_many([personal(i) for i in range(40)], sms_per_request=40)
    got: list[qlara.Outcome] = []
    with anyio.CancelScope() as scope:
        async with run as outcomes:
            async for outcome in outcomes:
                got.append(outcome)
                if stop == "cancel":
                    scope.cancel()
                break
    assert len(got) == 1
    assert sorted(o.index for o in [*got, *run.unreported]) == list(range(40))
    assert all(o.ok for o in run.unreported)


async def test_answered_requests_of_a_cut_off_unit_are_unreported() -> None:
    """A pack cut off on the wire beside an answered single send: both are in unreported."""
    answered = anyio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(LEGACY):
            await answered.wait()
            await anyio.sleep(30)
        response = accepted()(request)
        answered.set()
        return response

    messages = [personal(0), personal(1, campaign_id="spring"), personal(2)]
    async with qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(handler), rate_limit=None
    ) as client:
        run = client.send_many(messages, sms_per_request=3)
        with anyio.move_on_after(5) as scope:
            async with anyio.create_task_group() as group:

                async def consume() -> None:
                    async with run as outcomes:
                        async for _ in outcomes:
                            pass

                group.start_soon(consume)
                await answered.wait()
                await anyio.wait_all_tasks_blocked()
                scope.cancel()
    listed = {o.index: o for o in run.unreported}
    assert sorted(listed) == [0, 1, 2]
    assert listed[1].ok
    assert isinstance(listed[0].error, qlara.OutcomeUnknownError)


async def test_an_async_iterable_fills_its_packs() -> None:
    """Input that yields between items still travels in full packs (one gatherer at a time)."""
    sim = simulator()

    async def source() -> Any:
        for i in range(250):
            await anyio.lowlevel.checkpoint()
            yield personal(i)

    async with client_for(sim) as client:
        got = [o async for o in client.send_many(source(), sms_per_request=100)]
    assert Counter(o.index for o in got) == Counter(range(250))
    assert all(o.ok for o in got)
    assert legacy_posts(sim) == 250
    assert sim.requests_seen == 3


@pytest.mark.parametrize("managed", [False, True])
@pytest.mark.parametrize("token", ["{name}", "no token"])
@pytest.mark.parametrize("journaled", [False, True])
async def test_a_message_changed_after_construction_fails_alone_in_a_pack(
    tmp_path: Path, managed: bool, token: str, journaled: bool
) -> None:
    """Placeholders given a non-text value after construction fail that input alone, not the run."""
    sim = simulator()
    odd = qlara.SmsMessage(
        destination=number(2), body=f"Hi {token}", sender="Shop", placeholders={"name": "Ada"}
    )
    assert odd.placeholders is not None
    odd.placeholders["name"] = {1, 2}  # type: ignore[index]  # the model holds a plain dict
    messages = [personal(0), personal(1), odd, personal(3), personal(4)]
    journal = tmp_path / "run.jsonl" if journaled else None
    async with client_for(sim) as client:
        got = await drain(
            client.send_many(messages, sms_per_request=10, journal=journal), managed=managed
        )
    assert sorted(o.index for o in got) == [0, 1, 2, 3, 4]
    [failed] = [o for o in got if not o.ok]
    assert failed.index == 2
    assert isinstance(failed.error, qlara.ValidationError)
    assert sorted(m.destination for m in sim.sent) == [number(i) for i in (0, 1, 3, 4)]


@pytest.mark.parametrize("per_request", [1, 10])
async def test_max_parts_holds_for_a_resumed_message_that_never_arrived(
    tmp_path: Path, per_request: int
) -> None:
    """On resume, a started message that never arrived and is over max_parts is refused, unsent."""
    sim = simulator()
    messages = [personal(i) for i in range(5)]
    messages[2] = qlara.SmsMessage(destination=number(2), body="ç" * 200, sender="Shop")
    path = tmp_path / "run.jsonl"
    journal = Journal(path).open()  # an earlier run, killed with messages[2] on the wire
    message_id = derived_id(journal.run_id.bytes, 2)
    journal.start(2, message_id, digest=message_digest(messages[2]))
    journal.close()
    async with client_for(sim) as client:
        got = await collect(
            client.send_many(messages, sms_per_request=per_request, max_parts=2, journal=path)
        )
    assert sorted(o.index for o in got) == list(range(5))
    [refused] = [o for o in got if not o.ok]
    assert refused.index == 2
    assert refused.message_id == message_id
    assert isinstance(refused.error, qlara.ValidationError)
    assert "max_parts=2" in str(refused.error)
    assert number(2) not in {m.destination for m in sim.sent}


@pytest.mark.parametrize("managed", [False, True])
@pytest.mark.parametrize("per_request", [1, 10])
async def test_a_journal_that_cannot_be_written_stops_the_run_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, managed: bool, per_request: int
) -> None:
    """A full disk under the journal stops the run with that ``OSError``, packs or not."""
    written = 0
    start = Journal.start

    def start_until_full(journal: Journal, *args: Any, **fields: Any) -> None:
        nonlocal written
        written += 1
        if written > 3:
            raise OSError(28, "No space left on device")
        start(journal, *args, **fields)

    monkeypatch.setattr(Journal, "start", start_until_full)
    sim = simulator()
    messages = [personal(i) for i in range(40)]
    async with client_for(sim) as client:
        outcomes = client.send_many(
            messages, sms_per_request=per_request, concurrency=2, journal=tmp_path / "run.jsonl"
        )
        with pytest.raises(OSError, match="No space left"):
            await drain(outcomes, managed=managed)
    assert len(sim.sent) <= 3  # only what was journaled went out
