"""``qlara sms segments TEXT``: what a text costs as an SMS, before sending it.

Offline: nothing is sent and no key is needed. The preview gives the parts,
the encoding, the size and the room left in the last part; when the text needs
UCS-2, it is printed again with every character that forced it marked
(``«ç»``), and each such character is listed with its code point and where it
appears, so it can be replaced.
"""

from __future__ import annotations

import argparse
import unicodedata
from typing import Any

import qlara
from qlara._cli._common import Output, UsageError
from qlara._segments import render_placeholders

__all__ = ["add_parser", "preview"]


def _json_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print machine-readable JSON"
    )
    return parent


def add_parser(subparsers: Any) -> None:
    sms = subparsers.add_parser("sms", help="SMS tools that need no connection")
    tools = sms.add_subparsers(dest="tool", metavar="TOOL", required=True)
    segments = tools.add_parser(
        "segments",
        help="how many parts a text takes, and which characters force UCS-2",
        parents=[_json_option()],
    )
    segments.add_argument("text", help="the SMS text")
    segments.add_argument(
        "--placeholder", action="append", metavar="NAME=VALUE", help="fill {NAME} (repeatable)"
    )
    segments.set_defaults(handler=_segments)


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


def _name(char: str) -> str:
    names = [unicodedata.name(c, f"U+{ord(c):04X}") for c in char]
    return " + ".join(names)


def preview(text: str) -> tuple[dict[str, Any], str]:
    """The JSON data and the human text of a text's preview."""
    counted = qlara.segments(text)
    forced = set(counted.ucs2_characters)
    marked = "".join(f"«{char}»" if char in forced else char for char in text)
    offending = [
        {
            "character": char,
            "codePoint": f"U+{ord(char):04X}",
            "name": _name(char),
            "positions": [i for i, c in enumerate(text) if c == char],
        }
        for char in counted.ucs2_characters
    ]
    data = {
        "encoding": counted.encoding,
        "parts": counted.parts,
        "length": counted.length,
        "perPart": counted.per_part,
        "remaining": counted.remaining,
        "ucs2Characters": offending,
        "marked": marked,
    }
    unit = "septets" if counted.encoding == "GSM-7" else "UTF-16 units"
    lines = [
        f"{counted.parts} part{'s' if counted.parts != 1 else ''}, {counted.encoding}, "
        f"{counted.length} {unit}, {counted.per_part} per part, "
        f"{counted.remaining} left in the last part"
    ]
    if offending:
        lines.append("UCS-2 because of (marked «»):")
        lines.append(f"  {marked}")
        for item in offending:
            where = ", ".join(str(p) for p in item["positions"])
            lines.append(
                f"  {item['character']!r}  {item['codePoint']}  {item['name']}  at {where}"
            )
        gsm = qlara.segments("".join(c for c in text if c not in forced))
        lines.append(f"without them: {gsm.parts} part{'s' if gsm.parts != 1 else ''}, GSM-7")
    return data, "\n".join(lines)


async def _segments(args: argparse.Namespace, out: Output) -> int:
    text = render_placeholders(args.text, _placeholders(args.placeholder))
    data, human = preview(text)
    out.emit(data, human)
    return 0
