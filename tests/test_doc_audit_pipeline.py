"""Audit of the pipeline: design §2 (construction), §4 (retries), §5 (errors), §9 and §14.

Every fake answers in the documented shapes (api §2.2's 429 body, §4.1's statuses).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
import httpx
import pytest

import qlara
from tests.test_doc_audit_support import (
    BASE_URL,
    GW,
    KEY,
    MS,
    Fake,
    async_client,
    fast_retries,
    respond,
    sync_client,
)

DEST = "+393401234567"
SMS_PATH = f"{MS}/sms/send"
CONTACT_PATH = f"{GW}/contacts/5"
RATE_LIMITED = {
    "status": 429,
    "error": "Too Many Requests",
    "message": "Rate limit exceeded. Please retry after 12 seconds.",
    "retryAfter": 12,
}
CONTACT = {"id": 5, "phoneNumber": DEST, "firstName": "Ada"}


def _accepted(request: httpx.Request) -> httpx.Response:
    sent = json.loads(request.read())
    return httpx.Response(
        200,
        json={
            "messageId": sent["messageId"],
            "simulation": False,
            "results": {"sms": {"accepted": True, "unicode": False, "parts": 1, "reasons": []}},
        },
    )


def _raise(exc: Callable[[httpx.Request], Exception]) -> Callable[[httpx.Request], httpx.Response]:
    def route(request: httpx.Request) -> httpx.Response:
        raise exc(request)

    return route


def _connect_error(request: httpx.Request) -> Exception:
    return httpx.ConnectError("refused", request=request)


def _pool_timeout(request: httpx.Request) -> Exception:
    return httpx.PoolTimeout("pool", request=request)


def _connect_timeout(request: httpx.Request) -> Exception:
    return httpx.ConnectTimeout("connect", request=request)


def _read_timeout(request: httpx.Request) -> Exception:
    return httpx.ReadTimeout("slow", request=request)


def _dropped(request: httpx.Request) -> Exception:
    return httpx.RemoteProtocolError("peer closed connection", request=request)


async def _send(client: qlara.AsyncQlara, message_id: str | None = None) -> qlara.SendResult:
    return await client.sms.send(destination=DEST, body="Hi", sender="Qlara", message_id=message_id)


# -- §4: what is retried, for a send (POST) -------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        _raise(_connect_error),
        _raise(_connect_timeout),
        _raise(_pool_timeout),
        respond(408, {"status": 408, "message": "timeout"}),
        respond(503, {"status": 503, "message": "unavailable"}),
        respond(429, {**RATE_LIMITED, "retryAfter": 0}),
    ],
    ids=["connect", "connect-timeout", "pool-timeout", "408", "503", "429"],
)
async def test_send_is_retried_when_nothing_reached_the_platform(
    first: Callable[[httpx.Request], httpx.Response],
) -> None:
    """Connect failure, pool timeout, 408, 429 and 503 are retried for a send, same messageId."""
    fake = Fake({("POST", SMS_PATH): [first, _accepted]})
    async with async_client(fake, retry_policy=fast_retries()) as client:
        result = await _send(client)
    assert len(fake.calls) == 2
    ids = {c.json["messageId"] for c in fake.calls if c.json}
    assert len(ids) == 1
    assert result.message_id in ids
    assert result.accepted


@pytest.mark.parametrize(
    "failure",
    [
        respond(500, {"status": 500, "message": "boom"}),
        respond(502, {"status": 502, "message": "bad gateway"}),
        respond(504, {"status": 504, "message": "gateway timeout"}),
        _raise(_read_timeout),
        _raise(_dropped),
    ],
    ids=["500", "502", "504", "read-timeout", "dropped"],
)
async def test_ambiguous_send_failure_is_outcome_unknown_and_not_repeated(
    failure: Callable[[httpx.Request], httpx.Response],
) -> None:
    """500/502/504, a read timeout or a dropped connection on a send: OutcomeUnknownError, once."""
    fake = Fake({("POST", SMS_PATH): [failure, _accepted]})
    async with async_client(fake, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.OutcomeUnknownError) as caught:
            await _send(client, message_id="mid-7")
    assert len(fake.calls) == 1
    error = caught.value
    assert isinstance(error, qlara.APIError)
    assert error.message_id == "mid-7"
    assert error.__cause__ is not None


async def test_retry_ambiguous_sends_opts_into_at_least_once() -> None:
    """RetryPolicy(retry_ambiguous_sends=True): a 500 on a send is retried with the same id."""
    fake = Fake({("POST", SMS_PATH): [respond(500, {"status": 500}), _accepted]})
    policy = fast_retries(retry_ambiguous_sends=True)
    async with async_client(fake, retry_policy=policy) as client:
        result = await _send(client, message_id="mid-8")
    assert [c.json["messageId"] for c in fake.calls] == ["mid-8", "mid-8"]
    assert result.accepted


async def test_non_send_post_follows_the_send_rules() -> None:
    """A POST that is not a send (contacts.create) is not repeated after a 500."""
    fake = Fake(
        {("POST", f"{GW}/contacts"): [respond(500, {"status": 500}), respond(201, CONTACT)]}
    )
    async with async_client(fake, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.APIError):
            await client.contacts.create(phone_number=DEST)
    assert len(fake.calls) == 1


# -- §4: idempotent requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        respond(408, {"status": 408}),
        respond(500, {"status": 500}),
        respond(502, {"status": 502}),
        respond(503, {"status": 503}),
        respond(504, {"status": 504}),
        _raise(_read_timeout),
        _raise(_dropped),
        _raise(_connect_error),
    ],
    ids=["408", "500", "502", "503", "504", "read-timeout", "dropped", "connect"],
)
async def test_get_is_retried_on_every_documented_transient_failure(
    first: Callable[[httpx.Request], httpx.Response],
) -> None:
    """A GET (contacts.get) is retried on 408, 5xx, read timeouts and dropped connections."""
    fake = Fake({("GET", CONTACT_PATH): [first, respond(200, CONTACT)]})
    async with async_client(fake, retry_policy=fast_retries()) as client:
        contact = await client.contacts.get(5)
    assert len(fake.calls) == 2
    assert contact.id == 5


async def test_put_and_delete_are_retried_on_500() -> None:
    """PUT (contacts.update) and DELETE (media.delete) are idempotent: a 500 is retried."""
    fake = Fake(
        {
            ("PUT", CONTACT_PATH): [respond(500, {"status": 500}), respond(200, CONTACT)],
            ("DELETE", f"{GW}/media/m1"): [respond(502, {"status": 502}), respond(204)],
        }
    )
    async with async_client(fake, retry_policy=fast_retries()) as client:
        await client.contacts.update(5, first_name="Ada")
        await client.media.delete("m1")
    assert [c.method for c in fake.calls] == ["PUT", "PUT", "DELETE", "DELETE"]


async def test_max_retries_is_shared_by_every_cause() -> None:
    """max_retries=2: three attempts in all, whatever mix of causes, then the last error."""
    fake = Fake(
        {
            ("GET", CONTACT_PATH): [
                respond(503, {"status": 503}),
                _raise(_read_timeout),
                respond(500, {"status": 500, "message": "still failing"}),
                respond(200, CONTACT),
            ]
        }
    )
    async with async_client(fake, max_retries=2, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.InternalServerError) as caught:
            await client.contacts.get(5)
    assert len(fake.calls) == 3
    assert caught.value.status_code == 500


async def test_send_connection_failure_carries_the_message_id() -> None:
    """A send that cannot connect, retries spent: APIConnectionError with the sent message_id."""
    fake = Fake({("POST", SMS_PATH): _raise(_connect_error)})
    async with async_client(fake, max_retries=1, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.APIConnectionError) as caught:
            await _send(client, message_id="mid-c")
    assert caught.value.message_id == "mid-c"
    assert [c.json["messageId"] for c in fake.calls] == ["mid-c", "mid-c"]


async def test_connection_failures_after_retries_are_connection_errors() -> None:
    """Exhausted connect failures raise APIConnectionError; timeouts raise APITimeoutError."""
    fake = Fake({("GET", CONTACT_PATH): _raise(_connect_error)})
    async with async_client(fake, max_retries=1, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.APIConnectionError):
            await client.contacts.get(5)
    assert len(fake.calls) == 2
    fake = Fake({("GET", CONTACT_PATH): _raise(_read_timeout)})
    async with async_client(fake, max_retries=1, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.APITimeoutError) as caught:
            await client.contacts.get(5)
    assert isinstance(caught.value, qlara.APIConnectionError)


# -- §4: 429 and its wait -------------------------------------------------------------------------


async def test_429_waits_the_documented_retry_after_body_field() -> None:
    """The 429 body's ``retryAfter`` (seconds) is waited before the retry."""
    fake = Fake(
        {("POST", SMS_PATH): [respond(429, {**RATE_LIMITED, "retryAfter": 0.3}), _accepted]}
    )
    async with async_client(fake, retry_policy=fast_retries()) as client:
        started = anyio.current_time()
        await _send(client)
        waited = anyio.current_time() - started
    assert len(fake.calls) == 2
    assert waited >= 0.28


async def test_429_waits_a_retry_after_header() -> None:
    """A standard ``Retry-After`` header (no body field) is honoured as well."""
    limited = respond(
        429, {"status": 429, "error": "Too Many Requests"}, headers={"Retry-After": "0.3"}
    )
    fake = Fake({("GET", CONTACT_PATH): [limited, respond(200, CONTACT)]})
    async with async_client(fake, retry_policy=fast_retries()) as client:
        started = anyio.current_time()
        await client.contacts.get(5)
        waited = anyio.current_time() - started
    assert len(fake.calls) == 2
    assert waited >= 0.28


async def test_429_beyond_max_retry_after_raises_rate_limit_error_at_once() -> None:
    """retryAfter 12 > max_retry_after 5: RateLimitError(retry_after=12) at once, no retry."""
    fake = Fake({("POST", SMS_PATH): [respond(429, RATE_LIMITED), _accepted]})
    policy = qlara.RetryPolicy(max_retry_after=5)
    async with async_client(fake, retry_policy=policy) as client:
        started = anyio.current_time()
        with pytest.raises(qlara.RateLimitError) as caught:
            await _send(client, message_id="mid-9")
        assert anyio.current_time() - started < 2
    error = caught.value
    assert error.retry_after == 12
    assert error.status_code == 429
    assert error.message_id == "mid-9"
    assert error.body["retryAfter"] == 12
    assert len(fake.calls) == 1


async def test_429_with_retries_exhausted_keeps_retry_after() -> None:
    """With max_retries=0 a documented 429 raises RateLimitError carrying retry_after."""
    fake = Fake({("GET", CONTACT_PATH): respond(429, RATE_LIMITED)})
    async with async_client(fake, max_retries=0) as client:
        with pytest.raises(qlara.RateLimitError) as caught:
            await client.contacts.get(5)
    assert caught.value.retry_after == 12


async def test_a_429_pauses_the_whole_clients_rate_limiter() -> None:
    """Design §4: a 429 seen by one task pauses every task of the client, not only that one."""
    seen_429 = anyio.Event()
    arrivals: dict[str, float] = {}

    def limited(request: httpx.Request) -> httpx.Response:
        arrivals.setdefault("limited", anyio.current_time())
        seen_429.set()
        return httpx.Response(429, json={**RATE_LIMITED, "retryAfter": 0.4})

    def other(request: httpx.Request) -> httpx.Response:
        arrivals["other"] = anyio.current_time()
        return httpx.Response(200, json=CONTACT)

    fake = Fake(
        {
            ("GET", f"{GW}/contacts/1"): [limited, respond(200, CONTACT)],
            ("GET", CONTACT_PATH): other,
        }
    )
    async with async_client(
        fake, rate_limit=qlara.RateLimit.production(), retry_policy=fast_retries()
    ) as client:

        async def second() -> None:
            await seen_429.wait()
            await client.contacts.get(5)

        async with anyio.create_task_group() as group:
            group.start_soon(client.contacts.get, 1)
            group.start_soon(second)
    assert arrivals["other"] - arrivals["limited"] >= 0.35


def test_retry_policy_defaults_match_the_design() -> None:
    """RetryPolicy() is 0.5 s to 8 s backoff, max_retry_after=60, no ambiguous-send retries."""
    policy = qlara.RetryPolicy()
    assert policy.initial_backoff == 0.5
    assert policy.max_backoff == 8
    assert policy.max_retry_after == 60
    assert policy.retry_ambiguous_sends is False


# -- §5: the error tree ---------------------------------------------------------------------------


def test_error_tree_matches_design_section_5() -> None:
    """Every class of design §5 is exported from qlara with the documented parents."""
    assert issubclass(qlara.ConfigurationError, qlara.QlaraError)
    assert issubclass(qlara.ValidationError, qlara.QlaraError)
    assert issubclass(qlara.ValidationError, ValueError)
    assert issubclass(qlara.APIError, qlara.QlaraError)
    assert issubclass(qlara.APIConnectionError, qlara.APIError)
    assert issubclass(qlara.APITimeoutError, qlara.APIConnectionError)
    assert issubclass(qlara.OutcomeUnknownError, qlara.APIError)
    assert issubclass(qlara.APIStatusError, qlara.APIError)
    for name in (
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "RateLimitError",
        "InternalServerError",
    ):
        assert issubclass(getattr(qlara, name), qlara.APIStatusError), name
    assert issubclass(qlara.MalformedResponseError, qlara.QlaraError)
    assert issubclass(qlara.WebhookError, qlara.QlaraError)


async def test_404_on_a_get_is_not_found_with_platform_message() -> None:
    """A 404 (Spring-style body) is NotFoundError with the body's message."""
    fake = Fake(
        {
            ("GET", CONTACT_PATH): respond(
                404, {"status": 404, "error": "Not Found", "message": "Contact not found"}
            )
        }
    )
    async with async_client(fake) as client:
        with pytest.raises(qlara.NotFoundError) as caught:
            await client.contacts.get(5)
    assert caught.value.message == "Contact not found"
    assert caught.value.status_code == 404
    assert len(fake.calls) == 1


async def test_500_exhausted_on_get_is_internal_server_error() -> None:
    """5xx after the retries is InternalServerError (not OutcomeUnknownError) for a GET."""
    fake = Fake({("GET", CONTACT_PATH): respond(502, {"status": 502, "message": "upstream"})})
    async with async_client(fake, max_retries=1, retry_policy=fast_retries()) as client:
        with pytest.raises(qlara.InternalServerError) as caught:
            await client.contacts.get(5)
    assert caught.value.status_code == 502


async def test_malformed_2xx_is_malformed_response_error() -> None:
    """A 2xx that is not JSON, on a read, is MalformedResponseError with the cause chained."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, content=b"<html>oops</html>")})
    async with async_client(fake) as client:
        with pytest.raises(qlara.MalformedResponseError) as caught:
            await client.contacts.get(5)
    assert caught.value.__cause__ is not None


async def test_malformed_send_answer_is_outcome_unknown() -> None:
    """A 2xx send answer whose verdict cannot be read: the message may have landed."""
    fake = Fake({("POST", SMS_PATH): respond(200, content=b"not json")})
    async with async_client(fake) as client:
        with pytest.raises(qlara.OutcomeUnknownError) as caught:
            await _send(client, message_id="mid-3")
    assert caught.value.message_id == "mid-3"


# -- §2: construction -----------------------------------------------------------------------------


def test_missing_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """No api_key and no QLARA_API_KEY: ConfigurationError at construction."""
    monkeypatch.delenv("QLARA_API_KEY", raising=False)
    with pytest.raises(qlara.ConfigurationError):
        qlara.AsyncQlara()
    with pytest.raises(qlara.ConfigurationError):
        qlara.Qlara()


def test_bad_base_url_is_a_configuration_error() -> None:
    """A base_url that is not an http(s) URL: ConfigurationError at construction."""
    with pytest.raises(qlara.ConfigurationError):
        qlara.AsyncQlara(api_key=KEY, base_url="not a url")


async def test_environment_key_and_base_url_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """QLARA_API_KEY and QLARA_BASE_URL are read when the arguments are left out."""
    monkeypatch.setenv("QLARA_API_KEY", "env-key-" + "e" * 24)
    monkeypatch.setenv("QLARA_BASE_URL", "https://env.test/api")
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    async with qlara.AsyncQlara(transport=httpx.MockTransport(fake), rate_limit=None) as client:
        await client.contacts.get(5)
    call = fake.only()
    assert call.request.url.host == "env.test"
    assert call.headers["x-api-key"] == "env-key-" + "e" * 24


async def test_default_base_url_is_production(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without base_url nor QLARA_BASE_URL the client targets the documented production host."""
    monkeypatch.delenv("QLARA_BASE_URL", raising=False)
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    async with qlara.AsyncQlara(
        api_key=KEY, transport=httpx.MockTransport(fake), rate_limit=None
    ) as client:
        await client.contacts.get(5)
    assert str(fake.only().request.url) == "https://lora-api.agiletelecom.com" + CONTACT_PATH


async def test_basic_auth_sends_the_authorization_header() -> None:
    """auth=BasicAuth(username, password) sends HTTP Basic instead of X-Api-Key."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    client = qlara.AsyncQlara(
        auth=qlara.BasicAuth("user", "pass"),
        base_url=BASE_URL,
        transport=httpx.MockTransport(fake),
        rate_limit=None,
    )
    async with client:
        await client.contacts.get(5)
    call = fake.only()
    assert call.headers["authorization"] == "Basic dXNlcjpwYXNz"
    assert "x-api-key" not in call.headers
    assert "pass" not in repr(client)


async def test_repr_never_shows_the_key() -> None:
    """repr(client) shows no key, for both clients."""
    fake = Fake()
    with sync_client(fake) as client:
        assert KEY not in repr(client)
    async with async_client(fake) as aclient:
        assert KEY not in repr(aclient)


async def test_extra_body_and_extra_headers_are_merged_into_a_send() -> None:
    """Every send accepts extra_body (merged into the JSON) and extra_headers (§2)."""
    fake = Fake({("POST", SMS_PATH): _accepted})
    async with async_client(fake) as client:
        await client.sms.send(
            destination=DEST,
            body="Hi",
            sender="Qlara",
            extra_body={"validityPeriod": 60},
            extra_headers={"X-Request-Id": "r-1"},
        )
    call = fake.only()
    assert call.json["validityPeriod"] == 60
    assert call.json["body"] == "Hi"
    assert call.headers["x-request-id"] == "r-1"


async def test_extra_body_on_a_get_and_extra_headers_on_a_call() -> None:
    """Every call accepts extra_headers and extra_body (a GET carries it as query parameters)."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    async with async_client(fake) as client:
        await client.contacts.get(5, extra_headers={"X-A": "1"}, extra_body={"expand": "lists"})
    call = fake.only()
    assert call.headers["x-a"] == "1"
    assert call.query.get("expand") == "lists"


async def test_injected_http_client_gets_our_url_and_auth_and_is_not_closed() -> None:
    """An injected httpx.AsyncClient only supplies transport; the SDK sets URL and auth (§2)."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    injected = httpx.AsyncClient(transport=httpx.MockTransport(fake), base_url="https://other.test")
    async with qlara.AsyncQlara(
        api_key=KEY, base_url=BASE_URL, http_client=injected, rate_limit=None
    ) as client:
        await client.contacts.get(5)
    call = fake.only()
    assert call.request.url.host == "x.test"
    assert call.headers["x-api-key"] == KEY
    assert not injected.is_closed
    await injected.aclose()


# -- §2/§14: with_options -------------------------------------------------------------------------


async def test_with_options_copy_shares_the_pool_and_changes_retries() -> None:
    """with_options(max_retries=0) makes a copy that no longer retries; the original still does."""
    fake = Fake({("GET", CONTACT_PATH): [respond(503, {"status": 503}), respond(200, CONTACT)]})
    async with async_client(fake, retry_policy=fast_retries()) as client:
        copy = client.with_options(max_retries=0, timeout=5.0)
        with pytest.raises(qlara.InternalServerError):
            await copy.contacts.get(5)
        assert (await client.contacts.get(5)).id == 5
    assert len(fake.calls) == 2


async def test_with_options_api_key_sends_the_other_key() -> None:
    """with_options(api_key=...) sends with the other key; the original keeps its own (§14)."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    other = "o" * 32
    async with async_client(fake) as client:
        await client.with_options(api_key=other).contacts.get(5)
        await client.contacts.get(5)
    assert [c.headers["x-api-key"] for c in fake.calls] == [other, KEY]


async def test_with_options_auth_sends_basic() -> None:
    """with_options(auth=BasicAuth(...)) sends Basic credentials instead of the key (§14)."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    async with async_client(fake) as client:
        await client.with_options(auth=qlara.BasicAuth("u", "p")).contacts.get(5)
    call = fake.only()
    assert call.headers["authorization"].startswith("Basic ")
    assert "x-api-key" not in call.headers


# -- §9: the escape hatch -------------------------------------------------------------------------


async def test_request_escape_hatch_returns_raw_response() -> None:
    """client.request(method, path, params=, json=) goes through the pipeline; RawResponse back."""
    fake = Fake(
        {("POST", f"{GW}/contacts"): respond(201, CONTACT, headers={"X-RateLimit-Remaining": "9"})}
    )
    async with async_client(fake) as client:
        raw = await client.request(
            "POST",
            "/partner-gateway/v1/contacts",
            params={"dryRun": True},
            json={"phoneNumber": DEST},
        )
    assert isinstance(raw, qlara.RawResponse)
    assert raw.status_code == 201
    assert raw.headers["x-ratelimit-remaining"] == "9"
    assert json.loads(raw.content) == CONTACT
    assert raw.json() == CONTACT
    call = fake.only()
    assert call.query == {"dryRun": "true"}
    assert call.json == {"phoneNumber": DEST}
    assert call.headers["x-api-key"] == KEY


async def test_request_escape_hatch_raises_typed_errors_and_retries_gets() -> None:
    """client.request raises typed errors and retries a GET on 503 like any typed call."""
    fake = Fake(
        {
            ("GET", f"{GW}/contacts"): [respond(503, {"status": 503}), respond(200, [])],
            ("GET", f"{GW}/nowhere"): respond(404, {"status": 404, "message": "gone"}),
        }
    )
    async with async_client(fake, retry_policy=fast_retries()) as client:
        raw = await client.request("GET", "/partner-gateway/v1/contacts", timeout=5.0)
        assert raw.json() == []
        with pytest.raises(qlara.NotFoundError):
            await client.request("GET", "/partner-gateway/v1/nowhere")
    assert len(fake.calls) == 3


async def test_request_escape_hatch_multipart() -> None:
    """client.request(files=, data=) sends multipart with the file and the form fields."""
    fake = Fake({("POST", f"{GW}/media"): respond(200, {"mediaId": "med_1"})})
    async with async_client(fake) as client:
        raw = await client.request(
            "POST",
            "/partner-gateway/v1/media",
            files={"file": ("a.png", b"\x89PNG\r\n\x1a\nxx", "image/png")},
            data={"name": "logo"},
            extra_headers={"X-A": "b"},
        )
    assert raw.json() == {"mediaId": "med_1"}
    call = fake.only()
    assert call.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"' in call.content
    assert b'filename="a.png"' in call.content
    assert b'name="name"' in call.content
    assert b"logo" in call.content
    assert call.headers["x-a"] == "b"


def test_sync_request_escape_hatch() -> None:
    """The sync client has the same request method and RawResponse."""
    fake = Fake({("GET", f"{GW}/contacts"): respond(200, [CONTACT])})
    with sync_client(fake) as client:
        raw = client.request("GET", "/partner-gateway/v1/contacts", params={"limit": 5})
    assert raw.status_code == 200
    assert raw.json() == [CONTACT]
    assert fake.only().query == {"limit": "5"}


# -- §2/§10: secrets stay out of logs; §14 per-key budgets ---------------------------------------


async def test_default_max_retries_is_two() -> None:
    """Without max_retries the client retries twice: three attempts on a retryable GET."""
    fake = Fake({("GET", CONTACT_PATH): respond(503, {"status": 503})})
    async with async_client(fake, retry_policy=fast_retries()) as client:
        assert client.max_retries == 2
        with pytest.raises(qlara.InternalServerError):
            await client.contacts.get(5)
    assert len(fake.calls) == 3


async def test_keys_never_reach_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    """Neither the client's key nor a key looked up by value appears in any log record."""
    looked_up = "pg_live_0123456789abcdef"
    fake = Fake(
        {
            ("GET", f"{GW}/authentication/{looked_up}"): respond(
                404, {"status": 404, "message": "nope"}
            ),
            ("GET", CONTACT_PATH): [respond(503, {"status": 503}), respond(200, CONTACT)],
        }
    )
    caplog.set_level("DEBUG")
    async with async_client(fake, retry_policy=fast_retries()) as client:
        await client.contacts.get(5)
        with pytest.raises(qlara.NotFoundError) as caught:
            await client.api_keys.get(looked_up)
    assert looked_up not in str(caught.value)
    assert caplog.records
    assert KEY not in caplog.text
    assert looked_up not in caplog.text


async def test_each_key_has_its_own_budget_and_copies_share_theirs() -> None:
    """§14: a with_options(api_key=) copy draws on its key's budget; a same-key copy shares one."""
    fake = Fake({("GET", CONTACT_PATH): respond(200, CONTACT)})
    tight = qlara.RateLimit(per_second=1, per_minute=1000)
    async with async_client(fake, rate_limit=tight) as client:
        other = client.with_options(api_key="o" * 32)
        started = anyio.current_time()
        await client.contacts.get(5)
        await other.contacts.get(5)
        apart = anyio.current_time() - started
        same_key = client.with_options(timeout=5.0)
        started = anyio.current_time()
        await same_key.contacts.get(5)
        shared = anyio.current_time() - started
    assert apart < 0.5
    assert shared >= 0.8
