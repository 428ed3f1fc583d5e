"""Audit of contacts, campaigns, exports, account, socials, API keys and SMS Legacy
(api §3.1.2, §3.2.4-§3.2.6, §3.2.9-§3.2.11; design §10) against doc-shaped fakes."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

import qlara
from tests.test_doc_audit_support import (
    API,
    GW,
    GW_INVERTED,
    Fake,
    Route,
    async_client,
    respond,
    sync_client,
)

CONTACTS = f"{GW}/contacts"
LISTS = f"{GW}/contacts/list"
CAMPAIGNS = f"{GW}/campaigns"
EXPORTS = f"{GW}/exports"
KEYS = f"{GW}/authentication"
DEST = "+393401234567"
CONTACT = {
    "id": 5,
    "phoneNumber": DEST,
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada@example.com",
}
CEST = timezone(timedelta(hours=2))


def _one_page(items: object) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        page = dict(httpx.QueryParams(request.url.query)).get("page", "0")
        if page == "0":
            return httpx.Response(200, json=items)
        if isinstance(items, dict):
            return httpx.Response(
                200, json={k: ([] if isinstance(v, list) else v) for k, v in items.items()}
            )
        return httpx.Response(200, json=[])

    return route


def _form_field(content: bytes, name: str) -> bytes | None:
    """The value of one multipart form field (None when absent)."""
    marker = b'name="' + name.encode() + b'"\r\n\r\n'
    start = content.find(marker)
    if start < 0:
        return None
    start += len(marker)
    return content[start : content.index(b"\r\n--", start)]


# -- §3.2.5 contacts ------------------------------------------------------------------------------


async def test_contact_create_sends_camel_case_and_reads_201() -> None:
    """contacts.create POSTs phoneNumber, email, firstName, lastName, gender; reads the 201."""
    fake = Fake({("POST", CONTACTS): respond(201, CONTACT)})
    async with async_client(fake) as client:
        contact = await client.contacts.create(
            phone_number=DEST,
            email="ada@example.com",
            first_name="Ada",
            last_name="Lovelace",
            gender="F",
        )
    assert fake.only().json == {
        "phoneNumber": DEST,
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "gender": "F",
    }
    assert isinstance(contact, qlara.Contact)
    assert (contact.id, contact.phone_number, contact.first_name, contact.last_name) == (
        5,
        DEST,
        "Ada",
        "Lovelace",
    )
    assert contact.raw == CONTACT


async def test_contact_create_accepts_a_bare_201() -> None:
    """The reference documents only ``201`` for POST /contacts: an empty 201 is a success."""
    fake = Fake({("POST", CONTACTS): respond(201)})
    async with async_client(fake) as client:
        contact = await client.contacts.create(phone_number=DEST, first_name="Ada")
    assert contact.phone_number == DEST


async def test_contact_create_needs_phone_or_email() -> None:
    """Phone (E.164) or email is required: ValidationError before anything is sent."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError):
            await client.contacts.create(first_name="Ada")
    assert fake.calls == []


async def test_contact_list_query_names() -> None:
    """contacts.list sends every documented filter under its name, comma lists, 0-based page."""
    fake = Fake({("GET", CONTACTS): _one_page([CONTACT])})
    async with async_client(fake) as client:
        items = [
            c
            async for c in client.contacts.list(
                list_ids=[1, 2],
                not_list_ids=[3],
                search="ada",
                gender="F",
                is_valid=True,
                communication_supported=["SMS", "WHATSAPP"],
                is_test=False,
                phone_number=DEST,
                email="ada@example.com",
                sort_priority_list_id=4,
                sort_by="lastName",
                sort_order="desc",
                limit=1000,
            )
        ]
    query = fake.calls[0].query
    assert query == {
        "listIds": "1,2",
        "notListIds": "3",
        "search": "ada",
        "gender": "F",
        "isValid": "true",
        "communicationSupported": "SMS,WHATSAPP",
        "isTest": "false",
        "phoneNumber": DEST,
        "email": "ada@example.com",
        "sortPriorityListId": "4",
        "sortBy": "lastName",
        "sortOrder": "desc",
        "limit": "1000",
        "page": "0",
    }
    assert [c.id for c in items] == [5]


async def test_contact_list_limit_above_1000_is_refused() -> None:
    """The documented maximum page size is 1000: ValidationError naming ``limit``."""
    async with async_client(Fake()) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            client.contacts.list(limit=1001)
    assert caught.value.field == "limit"


async def test_contact_list_reads_a_spring_page() -> None:
    """A ``{content, totalElements, last}`` page: items read, has_more follows ``last``."""
    spring = {"content": [CONTACT], "totalElements": 1, "totalPages": 1, "last": True, "number": 0}
    fake = Fake({("GET", CONTACTS): respond(200, spring)})
    async with async_client(fake) as client:
        page = await client.contacts.list().first_page()
    assert [c.id for c in page.items] == [5]
    assert page.page == 0
    assert page.has_more is False


async def test_contact_get_update_delete() -> None:
    """get GETs /contacts/{id}; update PUTs the given fields; delete sends ?ids= or ?notIds=."""
    fake = Fake(
        {
            ("GET", f"{CONTACTS}/5"): respond(200, CONTACT),
            ("PUT", f"{CONTACTS}/5"): respond(200, {**CONTACT, "firstName": "Augusta"}),
            ("DELETE", CONTACTS): respond(200),
        }
    )
    async with async_client(fake) as client:
        got = await client.contacts.get(5)
        updated = await client.contacts.update(5, first_name="Augusta")
        await client.contacts.delete([1, 2])
        await client.contacts.delete(all_except=[3])
    assert got.email == "ada@example.com"
    put = fake.to("PUT", f"{CONTACTS}/5")[0]
    assert put.json == {"firstName": "Augusta"}
    assert updated.first_name == "Augusta"
    deletes = fake.to("DELETE", CONTACTS)
    assert deletes[0].query == {"ids": "1,2"}
    assert deletes[1].query == {"notIds": "3"}


async def test_contact_update_with_an_empty_200() -> None:
    """An update answered 200 without a body reads as what was sent (the update happened)."""
    fake = Fake({("PUT", f"{CONTACTS}/5"): respond(200)})
    async with async_client(fake) as client:
        updated = await client.contacts.update(5, last_name="Byron")
    assert updated.id == 5
    assert updated.last_name == "Byron"


async def test_contact_upload_multipart_fields(tmp_path: Path) -> None:
    """upload(file, list_id) sends multipart file, fileName, removeHead, limit, listId."""
    path = tmp_path / "people.csv"
    path.write_text("firstName,lastName,phoneNumber\nAda,Lovelace,+393401234567\n")
    preview = {"rows": [{"firstName": "Ada", "lastName": "Lovelace", "phoneNumber": DEST}]}
    fake = Fake({("POST", f"{CONTACTS}/upload"): respond(200, preview)})
    async with async_client(fake) as client:
        result = await client.contacts.upload(path, 87, remove_head=True, limit=5)
    content = fake.only().content
    assert b'name="file"; filename="people.csv"' in content
    assert _form_field(content, "fileName") == b"people.csv"
    assert _form_field(content, "removeHead") == b"true"
    assert _form_field(content, "limit") == b"5"
    assert _form_field(content, "listId") == b"87"
    assert isinstance(result, qlara.ContactImport)


async def test_contact_upload_vcard_reads_uc020() -> None:
    """upload_vcard sends listId, duplicateStrategy=SKIP, tags=a,b; reads UC-020's summary."""
    uc020 = {
        "importId": "imp_1",
        "listId": 87,
        "status": "COMPLETED",
        "summary": {"total": 3, "imported": 2, "duplicates": 1, "errors": 0, "skipped": 1},
        "errors": [{"line": 3, "name": "Bob", "reason": "invalid phone"}],
        "completedAt": "2026-04-09T10:30:00Z",
    }
    vcard = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nTEL:+393401234567\r\nEND:VCARD\r\n"
    fake = Fake({("POST", f"{CONTACTS}/upload/vcard"): respond(200, uc020)})
    async with async_client(fake) as client:
        result = await client.contacts.upload_vcard(
            io.BytesIO(vcard), 87, duplicate_strategy="SKIP", tags=["a", "b"], file_name="ada.vcf"
        )
    content = fake.only().content
    assert vcard in content
    assert _form_field(content, "listId") == b"87"
    assert _form_field(content, "duplicateStrategy") == b"SKIP"
    assert _form_field(content, "tags") == b"a,b"
    assert _form_field(content, "fileName") == b"ada.vcf"
    assert result.import_id == "imp_1"
    assert result.list_id == 87
    assert result.status == "COMPLETED"
    assert (result.summary.total, result.summary.imported, result.summary.duplicates) == (3, 2, 1)
    assert result.summary.skipped == 1
    assert result.errors[0].line == 3
    assert result.errors[0].reason == "invalid phone"
    assert result.completed_at == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)


async def test_contact_lists_create_list_contacts_add() -> None:
    """lists.create POSTs {name, description, isTest} (201); lists.list; contacts(list_id); add."""
    created = {"id": 87, "name": "VIP", "description": "best", "contactCount": 0}
    fake = Fake(
        {
            ("POST", LISTS): respond(201, created),
            ("GET", LISTS): _one_page([created]),
            ("GET", f"{LISTS}/87/contacts"): _one_page([CONTACT]),
            ("POST", f"{LISTS}/contacts"): respond(201, [1001, 1002]),
        }
    )
    async with async_client(fake) as client:
        made = await client.contacts.lists.create("VIP", "best", False)
        lists = [x async for x in client.contacts.lists.list()]
        members = [
            c
            async for c in client.contacts.lists.contacts(
                87, last_contact_type="SMS", sort_by="fullName"
            )
        ]
        ids = await client.contacts.lists.add([87], [5, 6])
        await client.contacts.lists.add([87], all_contacts=True, exclude_ids=[6])
    assert fake.calls[0].json == {"name": "VIP", "description": "best", "isTest": False}
    assert isinstance(made, qlara.ContactList)
    assert (made.id, made.name, made.contact_count) == (87, "VIP", 0)
    assert [x.id for x in lists] == [87]
    members_query = fake.to("GET", f"{LISTS}/87/contacts")[0].query
    assert members_query["lastContactType"] == "SMS"
    assert members_query["sortBy"] == "fullName"
    assert [c.id for c in members] == [5]
    adds = fake.to("POST", f"{LISTS}/contacts")
    assert adds[0].json == {"listIds": [87], "contactIds": [5, 6]}
    assert adds[1].json == {"listIds": [87], "allContacts": True, "excludeIdsAllContacts": [6]}
    assert ids == [1001, 1002]


async def test_contact_lists_add_refuses_empty_list_ids() -> None:
    """``listIds`` must be non-empty (documented 400): ValidationError first."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError):
            await client.contacts.lists.add([], [5])
    assert fake.calls == []


# -- §3.2.4 campaigns -----------------------------------------------------------------------------

CAMPAIGN = {
    "id": 123,
    "name": "Spring",
    "description": "sale",
    "status": 0,
    "sendingMode": "SMS",
    "readyToSend": True,
    "smsSender": "Qlara",
    "smsBody": "Ciao {{name}}",
    "contactListIds": [87],
    "totalDestinations": 1000,
    "totalSuccess": 990,
    "totalFailed": 10,
    "scheduledDate": "2026-04-10 08:00:00.000+0200",
}


async def test_campaign_list_query_names() -> None:
    """campaigns.list sends isDraft, isProgrammed, sendingMode (comma), search, dates, direction."""
    fake = Fake({("GET", CAMPAIGNS): _one_page([CAMPAIGN])})
    async with async_client(fake) as client:
        found = [
            c
            async for c in client.campaigns.list(
                is_draft=True,
                is_programmed=False,
                sending_mode=["SMS", "RCS_SMS"],
                search="spring",
                start_date=date(2026, 4, 1),
                end_date=date(2026, 4, 30),
                ready_to_send=True,
                direction="DESC",
                limit=10,
            )
        ]
    assert fake.calls[0].query == {
        "isDraft": "true",
        "isProgrammed": "false",
        "sendingMode": "SMS,RCS_SMS",
        "search": "spring",
        "startDate": "2026-04-01",
        "endDate": "2026-04-30",
        "readyToSend": "true",
        "direction": "DESC",
        "limit": "10",
        "page": "0",
    }
    assert [c.id for c in found] == [123]


async def test_campaign_create_body_with_lists_and_schedule() -> None:
    """create sends the [NEW-API] fields; contact_list_ids set destinationType 1."""
    fake = Fake({("POST", CAMPAIGNS): respond(201, CAMPAIGN)})
    async with async_client(fake) as client:
        campaign = await client.campaigns.create(
            name="Spring",
            description="sale",
            sending_mode="SMS",
            ready_to_send=True,
            sms_sender="Qlara",
            sms_body="Ciao {{name}}",
            contact_list_ids=[87],
            scheduled_date=datetime(2026, 4, 10, 8, 0, tzinfo=CEST),
        )
    assert fake.only().json == {
        "name": "Spring",
        "description": "sale",
        "sendingMode": "SMS",
        "readyToSend": True,
        "smsSender": "Qlara",
        "smsBody": "Ciao {{name}}",
        "destinationType": 1,
        "contactListIds": [87],
        "scheduledDate": "2026-04-10 08:00:00.000+0200",
    }
    assert isinstance(campaign, qlara.Campaign)
    assert campaign.id == 123
    assert campaign.status is qlara.CampaignStatus.DRAFT
    assert campaign.sending_mode is qlara.SendingMode.SMS
    assert campaign.scheduled_date == datetime(2026, 4, 10, 8, 0, tzinfo=CEST)


async def test_campaign_create_rich_channels_and_destinations() -> None:
    """RCS/WhatsApp ids go as rcsAgentId, rcsTemplateId, whatsappPhoneNumberId, whatsappTemplateId;
    explicit destinations set destinationType 2."""
    fake = Fake(
        {("POST", CAMPAIGNS): respond(201, {**CAMPAIGN, "sendingMode": "WHATSAPP_RCS_SMS"})}
    )
    async with async_client(fake) as client:
        campaign = await client.campaigns.create(
            name="Rich",
            sending_mode=qlara.SendingMode.WHATSAPP_RCS_SMS,
            rcs_agent_id=10,
            rcs_template_id=7,
            whatsapp_phone_number_id=5,
            whatsapp_template_id=42,
            sms_sender="Qlara",
            sms_body="fallback",
            destinations=[DEST, "+393401234568"],
        )
    body = fake.only().json
    assert body["sendingMode"] == "WHATSAPP_RCS_SMS"
    assert (body["rcsAgentId"], body["rcsTemplateId"]) == (10, 7)
    assert (body["whatsappPhoneNumberId"], body["whatsappTemplateId"]) == (5, 42)
    assert body["destinationType"] == 2
    assert body["destinations"] == [DEST, "+393401234568"]
    assert campaign.sending_mode is qlara.SendingMode.WHATSAPP_RCS_SMS


async def test_campaign_create_reads_uc006_string_status() -> None:
    """UC-006 answers ``status: "DRAFT"`` (a string, D19): read as CampaignStatus.DRAFT."""
    uc006 = {
        "id": "cmp_1",
        "name": "Spring",
        "channel": "SMS",
        "description": "sale",
        "status": "DRAFT",
    }
    fake = Fake({("POST", CAMPAIGNS): respond(201, uc006)})
    async with async_client(fake) as client:
        campaign = await client.campaigns.create(
            name="Spring", description="sale", extra_body={"channel": "SMS"}
        )
    assert fake.only().json["channel"] == "SMS"
    assert campaign.id == "cmp_1"
    assert campaign.status is qlara.CampaignStatus.DRAFT


async def test_campaign_create_accepts_a_bare_201() -> None:
    """The reference documents no body for POST /campaigns: an empty 201 is a success."""
    fake = Fake({("POST", CAMPAIGNS): respond(201)})
    async with async_client(fake) as client:
        campaign = await client.campaigns.create(name="Spring", sending_mode="SMS")
    assert campaign.name == "Spring"


@pytest.mark.parametrize(
    ("wire", "member"),
    [(0, "DRAFT"), (1, "SCHEDULED"), (2, "SENDING"), (3, "COMPLETED"), (4, "FAILED")],
)
async def test_campaign_get_reads_numeric_status_and_totals(wire: int, member: str) -> None:
    """get(id): status 0-4 maps onto CampaignStatus; totals and lists are read."""
    fake = Fake({("GET", f"{CAMPAIGNS}/123"): respond(200, {**CAMPAIGN, "status": wire})})
    async with async_client(fake) as client:
        campaign = await client.campaigns.get(123)
    assert campaign.status is qlara.CampaignStatus[member]
    assert campaign.status == wire
    assert (campaign.total_destinations, campaign.total_success, campaign.total_failed) == (
        1000,
        990,
        10,
    )
    assert campaign.contact_list_ids == (87,)
    assert campaign.sms_body == "Ciao {{name}}"


async def test_campaign_update_delete_goal_price_confirm() -> None:
    """update PUT, delete 204, calculateGoal POST, price GET, confirm PUT 202: documented paths."""
    goal = {
        "totalContacts": 5000,
        "estimatedCost": 250.00,
        "costPerMessage": 0.05,
        "currency": "EUR",
        "estimatedDuration": "15 minutes",
    }
    fake = Fake(
        {
            ("PUT", f"{CAMPAIGNS}/123"): respond(200, {**CAMPAIGN, "name": "Spring 2"}),
            ("DELETE", f"{CAMPAIGNS}/123"): respond(204),
            ("POST", f"{CAMPAIGNS}/123/calculateGoal"): respond(200, goal),
            ("GET", f"{CAMPAIGNS}/123/price"): respond(200, {"price": 250.0, "currency": "EUR"}),
            ("PUT", f"{CAMPAIGNS}/123/confirm"): respond(202),
        }
    )
    async with async_client(fake) as client:
        updated = await client.campaigns.update(123, name="Spring 2")
        computed = await client.campaigns.calculate_goal(123)
        price = await client.campaigns.price(123)
        await client.campaigns.confirm(123)
        await client.campaigns.delete(123)
    assert fake.calls[0].json == {"name": "Spring 2"}
    assert updated.name == "Spring 2"
    assert isinstance(computed, qlara.CampaignGoal)
    assert (
        computed.total_contacts,
        computed.estimated_cost,
        computed.cost_per_message,
        computed.currency,
    ) == (
        5000,
        250.0,
        0.05,
        "EUR",
    )
    assert isinstance(price, qlara.CampaignPrice)
    assert price.amount == 250.0
    assert price.currency == "EUR"
    assert [(c.method, c.path) for c in fake.calls[1:]] == [
        ("POST", f"{CAMPAIGNS}/123/calculateGoal"),
        ("GET", f"{CAMPAIGNS}/123/price"),
        ("PUT", f"{CAMPAIGNS}/123/confirm"),
        ("DELETE", f"{CAMPAIGNS}/123"),
    ]


async def test_campaign_confirm_400_is_bad_request() -> None:
    """confirm answers 400 when credit is short or the cost was not calculated: BadRequestError."""
    fake = Fake(
        {
            ("PUT", f"{CAMPAIGNS}/123/confirm"): respond(
                400, {"status": 400, "message": "insufficient credit"}
            )
        }
    )
    async with async_client(fake) as client:
        with pytest.raises(qlara.BadRequestError) as caught:
            await client.campaigns.confirm(123)
    assert caught.value.message == "insufficient credit"


async def test_campaign_delete_not_deletable_is_not_found() -> None:
    """DELETE answers 404 for a campaign that is missing or no longer deletable."""
    fake = Fake(
        {("DELETE", f"{CAMPAIGNS}/123"): respond(404, {"status": 404, "message": "not deletable"})}
    )
    async with async_client(fake) as client:
        with pytest.raises(qlara.NotFoundError):
            await client.campaigns.delete(123)


async def test_campaign_price_as_a_bare_number() -> None:
    """The price's shape is undocumented: a bare number is read as the amount."""
    fake = Fake({("GET", f"{CAMPAIGNS}/123/price"): respond(200, 12.5)})
    async with async_client(fake) as client:
        price = await client.campaigns.price(123)
    assert price.amount == 12.5


async def test_campaign_launch_confirms_within_the_cap_and_refuses_above() -> None:
    """launch(id, max_price=): calculateGoal, price, and confirm only when price <= max_price."""
    fake = Fake(
        {
            ("POST", f"{CAMPAIGNS}/123/calculateGoal"): respond(200, {"totalContacts": 10}),
            ("GET", f"{CAMPAIGNS}/123/price"): respond(200, {"price": 250.0, "currency": "EUR"}),
            ("PUT", f"{CAMPAIGNS}/123/confirm"): respond(202),
        }
    )
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.campaigns.launch(123, max_price=100)
        assert "250" in str(caught.value)
        assert fake.to("PUT", f"{CAMPAIGNS}/123/confirm") == []
        await client.campaigns.launch(123, max_price=300)
    assert len(fake.to("PUT", f"{CAMPAIGNS}/123/confirm")) == 1
    assert len(fake.to("POST", f"{CAMPAIGNS}/123/calculateGoal")) == 2


async def test_campaign_stats_query() -> None:
    """stats(start_date=, end_date=, aggregate_on=) GETs /campaigns/stats, documented names."""
    row = {
        "date": "2026-04-01",
        "totalCampaigns": 2,
        "totalDestinations": 100,
        "totalSuccess": 98,
        "totalFailed": 2,
    }
    fake = Fake({("GET", f"{CAMPAIGNS}/stats"): _one_page([row])})
    async with async_client(fake) as client:
        rows = [
            r
            async for r in client.campaigns.stats(
                start_date=date(2026, 4, 1),
                end_date="2026-04-30",
                aggregate_on="day",
                sending_mode="SMS",
                is_draft=False,
                direction="ASC",
            )
        ]
    query = fake.calls[0].query
    assert query["aggregateOn"] == "day"
    assert (query["startDate"], query["endDate"]) == ("2026-04-01", "2026-04-30")
    assert query["sendingMode"] == "SMS"
    assert query["isDraft"] == "false"
    assert query["direction"] == "ASC"
    assert isinstance(rows[0], qlara.CampaignStats)
    assert rows[0].success == 98


# -- §3.2.6 exports -------------------------------------------------------------------------------


async def test_export_starts_post_documented_bodies_and_accept_202() -> None:
    """Export bodies: {listIds}, {contactIds}, {}; {campaignId} or {startDateTime, endDateTime}."""
    fake = Fake(
        {
            ("POST", f"{EXPORTS}/contacts"): respond(202),
            ("POST", f"{EXPORTS}/delivery-reports"): respond(202),
        }
    )
    start = datetime(2026, 4, 1, tzinfo=timezone.utc)
    end = datetime(2026, 4, 30, tzinfo=timezone.utc)
    async with async_client(fake) as client:
        jobs = [
            await client.exports.contacts(list_ids=[87]),
            await client.exports.contacts(contact_ids=[5, 6]),
            await client.exports.contacts(),
            await client.exports.delivery_reports(campaign_id=123),
            await client.exports.delivery_reports(start=start, end=end),
        ]
    bodies = [c.json for c in fake.calls]
    assert bodies[0] == {"listIds": [87]}
    assert bodies[1] == {"contactIds": [5, 6]}
    assert fake.calls[2].content in (b"{}", b"")
    assert bodies[3] == {"campaignId": 123}
    assert datetime.fromisoformat(bodies[4]["startDateTime"].replace("Z", "+00:00")) == start
    assert datetime.fromisoformat(bodies[4]["endDateTime"].replace("Z", "+00:00")) == end
    assert all(isinstance(j, qlara.ExportJob) for j in jobs)


async def test_export_delivery_reports_needs_campaign_or_period() -> None:
    """Neither campaignId nor both dates: ValidationError (documented 400) before sending."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError):
            await client.exports.delivery_reports()
    assert fake.calls == []


async def test_export_list_get_regenerate() -> None:
    """list GET /exports (status, isAvailableForDownload); get GET /{id}; regenerate POST /{id}."""
    job = {"id": 9, "status": "COMPLETED", "isAvailableForDownload": True, "type": "CONTACTS"}
    fake = Fake(
        {
            ("GET", EXPORTS): _one_page(
                [job, {"id": 8, "status": "EXPIRED", "isAvailableForDownload": False}]
            ),
            ("GET", f"{EXPORTS}/9"): respond(200, {"downloadUrl": "https://files.x.test/e9.csv"}),
            ("POST", f"{EXPORTS}/8"): respond(202),
        }
    )
    async with async_client(fake) as client:
        jobs = [j async for j in client.exports.list()]
        one = await client.exports.get(9)
        again = await client.exports.regenerate(8)
    assert [(j.id, j.status, j.is_available_for_download) for j in jobs] == [
        (9, "COMPLETED", True),
        (8, "EXPIRED", False),
    ]
    assert one.download_url == "https://files.x.test/e9.csv"
    assert isinstance(again, qlara.ExportJob)
    assert fake.calls[-1].method == "POST"
    assert fake.calls[-1].path == f"{EXPORTS}/8"


async def test_export_wait_and_download(tmp_path: Path) -> None:
    """wait(id) polls until ready; download(id) fetches the link with no API key; to= saves it."""
    pending = {"id": 9, "status": "PENDING", "isAvailableForDownload": False}
    ready = {
        "id": 9,
        "status": "COMPLETED",
        "isAvailableForDownload": True,
        "downloadUrl": "https://files.x.test/e9.csv",
    }
    fake = Fake(
        {
            ("GET", f"{EXPORTS}/9"): [respond(200, pending), respond(200, ready)],
            ("GET", "files.x.test/e9.csv"): respond(200, content=b"id,phone\n1,+39\n"),
        }
    )
    target = tmp_path / "out.csv"
    async with async_client(fake) as client:
        job = await client.exports.wait(9, timeout=10, interval=0.01)
        data = await client.exports.download(9)
        saved = await client.exports.download(9, to=target)
    assert job.is_available_for_download
    assert data == b"id,phone\n1,+39\n"
    assert Path(saved) == target
    assert target.read_bytes() == data
    link_calls = [c for c in fake.calls if c.request.url.host == "files.x.test"]
    assert link_calls
    assert all("x-api-key" not in c.headers for c in link_calls)


async def test_export_download_from_a_bare_link_answer() -> None:
    """GET /exports/{id} answering just the time-limited URL (a JSON string) still downloads."""
    fake = Fake(
        {
            ("GET", f"{EXPORTS}/9"): respond(200, "https://files.x.test/e9.csv"),
            ("GET", "files.x.test/e9.csv"): respond(200, content=b"a,b\n"),
        }
    )
    async with async_client(fake) as client:
        assert await client.exports.download(9) == b"a,b\n"


async def test_export_wait_regenerates_an_expired_job() -> None:
    """wait() on an EXPIRED job regenerates it (POST /exports/{id}) and waits for the new file."""
    expired = {"id": 9, "status": "EXPIRED", "isAvailableForDownload": False}
    ready = {
        "id": 9,
        "status": "COMPLETED",
        "isAvailableForDownload": True,
        "downloadUrl": "https://files.x.test/e9.csv",
    }
    fake = Fake(
        {
            ("GET", f"{EXPORTS}/9"): [respond(200, expired), respond(200, ready)],
            ("POST", f"{EXPORTS}/9"): respond(202),
        }
    )
    async with async_client(fake) as client:
        job = await client.exports.wait(9, timeout=10, interval=0.01)
    assert job.download_url == "https://files.x.test/e9.csv"
    assert [c.method for c in fake.calls] == ["GET", "POST", "GET"]


# -- §3.2.10-§3.2.11 account and socials ----------------------------------------------------------


async def test_subscription_reads_uc016() -> None:
    """account.subscription() GETs the inverted /v1/partner-gateway/subscription; reads UC-016."""
    uc016 = {
        "subscriptionId": "sub_1",
        "plan": "Business Pro",
        "status": "ACTIVE",
        "startDate": "2026-01-01T00:00:00Z",
        "endDate": "2026-12-31T23:59:59Z",
        "autoRenew": True,
        "features": {"sms": True, "rcs": True, "whatsapp": False},
    }
    fake = Fake({("GET", f"{GW_INVERTED}/subscription"): respond(200, uc016)})
    async with async_client(fake) as client:
        subscription = await client.account.subscription()
    assert isinstance(subscription, qlara.Subscription)
    assert subscription.plan == "Business Pro"
    assert subscription.status == "ACTIVE"
    assert subscription.auto_renew is True
    assert subscription.features == {"sms": True, "rcs": True, "whatsapp": False}
    assert subscription.raw["subscriptionId"] == "sub_1"


async def test_subscription_dates_under_their_wire_names() -> None:
    """UC-016 writes ``startDate``/``endDate``: a user reads ``start_date``/``end_date``."""
    uc016 = {
        "plan": "Business Pro",
        "status": "ACTIVE",
        "startDate": "2026-01-01T00:00:00Z",
        "endDate": "2026-12-31T00:00:00Z",
    }
    fake = Fake({("GET", f"{GW_INVERTED}/subscription"): respond(200, uc016)})
    async with async_client(fake) as client:
        subscription = await client.account.subscription()
    assert subscription.start_date == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert subscription.end_date == datetime(2026, 12, 31, tzinfo=timezone.utc)


async def test_subscription_reads_the_reference_shape() -> None:
    """The [NEW-API] shape (plan code, nextRenew, canceled) reads too (D25)."""
    new = {
        "planCode": "PRO_MONTHLY",
        "status": "CANCELED",
        "nextRenew": "2026-05-01T00:00:00Z",
        "canceled": True,
        "nextPlanCode": "BASIC",
    }
    fake = Fake({("GET", f"{GW_INVERTED}/subscription"): respond(200, new)})
    async with async_client(fake) as client:
        subscription = await client.account.subscription()
    assert subscription.plan == "PRO_MONTHLY"
    assert subscription.status == "CANCELED"
    assert subscription.raw["canceled"] is True


async def test_subscription_404_when_none_active() -> None:
    """No active subscription answers 404: NotFoundError."""
    fake = Fake(
        {("GET", f"{GW_INVERTED}/subscription"): respond(404, {"status": 404, "message": "none"})}
    )
    async with async_client(fake) as client:
        with pytest.raises(qlara.NotFoundError):
            await client.account.subscription()


async def test_contacts_quota_and_credit() -> None:
    """contacts_quota() and credit() GET /subscription/contacts and /subscription/credit."""
    fake = Fake(
        {
            ("GET", f"{GW_INVERTED}/subscription/contacts"): respond(
                200,
                {
                    "planLimit": 1000,
                    "extraLimit": 500,
                    "totalLimit": 1500,
                    "used": 1200,
                    "remaining": 300,
                },
            ),
            ("GET", f"{GW_INVERTED}/subscription/credit"): respond(
                200, {"credit": 100.0, "frozenCredit": 20.0, "availableCredit": 80.0}
            ),
        }
    )
    async with async_client(fake) as client:
        quota = await client.account.contacts_quota()
        credit = await client.account.credit()
    assert isinstance(quota, qlara.ContactsQuota)
    assert (
        quota.plan_limit,
        quota.extra_limit,
        quota.total_limit,
        quota.used,
        quota.remaining,
    ) == (
        1000,
        500,
        1500,
        1200,
        300,
    )
    assert isinstance(credit, qlara.Credit)
    assert (credit.credit, credit.frozen_credit, credit.available_credit) == (100.0, 20.0, 80.0)


async def test_credit_502_is_retried() -> None:
    """502 on credit (documented: upstream temporarily unavailable) is retried."""
    fake = Fake(
        {
            ("GET", f"{GW_INVERTED}/subscription/credit"): [
                respond(502, {"status": 502}),
                respond(200, {"credit": 1.0, "frozenCredit": 0.0, "availableCredit": 1.0}),
            ]
        }
    )
    async with async_client(
        fake, retry_policy=qlara.RetryPolicy(initial_backoff=0, max_backoff=0)
    ) as client:
        assert (await client.account.credit()).credit == 1.0


async def test_socials_list_and_get() -> None:
    """socials.list() reads UC-017's {profiles, total}; get(platform) GETs /socials/{platform}."""
    profile = {
        "platform": "facebook",
        "profileId": "fb_1",
        "name": "Shop",
        "status": "CONNECTED",
        "tokenExpiresAt": "2026-06-01T00:00:00Z",
        "connectedAt": "2026-01-01T00:00:00Z",
    }
    expired = {**profile, "platform": "instagram", "profileId": "ig_1", "status": "TOKEN_EXPIRED"}
    fake = Fake(
        {
            ("GET", f"{GW_INVERTED}/socials"): _one_page(
                {"profiles": [profile, expired], "total": 2}
            ),
            ("GET", f"{GW_INVERTED}/socials/facebook"): respond(200, profile),
        }
    )
    async with async_client(fake) as client:
        profiles = [p async for p in client.socials.list()]
        one = await client.socials.get("facebook")
    assert [(p.platform, p.profile_id, p.status) for p in profiles] == [
        ("facebook", "fb_1", "CONNECTED"),
        ("instagram", "ig_1", "TOKEN_EXPIRED"),
    ]
    assert isinstance(one, qlara.SocialProfile)
    assert one.token_expires_at == datetime(2026, 6, 1, tzinfo=timezone.utc)


# -- §3.2.9 API keys ------------------------------------------------------------------------------

UC014 = {
    "id": "key_a1b2c3d4e5f6",
    "name": "ci",
    "description": "pipeline",
    "apiKey": "pg_live_0123456789abcdef",
    "createdAt": "2026-04-09T10:30:00Z",
    "status": "ACTIVE",
}


async def test_api_keys_create_reads_uc014_and_redacts_the_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """api_keys.create(name, description, operations) POSTs them; the new value is shown once."""
    fake = Fake({("POST", KEYS): respond(200, UC014)})
    async with async_client(fake) as client:
        created = await client.api_keys.create("ci", "pipeline", ["SMS", "WHATSAPP"])
    assert fake.only().json == {
        "name": "ci",
        "description": "pipeline",
        "operations": ["SMS", "WHATSAPP"],
    }
    assert isinstance(created, qlara.CreatedApiKey)
    assert created.id == "key_a1b2c3d4e5f6"
    assert created.status == "ACTIVE"
    assert created.reveal() == "pg_live_0123456789abcdef"
    assert "pg_live_0123456789abcdef" not in repr(created) + str(created) + repr(created.raw)


async def test_created_api_key_exposes_api_key_under_its_wire_name() -> None:
    """UC-014 names the value ``apiKey``: ``created.api_key`` holds it (redacted in reprs)."""
    fake = Fake({("POST", KEYS): respond(201, UC014)})
    async with async_client(fake) as client:
        created = await client.api_keys.create("ci")
    value = created.api_key
    shown = value.reveal() if hasattr(value, "reveal") else value
    assert shown == "pg_live_0123456789abcdef"
    assert "pg_live" not in repr(value) + str(value) + f"{value}" + repr(created)


async def test_api_keys_list_get_delete() -> None:
    """list(user_id) sends ?userId=; get(value) GETs /authentication/{value}; delete(id) DELETEs."""
    listed = {
        "id": "key_1",
        "username": "ada",
        "operations": ["SMS"],
        "trafficType": "TRANSACTIONAL",
        "createdAt": "2026-04-09T10:30:00Z",
    }
    fake = Fake(
        {
            ("GET", KEYS): _one_page([listed]),
            ("GET", f"{KEYS}/pg_live_0123456789abcdef"): respond(200, listed),
            ("DELETE", f"{KEYS}/key_1"): respond(204),
        }
    )
    async with async_client(fake) as client:
        keys = [k async for k in client.api_keys.list(7621)]
        one = await client.api_keys.get("pg_live_0123456789abcdef")
        await client.api_keys.delete("key_1")
    assert fake.calls[0].query["userId"] == "7621"
    (key,) = keys
    assert isinstance(key, qlara.ApiKey)
    assert (key.id, key.username, key.operations, key.traffic_type) == (
        "key_1",
        "ada",
        ("SMS",),
        "TRANSACTIONAL",
    )
    assert one.id == "key_1"
    assert fake.calls[-1].path == f"{KEYS}/key_1"


# -- §3.1.2 SMS Legacy ----------------------------------------------------------------------------


async def test_sms_legacy_send_body_and_wholesale_answer() -> None:
    """legacy.send POSTs {globalId, flags, messages:[{ids, destinations, sender, body}]}."""
    answer = {
        "globalId": "g-1",
        "accepted": True,
        "results": [
            {"destination": DEST, "id": "a", "accepted": True, "statusCode": 200},
            {"destination": "+393401234568", "id": "b", "accepted": False, "statusCode": 400},
        ],
    }
    fake = Fake({("POST", f"{API}/services/sms/send"): respond(200, answer)})
    item = qlara.LegacySms(
        destinations=[DEST, "+393401234568"], ids=["a", "b"], sender="Qlara", body="Hi"
    )
    async with async_client(fake) as client:
        result = await client.sms.legacy.send(
            [item],
            global_id="g-1",
            enable_concatenated=True,
            enable_unicode=False,
            enable_delivery=True,
            simulation=True,
        )
    body = fake.only().json
    assert body["globalId"] == "g-1"
    assert body["enableConcatenated"] is True
    assert body["enableUnicode"] is False
    assert body["enableDelivery"] is True
    assert body["simulation"] is True
    assert body["messages"] == [
        {
            "ids": ["a", "b"],
            "destinations": [DEST, "+393401234568"],
            "sender": "Qlara",
            "body": "Hi",
        }
    ]
    assert isinstance(result, qlara.LegacySendResult)
    assert result.global_id == "g-1"
    assert [(r.id, r.accepted, r.status_code) for r in result.results] == [
        ("a", True, 200),
        ("b", False, 400),
    ]


async def test_sms_legacy_scheduling_format_and_credit() -> None:
    """scheduling is ``yyyy-MM-dd HH:mm:ss.SSSZ``; credit() reads ``{"credit": <EUR>}``."""
    fake = Fake(
        {
            ("POST", f"{API}/services/sms/send"): respond(200, {"globalId": "g", "accepted": True}),
            ("GET", f"{API}/services/sms/credit"): respond(200, {"credit": 12.5}),
        }
    )
    when = datetime(2025, 12, 8, 6, 0, 0, 2000, tzinfo=CEST)
    item = qlara.LegacySms(destinations=[DEST], sender="Qlara", body="Hi", scheduling=when)
    async with async_client(fake) as client:
        await client.sms.legacy.send([item])
        credit = await client.sms.legacy.credit()
    sent = fake.calls[0].json["messages"][0]
    assert sent["scheduling"] == "2025-12-08 06:00:00.002+0200"
    assert len(sent["ids"]) == 1
    assert sent["ids"][0]
    assert credit == 12.5


async def test_sms_legacy_jsend_error_body() -> None:
    """A Legacy JSend error body ({status:"error", message, code}) keeps its code in .body."""
    fake = Fake(
        {
            ("POST", f"{API}/services/sms/send"): respond(
                400, {"status": "error", "message": "Wrong sender", "code": 18}
            )
        }
    )
    item = qlara.LegacySms(destinations=[DEST], sender="Qlara", body="Hi")
    async with async_client(fake) as client:
        with pytest.raises(qlara.BadRequestError) as caught:
            await client.sms.legacy.send([item])
    assert caught.value.body["code"] == 18
    assert caught.value.message == "Wrong sender"


def test_sync_admin_calls() -> None:
    """The blocking client creates a contact and reads the credit the same way."""
    fake = Fake(
        {
            ("POST", CONTACTS): respond(201, CONTACT),
            ("GET", f"{GW_INVERTED}/subscription/credit"): respond(
                200, {"credit": 3.0, "frozenCredit": 1.0, "availableCredit": 2.0}
            ),
            ("GET", CAMPAIGNS): _one_page([CAMPAIGN]),
        }
    )
    with sync_client(fake) as client:
        assert client.contacts.create(phone_number=DEST).id == 5
        assert client.account.credit().available_credit == 2.0
        assert [c.id for c in client.campaigns.list()] == [123]
        assert client.campaigns.list().first_page().items[0].id == 123
