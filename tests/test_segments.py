"""``qlara.segments``: parts, encoding and the characters that forced UCS-2."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import qlara
from qlara.testing._encoding import GSM7_BASIC, GSM7_EXTENDED, sms_parts
from qlara.testing._sends import fill
from tests.conftest import DESTINATION

BASIC = "".join(sorted(GSM7_BASIC))
EXTENDED = "".join(sorted(GSM7_EXTENDED))


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "length", "per_part", "remaining"),
    [
        ("", "GSM-7", 1, 0, 160, 160),
        ("a" * 160, "GSM-7", 1, 160, 160, 0),
        ("a" * 161, "GSM-7", 2, 161, 153, 145),
        ("a" * 306, "GSM-7", 2, 306, 153, 0),
        ("a" * 307, "GSM-7", 3, 307, 153, 152),
        # The extension table costs two septets: 80 euro signs fill one SMS exactly.
        ("€" * 80, "GSM-7", 1, 160, 160, 0),
        ("a" * 159 + "€", "GSM-7", 2, 161, 153, 145),
        # 152 septets then an escape pair: the pair moves whole to part 2.
        ("a" * 152 + "[" + "a" * 10, "GSM-7", 2, 164, 153, 141),
        ("a" * 151 + "[" + "a" * 10, "GSM-7", 2, 163, 153, 143),
        ("è" * 160, "GSM-7", 1, 160, 160, 0),
        ("ç" * 70, "UCS-2", 1, 70, 70, 0),
        ("ç" * 71, "UCS-2", 2, 71, 67, 63),
        ("ç" * 134, "UCS-2", 2, 134, 67, 0),
        ("ç" * 135, "UCS-2", 3, 135, 67, 66),
        # Emoji outside the BMP are two UTF-16 units; a pair is never split.
        ("😀" * 35, "UCS-2", 1, 70, 70, 0),
        ("😀" * 36, "UCS-2", 2, 72, 67, 61),
        ("a" * 66 + "😀", "UCS-2", 1, 68, 70, 2),
        ("a" * 66 + "😀" + "a" * 3, "UCS-2", 2, 71, 67, 62),
        # One ç in 160 GSM characters: three UCS-2 parts instead of one.
        ("a" * 159 + "ç", "UCS-2", 3, 160, 67, 41),
        # An unfilled token's braces are extension characters: two septets each.
        ("Ciao {name}, il tuo codice è 1234", "GSM-7", 1, 35, 160, 125),
    ],
)
def test_known_cases(
    text: str, encoding: str, parts: int, length: int, per_part: int, remaining: int
) -> None:
    """Known texts cost the documented parts: 160/153 septets, 70/67 UTF-16 units."""
    result = qlara.segments(text)
    assert (result.encoding, result.parts, result.length) == (encoding, parts, length)
    assert (result.per_part, result.remaining) == (per_part, remaining)
    assert result.is_unicode is (encoding == "UCS-2")


def test_ucs2_characters_in_order_of_first_appearance() -> None:
    """The characters that forced UCS-2 are listed once each, first seen first."""
    result = qlara.segments("Ciao ç! Ça va? ç 😀 € ñ “ok” 😀")
    assert result.ucs2_characters == ("ç", "😀", "“", "”")
    assert qlara.segments("plain € [text]").ucs2_characters == ()


@pytest.mark.parametrize(
    ("char", "septets"),
    [
        ("Ç", 1),  # the basic table has the capital C with cedilla...
        ("ç", None),  # ...and not the small one
        ("\f", 2),  # form feed is in the extension table
        *[(char, 2) for char in "€[]{}\\~^|"],
        ("`", None),
        ("\u00a0", None),  # a no-break space is no GSM space
        ("\x1b", None),  # the escape code is no character of its own
        ("\n", 1),
        ("\r", 1),
        ("¤", 1),
        ("à", 1),
        ("á", None),
    ],
)
def test_single_characters_follow_gsm_03_38(char: str, septets: int | None) -> None:
    """Each character costs what GSM 03.38 says: 1 or 2 septets, or it forces UCS-2."""
    result = qlara.segments("a" + char)
    if septets is None:
        assert (result.encoding, result.ucs2_characters) == ("UCS-2", (char,))
    else:
        assert (result.encoding, result.length) == ("GSM-7", 1 + septets)


def test_segments_is_frozen() -> None:
    """A ``Segments`` is a frozen value."""
    result = qlara.segments("hello")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        result.parts = 2  # type: ignore[misc]


def test_describe_names_the_cause() -> None:
    """The one-line description names the parts, encoding and the offending characters."""
    line = qlara.segments("a" * 159 + "ç").describe()
    assert line.startswith("3 parts, UCS-2, 160 UTF-16 units")
    assert line.endswith("UCS-2 because of: ç")


@pytest.mark.parametrize("bad", [b"bytes", None, 160])
def test_not_a_string_is_refused(bad: object) -> None:
    """Only text can be counted: anything else is a ValidationError naming ``text``."""
    with pytest.raises(qlara.ValidationError, match="must be a str") as caught:
        qlara.segments(bad)  # type: ignore[arg-type]
    assert caught.value.field == "text"


def test_sms_message_counts_its_rendered_body() -> None:
    """``SmsMessage.segments()`` counts the body after filling the placeholders given."""
    message = qlara.SmsMessage(
        destination=DESTINATION,
        sender="Shop",
        body="Ciao {name}, ordine {order} spedito {missing}",
        placeholders={"name": "Françoise", "order": "a" * 150},
    )
    result = message.segments()
    assert result.encoding == "UCS-2"
    assert result.ucs2_characters == ("ç",)
    assert result.length == len("Ciao Françoise, ordine " + "a" * 150 + " spedito {missing}")
    plain = qlara.SmsMessage(destination=DESTINATION, sender="Shop", body="Ciao {name}")
    assert plain.segments() == qlara.segments("Ciao {name}")


texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(BASIC),
        st.sampled_from(EXTENDED),
        st.sampled_from("çáő“”€\u00a0"),
        st.characters(codec="utf-8"),
    ),
    max_size=400,
)


@given(texts)
def test_agrees_with_the_simulator(text: str) -> None:
    """The SDK's count and the simulator's independent count agree on any text."""
    result = qlara.segments(text)
    assert (result.parts, result.is_unicode) == sms_parts(text)


@given(st.text(alphabet=st.sampled_from(BASIC + EXTENDED), max_size=700))
def test_gsm_parts_hold_their_text(text: str) -> None:
    """A GSM-7 count never claims more room than its parts hold, nor wastes a whole part."""
    result = qlara.segments(text)
    assert result.encoding == "GSM-7"
    assert 0 <= result.remaining < result.per_part or result.length == 0
    assert result.length <= result.parts * result.per_part
    if result.parts > 1:
        # Each part but the last loses at most one septet to an escape pair moved on.
        assert result.length > (result.parts - 1) * (result.per_part - 1)


names = st.text(alphabet="abcxyz_", min_size=1, max_size=5)


@given(
    st.lists(st.one_of(texts, names.map(lambda name: "{" + name + "}")), max_size=6).map("".join),
    st.dictionaries(names, texts, max_size=3),
)
def test_message_count_agrees_with_what_the_simulator_receives(
    body: str, placeholders: dict[str, str]
) -> None:
    """``SmsMessage.segments()`` fills placeholders as the simulator does, then counts alike."""
    message = qlara.SmsMessage(
        destination=DESTINATION, sender="Shop", body=body or "x", placeholders=placeholders
    )
    result = message.segments()
    assert (result.parts, result.is_unicode) == sms_parts(fill(message.body, placeholders))
