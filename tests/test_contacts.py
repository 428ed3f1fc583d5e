"""client.contacts and client.contacts.lists: the wire, validation and the simulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import qlara
import qlara.testing
from tests.recorder import Recorder, refused

Make = Callable[..., qlara.AsyncQlara]
BASE = "/partner-gateway/v1/contacts"
ADA = {"id": 7, "phoneNumber": "+393401111111", "firstName": "Ada", "listIds": [3], "zodiac": "leo"}
PAGE = {"content": [ADA], "last": True}
CSV = (
    b"firstName,lastName,phoneNumber,email\n"
    b"Ada,L,+393401111111,ada@example.com\nBob,M,+393402222222,\nBad,X,12,\n"
)
VCARDS = (
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\n"
    b"TEL;TYPE=CELL:+39 340 333 3333\r\n"
    b"END:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada Again\r\nTEL:+393401111111\r\nEND:VCARD\r\n"
)


def _sim_client(sim: qlara.testing.Simulator) -> qlara.AsyncQlara:
    return qlara.AsyncQlara(api_key="k", transport=sim.transport(), rate_limit=None)


async def test_create_get_update_wire(make_client: Make) -> None:
    """create POSTs only the fields given, get GETs /{id}, update PUTs the changed fields."""
    rec = Recorder(
        {
            ("POST", BASE): (201, ADA),
            ("GET", f"{BASE}/7"): (200, {"data": ADA}),
            ("PUT", f"{BASE}/7"): (200, None),
        }
    )
    client = make_client(rec)
    made = await client.contacts.create(
        phone_number="+393401111111", first_name="Ada", custom_fields={"zodiac": "leo"}
    )
    assert rec.last == (
        "POST",
        BASE,
        {},
        {"phoneNumber": "+393401111111", "firstName": "Ada", "customFields": {"zodiac": "leo"}},
    )
    assert (made.id, made.first_name, made.list_ids, made.raw["zodiac"]) == (7, "Ada", (3,), "leo")
    assert (await client.contacts.get(7)).phone_number == "+393401111111"
    assert rec.last[:2] == ("GET", f"{BASE}/7")
    changed = await client.contacts.update(7, last_name="Lovelace")
    assert rec.last == ("PUT", f"{BASE}/7", {}, {"lastName": "Lovelace"})
    assert (changed.id, changed.last_name) == (7, "Lovelace")


async def test_list_sends_every_filter(make_client: Make) -> None:
    """list puts every documented filter in the query, with page and limit."""
    rec = Recorder({("GET", BASE): (200, PAGE)})
    client = make_client(rec)
    found = await client.contacts.list(
        list_ids=[1, 2],
        not_list_ids=[9],
        search="ada",
        gender="F",
        is_valid=True,
        communication_supported=["sms", qlara.Channel.WHATSAPP],
        is_test=False,
        phone_number="+393401111111",
        email="ada@example.com",
        sort_priority_list_id=1,
        sort_by="lastName",
        sort_order="DESC",
        limit=1000,
    ).to_list()
    assert [c.id for c in found] == [7]
    assert rec.last[2] == {
        "listIds": "1,2",
        "notListIds": "9",
        "search": "ada",
        "gender": "F",
        "isValid": "true",
        "communicationSupported": "SMS,WHATSAPP",
        "isTest": "false",
        "phoneNumber": "+393401111111",
        "email": "ada@example.com",
        "sortPriorityListId": "1",
        "sortBy": "lastName",
        "sortOrder": "desc",
        "limit": "1000",
        "page": "0",
    }


async def test_bad_arguments_are_refused_before_sending(make_client: Make) -> None:
    """Bad input raises ValidationError naming the field, and nothing is sent."""
    rec = Recorder()
    client = make_client(rec)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("limit", lambda: client.contacts.list(limit=1001)),
        ("phone_number", lambda: client.contacts.create(first_name="No reach")),
        ("phone_number", lambda: client.contacts.create(phone_number="3401111111")),
        ("id", lambda: client.contacts.update(7)),
        ("ids", client.contacts.delete),
        ("ids", lambda: client.contacts.delete(ids=[1], all_except=[2])),
        ("ids", lambda: client.contacts.delete(ids=[])),
        ("sort_order", lambda: client.contacts.list(sort_order="up")),
        ("communication_supported", lambda: client.contacts.list(communication_supported="FAX")),
        ("file_name", lambda: client.contacts.upload(b"x", file_name="notes.txt")),
        ("tags", lambda: client.contacts.upload_vcard(b"x", tags="a,b")),
        ("list_ids", lambda: client.contacts.lists.add([], contact_ids=[1])),
        ("contact_ids", lambda: client.contacts.lists.add([1])),
        ("contact_ids", lambda: client.contacts.lists.add([1], [2], all_contacts=True)),
        ("exclude_ids", lambda: client.contacts.lists.add([1], [2], exclude_ids=[3])),
        ("name", lambda: client.contacts.lists.create("")),
    ]
    for field, call in cases:
        assert (await refused(call)).field == field, field
    assert rec.seen == []


async def test_delete_by_ids_or_all_except(make_client: Make) -> None:
    """delete sends ?ids=, or ?notIds= (empty for all_except=[]: delete everything)."""
    rec = Recorder({("DELETE", BASE): (200, {"deleted": 2})})
    client = make_client(rec)
    await client.contacts.delete(ids=[1, 2])
    assert rec.last[:3] == ("DELETE", BASE, {"ids": "1,2"})
    await client.contacts.delete(all_except=[5])
    assert rec.last[2] == {"notIds": "5"}
    await client.contacts.delete(all_except=[])
    assert rec.last[2] == {"notIds": ""}
    assert rec.requests[-1].url.query == b"notIds="


async def test_lists_wire(make_client: Make) -> None:
    """Lists: create, list, a list's contacts with its extra filters, add by ids or all."""
    rec = Recorder(
        {
            ("POST", f"{BASE}/list"): (201, {"id": 87, "name": "VIP", "contactCount": 0}),
            ("GET", f"{BASE}/list"): (200, [{"id": 87, "name": "VIP"}]),
            ("GET", f"{BASE}/list/87/contacts"): (200, PAGE),
            ("POST", f"{BASE}/list/contacts"): (201, [{"id": 501}, {"id": 502}]),
        }
    )
    client = make_client(rec)
    made = await client.contacts.lists.create("VIP", "best", is_test=True)
    assert rec.last[3] == {"name": "VIP", "description": "best", "isTest": True}
    assert (made.id, made.name, made.contact_count) == (87, "VIP", 0)
    assert [x.id for x in await client.contacts.lists.list().to_list()] == [87]
    first = await client.contacts.lists.contacts(
        87, last_contact_type="SMS", last_campaign_type="RCS", search="a", limit=5
    ).first_page()
    assert [c.id for c in first] == [7]
    assert rec.last[2] == {
        "lastContactType": "SMS",
        "lastCampaignType": "RCS",
        "search": "a",
        "limit": "5",
        "page": "0",
    }
    assert await client.contacts.lists.add([87], contact_ids=[7, 8]) == [501, 502]
    assert rec.last[3] == {"listIds": [87], "contactIds": [7, 8]}
    await client.contacts.lists.add([87], all_contacts=True, exclude_ids=[8])
    assert rec.last[3] == {"listIds": [87], "allContacts": True, "excludeIdsAllContacts": [8]}


async def test_uploads_are_multipart(make_client: Make, tmp_path: Path) -> None:
    """upload and upload_vcard send the documented multipart fields and read the summary."""
    summary = {
        "importId": "imp-1",
        "listId": 87,
        "status": "COMPLETED",
        "summary": {"total": 3, "imported": 2, "duplicates": 1, "errors": 0, "skipped": 1},
        "errors": [{"line": 3, "name": "Bob", "reason": "duplicate"}],
        "completedAt": "2026-04-01T10:00:00Z",
    }
    rec = Recorder(
        {
            ("POST", f"{BASE}/upload"): (200, summary),
            ("POST", f"{BASE}/upload/vcard"): (200, summary),
        }
    )
    client = make_client(rec)
    sheet = tmp_path / "people.csv"
    sheet.write_bytes(CSV)
    result = await client.contacts.upload(sheet, 87, remove_head=True, limit=2)
    body = rec.last[3]
    for needle in (
        b'name="fileName"\r\n\r\npeople.csv',
        b'name="removeHead"\r\n\r\ntrue',
        b'name="limit"\r\n\r\n2',
        b'name="listId"\r\n\r\n87',
        b'name="file"; filename="people.csv"',
        CSV,
    ):
        assert needle in body
    assert result.summary == qlara.ImportSummary(
        total=3, imported=2, duplicates=1, errors=0, skipped=1
    )
    assert result.summary.raw == summary["summary"]  # the counts as sent, unmodelled ones too
    assert result.errors[0].line == 3
    await client.contacts.upload_vcard(
        VCARDS, 87, duplicate_strategy="skip", tags=["a", "b"], file_name="c.vcf"
    )
    body = rec.last[3]
    assert rec.last[1] == f"{BASE}/upload/vcard"
    for needle in (
        b'name="duplicateStrategy"\r\n\r\nSKIP',
        b'name="tags"\r\n\r\na,b',
        b'filename="c.vcf"',
    ):
        assert needle in body


async def test_simulator_import_list_and_filters() -> None:
    """A CSV import creates contacts, reports bad rows, fills the list; the filters work."""
    sim = qlara.testing.Simulator()
    async with _sim_client(sim) as client:
        vip = await client.contacts.lists.create("VIP")
        assert vip.id is not None  # the simulator answers with the list
        result = await client.contacts.upload(CSV, vip.id, file_name="people.csv")
        assert (result.summary.total, result.summary.imported, result.summary.errors) == (3, 2, 1)
        assert result.errors[0].line == 3
        assert "E.164" in (result.errors[0].reason or "")
        members = await client.contacts.lists.contacts(vip.id).to_list()
        assert [c.first_name for c in members] == ["Ada", "Bob"]
        assert [c.first_name for c in await client.contacts.list(search="lovel").to_list()] == []
        ada = (await client.contacts.list(email="ada@example.com").to_list())[0]
        assert ada.id is not None
        await client.contacts.update(ada.id, last_name="Lovelace")
        assert (await client.contacts.get(ada.id)).last_name == "Lovelace"
        outsider = await client.contacts.create(email="eve@example.com")
        assert [c.id for c in await client.contacts.list(not_list_ids=[vip.id]).to_list()] == [
            outsider.id
        ]
        with pytest.raises(qlara.NotFoundError):
            await client.contacts.get(999)
        with pytest.raises(qlara.NotFoundError):
            await client.contacts.lists.contacts(999).first_page()


async def test_simulator_vcard_duplicates_and_tags() -> None:
    """A vCard import skips duplicates under SKIP, tags the new contacts and counts everything."""
    sim = qlara.testing.Simulator()
    async with _sim_client(sim) as client:
        await client.contacts.create(phone_number="+393401111111", first_name="Ada")
        result = await client.contacts.upload_vcard(
            VCARDS, duplicate_strategy="SKIP", tags=["fair"], file_name="cards.vcf"
        )
        assert result.summary == qlara.ImportSummary(
            total=2, imported=1, duplicates=1, errors=0, skipped=1
        )
        jane = (await client.contacts.list(phone_number="+393403333333").to_list())[0]
        assert (jane.first_name, jane.last_name, jane.tags) == ("Jane", "Doe", ("fair",))


async def test_simulator_quota_and_delete() -> None:
    """New contacts are refused past the quota; delete honours ids and all_except."""
    sim = qlara.testing.Simulator()
    sim.platform.plan_limit = 3
    async with _sim_client(sim) as client:
        made = [await client.contacts.create(phone_number=f"+39340000000{i}") for i in range(3)]
        ids = [contact.id for contact in made if contact.id is not None]
        assert len(ids) == 3  # the simulator answers with the contact
        with pytest.raises(qlara.BadRequestError, match="quota"):
            await client.contacts.create(phone_number="+393409999999")
        quota = await client.account.contacts_quota()
        assert (quota.total_limit, quota.used, quota.remaining) == (3, 3, 0)
        await client.contacts.delete(ids=[ids[0]])
        await client.contacts.delete(all_except=[ids[2]])
        assert [c.id for c in await client.contacts.list().to_list()] == [ids[2]]
        await client.contacts.delete(all_except=[])
        assert await client.contacts.list().to_list() == []


async def test_simulator_add_all_contacts_with_exclusions() -> None:
    """lists.add(all_contacts=True, exclude_ids=...) puts everyone else in the list."""
    sim = qlara.testing.Simulator()
    async with _sim_client(sim) as client:
        contacts = [await client.contacts.create(phone_number=f"+39341000000{i}") for i in range(3)]
        ids = [contact.id for contact in contacts if contact.id is not None]
        group = await client.contacts.lists.create("All but one")
        assert len(ids) == 3
        assert group.id is not None
        made = await client.contacts.lists.add([group.id], all_contacts=True, exclude_ids=[ids[1]])
        assert len(made) == 2
        assert [
            c.id for c in await client.contacts.lists.contacts(group.id, sort_by="id").to_list()
        ] == [
            ids[0],
            ids[2],
        ]
        with pytest.raises(qlara.BadRequestError):
            await client.contacts.lists.add([999], contact_ids=[ids[0]])


def test_sync_contacts_smoke() -> None:
    """The blocking client reaches contacts and lists, and its listings are plain iterators."""
    sim = qlara.testing.Simulator()
    with qlara.Qlara(api_key="k", transport=sim.transport(), rate_limit=None) as client:
        group = client.contacts.lists.create("Sync")
        made = client.contacts.create(phone_number="+393401234567")
        assert group.id is not None
        assert made.id is not None
        client.contacts.lists.add([group.id], contact_ids=[made.id])
        assert [c.id for c in client.contacts.lists.contacts(group.id)] == [made.id]
        assert [g.name for g in client.contacts.lists.list()] == ["Sync"]
        client.contacts.delete(ids=[made.id])
        assert list(client.contacts.list()) == []


async def test_lenient_answers(make_client: Make) -> None:
    """Ids may be strings, contacts wrapped in data; association ids are found in an object."""
    rec = Recorder(
        {
            ("POST", BASE): (201, {"data": {"contactId": "c-1", "email": "eve@example.com"}}),
            ("POST", f"{BASE}/list/contacts"): (201, {"associationIds": [9, 10]}),
        }
    )
    client = make_client(rec)
    made = await client.contacts.create(email="eve@example.com")
    assert (made.id, made.email) == ("c-1", "eve@example.com")
    assert await client.contacts.lists.add([1], contact_ids=[2]) == [9, 10]


async def test_bytes_uploads_get_a_name() -> None:
    """Bytes without a file_name go out as contacts.csv / contacts.vcf, which the platform reads."""
    sim = qlara.testing.Simulator()
    async with _sim_client(sim) as client:
        sheet = await client.contacts.upload(CSV)
        cards = await client.contacts.upload_vcard(VCARDS)
        assert (sheet.summary.imported, cards.summary.imported) == (2, 1)


@pytest.mark.parametrize("ack", [{}, {"message": "Contact updated"}, {"success": True}])
async def test_update_acknowledged_without_the_contact(make_client: Make, ack: Any) -> None:
    """An update answered by a bare acknowledgement reads as what was sent, under its id."""
    rec = Recorder({("PUT", f"{BASE}/7"): (200, ack)})
    contact = await make_client(rec).contacts.update(7, last_name="Lovelace")
    assert (contact.id, contact.last_name) == (7, "Lovelace")
    assert rec.last[3] == {"lastName": "Lovelace"}
