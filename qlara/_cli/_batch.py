"""``qlara batch FILE.csv|FILE.jsonl --channel sms``: send a file of messages, resumably.

Each CSV row (with a header line) or JSON line is one message. Columns named
after the message's fields (``destination``, ``body``, ``sender``,
``message_id``, ``campaign_id``, ``simulation``; for RCS ``text``,
``agent_id``, ``template_id``; for WhatsApp ``phone_number_id``,
``template_id``) fill them; every other column is a placeholder, so
``--body "Hi {name}"`` with a ``name`` column personalises each text. Options
give defaults for fields a file leaves out.

A journal next to the file (``FILE.csv.journal.jsonl`` for ``FILE.csv``) makes
the run resumable: after a crash or Ctrl-C, ``--resume`` sends only what never
went out and reconciles what was in flight. Each outcome is appended to a
results file (``FILE.csv.results.jsonl``, one JSON object per input row). A file
without a column every row needs (an SMS body, say) and no option giving it is
refused before anything is sent.

``--sms-per-request N`` sends SMS rows N at a time in one SMS Legacy request
(the rate limit counts requests, so N times as many messages fit it). The
progress line shows messages, requests, and when the client is waiting for
the rate window; Ctrl-C prints the ``--resume`` command that continues the run.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import anyio

import qlara
from qlara._batch._pack import MAX_SMS_PER_REQUEST
from qlara._cli._batch_progress import resume_command, watch
from qlara._cli._common import Output, UsageError, client_for, common_options, integer_in
from qlara._cli._ui import Progress, table

__all__ = ["add_parser", "read_rows"]

FIELDS = {
    "sms": {"destination", "body", "sender", "message_id", "campaign_id", "simulation"},
    "rcs": {
        "destination",
        "text",
        "agent_id",
        "template_id",
        "message_id",
        "campaign_id",
        "simulation",
    },
    "whatsapp": {
        "destination",
        "phone_number_id",
        "template_id",
        "message_id",
        "campaign_id",
        "simulation",
    },
}
TRUE = {"1", "true", "yes", "y"}


def add_parser(subparsers: Any) -> None:
    batch = subparsers.add_parser(
        "batch",
        help="send every row of a CSV or JSON-lines file, resumably",
        description=_plain(__doc__.split("\n\n", 1)[1]) if __doc__ else None,
        parents=[common_options()],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    batch.add_argument("file", type=Path, help="a .csv (with a header) or .jsonl file")
    batch.add_argument(
        "--channel",
        choices=sorted(FIELDS),
        default="sms",
        help="the channel every row is sent on (default: sms)",
    )
    batch.add_argument("--body", help="SMS text for rows without a body ({name} placeholders)")
    batch.add_argument("--sender", help="SMS sender for rows without one")
    batch.add_argument("--text", help="RCS text for rows without one")
    batch.add_argument("--agent-id", type=int, help="RCS agent for rows without one")
    batch.add_argument("--phone-number-id", help="WhatsApp number id for rows without one")
    batch.add_argument("--template-id", help="RCS/WhatsApp template for rows without one")
    batch.add_argument("--campaign-id", help="campaign id for rows without one")
    batch.add_argument("--simulation", action="store_true", help="validate without sending")
    batch.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    batch.add_argument(
        "--sms-per-request",
        type=int,
        default=1,
        metavar="N",
        help=f"SMS per request, through the SMS Legacy format (1 to {MAX_SMS_PER_REQUEST}; 1)",
    )
    batch.add_argument(
        "--max-parts",
        type=integer_in(1, 255),
        metavar="N",
        help="refuse (never send) a message whose SMS text takes more than N parts",
    )
    batch.add_argument("--results", type=Path, help="results file (default FILE.results.jsonl)")
    batch.add_argument("--journal", type=Path, help="journal (default FILE.journal.jsonl)")
    batch.add_argument(
        "--resume", action="store_true", help="continue the run recorded in the journal"
    )
    batch.set_defaults(handler=_batch)


def _plain(text: str) -> str:
    """A docstring as help text: the reST literal quotes dropped, each paragraph refilled."""
    paragraphs = text.replace("``", "").split("\n\n")
    return "\n\n".join(textwrap.fill(" ".join(p.split()), 78) for p in paragraphs if p.strip())


# What a message cannot do without, per channel: (the fields, any one of which
# will do; the option that gives a default for all rows).
REQUIRED: dict[str, list[tuple[tuple[str, ...], str | None]]] = {
    "sms": [(("destination",), None), (("body",), "--body"), (("sender",), "--sender")],
    "rcs": [
        (("destination",), None),
        (("agent_id",), "--agent-id"),
        (("text", "template_id"), "--text or --template-id"),
    ],
    "whatsapp": [
        (("destination",), None),
        (("phone_number_id",), "--phone-number-id"),
        (("template_id",), "--template-id"),
    ],
}


def check_columns(path: Path, channel: str, columns: set[str], defaults: dict[str, Any]) -> None:
    """Refuse, before sending anything, a file whose every row would fail for a missing field."""
    for names, flag in REQUIRED[channel]:
        if any(name in columns or defaults.get(name) is not None for name in names):
            continue
        column = " or ".join(names)
        fix = f"add the column, or give {flag} for every row" if flag else "add the column"
        raise UsageError(
            f"{path}: no {column} column, so every row would fail ({channel} messages "
            f"need it): {fix}"
        )


def file_error(path: Path, exc: Exception) -> UsageError:
    """An error reading or writing ``path``, as one line naming it."""
    if isinstance(exc, OSError):
        problem = exc.strerror or str(exc) or type(exc).__name__
    elif isinstance(exc, UnicodeDecodeError):
        problem = f"not UTF-8 text (byte {exc.start})"
    else:
        problem = str(exc) or type(exc).__name__
    error = UsageError(f"{path}: {problem}")
    error.__cause__ = exc
    return error


@contextlib.contextmanager
def results_file(path: Path) -> Iterator[TextIO]:
    """The results file, opened for appending; its errors name it (also on close)."""
    try:
        # Line-buffered: a line per outcome reaches the OS as soon as it is handed over.
        file = path.open("a", encoding="utf-8", buffering=1)
    except OSError as exc:
        raise file_error(path, exc) from exc
    try:
        yield file
    except BaseException:
        with contextlib.suppress(OSError):  # what is propagating says more
            file.close()
        raise
    try:
        file.close()
    except OSError as exc:
        raise file_error(path, exc) from exc


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The file's records as dicts, lazily; an unreadable file is a UsageError naming it."""
    try:
        yield from _read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise file_error(path, exc) from exc


def _read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The file's records as dicts, lazily: CSV rows by header, or JSON objects per line."""
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as file:
            for row in csv.DictReader(file):
                yield {key.strip(): value for key, value in row.items() if key is not None}
        return
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not isinstance(record, dict):
                raise UsageError(f"{path}, line {number}: not a JSON object")
            yield record


def _survey(path: Path) -> tuple[int, set[str]]:
    """How many rows the file has, and every column (or JSON key) any row fills."""
    count, columns = 0, set[str]()
    for row in read_rows(path):
        count += 1
        columns.update(key for key, value in row.items() if value not in (None, ""))
    return count, columns


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in TRUE


def _integer(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise qlara.ValidationError(field, f"must be an integer, got {value!r}")
    return int(text)


def _id(value: Any) -> int | str:
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def build_message(channel: str, row: dict[str, Any], defaults: dict[str, Any]) -> Any:
    """One message from a row (values win) and the command's defaults."""
    known = FIELDS[channel]
    given = {k: v for k, v in row.items() if k in known and v not in (None, "")}
    values = {**{k: v for k, v in defaults.items() if v is not None}, **given}
    extra = row.get("placeholders")
    placeholders = dict(extra) if isinstance(extra, dict) else {}
    placeholders.update(
        {
            k: v
            for k, v in row.items()
            if k not in known and k != "placeholders" and v not in (None, "")
        }
    )
    common: dict[str, Any] = {
        "destination": values.get("destination"),
        "message_id": values.get("message_id"),
        "campaign_id": values.get("campaign_id"),
        "simulation": _flag(values.get("simulation", False)),
        "placeholders": placeholders or None,
    }
    if channel == "sms":
        body: Any = values.get("body")  # validated by the model, like every field here
        sender: Any = values.get("sender")
        return qlara.SmsMessage(**common, body=body, sender=sender)
    template = values.get("template_id")
    if channel == "rcs":
        text = values.get("text")
        return qlara.RcsMessage(
            **common,
            agent_id=_integer(values.get("agent_id"), "agent_id"),
            body=None if text is None else qlara.RcsText(text=text),
            template_id=None if template is None else _integer(template, "template_id"),
        )
    return qlara.WhatsAppMessage(
        **common,
        phone_number_id=_id(values.get("phone_number_id")),
        template=qlara.WhatsAppTemplate(id=None if template is None else _id(template)),
    )


class _Rows:
    """The messages of the file, lazily; a row that is not a valid message keeps its error."""

    def __init__(self, path: Path, channel: str, defaults: dict[str, Any]) -> None:
        self.path, self.channel, self.defaults = path, channel, defaults
        self.errors: dict[int, qlara.ValidationError] = {}

    def __iter__(self) -> Iterator[Any]:
        for index, row in enumerate(read_rows(self.path)):
            yield self._message(index, row)

    def _message(self, index: int, row: dict[str, Any]) -> Any:
        try:
            return build_message(self.channel, row, self.defaults)
        except qlara.ValidationError as exc:
            # send_many reports the item as invalid; the results file gets this reason.
            self.errors[index] = exc
            return row


def _record(outcome: qlara.Outcome, errors: dict[int, qlara.ValidationError]) -> dict[str, Any]:
    error = errors.pop(outcome.index, None) or outcome.error
    record: dict[str, Any] = {
        "index": outcome.index,
        "message_id": outcome.message_id,
        "destination": getattr(outcome.message, "destination", None),
        "ok": outcome.ok,
        "error_type": None if error is None else type(error).__name__,
        "error": None if error is None else str(error),
    }
    if isinstance(error, qlara.APIStatusError):
        record["status_code"] = error.status_code
    if outcome.result is not None and not outcome.ok:
        record["error_type"] = "NotAccepted"
        reasons = [r for item in outcome.result.results.values() for r in item.reasons]
        record["error"] = "; ".join(reasons) or "not accepted"
    return record


def _tally(
    outcome: qlara.Outcome,
    rows: _Rows,
    results: TextIO,
    results_path: Path,
    counts: dict[str, int],
) -> None:
    """Write one outcome to the results file and count it."""
    record = _record(outcome, rows.errors)
    try:
        results.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise file_error(results_path, exc) from exc
    if outcome.ok:
        counts["ok"] += 1
    elif isinstance(outcome.error, qlara.OutcomeUnknownError):
        counts["unknown"] += 1
    else:
        counts["failed"] += 1


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    file: Path = args.file
    if not file.is_file():
        raise UsageError(f"no such file: {file}")
    if file.suffix.lower() not in (".csv", ".jsonl"):
        raise UsageError(f"the file must end in .csv or .jsonl, got {file.name}")
    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if not 1 <= args.sms_per_request <= MAX_SMS_PER_REQUEST:
        raise UsageError(f"--sms-per-request must be from 1 to {MAX_SMS_PER_REQUEST}")
    journal = args.journal or file.with_name(file.name + ".journal.jsonl")
    results = args.results or file.with_name(file.name + ".results.jsonl")
    if args.resume and not journal.exists():
        raise UsageError(f"nothing to resume: {journal} does not exist")
    if not args.resume and journal.exists():
        raise UsageError(
            f"{journal} exists from an earlier run: pass --resume to continue it, "
            "or delete it (and the results file) to start over"
        )
    return journal, results


async def _batch(args: argparse.Namespace, out: Output) -> int:
    journal, results_path = _paths(args)
    argv = getattr(args, "argv", None)
    if argv is not None:
        args.interrupt_hint = f"qlara: to continue this run: {resume_command(argv)}"
    defaults = {
        "body": args.body,
        "sender": args.sender,
        "text": args.text,
        "agent_id": args.agent_id,
        "phone_number_id": args.phone_number_id,
        "template_id": args.template_id,
        "campaign_id": args.campaign_id,
        "simulation": args.simulation or None,
    }
    total, columns = _survey(args.file)
    if total:
        check_columns(args.file, args.channel, columns, defaults)
    rows = _Rows(args.file, args.channel, defaults)
    counts = {"ok": 0, "failed": 0, "unknown": 0}
    began = time.monotonic()
    # With --json, stdout carries only the summary; the bar goes to stderr.
    stream: TextIO = sys.stderr if out.as_json else out.stream
    with (
        results_file(results_path) as results,
        Progress(f"{args.channel} batch", total, stream) as bar,
    ):
        last = 0

        def progress(done: int, _total: int | None, ok: int, failed: int) -> None:
            nonlocal last
            if done > last:
                bar.advance(done - last)
                last = done

        async with (
            client_for(args) as client,
            client.send_many(
                rows,
                concurrency=args.concurrency,
                journal=journal,
                on_progress=progress,
                max_parts=args.max_parts,
                sms_per_request=args.sms_per_request,
            ) as outcomes,
        ):
            failure: BaseException | None = None
            async with anyio.create_task_group() as watcher:
                watcher.start_soon(watch, client, bar, outcomes)
                try:
                    async for outcome in outcomes:
                        _tally(outcome, rows, results, results_path, counts)
                except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - re-raised below
                    failure = exc  # raised as itself, not inside the watcher's exception group
                watcher.cancel_scope.cancel()
            if failure is not None:
                raise failure
    elapsed = time.monotonic() - began
    sent = sum(counts.values())
    summary = {
        "rows": total,
        "thisRun": sent,
        "earlierRuns": total - sent,
        "ok": counts["ok"],
        "failed": counts["failed"],
        "unknown": counts["unknown"],
        "seconds": round(elapsed, 2),
        "perSecond": round(sent / elapsed, 1) if elapsed > 0 else None,
        "results": str(results_path),
        "journal": str(journal),
    }
    if out.as_json:
        out.data(summary)
    else:
        table(
            "batch summary",
            [
                ("rows in file", str(total)),
                ("handled this run", str(sent)),
                ("handled by earlier runs", str(total - sent)),
                ("accepted", str(counts["ok"])),
                ("failed", str(counts["failed"])),
                ("outcome unknown", str(counts["unknown"])),
                ("time", f"{elapsed:.1f} s"),
                ("messages per second", f"{sent / elapsed:.0f}" if elapsed > 0 else "-"),
                ("results", str(results_path)),
            ],
            out.stream,
        )
    return 0 if counts["failed"] == counts["unknown"] == 0 else 1
