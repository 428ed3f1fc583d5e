"""Many keys on one client: ``with_options(api_key=...)`` copies share the pool, not the budget."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

import qlara
from qlara._auth import Secret
from qlara._limiter import SharedLimitFactory, credential_digest
from qlara._ratelimit import RateLimiter
from tests.conftest import DESTINATION, KEY, accepted

pytestmark = pytest.mark.both_backends

MakeClient = Callable[..., qlara.AsyncQlara]
OTHER = "tenant-key-7c21-secret"


class Seen:
    """Records the requests a mock platform receives."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[httpx.Request] = []
        self.status = status

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"message": "no such key"})
        return accepted()(request)


async def send(client: qlara.AsyncQlara) -> qlara.SendResult:
    return await client.sms.send(destination=DESTINATION, body="Hello!", sender="Shop")


async def test_a_copy_sends_with_its_key_on_the_same_pool(make_client: MakeClient) -> None:
    """The copy's requests carry its key only; the original's keep theirs; one pool serves both."""
    platform = Seen()
    client = make_client(platform)
    tenant = client.with_options(api_key=OTHER)
    await send(tenant)
    await send(client)
    assert [r.headers["x-api-key"] for r in platform.requests] == [OTHER, KEY]
    assert tenant._http.connection is client._http.connection
    assert tenant._http.connection.wire is client._http.connection.wire


async def test_a_basic_copy_of_a_key_client_sends_no_key(make_client: MakeClient) -> None:
    """A BasicAuth copy sends Authorization and not the original's X-Api-Key (and back)."""
    platform = Seen()
    client = make_client(platform)
    basic = client.with_options(auth=qlara.BasicAuth("ada", "pw"))
    await send(basic)
    first = platform.requests[0]
    assert first.headers["authorization"].startswith("Basic ")
    assert "x-api-key" not in first.headers
    keyed = basic.with_options(api_key=OTHER)
    await send(keyed)
    assert platform.requests[1].headers["x-api-key"] == OTHER
    assert "authorization" not in platform.requests[1].headers


async def test_each_key_has_its_own_limiter_made_on_first_use(make_client: MakeClient) -> None:
    """Copies of one key share a limiter; another key gets its own, only once it sends."""
    client = make_client(Seen(), rate_limit=qlara.RateLimit.production())
    connection = client._http.connection
    one = client.with_options(api_key=OTHER)
    same = client.with_options(api_key=OTHER, max_retries=0)
    assert connection.limiters == 1  # the original's; the copies' comes with their first send
    await send(one)
    await send(same)
    assert connection.limiters == 2
    assert one._http.limiter is same._http.limiter
    assert one._http.limiter is not client._http.limiter
    assert client.with_options(api_key=KEY)._http.limiter is client._http.limiter
    assert client.with_options(timeout=3)._http.limiter is client._http.limiter


async def test_a_key_keeps_its_own_budget(make_client: MakeClient) -> None:
    """rate_limit= on a copy sets that key's budget; copies of the key must agree on it."""
    client = make_client(Seen(), rate_limit=qlara.RateLimit.production())
    small = qlara.RateLimit(per_second=5, per_minute=100)
    tenant = client.with_options(api_key=OTHER, rate_limit=small)
    await send(tenant)
    assert isinstance(tenant._http.limiter, RateLimiter)
    assert tenant._http.limiter.limit == small
    assert client.with_options(api_key=OTHER)._http.limiter is tenant._http.limiter
    assert isinstance(client._http.limiter, RateLimiter)
    assert client._http.limiter.limit == qlara.RateLimit.production()
    with pytest.raises(qlara.ConfigurationError, match="share one budget") as caught:
        client.with_options(api_key=OTHER, rate_limit=qlara.RateLimit.production())
    assert OTHER not in str(caught.value)


async def test_a_429_pauses_only_that_key(make_client: MakeClient) -> None:
    """One tenant's 429 holds that tenant's limiter, not the client's or another tenant's."""
    refused: list[str] = []

    def platform(request: httpx.Request) -> httpx.Response:
        key = request.headers["x-api-key"]
        if key == OTHER and not refused:
            refused.append(key)
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "slow"})
        return accepted()(request)

    client = make_client(platform, rate_limit=qlara.RateLimit.production())
    tenant = client.with_options(api_key=OTHER)
    neighbour = client.with_options(api_key="neighbour-key")
    assert (await send(tenant)).accepted
    await send(neighbour)
    assert refused == [OTHER]
    limiters = [tenant._http.limiter, client._http.limiter, neighbour._http.limiter]
    assert all(isinstance(limiter, RateLimiter) for limiter in limiters)
    paused, own, other = (limiter._paused_until for limiter in limiters)  # type: ignore[attr-defined]
    assert paused > own
    assert paused > other


async def test_keys_never_show(make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    """No repr, log line or error of a copy shows its key (nor the limiter table's)."""
    client = make_client(Seen(status=401))
    tenant = client.with_options(api_key=OTHER, max_retries=0)
    with (
        caplog.at_level(logging.DEBUG, logger="qlara"),
        pytest.raises(qlara.AuthenticationError) as caught,
    ):
        await send(tenant)
    shown = [repr(tenant), str(tenant), repr(tenant._http.tenant), repr(tenant._config)]
    shown += [str(caught.value), repr(caught.value), repr(caught.value.headers), caplog.text]
    shown += list(tenant._http.connection._limiters)
    shown.append(repr(vars(tenant._http.connection)))  # its tables too
    for text in shown:
        assert OTHER not in text
        assert KEY not in text


async def test_copies_refuse_bad_credentials(make_client: MakeClient) -> None:
    """Both kinds at once, a control character, or a non-BasicAuth are ConfigurationErrors."""
    client = make_client(Seen())
    with pytest.raises(qlara.ConfigurationError, match="not both"):
        client.with_options(api_key=OTHER, auth=qlara.BasicAuth("a", "b"))
    with pytest.raises(qlara.ConfigurationError, match="cannot go in an HTTP header") as caught:
        client.with_options(api_key="bad\nkey-secret")
    assert "key-secret" not in str(caught.value)
    with pytest.raises(qlara.ConfigurationError, match="BasicAuth"):
        client.with_options(auth=("a", "b"))  # type: ignore[arg-type]
    with pytest.raises(qlara.ConfigurationError, match="rate_limit"):
        client.with_options(api_key=OTHER, rate_limit=50)  # type: ignore[arg-type]


async def test_an_injected_http_client_sends_each_copys_key() -> None:
    """On an injected httpx client (no default headers) every copy still sends only its key."""
    platform = Seen()
    async with httpx.AsyncClient(transport=httpx.MockTransport(platform)) as http:
        client = qlara.AsyncQlara(KEY, http_client=http, rate_limit=None)
        await send(client.with_options(auth=qlara.BasicAuth("ada", "pw")))
        await send(client)
    assert "x-api-key" not in platform.requests[0].headers
    assert platform.requests[1].headers["x-api-key"] == KEY


def test_sync_copies_send_with_their_key() -> None:
    """``Qlara.with_options(api_key=...)`` sends with that key and shows it nowhere."""
    platform = Seen()
    with qlara.Qlara(KEY, transport=httpx.MockTransport(platform), rate_limit=None) as client:
        tenant = client.with_options(api_key=OTHER)
        tenant.sms.send(destination=DESTINATION, body="Hello!", sender="Shop")
        client.sms.send(destination=DESTINATION, body="Hello!", sender="Shop")
        assert OTHER not in repr(tenant) + repr(vars(tenant))
    assert [r.headers["x-api-key"] for r in platform.requests] == [OTHER, KEY]


async def test_a_copy_takes_a_shared_rate_limit(make_client: MakeClient) -> None:
    """with_options(rate_limit=SharedRateLimit(...)) gives that key a budget shared in Redis."""
    import qlara.redis

    client = make_client(Seen())
    shared = qlara.redis.SharedRateLimit("redis://127.0.0.1:1/0", name="tenant-7")
    tenant = client.with_options(api_key=OTHER, rate_limit=shared)
    assert tenant._http.limiter.name == "tenant-7"  # type: ignore[attr-defined]
    assert client.with_options(api_key=OTHER)._http.limiter is tenant._http.limiter


async def test_another_key_never_inherits_a_named_shared_budget(make_client: MakeClient) -> None:
    """Another key's copy of a client on SharedRateLimit(name=...) gets its own key's budget."""
    import qlara.redis

    shared = qlara.redis.SharedRateLimit("redis://127.0.0.1:1/0", name="acme")
    client = make_client(Seen(), rate_limit=shared)
    assert client._http.limiter.name == "acme"  # type: ignore[attr-defined]
    assert client.with_options(api_key=KEY)._http.limiter.name == "acme"  # type: ignore[attr-defined]
    tenant = client.with_options(api_key=OTHER)
    name = tenant._http.limiter.name  # type: ignore[attr-defined]
    assert name not in ("acme", OTHER)
    assert name == credential_digest(Secret(OTHER))  # as that key's own clients name it
    assert client.with_options(api_key=OTHER)._http.limiter is tenant._http.limiter


def test_sync_copies_check_their_options_at_once() -> None:
    """Qlara.with_options refuses a bad rate_limit at the call, as AsyncQlara does."""
    client = qlara.Qlara(KEY, transport=httpx.MockTransport(Seen()), rate_limit=None)
    with client, pytest.raises(qlara.ConfigurationError, match="rate_limit"):
        client.with_options(api_key=OTHER, rate_limit=5)  # type: ignore[arg-type]


async def test_a_copy_of_a_copy_with_another_key_gets_the_clients_budget() -> None:
    """A copy's own rate_limit stays with its key; its copy with a third key gets the client's."""
    small = qlara.RateLimit(per_second=5, per_minute=100)
    async with qlara.AsyncQlara(KEY, transport=httpx.MockTransport(Seen())) as client:
        third = client.with_options(api_key=OTHER, rate_limit=small).with_options(api_key="k3")
        assert third._http.tenant.rate_limit == qlara.RateLimit.production()
        assert third._config.rate_limit == qlara.RateLimit.production()


def test_sync_copies_of_copies_agree_with_async_ones() -> None:
    """Qlara: a copy of a copy with a third key gets the client's budget, not the copy's."""
    small = qlara.RateLimit(per_second=5, per_minute=100)
    with qlara.Qlara(KEY, transport=httpx.MockTransport(Seen())) as client:
        client.with_options(api_key="k3", rate_limit=qlara.RateLimit.production()).sms.send(
            destination=DESTINATION, body="Hello!", sender="Shop"
        )
        third = client.with_options(api_key=OTHER, rate_limit=small).with_options(api_key="k3")
        third.sms.send(destination=DESTINATION, body="Hello!", sender="Shop")


class _Stuck(RateLimiter):
    """A limiter whose close fails, as a budget kept elsewhere may."""

    async def aclose(self) -> None:
        raise OSError("the budget's store went away")


class _StuckBudget(SharedLimitFactory):
    def bind(self, credential_digest: str) -> RateLimiter:
        return _Stuck(None)


async def test_a_limiter_failing_to_close_still_closes_the_pool_and_the_others(
    make_client: MakeClient,
) -> None:
    """One limiter failing to close: the others and the pool are closed, then it is raised."""
    client = make_client(Seen(), rate_limit=None)
    stuck = client.with_options(api_key=OTHER, rate_limit=_StuckBudget())
    await send(stuck)
    closed: list[str] = []
    later = client.with_options(api_key="neighbour-key", rate_limit=qlara.RateLimit.production())
    await send(later)
    limiter = later._http.limiter
    original = limiter.aclose

    async def recorded() -> None:
        closed.append("neighbour")
        await original()

    limiter.aclose = recorded  # type: ignore[method-assign]
    with pytest.raises(OSError, match="went away"):
        await client.aclose()
    assert closed == ["neighbour"]
    assert client.is_closed
    with pytest.raises(qlara.QlaraError, match="closed"):
        await send(client)
    wire = client._http.connection.wire
    assert getattr(wire, "closed", None) is True or wire.client.is_closed  # type: ignore[attr-defined]


async def test_closing_a_copy_keeps_the_pool_and_closing_the_original_ends_every_copy(
    make_client: MakeClient,
) -> None:
    """A tenant copy's aclose (or async with) closes nothing; the original's closes them all."""
    client = make_client(Seen())
    tenant = client.with_options(api_key=OTHER)
    await send(tenant)
    await tenant.aclose()
    async with tenant:
        pass
    assert not client.is_closed
    await send(client)
    await send(tenant)
    await client.aclose()
    assert tenant.is_closed
    with pytest.raises(qlara.QlaraError, match="closed"):
        await send(tenant)
