"""WhatsApp sender numbers and templates: wire shapes, both dialects, checks, the simulator."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara._models.templates import template_tokens
from qlara._resources._channel_wire import parse_phone_number, parse_whatsapp_template
from qlara._resources._template_check import TemplateCache, check_template
from qlara._resources.whatsapp_templates import AsyncWhatsAppTemplates
from qlara.testing import Simulator
from qlara.testing._assets import SimTemplate
from qlara.testing._templates import render_template
from tests.conftest import DESTINATION, KEY
from tests.recording import Recorder, client_for

BASE = "/api/message-server/whatsapp"
UC003 = {
    "id": 42,
    "name": "order_shipped",
    "language": "it",
    "category": "UTILITY",
    "status": "APPROVED",
    "components": [
        {"type": "HEADER", "format": "IMAGE"},
        {"type": "BODY", "text": "Ciao {{1}}, il tuo ordine {{2}} arriva il {{3}}"},
        {"type": "FOOTER", "text": "Grazie"},
        {
            "type": "BUTTONS",
            "buttons": [{"type": "URL", "text": "Traccia", "url": "https://t/{{4}}"}],
        },
    ],
}


def sim_client(sim: Simulator) -> qlara.AsyncQlara:
    return qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None)


async def test_phone_numbers_list_and_get_on_the_wire() -> None:
    """list() pages with limit/page over {"phoneNumbers": [...]}; get() reads one by id."""
    item = {"phoneNumberId": "waba-num-001", "phoneNumber": "+390212345678", "status": "ACTIVE"}
    recorder = Recorder(
        {
            ("GET", f"{BASE}/phone-numbers"): lambda r: {
                "phoneNumbers": [item] if r.url.params["page"] == "0" else []
            },
            ("GET", f"{BASE}/phone-numbers/waba-num-001"): item,
        }
    )
    async with client_for(recorder) as client:
        numbers = await client.whatsapp.phone_numbers.list(limit=10).to_list()
        one = await client.whatsapp.phone_numbers.get("waba-num-001")
    assert [n.id for n in numbers] == ["waba-num-001"]
    assert numbers[0].phone_number == "+390212345678"
    assert numbers[0].raw == item
    assert recorder.query(0) == {"limit": "10", "page": "0"}
    assert recorder.query(1) == {"limit": "10", "page": "1"}
    assert one.id == one.phone_number_id == "waba-num-001"
    assert recorder.last.method == "GET"


@pytest.mark.parametrize("value", ["", "  ", True, 1.5, None])
async def test_a_blank_or_odd_phone_number_id_is_refused_before_sending(value: Any) -> None:
    """get(" ") and templates.list(phone_number_id=" ") raise ValidationError, sending nothing."""
    recorder = Recorder()
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.whatsapp.phone_numbers.get(value)
        if value is not None:
            with pytest.raises(qlara.ValidationError):
                client.whatsapp.templates.list(phone_number_id=value)
    assert caught.value.field == "phone_number_id"
    assert recorder.requests == []


def test_a_phone_number_prefers_id_over_phone_number_id() -> None:
    """The Postman collection says the item's ``id`` is what a send takes (D7)."""
    assert parse_phone_number({"id": 5, "phoneNumberId": "1093"}).id == 5
    with pytest.raises(qlara.MalformedResponseError, match="phoneNumberId"):
        parse_phone_number({"phoneNumber": "+39"})


async def test_phone_numbers_page_across_boundaries_on_the_simulator() -> None:
    """Five numbers at two a page come back in order, the pager stopping at the empty page."""
    sim = Simulator()
    for n in range(4):
        sim.add_phone_number(f"+39021234500{n}")
    async with sim_client(sim) as client:
        pager = client.whatsapp.phone_numbers.list(limit=2)
        numbers = [n.phone_number async for n in pager]
        first = await pager.first_page()
        one = await client.whatsapp.phone_numbers.get(first.items[0].id)
        with pytest.raises(qlara.NotFoundError):
            await client.whatsapp.phone_numbers.get(999)
    assert numbers == ["+390212345678", *(f"+39021234500{n}" for n in range(4))]
    assert first.has_more
    assert len(first) == 2
    assert one.status == "ACTIVE"


async def test_templates_endpoints_on_the_wire() -> None:
    """list filters, create's ?phoneNumberId= and create-dialect body, PATCH, DELETE, GET."""
    recorder = Recorder(
        {
            ("GET", f"{BASE}/templates"): lambda r: {
                "data": [UC003] if r.url.params["page"] == "0" else []
            },
            ("POST", f"{BASE}/templates"): {**UC003, "status": "PENDING"},
            ("PATCH", f"{BASE}/templates/42"): {**UC003, "status": "PENDING"},
            ("GET", f"{BASE}/templates/42"): UC003,
            ("DELETE", f"{BASE}/templates/42"): None,
        }
    )
    async with client_for(recorder) as client:
        templates = client.whatsapp.templates
        listed = await templates.list(status="approved", phone_number_id=5, limit=10).to_list()
        assert recorder.query(0) == {
            "status": "APPROVED",
            "phoneNumberId": "5",
            "limit": "10",
            "page": "0",
        }
        created = await templates.create(
            phone_number_id="waba-num-001",
            name="order_shipped",
            lang="it",
            category="utility",
            body="Ciao {name}, il tuo ordine {order} arriva",
            header_format="IMAGE",
            header_media_url="https://cdn.test/box.png",
            footer="Grazie",
            buttons=[qlara.WhatsAppButton(type="URL", text="Traccia", url="https://t/{order}")],
            placeholder_fields=[{"name": "shortLinkT1", "url": "https://shop.test"}],
            track_button_links=True,
        )
        assert recorder.last.method == "POST"
        assert recorder.query() == {"phoneNumberId": "waba-num-001"}
        assert recorder.body() == {
            "name": "order_shipped",
            "lang": "it",
            "category": "UTILITY",
            "body": "Ciao {name}, il tuo ordine {order} arriva",
            "headerFormat": "IMAGE",
            "headerMediaUrl": "https://cdn.test/box.png",
            "footer": "Grazie",
            "buttons": [{"type": "URL", "text": "Traccia", "url": "https://t/{order}"}],
            "placeholderFields": [{"name": "shortLinkT1", "url": "https://shop.test"}],
            "trackButtonLinks": True,
        }
        updated = await templates.update(42, footer="Ciao", extra_body={"x": 1})
        assert recorder.last.method == "PATCH"
        assert recorder.body() == {"footer": "Ciao", "x": 1}
        fetched = await templates.get(42)
        await templates.delete(42)
        assert recorder.last.method == "DELETE"
        assert recorder.last.url.path == f"{BASE}/templates/42"
    assert listed[0].id == 42
    assert created.status == updated.status == "PENDING"
    assert fetched.is_approved


def test_the_read_dialect_becomes_typed_components() -> None:
    """Meta's components read into HEADER/BODY/FOOTER/BUTTONS models with their {{n}} tokens."""
    template = parse_whatsapp_template(UC003)
    assert template.language == "it"
    assert template.category == "UTILITY"
    assert template.header is not None
    assert template.header.format == "IMAGE"
    assert template.body is not None
    assert template.body.placeholders == ("1", "2", "3")
    assert template.footer is not None
    assert template.footer.text == "Grazie"
    assert template.buttons[0].type == "URL"
    assert template.buttons[0].placeholders == ("4",)
    assert template.placeholders == ("1", "2", "3", "4")
    assert template.raw == UC003


def test_the_create_dialect_is_read_too() -> None:
    """An answer in the create dialect (lang, body, headerText) reads into the same components."""
    template = parse_whatsapp_template(
        {
            "id": "7",
            "name": "hello",
            "lang": "en",
            "status": "pending",
            "headerText": "Hi {first_name}",
            "body": "Your code is {code}",
            "footer": "Bye",
        }
    )
    assert template.language == "en"
    assert template.status == "PENDING"
    assert [c.type for c in template.components] == ["HEADER", "BODY", "FOOTER"]
    assert template.placeholders == ("first_name", "code")


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"body": "Ciao {{1}}"}, "body"),
        ({"header_text": "Hi {{1}}"}, "header_text"),
        ({"name": "Order Shipped"}, "name"),
        ({"category": "PROMO"}, "category"),
        ({"header_text": "Hi", "header_format": "IMAGE"}, "header_text"),
        ({"header_media_url": "https://x.test/a.png"}, "header_media_url"),
        ({"buttons": "no"}, "buttons"),
        ({"phone_number_id": True}, "phone_number_id"),
    ],
)
async def test_create_refuses_bad_arguments_before_sending(
    arguments: dict[str, Any], field: str
) -> None:
    """A read-dialect token, a bad name or category... raise ValidationError naming the field."""
    recorder = Recorder()
    base: dict[str, Any] = {
        "phone_number_id": 1,
        "name": "order_shipped",
        "lang": "it",
        "category": "UTILITY",
        "body": "Ciao {name}",
    }
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.whatsapp.templates.create(**{**base, **arguments})
    assert caught.value.field == field
    assert recorder.requests == []


async def test_update_needs_something_to_change() -> None:
    """An update with no field raises before sending."""
    async with client_for(Recorder()) as client:
        with pytest.raises(qlara.ValidationError, match="at least one"):
            await client.whatsapp.templates.update(42)


async def test_update_may_change_only_the_media_of_a_media_header() -> None:
    """header_media_url alone PATCHes just headerMediaUrl (the stored format stays); still https."""
    sim = Simulator()
    async with sim_client(sim) as client:
        number = (await client.whatsapp.phone_numbers.list().first_page()).items[0]
        made = await client.whatsapp.templates.create(
            phone_number_id=number.id,
            name="promo",
            lang="it",
            category="MARKETING",
            body="Offerta {name}",
            header_format="IMAGE",
            header_media_url="https://cdn.test/old.png",
        )
        edited = await client.whatsapp.templates.update(
            made.id, header_media_url="https://cdn.test/new.png"
        )
        with pytest.raises(qlara.ValidationError) as refused:
            await client.whatsapp.templates.update(made.id, header_media_url="http://x.test/a.png")
    assert refused.value.field == "header_media_url"
    assert edited.header is not None
    assert (edited.header.format, edited.header.media_url) == ("IMAGE", "https://cdn.test/new.png")
    assert edited.body is not None
    assert edited.body.text == "Offerta {{1}}"


def _details(status: str = "APPROVED", body: str = "Ciao {{1}}, ordine {{2}}") -> Any:
    return parse_whatsapp_template(
        {"id": 9, "name": "t", "status": status, "components": [{"type": "BODY", "text": body}]}
    )


@pytest.mark.parametrize(
    ("template", "placeholders", "message"),
    [
        (_details("PENDING"), {"a": "1", "b": "2"}, "is PENDING, not APPROVED"),
        (_details("REJECTED"), {"a": "1", "b": "2"}, "is REJECTED"),
        (_details(), {"a": "1"}, r"has 2 placeholder\(s\) \(\{\{1\}\}, \{\{2\}\}\), got 1"),
        (_details(), {"1": "x"}, "missing 2"),
        (_details(), {"1": "x", "2": "y", "3": "z"}, "unexpected 3"),
        (
            _details(body="Hi {name}, {code}"),
            {"name": "A", "cod": "1"},
            "missing code; unexpected cod",
        ),
        (_details(), {"1": "x", "2": " "}, "must not be empty"),
    ],
)
def test_the_template_check_refuses(template: Any, placeholders: Any, message: str) -> None:
    """Not approved (naming the status), too few/many, missing/unexpected names, empty values."""
    with pytest.raises(qlara.ValidationError, match=message):
        check_template(template, placeholders)


@pytest.mark.parametrize(
    ("template", "placeholders"),
    [
        (_details(), {"name": "Ada", "order": "A1"}),
        (_details(), {"1": "Ada", "2": "A1", "shortLinkT1": "https://shop.test"}),
        (_details(body="Hi {name}"), {"name": "Ada"}),
        (_details(body="No tokens"), None),
    ],
)
def test_the_template_check_accepts(template: Any, placeholders: Any) -> None:
    """Named values for numbered tokens by count, exact numbers, exact names, no tokens."""
    check_template(template, placeholders)


def _per_component(header: str, body: str, url: str | None = None) -> Any:
    components: list[dict[str, Any]] = [
        {"type": "HEADER", "format": "TEXT", "text": header},
        {"type": "BODY", "text": body},
    ]
    if url is not None:
        components.append({"type": "BUTTONS", "buttons": [{"type": "URL", "url": url}]})
    return parse_whatsapp_template({"id": 8, "status": "APPROVED", "components": components})


@pytest.mark.parametrize(
    ("placeholders", "fits"),
    [
        ({"order": "A1", "name": "Ada"}, True),
        ({"order": "A1", "name": "Ada", "code": "X"}, True),
        ({"name": "Ada"}, True),
        ({"a": "1", "b": "2", "c": "3", "d": "4"}, False),
    ],
)
def test_meta_numbers_each_component_from_one(placeholders: Any, fits: bool) -> None:
    """Header {{1}}, body {{1}}, button {{1}}: one to three named values fit, four do not."""
    template = _per_component("Order {{1}}", "Hi {{1}}", "https://t.test/{{1}}")
    if fits:
        check_template(template, placeholders)
    else:
        with pytest.raises(qlara.ValidationError, match="has 1 to 3 placeholder"):
            check_template(template, placeholders)


def test_empty_components_fall_back_to_the_written_fields() -> None:
    """An answer with "components": [] beside a create-dialect body still has its tokens."""
    answer = {"id": 3, "status": "APPROVED", "components": [], "body": "Hi {name}"}
    template = parse_whatsapp_template(answer)
    assert template.placeholders == ("name",)
    with pytest.raises(qlara.ValidationError, match="missing name"):
        check_template(template, {})


def _accepted(request: httpx.Request) -> dict[str, Any]:
    message_id = json.loads(request.content)["messageId"]
    return {"messageId": message_id, "results": {"whatsapp": {"accepted": True}}}


async def test_a_checked_send_by_name_finds_a_listed_item_without_a_language() -> None:
    """A listing item with only id, name and status is the named template of the check."""
    recorder = Recorder(
        {
            ("GET", f"{BASE}/templates"): lambda r: {
                "data": [{"id": 7, "name": "hello", "status": "APPROVED"}]
                if r.url.params["page"] == "0"
                else []
            },
            ("GET", f"{BASE}/templates/7"): {"id": 7, "name": "hello", "status": "APPROVED"},
            ("POST", f"{BASE}/send"): _accepted,
        }
    )
    async with client_for(recorder) as client:
        await client.whatsapp.send(
            destination=DESTINATION,
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(name="hello", language="en"),
            check_template=True,
        )
    assert [r.method for r in recorder.requests][-1] == "POST"


async def test_check_template_send_reuses_an_approved_template_for_a_few_minutes() -> None:
    """check_template=True fetches once, reuses the approved template, refetches after 5 min."""
    now = [0.0]
    recorder = Recorder(
        {
            ("GET", f"{BASE}/templates/42"): UC003,
            ("POST", f"{BASE}/send"): _accepted,
        }
    )
    values = {"1": "Ada", "2": "A1", "3": "domani", "4": "A1"}
    async with client_for(recorder) as client:
        client.whatsapp.templates.cache.clock = lambda: now[0]
        for _ in range(2):
            await client.whatsapp.send(
                destination=DESTINATION,
                phone_number_id=5,
                template=qlara.WhatsAppTemplate(id=42),
                placeholders=values,
                check_template=True,
            )
        now[0] = 301.0
        await client.whatsapp.send(
            destination=DESTINATION,
            phone_number_id=5,
            template=qlara.WhatsAppTemplate(id=42),
            placeholders=values,
            check_template=True,
        )
        with pytest.raises(qlara.ValidationError, match="missing 4"):
            await client.whatsapp.send(
                destination=DESTINATION,
                phone_number_id=5,
                template=qlara.WhatsAppTemplate(id=42),
                placeholders={"1": "Ada", "2": "A1", "3": "domani"},
                check_template=True,
            )
    methods = [(r.method, r.url.path.rsplit("/", 1)[-1]) for r in recorder.requests]
    assert methods == [
        ("GET", "42"),
        ("POST", "send"),
        ("POST", "send"),
        ("GET", "42"),
        ("POST", "send"),
    ]


async def test_unchecked_sends_cost_no_extra_request() -> None:
    """check_template is off by default: a send is one request."""
    recorder = Recorder({("POST", f"{BASE}/send"): httpx.Response(200, json={"results": {}})})
    async with client_for(recorder) as client:
        await client.whatsapp.send(
            destination=DESTINATION, phone_number_id=5, template=qlara.WhatsAppTemplate(id=42)
        )
    assert len(recorder.requests) == 1


async def test_the_template_lifecycle_on_the_simulator() -> None:
    """Created PENDING; a pending send is refused (400) and by the check; approval unlocks it."""
    sim = Simulator()
    async with sim_client(sim) as client:
        number = (await client.whatsapp.phone_numbers.list().first_page()).items[0]
        template = await client.whatsapp.templates.create(
            phone_number_id=number.id,
            name="order_shipped",
            lang="it",
            category="UTILITY",
            body="Ciao {name}, ordine {order}",
        )
        assert template.status == "PENDING"
        assert template.body is not None
        assert template.body.text == "Ciao {{1}}, ordine {{2}}"
        send: dict[str, Any] = {
            "destination": DESTINATION,
            "phone_number_id": number.id,
            "template": qlara.WhatsAppTemplate(id=template.id),
            "placeholders": {"name": "Ada", "order": "A1"},
        }
        with pytest.raises(qlara.BadRequestError, match="PENDING"):
            await client.whatsapp.send(**send)
        with pytest.raises(qlara.ValidationError, match="PENDING"):
            await client.whatsapp.send(**send, check_template=True)
        sim.approve_template(template.id)
        result = await client.whatsapp.send(**send, check_template=True)
        assert result.accepted
        approved = await client.whatsapp.templates.list(status="APPROVED").to_list()
        assert [t.id for t in approved] == [template.id]
        edited = await client.whatsapp.templates.update(template.id, footer="Grazie")
        assert edited.status == "PENDING"
        assert edited.footer is not None
        await client.whatsapp.templates.delete(template.id)
        with pytest.raises(qlara.NotFoundError):
            await client.whatsapp.templates.get(template.id)


async def test_the_simulator_reviews_on_its_clock_and_can_reject() -> None:
    """review_templates(after=60) approves a minute later; reject_template names a reason."""
    sim = Simulator()
    sim.review_templates(after=60)
    async with sim_client(sim) as client:
        made = await client.whatsapp.templates.create(
            phone_number_id=1, name="a", lang="en", category="MARKETING", body="Hi"
        )
        other = await client.whatsapp.templates.create(
            phone_number_id=1, name="b", lang="en", category="MARKETING", body="Hi"
        )
        sim.reject_template(other.id, reason="TAG_CONTENT_MISMATCH")
        assert (await client.whatsapp.templates.get(made.id)).status == "PENDING"
        sim.advance(60)
        assert (await client.whatsapp.templates.get(made.id)).status == "APPROVED"
        rejected = await client.whatsapp.templates.get(other.id)
        with pytest.raises(qlara.ValidationError, match="REJECTED"):
            await client.whatsapp.templates.check(other.id, {})
    assert rejected.rejection_reason == "TAG_CONTENT_MISMATCH"
    assert sim.template_status(made.id) == "APPROVED"


async def test_a_template_by_name_is_found_for_the_check() -> None:
    """check_template with a name+language template looks it up among the number's templates."""
    sim = Simulator()
    async with sim_client(sim) as client:
        made = await client.whatsapp.templates.create(
            phone_number_id=1, name="hello", lang="en", category="UTILITY", body="Hi {name}"
        )
        sim.approve_template(made.id)
        by_name = qlara.WhatsAppTemplate(name="hello", language="en")
        await client.whatsapp.send(
            destination=DESTINATION,
            phone_number_id=1,
            template=by_name,
            placeholders={"name": "Ada"},
            check_template=True,
        )
        with pytest.raises(qlara.ValidationError, match="no template named 'nope'"):
            await client.whatsapp.send(
                destination=DESTINATION,
                phone_number_id=1,
                template=qlara.WhatsAppTemplate(name="nope", language="en"),
                check_template=True,
            )


def test_the_cache_keeps_only_approved_templates() -> None:
    """A pending template is never served from the cache, so its approval is seen at once."""
    cache = TemplateCache(clock=lambda: 0.0)
    cache.put(_details("PENDING"))
    assert cache.get(9) is None
    cache.put(_details())
    assert cache.get("9") is not None
    assert AsyncWhatsAppTemplates.check.__doc__ is not None


async def test_a_write_answered_without_the_template_reads_it_again() -> None:
    """An update answered by a bare ack is read again; a create not found either is malformed."""
    recorder = Recorder(
        {
            ("PATCH", f"{BASE}/templates/42"): {"success": True},
            ("GET", f"{BASE}/templates/42"): UC003,
            ("POST", f"{BASE}/templates"): None,
            ("PUT", "/api/message-server/rcs/templates/3"): None,
            ("GET", "/api/message-server/rcs/templates/3"): {"id": 3, "type": "TEXT"},
            ("GET", f"{BASE}/phone-numbers/7"): {"phoneNumbers": [{"id": 7}]},
        }
    )
    async with client_for(recorder) as client:
        updated = await client.whatsapp.templates.update(42, footer="x")
        replaced = await client.rcs.templates.update(
            3, name="n", description="d", body=qlara.RcsText(text="Hi")
        )
        number = await client.whatsapp.phone_numbers.get(7)
        with pytest.raises(qlara.MalformedResponseError, match="did not say its id"):
            await client.whatsapp.templates.create(
                phone_number_id=1, name="a", lang="en", category="UTILITY", body="Hi"
            )
    assert updated.id == 42
    assert replaced.id == 3
    assert number.id == 7
    calls = [r.method for r in recorder.requests]
    assert calls == ["PATCH", "GET", "PUT", "GET", "GET", "POST", "GET"]


@pytest.mark.parametrize("ack", [httpx.Response(201), httpx.Response(201, json={"ok": True})])
async def test_a_create_answered_by_an_ack_finds_the_template_by_name(ack: Any) -> None:
    """A 201 without the template: the number's listing gives it (same name and language)."""
    listed = [
        {"id": 40, "name": "order_shipped", "language": "en", "status": "APPROVED"},
        {"id": 41, "name": "order_shipped", "language": "it", "status": "PENDING"},
    ]
    recorder = Recorder(
        {
            ("POST", f"{BASE}/templates"): ack,
            ("GET", f"{BASE}/templates"): lambda r: {
                "data": listed if r.url.params["page"] == "0" else []
            },
        }
    )
    async with client_for(recorder) as client:
        made = await client.whatsapp.templates.create(
            phone_number_id=5, name="order_shipped", lang="it", category="UTILITY", body="Ciao"
        )
    assert made.id == 41
    assert made.status == "PENDING"
    assert recorder.query(1)["phoneNumberId"] == "5"


NAMES = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=5, unique=True
)


@given(names=NAMES)
def test_named_tokens_numbered_by_the_simulator_check_by_count(names: list[str]) -> None:
    """Whatever the names, the simulator's {{n}} numbering and the check agree on the count."""
    fields = {"name": "t", "body": " and ".join(f"{{{n}}}" for n in names)}
    stored = SimTemplate(id=1, phone_number_id="1", fields=fields, created_at=0, status="APPROVED")
    template = parse_whatsapp_template(render_template(stored))
    assert template.placeholders == tuple(str(i) for i in range(1, len(names) + 1))
    assert template_tokens(fields["body"]) == tuple(names)
    check_template(template, dict.fromkeys(names, "v"))
    if len(names) > 1:
        with pytest.raises(qlara.ValidationError, match="placeholder"):
            check_template(template, dict.fromkeys(names[1:], "v"))
