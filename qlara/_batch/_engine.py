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

High volume. With ``sms_per_request=N > 1`` a worker's unit of work is a
``Packer.process`` call (``_packer``): SMS inputs travel up to N at a
time in one SMS Legacy request, everything else alone, as above.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Iterable,
    Iterator,
    Sized,
)
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from qlara._batch._input import (
    MESSAGE_TYPES,
    JournalPath,
    ProgressCallback,
    carrying_id,
    check_arguments,
    derived_id,
)
from qlara._batch._journal import Journal, JournalError
from qlara._batch._outcomes import cut_off, digest_of, reconcile, unencodable
from qlara._batch._pack import check_sms_per_request
from qlara._batch._packer import Packer
from qlara._errors import (
    AuthenticationError,
    PermissionDeniedError,
    QlaraError,
    RateLimitError,
    ValidationError,
)
from qlara._guards import check_max_parts, too_many_parts
from qlara._http import CallOptions
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._batch._link import BatchLink

__all__ = ["SendMany"]

SKIP_CHECKPOINT = 1024
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
        self._max_parts = check_max_parts(max_parts)
        per_request = check_sms_per_request(sms_per_request)
        self._packer = Packer(self, per_request) if per_request > 1 else None
        self._link = link
        self._messages = messages
        self._concurrency = concurrency
        self._journal = Journal(journal) if journal is not None else None
        self._on_progress = on_progress
        self._options = options
        self._hand_over = hand_over
        self.done: int = 0
        self.ok: int = 0
        self.failed: int = 0
        self._namespace = uuid.uuid4().bytes
        self._stack: AsyncExitStack | None = None
        self._receive: MemoryObjectReceiveStream[Outcome] | None = None
        self._sync_source: Iterator[Any] | None = None
        self._async_source: AsyncIterator[Any] | None = None
        self._pull_lock: anyio.Lock | None = None
        self._group: anyio.abc.TaskGroup | None = None
        self._workers = 0
        self._next_index = 0
        self._exhausted = False
        self._finished = False
        self._failure: BaseException | None = None
        self._opened = False
        self._managed = False
        self._ready: deque[Outcome] = deque()
        self._pending: Outcome | None = None
        self._undelivered: dict[int, Outcome] = {}
        # A worker cancelled just as the caller took its outcome cannot tell it
        # was taken; such an outcome is among the last ``concurrency`` handed over.
        self._recent: deque[int] = deque(maxlen=min(concurrency, RECENT_MAX) + 1)
        self._in_flight: dict[int, Any] = {}

    # -- the caller's side --

    def __aiter__(self) -> SendMany:
        return self

    async def __anext__(self) -> Outcome:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.journal_done(pending)  # the caller took it and asks for the next one
        if self._finished:
            raise StopAsyncIteration
        try:
            await anyio.lowlevel.checkpoint_if_cancelled()
            if not self._opened:
                self._open()
            if self._managed:
                outcome = await self._receive_one()
            else:
                outcome = await self._next_in_rounds()
            if outcome is not None and self._hand_over:
                try:
                    self.count(outcome)
                except BaseException:  # on_progress failed: the caller never got it
                    self._undelivered[outcome.index] = outcome
                    raise
        except BaseException:
            # Cancelled, or the journal or on_progress failed. Without ``async
            # with`` no task group is open here: only the journal needs closing.
            self._finished = True
            if not self._managed and self._hand_over:
                self.close_journal()
            raise
        if outcome is None:
            self._finished = True
            if not self._managed and self._hand_over:
                self.close_journal()
            if self._failure is not None:
                raise self._failure
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
        known = {**self._undelivered, **{o.index: o for o in self._ready}}
        for index in self._recent:
            known.pop(index, None)
        for index, message in self._in_flight.items():
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
        await self._stop(None)
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
        self._managed = True
        self._open()
        try:
            await self._start()
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
            await self._stop(exc)
        finally:
            if self._hand_over:
                self.close_journal()

    # -- the engine --

    def _open(self) -> None:
        """Check the client, open the input and the journal, report the starting counts."""
        self._opened = True
        self._link.check_usable()
        messages = self._messages
        if isinstance(messages, AsyncIterable):
            self._async_source = aiter(messages)
            self._pull_lock = anyio.Lock()
        else:
            self._sync_source = iter(messages)
        journal = self._journal
        if journal is not None:
            journal.open()
            self._namespace = journal.run_id.bytes
            self.done = journal.done.count
            self.ok = journal.done_ok
            self.failed = self.done - self.ok
        if self._hand_over:
            self.report_progress()

    async def _receive_one(self) -> Outcome | None:
        assert self._receive is not None
        try:
            try:
                # A worker already waiting to hand over: take it without a
                # trip through the event loop (two per message otherwise).
                await anyio.lowlevel.checkpoint_if_cancelled()
                return self._receive.receive_nowait()
            except anyio.WouldBlock:
                return await self._receive.receive()
        except anyio.EndOfStream:
            return None

    async def _next_in_rounds(self) -> Outcome | None:
        """The plain form: the next ready outcome, sending a round when none is ready."""
        while not self._ready and not self._exhausted:
            # A real trip through the event loop, so a deadline or a cancel can
            # land between rounds even when the transport never yields.
            await anyio.lowlevel.checkpoint()
            if self._packer is not None:
                try:
                    await self._packer.round()
                except Exception as exc:  # noqa: BLE001 - raised once the round is in
                    self._fail(exc)
                continue
            async with anyio.create_task_group() as group:
                for _ in range(self._concurrency):
                    try:
                        pulled = await self._pull()
                    except Exception as exc:  # noqa: BLE001 - raised once the round is in
                        self._fail(exc)
                        break
                    if pulled is None:
                        break
                    group.start_soon(self._send_one, *pulled)
        if self._ready:
            return self._ready.popleft()
        return None

    async def _send_one(self, index: int, item: Any) -> None:
        try:
            outcome = await self._process(index, item)
        except Exception as exc:  # noqa: BLE001 - kept and raised by __anext__
            self._fail(exc)
            return
        self._ready.append(outcome)

    async def _start(self) -> None:
        stack = AsyncExitStack()
        send, receive = anyio.create_memory_object_stream[Outcome](0)
        stack.callback(receive.close)
        try:
            group = await stack.enter_async_context(anyio.create_task_group())
            # Cancelling the group must not leave a worker's send pending.
            stack.push_async_callback(self._cancel, group)
            # One worker to begin with; each one that finds input starts the next,
            # so there are never more workers than messages, whatever the concurrency.
            self._group, self._workers = group, 1
            group.start_soon(self._work, send.clone())
        except BaseException:
            await stack.aclose()
            raise
        finally:
            send.close()
        self._stack, self._receive = stack, receive

    @staticmethod
    async def _cancel(group: anyio.abc.TaskGroup) -> None:
        group.cancel_scope.cancel()

    async def _stop(self, exc: BaseException | None) -> None:
        """Leave the task group of ``async with`` (cancelling workers still running)."""
        stack, self._stack = self._stack, None
        receive, self._receive = self._receive, None
        if receive is not None:
            receive.close()
        if stack is None:
            return
        try:
            # Leave as if nothing happened: the callbacks cancel the workers, and the
            # task group must not wrap the caller's exception in an exception group.
            await stack.aclose()
        except BaseException:
            if exc is None:
                raise
            # What is propagating (a cancellation, the caller's error) wins; the
            # group's own exception can only be a consequence of it.

    async def _work(self, outcomes: MemoryObjectSendStream[Outcome]) -> None:
        # Workers never raise: an exception here would cancel the caller's own
        # code between two iterations. A failure is kept and raised by __anext__.
        with outcomes:
            while True:
                try:
                    packer = self._packer
                    unit = await (self._pull() if packer is None else packer.gather())
                    if unit is None:
                        return
                    if self._workers < self._concurrency:
                        self._workers += 1
                        assert self._group is not None
                        self._group.start_soon(self._work, outcomes.clone())
                    if packer is None:
                        ready = [await self._process(unit[0], unit[1])]
                    else:
                        ready = await packer.deliver(*unit)
                except Exception as exc:  # noqa: BLE001 - kept and raised by __anext__
                    self._fail(exc)
                    return
                sent = 0
                try:
                    for outcome in ready:
                        try:
                            outcomes.send_nowait(outcome)  # the caller is waiting: no loop trip
                        except anyio.WouldBlock:  # the rare case
                            await outcomes.send(outcome)
                        sent += 1
                except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                    self._keep_undelivered(ready[sent:])
                    return
                except BaseException:  # cancelled holding outcomes the caller never got
                    self._keep_undelivered(ready[sent:])
                    raise

    def _keep_undelivered(self, outcomes: list[Outcome]) -> None:
        """Keep outcomes a worker held (a whole pack's) that the caller never got."""
        for outcome in outcomes:
            self._undelivered[outcome.index] = outcome

    def _fail(self, exc: BaseException) -> None:
        if self._failure is None:
            self._failure = exc
        self._exhausted = True

    async def _pull(self) -> tuple[int, Any] | None:
        """The next input that still needs an outcome, with its index; ``None`` at the end."""
        journal = self._journal
        skipped = 0
        while not self._exhausted:
            try:
                if self._sync_source is not None:
                    item = next(self._sync_source)
                    index = self._next_index
                    self._next_index += 1
                else:
                    index, item = await self._pull_async()
            except (StopIteration, StopAsyncIteration):
                self._exhausted = True
                return None
            except Exception as exc:  # noqa: BLE001 - the caller's iterable failed: re-raised later
                self._fail(exc)
                return None
            if journal is not None and isinstance(item, MESSAGE_TYPES) and journal.knows(index):
                digest = digest_of(item)
                if digest is None:
                    return index, item  # cannot be checked, so cannot be skipped: it fails
                journal.check(index, digest)  # raises: caught by the caller
            if journal is None or index not in journal.done:
                return index, item
            skipped += 1
            if skipped % SKIP_CHECKPOINT == 0:
                await anyio.lowlevel.checkpoint()
        return None

    async def _pull_async(self) -> tuple[int, Any]:
        # Async generators refuse concurrent __anext__ calls, so workers take turns.
        assert self._async_source is not None
        assert self._pull_lock is not None
        async with self._pull_lock:
            if self._exhausted:
                raise StopAsyncIteration
            item = await self._async_source.__anext__()
            index = self._next_index
            self._next_index += 1
            return index, item

    async def _process(self, index: int, item: Any) -> Outcome:
        prepared = await self._prepare(index, item)
        if isinstance(prepared, Outcome):
            return prepared
        message, caller_id, digest = prepared
        return await self._deliver(index, message, caller_id, digest)

    async def _prepare(self, index: int, item: Any) -> Outcome | tuple[Any, str | None, str]:
        """The message with its final id, or its outcome when it must not (or need not) go out."""
        if not isinstance(item, MESSAGE_TYPES):
            problem = (
                f"must be an SmsMessage, RcsMessage or WhatsAppMessage, got {type(item).__name__}"
            )
            return Outcome(
                index=index, message=item, error=ValidationError(f"messages[{index}]", problem)
            )
        message = item
        caller_id = message.message_id
        journal = self._journal
        digest = digest_of(item) if journal is not None else ""
        if digest is None:
            return unencodable(index, item)
        earlier = journal.started.get(index) if journal is not None else None
        if earlier is not None:
            if caller_id is None:
                message = carrying_id(message, earlier)
            elif caller_id != earlier:
                # Never send a caller's message under another id: another input.
                assert journal is not None
                raise JournalError(
                    f"{journal.path}: journal belongs to another input: messages[{index}] has "
                    f"message_id {caller_id!r}, the journal started {earlier!r} there"
                )
            reconciled = await reconcile(self._link.status, index, message, earlier)
            if reconciled is not None:
                return reconciled
        elif message.message_id is None:
            message = carrying_id(message, derived_id(self._namespace, index))
        message_id = message.message_id
        assert message_id is not None
        if self._max_parts is not None:
            refused = too_many_parts(index, message, self._max_parts)
            if refused is not None:  # before the journal's "start": it never goes out
                return Outcome(index=index, message=message, error=refused)
        return message, caller_id, digest or ""

    async def _deliver(
        self, index: int, message: Any, caller_id: str | None, digest: str
    ) -> Outcome:
        message_id = message.message_id
        journal = self._journal
        limiter = self._link.limiter
        # Take the rate-limit slot first, so the journal says "start" only when
        # the message is really about to go out, not while it waits its turn.
        token = await limiter.reserve()
        try:
            # Nothing goes on the wire once the caller's scope is cancelled.
            await anyio.lowlevel.checkpoint_if_cancelled()
            if journal is not None:
                assert digest is not None
                journal.start(index, message_id, digest=digest, caller_id=caller_id)
            self._in_flight[index] = message
            answered = False  # False when cancelled on the wire: ``unreported`` lists it
            try:
                result = await self._link.send(message, self._options)
                answered = True
            except QlaraError as exc:
                answered = True
                if self._batch_wide(exc):
                    # No outcome: the message stays "started", so a resume
                    # reconciles it (and sends it, as it never arrived).
                    raise
                return Outcome(index=index, message=message, error=exc)
            except Exception as exc:  # noqa: BLE001 - one message's failure is its outcome
                answered = True
                error = ValidationError(f"messages[{index}]", f"{type(exc).__name__}: {exc}")
                error.__cause__ = exc
                return Outcome(index=index, message=message, error=error)
            finally:
                if answered:
                    del self._in_flight[index]
        finally:
            limiter.release(token)
            limiter.finished()  # a failure has no answer to report its arrival
        return Outcome(index=index, message=message, result=result)

    def _batch_wide(self, exc: QlaraError) -> bool:
        """Whether ``exc`` dooms every other message too, so sending must stop."""
        if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
            return True
        if isinstance(exc, RateLimitError):
            retry_after = exc.retry_after
            return retry_after is not None and retry_after > self._link.max_retry_after
        closed: bool = self._link.is_closed()
        return closed
