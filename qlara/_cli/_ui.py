"""Progress and tables, with ``rich`` when the ``[cli]`` extra is installed.

``rich`` is used only when it is importable and stdout is a terminal; the
plain fallback writes the same information as text, so scripts, pipes and
tests see stable output.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

__all__ = ["Progress", "table"]


def _rich(stream: TextIO) -> Any:
    if not getattr(stream, "isatty", lambda: False)():
        return None
    try:
        return importlib.import_module("rich.console").Console(file=stream)
    except ImportError:
        return None


class Progress:
    """A progress bar for ``total`` items: rich's, a redrawn line, or a few plain lines."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stdout
        self.done = 0
        self._console = _rich(self.stream)
        self._rich_progress: Any = None
        self._task: Any = None
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step = -1
        self._last_draw = 0.0
        self._note = ""

    def __enter__(self) -> Progress:
        if self._console is not None:
            progress = importlib.import_module("rich.progress")
            self._rich_progress = progress.Progress(console=self._console, transient=False)
            self._rich_progress.start()
            self._task = self._rich_progress.add_task(self.label, total=self.total)
        return self

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._rich_progress is not None:
            self._rich_progress.update(self._task, completed=self.done)
            return
        if self._tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.05 or self.done == self.total:
                self._last_draw = now
                self.stream.write(f"\r{self._bar()}")
                self.stream.flush()
            return
        step = self.done * 4 // max(self.total, 1)  # quarter steps in logs
        if step != self._last_step:
            self._last_step = step
            self.stream.write(self._bar() + "\n")

    def note(self, text: str) -> None:
        """Show ``text`` after the counts (requests sent, a wait for the rate limit).

        Redrawn on a terminal; in logs a note is written once when it changes
        to a wait, so a long pause is never silent.
        """
        if text == self._note:
            return
        waiting = "waiting" in text and "waiting" not in self._note
        self._note = text
        if self._rich_progress is not None:
            self._rich_progress.update(self._task, description=f"{self.label} {text}".strip())
        elif self._tty:
            self.stream.write(f"\r{self._bar()}\x1b[K")
            self.stream.flush()
        elif waiting:
            self.stream.write(self._bar() + "\n")

    def _bar(self) -> str:
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        note = f" · {self._note}" if self._note else ""
        return f"{self.label} [{bar}] {self.done}/{self.total}{note}"

    def __exit__(self, *exc: object) -> None:
        if self._rich_progress is not None:
            self._rich_progress.stop()
        elif self._tty:
            self.stream.write("\n")
            self.stream.flush()


def table(title: str, rows: Sequence[tuple[str, str]], stream: TextIO | None = None) -> None:
    """A two-column table of labels and values."""
    out = stream if stream is not None else sys.stdout
    console = _rich(out)
    if console is not None:
        rich_table = importlib.import_module("rich.table").Table(title=title, show_header=False)
        rich_table.add_column("")
        rich_table.add_column("", justify="right")
        for label, value in rows:
            rich_table.add_row(label, value)
        console.print(rich_table)
        return
    left = max(len(label) for label, _ in rows)
    right = max(len(value) for _, value in rows)
    rule = "+" + "-" * (left + 2) + "+" + "-" * (right + 2) + "+"
    lines = [title, rule]
    lines += [f"| {label:<{left}} | {value:>{right}} |" for label, value in rows]
    lines.append(rule)
    out.write("\n".join(lines) + "\n")
    out.flush()
