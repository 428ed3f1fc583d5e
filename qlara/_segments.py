"""``qlara.segments(text)``: how many SMS parts a text costs, and why.

Pure functions over a string, written from GSM 03.38 and 3GPP TS 23.040 (the
simulator counts on its own, in ``qlara/testing/_encoding.py``, and a property
test holds the two to each other):

- A text made only of the GSM 7-bit default alphabet is sent as GSM-7: one
  septet per character of the basic table, two for the extension table
  (``ESC`` and the character: ``^ { } \\ [ ~ ] | €`` and form feed). 160
  septets fit one SMS; a longer text is split into parts of 153 septets (the
  other 7 carry the concatenation header), and a part never ends between an
  ``ESC`` and its character: such a pair moves whole to the next part.
- One character outside that alphabet sends the whole text as UCS-2, counted
  in UTF-16 code units: 70 fit one SMS, 67 per part of a longer one, and a
  character outside the Basic Multilingual Plane (most emoji) is a surrogate
  pair of two units that is never split across parts either.

An empty text costs one part (the platform sends, and bills, one empty SMS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import attrs

from qlara._errors import ValidationError
from qlara._models._items import Items

__all__ = ["Segments", "render_placeholders", "segments"]

# The basic table in code order, 0x00 to 0x7F; 0x1B (ESC) is a placeholder that
# no text can contain as a character of its own.
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
_SEPTETS: dict[str, int] = {char: 1 for char in _BASIC_TABLE if char != "\x1b"}
_SEPTETS.update(dict.fromkeys("\f^{}\\[~]|€", 2))

GSM7 = "GSM-7"
UCS2 = "UCS-2"
_LIMITS = {GSM7: (160, 153), UCS2: (70, 67)}

# ``{name}`` tokens as the send endpoints document them; an unknown name stays as written.
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.-]+)\}")


def _characters(value: Iterable[str]) -> Sequence[str]:
    return Items(value)


@attrs.frozen(kw_only=True)
class Segments:
    """What a text costs as an SMS.

    Attributes:
        encoding: ``"GSM-7"`` or ``"UCS-2"``.
        parts: the SMS parts it is split into (billed one each); at least 1.
        length: its size in septets (GSM-7) or UTF-16 code units (UCS-2).
        per_part: what one part holds: 160 or 153 septets, 70 or 67 units.
        remaining: room left in the last part, in the same unit, before the
            text takes one more part (or, for a single part, becomes concatenated).
        ucs2_characters: the characters that forced UCS-2, in order of first
            appearance, each once; replace them to get back to GSM-7. A tuple
            that also equals a list of the same characters.
    """

    encoding: str
    parts: int
    length: int
    per_part: int
    remaining: int
    ucs2_characters: Sequence[str] = attrs.field(default=(), converter=_characters)

    @property
    def is_unicode(self) -> bool:
        """True when the text goes out as UCS-2 (the send answer's ``unicode``)."""
        return self.encoding == UCS2

    def describe(self) -> str:
        """One line for people: ``"2 parts, GSM-7, 170 septets (136 left in the last part)"``."""
        unit = "septets" if self.encoding == GSM7 else "UTF-16 units"
        noun = "part" if self.parts == 1 else "parts"
        line = f"{self.parts} {noun}, {self.encoding}, {self.length} {unit}"
        line += f" ({self.remaining} left in the last part)"
        if self.ucs2_characters:
            shown = " ".join(_visible(char) for char in self.ucs2_characters)
            line += f"; UCS-2 because of: {shown}"
        return line


def _visible(char: str) -> str:
    return repr(char) if not char.isprintable() or char.isspace() else char


def _fill(costs: Iterable[int], single: int, per_part: int) -> tuple[int, int, int]:
    """``(length, parts, used in the last part)``: units packed whole, never split."""
    sizes = list(costs)
    length = sum(sizes)
    if length <= single:
        return length, 1, length
    parts, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return length, parts, used


def segments(text: str) -> Segments:
    """Count the SMS parts ``text`` takes, its encoding, and what forced UCS-2.

    The text is counted as written: fill placeholders first (or use
    ``SmsMessage.segments()``, which does).

    Raises:
        ValidationError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ValidationError("text", f"must be a str, got {type(text).__name__}")
    septets = [_SEPTETS.get(char, 0) for char in text]
    if 0 not in septets:
        encoding, costs = GSM7, septets
        forced: tuple[str, ...] = ()
    else:
        encoding = UCS2
        costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
        forced = tuple(dict.fromkeys(char for char in text if char not in _SEPTETS))
    single, concatenated = _LIMITS[encoding]
    length, parts, used = _fill(costs, single, concatenated)
    per_part = single if parts == 1 else concatenated
    return Segments(
        encoding=encoding,
        parts=parts,
        length=length,
        per_part=per_part,
        remaining=per_part - used,
        ucs2_characters=forced,
    )


def render_placeholders(text: str, placeholders: Mapping[str, str] | None) -> str:
    """Fill ``{name}`` tokens the way the platform does; unknown tokens stay as written."""
    if not placeholders:
        return text
    return PLACEHOLDER.sub(lambda match: placeholders.get(match.group(1), match.group(0)), text)
