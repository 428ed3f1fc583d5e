"""``Run``: what the parts of one ``send_many`` run share, in one place.

The caller's side (``SendMany``), the two ways of sending (``Rounds`` for a
plain ``async for``, ``Workers`` inside ``async with``), one input's path
(``_single``) and the packer all need the same few things: the client's link,
the journal, the call options, the input, and which messages are on the wire
or were never handed over. Each part is handed this one object, so none of
them reaches into another's privates, and each can be read on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from qlara._batch._journal import Journal
from qlara._batch._source import Source
from qlara._http import CallOptions
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._batch._link import BatchLink

__all__ = ["Run"]


class Run:
    """The shared state of one ``send_many`` run.

    Attributes:
        link: the client's functions the engine uses (``_link``).
        source: the caller's input (``_source``); also where the run fails.
        journal: the journal, or ``None``.
        options: the per-call options of every send.
        concurrency: most units of work in flight at once.
        max_parts: refuse messages over this many SMS parts, or ``None``.
        namespace: the run id's bytes, which derived message ids are made from.
        in_flight: index -> message of each message on the wire without an answer.
        undelivered: outcomes a worker held and could not hand to the caller.
    """

    __slots__ = (
        "concurrency",
        "in_flight",
        "journal",
        "link",
        "max_parts",
        "namespace",
        "options",
        "source",
        "undelivered",
    )

    def __init__(
        self,
        *,
        link: BatchLink,
        source: Source,
        journal: Journal | None,
        options: CallOptions,
        concurrency: int,
        max_parts: int | None,
    ) -> None:
        self.link = link
        self.source = source
        self.journal = journal
        self.options = options
        self.concurrency = concurrency
        self.max_parts = max_parts
        self.namespace = uuid.uuid4().bytes  # the journal's run id replaces it on open
        self.in_flight: dict[int, Any] = {}
        self.undelivered: dict[int, Outcome] = {}

    def open(self) -> None:
        """Check the client, open the input and the journal (the first step, not the call)."""
        self.link.check_usable()
        self.source.open()
        journal = self.journal
        if journal is not None:
            journal.open()
            self.namespace = journal.run_id.bytes

    def fail(self, exc: BaseException) -> None:
        """Stop the run with ``exc``: no more input, raised once the outcomes in flight are out."""
        self.source.fail(exc)

    def keep_undelivered(self, outcomes: Iterable[Outcome]) -> None:
        """Keep outcomes a worker held (a whole pack's) that the caller never got."""
        for outcome in outcomes:
            self.undelivered[outcome.index] = outcome
