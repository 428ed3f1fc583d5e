"""One input of ``send_many`` sent alone: its id, the checks before the wire, its outcome.

``prepare`` decides what an input becomes: a refusal (not a message, content
the journal cannot hash, over ``max_parts``), the reconciled outcome of a
message an earlier run started, or the message to send under its final id
(the caller's, the one an earlier run sent it with, or ``derived_id``).
``deliver`` sends it: the rate-limit slot first, then the journal's ``start``,
then the wire, so "start" means the message was really about to go out. A
failure is that message's outcome, unless it dooms every other message too
(``batch_wide``): then it is raised, and the run stops.

Both ways of sending (``_rounds``, ``_workers``) call ``process``, and so does
the packer for every input that cannot travel in a pack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.lowlevel

from qlara._batch._input import MESSAGE_TYPES, carrying_id, derived_id, resumed
from qlara._batch._outcomes import crashed, digest_of, reconcile, unencodable
from qlara._errors import (
    AuthenticationError,
    PermissionDeniedError,
    QlaraError,
    RateLimitError,
    ValidationError,
)
from qlara._guards import too_many_parts
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._batch._link import BatchLink
    from qlara._batch._run import Run

__all__ = ["batch_wide", "deliver", "prepare", "process"]


async def process(run: Run, index: int, item: Any) -> Outcome:
    """The outcome of one input, sent alone unless it must not (or need not) go out.

    Raises:
        QlaraError: a batch-wide failure (see ``batch_wide``).
        JournalError: the journal started another message at this index.
    """
    prepared = await prepare(run, index, item)
    if isinstance(prepared, Outcome):
        return prepared
    message, caller_id, digest = prepared
    return await deliver(run, index, message, caller_id, digest)


async def prepare(run: Run, index: int, item: Any) -> Outcome | tuple[Any, str | None, str]:
    """The message with its final id, or its outcome when it must not (or need not) go out."""
    if not isinstance(item, MESSAGE_TYPES):
        problem = f"must be an SmsMessage, RcsMessage or WhatsAppMessage, got {type(item).__name__}"
        return Outcome(
            index=index, message=item, error=ValidationError(f"messages[{index}]", problem)
        )
    message = item
    caller_id = message.message_id
    journal = run.journal
    digest = digest_of(item) if journal is not None else ""
    if digest is None:
        return unencodable(index, item)
    earlier = journal.started.get(index) if journal is not None else None
    if earlier is not None:
        assert journal is not None
        message = resumed(message, index, earlier, journal.path)
        reconciled = await reconcile(run.link.status, index, message, earlier)
        if reconciled is not None:
            return reconciled
    elif message.message_id is None:
        message = carrying_id(message, derived_id(run.namespace, index))
    message_id = message.message_id
    assert message_id is not None
    if run.max_parts is not None:
        refused = too_many_parts(index, message, run.max_parts)
        if refused is not None:  # before the journal's "start": it never goes out
            return Outcome(index=index, message=message, error=refused)
    return message, caller_id, digest or ""


async def deliver(
    run: Run, index: int, message: Any, caller_id: str | None, digest: str
) -> Outcome:
    """Send one prepared message: the rate-limit slot, the journal's ``start``, the wire."""
    message_id = message.message_id
    journal = run.journal
    limiter = run.link.limiter
    in_flight = run.in_flight
    # Take the rate-limit slot first, so the journal says "start" only when
    # the message is really about to go out, not while it waits its turn.
    token = await limiter.reserve()
    try:
        # Nothing goes on the wire once the caller's scope is cancelled.
        await anyio.lowlevel.checkpoint_if_cancelled()
        if journal is not None:
            assert digest is not None
            journal.start(index, message_id, digest=digest, caller_id=caller_id)
        in_flight[index] = message
        answered = False  # False when cancelled on the wire: ``unreported`` lists it
        try:
            result = await run.link.send(message, run.options)
            answered = True
        except QlaraError as exc:
            answered = True
            if batch_wide(run.link, exc):
                # No outcome: the message stays "started", so a resume
                # reconciles it (and sends it, as it never arrived).
                raise
            return Outcome(index=index, message=message, error=exc)
        except Exception as exc:  # noqa: BLE001 - one message's failure is its outcome
            answered = True
            return crashed(index, message, exc)
        finally:
            if answered:
                del in_flight[index]
    finally:
        limiter.release(token)
        limiter.finished()  # a failure has no answer to report its arrival
    return Outcome(index=index, message=message, result=result)


def batch_wide(link: BatchLink, exc: QlaraError) -> bool:
    """Whether ``exc`` dooms every other message too, so sending must stop."""
    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        return True
    if isinstance(exc, RateLimitError):
        retry_after = exc.retry_after
        return retry_after is not None and retry_after > link.max_retry_after
    closed: bool = link.is_closed()
    return closed
