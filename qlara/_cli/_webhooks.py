"""``qlara webhooks get|set URL|delete``: the account's delivery-status webhook."""

from __future__ import annotations

import argparse
from typing import Any

from qlara._cli._common import Output, client_for, common_options
from qlara._redact import mask_url

__all__ = ["add_parser"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("webhooks", help="read, set or remove the callback URL")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    parents = [common_options()]
    actions.add_parser("get", help="show the configured URL", parents=parents).set_defaults(
        handler=_get
    )
    set_parser = actions.add_parser("set", help="create or replace the URL", parents=parents)
    set_parser.add_argument("url", help="an https:// URL (http:// only for localhost)")
    set_parser.set_defaults(handler=_set)
    actions.add_parser("delete", help="remove the URL", parents=parents).set_defaults(
        handler=_delete
    )


def _data(config: Any) -> dict[str, Any]:
    # Masked here too: terminals, CI logs and shell history keep what is printed.
    return {"callbackUrl": mask_url(config.callback_url), "id": config.id, "status": config.status}


async def _get(args: argparse.Namespace, out: Output) -> int:
    async with client_for(args) as client:
        config = await client.webhooks.get()
    if config is None:
        out.emit(None, "no webhook is configured")
    else:
        out.emit(
            _data(config), f"{mask_url(config.callback_url)}  ({config.status or 'status unknown'})"
        )
    return 0


async def _set(args: argparse.Namespace, out: Output) -> int:
    async with client_for(args) as client:
        config = await client.webhooks.set(args.url)
    out.emit(_data(config), f"webhook set: {mask_url(config.callback_url)}")
    return 0


async def _delete(args: argparse.Namespace, out: Output) -> int:
    async with client_for(args) as client:
        await client.webhooks.delete()
    out.emit({"deleted": True}, "webhook deleted")
    return 0
