"""The SMS Legacy format (``POST /api/services/sms/send``): many SMS in one request.

One ``LegacySms`` item carries one text from one sender to many recipients,
each with its own id (``ids[i]`` goes with ``destinations[i]``). The answer on
the Qlara host is undocumented; ``LegacySendResult`` reads the shape of the
wholesale analogue (``{globalId, accepted, results: [{destination, id,
accepted, statusCode}]}``) and keeps whatever else came in ``raw``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from qlara._errors import ValidationError
from qlara._models import _validate as v

__all__ = ["LegacyResult", "LegacySendResult", "LegacySms"]

MAX_ID_LENGTH = 64  # the documented default of maxIdLen


def _texts(value: object) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return (value,) if value is not None else ()
    return tuple(value)


def _destinations(instance: LegacySms, attribute: attrs.Attribute[Any], value: object) -> None:
    if not value:
        raise ValidationError("destinations", "must hold at least one number")
    numbers: tuple[Any, ...] = value  # type: ignore[assignment]
    for position, number in enumerate(numbers):
        if not isinstance(number, str) or not v.E164.fullmatch(number):
            raise ValidationError(
                f"destinations[{position}]",
                f"must be an E.164 number such as '+393401234567', got {number!r}",
            )


def _ids(instance: LegacySms, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    seen: set[str] = set()
    items: tuple[Any, ...] = value  # type: ignore[assignment]
    for position, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(f"ids[{position}]", f"must be a non-empty string, got {item!r}")
        if "," in item:
            raise ValidationError(f"ids[{position}]", "must not contain a comma")
        if item in seen:
            raise ValidationError(f"ids[{position}]", f"repeats the id {item!r}")
        seen.add(item)


@attrs.frozen(kw_only=True)
class LegacySms:
    """One item of a Legacy request: one text, many recipients, one id each.

    Attributes:
        destinations: E.164 numbers.
        ids: your id for each destination, in the same order (the platform's
            ``ids``; the status endpoint and callbacks know each message by
            it). ``None``: the SDK makes a UUID4 per destination before sending.
        sender: up to 11 alphanumeric characters, or up to 16 digits.
        body: the text (with ``hex_body``, its hexadecimal bytes).
        hex_body: ``body`` is hexadecimal (binary SMS, with ``udh_data``).
        udh_data: a hex User Data Header.
        scheduling: when to send; timezone-aware, sent as ``yyyy-MM-dd HH:mm:ss.SSSZ``.
    """

    destinations: tuple[str, ...] = attrs.field(converter=_texts, validator=_destinations)
    sender: str = attrs.field(validator=v.sender)
    body: str = attrs.field(validator=v.non_empty_text)
    ids: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_texts), validator=_ids
    )
    hex_body: bool = attrs.field(default=False, validator=v.boolean)
    udh_data: str | None = attrs.field(default=None, validator=v.optional_hex)
    scheduling: datetime | None = attrs.field(default=None, validator=v.aware_datetime)

    def __attrs_post_init__(self) -> None:
        if self.ids is not None and len(self.ids) != len(self.destinations):
            raise ValidationError(
                "ids",
                f"must pair up with destinations: {len(self.ids)} ids for "
                f"{len(self.destinations)} destinations",
            )
        if self.hex_body and not v.HEX.fullmatch(self.body):
            raise ValidationError("body", "must be an even-length hexadecimal string (hex_body)")


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_OK = frozenset({"ok", "success", "accepted"})
_REFUSED = frozenset({"error", "fail", "failed", "ko", "rejected"})


def _status(value: Any) -> bool | None:
    """A JSend-style ``status``: ``"ok"`` accepts the request, ``"error"`` refuses it."""
    word = value.strip().lower() if isinstance(value, str) else None
    return True if word in _OK else False if word in _REFUSED else None


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _string(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


@attrs.frozen(kw_only=True)
class LegacyResult:
    """The verdict for one id of a Legacy request.

    Attributes:
        id: the message's id, as answered.
        destination: its number, as answered.
        accepted: taken for sending; ``None`` when the answer does not say
            (neither ``accepted`` nor a ``statusCode``).
        status_code: the per-message code of the wholesale shape (200 = ok).
        raw: the decoded item.
    """

    id: str | None = None
    destination: str | None = None
    accepted: bool | None = None
    status_code: int | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> LegacyResult:
        """Lenient: odd fields read as ``None``, everything kept in ``raw``."""
        code = _code(data.get("statusCode"))
        accepted = _flag(data.get("accepted"))
        if accepted is None and code is not None:
            accepted = code == 200
        return cls(
            id=_string(data.get("id", data.get("messageId"))),
            destination=_string(data.get("destination")),
            accepted=accepted,
            status_code=code,
            raw=data,
        )


@attrs.frozen(kw_only=True)
class LegacySendResult:
    """The answer to one Legacy request.

    Attributes:
        global_id: the request's ``globalId`` (the SDK sends one: yours, or a UUID4).
        accepted: the answer's own ``accepted``: ``True``/``False``, a count of
            accepted messages; without one, a JSend ``status`` (``"ok"``:
            ``True``, ``"error"``: ``False``, its ``code`` and ``message`` in
            ``raw``); ``None`` when the answer says neither.
        results: one verdict per message, when the answer lists them.
        simulation: echoed when the answer says so.
        raw: the decoded answer, whatever its shape.
    """

    global_id: str | None = None
    accepted: bool | int | None = None
    results: tuple[LegacyResult, ...] = ()
    simulation: bool | None = None
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def for_id(self, message_id: str) -> LegacyResult | None:
        """The verdict for ``message_id``, if the answer has one."""
        return next((r for r in self.results if r.id == message_id), None)

    @classmethod
    def read(cls, data: Any, sent_global_id: str | None = None) -> LegacySendResult:
        """Read the wholesale shape; tolerate others (a bare list of results, no results, no body).

        Raises:
            TypeError: the answer is not a JSON object or list (the pipeline
                turns it into ``MalformedResponseError``, or for a send an
                ``OutcomeUnknownError``).
        """
        if data is None:  # an empty 2xx body
            data = {}
        if isinstance(data, list):
            data = {"results": data}
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        items = data.get("results")
        if isinstance(items, Mapping):  # keyed by id
            items = [
                {"id": key, **value} for key, value in items.items() if isinstance(value, Mapping)
            ]
        results = tuple(
            LegacyResult.read(item)
            for item in (items if isinstance(items, list) else ())
            if isinstance(item, Mapping)
        )
        accepted = data.get("accepted")
        if isinstance(accepted, bool) or (isinstance(accepted, int) and accepted >= 0):
            pass
        else:
            accepted = _status(data.get("status")) if accepted is None else None
        return cls(
            global_id=_string(data.get("globalId")) or sent_global_id,
            accepted=accepted,
            results=results,
            simulation=_flag(data.get("simulation")),
            raw=data,
        )
