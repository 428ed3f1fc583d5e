"""The simulated media library (multipart uploads) and inbound files (``/api/files/{key}``).

Uploads are checked as the platform documents them: JPEG, PNG, GIF or MP4
(recognised by their first bytes), at most 5 MB, else 400.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qlara.testing._events import iso
from qlara.testing._pages import BadPageError, page_of
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["parse_multipart"]

MAX_BYTES = 5 * 1024 * 1024
MEDIA_HOST = "https://media.qlara.test"
_DISPOSITION = re.compile(r'(\w+)="([^"]*)"')


class Part:
    """One multipart part."""

    def __init__(self, filename: str | None, content_type: str | None, content: bytes) -> None:
        self.filename = filename
        self.content_type = content_type
        self.content = content


def parse_multipart(body: bytes, content_type: str) -> dict[str, Part]:
    """The parts of a ``multipart/form-data`` body by field name (``ValueError`` if not one)."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.startswith("multipart/form-data") or found is None:
        raise ValueError("expected a multipart/form-data body")
    delimiter = b"--" + found.group(1).encode()
    parts: dict[str, Part] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        part = chunk.removeprefix(b"\r\n").removesuffix(b"\r\n")
        head, _, content = part.partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        attributes = dict(_DISPOSITION.findall(headers.get("content-disposition", "")))
        if "name" in attributes:
            parts[attributes["name"]] = Part(
                attributes.get("filename"), headers.get("content-type"), content
            )
    return parts


def _kind(content: bytes) -> str | None:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _size(content: bytes, kind: str) -> tuple[int | None, int | None]:
    if kind == "image/png" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if kind == "image/gif" and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    return None, None


def _text(parts: Mapping[str, Part], name: str) -> str | None:
    part = parts.get(name)
    return None if part is None else part.content.decode("utf-8", "replace")


def media(sim: Simulator, request: SimRequest) -> SimResponse:
    if request.method == "GET":
        try:
            items = page_of(request, list(sim.assets.media.values()))
        except BadPageError as exc:
            return error_response(400, str(exc), request.path)
        return json_response(200, {"data": items})
    try:
        parts = parse_multipart(request.body, request.headers.get("content-type", ""))
    except ValueError as exc:
        return error_response(400, str(exc), request.path)
    file = parts.get("file")
    if file is None:
        return error_response(400, "file: is required", request.path)
    kind = _kind(file.content)
    if kind is None:
        return error_response(400, "file: unsupported format (JPEG, PNG, GIF or MP4)", request.path)
    if len(file.content) > MAX_BYTES:
        return error_response(400, "file: larger than 5 MB", request.path)
    media_id = f"med_{uuid.uuid4().hex[:12]}"
    filename = file.filename or "upload"
    width, height = _size(file.content, kind)
    item: dict[str, Any] = {
        "mediaId": media_id,
        "name": _text(parts, "name") or filename,
        "description": _text(parts, "description"),
        "url": f"{MEDIA_HOST}/{media_id}/{filename}",
        "mimeType": kind,
        "size": len(file.content),
        "width": width,
        "height": height,
        "folderId": _text(parts, "folderId"),
        "createdAt": iso(sim.wall()),
    }
    sim.assets.media[media_id] = item
    sim.assets.files[media_id] = (file.content, kind)
    return json_response(201, item)


def media_item(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    if sim.assets.media.pop(params["id"], None) is None:
        return error_response(404, f"Media {params['id']} not found", request.path)
    sim.assets.files.pop(params["id"], None)
    return SimResponse(204)


def file(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    found = sim.assets.files.get(params["key"])
    if found is None:
        return error_response(404, f"File {params['key']} not found", request.path)
    content, kind = found
    return SimResponse(200, {"content-type": kind}, content)
