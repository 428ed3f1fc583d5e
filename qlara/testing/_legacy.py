"""The SMS Legacy endpoints: ``POST /api/services/sms/send`` and ``GET /api/services/sms/credit``.

A request carries global flags and ``messages[]`` items, each with ``ids`` and
``destinations`` that pair up. Validation answers 400 with the Legacy
JSend-style body ``{"status": "error", "message": ..., "code": <int>}`` and
the documented code where one applies (4 wrong destination, 6 body missing,
7 body too long, 10 sender missing, 13 destination missing, 14 message items
missing, 15 ids/destinations mismatch, 18 wrong sender, 20 globalId, 21
maxIdLen, 22 udhData, 23 scheduling, 24 body not allowed); a body over the
simulator's ``max_request_bytes`` answers 413. A valid request is answered in
the wholesale shape ``{globalId, accepted, results: [{destination, id,
accepted, statusCode}]}``, and each accepted id is tracked like any SMS (its
status is polled by that id, its callbacks name it), so one request carries
many messages and counts once against the key's budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qlara._models import Channel
from qlara._models._validate import ALPHANUMERIC_SENDER, E164, HEX, NUMERIC_SENDER
from qlara.testing._encoding import sms_parts
from qlara.testing._sends import Parsed, new_id
from qlara.testing._wire import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["credit", "send"]

MAX_PARTS = 10  # a longer text is refused with code 7
DEFAULT_MAX_ID_LEN = 64
FLAGS = ("enableConcatenated", "enableUnicode", "enableDelivery", "simulation", "skipRcsOverride")


class LegacyError(Exception):
    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def jsend(status: int, code: int | None, message: str) -> SimResponse:
    body: dict[str, Any] = {"status": "error", "message": message}
    if code is not None:
        body["code"] = code
    return json_response(status, body)


def _text(item: Mapping[str, Any], field: str, where: str, missing: int) -> str:
    value = item.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise LegacyError(missing, f"{where}.{field} is missing")
    if not isinstance(value, str):
        raise LegacyError(missing, f"{where}.{field} must be a string")
    return value


def _scheduling(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f%z")
    except (TypeError, ValueError):
        raise LegacyError(
            23, f"{where}.scheduling must be 'yyyy-MM-dd HH:mm:ss.SSSZ', got {value!r}"
        ) from None


def _item(
    item: Any, where: str, max_id_len: int, concatenated: bool
) -> tuple[list[tuple[str, str]], str, str, bool, datetime | None]:
    if not isinstance(item, Mapping):
        raise LegacyError(14, f"{where} must be an object")
    destinations = item.get("destinations")
    if not isinstance(destinations, list) or not destinations:
        raise LegacyError(13, f"{where}.destinations is missing")
    for position, number in enumerate(destinations):
        if not isinstance(number, str) or not E164.fullmatch(number):
            raise LegacyError(4, f"{where}.destinations[{position}] is not a valid number")
    ids = item.get("ids")
    if ids is None:
        ids = [new_id() for _ in destinations]
    if not isinstance(ids, list) or len(ids) != len(destinations):
        raise LegacyError(15, f"{where}: destinations and ids differ in length")
    for position, value in enumerate(ids):
        if not isinstance(value, str) or not value:
            raise LegacyError(15, f"{where}.ids[{position}] must be a non-empty string")
        if len(value) > max_id_len:
            raise LegacyError(21, f"{where}.ids[{position}] is longer than maxIdLen={max_id_len}")
    sender = _text(item, "sender", where, 10)
    if not (NUMERIC_SENDER.fullmatch(sender) or ALPHANUMERIC_SENDER.fullmatch(sender)):
        raise LegacyError(18, f"{where}.sender must be up to 11 alphanumerics or 16 digits")
    body = _text(item, "body", where, 6)
    hex_body = item.get("hexBody", False)
    if not isinstance(hex_body, bool):
        raise LegacyError(24, f"{where}.hexBody must be true or false")
    if hex_body and not HEX.fullmatch(body):
        raise LegacyError(24, f"{where}.body is not hexadecimal (hexBody)")
    udh = item.get("udhData")
    if udh is not None and (not isinstance(udh, str) or not HEX.fullmatch(udh)):
        raise LegacyError(22, f"{where}.udhData must be hexadecimal")
    # At most 335 characters always fit 10 parts (670 UCS-2 units): no need to count.
    parts = 1 if hex_body or len(body) <= 335 else sms_parts(body)[0]
    if concatenated and parts > MAX_PARTS:  # without concatenation it is cut to one part
        raise LegacyError(7, f"{where}.body is too long ({parts} parts, at most {MAX_PARTS})")
    scheduled = _scheduling(item.get("scheduling"), where)
    return list(zip(ids, destinations, strict=True)), sender, body, hex_body, scheduled


def _flags(data: Mapping[str, Any]) -> dict[str, bool]:
    flags = {}
    for name in FLAGS:
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            raise LegacyError(None, f"{name} must be true or false")
        flags[name] = value
    return {
        "concatenated": flags["enableConcatenated"] is not False,
        "delivery": flags["enableDelivery"] is not False,
        "simulation": flags["simulation"] is True,
    }


def _check(data: Any) -> tuple[str, dict[str, bool], list[Any], int]:
    if not isinstance(data, Mapping):
        raise LegacyError(14, "the body must be a JSON object with messages")
    global_id = data.get("globalId")
    if global_id is None:
        global_id = new_id()
    elif not isinstance(global_id, str) or not global_id or len(global_id) > 255:
        raise LegacyError(20, "globalId must be a non-empty string of at most 255 characters")
    max_id_len = data.get("maxIdLen", DEFAULT_MAX_ID_LEN)
    if (
        isinstance(max_id_len, bool)
        or not isinstance(max_id_len, int)
        or not 1 <= max_id_len <= 255
    ):
        raise LegacyError(21, "maxIdLen must be an integer from 1 to 255")
    flags = _flags(data)
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        raise LegacyError(14, "messages is missing")
    return global_id, flags, messages, max_id_len


def send(sim: Simulator, request: SimRequest) -> SimResponse:
    """``POST /api/services/sms/send`` (lock held)."""
    if len(request.body) > sim.max_request_bytes:
        return jsend(413, None, f"Request too large: at most {sim.max_request_bytes} bytes")
    try:
        data = request.json()
    except ValueError:
        return jsend(400, 14, "Malformed JSON request body")
    try:
        global_id, flags, messages, max_id_len = _check(data)
        items = [
            _item(item, f"messages[{n}]", max_id_len, flags["concatenated"])
            for n, item in enumerate(messages)
        ]
    except LegacyError as exc:
        return jsend(400, exc.code, exc.message)
    results = []
    for (pairs, sender, body, hex_body, scheduled), raw in zip(items, messages, strict=True):
        for message_id, destination in pairs:
            parsed = Parsed(
                channel=Channel.SMS,
                dialect="legacy",
                message_id=message_id,
                destination=destination,
                sender=sender,
                text=None if hex_body else body,
                simulation=flags["simulation"],
                notify=flags["delivery"],
                scheduled=scheduled,
            )
            accepted = sim._accept_legacy(parsed, raw)
            results.append(
                {
                    "destination": destination,
                    "id": message_id,
                    "accepted": accepted,
                    "statusCode": 200 if accepted else 403,
                }
            )
    answer = {
        "globalId": global_id,
        "accepted": all(r["accepted"] for r in results),
        "results": results,
    }
    if flags["simulation"]:
        answer["simulation"] = True
    return json_response(200, answer)


def credit(sim: Simulator, request: SimRequest) -> SimResponse:
    """``GET /api/services/sms/credit``: ``{"credit": <EUR>}``."""
    return json_response(200, {"credit": sim.credit})
