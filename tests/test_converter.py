"""The converter's hand-written fast path agrees with the validated one."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

import qlara
from qlara._send_answer import _documented, detailed_send_result, parse_send_result

leaves = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3), st.floats())
channel_results = st.dictionaries(
    st.sampled_from(["accepted", "unicode", "parts", "reasons", "statusCode", "extra"]),
    st.one_of(leaves, st.lists(st.one_of(st.text(max_size=3), st.integers()), max_size=2)),
)
answers = st.fixed_dictionaries(
    {
        "results": st.one_of(
            st.dictionaries(
                st.sampled_from(["sms", "rcs", "email"]), st.one_of(channel_results, leaves)
            ),
            leaves,
        )
    },
    optional={
        "messageId": leaves,
        "customerMessageId": leaves,
        "simulation": leaves,
        "other": leaves,
    },
)


WELL_FORMED = {
    "messageId": "m",
    "simulation": False,
    "results": {"sms": {"accepted": True, "unicode": False, "parts": 2, "reasons": []}},
}


@example(WELL_FORMED)
@given(answers)
def test_fast_path_agrees_with_cattrs(answer: dict[str, Any]) -> None:
    """Whenever the hand-written path reads an answer, the detailed one reads it the same."""
    fast = _documented(answer, "sent-id")
    if fast is None:
        assert answer is not WELL_FORMED
        return
    detailed = detailed_send_result(answer, "sent-id", qlara.Channel.SMS)
    assert fast == detailed
    assert fast.platform_message_id == detailed.platform_message_id
    assert fast.raw is detailed.raw
    assert all(r.reasons == list(r.reasons) for r in fast.results.values())


@given(answers)
def test_parse_never_raises_untyped_errors(answer: dict[str, Any]) -> None:
    """Any answer parses or raises MalformedResponseError; never KeyError or TypeError."""
    try:
        result = parse_send_result(answer, "sent-id", qlara.Channel.SMS)
    except qlara.MalformedResponseError:
        return
    assert result.message_id == "sent-id"
    assert all(isinstance(r.accepted, bool) for r in result.results.values())
