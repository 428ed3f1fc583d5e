"""``client.media`` (the media library) and ``client.files`` (inbound media downloads).

An upload is checked before anything is sent: its format is read from the
file's first bytes (JPEG, PNG, GIF or MP4), or, when they are not one the SDK
recognises, from the extension of the file's name or of ``name`` (an MP4 may
start with another box than ``ftyp``); and its size against the platform's
5 MB limit. A file
object that cannot tell its size is read into memory first (at most 5 MB
plus one byte, enough to know it is too large).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, overload

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import ValidationError
from qlara._http import TimeoutTypes
from qlara._models.inbox import MediaItem
from qlara._pagination import AsyncPager
from qlara._request import Answer, Request, Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._channel_wire import listed_under
from qlara._resources._created import Ack, reading_created
from qlara._resources._ids import check_id
from qlara._resources._inbox_wire import parse_media
from qlara._upload import FileSource, Upload, upload

MEDIA = Route("/partner-gateway/v1/media")
FILES = Route("/files")
MAX_BYTES = 5 * 1024 * 1024

# (MIME type, extension) by the bytes a file starts with.
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
    (b"ftyp", 4, "video/mp4", "mp4"),
)


# The same four formats by a file name's extension, for bytes no signature
# recognises (an MP4 whose first box is not `ftyp`, say).
_EXTENSIONS = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "mp4": "video/mp4",
}


def media_kind(head: bytes) -> tuple[str, str] | None:
    """``(mime type, extension)`` of a supported file's first bytes, or ``None``."""
    for magic, offset, mime, extension in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return mime, extension
    return None


def _named_kind(*names: str | None) -> tuple[str, str] | None:
    """``(mime type, extension)`` from the first name ending in a supported extension."""
    for name in names:
        extension = (name or "").rpartition(".")[2].lower()
        if "." in (name or "") and extension in _EXTENSIONS:
            return _EXTENSIONS[extension], extension
    return None


def _optional_text(field: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, f"must be non-empty text or None, got {value!r}")
    return value


def _checked_upload(file: object, name: str | None) -> Upload:
    given = upload(file, argument="file")
    size = given.size()
    source: Any = given.source
    if size is None:  # a stream that cannot seek: read it, up to one byte too many
        source = bytes(given.source.read(MAX_BYTES + 1))
        size = len(source)
    if size > MAX_BYTES:
        raise ValidationError(
            "file", f"is {size} bytes; the media library takes at most {MAX_BYTES} (5 MB)"
        )
    if size == 0:
        raise ValidationError("file", "is empty")
    head = given.head(16) if source is given.source else source[:16]
    kind = media_kind(head) or _named_kind(given.filename, name)
    if kind is None:
        raise ValidationError(
            "file",
            "is not a JPEG, PNG, GIF or MP4 file (neither its first bytes nor its name say so)",
        )
    mime, extension = kind
    filename = given.filename
    if filename == "upload":  # bytes or an unnamed stream: named after `name`
        base = name or "upload"
        named = _named_kind(base)
        filename = base if named is not None and named[0] == mime else f"{base}.{extension}"
    return Upload(field="file", source=source, filename=filename, content_type=mime)


class AsyncMedia(AsyncResource):
    """The media library: images and videos for RCS cards, WhatsApp headers and campaigns."""

    async def upload(
        self,
        file: FileSource,
        *,
        name: str | None = None,
        description: str | None = None,
        folder_id: int | str | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> MediaItem:
        """Upload a JPEG, PNG, GIF or MP4 file of at most 5 MB (multipart, streamed).

        Args:
            file: a path, bytes, or a binary file object.
            name, description: shown in the library.
            folder_id: the library folder to put it in.

        Returns:
            The stored item; its ``url`` goes into ``RcsMedia(file_url=...)``.
            An answer without the item (an empty 201, ``{}``) gives the item
            sent (name, description, folder, type, size), with the id the
            ``Location`` header names, or ``id=None``, and no ``url``.

        Raises:
            ValidationError: not one of the four formats, over 5 MB, or empty;
                nothing was sent.
        """
        checked_name = _optional_text("name", name)
        form: dict[str, object] = {
            "name": checked_name,
            "description": _optional_text("description", description),
            "folderId": None if folder_id is None else check_id("folder_id", folder_id),
        }
        part = _checked_upload(file, checked_name)
        sent = {**form, "mimeType": part.content_type, "size": part.size()}  # before it is read
        request: Request[MediaItem | Ack] = MEDIA.request(
            "POST",
            form=form,
            files=(part,),
            read=reading_created(MEDIA, parse_media),
            what="media item",
        )
        made = await self._call(request, call_options(timeout, extra_headers, extra_body))
        if not isinstance(made, Ack):
            return made
        return made.build(partial(parse_media, require_id=False), sent, extra_body)

    def list(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[MediaItem]:
        """Every item of the library, a page at a time."""
        return self._paged(
            MEDIA,
            item=parse_media,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="media page",
            envelope=listed_under("media", "files"),
        )

    async def delete(
        self,
        media_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Remove an item (``DELETE /media/{id}``; ``NotFoundError`` when there is none)."""
        request: Request[None] = MEDIA.request(
            "DELETE", "{id}", id=check_id("media_id", media_id), answer=Answer.NOTHING
        )
        await self._call(request, call_options(timeout, extra_headers, extra_body))


PathT = TypeVar("PathT", bound="str | os.PathLike[str]")


class AsyncFiles(AsyncResource):
    """Inbound media: the photo, audio or video a customer sent (an event's ``media_key``)."""

    @overload
    async def download(
        self,
        media_key: str,
        to: None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> bytes: ...

    @overload
    async def download(
        self,
        media_key: str,
        to: PathT,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> PathT: ...

    async def download(
        self,
        media_key: str,
        to: str | os.PathLike[str] | None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> bytes | str | os.PathLike[str]:
        """The file of ``media_key`` (``GET /api/files/{mediaKey}``).

        Returns:
            Its bytes; or, with ``to``, that path as given (a ``str`` or a
            ``Path``), streamed to it whole or not at all: a failed download
            leaves no partial file.

        Raises:
            NotFoundError: no such file (or it expired).
        """
        if not isinstance(media_key, str) or not media_key.strip():
            raise ValidationError("media_key", f"must be a non-empty string, got {media_key!r}")
        if to is not None and not isinstance(to, (str, os.PathLike)):
            raise ValidationError("to", f"must be a path or None, got {type(to).__name__}")
        if to is not None and os.path.isdir(to):  # noqa: ASYNC240 - one stat, before sending
            raise ValidationError("to", f"is a folder, not a file path: {os.fspath(to)!r}")
        options = call_options(timeout, extra_headers, extra_body)
        if to is None:
            request: Request[Any] = FILES.request(
                "GET", "{key}", key=media_key, answer=Answer.BYTES
            )
        else:
            request = FILES.request("GET", "{key}", key=media_key, answer=Answer.FILE, to=to)
        result: bytes | str | os.PathLike[str] = await self._call(request, options)
        return result


class Media(SyncResource):
    """Blocking ``client.media``."""

    upload = blocking(AsyncMedia.upload)
    list = blocking_iter(AsyncMedia.list)
    delete = blocking(AsyncMedia.delete)


class Files(SyncResource):
    """Blocking ``client.files``."""

    if TYPE_CHECKING:  # the twin of an overloaded method: bytes, or the path given as `to`

        @overload
        def download(
            self,
            media_key: str,
            to: None = None,
            *,
            timeout: TimeoutTypes = None,
            extra_headers: Mapping[str, str] | None = None,
            extra_body: Mapping[str, Any] | None = None,
        ) -> bytes: ...

        @overload
        def download(
            self,
            media_key: str,
            to: PathT,
            *,
            timeout: TimeoutTypes = None,
            extra_headers: Mapping[str, str] | None = None,
            extra_body: Mapping[str, Any] | None = None,
        ) -> PathT: ...

        def download(
            self,
            media_key: str,
            to: str | os.PathLike[str] | None = None,
            *,
            timeout: TimeoutTypes = None,
            extra_headers: Mapping[str, str] | None = None,
            extra_body: Mapping[str, Any] | None = None,
        ) -> bytes | str | os.PathLike[str]: ...

    else:
        download = blocking(AsyncFiles.download)


__all__ = ["MAX_BYTES", "AsyncFiles", "AsyncMedia", "Files", "Media", "media_kind"]
