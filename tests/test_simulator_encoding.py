"""SMS parts and encoding follow the GSM-7 / UCS-2 rules."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qlara.testing._encoding import GSM7_BASIC, GSM7_EXTENDED, sms_parts

BASIC = "".join(sorted(GSM7_BASIC))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (1, False)),
        ("a" * 160, (1, False)),
        ("a" * 161, (2, False)),
        ("a" * 306, (2, False)),
        ("a" * 307, (3, False)),
        ("€" * 80, (1, False)),
        ("€" * 81, (2, False)),
        ("è" * 70, (1, False)),
        ("ç" * 70, (1, True)),
        ("ç" * 71, (2, True)),
        ("ç" * 134, (2, True)),
        ("ç" * 135, (3, True)),
        ("😀" * 35, (1, True)),
        ("😀" * 36, (2, True)),
    ],
)
def test_known_lengths(text: str, expected: tuple[int, bool]) -> None:
    """The documented limits: 160/153 for GSM-7, 70/67 for UCS-2, extensions count 2."""
    assert sms_parts(text) == expected


def test_escape_pairs_are_not_split() -> None:
    """An extension character that would straddle two parts moves whole to the next."""
    assert sms_parts("a" * 152 + "€" + "a" * 7) == (2, False)  # 152 + 2 + 7 = 161 septets
    assert sms_parts("a" * 152 + "€" + "a" * 152) == (3, False)


@given(st.text(alphabet=BASIC, max_size=2000))
def test_plain_gsm_text_follows_the_formula(text: str) -> None:
    """For basic GSM-7 text the parts are 1 up to 160, else ceil(n / 153)."""
    parts, unicode = sms_parts(text)
    assert not unicode
    assert parts == (1 if len(text) <= 160 else math.ceil(len(text) / 153))


@given(st.text(max_size=500))
def test_parts_grow_with_the_text(text: str) -> None:
    """Adding a character never lowers the part count, and UCS-2 is sticky."""
    parts, unicode = sms_parts(text)
    more, more_unicode = sms_parts(text + "ç")
    assert more_unicode
    assert more >= parts if unicode else more >= 1


@given(st.text(alphabet="".join(GSM7_EXTENDED), max_size=300))
def test_extension_characters_take_two_septets(text: str) -> None:
    """Each extension character costs two septets."""
    parts, unicode = sms_parts(text)
    assert not unicode
    assert parts == (1 if 2 * len(text) <= 160 else math.ceil(len(text) / 76))
