"""The retry rules of design §4, as pure functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qlara import RetryPolicy, ValidationError
from qlara._retry import Action, Safety, classify_status, decide, parse_retry_after

POLICY = RetryPolicy()


@pytest.mark.parametrize(
    ("status", "safety"),
    [
        (408, Safety.SAFE),
        (429, Safety.SAFE),
        (503, Safety.SAFE),
        (500, Safety.AMBIGUOUS),
        (502, Safety.AMBIGUOUS),
        (504, Safety.AMBIGUOUS),
        (400, Safety.FINAL),
        (401, Safety.FINAL),
        (403, Safety.FINAL),
        (404, Safety.FINAL),
        (409, Safety.FINAL),
        (501, Safety.FINAL),
    ],
)
def test_status_classification(status: int, safety: Safety) -> None:
    """Only statuses where nothing was processed are safe to repeat for a send."""
    assert classify_status(status) is safety


def test_safe_failures_are_retried_for_sends() -> None:
    """A send is retried when nothing reached the platform."""
    decision = decide(Safety.SAFE, idempotent=False, retries_done=0, max_retries=2, policy=POLICY)
    assert decision.action is Action.RETRY


def test_ambiguous_send_is_not_retried() -> None:
    """A send that may have landed is reported as unknown, not repeated."""
    decision = decide(
        Safety.AMBIGUOUS, idempotent=False, retries_done=0, max_retries=2, policy=POLICY
    )
    assert decision.action is Action.FAIL_UNKNOWN


def test_ambiguous_send_retried_when_opted_in() -> None:
    """retry_ambiguous_sends=True trades duplicates for delivery."""
    policy = RetryPolicy(retry_ambiguous_sends=True)
    decision = decide(
        Safety.AMBIGUOUS, idempotent=False, retries_done=0, max_retries=2, policy=policy
    )
    assert decision.action is Action.RETRY
    exhausted = decide(
        Safety.AMBIGUOUS, idempotent=False, retries_done=2, max_retries=2, policy=policy
    )
    assert exhausted.action is Action.FAIL_UNKNOWN


def test_idempotent_requests_retry_ambiguous_failures() -> None:
    """GET, PUT and DELETE may be repeated after a 500 or a read timeout."""
    decision = decide(
        Safety.AMBIGUOUS, idempotent=True, retries_done=1, max_retries=2, policy=POLICY
    )
    assert decision.action is Action.RETRY
    exhausted = decide(
        Safety.AMBIGUOUS, idempotent=True, retries_done=2, max_retries=2, policy=POLICY
    )
    assert exhausted.action is Action.FAIL


def test_final_failures_are_never_retried() -> None:
    """A 400 or 401 fails at once, whatever the budget."""
    for idempotent in (True, False):
        decision = decide(
            Safety.FINAL, idempotent=idempotent, retries_done=0, max_retries=9, policy=POLICY
        )
        assert decision.action is Action.FAIL


def test_retry_after_is_honoured_and_capped() -> None:
    """The platform's wait is used as the delay, but past max_retry_after it gives up."""
    waits = decide(
        Safety.SAFE, idempotent=False, retries_done=0, max_retries=2, policy=POLICY, retry_after=12
    )
    assert waits == type(waits)(Action.RETRY, 12)
    too_long = decide(
        Safety.SAFE, idempotent=False, retries_done=0, max_retries=2, policy=POLICY, retry_after=61
    )
    assert too_long.action is Action.FAIL


@given(
    safety=st.sampled_from(Safety),
    idempotent=st.booleans(),
    max_retries=st.integers(0, 10),
    ambiguous_ok=st.booleans(),
    jitter=st.floats(0, 1, exclude_max=True),
)
def test_budget_bounds_the_number_of_attempts(
    safety: Safety, idempotent: bool, max_retries: int, ambiguous_ok: bool, jitter: float
) -> None:
    """Whatever fails, there are at most max_retries + 1 attempts."""
    policy = RetryPolicy(retry_ambiguous_sends=ambiguous_ok)
    retries = 0
    while (
        decide(
            safety,
            idempotent=idempotent,
            retries_done=retries,
            max_retries=max_retries,
            policy=policy,
            jitter=jitter,
        ).action
        is Action.RETRY
    ):
        retries += 1
        assert retries <= max_retries
    if safety is Safety.AMBIGUOUS and not idempotent and not ambiguous_ok:
        assert retries == 0


@given(
    initial=st.floats(0, 5),
    spread=st.floats(0, 20),
    retry_number=st.integers(0, 100),
    jitter=st.floats(0, 1, exclude_max=True),
)
def test_backoff_stays_within_bounds(
    initial: float, spread: float, retry_number: int, jitter: float
) -> None:
    """Backoff is exponential but never below the first wait nor above the cap."""
    policy = RetryPolicy(initial_backoff=initial, max_backoff=initial + spread)
    delay = policy.backoff(retry_number, jitter)
    assert policy.initial_backoff <= delay <= policy.max_backoff


@given(retry_number=st.integers(0, 20))
def test_backoff_grows(retry_number: int) -> None:
    """Each retry waits at least as long as the one before, until the cap (at equal jitter)."""
    assert POLICY.backoff(retry_number + 1, 0.0) >= POLICY.backoff(retry_number, 0.0)


def test_default_backoff_range() -> None:
    """The defaults run from 0.5 s to 8 s."""
    assert POLICY.backoff(0, 0.0) == 0.5
    assert POLICY.backoff(30, 0.0) == 8.0
    assert 6.0 <= POLICY.backoff(30, 0.999) < 8.0


@given(retry_number=st.integers(0, 10))
def test_jitter_spreads_every_retry(retry_number: int) -> None:
    """Tasks that failed together do not retry at the same moment, first retry included."""
    assert POLICY.backoff(retry_number, 0.0) != POLICY.backoff(retry_number, 0.9)


def test_policy_rejects_nonsense() -> None:
    """Negative waits or an inverted range are refused when the policy is built."""
    with pytest.raises(ValidationError):
        RetryPolicy(initial_backoff=-1)
    with pytest.raises(ValidationError):
        RetryPolicy(initial_backoff=5, max_backoff=1)
    with pytest.raises(ValidationError):
        RetryPolicy(max_retry_after=float("inf"))


NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "body", "expected"),
    [
        (None, 12, 12.0),
        (None, 1.5, 1.5),
        (None, "7", 7.0),
        ("3", None, 3.0),
        ("3", 12, 12.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), None, 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), None, 0.0),
        ("soon", None, None),
        (None, -4, None),
        (None, True, None),
        (None, None, None),
        ("-1", None, None),
        ("nan", None, None),
    ],
)
def test_retry_after_forms(header: str | None, body: object, expected: float | None) -> None:
    """The body's retryAfter wins; the header may be seconds or an HTTP date; garbage is ignored."""
    assert parse_retry_after(header, body, now=NOW) == expected


@given(st.text(max_size=40), st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=10)))
def test_retry_after_never_raises(header: str, body: object) -> None:
    """No hint, however malformed, turns a retryable 429 into a crash."""
    value = parse_retry_after(header, body, now=NOW)
    assert value is None or value >= 0
