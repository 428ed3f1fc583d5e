"""Files to upload: a path, bytes or a binary file object, streamed as one multipart part.

A path is opened only when the request is sent (and closed after it), and
httpx reads open files in chunks, so a large file is never held in memory; a
file object is rewound to where it started before every attempt, so a retry
sends the whole file again rather than its empty tail.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Union

import attrs

from qlara._errors import ValidationError

__all__ = ["Borrowed", "FileSource", "FromHere", "Upload", "from_here", "upload"]

FileSource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]


@attrs.frozen(kw_only=True)
class Upload:
    """One multipart file part.

    Attributes:
        field: the form field name (``"file"``).
        source: a path, bytes, or a binary file object opened for reading.
        filename: the name sent with the part.
        content_type: its MIME type.
    """

    field: str
    source: Any = attrs.field(repr=False)
    filename: str
    content_type: str

    def size(self) -> int | None:
        """Bytes that will be sent, when knowable without reading the file."""
        source = self.source
        if isinstance(source, (bytes, bytearray, memoryview)):
            return len(source)
        if isinstance(source, (str, os.PathLike)):
            return os.stat(source).st_size
        try:
            position = source.tell()
            end = source.seek(0, io.SEEK_END)
            source.seek(position)
        except (AttributeError, OSError, ValueError):
            return None
        return int(end) - int(position)

    def head(self, count: int = 16) -> bytes:
        """The first bytes (to recognise a format), leaving any file object where it was."""
        source = self.source
        if isinstance(source, (bytes, bytearray, memoryview)):
            return bytes(source[:count])
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                return handle.read(count)
        try:
            position = source.tell()
            data = source.read(count)
            source.seek(position)
        except (AttributeError, OSError, ValueError):
            return b""
        return bytes(data)

    @contextmanager
    def opened(self) -> Iterator[tuple[str, Any, str]]:
        """The ``(filename, content, content_type)`` httpx sends, for one attempt."""
        source = self.source
        if isinstance(source, (bytes, bytearray, memoryview)):
            yield self.filename, bytes(source), self.content_type
        elif isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as handle:
                yield self.filename, handle, self.content_type
        else:
            yield self.filename, source, self.content_type

    def mark(self) -> int | None:
        """Where a file object starts, to rewind to before a retry."""
        source = self.source
        if isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)):
            return None
        try:
            return int(source.tell())
        except (AttributeError, OSError, ValueError):
            return None

    def rewind(self, position: int | None) -> bool:
        """Back to ``position`` before another attempt; False when the file cannot seek."""
        if position is None:
            return isinstance(self.source, (bytes, bytearray, memoryview, str, os.PathLike))
        try:
            self.source.seek(position)
        except (AttributeError, OSError, ValueError):
            return False
        return True


class FromHere:
    """A binary file object read from where it stood: offsets count from there.

    httpx seeks a file to 0 before sending it, which would send what the
    caller had already read past; this view makes "where it stood" 0.
    """

    def __init__(self, source: Any, start: int) -> None:
        self._source = source
        self._start = start

    def read(self, size: int = -1) -> bytes:
        return bytes(self._source.read(size))

    def tell(self) -> int:
        return int(self._source.tell()) - self._start

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset += self._start
        return int(self._source.seek(offset, whence)) - self._start


def from_here(content: Any) -> Any:
    """``content`` for httpx: a file object not at its start, viewed from where it is."""
    if isinstance(content, (bytes, str)):
        return content
    try:
        start = int(content.tell())
    except (AttributeError, OSError, ValueError):
        return content
    return FromHere(content, start) if start else content


class Borrowed(io.BufferedIOBase):
    """A file object lent to an HTTP library that closes what it has sent (aiohttp).

    Closing this view leaves the file open: it is the caller's (or, for a
    path, closed by the SDK after the attempt), and a retry reads it again.
    """

    def __init__(self, source: Any) -> None:
        super().__init__()
        self._source = source

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return bytes(self._source.read(-1 if size is None else size))

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return int(self._source.tell())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._source.seek(offset, whence))

    def fileno(self) -> int:
        return int(self._source.fileno())


def upload(
    source: object,
    *,
    field: str = "file",
    argument: str = "file",
    filename: str | None = None,
    content_type: str | None = None,
) -> Upload:
    """An ``Upload`` from what a caller passed, or ``ValidationError`` naming ``argument``."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        name = filename or "upload"
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not isinstance(path, str):
            raise ValidationError(argument, "must be a text path, bytes, or a binary file")
        if not os.path.isfile(path):
            raise ValidationError(argument, f"no such file: {path!r}")
        name = filename or os.path.basename(path)
    elif hasattr(source, "read"):
        if isinstance(source, io.TextIOBase):
            raise ValidationError(argument, "must be opened in binary mode ('rb'), not text mode")
        given = getattr(source, "name", None)
        name = filename or (os.path.basename(given) if isinstance(given, str) else "upload")
    else:
        raise ValidationError(
            argument, f"must be a path, bytes, or a binary file object, got {type(source).__name__}"
        )
    if filename is not None and (not isinstance(filename, str) or not filename.strip()):
        raise ValidationError("filename", "must be a non-empty string")
    kind = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Upload(field=field, source=source, filename=name, content_type=kind)
