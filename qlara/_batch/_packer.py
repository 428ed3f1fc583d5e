"""The engine of ``sms_per_request``: a worker's unit of work is a pack (see ``_pack``).

A worker that pulls an SMS the Legacy format can carry calls ``gather``: it
pulls on (through ``Source.pull``, so journal skips and digest checks apply)
until it holds ``sms_per_request`` inputs or a pack is full, under one lock so
each unit fills before the next worker starts its own. ``deliver`` then sends
everything the unit holds at once, packs and singles side by side, outside
the lock; an input that cannot travel in a pack goes through
``_single.process``, unchanged. The plain ``async for`` form calls ``round``.
Every pack takes one rate-limit slot before its ``start`` records are
journaled, exactly as a single send does.
"""

from __future__ import annotations

from collections.abc import MutableSequence
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from qlara._batch._input import carrying_id, derived_id, resumed
from qlara._batch._outcomes import crashed, digest_of, landed, lookup_failed
from qlara._batch._pack import (
    MAX_REQUEST_BYTES,
    Entry,
    body_of,
    flags_of,
    for_message,
    legacy_text,
    outcomes_of,
    too_large,
)
from qlara._batch._single import batch_wide, process
from qlara._errors import QlaraError
from qlara._guards import too_many_parts
from qlara._models import Channel, SmsMessage
from qlara._models.outcome import Outcome
from qlara._resources._sending import new_message_id

if TYPE_CHECKING:
    from qlara._batch._run import Run

__all__ = ["Packer"]

_BODY_OVERHEAD = 200  # globalId and the global flags


class _Held:
    """What one worker holds: packs by flags, inputs to send alone, SMS to reconcile."""

    def __init__(self, per_request: int, max_bytes: int) -> None:
        self.per_request = per_request
        self.max_bytes = max_bytes
        self.open: dict[tuple[bool, bool, bool], list[Entry]] = {}
        self.sizes: dict[tuple[bool, bool, bool], int] = {}
        self.packs: list[list[Entry]] = []
        self.singles: list[tuple[int, Any]] = []
        self.earlier: list[Entry] = []
        self.ids: set[str] = set()  # one id per request: the answer's verdicts go by id
        self.count = 0
        self.full = False

    def add(self, entry: Entry) -> None:
        key = flags_of(entry.message)
        pack = self.open.get(key)
        size = self.sizes.get(key, _BODY_OVERHEAD)
        if pack is not None and (
            len(pack) >= self.per_request or size + entry.size > self.max_bytes
        ):
            self.packs.append(pack)
            self.full = True
            pack = None
        if pack is None:
            pack = self.open[key] = []
            size = _BODY_OVERHEAD
        pack.append(entry)
        self.sizes[key] = size + entry.size
        if len(pack) >= self.per_request:
            self.full = True

    def all_packs(self) -> list[list[Entry]]:
        return [*self.packs, *(pack for pack in self.open.values() if pack)]


class Packer:
    """Packs the SMS inputs of one ``send_many`` run into SMS Legacy requests.

    Attributes:
        requests: requests started so far (packs, their splits, single sends).
    """

    def __init__(self, run: Run, per_request: int, max_bytes: int = MAX_REQUEST_BYTES) -> None:
        self.run = run
        self.per_request = per_request
        self.max_bytes = max_bytes
        self.requests = 0
        # One worker gathers its unit at a time: workers pulling in turns from an
        # input that yields between items (an async iterable, the blocking
        # client's feed) would each hold a sliver and send part-filled packs.
        self._gathering = anyio.Lock()

    def _entry(self, index: int, item: Any, held: _Held) -> bool:
        """Hold ``item`` in a pack (or for reconciling); ``False``: it goes alone."""
        if not isinstance(item, SmsMessage):
            return False
        text = legacy_text(item)
        if text is None:
            return False
        run = self.run
        journal = run.journal
        digest = digest_of(item) if journal is not None else ""
        if digest is None:
            return False  # alone through process: one failed outcome, not a failed pack
        earlier = journal.started.get(index) if journal is not None else None
        message = item
        max_parts = run.max_parts
        if earlier is not None:
            assert journal is not None
            message = resumed(item, index, earlier, journal.path)
            if max_parts is not None and too_many_parts(index, message, max_parts):
                return False  # alone through process: reconciled, and refused if never sent
            if earlier in held.ids:
                return False
            held.ids.add(earlier)
            held.earlier.append(Entry(index, item, message, text, digest))
            return True
        if message.message_id is None:
            message = carrying_id(message, derived_id(run.namespace, index))
        if max_parts is not None and too_many_parts(index, message, max_parts):
            return False  # alone through process, which refuses it before anything is sent
        if message.message_id in held.ids:
            return False  # an id twice in one request: its verdict could not tell them apart
        held.ids.add(str(message.message_id))
        held.add(Entry(index, item, message, text, digest))
        return True

    def _place(self, index: int, item: Any, held: _Held) -> None:
        held.count += 1
        if not self._entry(index, item, held):
            held.singles.append((index, item))

    async def gather(self) -> tuple[int, Any, _Held | None] | None:
        """A worker's next unit: the input it pulled, and the pack collected with it.

        ``None`` when the input is exhausted; ``(index, item, None)`` for an
        input that travels alone. Pulling happens under one lock, so a unit is
        filled before the next worker starts on its own.
        """
        async with self._gathering:
            pulled = await self.run.source.pull()
            if pulled is None:
                return None
            index, item = pulled
            if not isinstance(item, SmsMessage) or legacy_text(item) is None:
                return index, item, None
            held = await self._collect(index, item)
            return index, item, held

    async def deliver(self, index: int, item: Any, held: _Held | None) -> list[Outcome]:
        """Send a gathered unit (outside the lock, so units of many workers fly at once)."""
        if held is None:
            self.requests += 1
            return [await process(self.run, index, item)]
        outcomes: list[Outcome] = []
        try:
            await self._send(held, outcomes)
        except BaseException:  # cancelled: the answered requests' outcomes stay known
            self.run.keep_undelivered(outcomes)
            raise
        return outcomes

    async def round(self, ready: MutableSequence[Outcome]) -> None:
        """The plain ``async for`` form: up to ``concurrency`` units, collected, then sent at once.

        Collecting each unit before pulling for the next one keeps packs full
        (a round that pulled one input per task first would send them alone).
        The outcomes are appended to ``ready`` as they come.
        """
        run = self.run
        units: list[_Held] = []
        while len(units) < run.concurrency:
            pulled = await run.source.pull()
            if pulled is None:
                break
            held = await self._collect(*pulled)
            if held is None:
                break
            units.append(held)
        if units:
            async with anyio.create_task_group() as group:
                for held in units:
                    group.start_soon(self._send, held, ready)

    async def _collect(self, index: int, item: Any) -> _Held | None:
        """Pull on until a pack is full or ``per_request`` inputs are held; ``None``: stop."""
        run = self.run
        held = _Held(self.per_request, self.max_bytes)
        try:
            self._place(index, item, held)
            while not held.full and held.count < self.per_request:
                pulled = await run.source.pull()
                if pulled is None:
                    break
                self._place(*pulled, held)
        except Exception as exc:  # noqa: BLE001 - the journal refused the input: stop the run
            run.fail(exc)
            return None
        return held

    async def _send(self, held: _Held, outcomes: MutableSequence[Outcome]) -> None:
        """Send what ``held`` holds, packs and singles at once; append their outcomes."""
        if held.earlier:
            for entry in await self._reconcile(held.earlier, outcomes):
                held.add(entry)
        async with anyio.create_task_group() as group:
            for pack in held.all_packs():
                group.start_soon(self._send_pack_or_stop, pack, outcomes)
            for single in held.singles:
                group.start_soon(self._send_single, *single, outcomes)

    async def _send_single(self, index: int, item: Any, outcomes: MutableSequence[Outcome]) -> None:
        self.requests += 1
        try:
            outcomes.append(await process(self.run, index, item))
        except Exception as exc:  # noqa: BLE001 - batch-wide: kept and raised by __anext__
            self.run.fail(exc)

    async def _reconcile(
        self, entries: list[Entry], outcomes: MutableSequence[Outcome]
    ) -> list[Entry]:
        """Look up SMS an earlier run started; return those that never arrived."""
        ids = [str(entry.message.message_id) for entry in entries]
        problem: QlaraError | None = None
        found: dict[str, Any] = {}
        try:
            answers = await self.run.link.statuses(ids, Channel.SMS)
            found = {s.customer_message_id: s for s in answers}
        except QlaraError as exc:
            problem = exc
        unsent = []
        for entry in entries:
            message_id = str(entry.message.message_id)
            if problem is not None:
                outcomes.append(lookup_failed(entry.index, entry.message, message_id, problem))
            elif message_id in found:
                outcomes.append(landed(entry.index, entry.message, message_id, found[message_id]))
            else:
                unsent.append(entry)
        return unsent

    async def _send_pack_or_stop(
        self, pack: list[Entry], outcomes: MutableSequence[Outcome]
    ) -> None:
        try:
            await self._send_pack(pack, outcomes)
        except Exception as exc:  # noqa: BLE001 - the journal failed (a full disk), say
            # As when one send fails so: the run stops with this error (not a task
            # group's), and what was journaled "start" without going out is reconciled.
            self.run.fail(exc)

    async def _send_pack(self, pack: list[Entry], outcomes: MutableSequence[Outcome]) -> None:
        run = self.run
        global_id = new_message_id()
        limiter = run.link.limiter
        token = await limiter.reserve()
        try:
            # Nothing goes on the wire once the caller's scope is cancelled.
            await anyio.lowlevel.checkpoint_if_cancelled()
            journal = run.journal
            if journal is not None:
                for entry in pack:
                    journal.start(
                        entry.index,
                        str(entry.message.message_id),
                        digest=entry.digest,
                        caller_id=entry.item.message_id,
                        pack=global_id,
                    )
            self.requests += 1
            for entry in pack:  # cut off on the wire: ``unreported`` lists them as unknown
                run.in_flight[entry.index] = entry.message
            try:
                answer = await run.link.send_legacy(body_of(pack, global_id), run.options)
            except QlaraError as exc:
                _landed(run, pack)
                if batch_wide(run.link, exc):
                    run.fail(exc)  # no outcomes: they stay "started", a resume reconciles
                    return
                if not (too_large(exc) and len(pack) > 1):
                    for entry in pack:
                        error = for_message(
                            exc, str(entry.message.message_id), global_id, len(pack)
                        )
                        outcomes.append(
                            Outcome(index=entry.index, message=entry.message, error=error)
                        )
                    return
                split = True
            except Exception as exc:  # noqa: BLE001 - one pack's failure is its messages' outcome
                _landed(run, pack)
                outcomes.extend(crashed(entry.index, entry.message, exc) for entry in pack)
                return
            else:
                _landed(run, pack)
                split = False
        finally:
            limiter.release(token)
            limiter.finished()
        if split:
            half = len(pack) // 2
            await self._send_pack(pack[:half], outcomes)
            await self._send_pack(pack[half:], outcomes)
            return
        outcomes.extend(outcomes_of(answer, pack, global_id))


def _landed(run: Run, pack: list[Entry]) -> None:
    """The pack's request ended (answered or failed): its messages are no longer in flight."""
    for entry in pack:
        run.in_flight.pop(entry.index, None)
