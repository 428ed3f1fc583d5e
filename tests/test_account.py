"""client.account, client.socials and client.api_keys (the created key never shows)."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

import httpx
import pytest

import qlara
import qlara.testing
from tests.recorder import Recorder

Make = Callable[..., qlara.AsyncQlara]
SUB = "/v1/partner-gateway/subscription"
KEYS = "/partner-gateway/v1/authentication"
NEW_KEY = "pg_live_n3w-k3y-n3v3r-sh0wn"
CREATED = {
    "id": "key_a1b2c3d4e5f6",
    "name": "CI",
    "description": "pipeline",
    "apiKey": NEW_KEY,
    "createdAt": "2026-04-01T10:00:00Z",
    "status": "ACTIVE",
}


async def test_account_wire_and_shapes(make_client: Make) -> None:
    """subscription, contacts_quota and credit use the inverted path family and read both shapes."""
    rec = Recorder(
        {
            ("GET", SUB): (
                200,
                {
                    "subscriptionId": "sub_1",
                    "plan": "Business Pro",
                    "status": "ACTIVE",
                    "startDate": "2026-01-01",
                    "endDate": "2026-12-31",
                    "autoRenew": True,
                    "features": {"sms": True, "whatsapp": False},
                },
            ),
            ("GET", f"{SUB}/contacts"): (
                200,
                {"planLimit": 5000, "extraLimit": 500, "totalLimit": 5500, "used": 10},
            ),
            ("GET", f"{SUB}/credit"): (200, {"credit": 100.5, "frozenCredit": 20.5}),
        }
    )
    client = make_client(rec)
    plan = await client.account.subscription()
    assert (plan.plan, plan.status, plan.auto_renew, plan.end.year if plan.end else None) == (
        "Business Pro",
        "ACTIVE",
        True,
        2026,
    )
    assert (plan.allows("WhatsApp"), plan.allows("sms"), plan.allows("rcs")) == (False, True, None)
    quota = await client.account.contacts_quota()
    assert (quota.total_limit, quota.used, quota.remaining) == (5500, 10, 5490)
    credit = await client.account.credit()
    assert (credit.credit, credit.frozen_credit, credit.available_credit) == (100.5, 20.5, 80.0)
    assert [p for _, p, _, _ in rec.seen] == [SUB, f"{SUB}/contacts", f"{SUB}/credit"]
    rec.routes[("GET", SUB)] = (
        200,
        {
            "planCode": "PRO_MONTHLY",
            "status": "CANCELED",
            "canceled": True,
            "nextRenew": "2026-05-01T00:00:00Z",
        },
    )
    other = await client.account.subscription()
    assert (other.plan, other.auto_renew, other.next_renew is not None) == (
        "PRO_MONTHLY",
        False,
        True,
    )
    del rec.routes[("GET", SUB)]
    with pytest.raises(qlara.NotFoundError):
        await client.account.subscription()


async def test_subscription_reads_its_id_canceled_flag_and_date_aliases(make_client: Make) -> None:
    """subscriptionId and canceled are read (None if absent); start_date/end_date are start/end."""
    rec = Recorder(
        {
            ("GET", SUB): (
                200,
                {
                    "subscriptionId": 42,
                    "cancelled": "true",
                    "startDate": "2026-01-01T00:00:00Z",
                    "endDate": "2026-12-31T00:00:00Z",
                },
            )
        }
    )
    client = make_client(rec)
    plan = await client.account.subscription()
    assert (plan.subscription_id, plan.canceled, plan.auto_renew) == (42, True, False)
    assert (plan.start_date, plan.end_date) == (plan.start, plan.end)
    assert plan.start_date is not None
    assert plan.start_date.year == 2026
    assert plan.raw["subscriptionId"] == 42
    rec.routes[("GET", SUB)] = (200, {"plan": "Basic", "status": "ACTIVE", "subscriptionId": ""})
    bare = await client.account.subscription()
    assert (bare.subscription_id, bare.canceled, bare.start_date, bare.end_date) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("answer", "disconnected"),
    [
        ({"disconnected": True}, True),
        ({"disconnected": "false", "status": "TOKEN_EXPIRED"}, False),
        ({"status": "CONNECTED"}, False),
        ({"status": "TOKEN_EXPIRED"}, True),
        ({}, None),
    ],
    ids=["flag", "flag-as-text-wins", "connected", "expired", "unsaid"],
)
async def test_social_disconnected_is_the_answered_flag_or_not_connected(
    make_client: Make, answer: dict[str, object], disconnected: bool | None
) -> None:
    """disconnected is the platform's flag when it answers one, else the inverse of connected."""
    path = "/v1/partner-gateway/socials/facebook"
    rec = Recorder({("GET", path): (200, {"platform": "facebook", **answer})})
    profile = await make_client(rec).socials.get("facebook")
    assert profile.disconnected is disconnected


async def test_socials_wire(make_client: Make) -> None:
    """socials.list reads {profiles, total}; get asks /socials/{platform}; disconnected is read."""
    rec = Recorder(
        {
            ("GET", "/v1/partner-gateway/socials"): (
                200,
                {
                    "profiles": [
                        {"platform": "facebook", "profileId": "p1", "status": "CONNECTED"}
                    ],
                    "total": 1,
                },
            ),
            ("GET", "/v1/partner-gateway/socials/linkedin"): (
                200,
                {"platform": "linkedin", "username": "shop", "disconnected": True},
            ),
        }
    )
    client = make_client(rec)
    [profile] = await client.socials.list().to_list()
    assert (profile.platform, profile.connected, len(rec.seen)) == ("facebook", True, 1)
    linked = await client.socials.get("LinkedIn")
    assert (linked.status, linked.connected, linked.username) == ("DISCONNECTED", False, "shop")


async def test_api_keys_wire(make_client: Make) -> None:
    """list(user_id), get(value), create and delete(id) on /authentication."""
    rec = Recorder(
        {
            ("GET", KEYS): (
                200,
                [{"id": "key_1", "name": "CI", "operations": ["SMS"], "username": "ops"}],
            ),
            ("GET", f"{KEYS}/{NEW_KEY}"): (200, {"id": "key_1", "name": "CI"}),
            ("POST", KEYS): (201, CREATED),
            ("DELETE", f"{KEYS}/key_1"): (204, None),
        }
    )
    client = make_client(rec)
    keys = await client.api_keys.list(user_id=7621).first_page()
    assert rec.last[2] == {"userId": "7621", "limit": "100", "page": "0"}
    assert (keys.items[0].operations, keys.items[0].username) == (("SMS",), "ops")
    assert (await client.api_keys.get(NEW_KEY)).id == "key_1"
    created = await client.api_keys.create("CI", "pipeline", operations=["sms", qlara.Channel.RCS])
    assert rec.last[3] == {"name": "CI", "description": "pipeline", "operations": ["SMS", "RCS"]}
    assert created.reveal() == NEW_KEY
    assert created.id == "key_a1b2c3d4e5f6"
    assert (await client.api_keys.get(created)).name == "CI"
    await client.api_keys.delete("key_1")
    assert rec.last[:2] == ("DELETE", f"{KEYS}/key_1")
    with pytest.raises(qlara.ValidationError):
        await client.api_keys.create("CI", operations=["FAX"])


async def test_created_key_never_shows(make_client: Make, caplog: pytest.LogCaptureFixture) -> None:
    """The new key (``key``, alias ``api_key``) is absent from repr, str, raw, logs and errors."""
    caplog.set_level(logging.DEBUG, logger="qlara")
    echo = {"status": 404, "message": f"no key {NEW_KEY}", "path": f"/api{KEYS}/{NEW_KEY}"}
    rec = Recorder({("POST", KEYS): (201, CREATED), ("GET", f"{KEYS}/{NEW_KEY}"): (404, echo)})
    client = make_client(rec)
    created = await client.api_keys.create("CI")
    with pytest.raises(qlara.NotFoundError) as caught:
        await client.api_keys.get(created.key)
    assert created.api_key is created.key
    logging.getLogger("qlara.test").warning("made %s (%r)", created.api_key, created.api_key)
    shown = [
        repr(created),
        str(created),
        repr(created.raw),
        repr(created.key),
        repr(created.api_key),
        f"{created.api_key}",
        str(caught.value),
        repr(caught.value.body),
        caught.value.message,
        "".join(traceback.format_exception(caught.value)),
        caplog.text,
        *(str(r.__dict__) for r in caplog.records),
    ]
    for text in shown:
        assert NEW_KEY not in text
    assert f"{KEYS}/***" in caplog.text
    assert "made Secret('***') (Secret('***'))" in caplog.text
    assert created.raw["apiKey"] == "***"


async def test_simulator_keys_authenticate_until_deleted() -> None:
    """A key made on the simulator works at once and stops working when deleted."""
    sim = qlara.testing.Simulator(api_keys={"admin"})
    async with qlara.AsyncQlara(
        api_key="admin", transport=sim.transport(), rate_limit=None
    ) as admin:
        created = await admin.api_keys.create("CI", operations=["SMS"])
        assert [k.name for k in await admin.api_keys.list().to_list()] == ["CI"]
        assert (await admin.api_keys.get(created)).id == created.id
        async with qlara.AsyncQlara(
            api_key=created.reveal(), transport=sim.transport(), rate_limit=None
        ) as ci:
            assert (await ci.account.credit()).available_credit == 100_000.0
            await admin.api_keys.delete(created.id)  # type: ignore[arg-type]
            with pytest.raises(qlara.AuthenticationError):
                await ci.account.credit()
        with pytest.raises(qlara.NotFoundError):
            await admin.api_keys.get(created)


async def test_simulator_account_and_credit_that_sends_spend() -> None:
    """Sends spend credit on the simulator and are refused when too little is left."""
    sim = qlara.testing.Simulator()
    sim.platform.credit = 0.12
    async with qlara.AsyncQlara(api_key="k", transport=sim.transport(), rate_limit=None) as client:
        plan = await client.account.subscription()
        assert plan.allows("whatsapp") is True
        await client.sms.send(destination="+393401111111", body="Hi", sender="Shop")
        await client.sms.send(
            destination="+393401111111", body="Hi", sender="Shop", simulation=True
        )
        assert (await client.account.credit()).credit == pytest.approx(0.07)
        await client.sms.send(destination="+393401111111", body="Hi", sender="Shop")
        with pytest.raises(qlara.BadRequestError, match="Insufficient credit"):
            await client.sms.send(destination="+393401111111", body="Hi", sender="Shop")
        assert [p.platform for p in await client.socials.list().to_list()] == [
            "facebook",
            "instagram",
        ]
        assert (await client.socials.get("instagram")).connected is False
        with pytest.raises(qlara.NotFoundError):
            await client.socials.get("tiktok")
        sim.platform.subscription = None
        with pytest.raises(qlara.NotFoundError):
            await client.account.subscription()


def test_sync_account_smoke() -> None:
    """The blocking client reads the account and creates a key whose repr hides it."""
    sim = qlara.testing.Simulator()
    with qlara.Qlara(api_key="k", transport=sim.transport(), rate_limit=None) as client:
        assert client.account.contacts_quota().remaining == 1000
        created = client.api_keys.create("Sync")
        assert created.reveal() not in repr(created)
        assert [k.id for k in client.api_keys.list()] == [created.id]


def test_recorder_is_plain_mock_transport() -> None:
    """The recorder answers 404 for unscripted paths, like a platform without the route."""
    rec = Recorder()
    response = rec(httpx.Request("GET", "https://x/api/nothing"))
    assert response.status_code == 404
    assert rec.seen == [("GET", "/nothing", {}, None)]


async def test_key_lookup_hidden_from_every_logger(
    make_client: Make, caplog: pytest.LogCaptureFixture
) -> None:
    """A key looked up by value is masked in httpx's own request log line too."""
    caplog.set_level(logging.DEBUG)
    rec = Recorder({("GET", f"{KEYS}/{NEW_KEY}"): (200, {"id": "key_1"})})
    client = make_client(rec)
    assert (await client.api_keys.get(NEW_KEY)).id == "key_1"
    assert rec.last[1] == f"{KEYS}/{NEW_KEY}"
    assert any(r.name == "httpx" for r in caplog.records)
    assert NEW_KEY not in caplog.text
    assert f"{KEYS}/***" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        [{"id": "key_1", "apiKey": NEW_KEY}],
        {"id": "key_1", "unexpectedName": NEW_KEY},
    ],
)
async def test_unreadable_key_answer_withholds_its_body(make_client: Make, answer: object) -> None:
    """A creation answer that cannot be read is an error that does not carry the body (the key)."""
    client = make_client(Recorder({("POST", KEYS): (201, answer)}))
    with pytest.raises(qlara.MalformedResponseError) as caught:
        await client.api_keys.create("CI")
    assert caught.value.status_code == 201
    shown = "".join(traceback.format_exception(caught.value)) + repr(caught.value.body)
    assert NEW_KEY not in shown
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None


async def test_delete_takes_the_key_itself(make_client: Make) -> None:
    """api_keys.delete accepts the created or listed key as well as its id."""
    rec = Recorder(
        {
            ("POST", KEYS): (201, CREATED),
            ("DELETE", f"{KEYS}/key_a1b2c3d4e5f6"): (204, None),
        }
    )
    client = make_client(rec)
    await client.api_keys.delete(await client.api_keys.create("CI"))
    assert rec.last[:2] == ("DELETE", f"{KEYS}/key_a1b2c3d4e5f6")
    await client.api_keys.delete(qlara.ApiKey(id="key_a1b2c3d4e5f6"))
    assert len(rec.seen) == 3
    with pytest.raises(qlara.ValidationError) as caught:
        await client.api_keys.delete(qlara.ApiKey())
    assert caught.value.field == "id"
    assert len(rec.seen) == 3


async def test_unreadable_lookup_answer_masks_the_value(make_client: Make) -> None:
    """A 2xx to a lookup that cannot be read, echoing the value, never shows the value."""
    rec = Recorder({("GET", f"{KEYS}/{NEW_KEY}"): (200, [f"key {NEW_KEY}"])})
    with pytest.raises(qlara.MalformedResponseError) as caught:
        await make_client(rec).api_keys.get(NEW_KEY)
    assert NEW_KEY.encode() not in caught.value.body
    assert NEW_KEY not in "".join(traceback.format_exception(caught.value))
