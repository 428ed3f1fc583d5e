"""``client.sms.legacy``: the SMS Legacy format, many SMS per request.

``POST /api/services/sms/send`` takes global flags and ``messages[]`` items
(one text, many ``destinations`` each with its own id); ``GET
/api/services/sms/credit`` answers ``{"credit": <EUR>}``. Like every send,
the request carries an id chosen before the first attempt, here the
``globalId`` (yours, or a UUID4), and each destination its own id: a failure
that may have landed is an ``OutcomeUnknownError`` carrying the ``globalId``,
and the ids can be polled with ``client.messages.statuses(ids, channel="SMS")``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from qlara._blocking import SyncResource, blocking
from qlara._converter import format_scheduled_date
from qlara._errors import MalformedResponseError, ValidationError
from qlara._http import CallOptions, HttpCore, TimeoutTypes
from qlara._models.legacy import MAX_ID_LENGTH, LegacySendResult, LegacySms
from qlara._request import Route
from qlara._resources import _sending
from qlara._resources._base import AsyncResource, call_options
from qlara._wire import number as _number

__all__ = ["SEND_PATH", "AsyncSmsLegacy", "SmsLegacy", "build_body", "post"]

SEND_PATH = "/services/sms/send"
CREDIT = Route("/services/sms/credit")


def _item(message: LegacySms) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ids": list(message.ids or ()),
        "destinations": list(message.destinations),
        "sender": message.sender,
        "body": message.body,
    }
    if message.hex_body:
        item["hexBody"] = True
    if message.udh_data is not None:
        item["udhData"] = message.udh_data
    if message.scheduling is not None:
        item["scheduling"] = format_scheduled_date(message.scheduling)
    return item


def _optional_bool(name: str, value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(name, f"must be True, False or None, got {value!r}")
    return value


def build_body(
    items: Sequence[Mapping[str, Any]],
    *,
    global_id: str,
    max_id_len: int | None = None,
    enable_concatenated: bool | None = None,
    enable_unicode: bool | None = None,
    enable_delivery: bool | None = None,
    simulation: bool | None = None,
    skip_rcs_override: bool | None = None,
) -> dict[str, Any]:
    """The request body; flags left ``None`` are not sent (the platform's defaults apply)."""
    body: dict[str, Any] = {"globalId": global_id}
    flags = {
        "maxIdLen": max_id_len,
        "enableConcatenated": enable_concatenated,
        "enableUnicode": enable_unicode,
        "enableDelivery": enable_delivery,
        "simulation": simulation,
        "skipRcsOverride": skip_rcs_override,
    }
    body.update((name, value) for name, value in flags.items() if value is not None)
    body["messages"] = list(items)
    return body


async def post(http: HttpCore, body: Mapping[str, Any], options: CallOptions) -> LegacySendResult:
    """POST a built body; ambiguous failures are ``OutcomeUnknownError`` (id: the globalId)."""
    global_id = str(body["globalId"])
    return await http.request(
        "POST",
        SEND_PATH,
        lambda data: LegacySendResult.read(data, global_id),
        body=dict(body),
        message_id=global_id,
        options=options,
    )


def _credit(data: Any) -> float:
    # {"credit": 12.5} as documented; a bare number (12.5) means the same
    value = _number(data.get("credit")) if isinstance(data, Mapping) else _number(data)
    if value is None:
        raise MalformedResponseError("the credit answer has no number at 'credit'")
    return value


_WIRE_NAMES = {"hexBody": "hex_body", "udhData": "udh_data"}
_FIELDS = frozenset(a.name for a in attrs.fields(LegacySms))


def _as_item(position: int, message: object) -> LegacySms:
    """A ``LegacySms``, or a mapping of its fields (snake_case or the wire's camelCase)."""
    if isinstance(message, LegacySms):
        return message
    if not isinstance(message, Mapping):
        raise ValidationError(
            f"messages[{position}]", f"must be a LegacySms, got {type(message).__name__}"
        )
    fields = {_WIRE_NAMES.get(str(k), str(k)): v for k, v in message.items()}
    unknown = sorted(set(fields) - _FIELDS)
    if unknown:
        raise ValidationError(f"messages[{position}].{unknown[0]}", "is not a Legacy item field")
    try:
        return LegacySms(**fields)
    except ValidationError as exc:
        raise ValidationError(f"messages[{position}].{exc.field}", exc.problem) from None
    except TypeError as exc:  # a required field is missing
        raise ValidationError(f"messages[{position}]", str(exc)) from None


class AsyncSmsLegacy(AsyncResource):
    """The SMS Legacy format: many SMS, each with its own id, in one request."""

    async def send(
        self,
        messages: Sequence[LegacySms | Mapping[str, Any]],
        *,
        global_id: str | None = None,
        max_id_len: int | None = None,
        enable_concatenated: bool | None = None,
        enable_unicode: bool | None = None,
        enable_delivery: bool | None = None,
        simulation: bool | None = None,
        skip_rcs_override: bool | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> LegacySendResult:
        """Send ``messages`` (``LegacySms`` items, or mappings of their fields) in one request.

        Flags left ``None`` are not sent, so the platform's defaults apply
        (concatenation, Unicode and delivery callbacks on; ``maxIdLen`` 64).
        Items without ``ids`` get a UUID4 per destination, made before the
        first attempt; the answer's ``results`` say which ids were accepted.

        Raises:
            ValidationError: an item, a flag or the id lengths are invalid; nothing was sent.
            OutcomeUnknownError: the request may have landed (``message_id`` is the globalId).
            APIStatusError: the platform refused the request (the Legacy error
                ``code`` is in ``.body``).
        """
        if isinstance(messages, (str, bytes, LegacySms)) or not isinstance(messages, Sequence):
            raise ValidationError("messages", "must be a list of LegacySms items")
        if not messages:
            raise ValidationError("messages", "must hold at least one LegacySms item")
        given = [_as_item(position, message) for position, message in enumerate(messages)]
        if global_id is not None and (not isinstance(global_id, str) or not global_id.strip()):
            raise ValidationError("global_id", f"must be a non-empty string, got {global_id!r}")
        if max_id_len is not None and (
            isinstance(max_id_len, bool) or not isinstance(max_id_len, int) or max_id_len < 1
        ):
            raise ValidationError("max_id_len", f"must be a positive integer, got {max_id_len!r}")
        flags = {
            name: _optional_bool(name, value)
            for name, value in (
                ("enable_concatenated", enable_concatenated),
                ("enable_unicode", enable_unicode),
                ("enable_delivery", enable_delivery),
                ("simulation", simulation),
                ("skip_rcs_override", skip_rcs_override),
            )
        }
        items = []
        seen: dict[str, int] = {}
        limit = max_id_len if max_id_len is not None else MAX_ID_LENGTH  # the documented default
        for position, item in enumerate(given):
            message = item
            if message.ids is None:
                ids = tuple(_sending.new_message_id() for _ in message.destinations)
                message = attrs.evolve(message, ids=ids)
            for number, item_id in enumerate(message.ids or ()):
                if seen.setdefault(item_id, position) != position:
                    raise ValidationError(
                        f"messages[{position}].ids[{number}]",
                        f"repeats the id {item_id!r} of messages[{seen[item_id]}]: "
                        "the answer's verdicts go by id",
                    )
                if len(item_id) > limit:
                    raise ValidationError(
                        f"messages[{position}].ids[{number}]",
                        f"is {len(item_id)} characters, more than maxIdLen {limit}",
                    )
            items.append(_item(message))
        body = build_body(
            items,
            global_id=global_id or _sending.new_message_id(),
            max_id_len=max_id_len,
            **flags,
        )
        return await post(self._http, body, call_options(timeout, extra_headers, extra_body))

    async def credit(
        self,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> float:
        """The account's remaining credit in EUR (``GET /api/services/sms/credit``)."""
        options = call_options(timeout, extra_headers, extra_body)
        request = CREDIT.request("GET", parse=_credit, what="credit")
        return await self._call(request, options)


class SmsLegacy(SyncResource):
    """Blocking ``client.sms.legacy``."""

    send = blocking(AsyncSmsLegacy.send)
    credit = blocking(AsyncSmsLegacy.credit)
