"""``RawResponse``: what ``client.request`` returns, free of any HTTP library's types."""

from __future__ import annotations

import json as _json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from qlara._errors import MalformedResponseError

__all__ = ["Headers", "RawResponse"]


class Headers(Mapping[str, str]):
    """Response headers, read case-insensitively (``headers["content-type"]``).

    A header sent more than once reads as its values joined by ``", "``.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        merged: dict[str, tuple[str, str]] = {}
        for name, value in items:
            key = name.lower()
            if key in merged:
                merged[key] = (merged[key][0], f"{merged[key][1]}, {value}")
            else:
                merged[key] = (name, value)
        self._items = merged

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        """Equal to any mapping with the same headers, names compared case-insensitively."""
        if not isinstance(other, Mapping):
            return NotImplemented
        try:
            theirs = {str(name).lower(): value for name, value in other.items()}
        except AttributeError:
            return False
        return {key: value for key, (_, value) in self._items.items()} == theirs

    __hash__ = None  # type: ignore[assignment]  # a mapping: unhashable, as dict is

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class RawResponse:
    """A 2xx answer as it came: the escape hatch for anything the SDK does not model.

    Error statuses never come back as a ``RawResponse``: they raise the same
    typed errors as every other call (``NotFoundError``, ``RateLimitError``...).

    Attributes:
        status_code: the HTTP status.
        headers: the response headers (case-insensitive).
        content: the body, as bytes.
    """

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: Headers, content: bytes) -> None:
        self.status_code: int = status_code
        self.headers: Headers = headers
        self.content: bytes = content

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON (``None`` for an empty body).

        Raises:
            MalformedResponseError: the body is not JSON.
        """
        if not self.content:
            return None
        try:
            return _json.loads(self.content)
        except (ValueError, RecursionError) as exc:
            raise MalformedResponseError(
                f"the answer ({self.status_code}) is not JSON",
                status_code=self.status_code,
                body=self.content,
            ) from exc

    def __eq__(self, other: object) -> bool:
        """Equal when status, headers and body are."""
        if not isinstance(other, RawResponse):
            return NotImplemented
        return (self.status_code, self.content, self.headers) == (
            other.status_code,
            other.content,
            other.headers,
        )

    def __hash__(self) -> int:
        """By value too (status and body; headers compare case-insensitively)."""
        return hash((self.status_code, self.content))

    def __repr__(self) -> str:
        kind = self.headers.get("content-type", "no content type")
        return f"RawResponse(status_code={self.status_code}, {len(self.content)} bytes, {kind})"


def raw_headers(items: Mapping[str, str] | Iterable[tuple[str, str]]) -> Headers:
    return Headers(items.items() if isinstance(items, Mapping) else items)
