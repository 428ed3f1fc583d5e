"""RCS templates, the media library and inbound files: wire shapes and the simulator."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import IO, Any, cast

import httpx
import pytest

import qlara
from qlara._resources.media import MAX_BYTES
from qlara.testing import Simulator, serve
from tests.conftest import KEY
from tests.recording import Recorder, client_for

RCS = "/api/message-server/rcs/templates"
MEDIA = "/api/partner-gateway/v1/media"


def tiny_png(width: int = 2, height: int = 1) -> bytes:
    """A valid PNG of ``width`` x ``height`` white pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def tiny_mp4() -> bytes:
    """A minimal ISO-BMFF file: an ``ftyp`` box, an empty ``moov`` and an ``mdat``."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2"
    moov = struct.pack(">I", 8) + b"moov"
    mdat = struct.pack(">I", 12) + b"mdat" + b"\x00\x00\x00\x00"
    return ftyp + moov + mdat


def sim_client(sim: Simulator) -> qlara.AsyncQlara:
    return qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None)


CARD = qlara.RcsCard(
    title="Autumn sale",
    description="Up to 50% off",
    media=qlara.RcsMedia(file_url="https://cdn.test/sale.png", height="TALL"),
    suggestions=[qlara.RcsOpenUrl(text="Shop", url="https://shop.test")],
)


async def test_rcs_templates_on_the_wire_share_the_send_models() -> None:
    """create/update send rcs.send's inner body with its type; list/get/delete use the paths."""
    stored = {
        "id": 3,
        "name": "sale",
        "description": "Autumn",
        "type": "CARD",
        "body": {
            "cardOrientation": "VERTICAL",
            "card": {"title": "Autumn sale", "media": {"fileUrl": "https://cdn.test/sale.png"}},
        },
    }
    recorder = Recorder(
        {
            ("POST", RCS): stored,
            ("PUT", f"{RCS}/3"): stored,
            ("GET", f"{RCS}/3"): stored,
            ("GET", RCS): lambda r: [stored] if r.url.params["page"] == "0" else [],
            ("DELETE", f"{RCS}/3"): None,
        }
    )
    async with client_for(recorder) as client:
        created = await client.rcs.templates.create(name="sale", description="Autumn", body=CARD)
        send_body = qlara._converter.unstructure(CARD)
        assert recorder.body() == {
            "name": "sale",
            "description": "Autumn",
            "type": "CARD",
            "body": send_body["body"],
        }
        await client.rcs.templates.update(
            3, name="sale", description="Autumn", type="TEXT", body={"text": "Hi"}
        )
        assert recorder.last.method == "PUT"
        assert recorder.body()["body"] == {"text": "Hi"}
        fetched = await client.rcs.templates.get(3)
        listed = await client.rcs.templates.list().to_list()
        await client.rcs.templates.delete(3)
        assert recorder.last.method == "DELETE"
    assert isinstance(created.body, qlara.RcsCard)
    assert created.body.title == "Autumn sale"
    assert fetched.raw == stored
    assert [t.id for t in listed] == [3]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"type": "TEXT"}, "type"),
        ({"body": {"text": "x"}}, "type"),
        ({"body": "text"}, "body"),
        ({"name": ""}, "name"),
    ],
)
async def test_rcs_template_arguments_are_checked(arguments: dict[str, Any], field: str) -> None:
    """A type that contradicts the body, a dict without type, bad text: refused before sending."""
    recorder = Recorder()
    base: dict[str, Any] = {"name": "sale", "description": "d", "body": CARD}
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.rcs.templates.create(**{**base, **arguments})
    assert caught.value.field == field
    assert recorder.requests == []


async def test_rcs_templates_on_the_simulator() -> None:
    """Stored, listed, replaced and deleted; a bad body is a 400 naming its field."""
    sim = Simulator()
    async with sim_client(sim) as client:
        made = await client.rcs.templates.create(
            name="hello", description="d", body=qlara.RcsText(text="Hi {name}")
        )
        replaced = await client.rcs.templates.update(
            made.id, name="hello", description="e", body=CARD
        )
        listed = await client.rcs.templates.list(limit=1).to_list()
        with pytest.raises(qlara.BadRequestError, match="card"):
            await client.rcs.templates.create(name="x", description="d", type="CARD", body={})
        result = await client.rcs.send(
            destination="+393401234567", agent_id=10, template_id=made.id
        )
        await client.rcs.templates.delete(made.id)
        with pytest.raises(qlara.NotFoundError):
            await client.rcs.templates.get(made.id)
    assert isinstance(made.body, qlara.RcsText)
    assert isinstance(replaced.body, qlara.RcsCard)
    assert replaced.description == "e"
    assert [t.id for t in listed] == [made.id]
    assert result.accepted


async def test_rcs_template_partial_updates_on_the_simulator() -> None:
    """Only the description, then only the body: each PUT keeps the other stored fields."""
    sim = Simulator()
    async with sim_client(sim) as client:
        made = await client.rcs.templates.create(
            name="hello", description="d", body=qlara.RcsText(text="Hi {name}")
        )
        described = await client.rcs.templates.update(made.id, description="e")
        carded = await client.rcs.templates.update(made.id, body=CARD)
        renamed = await client.rcs.templates.update(made.id, name="hello2")
        stored = await client.rcs.templates.get(made.id)
    assert (described.name, described.description) == ("hello", "e")
    assert described.body == qlara.RcsText(text="Hi {name}")
    assert (carded.description, carded.type) == ("e", "CARD")
    assert isinstance(carded.body, qlara.RcsCard)
    assert (renamed.name, renamed.description, renamed.type) == ("hello2", "e", "CARD")
    assert stored.body == carded.body


def test_rcs_template_partial_update_on_the_blocking_client() -> None:
    """The sync twin reads the stored template and PUTs it whole with the one field changed."""
    stored = {"id": 3, "name": "sale", "description": "d", "type": "TEXT", "body": {"text": "Hi"}}
    recorder = Recorder(
        {("GET", f"{RCS}/3"): stored, ("PUT", f"{RCS}/3"): {**stored, "name": "sale2"}}
    )
    with qlara.Qlara(KEY, transport=httpx.MockTransport(recorder), rate_limit=None) as client:
        updated = client.rcs.templates.update(3, name="sale2")
    assert updated.name == "sale2"
    assert [r.method for r in recorder.requests] == ["GET", "PUT"]
    assert recorder.body() == {**{k: v for k, v in stored.items() if k != "id"}, "name": "sale2"}


async def test_rcs_template_partial_update_keeps_a_stored_send_shape_body() -> None:
    """A body stored as {"type", "body"} is sent back as its inner body, under its type."""
    stored = {
        "id": 3,
        "name": "n",
        "description": "d",
        "body": {"type": "TEXT", "body": {"text": "Hi"}},
    }
    recorder = Recorder({("GET", f"{RCS}/3"): stored, ("PUT", f"{RCS}/3"): None})
    async with client_for(recorder) as client:
        await client.rcs.templates.update(3, description="e")
    assert [r.method for r in recorder.requests] == ["GET", "PUT", "GET"]
    assert recorder.body(1) == {
        "name": "n",
        "description": "e",
        "type": "TEXT",
        "body": {"text": "Hi"},
    }


async def test_rcs_template_partial_update_of_a_template_stored_without_a_body() -> None:
    """A stored template with no body cannot be sent back whole: malformed, no PUT sent."""
    recorder = Recorder({("GET", f"{RCS}/3"): {"id": 3, "name": "n", "description": "d"}})
    async with client_for(recorder) as client:
        with pytest.raises(qlara.MalformedResponseError, match="no type, body"):
            await client.rcs.templates.update(3, description="e")
        with pytest.raises(qlara.ValidationError) as refused:
            await client.rcs.templates.update(3, description="")
    assert refused.value.field == "description"
    assert [r.method for r in recorder.requests] == ["GET"]


@pytest.mark.parametrize(
    "answer",
    [
        {"id": 1, "body": {"type": "TEXT", "body": {"text": "Hi"}}},
        {"id": 1, "type": "TEXT", "body": {"type": "TEXT", "body": {"text": "Hi"}}},
    ],
    ids=["type-inside", "type-twice"],
)
async def test_an_rcs_template_stored_in_the_send_shape_is_read(answer: Any) -> None:
    """A body holding {"type", "body"} (the send's shape) is read as that body."""
    recorder = Recorder({("GET", f"{RCS}/1"): answer})
    async with client_for(recorder) as client:
        stored = await client.rcs.templates.get(1)
    assert stored.type == "TEXT"
    assert stored.body == qlara.RcsText(text="Hi")
    assert stored.raw == answer


async def test_an_rcs_create_answered_by_an_ack_is_found_by_name_and_type() -> None:
    """A 201 without the template: the one listed with its name and type; two is malformed."""
    listed = [
        {"id": 1, "name": "promo", "type": "CARD"},
        {"id": 2, "name": "promo", "type": "TEXT", "body": {"text": "Hi"}},
    ]
    recorder = Recorder(
        {
            ("POST", RCS): httpx.Response(201),
            ("GET", RCS): lambda r: listed if r.url.params["page"] == "0" else [],
        }
    )
    async with client_for(recorder) as client:
        made = await client.rcs.templates.create(
            name="promo", description="d", body=qlara.RcsText(text="Hi")
        )
        listed.append({"id": 3, "name": "promo", "type": "TEXT"})
        with pytest.raises(qlara.MalformedResponseError, match="2 listed templates"):
            await client.rcs.templates.create(
                name="promo", description="d", body=qlara.RcsText(text="Hi")
            )
    assert made.id == 2
    assert made.body == qlara.RcsText(text="Hi")


async def test_a_template_read_with_a_text_id_is_sent_by_its_number() -> None:
    """An RcsTemplate whose id came as "7" goes into rcs.send as templateId 7."""
    recorder = Recorder(
        {
            ("GET", f"{RCS}/7"): {"id": "7", "type": "TEXT", "body": {"text": "Hi"}},
            ("POST", "/api/message-server/rcs/send"): {
                "messageId": "m",
                "results": {"rcs": {"accepted": True}},
            },
        }
    )
    async with client_for(recorder) as client:
        stored = await client.rcs.templates.get(7)
        await client.rcs.send(destination="+393401234567", agent_id=10, template_id=stored.id)
        with pytest.raises(qlara.ValidationError) as caught:
            await client.rcs.send(destination="+393401234567", agent_id=10, template_id="tpl")
    assert recorder.body()["templateId"] == 7
    assert caught.value.field == "template_id"


async def test_media_upload_on_the_wire() -> None:
    """POST /media is multipart: the file with its detected type, name, description, folderId."""
    answer = {
        "mediaId": "med_1",
        "url": "https://cdn.test/med_1.png",
        "mimeType": "image/png",
        "size": 70,
    }
    recorder = Recorder({("POST", MEDIA): answer})
    async with client_for(recorder) as client:
        item = await client.media.upload(tiny_png(), name="card", description="Sale", folder_id=4)
    content = recorder.last.content
    assert recorder.last.headers["content-type"].startswith("multipart/form-data")
    assert b'name="file"; filename="card.png"' in content
    assert b"Content-Type: image/png" in content
    assert b'name="name"\r\n\r\ncard' in content
    assert b'name="description"\r\n\r\nSale' in content
    assert b'name="folderId"\r\n\r\n4' in content
    assert item.id == item.media_id == "med_1"
    assert item.url == "https://cdn.test/med_1.png"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES, "at most 5242880"),
        (b"GIF89a" + b"\x00" * MAX_BYTES, "at most"),
        (b"%PDF-1.7 not an image", "not a JPEG, PNG, GIF or MP4"),
        (b"", "is empty"),
    ],
)
async def test_media_upload_is_checked_before_sending(source: bytes, message: str) -> None:
    """Over 5 MB, an unsupported format or an empty file raise ValidationError; nothing is sent."""
    recorder = Recorder()
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError, match=message) as caught:
            await client.media.upload(source)
    assert caught.value.field == "file"
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("source", "name", "filename", "mime"),
    [
        (b"\x00\x00\x00\x08free" + b"\x00" * 40, "clip.mp4", "clip.mp4", "video/mp4"),
        (b"placeholder bytes", "logo.png", "logo.png", "image/png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "logo.png", "logo.png", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpeg", "photo.jpeg", "image/jpeg"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo", "photo.jpg", "image/jpeg"),
    ],
    ids=["mp4-free-box", "named-png", "png", "jpeg-named-jpeg", "jpeg-unnamed"],
)
async def test_a_supported_name_vouches_for_bytes_without_a_known_signature(
    source: bytes, name: str, filename: str, mime: str
) -> None:
    """Bytes no signature recognises go out when their name says JPEG/PNG/GIF/MP4, named once."""
    recorder = Recorder({("POST", MEDIA): {"mediaId": "med_1"}})
    async with client_for(recorder) as client:
        await client.media.upload(source, name=name)
    content = recorder.last.content
    assert f'name="file"; filename="{filename}"'.encode() in content
    assert f"Content-Type: {mime}".encode() in content


async def test_a_file_whose_bytes_and_name_say_nothing_supported_is_refused(
    tmp_path: Path,
) -> None:
    """A PDF named report.pdf is refused before sending, naming 'file'."""
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7")
    recorder = Recorder()
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.media.upload(path, name="report")
    assert caught.value.field == "file"
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("path", "answer", "listing"),
    [
        (
            MEDIA,
            {"media": [{"mediaId": "med_1"}], "folders": [{"id": 4}]},
            lambda c: c.media.list(),
        ),
        (
            "/api/partner-gateway/v1/inbox/conversations",
            {"conversations": [{"chatId": "c-1"}], "channels": [{"id": 3}]},
            lambda c: c.inbox.list(),
        ),
        (
            "/api/partner-gateway/v1/inbox/conversations/assignable-users",
            {"users": [{"userId": 7}], "teams": [{"id": 1}]},
            lambda c: c.inbox.assignable_users(),
        ),
        (
            "/api/message-server/whatsapp/templates",
            {"templates": [{"id": 42}], "categories": ["UTILITY"]},
            lambda c: c.whatsapp.templates.list(),
        ),
        (RCS, {"templates": [{"id": 3}], "types": ["TEXT"]}, lambda c: c.rcs.templates.list()),
    ],
    ids=["media", "conversations", "users", "whatsapp-templates", "rcs-templates"],
)
async def test_a_listing_beside_another_list_is_read_by_its_noun(
    path: str, answer: Any, listing: Any
) -> None:
    """{"media": [...], "folders": [...]} and the like: the endpoint's own list is the page."""
    recorder = Recorder({("GET", path): answer})
    async with client_for(recorder) as client:
        page = await listing(client).first_page()
    assert len(page.items) == 1
    assert {k: page.raw[k] for k in answer} == answer  # nothing the platform said is lost


class Unseekable(io.RawIOBase):
    """A pipe-like stream: readable, no tell() or seek()."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        raise OSError("unseekable")


def pipe(data: bytes) -> IO[bytes]:
    return cast("IO[bytes]", Unseekable(data))


async def test_an_unseekable_stream_is_measured_before_sending() -> None:
    """A stream that cannot tell its size is read (at most 5 MB + 1) and refused when too big."""
    recorder = Recorder({("POST", MEDIA): {"mediaId": "m"}})
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError, match="at most"):
            await client.media.upload(pipe(b"\xff\xd8\xff" + b"\x00" * MAX_BYTES))
        assert recorder.requests == []
        await client.media.upload(pipe(b"\xff\xd8\xff\xe0" + b"\x00" * 64))
    assert b"Content-Type: image/jpeg" in recorder.last.content


async def test_real_png_and_mp4_uploads_on_the_simulator(tmp_path: Path) -> None:
    """A PNG (from a path) and an MP4 (from a file object) are stored, listed, and deleted."""
    sim = Simulator()
    png = tmp_path / "card.png"
    png.write_bytes(tiny_png(3, 2))
    async with sim_client(sim) as client:
        image = await client.media.upload(png, description="Card image")
        with io.BytesIO(tiny_mp4()) as video_file:
            video = await client.media.upload(video_file, name="clip")
        items = [m async for m in client.media.list(limit=1)]
        assert video.id is not None  # the simulator answers with the item
        await client.media.delete(video.id)
        with pytest.raises(qlara.NotFoundError):
            await client.media.delete(video.id)
        left = await client.media.list().to_list()
        stored = await client.files.download(str(image.id))
    assert (image.mime_type, image.width, image.height) == ("image/png", 3, 2)
    assert image.name == "card.png"
    assert image.size == len(tiny_png(3, 2))
    assert image.url is not None
    assert image.url.startswith("https://")
    assert (video.mime_type, video.name) == ("video/mp4", "clip")
    assert [m.id for m in items] == [image.id, video.id]
    assert [m.id for m in left] == [image.id]
    assert stored == tiny_png(3, 2)


async def test_files_download_on_the_wire(tmp_path: Path) -> None:
    """GET /api/files/{mediaKey} gives bytes, or streams to ``to`` and returns the path."""
    photo = b"\xff\xd8\xff\xe0photo"
    recorder = Recorder({("GET", "/api/files/mk/1"): httpx.Response(200, content=photo)})
    async with client_for(recorder) as client:
        assert await client.files.download("mk/1") == photo
        target = tmp_path / "photo.jpg"
        saved = await client.files.download("mk/1", to=target)
        with pytest.raises(qlara.ValidationError):
            await client.files.download("")
    assert recorder.last.url.raw_path == b"/api/files/mk%2F1"
    assert saved == target
    assert target.read_bytes() == photo


async def test_a_download_to_a_folder_is_refused_naming_to(tmp_path: Path) -> None:
    """files.download(to=<folder>) raises before sending; a save onto a folder is 'to' too."""
    recorder = Recorder(
        {
            ("GET", "/api/partner-gateway/v1/exports/9"): "https://files.test/report.csv",
            ("GET", "/report.csv"): httpx.Response(200, content=b"a,b\n"),
        }
    )
    async with client_for(recorder) as client:
        with pytest.raises(qlara.ValidationError) as caught:
            await client.files.download("mk", to=tmp_path)
        assert recorder.requests == []
        with pytest.raises(qlara.ValidationError) as saved:
            await client.exports.download(9, to=tmp_path)
    assert caught.value.field == "to"
    assert saved.value.field == "to"
    assert os.listdir(tmp_path) == []


async def test_a_customers_photo_downloads_from_the_simulator(tmp_path: Path) -> None:
    """inject_inbound(media=...) stores the photo under the event's mediaKey."""
    sim = Simulator()
    event = sim.inject_inbound("+393401234567", channel="RCS", media=b"\xff\xd8\xffphoto")
    async with sim_client(sim) as client:
        path = await client.files.download(event["mediaKey"], to=tmp_path / "p.jpg")
        with pytest.raises(qlara.NotFoundError):
            await client.files.download("mk_missing")
    assert event["messageType"] == "IMAGE"
    assert (tmp_path / "p.jpg").read_bytes() == b"\xff\xd8\xffphoto"
    assert path == tmp_path / "p.jpg"


def test_the_sync_twins_upload_and_download(tmp_path: Path) -> None:
    """qlara.Qlara has media.upload/list/delete and files.download working the same way."""
    sim = Simulator()
    with qlara.Qlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        item = client.media.upload(tiny_png(), name="x")
        assert [m.id for m in client.media.list()] == [item.id]
        assert client.files.download(str(item.id)) == tiny_png()
        assert item.id is not None
        client.media.delete(item.id)
        template = client.rcs.templates.create(name="t", description="d", body=CARD)
        assert client.rcs.templates.get(template.id).name == "t"


def test_an_upload_over_real_http_to_the_simulator(tmp_path: Path) -> None:
    """A file streamed from disk crosses loopback HTTP as multipart and downloads back whole."""
    png = tmp_path / "card.png"
    png.write_bytes(tiny_png(40, 30))
    with (
        serve(Simulator()) as server,
        qlara.Qlara(KEY, base_url=server.base_url, rate_limit=None) as client,
    ):
        item = client.media.upload(png)
        assert client.files.download(str(item.id)) == png.read_bytes()
    assert (item.width, item.height) == (40, 30)
