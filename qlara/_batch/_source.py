"""The caller's messages as ``send_many`` reads them: one at a time, each with its index.

Every worker pulls from the one ``Source`` of its run, so the input is read
lazily and exactly once, whatever the concurrency: a plain iterable directly,
an async one in turns (async generators refuse concurrent ``__anext__``).
With a journal, an input an earlier run handed over is skipped, and one an
earlier run journaled is checked against its digest first, so a resume never
skips or reconciles someone else's message.

The source is also where a run stops: ``fail`` keeps the first error (the
caller gets it once the outcomes in flight are out) and ends the pulling for
every worker at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

import anyio
import anyio.lowlevel

from qlara._batch._input import MESSAGE_TYPES
from qlara._batch._journal import Journal
from qlara._batch._outcomes import digest_of

__all__ = ["Source"]

SKIP_CHECKPOINT = 1024  # a resume skipping millions of done inputs still yields now and then


class Source:
    """The caller's input, pulled by index until it ends or the run fails.

    Attributes:
        exhausted: nothing more will be pulled (the input ended, or the run failed).
        failure: the first error that stopped the run, raised to the caller at the end.
    """

    def __init__(self, messages: Iterable[Any] | AsyncIterable[Any], journal: Journal | None):
        self._messages = messages
        self._journal = journal
        self._sync: Iterator[Any] | None = None
        self._async: AsyncIterator[Any] | None = None
        self._lock: anyio.Lock | None = None
        self._next_index = 0
        self.exhausted = False
        self.failure: BaseException | None = None

    def open(self) -> None:
        """Start reading the caller's iterable (on the first step, not at the call)."""
        messages = self._messages
        if isinstance(messages, AsyncIterable):
            self._async = aiter(messages)
            self._lock = anyio.Lock()
        else:
            self._sync = iter(messages)

    def fail(self, exc: BaseException) -> None:
        """Stop the run: no more input is pulled, and ``exc`` is raised at the end."""
        if self.failure is None:
            self.failure = exc
        self.exhausted = True

    async def pull(self) -> tuple[int, Any] | None:
        """The next input that still needs an outcome, with its index; ``None`` at the end.

        Raises:
            JournalError: the journal holds another message at that index.
        """
        journal = self._journal
        skipped = 0
        while not self.exhausted:
            try:
                if self._sync is not None:
                    item = next(self._sync)
                    index = self._next_index
                    self._next_index += 1
                else:
                    index, item = await self._pull_async()
            except (StopIteration, StopAsyncIteration):
                self.exhausted = True
                return None
            except Exception as exc:  # noqa: BLE001 - the caller's iterable failed: re-raised later
                self.fail(exc)
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
        assert self._async is not None
        assert self._lock is not None
        async with self._lock:
            if self.exhausted:
                raise StopAsyncIteration
            item = await self._async.__anext__()
            index = self._next_index
            self._next_index += 1
            return index, item
