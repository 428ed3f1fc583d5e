"""``send_many(..., sms_per_request=N)``: SMS inputs packed N at a time into SMS Legacy requests.

The platform's budget counts requests, so N messages per request fit N times
as many messages into it. A worker of ``SendMany`` that pulls an SMS keeps
pulling until it holds ``N`` inputs or one pack is full, then sends what it
holds at once: each pack as one ``POST /api/services/sms/send``, every other
input alone through its own endpoint. The rest of ``send_many`` is unchanged:
one ``Outcome`` per input, the rate limiter, the journal and the resume.

What travels in a pack: an ``SmsMessage`` without ``campaign_id`` (the Legacy
format has none), whose placeholders all render (the text is filled here,
as the platform would; a token without a value goes alone, so the platform
decides, as on SMS Universal), and whose id is at most 64 characters (the
documented ``maxIdLen``). Messages differing in ``simulation``,
``enable_notification`` (``enableDelivery``) or ``skip_rcs_override`` go in
different packs; identical texts from one sender at one time share an item.

A pack is full at ``N`` messages or ``MAX_REQUEST_BYTES`` of JSON, whichever
comes first. A 413, or a 400 whose message names the size, splits the pack in
two and sends each half (each in its own request, journaled as such), down to
one message, before any outcome is reported.

Outcomes are read by id from the answer's ``results``: accepted, rejected
(``ok`` false, only that message), or absent (``OutcomeUnknownError``). A
request that may have landed (read timeout, dropped connection, 5xx, an
unreadable 2xx) makes each of its messages an ``OutcomeUnknownError``; none is
sent again. The journal's ``start`` records carry the pack's ``globalId``, so
it shows which inputs travelled together; a resume looks every started SMS up
with ``client.messages.statuses`` (up to 100 ids a request): found means landed,
absent means never arrived (sent now, same id), a failed lookup is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from qlara._converter import format_scheduled_date
from qlara._errors import (
    APIError,
    APIStatusError,
    OutcomeUnknownError,
    QlaraError,
    ValidationError,
    status_error,
)
from qlara._models import Channel, ChannelResult, SendResult, SmsMessage
from qlara._models.legacy import MAX_ID_LENGTH, LegacyResult, LegacySendResult
from qlara._models.outcome import Outcome
from qlara._resources import sms_legacy

__all__ = [
    "MAX_REQUEST_BYTES",
    "MAX_SMS_PER_REQUEST",
    "Entry",
    "body_of",
    "check_sms_per_request",
    "flags_of",
    "for_message",
    "legacy_text",
    "outcomes_of",
    "too_large",
    "verdicts",
]

MAX_SMS_PER_REQUEST = 1000
MAX_REQUEST_BYTES = 512 * 1024  # half of the common 1 MiB default of proxies (nginx)
_ITEM_OVERHEAD = 120  # an item's field names, quotes and punctuation, a scheduling
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
_ITEM_CODES = frozenset({4, 6, 7, 10, 13, 15, 18, 22, 23, 24})  # api §4.2
_SIZE_WORDS = re.compile(r"too large|too big|size|payload|entity|too many messages")


def check_sms_per_request(value: object) -> int:
    """``sms_per_request`` must be an integer from 1 to ``MAX_SMS_PER_REQUEST``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MAX_SMS_PER_REQUEST
    ):
        raise ValidationError(
            "sms_per_request",
            f"must be an integer from 1 to {MAX_SMS_PER_REQUEST}, got {value!r}",
        )
    return value


def legacy_text(message: SmsMessage) -> str | None:
    """The text as the Legacy format would carry it, or ``None`` when it cannot faithfully."""
    if message.campaign_id is not None:
        return None
    if message.message_id is not None and (
        len(message.message_id) > MAX_ID_LENGTH or "," in message.message_id
    ):
        return None
    values = message.placeholders
    if values is None:
        return message.body  # nothing to fill: the text goes as written, as on Universal
    if not all(isinstance(value, str) for value in values.values()):
        return None  # changed after construction: alone, it fails as it would unpacked
    if any(
        not _PLACEHOLDER.fullmatch(f"{{{name}}}") and f"{{{name}}}" in message.body
        for name in values
    ):
        return None  # a token the SDK does not render (``{first name}``): the platform decides
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None:
            missing = True
            return match.group(0)
        return value

    text = _PLACEHOLDER.sub(fill, message.body)
    return None if missing else text


def too_large(exc: QlaraError) -> bool:
    """A 413, or a 400 whose message names the size: the request must be split.

    A 400 carrying a Legacy code about one item's content (a wrong number, a
    text too long...) is not about the request's size, whatever its words.
    """
    if not isinstance(exc, APIStatusError):
        return False
    if exc.status_code == 413:
        return True
    if exc.status_code != 400:
        return False
    code = exc.body.get("code") if isinstance(exc.body, Mapping) else None
    if isinstance(code, int) and code in _ITEM_CODES:
        return False
    return bool(_SIZE_WORDS.search(f"{exc.message}".lower()))


def for_message(exc: QlaraError, message_id: str, global_id: str, size: int) -> QlaraError:
    """The error of one message of a failed pack, naming that message."""
    where = f"SMS Legacy request {global_id} ({size} messages)"
    if isinstance(exc, OutcomeUnknownError):
        return OutcomeUnknownError(
            f"message {message_id} travelled in {where}, whose outcome is unknown, so it "
            f"was not sent again: {exc}",
            message_id=message_id,
            cause=exc,
        )
    if isinstance(exc, APIStatusError):
        error: QlaraError = status_error(
            exc.status_code,
            exc.message,
            body=exc.body,
            headers=exc.headers,
            message_id=message_id,
            retry_after=getattr(exc, "retry_after", None),
        )
    elif isinstance(exc, APIError):
        error = type(exc)(f"{where} failed: {exc}", message_id=message_id)
    else:
        return exc
    error.__cause__ = exc
    return error


def _json_length(text: str) -> int:
    """An upper bound of the bytes ``text`` takes in the JSON body (exact for plain ASCII)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2
    return 6 * len(text) + 2  # every character escaped as \uXXXX at worst


class Entry:
    """One SMS input in a pack: its index, the input item, the message as sent, its text.

    ``digest`` is the journal's digest of the input (``""`` without a journal).
    """

    __slots__ = ("digest", "index", "item", "message", "size", "text")

    def __init__(
        self, index: int, item: SmsMessage, message: SmsMessage, text: str, digest: str = ""
    ) -> None:
        self.index, self.item, self.message, self.text = index, item, message, text
        self.digest = digest
        self.size = (
            _json_length(text)
            + _json_length(str(message.message_id))
            + len(message.destination)
            + _json_length(message.sender)
            + len(message.udh_data or "")
            + _ITEM_OVERHEAD
        )


def flags_of(message: SmsMessage) -> tuple[bool, bool, bool]:
    return (message.simulation, message.enable_notification, message.skip_rcs_override)


def body_of(entries: list[Entry], global_id: str) -> dict[str, Any]:
    """One Legacy request for ``entries`` (same flags); identical texts share an item."""
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for entry in entries:
        message = entry.message
        key = (message.sender, entry.text, message.udh_data, message.scheduled_date)
        item = items.get(key)
        if item is None:
            item = items[key] = {"ids": [], "destinations": [], "sender": message.sender}
            item["body"] = entry.text
            if message.udh_data is not None:
                item["udhData"] = message.udh_data
            if message.scheduled_date is not None:
                item["scheduling"] = format_scheduled_date(message.scheduled_date)
        item["ids"].append(message.message_id)
        item["destinations"].append(message.destination)
    simulation, delivery, skip = flags_of(entries[0].message)
    return sms_legacy.build_body(
        list(items.values()),
        global_id=global_id,
        enable_delivery=delivery,
        simulation=simulation,
        skip_rcs_override=skip,
    )


def _digits(number: str) -> str:
    """A number as digits only: ``+39 340...``, ``0039340...`` and ``39340...`` compare equal."""
    digits = "".join(c for c in number if c.isdigit())
    return digits[2:] if number.lstrip().startswith("00") else digits


def _request_verdict(answer: LegacySendResult, size: int) -> bool | None:
    """What the answer says of the whole request: accepted, rejected, or ``None`` (it is unclear).

    ``accepted`` (``true``/``false``, or a count equal to the request's
    messages or 0) or a JSend ``status`` decides. A 2xx that says nothing
    either way (an empty body, ``{}``, only the ``globalId``) accepts the
    request: the Legacy format refuses with a 4xx/5xx and an error body.
    """
    overall = answer.accepted
    if isinstance(overall, int) and not isinstance(overall, bool):
        return True if overall == size else False if overall == 0 else None
    if overall is None and not any(k in answer.raw for k in ("accepted", "status", "results")):
        return True
    return overall


def verdicts(answer: LegacySendResult, entries: list[Entry]) -> list[LegacyResult | None]:
    """Each entry's verdict, by id (or by its destination); ``None``: unknown.

    A result listed without a verdict of its own takes the request's; with
    no per-message results at all, the request's verdict is every message's.
    An answer that lists results but none for a message leaves it unknown.
    """
    sent = {entry.message.message_id for entry in entries}
    by_id = {r.id: r for r in answer.results if r.id is not None}
    by_destination: dict[str, list[LegacyResult]] = {}
    for r in answer.results:
        # Without an id of ours (none, or the platform's own), a result goes by its number.
        if r.id not in sent and r.destination is not None:
            by_destination.setdefault(_digits(r.destination), []).append(r)
    counts: dict[str, int] = {}
    for entry in entries:
        key = _digits(entry.message.destination)
        counts[key] = counts.get(key, 0) + 1
    overall = _request_verdict(answer, len(entries))
    found: list[LegacyResult | None] = []
    for entry in entries:
        message_id = entry.message.message_id
        result = by_id.get(message_id) if message_id is not None else None
        destination = entry.message.destination
        if result is None:
            # By number, when its results agree for every message sent to it.
            same = by_destination.get(_digits(destination), [])
            if len(same) == counts[_digits(destination)] and len({r.accepted for r in same}) == 1:
                result = same[0]
        if result is not None and result.accepted is None and overall is not None:
            result = attrs.evolve(result, accepted=overall)
        if result is None and not answer.results and overall is not None:
            result = LegacyResult(id=message_id, destination=destination, accepted=overall)
        found.append(result if result is not None and result.accepted is not None else None)
    return found


def outcomes_of(answer: LegacySendResult, pack: list[Entry], global_id: str) -> list[Outcome]:
    """One outcome per message of an answered pack: its verdict, or unknown without one."""
    outcomes = []
    for entry, verdict in zip(pack, verdicts(answer, pack), strict=True):
        message = entry.message
        message_id = str(message.message_id)
        if verdict is None:
            cause = QlaraError(
                f"the answer to SMS Legacy request {global_id} has no verdict for it"
            )
            error = OutcomeUnknownError(
                f"message {message_id} travelled in SMS Legacy request {global_id}, whose "
                "answer does not say whether it was accepted; it was not sent again",
                message_id=message_id,
                cause=cause,
            )
            outcomes.append(Outcome(index=entry.index, message=message, error=error))
        else:
            result = _result(message, verdict, answer)
            outcomes.append(Outcome(index=entry.index, message=message, result=result))
    return outcomes


def _reasons(verdict: LegacyResult, answer: LegacySendResult) -> tuple[str, ...]:
    """Why a message was not accepted: its ``statusCode``, or the answer's words and code."""
    if verdict.status_code is not None:
        return (f"statusCode {verdict.status_code}",)
    for data in (verdict.raw, answer.raw):
        words = next(
            (data[k] for k in ("message", "description", "reason") if isinstance(data.get(k), str)),
            None,
        )
        code = data.get("code")
        if words or code is not None:
            return (f"code {code}: {words}" if code is not None else str(words),)
    return ("not accepted",)


def _result(message: SmsMessage, verdict: LegacyResult, answer: LegacySendResult) -> SendResult:
    accepted = bool(verdict.accepted)
    code = verdict.status_code
    reasons = () if accepted else _reasons(verdict, answer)
    return SendResult(
        message_id=str(message.message_id),
        simulation=message.simulation if answer.simulation is None else answer.simulation,
        results={Channel.SMS: ChannelResult(accepted=accepted, reasons=reasons, status_code=code)},
        platform_message_id=verdict.id,
        raw={"globalId": answer.global_id, **(verdict.raw or answer.raw)},
    )
