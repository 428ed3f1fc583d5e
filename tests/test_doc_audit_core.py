"""Audit of design §7 (send_many), §9 (pagers, .raw), §11, §12, §13 and §13's fallback,
against doc-shaped fakes."""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

import qlara
import qlara.redis
from tests.test_doc_audit_support import (
    API,
    GW,
    MS,
    Fake,
    Route,
    async_client,
    respond,
    sync_client,
)

DEST = "+393401234567"
SMS_PATH = f"{MS}/sms/send"
WA_PATH = f"{MS}/whatsapp/send"
LEGACY_PATH = f"{API}/services/sms/send"
STATUS = f"{GW}/messages/status"
CONTACTS = f"{GW}/contacts"


def _accept(channel: str, accepted: bool = True) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.read())
        return httpx.Response(
            200,
            json={
                "messageId": sent["messageId"],
                "simulation": False,
                "results": {
                    channel: {"accepted": accepted, "unicode": False, "parts": 1, "reasons": []}
                },
            },
        )

    return route


def _sms(n: int) -> qlara.SmsMessage:
    return qlara.SmsMessage(destination=f"+3934012345{n:02d}", body=f"m{n}", sender="Qlara")


def _by_body(answers: dict[str, int]) -> Route:
    """An SMS route answering by the message's body: a status code, or 200 accepted."""

    def route(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.read())
        status = answers.get(sent["body"], 200)
        if status != 200:
            return httpx.Response(
                status, json={"status": status, "message": f"refused {sent['body']}"}
            )
        return httpx.Response(
            200,
            json={
                "messageId": sent["messageId"],
                "results": {"sms": {"accepted": True, "parts": 1, "reasons": []}},
            },
        )

    return route


# -- §7 send_many ---------------------------------------------------------------------------------


async def test_send_many_yields_one_outcome_per_input() -> None:
    """send_many yields exactly one Outcome per input with index, message, result, ok."""
    fake = Fake({("POST", SMS_PATH): _accept("sms")})
    messages = [_sms(i) for i in range(5)]
    async with async_client(fake) as client:
        outcomes = [o async for o in client.send_many(messages, concurrency=2)]
    assert sorted(o.index for o in outcomes) == [0, 1, 2, 3, 4]
    for outcome in outcomes:
        assert isinstance(outcome, qlara.Outcome)
        assert outcome.ok
        assert outcome.error is None
        assert isinstance(outcome.result, qlara.SendResult)
        assert outcome.message.destination == messages[outcome.index].destination
        assert outcome.message.message_id == outcome.result.message_id
    assert {c.json["messageId"] for c in fake.calls} == {o.message.message_id for o in outcomes}


async def test_send_many_one_failure_is_that_outcomes_error() -> None:
    """A 400 for one message is on its outcome; a 500 is OutcomeUnknownError and is not repeated."""
    fake = Fake({("POST", SMS_PATH): _by_body({"m1": 400, "m3": 500})})
    async with async_client(
        fake, retry_policy=qlara.RetryPolicy(initial_backoff=0, max_backoff=0)
    ) as client:
        outcomes = {o.index: o async for o in client.send_many([_sms(i) for i in range(5)])}
    assert sorted(outcomes) == [0, 1, 2, 3, 4]
    assert isinstance(outcomes[1].error, qlara.BadRequestError)
    assert not outcomes[1].ok
    assert isinstance(outcomes[3].error, qlara.OutcomeUnknownError)
    assert outcomes[3].result is None
    assert outcomes[3].error.message_id == outcomes[3].message.message_id
    assert all(outcomes[i].ok for i in (0, 2, 4))
    assert sum(1 for c in fake.calls if c.json["body"] == "m3") == 1


async def test_send_many_not_accepted_is_not_ok_without_error() -> None:
    """accepted=false: the outcome has its result, no error, and ok is False."""
    fake = Fake({("POST", SMS_PATH): _accept("sms", accepted=False)})
    async with async_client(fake) as client:
        (outcome,) = [o async for o in client.send_many([_sms(1)])]
    assert outcome.error is None
    assert outcome.result is not None
    assert outcome.ok is False


@pytest.mark.xfail(
    strict=True,
    reason="send_many stops the batch and raises on a 403 for one channel (channel not in plan)",
)
async def test_send_many_403_for_one_channel_does_not_stop_the_batch() -> None:
    """UC-016: a channel missing from the plan is a 403 for that channel only; one outcome each."""
    fake = Fake(
        {
            ("POST", SMS_PATH): _accept("sms"),
            ("POST", WA_PATH): respond(403, {"status": 403, "message": "channel not in plan"}),
        }
    )
    wa = qlara.WhatsAppMessage(
        destination=DEST, phone_number_id=5, template=qlara.WhatsAppTemplate(id=42)
    )
    messages: list[qlara.SmsMessage | qlara.WhatsAppMessage] = [_sms(0), wa, _sms(2), _sms(3)]
    async with async_client(fake) as client:
        outcomes = {o.index: o async for o in client.send_many(messages, concurrency=1)}
    assert sorted(outcomes) == [0, 1, 2, 3]
    assert isinstance(outcomes[1].error, qlara.PermissionDeniedError)
    assert outcomes[0].ok
    assert outcomes[2].ok
    assert outcomes[3].ok


@pytest.mark.xfail(
    strict=True,
    reason="send_many raises AuthenticationError instead of yielding one outcome per input",
)
async def test_send_many_401_yields_outcomes_instead_of_raising() -> None:
    """design §7: send_many "never raises for one message's failure"; each input gets an outcome."""
    fake = Fake({("POST", SMS_PATH): respond(401, {"status": 401, "message": "bad key"})})
    async with async_client(fake) as client:
        outcomes = [o async for o in client.send_many([_sms(0), _sms(1)], concurrency=1)]
    assert len(outcomes) == 2
    assert all(isinstance(o.error, qlara.AuthenticationError) for o in outcomes)


async def test_send_many_reads_async_iterables_and_bad_items() -> None:
    """An async iterable is accepted; a non-message item's outcome is a ValidationError."""
    fake = Fake({("POST", SMS_PATH): _accept("sms")})

    async def source() -> AsyncIterator[object]:
        yield _sms(0)
        yield "not a message"
        yield _sms(2)

    async with async_client(fake) as client:
        outcomes = {o.index: o async for o in client.send_many(source())}  # type: ignore[arg-type]
    assert sorted(outcomes) == [0, 1, 2]
    assert isinstance(outcomes[1].error, qlara.ValidationError)
    assert outcomes[0].ok
    assert outcomes[2].ok


async def test_send_many_journal_skips_what_was_handed_over(tmp_path: Path) -> None:
    """With journal=path, a rerun on the same input sends nothing already handed over."""
    fake = Fake({("POST", SMS_PATH): _accept("sms")})
    journal = tmp_path / "run.journal"
    messages = [_sms(i) for i in range(3)]
    async with async_client(fake) as client:
        first = [o async for o in client.send_many(messages, journal=journal)]
        sent = len(fake.calls)
        second = [o async for o in client.send_many(messages, journal=journal)]
    assert len(first) == 3
    assert sent == 3
    assert len(fake.calls) == sent
    assert all(o.ok for o in first)
    assert len(second) in (0, 3)


async def test_send_many_reads_its_input_lazily() -> None:
    """An endless generator is fine: breaking after a few outcomes pulls only a few inputs."""
    fake = Fake({("POST", SMS_PATH): _accept("sms")})
    pulled = 0

    def endless() -> object:
        nonlocal pulled
        while True:
            pulled += 1
            yield _sms(pulled % 100)

    seen = 0
    async with async_client(fake) as client:
        async for _outcome in client.send_many(endless(), concurrency=2):  # type: ignore[arg-type]
            seen += 1
            if seen == 5:
                break
    assert seen == 5
    assert pulled < 40


async def test_send_many_resume_never_sends_twice(tmp_path: Path) -> None:
    """A run left after its first outcome resumes: the rest are sent, nothing twice (§7)."""
    delivered: set[str] = set()

    def send(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        delivered.add(body["messageId"])
        return httpx.Response(
            200,
            json={
                "messageId": body["messageId"],
                "results": {"sms": {"accepted": True, "reasons": []}},
            },
        )

    def status(request: httpx.Request) -> httpx.Response:
        query = dict(httpx.QueryParams(request.url.query))
        ids = query["ids"].split(",") if "ids" in query else [request.url.path.rsplit("/", 1)[-1]]
        found = [{"customerMessageId": i, "deliveryStatus": "SENT"} for i in ids if i in delivered]
        if "ids" in query:
            return httpx.Response(200, json=found)
        if found:
            return httpx.Response(200, json=found[0])
        return httpx.Response(404, json={"status": 404, "message": "not found"})

    fake = Fake({("POST", SMS_PATH): send, ("GET", STATUS): status})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.startswith(STATUS + "/"):
            return status(request)
        return fake(request)

    journal = tmp_path / "resume.journal"
    messages = [_sms(i) for i in range(4)]
    client = qlara.AsyncQlara(
        api_key="k" * 32,
        base_url="https://x.test/api",
        transport=httpx.MockTransport(handler),
        rate_limit=None,
    )
    async with client:
        async for _first in client.send_many(messages, concurrency=1, journal=journal):
            break
        resumed = [o async for o in client.send_many(messages, concurrency=1, journal=journal)]
    posted = [c.json["messageId"] for c in fake.calls if c.method == "POST"]
    assert len(posted) == len(set(posted)) == 4
    assert sorted(o.index for o in resumed) in ([1, 2, 3], [0, 1, 2, 3])
    assert all(o.error is None for o in resumed)


async def test_send_many_sms_per_request_uses_the_legacy_endpoint() -> None:
    """sms_per_request=N packs SmsMessages into one Legacy request, each with its own id (§11)."""

    def legacy(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        results = [
            {"destination": d, "id": i, "accepted": True, "statusCode": 200}
            for item in body["messages"]
            for d, i in zip(item["destinations"], item["ids"], strict=True)
        ]
        return httpx.Response(
            200, json={"globalId": body["globalId"], "accepted": True, "results": results}
        )

    fake = Fake({("POST", LEGACY_PATH): legacy, ("POST", SMS_PATH): _accept("sms")})
    messages = [_sms(i) for i in range(6)]
    async with async_client(fake) as client:
        outcomes = [o async for o in client.send_many(messages, sms_per_request=3)]
    assert len(outcomes) == 6
    assert all(o.ok for o in outcomes)
    legacy_calls = fake.to("POST", LEGACY_PATH)
    assert 1 <= len(legacy_calls) <= 2
    sent_ids = [i for c in legacy_calls for item in c.json["messages"] for i in item["ids"]]
    assert sorted(sent_ids) == sorted(str(o.message.message_id) for o in outcomes)


def test_sync_send_many_is_a_plain_iterator() -> None:
    """The blocking client's send_many is a plain iterator of Outcomes."""
    fake = Fake({("POST", SMS_PATH): _accept("sms")})
    with sync_client(fake) as client:
        outcomes = list(client.send_many([_sms(0), _sms(1)]))
    assert sorted(o.index for o in outcomes) == [0, 1]
    assert all(o.ok for o in outcomes)


# -- §9 pagers and .raw ---------------------------------------------------------------------------


async def test_pager_first_page_and_lazy_walk() -> None:
    """list() is an AsyncPager: first_page() is one request; async for walks every page."""
    pages = {0: [{"id": 1}, {"id": 2}], 1: [{"id": 3}]}

    def route(request: httpx.Request) -> httpx.Response:
        number = int(dict(httpx.QueryParams(request.url.query))["page"])
        return httpx.Response(200, json=pages.get(number, []))

    fake = Fake({("GET", CONTACTS): route})
    async with async_client(fake) as client:
        pager = client.contacts.list(limit=2)
        assert isinstance(pager, qlara.AsyncPager)
        assert fake.calls == []
        page = await pager.first_page()
        assert len(fake.calls) == 1
        ids = [c.id async for c in pager]
    assert isinstance(page, qlara.Page)
    assert [c.id for c in page.items] == [1, 2]
    assert page.page == 0
    assert page.has_more is True
    assert ids == [1, 2, 3]
    assert [c.query["page"] for c in fake.calls[1:3]] == ["0", "1"]


async def test_pager_break_fetches_nothing_more() -> None:
    """Breaking out of the walk fetches no further page."""
    fake = Fake({("GET", CONTACTS): respond(200, [{"id": n} for n in range(10)])})
    async with async_client(fake) as client:
        async for _contact in client.contacts.list(limit=10):
            break
    assert len(fake.calls) == 1


async def test_short_bare_page_is_the_last() -> None:
    """Fewer items than ``limit`` in a bare array (the documented shape): has_more is False."""
    fake = Fake({("GET", CONTACTS): respond(200, [{"id": 1}, {"id": 2}])})
    async with async_client(fake) as client:
        page = await client.contacts.list(limit=10).first_page()
        items = [c.id async for c in client.contacts.list(limit=10)]
    assert items == [1, 2]
    assert page.has_more is False
    # first_page, then the walk: page 0 and one probe of page 1 (a server capping
    # `limit` would answer it with the rest).
    assert len(fake.calls) <= 3


async def test_last_page_has_more_false() -> None:
    """A page the platform marks last (or an empty one) has has_more False."""
    fake = Fake({("GET", CONTACTS): respond(200, {"content": [{"id": 1}], "last": True})})
    async with async_client(fake) as client:
        page = await client.contacts.list().first_page()
    assert page.has_more is False


def test_sync_pager_is_an_iterator_with_first_page() -> None:
    """qlara.Pager: a plain iterator with first_page()."""
    fake = Fake({("GET", CONTACTS): respond(200, [{"id": 1}])})
    with sync_client(fake) as client:
        pager = client.contacts.list()
        assert isinstance(pager, qlara.Pager)
        page = pager.first_page()
        items = list(pager)
    assert [c.id for c in page.items] == [1]
    assert [c.id for c in items] == [1]


async def test_models_keep_unmodelled_fields_in_raw() -> None:
    """Every typed model keeps the decoded JSON in .raw (an unmodelled field is never lost)."""
    fake = Fake(
        {
            ("GET", f"{CONTACTS}/5"): respond(
                200, {"id": 5, "phoneNumber": DEST, "loyaltyTier": "gold"}
            ),
            ("GET", f"{STATUS}/m"): respond(
                200, {"customerMessageId": "m", "deliveryStatus": "SENT", "operator": "TIM"}
            ),
        }
    )
    async with async_client(fake) as client:
        contact = await client.contacts.get(5)
        status = await client.messages.status("m", channel="SMS")
    assert contact.raw["loyaltyTier"] == "gold"
    assert status.raw["operator"] == "TIM"


# -- §12 SharedRateLimit --------------------------------------------------------------------------


def test_shared_rate_limit_signature() -> None:
    """SharedRateLimit(redis, limit=RateLimit.production(), *, name=None), as in design §12."""
    parameters = inspect.signature(qlara.redis.SharedRateLimit).parameters
    names = list(parameters)
    assert names[:2] == ["redis", "limit"]
    assert parameters["limit"].default == qlara.RateLimit.production()
    assert parameters["name"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["name"].default is None
    limit = qlara.redis.SharedRateLimit(
        "redis://localhost:6379/0", qlara.RateLimit.trial(), name="fleet"
    )
    assert limit is not None


def test_rate_limit_presets_match_the_documented_plans() -> None:
    """RateLimit.production() is 50/s and 1000/min; trial() is 10/s and 100/min (api §2.2)."""
    production, trial = qlara.RateLimit.production(), qlara.RateLimit.trial()
    assert (production.per_second, production.per_minute) == (50, 1000)
    assert (trial.per_second, trial.per_minute) == (10, 100)


# -- §13 segments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "length", "per_part", "remaining"),
    [
        ("Hi", "GSM-7", 1, 2, 160, 158),
        ("a" * 160, "GSM-7", 1, 160, 160, 0),
        ("a" * 161, "GSM-7", 2, 161, 153, 145),
        ("€", "GSM-7", 1, 2, 160, 158),
        ("ciao 😀", "UCS-2", 1, 7, 70, 63),
        ("ł" * 70, "UCS-2", 1, 70, 70, 0),
        ("ł" * 71, "UCS-2", 2, 71, 67, 63),
    ],
)
def test_segments_counts(
    text: str, encoding: str, parts: int, length: int, per_part: int, remaining: int
) -> None:
    """segments(text): GSM-7 160/153 septets (escapes count 2), UCS-2 70/67 UTF-16 units."""
    result = qlara.segments(text)
    assert isinstance(result, qlara.Segments)
    assert (result.encoding, result.parts, result.length, result.per_part, result.remaining) == (
        encoding,
        parts,
        length,
        per_part,
        remaining,
    )


def test_segments_ucs2_characters_in_first_appearance_order_without_repeats() -> None:
    """ucs2_characters lists what forced UCS-2, in order of first appearance, each once."""
    result = qlara.segments("Zażółć łąkę ż")
    assert list(result.ucs2_characters) == ["ż", "ó", "ł", "ć", "ą", "ę"]
    assert list(qlara.segments("plain").ucs2_characters) == []


def test_segments_ucs2_characters_compare_equal_to_a_list() -> None:
    """design §13 calls ucs2_characters "the characters ... in order": a list compares equal."""
    characters: object = qlara.segments("łąka").ucs2_characters
    assert characters == ["ł", "ą"]


def test_segments_never_split_an_escape_or_a_surrogate_pair() -> None:
    """A GSM-7 escape (€) or a UTF-16 surrogate pair is never split across two parts."""
    assert qlara.segments("a" * 152 + "€" + "a" * 152).parts == 3
    assert qlara.segments("ł" * 66 + "😀" + "ł" * 66).parts == 3


# -- §13 send_with_fallback -----------------------------------------------------------------------


async def test_send_with_fallback_moves_to_the_next_message() -> None:
    """WhatsApp not delivered in time: the SMS is sent and delivers; delivered_by is SMS."""
    sent: dict[str, str] = {}

    def accept(channel: str) -> Callable[[httpx.Request], httpx.Response]:
        def route(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.read())
            sent[channel] = body["messageId"]
            return httpx.Response(
                200,
                json={
                    "messageId": body["messageId"],
                    "results": {channel: {"accepted": True, "reasons": []}},
                },
            )

        return route

    def status(request: httpx.Request) -> httpx.Response:
        identifier = request.url.path.rsplit("/", 1)[-1]
        query = dict(httpx.QueryParams(request.url.query))
        ids = query.get("ids", identifier).split(",")
        state = "DELIVERED" if sent.get("sms") in ids else "SENT"
        items = [{"customerMessageId": i, "deliveryStatus": state} for i in ids]
        return httpx.Response(200, json=items if "ids" in query else items[0])

    fake = Fake(
        {
            ("POST", WA_PATH): accept("whatsapp"),
            ("POST", SMS_PATH): accept("sms"),
            ("GET", STATUS): status,
        }
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.startswith(STATUS + "/"):
            return status(request)  # a single lookup: /messages/status/{id}
        return fake(request)

    wa = qlara.WhatsAppMessage(
        destination=DEST, phone_number_id=5, template=qlara.WhatsAppTemplate(id=42)
    )
    sms = qlara.SmsMessage(destination=DEST, body="Hi", sender="Qlara")
    client = qlara.AsyncQlara(
        api_key="k" * 32,
        base_url="https://x.test/api",
        transport=httpx.MockTransport(handler),
        rate_limit=None,
    )
    async with client:
        outcome = await client.send_with_fallback(
            [wa, sms], deliver_within=0.3, poll_interval=0.02, max_poll_interval=0.05
        )
    assert isinstance(outcome, qlara.FallbackOutcome)
    assert outcome.delivered_by is qlara.Channel.SMS
    assert len(outcome.steps) == 2
    assert all(isinstance(step.result, qlara.SendResult) for step in outcome.steps)
    last = outcome.steps[-1].status
    assert isinstance(last, qlara.MessageStatus)
    assert last.status is qlara.DeliveryStatus.DELIVERED
