"""Arbitrary answers to every endpoint the SDK reaches: a result or a QlaraError, never a crash.

The endpoints are the table in tests/_endpoint_cases.py (one line per call,
so new resources join by one line); the answers are any status code, JSON of
any shape (near-miss documents built from the documented field names
included), raw bytes and HTML, with or without a JSON content type.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qlara
from tests._endpoint_cases import ENDPOINTS, SEND_ENDPOINTS, EndpointCase

FIELDS = st.sampled_from(
    [
        "messageId", "customerMessageId", "simulation", "results", "sms", "rcs", "whatsapp",
        "accepted", "unicode", "parts", "reasons", "phoneNumber", "channel", "statusCode",
        "deliveryStatus", "deliveryStatusDescription", "status", "messages", "id",
        "callbackUrl", "createdAt", "retryAfter", "message", "error", "detail", "sendDate",
    ]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["SMS", "RCS", "WHATSAPP", "DELIVERED", "ACTIVE", "2025-01-01T00:00:00Z"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(FIELDS | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)
SEND_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "messageId": SCALARS,
        "simulation": SCALARS,
        "results": JSON
        | st.dictionaries(st.sampled_from(["sms", "rcs", "whatsapp", "fax"]), JSON, max_size=3),
    },
)
BODIES = (
    JSON.map(lambda value: json.dumps(value).encode())
    | SEND_LIKE.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=60)
    | st.sampled_from([b"", b"<html><body>Bad Gateway</body></html>", b"null", b"{", b"[]"])
)
STATUSES = st.sampled_from([200, 201, 202, 204, 206, 299, 400, 401, 403, 404, 409, 414]) | (
    st.sampled_from([415, 418, 422, 429, 500, 502, 503, 504]) | st.integers(200, 599)
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(["application/json", "text/html", "text/plain", ""]),
        "retry-after": st.sampled_from(["0", "0.001", "soon", "-1", "1e309", "Wed, 21 Oct 2015"]),
        # Not "0": it holds the next request for a second, even with rate_limit=None.
        "x-ratelimit-remaining": st.sampled_from(["3", "lots", ""]),
    },
)


class Answer:
    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status, self.body, self.headers = status, body, headers

    def __repr__(self) -> str:
        return f"Answer({self.status}, {self.body!r}, {self.headers!r})"


ANSWERS = st.builds(Answer, STATUSES, BODIES, HEADERS)
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _client(answer: Answer) -> qlara.AsyncQlara:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(answer.status, content=answer.body, headers=answer.headers)

    return qlara.AsyncQlara(
        api_key="fuzz-key",
        transport=httpx.MockTransport(handler),
        max_retries=1,
        retry_policy=qlara.RetryPolicy(initial_backoff=0, max_backoff=0, max_retry_after=0.01),
        rate_limit=None,
    )


async def _call(case: EndpointCase, answer: Answer) -> Any:
    async with _client(answer) as client:
        return await case(client)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # answers are read the same on trio
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@FUZZ
@given(answer=ANSWERS)
async def test_any_answer_is_a_result_or_a_qlara_error(name: str, answer: Answer) -> None:
    """Whatever the platform answers, each endpoint returns or raises a QlaraError."""
    with contextlib.suppress(qlara.QlaraError):
        await _call(ENDPOINTS[name], answer)


TWO_XX = st.builds(Answer, st.sampled_from([200, 201, 202, 204, 299]), BODIES, HEADERS)
UNREADABLE = [
    b"",
    b'{"messageId": "m1"}',
    b"<html><body>OK</body></html>",
    b'{"results": 7}',
]  # the cases issue 9 reported (defect 2)


@pytest.mark.parametrize("body", UNREADABLE)
@pytest.mark.parametrize("name", sorted(SEND_ENDPOINTS))
async def test_an_unreadable_2xx_send_answer_is_an_unknown_outcome(name: str, body: bytes) -> None:
    """A 2xx send answer that cannot be read is OutcomeUnknownError carrying the message id."""
    with pytest.raises(qlara.OutcomeUnknownError) as caught:
        await _call(SEND_ENDPOINTS[name], Answer(200, body, {"content-type": "application/json"}))
    assert caught.value.message_id


@pytest.mark.parametrize("name", sorted(SEND_ENDPOINTS))
@FUZZ
@given(answer=TWO_XX)
async def test_any_2xx_send_answer_is_a_result_or_an_unknown_outcome(
    name: str, answer: Answer
) -> None:
    """A 2xx send answer is a result or OutcomeUnknownError with the message id, never a failure."""
    error: qlara.OutcomeUnknownError | None = None
    try:
        await _call(SEND_ENDPOINTS[name], answer)
    except qlara.OutcomeUnknownError as exc:
        error = exc
    assert error is None or error.message_id
