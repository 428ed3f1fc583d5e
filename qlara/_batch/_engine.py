"""``send_many``: bounded, rate-limited, resumable bulk sending.

``concurrency`` worker tasks pull from the caller's iterable one message at a
time, send it through the client's one pipeline (so the rate limiter, retries
and the duplicate rules of design §4 apply unchanged), and hand the outcome
over an unbuffered stream to the caller's iteration. A worker whose outcome
the caller has not taken yet waits, and does not pull more input: at most
``concurrency`` messages are held beyond the caller's own, whatever the size
of the batch.

Message ids. A message keeps the caller's ``message_id``. One without is
given ``uuid5(run_id, str(index))``: the run id comes from the journal's
header (a fresh UUID4 without a journal), so the same input position gets the
same id on every resume, and an id can be matched to its input line.

Resume. With ``journal=path`` an input whose outcome an earlier run handed
over is skipped; one an earlier run started but never handed over is looked
up with ``client.messages.status``: found means it landed (an ``ok`` outcome
built from the status), not found means it never arrived (sent now, with the
same id), and anything else, or no status endpoint, gives an
``OutcomeUnknownError`` outcome. Nothing is sent twice.

High volume. With ``sms_per_request=N > 1`` a worker's unit of work is the
packer's (``_packer``): SMS inputs travel up to N at a time in one SMS Legacy
request, everything else alone, as above.

This module is the caller's side: iteration, ``async with``, counting,
journaling ``done`` and ``unreported``. The sending is elsewhere: ``_run``
(what the parts share), ``_source`` (the input), ``_single`` (one input sent
alone), ``_rounds`` (the plain ``async for``), ``_workers`` (``async with``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, Iterable, Sized
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio.lowlevel

from qlara._batch._input import JournalPath, ProgressCallback, check_arguments
from qlara._batch._journal import Journal
from qlara._batch._outcomes import cut_off
from qlara._batch._pack import check_sms_per_request
from qlara._batch._packer import Packer
from qlara._batch._rounds import Rounds
from qlara._batch._run import Run
from qlara._batch._source import Source
from qlara._batch._workers import Workers
from qlara._errors import QlaraError
from qlara._guards import check_max_parts
from qlara._http import CallOptions
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._batch._link import BatchLink

__all__ = ["SendMany"]

RECENT_MAX = 1 << 16  # a bound for absurd concurrencies; no run has that many workers racing


class SendMany:
    """The async iterator ``AsyncQlara.send_many`` returns; yields one ``Outcome`` per input.

    Two ways to iterate, both safe on ``break``, an exception in the loop body
    and cancellation, because no task group or cancel scope is ever held open
    across a ``yield`` to the caller:

    - ``async for outcome in client.send_many(...)``: each step that finds no
      outcome ready sends the next ``concurrency`` inputs at once, inside a task
      group entered and left within that step, and waits for all of them. So
      sending goes in rounds, and a slow message holds up its round. After a
      ``break`` nothing is in flight; the journal is closed when the iterator
      is dropped (at once on CPython), or call ``aclose()`` if you keep it.
    - ``async with client.send_many(...) as outcomes: async for ...``: the
      workers run in a task group owned by the ``async with``, and keep
      ``concurrency`` messages in flight all the time (faster). Leaving the
      block cancels what is still in flight.

    An outcome is journaled ``done`` only when the caller asks for the next one
    (or the iteration ends): one the caller's loop body or ``on_progress``
    failed on stays "started", and a resume reconciles it.

    Cancellation: every step is a checkpoint, each round of the plain form
    yields to the event loop (so deadlines fire even over a transport that
    never does), and a message is put on the wire only if the caller's scope
    is not cancelled at that moment.

    Stopping early (``break``, an exception, cancellation, ``aclose()``, leaving
    ``async with``) can leave messages that went out, or may have, without
    their outcome having been handed over: those finished in the round the
    caller left, and those in flight when it was cancelled. They stay
    "started" in the journal (a resume reconciles them), and ``unreported``
    lists them for a caller without one.

    Attributes:
        total: the input's ``len()``, or ``None`` when it has none.
        done, ok, failed: outcomes handed over so far, including those an
            earlier run of the same journal handed over.

    Batch-wide failures stop the run: a 401 (``AuthenticationError``), a 403
    (``PermissionDeniedError``), a ``RateLimitError`` whose ``retry_after``
    exceeds the retry policy's ``max_retry_after``, or the client being
    closed. No more input is pulled, the outcomes still in flight are
    yielded, and then the iteration raises that error. The failed message and
    every unsent input are not journaled ``done``, so a resume sends them.

    """

    def __init__(
        self,
        link: BatchLink,
        messages: Iterable[Any] | AsyncIterable[Any],
        *,
        concurrency: int = 16,
        journal: JournalPath | None = None,
        on_progress: ProgressCallback | None = None,
        options: CallOptions = CallOptions(),  # noqa: B008 - frozen, never mutated
        hand_over: bool = True,
        max_parts: int | None = None,
        sms_per_request: int = 1,
        checked: bool = False,
    ) -> None:
        # The blocking facade checks the arguments in the caller's thread, once.
        self.total: int | None = (
            (len(messages) if isinstance(messages, Sized) else None)
            if checked
            else check_arguments(messages, concurrency, journal, on_progress, options)
        )
        max_parts = check_max_parts(max_parts)
        per_request = check_sms_per_request(sms_per_request)
        self._journal = Journal(journal) if journal is not None else None
        self._run = Run(
            link=link,
            source=Source(messages, self._journal),
            journal=self._journal,
            options=options,
            concurrency=concurrency,
            max_parts=max_parts,
        )
        self._packer = Packer(self._run, per_request) if per_request > 1 else None
        self._rounds = Rounds(self._run, self._packer)
        self._workers: Workers | None = None  # inside ``async with`` only
        self._on_progress = on_progress
        self._hand_over = hand_over
        self.done: int = 0
        self.ok: int = 0
        self.failed: int = 0
        self._opened = False
        self._finished = False
        self._pending: Outcome | None = None
        # A worker cancelled just as the caller took its outcome cannot tell it
        # was taken; such an outcome is among the last ``concurrency`` handed over.
        self._recent: deque[int] = deque(maxlen=min(concurrency, RECENT_MAX) + 1)

    def __aiter__(self) -> SendMany:
        return self

    async def __anext__(self) -> Outcome:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.journal_done(pending)  # the caller took it and asks for the next one
        if self._finished:
            raise StopAsyncIteration
        workers = self._workers
        try:
            await anyio.lowlevel.checkpoint_if_cancelled()
            if not self._opened:
                self._open()
            if workers is not None:
                outcome = await workers.receive()
            else:
                outcome = await self._rounds.next()
            if outcome is not None and self._hand_over:
                try:
                    self.count(outcome)
                except BaseException:  # on_progress failed: the caller never got it
                    self._run.undelivered[outcome.index] = outcome
                    raise
        except BaseException:
            # Cancelled, or the journal or on_progress failed. Without ``async
            # with`` no task group is open here: only the journal needs closing.
            self._finished = True
            if workers is None and self._hand_over:
                self.close_journal()
            raise
        if outcome is None:
            self._finished = True
            if workers is None and self._hand_over:
                self.close_journal()
            failure = self._run.source.failure
            if failure is not None:
                raise failure
            raise StopAsyncIteration
        if self._hand_over:
            self._pending = outcome
        self._recent.append(outcome.index)
        return outcome

    @property
    def unreported(self) -> tuple[Outcome, ...]:
        """Messages that went out, or may have, whose outcome was never handed over.

        Empty while iterating normally and after a full iteration. After a
        ``break``, an exception, a cancellation or ``aclose()``: the outcomes
        already known but not yet taken (with the platform's real answer), and
        one ``OutcomeUnknownError`` outcome (carrying the ``message_id``, to
        poll) per message that was on the wire when sending was cancelled. By
        input index. Inputs never started are not listed: nothing was sent.
        """
        run = self._run
        known = {**run.undelivered, **{o.index: o for o in self._rounds.ready}}
        for index in self._recent:
            known.pop(index, None)
        for index, message in run.in_flight.items():
            known.setdefault(index, cut_off(index, message))
        return tuple(known[index] for index in sorted(known))

    @property
    def requests(self) -> int | None:
        """With ``sms_per_request`` > 1: requests started so far (packs and single sends)."""
        return None if self._packer is None else self._packer.requests

    @property
    def journal(self) -> Journal | None:
        """The journal, once opened (the blocking client reads which indices are done)."""
        return self._journal if self._opened else None

    def count(self, outcome: Outcome) -> None:
        """Count an outcome handed to the caller and report progress."""
        self.done += 1
        if outcome.ok:
            self.ok += 1
        else:
            self.failed += 1
        self.report_progress()

    def journal_done(self, outcome: Outcome) -> None:
        """Journal that the caller is done with ``outcome``."""
        if self._journal is not None:
            ok = outcome.ok
            error = type(outcome.error).__name__ if outcome.error is not None else None
            if error is None and not ok:
                error = "NotAccepted"
            self._journal.finish(outcome.index, str(outcome.message_id), ok=ok, error=error)

    def close_journal(self) -> None:
        """Close the journal (for ``hand_over=False``, once every outcome was handed over)."""
        if self._journal is not None:
            self._journal.close()

    def report_progress(self) -> None:
        """Call ``on_progress`` with the current counts."""
        if self._on_progress is not None:
            self._on_progress(self.done, self.total, self.ok, self.failed)

    async def aclose(self) -> None:
        """Stop sending: cancel what is in flight and close the journal. Idempotent."""
        self._finished = True
        if self._workers is not None:
            await self._workers.stop(None)
        if self._hand_over:
            self.close_journal()

    def __del__(self) -> None:
        # A plain ``async for`` left by ``break`` or an exception: no task is
        # running, only the journal's file and lock remain to release.
        journal = getattr(self, "_journal", None)
        if journal is not None and getattr(self, "_hand_over", False):
            journal.close()

    async def __aenter__(self) -> SendMany:
        if self._opened:
            raise QlaraError("enter send_many's `async with` before iterating it, not after")
        workers = self._workers = Workers(self._run, self._packer)
        try:
            self._open()  # on_progress may fail here, with the journal open
            await workers.start()
        except BaseException:
            self._finished = True
            if self._hand_over:
                self.close_journal()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._finished = True
        try:
            if self._workers is not None:
                await self._workers.stop(exc)
        finally:
            if self._hand_over:
                self.close_journal()

    def _open(self) -> None:
        """Check the client, open the input and the journal, report the starting counts."""
        self._opened = True
        self._run.open()
        journal = self._journal
        if journal is not None:
            self.done = journal.done.count
            self.ok = journal.done_ok
            self.failed = self.done - self.ok
        if self._hand_over:
            self.report_progress()
