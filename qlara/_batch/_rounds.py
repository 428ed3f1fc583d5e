"""The plain ``async for`` form of ``send_many``: sending in rounds, nothing held open.

A plain ``async for`` can be left at any ``yield`` (``break``, an exception
in its body) without anyone calling ``aclose()``, so no task group or cancel
scope may stay open across one. Each step that finds no outcome ready sends
the next ``concurrency`` inputs (with ``sms_per_request``, ``concurrency``
units of the packer) inside a task group entered and left within that step,
and waits for all of them: a slow message holds its round up, and once the
step returns nothing is in flight.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from qlara._batch._single import process
from qlara._models.outcome import Outcome

if TYPE_CHECKING:
    from qlara._batch._packer import Packer
    from qlara._batch._run import Run

__all__ = ["Rounds"]


class Rounds:
    """Sends a round whenever no outcome is ready.

    Attributes:
        ready: outcomes of finished rounds, not yet handed to the caller.
    """

    def __init__(self, run: Run, packer: Packer | None) -> None:
        self._run = run
        self._packer = packer
        self.ready: deque[Outcome] = deque()

    async def next(self) -> Outcome | None:
        """The next ready outcome, sending a round when none is; ``None`` at the end."""
        run = self._run
        source = run.source
        while not self.ready and not source.exhausted:
            # A real trip through the event loop, so a deadline or a cancel can
            # land between rounds even when the transport never yields.
            await anyio.lowlevel.checkpoint()
            if self._packer is not None:
                try:
                    await self._packer.round(self.ready)
                except Exception as exc:  # noqa: BLE001 - raised once the round is in
                    run.fail(exc)
                continue
            async with anyio.create_task_group() as group:
                for _ in range(run.concurrency):
                    try:
                        pulled = await source.pull()
                    except Exception as exc:  # noqa: BLE001 - raised once the round is in
                        run.fail(exc)
                        break
                    if pulled is None:
                        break
                    group.start_soon(self._send_one, *pulled)
        if self.ready:
            return self.ready.popleft()
        return None

    async def _send_one(self, index: int, item: Any) -> None:
        try:
            outcome = await process(self._run, index, item)
        except Exception as exc:  # noqa: BLE001 - kept and raised by SendMany.__anext__
            self._run.fail(exc)
            return
        self.ready.append(outcome)
