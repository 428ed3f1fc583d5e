"""The inbox: every endpoint on the wire, and conversations on the simulator."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

import qlara
from qlara.testing import Simulator
from tests.conftest import KEY
from tests.recording import Recorder, client_for

INBOX = "/api/partner-gateway/v1/inbox/conversations"
CUSTOMER = "+393401234567"


def sim_client(sim: Simulator) -> qlara.AsyncQlara:
    return qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None)


def _one_page(items: list[Any]) -> Any:
    return lambda r: {"data": items if r.url.params["page"] == "0" else []}


async def test_inbox_reads_on_the_wire() -> None:
    """list's dateFrom/channelIds/unreadOnly/orderBy, get by chatId, messages' idFrom/idTo."""
    conversation = {
        "chatId": "c-1",
        "channel": "WHATSAPP",
        "unreadCount": 2,
        "lastMessage": {"text": "Hi", "timestamp": "2026-04-09T10:30:00Z"},
        "assignee": {"id": 7, "displayName": "Ada"},
    }
    message = {"id": 11, "direction": "inbound", "timestamp": "2026-04-09T10:30:00Z", "text": "Hi"}
    recorder = Recorder(
        {
            ("GET", INBOX): _one_page([conversation]),
            ("GET", f"{INBOX}/c-1"): conversation,
            ("GET", f"{INBOX}/c-1/messages"): _one_page([message]),
            ("GET", f"{INBOX}/assignable-users"): _one_page([{"userId": 7, "name": "Ada"}]),
        }
    )
    since = datetime(2026, 4, 1, tzinfo=timezone.utc)
    async with client_for(recorder) as client:
        listed = await client.inbox.list(
            date_from=since, channel_ids=[3, 4], unread_only=True, order_by="-lastMessageDate"
        ).to_list()
        assert recorder.query(0) == {
            "dateFrom": "2026-04-01T00:00:00+00:00",
            "channelIds": "3,4",
            "unreadOnly": "true",
            "orderBy": "-lastMessageDate",
            "limit": "100",
            "page": "0",
        }
        one = await client.inbox.get("c-1")
        messages = await client.inbox.messages("c-1", id_from=10, id_to=20, limit=5).to_list()
        assert recorder.query(3) == {"idFrom": "10", "idTo": "20", "limit": "5", "page": "0"}
        users = await client.inbox.assignable_users().to_list()
    assert listed[0].id == "c-1"
    assert (one.chat_id, listed[0].chat_id) == ("c-1", "c-1")
    assert one.channel is qlara.Channel.WHATSAPP
    assert one.unread_count == 2
    assert one.last_message == "Hi"
    assert one.last_message_date == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)
    assert one.assignee == qlara.AssignableUser(id=7, name="Ada")
    assert one.assignee.display_name == "Ada"
    assert users[0].display_name == users[0].name == "Ada"
    assert messages[0].direction == "INBOUND"
    assert messages[0].text == "Hi"
    assert users[0].id == 7


async def test_inbox_writes_on_the_wire() -> None:
    """reply POSTs {chatId, text}; read/archive/unarchive PATCH; assign POSTs {userId}..."""
    recorder = Recorder(
        {
            ("POST", f"{INBOX}/reply"): httpx.Response(202),
            ("PATCH", f"{INBOX}/c-1/read"): None,
            ("PATCH", f"{INBOX}/c-1/archive"): None,
            ("PATCH", f"{INBOX}/c-1/unarchive"): None,
            ("POST", f"{INBOX}/c-1/assignee"): None,
            ("DELETE", f"{INBOX}/c-1/assignee"): None,
        }
    )
    async with client_for(recorder) as client:
        answer = await client.inbox.reply("c-1", "On its way!", extra_body={"type": "TEXT"})
        assert recorder.body() == {"chatId": "c-1", "text": "On its way!", "type": "TEXT"}
        await client.inbox.reply("c-1", media_url="https://cdn.test/a.png")
        assert recorder.body() == {"chatId": "c-1", "mediaUrl": "https://cdn.test/a.png"}
        await client.inbox.mark_read("c-1")
        await client.inbox.archive("c-1")
        await client.inbox.unarchive("c-1")
        await client.inbox.assign("c-1", 7)
        assert recorder.body() == {"userId": 7}
        await client.inbox.unassign("c-1")
    calls = [(r.method, r.url.path.removeprefix(INBOX)) for r in recorder.requests]
    assert calls == [
        ("POST", "/reply"),
        ("POST", "/reply"),
        ("PATCH", "/c-1/read"),
        ("PATCH", "/c-1/archive"),
        ("PATCH", "/c-1/unarchive"),
        ("POST", "/c-1/assignee"),
        ("DELETE", "/c-1/assignee"),
    ]
    assert answer == qlara.InboxReply()


@pytest.mark.parametrize(
    ("answer", "message_id"),
    [
        (httpx.Response(202, text="Accepted"), None),
        (httpx.Response(202, json="queued"), None),
        (httpx.Response(202, json=["m-1"]), None),
        (httpx.Response(202, json={"messageId": 991}), "991"),
        (httpx.Response(200, json={"data": {"id": "m-2"}}), "m-2"),
    ],
)
async def test_any_2xx_answer_to_a_reply_is_an_accepted_reply(
    answer: httpx.Response, message_id: str | None
) -> None:
    """A 202 with a text ack or a bare JSON value is accepted, never a MalformedResponseError."""
    recorder = Recorder({("POST", f"{INBOX}/reply"): answer})
    async with client_for(recorder) as client:
        reply = await client.inbox.reply("c-1", "Hi")
    assert reply.message_id == message_id
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.inbox.reply("c-1"), "text"),
        (lambda c: c.inbox.reply("c-1", " "), "text"),
        (lambda c: c.inbox.reply("c-1", media_url="http://x"), "media_url"),
        (lambda c: c.inbox.reply(None, "x"), "chat_id"),
        (lambda c: c.inbox.assign("c-1", True), "user_id"),
    ],
)
async def test_inbox_arguments_are_checked(call: Any, field: str) -> None:
    """Nothing to say, a bad URL or id: ValidationError naming it, nothing sent."""
    recorder = Recorder()
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await call(client)
    assert caught.value.field == field
    assert recorder.requests == []


async def test_inbox_listings_check_their_arguments_at_the_call() -> None:
    """A bad filter raises when the pager is made, not on the first iteration."""
    async with client_for(Recorder()) as client:
        with pytest.raises(qlara.ValidationError, match="timezone-aware"):
            client.inbox.list(date_from=datetime(2026, 4, 1))
        with pytest.raises(qlara.ValidationError, match="channel_ids"):
            client.inbox.list(channel_ids="3,4")
        with pytest.raises(qlara.ValidationError, match="id_from"):
            client.inbox.messages("c", id_from=1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [datetime(2026, 4, 1), 20260401, ""], ids=["naive", "number", "empty"]
)
def test_a_bad_date_from_is_named_by_its_argument(value: Any) -> None:
    """A naive time or a non-date is refused as 'date_from' (the argument), not 'dateFrom'."""
    client = qlara.Qlara(KEY, transport=httpx.MockTransport(Recorder()), rate_limit=None)
    with client, pytest.raises(qlara.ValidationError) as caught:
        client.inbox.list(date_from=value)
    assert caught.value.field == "date_from"


async def test_conversations_read_other_spellings_of_their_fields() -> None:
    """An unread counter, a contact object, a channel object and "false" are read, not dropped."""
    conversation = {
        "id": 9,
        "channel": {"id": 3, "type": "rcs"},
        "unreadCounter": 4,
        "contact": {"name": "Bob", "phoneNumber": "+393401234567"},
        "archived": "false",
    }
    conversation["lastMessage"] = {"text": "Hello", "receivedDate": "2026-04-09T10:30:00Z"}
    message = {"id": 1, "content": {"type": "TEXT", "body": "Hello"}, "sentAt": 1775730600}
    recorder = Recorder(
        {
            ("GET", INBOX): [conversation],
            ("GET", f"{INBOX}/9/messages"): _one_page([message]),
        }
    )
    async with client_for(recorder) as client:
        chat = (await client.inbox.list().first_page()).items[0]
        said = (await client.inbox.messages(chat.id).first_page()).items[0]
    assert chat.channel is qlara.Channel.RCS
    assert chat.unread_count == 4
    assert chat.contact == "+393401234567"
    assert chat.archived is False
    assert chat.raw == conversation
    assert said.text == "Hello"
    assert said.timestamp == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)
    assert chat.last_message_date == datetime(2026, 4, 9, 10, 30, tzinfo=timezone.utc)


async def test_inbound_messages_become_conversations_on_the_simulator() -> None:
    """Two messages from one customer are one conversation, unread 2, newest first in the list."""
    sim = Simulator()
    sim.inject_inbound(CUSTOMER, "Hi")
    sim.advance(60)
    sim.inject_inbound(CUSTOMER, "Is my order shipped?")
    sim.advance(60)
    sim.inject_inbound("+393409999999", "STOP", channel="RCS")
    async with sim_client(sim) as client:
        conversations = await client.inbox.list(limit=1).to_list()
        unread = await client.inbox.list(unread_only=True, order_by="+lastMessageDate").to_list()
        chat = conversations[1]
        messages = await client.inbox.messages(chat.id).to_list()
        bounded = await client.inbox.messages(chat.id, id_from=messages[1].id).to_list()
        await client.inbox.mark_read(chat.id)
        after = await client.inbox.get(chat.id)
        whatsapp = await client.inbox.list(channel_ids=[1]).to_list()
    assert [c.contact for c in conversations] == ["+393409999999", CUSTOMER]
    assert [c.contact for c in unread] == [CUSTOMER, "+393409999999"]
    assert chat.unread_count == 2
    assert chat.last_message == "Is my order shipped?"
    assert [m.text for m in messages] == ["Hi", "Is my order shipped?"]
    assert [m.direction for m in messages] == ["INBOUND", "INBOUND"]
    assert [m.text for m in bounded] == ["Is my order shipped?"]
    assert after.unread_count == 0
    assert [c.id for c in whatsapp] == [chat.id]


async def test_a_reply_inside_the_window_is_accepted_and_refused_after_it() -> None:
    """A WhatsApp reply within 24 h of the customer's message is 202; after, a 400."""
    sim = Simulator()
    sim.inject_inbound(CUSTOMER, "Hi")
    async with sim_client(sim) as client:
        chat = (await client.inbox.list().first_page()).items[0]
        sim.advance(23 * 3600)
        answer = await client.inbox.reply(chat.id, "Hello! How can I help?")
        sim.advance(2 * 3600)
        with pytest.raises(qlara.BadRequestError, match="24-hour"):
            await client.inbox.reply(chat.id, "Still there?")
        sim.inject_inbound(CUSTOMER, "Yes")
        await client.inbox.reply(chat.id, "Great")
        texts = [(m.direction, m.text) async for m in client.inbox.messages(chat.id)]
        with pytest.raises(qlara.NotFoundError):
            await client.inbox.reply(999, "x")
    assert answer.message_id is not None
    assert answer.status == "ACCEPTED"
    assert texts == [
        ("INBOUND", "Hi"),
        ("OUTBOUND", "Hello! How can I help?"),
        ("INBOUND", "Yes"),
        ("OUTBOUND", "Great"),
    ]


async def test_archive_and_assignment_on_the_simulator() -> None:
    """Archive/unarchive flip the flag; assign sets the assignee, unassign clears it; 404 users."""
    sim = Simulator()
    sim.inject_inbound(CUSTOMER, "Hi")
    async with sim_client(sim) as client:
        chat = (await client.inbox.list().first_page()).items[0]
        users = await client.inbox.assignable_users().to_list()
        await client.inbox.archive(chat.id)
        archived = await client.inbox.get(chat.id)
        await client.inbox.unarchive(chat.id)
        await client.inbox.assign(chat.id, users[0].id)
        assigned = await client.inbox.get(chat.id)
        with pytest.raises(qlara.NotFoundError):
            await client.inbox.assign(chat.id, 4242)
        await client.inbox.unassign(chat.id)
        await client.inbox.unassign(chat.id)
        cleared = await client.inbox.get(chat.id)
    assert archived.archived is True
    assert assigned.archived is False
    assert assigned.assignee is not None
    assert assigned.assignee.name == users[0].name
    assert cleared.assignee is None
    assert sim.conversation(CUSTOMER)["assignee"] is None


def test_the_sync_inbox() -> None:
    """qlara.Qlara's inbox lists, replies and pages like the async one."""
    sim = Simulator()
    sim.inject_inbound(CUSTOMER, "Hi")
    with qlara.Qlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        chat = next(iter(client.inbox.list()))
        reply = client.inbox.reply(chat.id, "Hello")
        assert [m.text for m in client.inbox.messages(chat.id)] == ["Hi", "Hello"]
        client.inbox.mark_read(chat.id)
        assert client.inbox.get(chat.id).unread_count == 0
    assert reply.status == "ACCEPTED"
