"""The async client's pipeline: URLs, headers, errors, retries and answers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

import qlara
from tests.conftest import DESTINATION, KEY, accepted

MakeClient = Callable[..., qlara.AsyncQlara]

pytestmark = pytest.mark.both_backends


class Recorder:
    """A mock platform that answers from a script and records every request."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(request)
        assert isinstance(answer, httpx.Response)
        return answer

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def error(status: int, message: str = "nope", **extra: Any) -> httpx.Response:
    body = {"status": status, "error": "Error", "message": message, **extra}
    return httpx.Response(status, json=body)


async def send(client: qlara.AsyncQlara, **fields: Any) -> qlara.SendResult:
    values: dict[str, Any] = {"destination": DESTINATION, "body": "Hello!", "sender": "Shop"}
    return await client.sms.send(**{**values, **fields})


async def test_requests_carry_auth_identity_and_absolute_url(
    make_client: MakeClient, http_backend: str
) -> None:
    """Every request goes to the SDK's base URL with the key and a User-Agent."""
    platform = Recorder(accepted())
    client = make_client(platform, base_url="https://example.test/api/")
    await send(client)
    request = platform.requests[0]
    if http_backend == "httpx":
        assert str(request.url) == "https://example.test/api/message-server/sms/send"
    else:  # served on loopback under the same path
        assert request.url.path == "/api/message-server/sms/send"
    assert request.method == "POST"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["user-agent"] == f"qlara-python/{qlara.__version__}"
    assert request.headers["content-type"] == "application/json"


async def test_basic_auth(make_client: MakeClient) -> None:
    """BasicAuth sends an Authorization header and no API key."""
    platform = Recorder(accepted())
    client = make_client(platform, api_key=None, auth=qlara.BasicAuth("ada", "s3cret"))
    await send(client)
    headers = platform.requests[0].headers
    assert headers["authorization"] == "Basic YWRhOnMzY3JldA=="
    assert "x-api-key" not in headers


async def test_message_id_is_generated_once_and_kept(make_client: MakeClient) -> None:
    """Without an id the SDK makes a UUID4 and reports it; with one it keeps it."""
    platform = Recorder(accepted())
    client = make_client(platform)
    result = await send(client)
    assert uuid.UUID(result.message_id).version == 4
    assert platform.bodies[0]["messageId"] == result.message_id
    mine = await send(client, message_id="order-42")
    assert mine.message_id == "order-42"
    assert platform.bodies[1]["messageId"] == "order-42"


async def test_each_channel_posts_to_its_endpoint(make_client: MakeClient) -> None:
    """client.send dispatches any message type to its own channel's path."""
    platform = Recorder(accepted())
    client = make_client(platform)
    await client.send(qlara.SmsMessage(destination=DESTINATION, body="x", sender="Shop"))
    await client.rcs.send(destination=DESTINATION, agent_id=10, body=qlara.RcsText(text="Hi"))
    await client.whatsapp.send(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        placeholders={"name": "Ada"},
    )
    paths = [r.url.path for r in platform.requests]
    assert paths == [
        "/api/message-server/sms/send",
        "/api/message-server/rcs/send",
        "/api/message-server/whatsapp/send",
    ]
    assert platform.bodies[2]["template"] == {"id": 42}


async def test_wrong_message_type_for_resource(make_client: MakeClient) -> None:
    """send_message on the wrong resource is a ValidationError, and nothing is sent."""
    platform = Recorder(accepted())
    client = make_client(platform)
    message = qlara.SmsMessage(destination=DESTINATION, body="x", sender="Shop")
    with pytest.raises(qlara.ValidationError, match="RcsMessage"):
        await client.rcs.send_message(message)  # type: ignore[arg-type]
    with pytest.raises(qlara.ValidationError):
        await client.send("hello")  # type: ignore[arg-type]
    assert platform.requests == []


async def test_invalid_input_sends_nothing(make_client: MakeClient) -> None:
    """Validation happens before any request."""
    platform = Recorder(accepted())
    client = make_client(platform)
    with pytest.raises(qlara.ValidationError, match="destination"):
        await send(client, destination="0039340")
    assert platform.requests == []


async def test_extra_body_headers_and_timeout(make_client: MakeClient, http_backend: str) -> None:
    """Per-call extras reach the wire: body fields merged over ours, headers, timeout."""
    platform = Recorder(accepted())
    client = make_client(platform)
    await send(
        client,
        extra_body={"validityPeriod": 3600, "sender": "Override"},
        extra_headers={"X-Trace": "t-1"},
        timeout=4.5,
    )
    request = platform.requests[0]
    assert platform.bodies[0]["validityPeriod"] == 3600
    assert platform.bodies[0]["sender"] == "Override"
    assert request.headers["x-trace"] == "t-1"
    if http_backend == "httpx":  # on aiohttp: test_wire.py, a per-call timeout that fires
        assert request.extensions["timeout"]["read"] == 4.5


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, qlara.BadRequestError),
        (401, qlara.AuthenticationError),
        (403, qlara.PermissionDeniedError),
        (404, qlara.NotFoundError),
        (409, qlara.ConflictError),
        (422, qlara.APIStatusError),
        (501, qlara.InternalServerError),
    ],
)
async def test_error_statuses_map_to_types(
    make_client: MakeClient, status: int, kind: type[Exception]
) -> None:
    """Each status becomes its typed error carrying the platform's message and the message id."""
    platform = Recorder(error(status, "sender not authorised"))
    client = make_client(platform)
    with pytest.raises(kind) as caught:
        await send(client, message_id="m-1")
    err = caught.value
    assert isinstance(err, qlara.APIStatusError)
    assert err.status_code == status
    assert err.message == "sender not authorised"
    assert "sender not authorised" in str(err)
    assert err.message_id == "m-1"
    assert err.body["status"] == status
    assert len(platform.requests) == 1


async def test_error_body_that_is_not_json(make_client: MakeClient) -> None:
    """A proxy's HTML error page still yields a typed error with its text."""
    platform = Recorder(httpx.Response(403, text="<h1>Forbidden by proxy</h1>"))
    client = make_client(platform)
    with pytest.raises(qlara.PermissionDeniedError, match="Forbidden by proxy"):
        await send(client)


async def test_rate_limited_then_success(make_client: MakeClient) -> None:
    """A 429 is waited out (body retryAfter) and the same message is sent again."""
    platform = Recorder(error(429, "slow down", retryAfter=0), accepted())
    client = make_client(platform)
    result = await send(client)
    assert result.accepted
    assert len(platform.requests) == 2
    assert platform.bodies[0]["messageId"] == platform.bodies[1]["messageId"] == result.message_id


@pytest.mark.parametrize("header", ["0", "Thu, 01 Jan 2015 00:00:00 GMT"])
async def test_retry_after_header_forms(make_client: MakeClient, header: str) -> None:
    """Retry-After is read as seconds or as an HTTP date."""
    limited = httpx.Response(429, headers={"Retry-After": header}, json={"message": "x"})
    platform = Recorder(limited, accepted())
    client = make_client(platform)
    assert (await send(client)).accepted
    assert len(platform.requests) == 2


async def test_retry_after_beyond_cap_raises_at_once(make_client: MakeClient) -> None:
    """A wait longer than max_retry_after raises RateLimitError without sleeping."""
    platform = Recorder(error(429, "Rate limit exceeded", retryAfter=120))
    client = make_client(platform)
    with anyio.fail_after(5):
        with pytest.raises(qlara.RateLimitError) as caught:
            await send(client)
    assert caught.value.retry_after == 120
    assert len(platform.requests) == 1


async def test_rate_limit_exhausts_budget(make_client: MakeClient) -> None:
    """Persistent 429s stop after max_retries and raise RateLimitError."""
    platform = Recorder(error(429, "x", retryAfter=0))
    client = make_client(platform, max_retries=1)
    with pytest.raises(qlara.RateLimitError):
        await send(client)
    assert len(platform.requests) == 2


@pytest.mark.parametrize("status", [408, 503])
async def test_safe_statuses_are_retried(make_client: MakeClient, status: int) -> None:
    """408 and 503 mean the request was not processed, so a send is repeated."""
    platform = Recorder(error(status), accepted())
    client = make_client(platform)
    assert (await send(client)).accepted
    assert len(platform.requests) == 2


@pytest.mark.httpx_only  # a refused port covers aiohttp (test_wire.py)
async def test_connect_error_then_success(make_client: MakeClient) -> None:
    """A refused connection is retried: nothing reached the platform."""
    platform = Recorder(httpx.ConnectError("refused"), accepted())
    client = make_client(platform)
    assert (await send(client)).accepted
    assert len(platform.requests) == 2


@pytest.mark.httpx_only  # a refused port covers aiohttp (test_wire.py)
async def test_connect_errors_exhaust_budget(make_client: MakeClient) -> None:
    """After max_retries the connection failure is raised as APIConnectionError."""
    platform = Recorder(httpx.ConnectError("refused"))
    client = make_client(platform, max_retries=2)
    with pytest.raises(qlara.APIConnectionError) as caught:
        await send(client, message_id="m-9")
    assert caught.value.message_id == "m-9"
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(platform.requests) == 3


@pytest.mark.parametrize("max_retries", [0, 1, 3])
async def test_max_retries_counts_retries_after_the_first(
    make_client: MakeClient, max_retries: int
) -> None:
    """max_retries=N means at most N + 1 requests."""
    platform = Recorder(error(503))
    client = make_client(platform, max_retries=max_retries)
    with pytest.raises(qlara.InternalServerError):
        await send(client)
    assert len(platform.requests) == max_retries + 1


def _read_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        (error(500), qlara.InternalServerError),
        (error(502), qlara.InternalServerError),
        (error(504), qlara.InternalServerError),
        (_read_timeout, qlara.APITimeoutError),
        (httpx.RemoteProtocolError("server disconnected"), qlara.APIConnectionError),
        (httpx.ReadError("connection reset"), qlara.APIConnectionError),
    ],
)
async def test_ambiguous_send_failures_are_not_repeated(
    make_client: MakeClient, answer: Any, cause: type[Exception]
) -> None:
    """A send that may have landed raises OutcomeUnknownError with its id, sent once."""
    platform = Recorder(answer, accepted())
    client = make_client(platform)
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await send(client, message_id="order-7")
    assert caught.value.message_id == "order-7"
    assert isinstance(caught.value.cause, cause)
    assert caught.value.__cause__ is caught.value.cause
    assert len(platform.requests) == 1


async def test_ambiguous_sends_retried_when_opted_in(make_client: MakeClient) -> None:
    """With retry_ambiguous_sends the send is repeated with the same messageId."""
    policy = qlara.RetryPolicy(initial_backoff=0.001, max_backoff=0.002, retry_ambiguous_sends=True)
    platform = Recorder(error(500), _read_timeout, accepted())
    client = make_client(platform, retry_policy=policy)
    result = await send(client)
    assert result.accepted
    assert len(platform.requests) == 3
    assert {body["messageId"] for body in platform.bodies} == {result.message_id}


async def test_old_response_shape(make_client: MakeClient) -> None:
    """The Quick Start's list-shaped answer maps onto the same result."""
    old = {
        "messageId": "plat-1",
        "customerMessageId": "order-1",
        "simulation": True,
        "results": [
            {"phoneNumber": DESTINATION, "accepted": True, "channel": "sms", "statusCode": 200}
        ],
    }
    client = make_client(Recorder(httpx.Response(202, json=old)))
    result = await send(client, message_id="order-1")
    assert result.message_id == "order-1"
    assert result.platform_message_id == "plat-1"
    assert result.simulation
    assert result.accepted
    assert result.results[qlara.Channel.SMS].status_code == 200


async def test_old_shape_without_channel_belongs_to_the_sent_channel(
    make_client: MakeClient,
) -> None:
    """A listed result that names no channel is the verdict for the channel sent on."""
    old = {"messageId": "p", "results": [{"phoneNumber": DESTINATION, "accepted": True}]}
    client = make_client(Recorder(httpx.Response(200, json=old)))
    result = await client.rcs.send(destination=DESTINATION, agent_id=1, template_id=2)
    assert result.results[qlara.Channel.RCS].accepted


async def test_unknown_fields_and_channels_are_tolerated(make_client: MakeClient) -> None:
    """New fields and channels do not break parsing and stay in raw."""
    body = {
        "messageId": "m",
        "simulation": False,
        "newTopLevel": {"x": 1},
        "results": {
            "sms": {
                "accepted": False,
                "unicode": True,
                "parts": 2,
                "reasons": ["BLACKLISTED", {"code": 7}],
                "cost": 1,
            },
            "email": {"accepted": True},
        },
    }
    client = make_client(Recorder(httpx.Response(200, json=body)))
    result = await send(client)
    assert not result.accepted
    sms = result.results[qlara.Channel.SMS]
    assert (sms.unicode, sms.parts, sms.reasons) == (True, 2, ("BLACKLISTED", "7"))
    assert list(result.results) == [qlara.Channel.SMS]
    assert result.raw["results"]["email"] == {"accepted": True}


@pytest.mark.parametrize(
    ("answer", "fragment"),
    [
        (httpx.Response(200, text="<html>gateway</html>"), "not JSON"),
        (httpx.Response(200, json=[1, 2]), "expected an object"),
        (httpx.Response(200, json={"messageId": "m"}), "$.results"),
        (
            httpx.Response(200, json={"results": {"sms": {"statusCode": "ok"}}}),
            "$.results.sms.statusCode",
        ),
        (
            httpx.Response(200, json={"results": {"sms": {"accepted": "yes"}}}),
            "$.results.sms.accepted",
        ),
        (httpx.Response(200, json={"results": {"sms": None}}), "$.results.sms"),
        (httpx.Response(200, json={"results": [{"channel": "sms"}]}), "$.results.sms.accepted"),
        (httpx.Response(204), "expected an object"),
    ],
)
async def test_malformed_answers(
    make_client: MakeClient, answer: httpx.Response, fragment: str
) -> None:
    """A 2xx send whose verdict cannot be read may have landed: OutcomeUnknownError, cause chained.

    The cause is the MalformedResponseError with a readable path into the answer.
    """
    client = make_client(Recorder(answer))
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await send(client, message_id="m-3")
    assert caught.value.message_id == "m-3"
    cause = caught.value.__cause__
    assert isinstance(cause, qlara.MalformedResponseError)
    assert fragment in str(cause)
    assert fragment in str(caught.value)
    assert cause.message_id == "m-3"
    assert cause.status_code == answer.status_code


async def test_fifty_concurrent_sends_share_one_client(make_client: MakeClient) -> None:
    """Fifty tasks can send through one client at once, each with its own id."""
    platform = Recorder(accepted())
    client = make_client(platform)
    results: list[qlara.SendResult] = []

    async def one(index: int) -> None:
        results.append(await send(client, body=f"message {index}"))

    async with anyio.create_task_group() as group:
        for index in range(50):
            group.start_soon(one, index)
    assert len(results) == 50
    assert all(r.accepted for r in results)
    assert len({r.message_id for r in results}) == 50


async def test_with_options_shares_the_pool(make_client: MakeClient) -> None:
    """A with_options copy has its own settings but the original's pool and lifetime."""
    platform = Recorder(error(503))
    client = make_client(platform, max_retries=0)
    patient = client.with_options(max_retries=2, timeout=2.0)
    assert patient.max_retries == 2
    with pytest.raises(qlara.InternalServerError):
        await send(patient)
    assert len(platform.requests) == 3
    await patient.aclose()
    assert not client.is_closed
    await client.aclose()
    assert patient.is_closed
    with pytest.raises(qlara.ConfigurationError):
        client.with_options(max_retries=-1)


async def test_injected_http_client_is_used_not_closed() -> None:
    """An injected httpx client supplies the transport; the SDK adds URL and auth, never closes."""
    platform = Recorder(accepted())
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(platform), base_url="https://ignored.example"
    ) as http_client:
        async with qlara.AsyncQlara(KEY, http_client=http_client, rate_limit=None) as client:
            await send(client)
        assert not http_client.is_closed
    request = platform.requests[0]
    assert request.url.host == "lora-api.agiletelecom.com"
    assert request.headers["x-api-key"] == KEY


async def test_closed_client_refuses_requests(make_client: MakeClient) -> None:
    """After aclose, a call raises a QlaraError, not an httpx RuntimeError."""
    client = make_client(Recorder(accepted()))
    await client.aclose()
    await client.aclose()
    with pytest.raises(qlara.QlaraError, match="closed"):
        await send(client)


def test_second_event_loop_is_refused() -> None:
    """A client used from a second event loop fails clearly instead of deep in httpcore."""
    import asyncio

    client = qlara.AsyncQlara(KEY, transport=httpx.MockTransport(accepted()), rate_limit=None)
    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(send(client)).accepted
        with pytest.raises(qlara.QlaraError, match="another event loop"):
            asyncio.run(send(client))
        first.run_until_complete(client.aclose())
    finally:
        first.close()


@pytest.mark.parametrize(
    ("answer", "check"),
    [
        ({"results": {"sms": {"accepted": True, "reasons": None}}}, lambda r: r.accepted),
        ({"simulation": None, "results": {"sms": {"accepted": True}}}, lambda r: not r.simulation),
        (
            {"results": {"sms": {"accepted": True, "parts": 2.0}}},
            lambda r: r.results["SMS"].parts == 2,
        ),
        ({"customerMessageId": 123, "results": {"sms": {"accepted": True}}}, lambda r: r.accepted),
        (
            {"messageId": 77, "results": {"sms": {"accepted": True}}},
            lambda r: r.platform_message_id == "77",
        ),
        (
            {"results": {"sms": {"accepted": False, "reasons": "BLOCKED"}}},
            lambda r: r.results["SMS"].reasons == ("BLOCKED",),
        ),
        ({"results": [{"channel": "sms", "statusCode": 200}]}, lambda r: r.accepted),
        ({"results": [{"channel": "sms", "statusCode": "200"}]}, lambda r: r.accepted),
        (
            {"results": {"sms": {"accepted": True, "parts": "two", "unicode": "?"}}},
            lambda r: r.accepted and r.results["SMS"].parts is None,
        ),
        (
            {"simulation": "true", "results": {"sms": {"accepted": "false", "parts": "3"}}},
            lambda r: r.simulation and not r.accepted and r.results["SMS"].parts == 3,
        ),
    ],
)
async def test_loose_but_clear_answers_keep_the_verdict(
    make_client: MakeClient, answer: dict[str, Any], check: Any
) -> None:
    """A null flag or a whole float never turns an accepted send into an error."""
    client = make_client(Recorder(httpx.Response(200, json=answer)))
    assert check(await send(client))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"extra_headers": {"X-A": "\u00e9\u20ac"}}, "extra_headers['X-A']"),
        ({"extra_headers": {"X-A": 5}}, "extra_headers['X-A']"),
        ({"extra_headers": {"X-A": "a\nb"}}, "extra_headers['X-A']"),
        ({"extra_body": {"a": object()}}, "body"),
        ({"extra_body": {"a": float("nan")}}, "body"),
        ({"extra_body": [("a", 1)]}, "extra_body"),
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"body": "hi \ud800"}, "body"),
    ],
)
async def test_bad_call_options_are_validation_errors(
    make_client: MakeClient, options: dict[str, Any], field: str
) -> None:
    """Unsendable headers, bodies or timeouts fail before sending, naming what is wrong."""
    platform = Recorder(accepted())
    client = make_client(platform)
    with pytest.raises(qlara.ValidationError) as caught:
        await send(client, **options)
    assert caught.value.field == field
    assert platform.requests == []


async def test_header_values_are_never_quoted(make_client: MakeClient) -> None:
    """A bad header value (it may be a credential) is not repeated in the error."""
    client = make_client(Recorder(accepted()))
    with pytest.raises(qlara.ValidationError) as caught:
        await send(client, extra_headers={"Authorization": "Bearer s3cr\u00e9t"})
    assert "s3cr" not in str(caught.value)


async def test_service_unavailable_retry_after_is_honoured(make_client: MakeClient) -> None:
    """A 503's Retry-After beyond max_retry_after stops retrying at once."""
    busy = httpx.Response(503, headers={"Retry-After": "120"}, json={"message": "maintenance"})
    platform = Recorder(busy)
    client = make_client(platform)
    with anyio.fail_after(5), pytest.raises(qlara.InternalServerError, match="maintenance"):
        await send(client)
    assert len(platform.requests) == 1


# httpx leaves its raw-bytes generator to the garbage collector after a decoding
# error; trio reports that. It is httpx's, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore:Async generator:ResourceWarning")
async def test_undecodable_answer_to_a_send_is_unknown(make_client: MakeClient) -> None:
    """An answer arrived but cannot be decoded: the send probably landed, so it is not repeated."""
    platform = Recorder(
        lambda request: httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
        )
    )
    client = make_client(platform)
    with pytest.raises(qlara.OutcomeUnknownError, match="could not be decoded"):
        await send(client)
    assert len(platform.requests) == 1


async def test_long_rate_limit_does_not_hold_other_calls(make_client: MakeClient) -> None:
    """A 429 too long to wait raises at once and does not block the client's next call."""
    platform = Recorder(error(429, "later", retryAfter=300), accepted())
    client = make_client(platform, rate_limit=qlara.RateLimit.production())
    with pytest.raises(qlara.RateLimitError):
        await send(client)
    with anyio.fail_after(2):
        assert (await send(client)).accepted


async def test_closed_injected_http_client_is_a_qlara_error() -> None:
    """An injected httpx client closed by its owner gives a QlaraError, not RuntimeError."""
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(accepted()))
    await http_client.aclose()
    async with qlara.AsyncQlara(KEY, http_client=http_client, rate_limit=None) as client:
        with pytest.raises(qlara.QlaraError, match="cannot send"):
            await send(client)


async def test_cancelled_requests_free_their_rate_slots(make_client: MakeClient) -> None:
    """Sends cancelled mid-flight end their budget slot; the client does not stall for 30 s."""

    async def slow_then_fast(request: httpx.Request) -> httpx.Response:
        if "x-slow" in request.headers:  # marked by the caller, not counted: over a real
            await anyio.sleep(5)  # wire a cancelled request may arrive late, or never
        return accepted()(request)

    client = make_client(slow_then_fast, rate_limit=qlara.RateLimit(per_second=10, per_minute=600))
    for _ in range(10):
        with anyio.move_on_after(0.01):
            await send(client, extra_headers={"X-Slow": "1"})
    with anyio.fail_after(4):
        assert (await send(client)).accepted
