"""The resumable journal of a ``send_many`` run: JSON lines, append-only.

A journal records what left the process and what the caller received, so a
rerun neither loses nor repeats a message::

    {"event": "header", "version": 1, "run_id": "…", "created": "2026-…Z"}
    {"event": "start", "index": 0, "message_id": "…", "digest": "…", "caller_id": null}
    {"event": "done", "index": 0, "message_id": "…", "ok": true, "error": null}

A message that travelled in an SMS Legacy request with others
(``sms_per_request``) has ``"pack": "<the request's globalId>"`` in its
``start`` record, so the journal shows which inputs went together.

``start`` is written (and flushed to the OS) just before a message goes on the
wire, ``done`` when its outcome is handed to the caller. A killed process
therefore loses at most the outcomes that were in flight, and those show up
on resume as started-but-not-done, to be reconciled instead of re-sent.
Records are flushed one by one and fsync'd at most once a second (and on
close), which bounds what an operating-system crash can lose without paying an
fsync per message.

``digest`` is a short hash of the message (its wire body without
``messageId``, plus the caller's own ``message_id``, kept in ``caller_id``):
a resume whose input differs at a journaled index stops with a
``JournalError`` instead of skipping or reconciling someone else's message.

The run id in the header is the namespace of the message ids ``send_many``
derives for messages without one, so they are the same on every resume.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import IO, Any

from qlara._errors import JournalError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one run at a time is on you
    fcntl = None  # type: ignore[assignment]

__all__ = ["Journal", "JournalError"]

VERSION = 1
DIGEST_SIZE = 8
FSYNC_INTERVAL = 1.0


class _Bitmap:
    """A growable set of non-negative ints, one bit each (a million indices is 125 kB)."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self.count: int = 0

    def add(self, index: int) -> None:
        byte, bit = divmod(index, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits))))
        if not self._bits[byte] >> bit & 1:
            self._bits[byte] |= 1 << bit
            self.count += 1

    def __contains__(self, index: int) -> bool:
        byte, bit = divmod(index, 8)
        return byte < len(self._bits) and bool(self._bits[byte] >> bit & 1)


def _records(path: os.PathLike[str] | str) -> Iterator[tuple[int, dict[str, Any], int]]:
    """(line number, record, end offset) of each complete line; a torn last line is skipped."""
    with open(path, "rb") as file:
        offset = 0
        for number, line in enumerate(file, start=1):
            offset += len(line)
            if not line.endswith(b"\n"):
                return  # torn by a kill mid-write: ignored, and cut off on reopen
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise JournalError(f"{os.fspath(path)}, line {number}: not JSON") from exc
            if not isinstance(record, dict):
                raise JournalError(f"{os.fspath(path)}, line {number}: not a JSON object")
            yield number, record, offset


class Journal:
    """An open journal: what earlier runs did, and an append handle for this one.

    Attributes:
        run_id: the run's UUID, from the header (a new one for a new file).
        done: indices whose outcome an earlier run handed to its caller.
        done_ok: how many of those were ``ok``.
        started: index -> message_id of messages an earlier run started but
            never handed over: their fate must be reconciled, not re-sent.
    """

    def __init__(self, path: os.PathLike[str] | str) -> None:
        self.path: str = os.fspath(path)
        self.run_id: uuid.UUID = uuid.uuid4()
        self.done: _Bitmap = _Bitmap()
        self.done_ok: int = 0
        self.started: dict[int, str] = {}
        self._digests = bytearray()
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._last_sync = 0.0
        self._dirty = False

    def open(self) -> Journal:
        """Lock the file, read what is there (if anything), and open it for appending."""
        try:
            file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot open the journal: {exc.strerror}") from exc
        try:
            if fcntl is not None:
                # Two runs appending to one journal would each take the other's
                # messages for never sent; the second one stops here instead.
                try:
                    fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError as exc:
                    raise JournalError(f"{self.path} is in use by another run") from exc
            valid_end = self._load()
            size = os.path.getsize(self.path)
            if size > valid_end:
                if valid_end == 0:
                    # No complete header line: this is not ours to cut.
                    raise JournalError(
                        f"{self.path}: not a qlara journal (no header line); it was left as is"
                    )
                # A kill mid-write can leave half a line after our header; cut it
                # so records stay one per line.
                os.ftruncate(file.fileno(), valid_end)
        except BaseException:
            file.close()
            raise
        self._file = file
        if valid_end == 0:
            self._write(
                {
                    "event": "header",
                    "version": VERSION,
                    "run_id": str(self.run_id),
                    "created": datetime.now(timezone.utc).isoformat(),
                }
            )
        return self

    def _load(self) -> int:
        header = False
        end = 0
        for number, record, offset in _records(self.path):
            end = offset
            event = record.get("event")
            try:
                if event == "header":
                    if record.get("version") != VERSION:
                        raise JournalError(
                            f"{self.path}: journal version {record.get('version')!r} is not "
                            f"supported (this qlara writes version {VERSION})"
                        )
                    if not header:
                        self.run_id = uuid.UUID(record["run_id"])
                        header = True
                elif not header:
                    raise JournalError(f"{self.path}: not a qlara journal (no header line)")
                elif event == "start":
                    index = int(record["index"])
                    self.started[index] = str(record["message_id"])
                    digest = record.get("digest")
                    if digest is not None:
                        self._remember(index, bytes.fromhex(digest))
                elif event == "done":
                    index = int(record["index"])
                    self.started.pop(index, None)
                    if index not in self.done:
                        self.done.add(index)
                        self.done_ok += bool(record.get("ok"))
            except (KeyError, TypeError, ValueError) as exc:
                raise JournalError(f"{self.path}, line {number}: malformed {event} record") from exc
        if end and not header:
            raise JournalError(f"{self.path}: not a qlara journal (no header line)")
        return end

    def _remember(self, index: int, digest: bytes) -> None:
        if len(digest) != DIGEST_SIZE:
            raise ValueError("bad digest")
        at = index * DIGEST_SIZE
        if at + DIGEST_SIZE > len(self._digests):
            grow = max(at + DIGEST_SIZE - len(self._digests), len(self._digests))
            self._digests.extend(bytes(grow))
        self._digests[at : at + DIGEST_SIZE] = digest

    def knows(self, index: int) -> bool:
        """Whether an earlier run recorded a digest for ``index``."""
        at = index * DIGEST_SIZE
        return any(self._digests[at : at + DIGEST_SIZE])

    def check(self, index: int, digest: str) -> None:
        """Raise ``JournalError`` if an earlier run journaled another message at ``index``."""
        at = index * DIGEST_SIZE
        known = bytes(self._digests[at : at + DIGEST_SIZE])
        if known and any(known) and known.hex() != digest:
            raise JournalError(
                f"{self.path}: journal belongs to another input: messages[{index}] is not "
                "the message an earlier run sent from this journal"
            )

    def start(
        self,
        index: int,
        message_id: str,
        *,
        digest: str | None = None,
        caller_id: str | None = None,
        pack: str | None = None,
    ) -> None:
        record: dict[str, Any] = {
            "event": "start",
            "index": index,
            "message_id": message_id,
            "digest": digest,
            "caller_id": caller_id,
        }
        if pack is not None:
            record["pack"] = pack
        self._write(record)

    def finish(self, index: int, message_id: str, *, ok: bool, error: str | None) -> None:
        self._write(
            {"event": "done", "index": index, "message_id": message_id, "ok": ok, "error": error}
        )

    def _write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            file = self._file
            if file is None:
                raise JournalError(f"{self.path}: the journal is closed")
            file.write(line)
            file.flush()
            self._dirty = True
            now = time.monotonic()
            if now - self._last_sync >= FSYNC_INTERVAL:
                os.fsync(file.fileno())
                self._last_sync = now
                self._dirty = False

    def close(self) -> None:
        with self._lock:
            file, self._file = self._file, None
            if file is None:
                return
            try:
                if self._dirty:
                    file.flush()
                    os.fsync(file.fileno())
            finally:
                file.close()
