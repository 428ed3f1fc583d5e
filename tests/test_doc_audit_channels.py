"""Audit of channel assets, media, files, inbox (api §3.1.5-§3.1.9, §3.2.7-§3.2.8; design §10)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

import qlara
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

PHONES = f"{MS}/whatsapp/phone-numbers"
WA_TEMPLATES = f"{MS}/whatsapp/templates"
RCS_TEMPLATES = f"{MS}/rcs/templates"
MEDIA = f"{GW}/media"
INBOX = f"{GW}/inbox/conversations"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

UC025_ITEM = {
    "phoneNumberId": "waba-num-001",
    "phoneNumber": "+390212345678",
    "displayName": "ShopItalia",
    "qualityRating": "GREEN",
    "status": "ACTIVE",
    "messagingLimit": "TIER_10K",
    "verifiedName": "ShopItalia S.r.l.",
    "platform": "CLOUD_API",
}
UC003_ITEM = {
    "id": 42,
    "name": "order_shipped",
    "language": "it",
    "category": "UTILITY",
    "status": "APPROVED",
    "components": [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Ciao {{1}}, il tuo ordine {{2}} arriva il {{3}}"},
        {"type": "FOOTER", "text": "Grazie"},
        {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Traccia"}]},
    ],
}
UC015 = {
    "mediaId": "med_abc123",
    "name": "logo",
    "description": "Company logo",
    "url": "https://cdn.qlara.test/med_abc123.png",
    "mimeType": "image/png",
    "size": 72,
    "width": 1440,
    "height": 720,
    "createdAt": "2026-04-09T10:30:00Z",
}


def _one_page(items: object) -> Route:
    """A listing route: the items on page 0, nothing after (whatever the shape)."""

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


# -- §3.1.5 WhatsApp phone numbers ----------------------------------------------------------------


async def test_phone_numbers_list_reads_uc025() -> None:
    """phone_numbers.list() GETs ?page=0&limit=N and reads UC-025's ``{"phoneNumbers": [...]}``."""
    fake = Fake({("GET", PHONES): _one_page({"phoneNumbers": [UC025_ITEM]})})
    async with async_client(fake) as client:
        numbers = [n async for n in client.whatsapp.phone_numbers.list()]
    assert fake.calls[0].query["page"] == "0"
    assert "limit" in fake.calls[0].query
    (number,) = numbers
    assert isinstance(number, qlara.PhoneNumber)
    assert number.id == "waba-num-001"
    assert number.phone_number == "+390212345678"
    assert number.display_name == "ShopItalia"
    assert number.quality_rating == "GREEN"
    assert number.status == "ACTIVE"
    assert number.messaging_limit == "TIER_10K"
    assert number.verified_name == "ShopItalia S.r.l."
    assert number.raw["platform"] == "CLOUD_API"


async def test_phone_number_exposes_phone_number_id_under_its_wire_name() -> None:
    """UC-025 names the field ``phoneNumberId``: a user reads ``number.phone_number_id``."""
    fake = Fake({("GET", f"{PHONES}/waba-num-001"): respond(200, UC025_ITEM)})
    async with async_client(fake) as client:
        number = await client.whatsapp.phone_numbers.get("waba-num-001")
    assert number.phone_number_id == "waba-num-001"


async def test_phone_numbers_get_by_id() -> None:
    """phone_numbers.get(id) GETs /phone-numbers/{phoneNumberId}; [PM]'s ``id`` field reads too."""
    fake = Fake(
        {
            ("GET", f"{PHONES}/5"): respond(
                200, {"id": 5, "phoneNumber": "+390212345678", "status": "PENDING"}
            )
        }
    )
    async with async_client(fake) as client:
        number = await client.whatsapp.phone_numbers.get(5)
    assert fake.only().path == f"{PHONES}/5"
    assert number.id == 5
    assert number.status == "PENDING"


# -- §3.1.6 WhatsApp templates --------------------------------------------------------------------


async def test_whatsapp_templates_list_with_filters_reads_data_envelope() -> None:
    """templates.list(status=, phone_number_id=) sends status and phoneNumberId; reads {data}."""
    fake = Fake({("GET", WA_TEMPLATES): _one_page({"data": [UC003_ITEM]})})
    async with async_client(fake) as client:
        items = [
            t async for t in client.whatsapp.templates.list(status="APPROVED", phone_number_id=5)
        ]
    query = fake.calls[0].query
    assert query["status"] == "APPROVED"
    assert query["phoneNumberId"] == "5"
    assert query["page"] == "0"
    assert "limit" in query
    (template,) = items
    assert isinstance(template, qlara.WhatsAppTemplateDetails)
    assert (template.id, template.name, template.language, template.category, template.status) == (
        42,
        "order_shipped",
        "it",
        "UTILITY",
        "APPROVED",
    )
    kinds = [c.type for c in template.components]
    assert kinds == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    assert template.components[0].format == "IMAGE"
    assert template.components[3].buttons[0].type == "URL"


async def test_whatsapp_template_get_and_delete() -> None:
    """templates.get(id) GETs /templates/{id}; delete(id) DELETEs it (204)."""
    fake = Fake(
        {
            ("GET", f"{WA_TEMPLATES}/42"): respond(200, UC003_ITEM),
            ("DELETE", f"{WA_TEMPLATES}/42"): respond(204),
        }
    )
    async with async_client(fake) as client:
        template = await client.whatsapp.templates.get(42)
        await client.whatsapp.templates.delete(42)
    assert template.status == "APPROVED"
    assert [c.method for c in fake.calls] == ["GET", "DELETE"]


async def test_whatsapp_template_create_sends_the_create_dialect() -> None:
    """create POSTs ?phoneNumberId= with name, lang, category, body and the optional fields."""
    created = {
        "id": 43,
        "name": "order_shipped",
        "language": "it",
        "category": "UTILITY",
        "status": "PENDING",
    }
    fake = Fake({("POST", WA_TEMPLATES): respond(201, created)})
    async with async_client(fake) as client:
        template = await client.whatsapp.templates.create(
            phone_number_id=5,
            name="order_shipped",
            lang="it",
            category="UTILITY",
            body="Ciao {name}, ordine {order}",
            header_text="Spedito",
            footer="Grazie",
            buttons=[{"type": "URL", "text": "Traccia", "url": "https://x.example/t"}],
            placeholder_fields=[{"name": "link"}],
            track_button_links=True,
        )
    call = fake.only()
    assert call.query == {"phoneNumberId": "5"}
    assert call.json == {
        "name": "order_shipped",
        "lang": "it",
        "category": "UTILITY",
        "body": "Ciao {name}, ordine {order}",
        "headerText": "Spedito",
        "footer": "Grazie",
        "buttons": [{"type": "URL", "text": "Traccia", "url": "https://x.example/t"}],
        "placeholderFields": [{"name": "link"}],
        "trackButtonLinks": True,
    }
    assert template.id == 43
    assert template.status == "PENDING"


async def test_whatsapp_template_media_header() -> None:
    """headerFormat and headerMediaUrl go out under their documented names."""
    fake = Fake({("POST", WA_TEMPLATES): respond(201, {"id": 44, "status": "PENDING"})})
    async with async_client(fake) as client:
        await client.whatsapp.templates.create(
            phone_number_id=5,
            name="promo",
            lang="it",
            category="MARKETING",
            body="Offerta {name}",
            header_format="IMAGE",
            header_media_url="https://cdn.example.com/h.jpg",
        )
    body = fake.only().json
    assert body["headerFormat"] == "IMAGE"
    assert body["headerMediaUrl"] == "https://cdn.example.com/h.jpg"
    assert "headerText" not in body


async def test_whatsapp_template_update_patches_given_fields() -> None:
    """update(id, ...) PATCHes /templates/{id} with only the given fields."""
    fake = Fake(
        {("PATCH", f"{WA_TEMPLATES}/42"): respond(200, {**UC003_ITEM, "status": "PENDING"})}
    )
    async with async_client(fake) as client:
        template = await client.whatsapp.templates.update(42, body="Ciao {name}!")
    call = fake.only()
    assert call.json == {"body": "Ciao {name}!"}
    assert template.status == "PENDING"


async def test_whatsapp_template_check_accepts_numbered_and_named_placeholders() -> None:
    """check(template_id, placeholders) passes an approved template with fitting placeholders."""
    fake = Fake({("GET", f"{WA_TEMPLATES}/42"): respond(200, UC003_ITEM)})
    async with async_client(fake) as client:
        ok = await client.whatsapp.templates.check(42, {"1": "Ada", "2": "A-1", "3": "lunedì"})
        assert ok.id == 42
        await client.whatsapp.templates.check(42, {"name": "Ada", "order": "A-1", "date": "lunedì"})


async def test_whatsapp_template_check_refuses_before_a_send() -> None:
    """check raises ValidationError for a pending template, or for missing placeholders."""
    fake = Fake(
        {
            ("GET", f"{WA_TEMPLATES}/42"): respond(200, UC003_ITEM),
            ("GET", f"{WA_TEMPLATES}/43"): respond(
                200, {**UC003_ITEM, "id": 43, "status": "PENDING"}
            ),
        }
    )
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError):
            await client.whatsapp.templates.check(43, {"1": "a", "2": "b", "3": "c"})
        with pytest.raises(qlara.ValidationError):
            await client.whatsapp.templates.check(42, {"1": "only one"})


# -- §3.1.7 RCS templates -------------------------------------------------------------------------


async def test_rcs_templates_crud_paths_and_bodies() -> None:
    """list GET, get GET /{id}, create POST {name, description, type, body}, update PUT, delete."""
    stored = {
        "id": 7,
        "name": "welcome",
        "description": "hello",
        "type": "TEXT",
        "body": {"text": "Hi {name}"},
    }
    fake = Fake(
        {
            ("GET", RCS_TEMPLATES): _one_page([stored]),
            ("GET", f"{RCS_TEMPLATES}/7"): respond(200, stored),
            ("POST", RCS_TEMPLATES): respond(201, stored),
            ("PUT", f"{RCS_TEMPLATES}/7"): respond(200, {**stored, "name": "welcome2"}),
            ("DELETE", f"{RCS_TEMPLATES}/7"): respond(204),
        }
    )
    async with async_client(fake) as client:
        listed = [t async for t in client.rcs.templates.list()]
        one = await client.rcs.templates.get(7)
        created = await client.rcs.templates.create(
            name="welcome", description="hello", type="TEXT", body=qlara.RcsText(text="Hi {name}")
        )
        updated = await client.rcs.templates.update(
            7,
            name="welcome2",
            description="hello",
            type="TEXT",
            body=qlara.RcsText(text="Hi {name}"),
        )
        await client.rcs.templates.delete(7)
    assert [t.id for t in listed] == [7]
    assert isinstance(one, qlara.RcsTemplate)
    assert one.type == "TEXT"
    assert isinstance(one.body, qlara.RcsText)
    assert one.body.text == "Hi {name}"
    post = fake.to("POST", RCS_TEMPLATES)[0]
    assert post.json == {
        "name": "welcome",
        "description": "hello",
        "type": "TEXT",
        "body": {"text": "Hi {name}"},
    }
    assert created.id == 7
    assert fake.to("PUT", f"{RCS_TEMPLATES}/7")[0].json["name"] == "welcome2"
    assert updated.name == "welcome2"


async def test_rcs_template_create_with_a_dict_card_body() -> None:
    """A CARD template with §5.3's body given as a dict is sent as given."""
    card = {
        "cardOrientation": "VERTICAL",
        "thumbnailAlignment": "LEFT",
        "card": {
            "title": "T",
            "description": "D",
            "media": {"height": "TALL", "fileUrl": "https://x.example/a.jpg"},
        },
        "fallbackSms": {"sender": "AZIENDA", "text": "fallback"},
    }
    fake = Fake(
        {
            ("POST", RCS_TEMPLATES): respond(
                201, {"id": 8, "name": "c", "type": "CARD", "body": card}
            )
        }
    )
    async with async_client(fake) as client:
        template = await client.rcs.templates.create(
            name="c", description="card", type="CARD", body=card
        )
    assert fake.only().json["body"] == card
    assert isinstance(template.body, qlara.RcsCard)


async def test_rcs_template_update_with_only_the_changed_field() -> None:
    """design §10 ``update(id, ...)``: only the description given; the PUT sends the whole template.

    §3.1.7's update is a PUT (the whole template, as the create body): the
    stored template is read and sent back with the description changed.
    """
    stored = {
        "id": 7,
        "name": "welcome",
        "description": "old",
        "type": "TEXT",
        "body": {"text": "Hi", "suggestions": [{"type": "reply", "text": "Ok"}]},
    }
    fake = Fake(
        {
            ("GET", f"{RCS_TEMPLATES}/7"): respond(200, stored),
            ("PUT", f"{RCS_TEMPLATES}/7"): respond(200, {**stored, "description": "new"}),
        }
    )
    async with async_client(fake) as client:
        updated = await client.rcs.templates.update(7, description="new")
    assert updated.description == "new"
    assert [c.method for c in fake.calls] == ["GET", "PUT"]
    assert fake.calls[1].json == {
        "name": "welcome",
        "description": "new",
        "type": "TEXT",
        "body": {"text": "Hi", "suggestions": [{"type": "reply", "text": "Ok"}]},
    }


async def test_rcs_template_update_with_everything_given_sends_only_the_put() -> None:
    """Given name, description and body, update PUTs them at once: nothing to read first."""
    stored = {"id": 7, "name": "w", "description": "d", "type": "TEXT", "body": {"text": "Hi"}}
    fake = Fake({("PUT", f"{RCS_TEMPLATES}/7"): respond(200, stored)})
    async with async_client(fake) as client:
        await client.rcs.templates.update(
            7, name="w", description="d", body=qlara.RcsText(text="Hi")
        )
    assert fake.only().json == {
        "name": "w",
        "description": "d",
        "type": "TEXT",
        "body": {"text": "Hi"},
    }


async def test_rcs_template_update_with_nothing_to_change_is_refused() -> None:
    """update(id) alone, or a type without a body, is a ValidationError before any request."""
    fake = Fake()
    async with async_client(fake) as client:
        with pytest.raises(qlara.ValidationError) as nothing:
            await client.rcs.templates.update(7)
        with pytest.raises(qlara.ValidationError) as alone:
            await client.rcs.templates.update(7, type="CARD")
    assert nothing.value.field == "update"
    assert alone.value.field == "type"
    assert fake.calls == []


# -- §3.1.9 inbound media download ----------------------------------------------------------------


async def test_files_download_bytes_and_to_a_path(tmp_path: Path) -> None:
    """files.download(media_key) GETs /api/files/{mediaKey}: bytes, or the path given as ``to``."""
    fake = Fake(
        {
            ("GET", f"{API}/files/mk-123"): respond(
                200, content=b"JPEGDATA", headers={"Content-Type": "image/jpeg"}
            )
        }
    )
    target = tmp_path / "in.jpg"
    async with async_client(fake) as client:
        data = await client.files.download("mk-123")
        saved = await client.files.download("mk-123", to=target)
    assert data == b"JPEGDATA"
    assert Path(saved) == target
    assert target.read_bytes() == b"JPEGDATA"
    assert all(c.headers["x-api-key"] == "k" * 32 for c in fake.calls)


# -- §3.2.8 media library -------------------------------------------------------------------------


async def test_media_upload_multipart_fields_and_uc015_answer(tmp_path: Path) -> None:
    """media.upload(file, name=, description=, folder_id=) sends those multipart fields."""
    path = tmp_path / "logo.png"
    path.write_bytes(PNG)
    fake = Fake({("POST", MEDIA): respond(200, UC015)})
    async with async_client(fake) as client:
        item = await client.media.upload(path, name="logo", description="Company logo", folder_id=3)
    call = fake.only()
    assert call.headers["content-type"].startswith("multipart/form-data")
    content = call.content
    assert b'name="file"' in content
    assert b'filename="logo.png"' in content
    for field, value in (
        (b"name", b"logo"),
        (b"description", b"Company logo"),
        (b"folderId", b"3"),
    ):
        assert b'name="' + field + b'"\r\n\r\n' + value in content
    assert isinstance(item, qlara.MediaItem)
    assert item.id == "med_abc123"
    assert item.url == "https://cdn.qlara.test/med_abc123.png"
    assert item.mime_type == "image/png"
    assert (item.size, item.width, item.height) == (72, 1440, 720)
    assert item.created_at == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)


async def test_media_upload_bytes_and_file_object() -> None:
    """Uploads take bytes or a binary file object as well as a path (§9)."""
    import io

    fake = Fake({("POST", MEDIA): respond(200, UC015)})
    async with async_client(fake) as client:
        await client.media.upload(PNG, name="logo.png")
        await client.media.upload(io.BytesIO(PNG), name="logo.png")
    assert len(fake.calls) == 2
    assert all(PNG in c.content for c in fake.calls)


async def test_media_item_exposes_media_id_under_its_wire_name() -> None:
    """UC-015's answer names the id ``mediaId``: a user reads ``item.media_id``."""
    fake = Fake({("POST", MEDIA): respond(200, UC015)})
    async with async_client(fake) as client:
        item = await client.media.upload(PNG, name="logo.png")
    assert item.media_id == "med_abc123"


async def test_media_list_and_delete() -> None:
    """media.list() GETs /media (pages); media.delete(id) DELETEs /media/{id} (204)."""
    fake = Fake(
        {("GET", MEDIA): _one_page([UC015]), ("DELETE", f"{MEDIA}/med_abc123"): respond(204)}
    )
    async with async_client(fake) as client:
        items = [m async for m in client.media.list()]
        await client.media.delete("med_abc123")
    assert [m.id for m in items] == ["med_abc123"]
    assert fake.calls[-1].method == "DELETE"


async def test_media_delete_404() -> None:
    """DELETE of a missing item answers 404: NotFoundError."""
    fake = Fake({("DELETE", f"{MEDIA}/x"): respond(404, {"status": 404, "message": "not found"})})
    async with async_client(fake) as client:
        with pytest.raises(qlara.NotFoundError):
            await client.media.delete("x")


# -- §3.2.7 inbox ---------------------------------------------------------------------------------

CONVERSATION = {
    "chatId": "chat-1",
    "channel": "WHATSAPP",
    "assignee": {"id": 7, "displayName": "Eva"},
    "unreadCount": 2,
    "lastMessage": {"text": "Ciao", "timestamp": "2026-04-09T10:30:00Z"},
}


async def test_inbox_list_query_names() -> None:
    """inbox.list(date_from=, channel_ids=, unread_only=, order_by=) sends the documented names."""
    fake = Fake({("GET", INBOX): _one_page([CONVERSATION])})
    since = datetime(2026, 4, 1, tzinfo=timezone.utc)
    async with async_client(fake) as client:
        chats = [
            c
            async for c in client.inbox.list(
                date_from=since, channel_ids=[1, 2], unread_only=True, order_by="-lastMessageDate"
            )
        ]
    query = fake.calls[0].query
    assert datetime.fromisoformat(query["dateFrom"].replace("Z", "+00:00")) == since
    assert query["channelIds"] == "1,2"
    assert query["unreadOnly"] == "true"
    assert query["orderBy"] == "-lastMessageDate"
    (chat,) = chats
    assert isinstance(chat, qlara.Conversation)
    assert chat.id == "chat-1"
    assert chat.unread_count == 2
    assert chat.channel is qlara.Channel.WHATSAPP
    assert chat.assignee is not None
    assert chat.assignee.id == 7


async def test_inbox_get_and_messages_range() -> None:
    """inbox.get(chat_id) GETs /{chatId}; messages(chat_id, id_from=, id_to=) sends idFrom/idTo."""
    message = {
        "id": 11,
        "direction": "INBOUND",
        "timestamp": "2026-04-09T10:30:00Z",
        "content": {"text": "hi"},
        "status": "READ",
    }
    fake = Fake(
        {
            ("GET", f"{INBOX}/chat-1"): respond(200, CONVERSATION),
            ("GET", f"{INBOX}/chat-1/messages"): _one_page([message]),
        }
    )
    async with async_client(fake) as client:
        chat = await client.inbox.get("chat-1")
        messages = [m async for m in client.inbox.messages("chat-1", id_from=10, id_to=20)]
    assert chat.id == "chat-1"
    query = fake.to("GET", f"{INBOX}/chat-1/messages")[0].query
    assert (query["idFrom"], query["idTo"]) == ("10", "20")
    (item,) = messages
    assert isinstance(item, qlara.InboxMessage)
    assert item.id == 11
    assert item.direction == "INBOUND"
    assert item.text == "hi"


async def test_inbox_reply_202_and_state_changes() -> None:
    """reply POSTs /reply (202, empty); read/archive/unarchive PATCH; assign POST {userId} 204."""
    fake = Fake(
        {
            ("POST", f"{INBOX}/reply"): respond(202),
            ("PATCH", f"{INBOX}/chat-1/read"): respond(200),
            ("PATCH", f"{INBOX}/chat-1/archive"): respond(200),
            ("PATCH", f"{INBOX}/chat-1/unarchive"): respond(200),
            ("POST", f"{INBOX}/chat-1/assignee"): respond(204),
            ("DELETE", f"{INBOX}/chat-1/assignee"): respond(204),
        }
    )
    async with async_client(fake) as client:
        reply = await client.inbox.reply("chat-1", "Grazie!")
        await client.inbox.mark_read("chat-1")
        await client.inbox.archive("chat-1")
        await client.inbox.unarchive("chat-1")
        await client.inbox.assign("chat-1", 7)
        await client.inbox.unassign("chat-1")
    assert isinstance(reply, qlara.InboxReply)
    first = fake.calls[0]
    assert first.json is not None
    assert "chat-1" in first.json.values()
    assert "Grazie!" in first.json.values()
    assert [(c.method, c.path.rsplit("/", 1)[-1]) for c in fake.calls[1:]] == [
        ("PATCH", "read"),
        ("PATCH", "archive"),
        ("PATCH", "unarchive"),
        ("POST", "assignee"),
        ("DELETE", "assignee"),
    ]
    assert fake.calls[4].json == {"userId": 7}


async def test_inbox_assignable_users() -> None:
    """assignable_users() GETs /inbox/conversations/assignable-users: id, display name, avatar."""
    users = [{"id": 7, "displayName": "Eva", "avatarUrl": "https://x.example/e.png"}]
    fake = Fake({("GET", f"{INBOX}/assignable-users"): _one_page(users)})
    async with async_client(fake) as client:
        found = [u async for u in client.inbox.assignable_users()]
    (user,) = found
    assert isinstance(user, qlara.AssignableUser)
    assert (user.id, user.name, user.avatar_url) == (7, "Eva", "https://x.example/e.png")


async def test_inbox_assign_404_and_assignable_users_502_retry() -> None:
    """A 404 on assign is NotFoundError; a 502 on assignable-users (doc: retry) is retried."""
    fake = Fake(
        {
            ("POST", f"{INBOX}/chat-9/assignee"): respond(
                404, {"status": 404, "message": "no chat"}
            ),
            ("GET", f"{INBOX}/assignable-users"): [respond(502, {"status": 502}), respond(200, [])],
        }
    )
    async with async_client(
        fake, retry_policy=qlara.RetryPolicy(initial_backoff=0, max_backoff=0)
    ) as client:
        with pytest.raises(qlara.NotFoundError):
            await client.inbox.assign("chat-9", 7)
        assert [u async for u in client.inbox.assignable_users()] == []


def test_sync_channel_calls() -> None:
    """The blocking client lists phone numbers and uploads media the same way."""
    fake = Fake(
        {
            ("GET", PHONES): _one_page({"phoneNumbers": [UC025_ITEM]}),
            ("POST", MEDIA): respond(200, UC015),
        }
    )
    with sync_client(fake) as client:
        numbers = list(client.whatsapp.phone_numbers.list())
        page = client.whatsapp.phone_numbers.list().first_page()
        item = client.media.upload(PNG, name="logo.png")
    assert [n.id for n in numbers] == ["waba-num-001"]
    assert isinstance(page, qlara.Page)
    assert page.items[0].id == "waba-num-001"
    assert item.id == "med_abc123"
