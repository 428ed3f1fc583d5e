"""``qlara send sms|rcs|whatsapp``: send one message."""

from __future__ import annotations

import argparse
from typing import Any

import qlara
from qlara._cli._common import (
    Output,
    UsageError,
    client_for,
    common_options,
    integer,
    parse_integer,
)

__all__ = ["add_parser", "result_data"]


def _placeholders(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    result = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--placeholder must look like name=value, got {item!r}")
        result[name] = value
    return result


def _shared(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("destination", help="recipient in E.164 form, e.g. +393401234567")
    parser.add_argument("--message-id", help="your id for the message (default: a UUID4)")
    parser.add_argument("--campaign-id", help="group the message in reports")
    parser.add_argument(
        "--placeholder", action="append", metavar="NAME=VALUE", help="fill {NAME} (repeatable)"
    )
    parser.add_argument(
        "--simulation", action="store_true", help="validate without sending or spending credit"
    )


def add_parser(subparsers: Any) -> None:
    send = subparsers.add_parser("send", help="send one SMS, RCS or WhatsApp message")
    channels = send.add_subparsers(dest="channel", metavar="CHANNEL", required=True)
    parents = [common_options()]

    sms = channels.add_parser("sms", help="send an SMS", parents=parents)
    _shared(sms)
    sms.add_argument("--body", required=True, help="the text")
    sms.add_argument("--sender", required=True, help="up to 11 letters or 16 digits")
    sms.set_defaults(handler=_send_sms)

    rcs = channels.add_parser("rcs", help="send an RCS text or stored template", parents=parents)
    _shared(rcs)
    rcs.add_argument("--agent-id", type=integer, required=True, help="the RCS agent")
    content = rcs.add_mutually_exclusive_group(required=True)
    content.add_argument("--text", help="an RCS text message")
    content.add_argument("--template-id", type=integer, help="a stored RCS template")
    rcs.set_defaults(handler=_send_rcs)

    wa = channels.add_parser("whatsapp", help="send an approved WhatsApp template", parents=parents)
    _shared(wa)
    wa.add_argument("--phone-number-id", required=True, help="the sending WABA number id")
    template = wa.add_mutually_exclusive_group(required=True)
    template.add_argument("--template-id", help="the approved template's id")
    template.add_argument("--template-name", help="the template's name (with --language)")
    wa.add_argument("--language", help="the template's language, e.g. it")
    wa.add_argument("--param", action="append", help="a template parameter (repeatable)")
    wa.add_argument("--fallback-sms-sender", help="send an SMS from this sender if WhatsApp fails")
    wa.add_argument("--fallback-sms-body", help="the fallback SMS text")
    wa.set_defaults(handler=_send_whatsapp)


def _common_fields(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "destination": args.destination,
        "message_id": args.message_id,
        "campaign_id": args.campaign_id,
        "placeholders": _placeholders(args.placeholder),
        "simulation": args.simulation,
    }


def result_data(result: qlara.SendResult) -> dict[str, Any]:
    """A send result as JSON-ready data."""
    return {
        "messageId": result.message_id,
        "accepted": result.accepted,
        "simulation": result.simulation,
        "results": {
            channel.value: {
                "accepted": item.accepted,
                "unicode": item.unicode,
                "parts": item.parts,
                "reasons": list(item.reasons),
            }
            for channel, item in result.results.items()
        },
    }


def _report(out: Output, result: qlara.SendResult) -> int:
    words = []
    for channel, item in result.results.items():
        verdict = "accepted" if item.accepted else "rejected"
        detail = f" ({item.parts} part{'s' if item.parts != 1 else ''}" if item.parts else ""
        if detail:
            detail += ", unicode)" if item.unicode else ")"
        reasons = f": {'; '.join(item.reasons)}" if item.reasons else ""
        words.append(f"{channel.value} {verdict}{detail}{reasons}")
    simulated = " [simulation]" if result.simulation else ""
    out.emit(result_data(result), f"{', '.join(words)}{simulated}  message id {result.message_id}")
    return 0 if result.accepted else 1


async def _send_sms(args: argparse.Namespace, out: Output) -> int:
    message = qlara.SmsMessage(**_common_fields(args), body=args.body, sender=args.sender)
    async with client_for(args) as client:
        return _report(out, await client.send(message))


async def _send_rcs(args: argparse.Namespace, out: Output) -> int:
    body = qlara.RcsText(text=args.text) if args.text is not None else None
    message = qlara.RcsMessage(
        **_common_fields(args), agent_id=args.agent_id, body=body, template_id=args.template_id
    )
    async with client_for(args) as client:
        return _report(out, await client.send(message))


def _id(value: str) -> int | str:
    number = parse_integer(value)
    return value if number is None else number


async def _send_whatsapp(args: argparse.Namespace, out: Output) -> int:
    if args.template_name is not None and args.language is None:
        raise UsageError("--template-name needs --language")
    template = qlara.WhatsAppTemplate(
        id=None if args.template_id is None else _id(args.template_id),
        name=args.template_name,
        language=args.language,
        parameters=args.param,
    )
    fallback = None
    if args.fallback_sms_sender or args.fallback_sms_body:
        if not (args.fallback_sms_sender and args.fallback_sms_body):
            raise UsageError("give both --fallback-sms-sender and --fallback-sms-body")
        fallback = qlara.SmsFallback(sender=args.fallback_sms_sender, body=args.fallback_sms_body)
    message = qlara.WhatsAppMessage(
        **_common_fields(args),
        phone_number_id=_id(args.phone_number_id),
        template=template,
        fallback_sms=fallback,
    )
    async with client_for(args) as client:
        return _report(out, await client.send(message))
