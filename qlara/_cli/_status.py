"""``qlara status ID --channel CHANNEL``: poll one message's delivery status."""

from __future__ import annotations

import argparse
from typing import Any

from qlara._cli._common import Output, client_for, common_options

__all__ = ["add_parser"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status", help="the delivery status of one message", parents=[common_options()]
    )
    parser.add_argument("message_id", metavar="ID", help="the message id the send used")
    parser.add_argument(
        "--channel",
        required=True,
        type=str.upper,
        choices=["SMS", "RCS", "WHATSAPP"],
        help="the channel it was sent on",
    )
    parser.set_defaults(handler=_status)


async def _status(args: argparse.Namespace, out: Output) -> int:
    async with client_for(args) as client:
        status = await client.messages.status(args.message_id, channel=args.channel)
    state = str(getattr(status.status, "value", status.status))
    data = {
        "customerMessageId": status.customer_message_id,
        "status": state,
        "description": status.description,
    }
    text = f"{status.customer_message_id}  {state}"
    if status.description:
        text += f"  {status.description}"
    out.emit(data, text)
    return 0
