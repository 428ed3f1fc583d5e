"""The issue's user flow end to end: number, template, approval, checked send, card, reply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

import qlara
from qlara import webhooks
from qlara.testing import Simulator
from tests.conftest import KEY
from tests.recording import Recorder, client_for
from tests.test_media import tiny_png

CUSTOMER = "+393401234567"
PHOTO = b"\xff\xd8\xff\xe0 a customer's photo"


async def test_the_flow_on_the_simulator(tmp_path: Path) -> None:
    """Every step of the README's walkthrough works against the simulator."""
    sim = Simulator()
    sim.review_templates(after=15 * 60)  # Meta answers a quarter of an hour later
    async with qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        # 1. pick a sender number
        numbers = [n async for n in client.whatsapp.phone_numbers.list()]
        number = next(n for n in numbers if n.status == "ACTIVE")
        # 2. create a template and 3. wait for its approval
        template = await client.whatsapp.templates.create(
            phone_number_id=number.id,
            name="order_shipped",
            lang="en",
            category="UTILITY",
            body="Hi {name}, order {order} has shipped",
        )
        waited = 0
        while (await client.whatsapp.templates.get(template.id)).status == "PENDING":
            sim.advance(60)  # in production: await anyio.sleep(60)
            waited += 1
        # 4. send with it, checked first
        sent = await client.whatsapp.send(
            destination=CUSTOMER,
            phone_number_id=number.id,
            template=qlara.WhatsAppTemplate(id=template.id),
            placeholders={"name": "Ada", "order": "A-1042"},
            check_template=True,
        )
        # 5. upload a card image and send it on RCS
        image = await client.media.upload(tiny_png(), name="autumn-sale")
        assert image.url is not None
        card = qlara.RcsCard(title="Autumn sale", media=qlara.RcsMedia(file_url=image.url))
        rcs = await client.rcs.send(destination=CUSTOMER, agent_id=10, body=card)
        # 6. the customer answers with a photo; download it
        event = webhooks.parse(sim.inject_inbound(CUSTOMER, media=PHOTO))
        assert isinstance(event, webhooks.InboundEvent)
        assert event.media_key is not None
        saved = await client.files.download(event.media_key, to=tmp_path / "photo.jpg")
        # 7. reply in the inbox
        chat = (await client.inbox.list(unread_only=True).first_page()).items[0]
        reply = await client.inbox.reply(chat.id, "Thanks, we got your photo!")
        await client.inbox.mark_read(chat.id)
        history = [(m.direction, m.text, m.media_key) async for m in client.inbox.messages(chat.id)]
    assert waited == 15
    assert sent.accepted
    assert rcs.accepted
    assert sim.message(rcs.message_id).body["body"]["body"]["card"]["media"]["fileUrl"] == image.url
    assert (tmp_path / "photo.jpg").read_bytes() == PHOTO
    assert saved == tmp_path / "photo.jpg"
    assert reply.status == "ACCEPTED"
    assert history == [
        ("INBOUND", None, event.media_key),
        ("OUTBOUND", "Thanks, we got your photo!", None),
    ]


def test_the_flow_with_the_sync_client(tmp_path: Path) -> None:
    """The same steps through qlara.Qlara."""
    sim = Simulator()
    with qlara.Qlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        number = client.whatsapp.phone_numbers.list().first_page().items[0]
        template = client.whatsapp.templates.create(
            phone_number_id=number.id, name="hi", lang="en", category="UTILITY", body="Hi {name}"
        )
        sim.approve_template(int(template.id))
        client.whatsapp.templates.check(template.id, {"name": "Ada"})
        sent = client.whatsapp.send(
            destination=CUSTOMER,
            phone_number_id=number.id,
            template=qlara.WhatsAppTemplate(id=template.id),
            placeholders={"name": "Ada"},
            check_template=True,
        )
        image = client.media.upload(tiny_png())
        key = sim.inject_inbound(CUSTOMER, media=PHOTO)["mediaKey"]
        photo = client.files.download(key)
        chat = next(iter(client.inbox.list()))
        client.inbox.reply(chat.id, "Thanks!")
        users = client.inbox.assignable_users().to_list()
        client.inbox.assign(chat.id, users[0].id)
    assert sent.accepted
    assert image.mime_type == "image/png"
    assert photo == PHOTO


def _platform(request: httpx.Request) -> Any:
    """Answers in the documentation's own shapes (UC-003, UC-015, UC-025, 202 for a reply)."""
    path = request.url.path
    if path.endswith("/phone-numbers"):
        page: list[dict[str, Any]] = [{"phoneNumberId": "waba-num-001", "status": "ACTIVE"}]
        return {"phoneNumbers": page if request.url.params["page"] == "0" else []}
    if path.endswith("/whatsapp/templates") and request.method == "POST":
        return {"id": 42, "name": "order_shipped", "language": "it", "status": "PENDING"}
    if path.endswith("/whatsapp/templates/42"):
        body = {"type": "BODY", "text": "Ciao {{1}}, ordine {{2}}"}
        return {"id": 42, "status": "APPROVED", "components": [body]}
    if path.endswith(("/whatsapp/send", "/rcs/send")):
        channel = "whatsapp" if "whatsapp" in path else "rcs"
        message_id = json.loads(request.content)["messageId"]
        return {"messageId": message_id, "results": {channel: {"accepted": True}}}
    if path.endswith("/media"):
        return {"mediaId": "med_1", "url": "https://cdn.test/med_1.png", "mimeType": "image/png"}
    if path.startswith("/api/files/"):
        return httpx.Response(200, content=PHOTO)
    if path.endswith("/inbox/conversations"):
        chats: list[dict[str, Any]] = [{"chatId": 77, "channel": "WHATSAPP", "unreadCount": 1}]
        return {"data": chats if request.url.params["page"] == "0" else []}
    if path.endswith("/reply"):
        return httpx.Response(202)
    return httpx.Response(404, json={"status": 404, "message": f"no {path}"})


async def test_the_flow_against_the_documented_shapes() -> None:
    """The same steps on a MockTransport answering as the documentation shows."""
    recorder = Recorder()

    def handler(request: httpx.Request) -> httpx.Response:
        recorder(request)
        answer = _platform(request)
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    async with client_for(handler) as client:
        number = (await client.whatsapp.phone_numbers.list().first_page()).items[0]
        template = await client.whatsapp.templates.create(
            phone_number_id=number.id,
            name="order_shipped",
            lang="it",
            category="UTILITY",
            body="Ciao {name}, ordine {order}",
        )
        assert (await client.whatsapp.templates.get(template.id)).is_approved
        await client.whatsapp.send(
            destination=CUSTOMER,
            phone_number_id=number.id,
            template=qlara.WhatsAppTemplate(id=template.id),
            placeholders={"name": "Ada", "order": "A1"},
            check_template=True,
        )
        image = await client.media.upload(tiny_png())
        photo = await client.files.download("mk_1")
        chat = (await client.inbox.list().first_page()).items[0]
        await client.inbox.reply(chat.id, "Grazie!")
    steps = [f"{r.method} {r.url.path.removeprefix('/api')}" for r in recorder.requests]
    assert steps == [
        "GET /message-server/whatsapp/phone-numbers",
        "POST /message-server/whatsapp/templates",
        "GET /message-server/whatsapp/templates/42",
        "POST /message-server/whatsapp/send",
        "POST /partner-gateway/v1/media",
        "GET /files/mk_1",
        "GET /partner-gateway/v1/inbox/conversations",
        "POST /partner-gateway/v1/inbox/conversations/reply",
    ]
    assert recorder.query(1) == {"phoneNumberId": "waba-num-001"}
    assert json.loads(recorder.requests[3].content)["phoneNumberId"] == "waba-num-001"
    assert json.loads(recorder.requests[-1].content) == {"chatId": 77, "text": "Grazie!"}
    assert image.id == "med_1"
    assert photo == PHOTO
