"""How many SMS parts a text takes, and whether it needs UCS-2.

Pure functions over a string. The GSM 03.38 default alphabet packs 160
characters into one SMS and 153 into each part of a long one (the rest of each
part carries the concatenation header); characters of the extension table
(``^{}\\[~]|€`` and form feed) take two septets, and an escape pair is never
split across parts. Any other character forces UCS-2: 70 code units alone, 67
per part, where a character outside the Basic Multilingual Plane (most emoji)
is a surrogate pair of two units that is never split either.
"""

from __future__ import annotations

__all__ = ["GSM7_BASIC", "GSM7_EXTENDED", "sms_parts"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def _pack(costs: list[int], single: int, per_part: int) -> int:
    """Parts needed for units of the given sizes, never splitting one unit."""
    total = sum(costs)
    if total <= single:
        return 1
    parts, room = 1, per_part
    for cost in costs:
        if cost > room:
            parts += 1
            room = per_part
        room -= cost
    return parts


def sms_parts(text: str) -> tuple[int, bool]:
    """The number of parts ``text`` takes and whether it is sent as UCS-2.

    An empty text still takes one part.
    """
    costs: list[int] = []
    for char in text:
        if char in GSM7_BASIC:
            costs.append(1)
        elif char in GSM7_EXTENDED:
            costs.append(2)
        else:
            break
    else:
        return _pack(costs, GSM7_SINGLE, GSM7_PART), False
    units = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return _pack(units, UCS2_SINGLE, UCS2_PART), True
