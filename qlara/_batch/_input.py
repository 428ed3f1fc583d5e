"""What ``send_many`` checks and derives for its input, before and per message.

Plain functions: the arguments checked at the call, the stable id of an input
position, a message copied with its id (``resumed``: under the id an earlier
run gave it), and the digest that binds a journal to its input.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any, Union

import attrs

from qlara._batch._journal import DIGEST_SIZE
from qlara._converter import unstructure
from qlara._errors import JournalError, ValidationError
from qlara._http import CallOptions, as_timeout, check_extra_headers
from qlara._models import RcsMessage, SmsMessage, WhatsAppMessage

__all__ = [
    "JournalPath",
    "MESSAGE_TYPES",
    "ProgressCallback",
    "carrying_id",
    "check_arguments",
    "check_journal_path",
    "derived_id",
    "message_digest",
    "resumed",
]

MESSAGE_TYPES = (SmsMessage, RcsMessage, WhatsAppMessage)
ProgressCallback = Callable[[int, Union[int, None], int, int], object]  # noqa: UP007
JournalPath = Union[str, "os.PathLike[str]"]


def check_arguments(
    messages: object,
    concurrency: object,
    journal: object = None,
    on_progress: object = None,
    options: CallOptions = CallOptions(),  # noqa: B008 - frozen, never mutated
) -> int | None:
    """Validate ``send_many``'s arguments at the call; return the input's length if known."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValidationError("concurrency", f"must be a positive integer, got {concurrency!r}")
    if journal is not None:
        check_journal_path(journal)
    if on_progress is not None and not callable(on_progress):
        raise ValidationError(
            "on_progress", f"must be callable as (done, total, ok, failed), got {on_progress!r}"
        )
    as_timeout(options.timeout)
    if options.extra_headers is not None:
        check_extra_headers(options.extra_headers)
    if options.extra_body is not None and not isinstance(options.extra_body, Mapping):
        raise ValidationError("extra_body", "must be a mapping of field names to values")
    if isinstance(messages, (str, bytes)) or not isinstance(messages, (Iterable, AsyncIterable)):
        raise ValidationError(
            "messages",
            f"must be an iterable or async iterable of messages, got {type(messages).__name__}",
        )
    try:
        return len(messages)  # type: ignore[arg-type]
    except TypeError:
        return None


def check_journal_path(journal: object) -> None:
    """A journal must be a path to a file (new or existing) in an existing directory."""
    if not isinstance(journal, (str, os.PathLike)):
        raise ValidationError("journal", f"must be a file path, got {type(journal).__name__}")
    path = os.fspath(journal)
    if not isinstance(path, str):
        raise ValidationError("journal", "must be a text path, not bytes")
    if os.path.isdir(path):
        raise ValidationError("journal", f"{path} is a directory, not a file")
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise ValidationError("journal", f"the directory {directory} does not exist")


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def carrying_id(message: Any, message_id: str) -> Any:
    """A copy of a validated message with another ``message_id``, without validating again.

    ``attrs.evolve`` re-runs every validator (7 us for an SMS, a third of the
    engine's own cost per message); the fields are already valid, and the id is
    one we made or one that already went out.
    """
    cls = type(message)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(a.name for a in attrs.fields(cls))
    copy = object.__new__(cls)
    for name in names:
        object.__setattr__(copy, name, getattr(message, name))
    object.__setattr__(copy, "message_id", message_id)
    return copy


def resumed(message: Any, index: int, earlier: str, journal_path: str) -> Any:
    """The message an earlier run started at ``index``, under the id that run sent it with.

    Raises:
        JournalError: the caller's own ``message_id`` differs: this is another input.
    """
    caller_id = message.message_id
    if caller_id is None:
        return carrying_id(message, earlier)
    if caller_id != earlier:
        # Never send a caller's message under another id: another input.
        raise JournalError(
            f"{journal_path}: journal belongs to another input: messages[{index}] has "
            f"message_id {caller_id!r}, the journal started {earlier!r} there"
        )
    return message


def derived_id(namespace: bytes, index: int) -> str:
    """``str(uuid.uuid5(UUID(bytes=namespace), str(index)))``, at half the cost."""
    digest = bytearray(hashlib.sha1(namespace + str(index).encode()).digest()[:16])  # noqa: S324 - RFC 4122 v5 is SHA-1 by definition
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def message_digest(message: Any) -> str:
    """A short hash of a message: its wire body without ``messageId``, and the caller's id."""
    body = unstructure(message)
    body.pop("messageId", None)
    text = json.dumps([body, message.message_id], sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=DIGEST_SIZE).hexdigest()
