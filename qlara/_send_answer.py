"""Reading a send's answer: both documented shapes into one ``SendResult``.

Every message goes through here, so the documented answer is read by hand
(``_documented``): type checks only, no intermediate objects. Anything else
(the older list-shaped answer, harmless looseness, or a broken answer that
needs an error naming where it broke) goes the detailed way through the
cattrs converter. ``tests/test_converter.py`` holds the two paths to the same
verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from qlara._converter import structure
from qlara._errors import MalformedResponseError
from qlara._models import Channel, ChannelResult, SendResult
from qlara._models.channel import channel_or_none
from qlara._wire import boolean, count

__all__ = ["parse_send_result"]

_CHANNEL_KEYS = {channel.value.lower(): channel for channel in Channel}
_NO_REASONS: tuple[str, ...] = ()


def parse_send_result(data: Any, sent_message_id: str, channel: Channel) -> SendResult:
    """Read either documented send answer into a ``SendResult``.

    Results for a channel the SDK does not know are left out of ``results`` but
    kept in ``raw``. A result without ``accepted`` (older answers) is accepted
    when its ``statusCode`` is 2xx.
    """
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"malformed send answer: expected an object, got {type(data).__name__} @ $"
        )
    return _documented(data, sent_message_id) or detailed_send_result(
        data, sent_message_id, channel
    )


def _documented(data: Mapping[str, Any], sent_message_id: str) -> SendResult | None:
    """The documented answer, checked by hand; ``None`` sends it the detailed way."""
    results = data.get("results")
    message_id = data.get("messageId")
    customer_id = data.get("customerMessageId")
    simulation = data.get("simulation", False)
    if type(results) is not dict or type(simulation) is not bool:
        return None
    if not (
        (message_id is None or type(message_id) is str)
        and (customer_id is None or type(customer_id) is str)
    ):
        return None
    verdicts: dict[Channel, ChannelResult] = {}
    for key, item in results.items():
        if type(item) is not dict:
            return None
        accepted = item.get("accepted")
        reasons = item.get("reasons", _NO_REASONS)
        if type(accepted) is not bool:
            return None
        if reasons is not _NO_REASONS:
            if type(reasons) is not list or not all(type(r) is str for r in reasons):
                return None
            reasons = tuple(reasons)
        unicode, parts, status_code = item.get("unicode"), item.get("parts"), item.get("statusCode")
        if not (
            (unicode is None or type(unicode) is bool)
            and (parts is None or type(parts) is int)
            and (status_code is None or type(status_code) is int)
        ):
            return None
        result_channel = _CHANNEL_KEYS.get(key) or channel_or_none(key)
        if result_channel is not None:
            verdicts[result_channel] = ChannelResult(
                accepted, unicode, parts, reasons, status_code=status_code
            )
    return SendResult(
        sent_message_id,
        simulation,
        verdicts,
        platform_message_id=message_id,
        raw=data,
    )


@attrs.frozen(kw_only=True)
class _WireChannelResult:
    accepted: bool | None = None
    unicode: bool | None = None
    parts: int | None = None
    reasons: list[Any] = attrs.field(factory=list)
    status_code: int | None = None


@attrs.frozen(kw_only=True)
class _WireSendResponse:
    results: dict[str, _WireChannelResult]
    message_id: str | None = None
    customer_message_id: str | None = None
    simulation: bool = False


def _lenient_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) else None


def _lenient_result(item: Any) -> Any:
    """Looseness seen in answers that still say "accepted": never lose that verdict to it.

    Only ``accepted`` (or, in older answers, ``statusCode``) decides a verdict.
    The informational fields are read as what they obviously mean (``"1"``,
    ``1.0``, ``"false"``) and dropped when they cannot be read, rather than
    turning an accepted message into an unknown one.
    """
    if not isinstance(item, Mapping):
        return item
    item = dict(item)
    for key in ("accepted", "unicode"):
        if key in item and not isinstance(item[key], bool):
            flag = boolean(item[key])
            if flag is not None:
                item[key] = flag
            elif key == "unicode":
                del item[key]
    for key in ("parts", "statusCode"):
        if key in item and (isinstance(item[key], bool) or not isinstance(item[key], int)):
            whole = count(item[key])
            if whole is not None:
                item[key] = whole
            elif key == "parts" or "accepted" in item:
                del item[key]
    reasons = item.get("reasons")
    if reasons is None:
        item.pop("reasons", None)
    elif isinstance(reasons, (str, Mapping)):
        item["reasons"] = [reasons]
    elif not isinstance(reasons, list):
        item["reasons"] = [str(reasons)]
    return item


def _normalize_send_answer(data: Mapping[str, Any], default_channel: Channel) -> dict[str, Any]:
    """Both documented answer shapes, keyed by channel, with harmless looseness smoothed.

    The older answer lists results with a ``channel`` each; a listed result
    without one belongs to the channel the message was sent on. A ``null``
    simulation flag or reasons list, a whole float part count, and numeric ids
    are read as what they obviously mean.
    """
    answer = dict(data)
    simulation = boolean(answer.get("simulation"))
    if simulation is None:
        answer.pop("simulation", None)
    else:
        answer["simulation"] = simulation
    for key in ("messageId", "customerMessageId"):
        if key in answer:
            answer[key] = _lenient_id(answer[key])
    results = answer.get("results")
    if isinstance(results, list):
        keyed: dict[str, Any] = {}
        for index, item in enumerate(results):
            channel = (
                item.get("channel", default_channel.value) if isinstance(item, Mapping) else None
            )
            keyed[channel if isinstance(channel, str) else f"[{index}]"] = item
        results = keyed
    if isinstance(results, Mapping):
        answer["results"] = {key: _lenient_result(item) for key, item in results.items()}
    return answer


def _reason_text(reason: Any) -> str:
    if isinstance(reason, str):
        return reason
    if isinstance(reason, Mapping):
        for key in ("message", "description", "reason", "code"):
            if key in reason:
                return str(reason[key])
    return str(reason)


def detailed_send_result(
    data: Mapping[str, Any], sent_message_id: str, channel: Channel
) -> SendResult:
    """The send answer read through the converter: smoothed first, every failure named."""
    wire = structure(_normalize_send_answer(data, channel), _WireSendResponse, what="send")
    results: dict[Channel, ChannelResult] = {}
    for key, item in wire.results.items():
        result_channel = _CHANNEL_KEYS.get(key) or channel_or_none(key)
        if result_channel is None:
            continue
        accepted = item.accepted
        if accepted is None:
            if item.status_code is None:
                raise MalformedResponseError(
                    "malformed send answer: missing accepted (and no statusCode) "
                    f"@ $.results.{key}.accepted"
                )
            accepted = 200 <= item.status_code < 300
        results[result_channel] = ChannelResult(
            accepted=accepted,
            unicode=item.unicode,
            parts=item.parts,
            reasons=tuple(_reason_text(r) for r in item.reasons),
            status_code=item.status_code,
        )
    return SendResult(
        message_id=sent_message_id,
        simulation=wire.simulation,
        results=results,
        platform_message_id=wire.message_id,
        raw=data,
    )
