"""The outcomes ``send_many`` makes itself: reconciled, cut off, unencodable, crashed.

A message an earlier run started is looked up rather than sent again
(``reconcile``; ``landed`` and ``lookup_failed`` for packs, which look many up
at once); one cancelled on the wire becomes an ``OutcomeUnknownError`` outcome
for ``SendMany.unreported`` (``cut_off``); one whose content cannot be hashed
for the journal fails alone (``unencodable``) instead of ending the run, and so
does one whose send raised something other than a ``QlaraError`` (``crashed``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from qlara._batch._input import message_digest
from qlara._errors import NotFoundError, OutcomeUnknownError, QlaraError, ValidationError
from qlara._models import Channel, ChannelResult, SendResult
from qlara._models.outcome import Outcome

__all__ = [
    "crashed",
    "cut_off",
    "digest_of",
    "interrupted",
    "landed",
    "lookup_failed",
    "reconcile",
    "unencodable",
]


def digest_of(message: Any) -> str | None:
    """The journal's digest of ``message``; ``None`` when its content is not plain JSON."""
    try:
        return message_digest(message)
    except (TypeError, ValueError, RecursionError):
        return None


def unencodable(index: int, item: Any) -> Outcome:
    # Only a message changed after construction gets here (the models refuse
    # such content): one failed outcome, never the end of the run.
    problem = "holds content that cannot be encoded as JSON; this run did not send it"
    return Outcome(index=index, message=item, error=ValidationError(f"messages[{index}]", problem))


def crashed(index: int, message: Any, exc: Exception) -> Outcome:
    """The outcome of a send (or a pack's) that raised something other than a ``QlaraError``."""
    error = ValidationError(f"messages[{index}]", f"{type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return Outcome(index=index, message=message, error=error)


def cut_off(index: int, message: Any) -> Outcome:
    message_id = message.message_id
    error = OutcomeUnknownError(
        f"message {message_id} was on the wire when sending was cancelled; poll its status",
        message_id=message_id,
        cause=QlaraError("cancelled before the platform's answer arrived"),
    )
    return Outcome(index=index, message=message, error=error)


def interrupted(message_id: str, why: str, cause: QlaraError) -> OutcomeUnknownError:
    return OutcomeUnknownError(
        f"message {message_id} was started by an earlier run that ended before its outcome "
        f"was known, and {why}; it was not sent again",
        message_id=message_id,
        cause=cause,
    )


async def reconcile(
    status: Callable[[str, Channel], Awaitable[Any]], index: int, message: Any, message_id: str
) -> Outcome | None:
    """Ask the platform about a message an earlier run started; ``None``: never arrived."""
    try:
        found = await status(message_id, message.channel)
    except NotFoundError:
        return None
    except QlaraError as exc:
        return lookup_failed(index, message, message_id, exc)
    return landed(index, message, message_id, found)


def landed(index: int, message: Any, message_id: str, found: object) -> Outcome:
    """The ``ok`` outcome of a message an earlier run started that the platform has."""
    result = SendResult(
        message_id=message_id,
        simulation=message.simulation,
        results={message.channel: ChannelResult(accepted=True)},
        raw={"reconciledStatus": getattr(found, "raw", None)},
    )
    return Outcome(index=index, message=message, result=result)


def lookup_failed(index: int, message: Any, message_id: str, exc: QlaraError) -> Outcome:
    """A message an earlier run started whose status lookup failed: unknown, not sent again."""
    error = interrupted(message_id, f"looking up its status failed ({exc})", exc)
    return Outcome(index=index, message=message, error=error)
