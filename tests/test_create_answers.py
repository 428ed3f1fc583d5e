"""Creates answered as the platform documents them: no body, a bare ack, a ``Location``.

The reference gives several creates a status and nothing else (``POST /contacts``
201, a list association 201, exports 202). Each scenario runs on doc-shaped
fakes, on the async client (asyncio and trio) and on the sync client (the
``connect`` fixture of ``test_contract``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import qlara
from tests import test_contract as contract
from tests.test_contract import GW, MS, Fake

# The contract's clients: the async one (asyncio and trio) and the sync one, over a fake.
mode = contract.mode
connect = contract.connect

Factory = Callable[[httpx.Request], httpx.Response]

BARE: dict[str, Factory] = {
    "201 empty": lambda r: httpx.Response(201),
    "202 empty": lambda r: httpx.Response(202),
    "204 empty": lambda r: httpx.Response(204),
    "201 {}": lambda r: httpx.Response(201, json={}),
    "201 ack": lambda r: httpx.Response(201, json={"success": True}),
}


def located(path: str, *, absolute: bool = False) -> Factory:
    """A 201 with no body whose ``Location`` header names the new object."""
    where = f"https://lora-api.agiletelecom.com{path}" if absolute else path
    return lambda r: httpx.Response(201, headers={"Location": where})


def _raw(answer: str) -> dict[str, Any]:
    return {"success": True} if answer == "201 ack" else {}


@pytest.mark.parametrize("answer", list(BARE))
def test_a_bare_contact_create_is_the_contact_sent(
    connect: Callable[..., Any], answer: str
) -> None:
    """contacts.create answered without the contact returns the one sent (id None, raw the ack)."""
    fake = Fake({("POST", f"{GW}/contacts"): BARE[answer]})
    made = connect(fake).contacts.create(
        phone_number="+393401234567", first_name="Ada", custom_fields={"tier": "gold"}
    )
    assert isinstance(made, qlara.Contact)
    assert (made.id, made.phone_number, made.first_name) == (None, "+393401234567", "Ada")
    assert made.raw == _raw(answer)


@pytest.mark.parametrize("absolute", [False, True])
def test_a_contact_create_reads_its_id_from_location(
    connect: Callable[..., Any], absolute: bool
) -> None:
    """A Location header names the new contact's id (a numeric one as an int)."""
    fake = Fake({("POST", f"{GW}/contacts"): located(f"{GW}/contacts/123", absolute=absolute)})
    made = connect(fake).contacts.create(email="ada@example.com")
    assert (made.id, made.email, made.raw) == (123, "ada@example.com", {})


def test_a_location_elsewhere_names_no_contact(connect: Callable[..., Any]) -> None:
    """A Location under another route (a list's) or past one segment is not taken as the id."""
    answers = iter([f"{GW}/contacts/list/87", f"{GW}/campaigns/5", "/somewhere"])

    def answer(request: httpx.Request) -> httpx.Response:
        return located(next(answers))(request)

    fake = Fake({("POST", f"{GW}/contacts"): answer})
    client = connect(fake)
    for _ in range(3):
        assert client.contacts.create(email="ada@example.com").id is None


def test_an_id_less_answer_object_is_read_over_what_was_sent(connect: Callable[..., Any]) -> None:
    """An answer object without an id adds its fields to the contact sent; extra_body counts too."""
    answer = {"firstName": "Adah", "isValid": True}
    fake = Fake({("POST", f"{GW}/contacts"): lambda r: httpx.Response(201, json=answer)})
    made = connect(fake).contacts.create(
        phone_number="+393401234567", first_name="Ada", extra_body={"lastName": "Lovelace"}
    )
    assert (made.first_name, made.last_name, made.is_valid) == ("Adah", "Lovelace", True)
    assert made.raw == answer


@pytest.mark.parametrize("body", [b"[1, 2]", b'"created"', b"<html>ok</html>"])
def test_a_create_answer_that_is_no_object_is_malformed(
    connect: Callable[..., Any], body: bytes
) -> None:
    """An array, a bare string or a non-JSON body is still a MalformedResponseError (its status)."""
    fake = Fake({("POST", f"{GW}/contacts"): lambda r: httpx.Response(201, content=body)})
    with pytest.raises(qlara.MalformedResponseError) as caught:
        connect(fake).contacts.create(email="ada@example.com")
    assert caught.value.status_code == 201
    assert caught.value.body == body


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_list_create_is_the_list_sent(connect: Callable[..., Any], answer: str) -> None:
    """contacts.lists.create answered without the list returns the list sent (Location's id)."""
    factory = located(f"{GW}/contacts/list/87") if answer == "location" else BARE[answer]
    fake = Fake({("POST", f"{GW}/contacts/list"): factory})
    made = connect(fake).contacts.lists.create("VIP", description="d", is_test=True)
    assert isinstance(made, qlara.ContactList)
    assert (made.name, made.description, made.is_test) == ("VIP", "d", True)
    assert made.id == (87 if answer == "location" else None)
    assert made.raw == ({} if answer == "location" else _raw(answer))


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_association_answer_is_no_ids(connect: Callable[..., Any], answer: str) -> None:
    """contacts.lists.add answered without association ids returns an empty list, not an error."""
    factory = located(f"{GW}/contacts/list/contacts/1") if answer == "location" else BARE[answer]
    fake = Fake({("POST", f"{GW}/contacts/list/contacts"): factory})
    assert connect(fake).contacts.lists.add([87], contact_ids=[1, 2]) == []


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_campaign_create_is_the_draft_sent(connect: Callable[..., Any], answer: str) -> None:
    """campaigns.create answered without the campaign returns the draft sent."""
    factory = located(f"{GW}/campaigns/7") if answer == "location" else BARE[answer]
    fake = Fake({("POST", f"{GW}/campaigns"): factory})
    made = connect(fake).campaigns.create(
        name="Spring",
        sending_mode="SMS",
        sms_sender="Qlara",
        sms_body="Hi {{name}}",
        destinations=["+393401234567"],
    )
    assert isinstance(made, qlara.Campaign)
    assert (made.name, made.sending_mode, made.sms_body, made.destinations) == (
        "Spring",
        qlara.SendingMode.SMS,
        "Hi {{name}}",
        ("+393401234567",),
    )
    assert made.id == (7 if answer == "location" else None)


@pytest.mark.parametrize("answer", ["202 empty", "201 {}", "201 ack"])
def test_a_bare_confirm_succeeds(connect: Callable[..., Any], answer: str) -> None:
    """campaigns.confirm's documented bare 202 (or an ack) is success: None."""
    fake = Fake({("PUT", f"{GW}/campaigns/7/confirm"): BARE[answer]})
    assert connect(fake).campaigns.confirm(id=7) is None


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_media_upload_is_the_item_sent(connect: Callable[..., Any], answer: str) -> None:
    """media.upload answered without the item returns what was sent, with no URL."""
    factory = located(f"{GW}/media/med_9") if answer == "location" else BARE[answer]
    fake = Fake({("POST", f"{GW}/media"): factory})
    made = connect(fake).media.upload(PNG, name="logo", description="d", folder_id=4)
    assert isinstance(made, qlara.MediaItem)
    assert (made.name, made.description, made.folder_id) == ("logo", "d", 4)
    assert (made.mime_type, made.size, made.url) == ("image/png", len(PNG), None)
    assert made.id == ("med_9" if answer == "location" else None)


WA_LISTED = {
    "id": 42,
    "name": "order_shipped",
    "language": "it",
    "category": "UTILITY",
    "status": "PENDING",
}


def _create_wa(client: Any) -> Any:
    return client.whatsapp.templates.create(
        phone_number_id=5, name="order_shipped", lang="it", category="UTILITY", body="Ciao {name}"
    )


def test_a_wa_template_create_reads_its_id_from_location(connect: Callable[..., Any]) -> None:
    """A WhatsApp template created with a Location is the template sent under that id."""
    path = f"{MS}/whatsapp/templates"
    fake = Fake({("POST", path): located(f"{path}/42?phoneNumberId=5")})
    made = _create_wa(connect(fake))
    assert (made.id, made.name, made.language, made.phone_number_id) == (
        42,
        "order_shipped",
        "it",
        5,
    )
    assert [c.text for c in made.components if c.type == "BODY"] == ["Ciao {name}"]
    assert [m for m, *_ in fake.calls] == ["POST"]


@pytest.mark.parametrize("answer", list(BARE))
def test_a_bare_wa_template_create_is_found_in_the_listing(
    connect: Callable[..., Any], answer: str
) -> None:
    """Without an id anywhere, the template is the number's listed one of that name and language."""
    path = f"{MS}/whatsapp/templates"
    fake = Fake(
        {
            ("POST", path): BARE[answer],
            ("GET", path): lambda r: httpx.Response(200, json={"data": [WA_LISTED]}),
        }
    )
    assert _create_wa(connect(fake)).id == 42


@pytest.mark.parametrize("listing", [None, []])
def test_a_wa_template_nowhere_to_be_found_is_malformed(
    connect: Callable[..., Any], listing: list[Any] | None
) -> None:
    """No id, and a listing that fails (404) or lacks it: MalformedResponseError saying so."""
    path = f"{MS}/whatsapp/templates"
    routes: dict[tuple[str, str], Any] = {("POST", path): BARE["201 empty"]}
    if listing is not None:
        routes[("GET", path)] = lambda r: httpx.Response(200, json={"data": listing})
    with pytest.raises(qlara.MalformedResponseError, match="did not say its id"):
        _create_wa(connect(Fake(routes)))


RCS_ITEM = {"id": 3, "name": "promo", "description": "d", "type": "TEXT", "body": {"text": "Hi"}}


def _create_rcs(client: Any) -> Any:
    return client.rcs.templates.create(
        name="promo", description="d", type="TEXT", body={"text": "Hi"}
    )


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_rcs_template_create(connect: Callable[..., Any], answer: str) -> None:
    """An RCS template create without the template: Location's id, else the listed one."""
    path = f"{MS}/rcs/templates"
    factory = located(f"{path}/3") if answer == "location" else BARE[answer]
    fake = Fake(
        {
            ("POST", path): factory,
            ("GET", path): lambda r: httpx.Response(200, json=[RCS_ITEM]),
        }
    )
    made = _create_rcs(connect(fake))
    assert (made.id, made.name, made.type) == (3, "promo", "TEXT")
    assert isinstance(made.body, qlara.RcsText)
    listed = "GET" in [m for m, *_ in fake.calls]
    assert listed is (answer != "location")


def test_an_rcs_template_nowhere_to_be_found_is_malformed(connect: Callable[..., Any]) -> None:
    """No id and no listing: MalformedResponseError, not the listing's 404."""
    fake = Fake({("POST", f"{MS}/rcs/templates"): BARE["201 {}"]})
    with pytest.raises(qlara.MalformedResponseError, match="did not say its id"):
        _create_rcs(connect(fake))


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_webhook_create_is_the_url_sent(connect: Callable[..., Any], answer: str) -> None:
    """webhooks.create and set answered without the configuration return the URL sent."""
    path = f"{GW}/webhooks/delivery-status"
    factory = located(path) if answer == "location" else BARE[answer]
    fake = Fake({("POST", path): factory})
    client = connect(fake)
    assert client.webhooks.create("https://h/cb").callback_url == "https://h/cb"
    assert client.webhooks.set(url="https://h/cb").callback_url == "https://h/cb"


READY = {"exportId": "e9", "status": "COMPLETED", "isAvailableForDownload": True}


@pytest.mark.parametrize("start", ["contacts", "delivery_reports", "history"])
def test_an_export_started_with_a_location_is_known_by_that_id(
    connect: Callable[..., Any], start: str
) -> None:
    """A 202 whose Location names the job gives a job with that id, which wait() polls."""
    from datetime import datetime, timezone

    when = datetime(2026, 4, 1, tzinfo=timezone.utc)
    fake = Fake(
        {
            ("POST", f"{GW}/exports/contacts"): located(f"{GW}/exports/e9"),
            ("POST", f"{GW}/exports/delivery-reports"): located(f"{GW}/exports/e9"),
            ("POST", f"{GW}/messages/history/export"): located(f"{GW}/exports/e9"),
            ("GET", f"{GW}/exports/e9"): lambda r: httpx.Response(
                200, json={**READY, "downloadUrl": "https://files.example.net/e9.csv"}
            ),
        }
    )
    client = connect(fake)
    job = {
        "contacts": lambda: client.exports.contacts(list_ids=[1]),
        "delivery_reports": lambda: client.exports.delivery_reports(campaign_id=7),
        "history": lambda: client.messages.export_history(start=when, end=when),
    }[start]()
    assert isinstance(job, qlara.ExportJob)
    assert (job.id, job.raw) == ("e9", {})
    assert client.exports.wait(id=job, timeout=5, interval=0.001).id == "e9"
    assert ("GET", f"{GW}/exports") not in [(m, p) for m, p, *_ in fake.calls]


@pytest.mark.parametrize("answer", list(BARE))
def test_a_bare_export_start_is_a_pending_job_found_later(
    connect: Callable[..., Any], answer: str
) -> None:
    """A 202 naming no job gives a job with id None; wait() finds the newest listed job."""
    fake = Fake(
        {
            ("POST", f"{GW}/exports/contacts"): BARE[answer],
            ("GET", f"{GW}/exports"): lambda r: httpx.Response(200, json=[READY]),
            ("GET", f"{GW}/exports/e9"): lambda r: httpx.Response(
                200, json={**READY, "downloadUrl": "https://files.example.net/e9.csv"}
            ),
        }
    )
    client = connect(fake)
    job = client.exports.contacts()
    assert job.id is None
    assert job.raw == _raw(answer)
    assert client.exports.wait(job, timeout=5, interval=0.001).id == "e9"


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_bare_reply_is_accepted(connect: Callable[..., Any], answer: str) -> None:
    """inbox.reply answered by a bare 202 (or anything 2xx) is an accepted reply with no id."""
    path = f"{GW}/inbox/conversations/reply"
    factory = located(f"{GW}/inbox/conversations/c1") if answer == "location" else BARE[answer]
    reply = connect(Fake({("POST", path): factory})).inbox.reply("c1", "Ciao")
    assert isinstance(reply, qlara.InboxReply)
    assert reply.message_id is None


@pytest.mark.parametrize("answer", [*BARE, "location"])
def test_a_key_create_without_the_key_is_malformed(
    connect: Callable[..., Any], answer: str
) -> None:
    """api_keys.create must return the new key, shown only then: without it, a typed error."""
    path = f"{GW}/authentication"
    factory = located(f"{path}/key_1") if answer == "location" else BARE[answer]
    with pytest.raises(qlara.MalformedResponseError, match="apiKey") as caught:
        connect(Fake({("POST", path): factory})).api_keys.create("ci")
    assert caught.value.status_code in (201, 202, 204)
