"""Webhook bodies of any shape into qlara.webhooks.parse: an event or a WebhookError, nothing else.

tests/test_webhooks_parse.py covers bytes and JSON text; here the campaign
adds what only a Python caller can pass (a decoded mapping with values JSON
never has: nan, huge ints, sets, objects, non-string keys) and what a
framework may hand over by mistake (a list, a number, None).
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from hypothesis import given, reject, settings
from hypothesis import strategies as st

import qlara
from qlara import webhooks

EVENT_TYPES = webhooks.WebhookEvent.__args__  # type: ignore[attr-defined]
KEYS = st.sampled_from(
    [
        "eventType", "messageId", "customerMessageId", "channel", "statusCode", "status",
        "statusDescription", "timestamp", "eventDate", "receivedDate", "destination", "source",
        "text", "messageType", "mediaKey", "price", "numPart", "totalParts", "description",
    ]
)  # fmt: skip
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(5000).map(lambda digits: 10**digits),  # too long to print
    st.floats(),
    st.just(math.inf),
    st.text(max_size=30),
    st.sampled_from(["DELIVERY", "READ", "INBOUND", "SMS", "RCS", "2025-01-01T00:00:00+01:00"]),
    st.binary(max_size=8),
    st.just(object()),
    st.frozensets(st.integers(), max_size=2),
    st.datetimes(),
)
VALUES = st.recursive(
    ODD,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(KEYS | st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=12,
)
MAPPINGS = st.dictionaries(KEYS | st.integers() | st.none(), VALUES, max_size=8)
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None)


def _parse(body: Any) -> None:
    try:
        event = webhooks.parse(body)
    except qlara.WebhookError:
        return
    assert isinstance(event, EVENT_TYPES)


@FUZZ
@given(body=MAPPINGS)
def test_any_mapping_is_an_event_or_a_webhook_error(body: dict[Any, Any]) -> None:
    """A decoded body with any values and keys is an event or a WebhookError."""
    _parse(body)


@FUZZ
@given(body=VALUES)
def test_any_value_is_an_event_or_a_webhook_error(body: Any) -> None:
    """Whatever object is handed to parse, the answer is an event or a WebhookError."""
    _parse(body)


@FUZZ
@given(body=st.dictionaries(KEYS, VALUES, max_size=8))
def test_any_text_body_is_an_event_or_a_webhook_error(body: dict[str, Any]) -> None:
    """The same bodies as JSON text (where JSON can carry them) are an event or a WebhookError."""
    try:
        text = json.dumps(body, default=str)
    except ValueError:  # an int too long for text: JSON text cannot carry it
        reject()
    _parse(text)
    _parse(text.encode("utf-8", "surrogatepass"))
