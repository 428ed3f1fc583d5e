"""client.campaigns: the wire, the price guard of launch, and the lifecycle on the simulator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

import qlara
import qlara.testing
from tests.recorder import Recorder, refused

Make = Callable[..., qlara.AsyncQlara]
BASE = "/partner-gateway/v1/campaigns"
DRAFT = {"id": 12, "name": "Spring", "status": 0, "sendingMode": "SMS", "contactListIds": [87]}
TODAY = date(2026, 4, 1)


def _sim_client(sim: qlara.testing.Simulator) -> qlara.AsyncQlara:
    return qlara.AsyncQlara(api_key="k", transport=sim.transport(), rate_limit=None)


def test_status_and_mode_enums() -> None:
    """Status reads from 0-4 or a name and is an IntEnum; the seven sending modes are an enum."""
    draft = qlara.CampaignStatus.DRAFT
    assert qlara.CampaignStatus(0) is draft
    assert qlara.CampaignStatus("draft") is draft  # type: ignore[arg-type]  # as the wire may say
    assert qlara.CampaignStatus("3") is qlara.CampaignStatus.COMPLETED  # type: ignore[arg-type]
    assert int(qlara.CampaignStatus.SCHEDULED) == 1
    assert qlara.CampaignStatus.SCHEDULED.is_editable
    assert not qlara.CampaignStatus.SENDING.is_editable
    assert len(qlara.SendingMode) == 7
    assert qlara.SendingMode("whatsapp_rcs_sms").value == "WHATSAPP_RCS_SMS"


def test_status_read_from_other_documented_names() -> None:
    """The names other doc sets use for the same states read as those states."""
    status = qlara.CampaignStatus
    for name, member in [
        ("PROGRAMMED", status.SCHEDULED),
        ("Confirmed", status.SCHEDULED),
        ("in progress", status.SENDING),
        ("RUNNING", status.SENDING),
        ("complete", status.COMPLETED),
        ("ERROR", status.FAILED),
    ]:
        assert status(name) is member, name  # type: ignore[arg-type]


async def test_create_get_update_delete_wire(make_client: Make) -> None:
    """create/update send the documented fields, destinationType chosen; get/delete by id."""
    rec = Recorder(
        {
            ("POST", BASE): (201, DRAFT),
            ("GET", f"{BASE}/12"): (200, {**DRAFT, "status": "SCHEDULED", "totalSuccess": 5}),
            ("PUT", f"{BASE}/12"): (200, None),
            ("DELETE", f"{BASE}/12"): (204, None),
        }
    )
    client = make_client(rec)
    when = datetime(2026, 4, 10, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    made = await client.campaigns.create(
        name="Spring",
        description="sale",
        sending_mode=qlara.SendingMode.RCS_SMS,
        ready_to_send=True,
        sms_sender="Shop",
        sms_body="Hi {{firstName}}",
        rcs_agent_id=10,
        rcs_template_id=7,
        contact_list_ids=[87],
        scheduled_date=when,
    )
    assert rec.last == (
        "POST",
        BASE,
        {},
        {
            "name": "Spring",
            "description": "sale",
            "sendingMode": "RCS_SMS",
            "readyToSend": True,
            "smsSender": "Shop",
            "smsBody": "Hi {{firstName}}",
            "rcsAgentId": 10,
            "rcsTemplateId": 7,
            "destinationType": 1,
            "contactListIds": [87],
            "scheduledDate": "2026-04-10 08:00:00.000+0200",
        },
    )
    assert (made.id, made.status, made.sending_mode) == (
        12,
        qlara.CampaignStatus.DRAFT,
        qlara.SendingMode.SMS,
    )
    got = await client.campaigns.get(12)
    assert (got.status, got.total_success) == (qlara.CampaignStatus.SCHEDULED, 5)
    changed = await client.campaigns.update(
        12, destinations=["+393401111111"], whatsapp_template_id="t1"
    )
    assert rec.last == (
        "PUT",
        f"{BASE}/12",
        {},
        {"whatsappTemplateId": "t1", "destinationType": 2, "destinations": ["+393401111111"]},
    )
    assert changed.destinations == ("+393401111111",)
    await client.campaigns.delete(12)
    assert rec.last[:2] == ("DELETE", f"{BASE}/12")


async def test_list_and_stats_queries(make_client: Make) -> None:
    """list and stats send every documented filter; dates as yyyy-MM-dd, modes comma-joined."""
    rec = Recorder(
        {
            ("GET", BASE): (200, {"content": [DRAFT], "last": True}),
            ("GET", f"{BASE}/stats"): (
                200,
                [{"period": "2026-04-01", "totalSuccess": 3, "totalCost": 0.15}],
            ),
        }
    )
    client = make_client(rec)
    await client.campaigns.list(
        is_draft=True,
        is_programmed=False,
        sending_mode=["SMS", qlara.SendingMode.WHATSAPP_SMS],
        search="spring",
        start_date=TODAY,
        end_date="2026-04-30",
        ready_to_send=True,
        direction="desc",
        limit=50,
    ).to_list()
    assert rec.last[2] == {
        "isDraft": "true",
        "isProgrammed": "false",
        "sendingMode": "SMS,WHATSAPP_SMS",
        "search": "spring",
        "startDate": "2026-04-01",
        "endDate": "2026-04-30",
        "readyToSend": "true",
        "direction": "DESC",
        "limit": "50",
        "page": "0",
    }
    rows = await client.campaigns.stats(
        start_date=TODAY, end_date=TODAY, aggregate_on="DAY", sending_mode="SMS", is_draft=False
    ).first_page()
    assert rec.last[1:3] == (
        f"{BASE}/stats",
        {
            "aggregateOn": "day",
            "startDate": "2026-04-01",
            "endDate": "2026-04-01",
            "sendingMode": "SMS",
            "isDraft": "false",
            "limit": "100",
            "page": "0",
        },
    )
    assert (rows.items[0].period, rows.items[0].success, rows.items[0].cost) == (
        "2026-04-01",
        3,
        0.15,
    )


async def test_bad_campaign_arguments(make_client: Make) -> None:
    """Both kinds of recipients, unknown modes, naive dates and missing stats dates are refused."""
    rec = Recorder()
    client = make_client(rec)
    cases: list[tuple[str, Callable[[], Any]]] = [
        (
            "destinations",
            lambda: client.campaigns.create(
                name="x", contact_list_ids=[1], destinations=["+393401111111"]
            ),
        ),
        ("sending_mode", lambda: client.campaigns.create(name="x", sending_mode="FAX")),
        (
            "scheduled_date",
            lambda: client.campaigns.create(name="x", scheduled_date=datetime(2026, 1, 1)),
        ),
        ("destinations", lambda: client.campaigns.create(name="x", destinations=["3401111111"])),
        ("name", lambda: client.campaigns.create(name="")),
        ("id", lambda: client.campaigns.update(12)),
        ("start_date", lambda: client.campaigns.stats(start_date=None, end_date=TODAY)),  # type: ignore[arg-type]
        (
            "aggregate_on",
            lambda: client.campaigns.stats(start_date=TODAY, end_date=TODAY, aggregate_on="year"),
        ),
        ("max_price", lambda: client.campaigns.launch(12, max_price=float("nan"))),
    ]
    for field, call in cases:
        assert (await refused(call)).field == field, field
    assert rec.seen == []


def _launch_platform(price: Any) -> Recorder:
    return Recorder(
        {
            ("POST", f"{BASE}/12/calculateGoal"): (
                200,
                {"totalContacts": 100, "estimatedCost": 5.0},
            ),
            ("GET", f"{BASE}/12/price"): (200, price),
            ("PUT", f"{BASE}/12/confirm"): (202, None),
        }
    )


async def test_launch_confirms_within_the_cap(make_client: Make) -> None:
    """launch calculates the goal, reads the price and confirms when it is within max_price."""
    rec = _launch_platform({"totalPrice": 4.5, "currency": "EUR"})
    price = await make_client(rec).campaigns.launch(12, max_price=4.5)
    assert [(m, p) for m, p, _, _ in rec.seen] == [
        ("POST", f"{BASE}/12/calculateGoal"),
        ("GET", f"{BASE}/12/price"),
        ("PUT", f"{BASE}/12/confirm"),
    ]
    assert (price.amount, price.currency) == (4.5, "EUR")


async def test_launch_refuses_over_the_price(make_client: Make) -> None:
    """Over max_price, launch raises ValidationError naming the price and never confirms."""
    rec = _launch_platform(12.75)
    with pytest.raises(qlara.ValidationError, match=r"costs 12\.75.*above max_price 10") as caught:
        await make_client(rec).campaigns.launch(12, max_price=10)
    assert caught.value.field == "max_price"
    assert ("PUT", f"{BASE}/12/confirm") not in [(m, p) for m, p, _, _ in rec.seen]


async def test_launch_refuses_an_unreadable_price(make_client: Make) -> None:
    """With a cap and no readable price anywhere, launch refuses to confirm."""
    rec = _launch_platform({"quote": "ask sales"})
    rec.routes[("POST", f"{BASE}/12/calculateGoal")] = (200, None)
    with pytest.raises(qlara.ValidationError, match="cannot be read"):
        await make_client(rec).campaigns.launch(12, max_price=100)
    assert ("PUT", f"{BASE}/12/confirm") not in [(m, p) for m, p, _, _ in rec.seen]


async def test_launch_without_a_cap_and_price_shapes(make_client: Make) -> None:
    """Without max_price launch confirms; price reads numbers and nested objects leniently."""
    rec = _launch_platform({"price": {"amount": "3.20"}})
    client = make_client(rec)
    assert (await client.campaigns.price(12)).amount == 3.2
    assert (await client.campaigns.launch(12)).amount == 3.2
    assert rec.last[:2] == ("PUT", f"{BASE}/12/confirm")
    goal = await client.campaigns.calculate_goal(12)
    assert (goal.total_contacts, goal.estimated_cost) == (100, 5.0)


async def test_delete_not_deletable_is_a_clear_not_found(make_client: Make) -> None:
    """A 404 on delete says the campaign is missing or no longer deletable."""
    client = make_client(Recorder())
    with pytest.raises(qlara.NotFoundError, match="only drafts and scheduled"):
        await client.campaigns.delete(12)


async def test_simulator_confirm_rules() -> None:
    """The simulator refuses confirm without readyToSend, a calculated goal, or enough credit."""
    sim = qlara.testing.Simulator()
    async with _sim_client(sim) as client:
        camp = await client.campaigns.create(
            name="Rules",
            sms_sender="Shop",
            sms_body="Hi",
            destinations=["+393401111111", "+393402222222"],
        )
        assert camp.id is not None  # the simulator answers with the campaign
        with pytest.raises(qlara.BadRequestError, match="readyToSend"):
            await client.campaigns.confirm(camp.id)
        await client.campaigns.update(camp.id, ready_to_send=True)
        with pytest.raises(qlara.BadRequestError, match="calculateGoal"):
            await client.campaigns.confirm(camp.id)
        with pytest.raises(qlara.BadRequestError, match="calculateGoal"):
            await client.campaigns.price(camp.id)
        goal = await client.campaigns.calculate_goal(camp.id)
        assert (goal.total_contacts, goal.estimated_cost) == (2, 0.1)
        sim.platform.credit = 0.05
        with pytest.raises(qlara.BadRequestError, match="Insufficient credit"):
            await client.campaigns.confirm(camp.id)
        sim.platform.credit = 10.0
        await client.campaigns.confirm(camp.id)
        assert (await client.account.credit()).credit == pytest.approx(9.9)
        with pytest.raises(qlara.BadRequestError):
            await client.campaigns.update(camp.id, name="Too late")
        with pytest.raises(qlara.NotFoundError, match="only drafts"):
            await client.campaigns.delete(camp.id)


async def test_simulator_scheduled_campaign_freezes_credit() -> None:
    """A scheduled campaign freezes its price until its time; deleting it returns the credit."""
    sim = qlara.testing.Simulator(clock=lambda: 0.0)
    async with _sim_client(sim) as client:
        later = sim.wall() + timedelta(hours=1)
        ids = []
        for name in ("Later", "Dropped"):
            camp = await client.campaigns.create(
                name=name,
                sms_sender="Shop",
                sms_body="Hi",
                ready_to_send=True,
                destinations=["+393401111111"],
                scheduled_date=later,
            )
            assert camp.id is not None
            await client.campaigns.launch(camp.id, max_price=1)
            ids.append(camp.id)
        credit = await client.account.credit()
        assert credit.frozen_credit == pytest.approx(0.1)
        assert credit.available_credit == pytest.approx(99_999.9)
        assert (await client.campaigns.get(ids[0])).status is qlara.CampaignStatus.SCHEDULED
        await client.campaigns.delete(ids[1])
        assert (await client.account.credit()).frozen_credit == pytest.approx(0.05)
        sim.advance(3600 + 5)
        done = await client.campaigns.get(ids[0])
        assert (done.status, done.total_success) == (qlara.CampaignStatus.COMPLETED, 1)
        credit = await client.account.credit()
        assert credit.credit == pytest.approx(99_999.95)
        assert credit.frozen_credit == 0.0
        assert [c.id for c in await client.campaigns.list(is_draft=False).to_list()] == [ids[0]]


async def test_campaign_from_upload_to_delivery_stats() -> None:
    """Upload contacts, launch within a cap, deliver with callbacks, and read the stats."""
    events: list[dict[str, Any]] = []
    sim = qlara.testing.Simulator(callback=events.append, clock=lambda: 0.0)
    sim.mark_number("+393402222222", "ERROR")
    async with _sim_client(sim) as client:
        group = await client.contacts.lists.create("Spring")
        assert group.id is not None
        sheet = b"firstName,phoneNumber\nAda,+393401111111\nBob,+393402222222\nCy,+393403333333\n"
        imported = await client.contacts.upload(sheet, group.id, file_name="spring.csv")
        assert imported.summary.imported == 3
        camp = await client.campaigns.create(
            name="Spring sale",
            sending_mode="SMS",
            sms_sender="Shop",
            sms_body="Hi {{firstName}}, 20% off today",
            contact_list_ids=[group.id],
            ready_to_send=True,
        )
        assert camp.id is not None
        with pytest.raises(qlara.ValidationError, match="above max_price"):
            await client.campaigns.launch(camp.id, max_price=0.10)
        assert (await client.campaigns.get(camp.id)).status is qlara.CampaignStatus.DRAFT
        price = await client.campaigns.launch(camp.id, max_price=0.15)
        assert price.amount == pytest.approx(0.15)
        assert sorted(m.text or "" for m in sim.sent)[0] == "Hi Ada, 20% off today"
        assert (await client.campaigns.get(camp.id)).status is qlara.CampaignStatus.SENDING
        sim.advance(5)
        done = await client.campaigns.get(camp.id)
        assert (done.status, done.total_destinations, done.total_success, done.total_failed) == (
            qlara.CampaignStatus.COMPLETED,
            3,
            2,
            1,
        )
        assert sorted(e["statusCode"] for e in events if e["eventType"] == "DELIVERY") == [3, 3, 6]
        day = sim.wall().date()
        [row] = await client.campaigns.stats(
            start_date=day, end_date=day, aggregate_on="day"
        ).to_list()
        assert (row.campaigns, row.destinations, row.success, row.failed) == (1, 3, 2, 1)
        assert row.cost == pytest.approx(0.15)


def test_sync_campaigns_smoke() -> None:
    """The blocking client creates, launches and reads a campaign."""
    sim = qlara.testing.Simulator(lifecycle=qlara.testing.Lifecycle.instant())
    with qlara.Qlara(api_key="k", transport=sim.transport(), rate_limit=None) as client:
        camp = client.campaigns.create(
            name="Sync",
            sms_sender="Shop",
            sms_body="Hi",
            destinations=["+393401111111"],
            ready_to_send=True,
        )
        assert camp.id is not None
        assert client.campaigns.launch(camp.id, max_price=1).amount == pytest.approx(0.05)
        assert client.campaigns.get(camp.id).status is qlara.CampaignStatus.COMPLETED
        assert [c.id for c in client.campaigns.list()] == [camp.id]


async def test_stats_as_one_object_and_create_with_an_empty_answer(make_client: Make) -> None:
    """An aggregate sent as one object is one row; an empty create answer is the draft sent."""
    rec = Recorder(
        {
            ("GET", f"{BASE}/stats"): (200, {"totalCampaigns": 4, "totalSuccess": 90}),
            ("POST", BASE): (201, None),
        }
    )
    client = make_client(rec)
    [row] = await client.campaigns.stats(start_date=TODAY, end_date=TODAY).to_list()
    assert (row.campaigns, row.success) == (4, 90)
    made = await client.campaigns.create(name="Echo", destinations=["+393401111111"])
    assert (made.id, made.name, made.destinations, made.raw) == (
        None,
        "Echo",
        ("+393401111111",),
        {},
    )


@pytest.mark.parametrize(
    "price",
    [{"data": {"price": 20.0}}, {"data": 20.0}, {"totalCost": 20.0}, {"value": "20.00"}],
)
async def test_launch_reads_a_wrapped_price_before_the_goal(make_client: Make, price: Any) -> None:
    """A price in an envelope is read; a cheaper calculateGoal estimate never stands in for it."""
    rec = _launch_platform(price)
    with pytest.raises(qlara.ValidationError, match=r"costs 20 .*above max_price 10|costs 20,"):
        await make_client(rec).campaigns.launch(12, max_price=10)
    assert ("PUT", f"{BASE}/12/confirm") not in [(m, p) for m, p, _, _ in rec.seen]


async def test_launch_never_confirms_on_the_goal_when_the_price_is_unreadable(
    make_client: Make,
) -> None:
    """An answered but unreadable price refuses even when calculateGoal estimated under the cap."""
    rec = _launch_platform({"quote": {"eur": "ask sales"}})
    with pytest.raises(qlara.ValidationError, match="cannot be read"):
        await make_client(rec).campaigns.launch(12, max_price=100)
    assert ("PUT", f"{BASE}/12/confirm") not in [(m, p) for m, p, _, _ in rec.seen]


async def test_launch_uses_the_goal_when_price_answers_nothing(make_client: Make) -> None:
    """An empty price answer falls back to calculateGoal's estimate, in an envelope or not."""
    rec = _launch_platform(None)
    rec.routes[("POST", f"{BASE}/12/calculateGoal")] = (200, {"data": {"estimatedCost": 30.0}})
    with pytest.raises(qlara.ValidationError, match="costs 30"):
        await make_client(rec).campaigns.launch(12, max_price=10)
    assert (await make_client(rec).campaigns.launch(12, max_price=30)).amount == 30.0


async def test_launch_names_the_price_in_full(make_client: Make) -> None:
    """The refusal shows the price and the cap unrounded."""
    rec = _launch_platform({"price": 1234.567, "currency": "EUR"})
    with pytest.raises(qlara.ValidationError) as caught:
        await make_client(rec).campaigns.launch(12, max_price=1234.5)
    assert "costs 1234.567 EUR, above max_price 1234.5;" in str(caught.value)
    rec = _launch_platform(2500000)
    with pytest.raises(qlara.ValidationError, match="costs 2500000, above max_price 1000000;"):
        await make_client(rec).campaigns.launch(12, max_price=10**6)


@pytest.mark.parametrize("ack", [{}, {"message": "Campaign updated"}])
async def test_update_acknowledged_without_the_campaign(make_client: Make, ack: Any) -> None:
    """A campaign update answered by a bare acknowledgement reads as what was sent."""
    rec = Recorder({("PUT", f"{BASE}/12"): (200, ack)})
    campaign = await make_client(rec).campaigns.update(12, name="Autumn")
    assert (campaign.id, campaign.name) == (12, "Autumn")
    rec.routes[("PUT", f"{BASE}/12")] = (200, ["not", "a", "campaign"])
    with pytest.raises(qlara.MalformedResponseError):
        await make_client(rec).campaigns.update(12, name="Autumn")
