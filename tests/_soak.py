"""The soak campaign, shared by tests/test_soak.py and benchmarks/soak.py.

``soak(...)`` drives ``AsyncQlara.send_many`` against the fake platform of
``tests/_fake_platform.py`` over loopback HTTP and checks the promise of
design §4 and §7 message by message: one outcome per input, nothing lost,
nothing accepted twice, every message the platform holds reported ``ok`` or
``OutcomeUnknownError``, every message it does not hold reported not ``ok``.

``kill_and_resume(...)`` runs a journaled ``send_many`` in child processes
(``tests/_soak_child.py``), SIGKILLs them at seeded random points, and resumes
until a run finishes; the platform lives in this process, so it sees every run.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

import qlara
from tests._fake_platform import FakePlatform

__all__ = [
    "KillReport",
    "SoakReport",
    "kill_and_resume",
    "make_inputs",
    "soak",
    "soak_blocking",
]

ROOT = Path(__file__).resolve().parent.parent
AnyMessage = qlara.SmsMessage | qlara.RcsMessage | qlara.WhatsAppMessage


def make_inputs(count: int, seed: int) -> list[AnyMessage]:
    """``count`` messages over the three channels; a few carry the caller's own id.

    Each has its own ``campaign_id``, which the fake platform draws its fault
    plan from: the plan is fixed by the seed, whatever ids the run derives.
    """
    draw = random.Random(seed)
    messages: list[AnyMessage] = []
    for index in range(count):
        envelope: dict[str, Any] = {
            "destination": f"+39340{draw.randrange(10**7):07d}",
            "message_id": f"caller-{seed}-{index}" if draw.random() < 0.1 else None,
            "campaign_id": f"soak-{seed}-{index}",
        }
        channel = draw.random()
        if channel < 0.6:
            messages.append(qlara.SmsMessage(body=f"soak {index}", sender="Soak", **envelope))
        elif channel < 0.8:
            body = qlara.RcsText(text=f"soak {index}")
            messages.append(qlara.RcsMessage(agent_id=10, body=body, **envelope))
        else:
            template = qlara.WhatsAppTemplate(id=42)
            messages.append(qlara.WhatsAppMessage(phone_number_id=5, template=template, **envelope))
    return messages


OPTIONS: dict[str, Any] = {
    "api_key": "soak-key",
    "max_retries": 3,
    "retry_policy": qlara.RetryPolicy(initial_backoff=0.01, max_backoff=0.05),
    "rate_limit": qlara.RateLimit(per_second=5000, per_minute=300_000),
}


def client(base_url: str, *, timeout: float) -> qlara.AsyncQlara:
    """The client both the soak and the child use: fast backoff, a generous rate limit."""
    return qlara.AsyncQlara(base_url=base_url, timeout=timeout, **OPTIONS)


@attrs.define
class SoakReport:
    """What one soak run showed; ``violations`` is empty when every promise held."""

    inputs: int
    outcomes: int
    lost: int
    duplicates: int
    landed: int
    landed_ok: int
    landed_unknown: int
    unlanded_not_ok: int
    ok: int
    unknown: int
    other_errors: Counter[str]
    faults: Counter[str]
    retries: Counter[str]
    seconds: float
    violations: list[str]

    def rows(self) -> list[tuple[str, object]]:
        rows: list[tuple[str, object]] = [
            ("inputs", self.inputs),
            ("outcomes", self.outcomes),
            ("lost", self.lost),
            ("accepted twice", self.duplicates),
            ("landed (ok + unknown)", f"{self.landed} ({self.landed_ok} + {self.landed_unknown})"),
            ("not landed, not ok", self.unlanded_not_ok),
            ("outcomes ok / unknown", f"{self.ok} / {self.unknown}"),
            ("other errors", dict(self.other_errors) or 0),
        ]
        for kind in sorted(self.faults):
            if kind != "ok":
                served, retried = self.faults[kind], self.retries[kind]
                rows.append((f"fault {kind}", f"{served} served, {retried} retried"))
        rows.append(("seconds", round(self.seconds, 2)))
        return rows


async def soak(
    platform: FakePlatform,
    base_url: str,
    *,
    count: int,
    seed: int,
    concurrency: int = 16,
    timeout: float = 0.25,
    pipelined: bool = True,
) -> SoakReport:
    """Send ``count`` messages through ``send_many`` and check every one against ``platform``."""
    messages = make_inputs(count, seed)
    outcomes: list[qlara.Outcome] = []
    started = time.perf_counter()
    async with client(base_url, timeout=timeout) as sdk:
        if pipelined:
            async with sdk.send_many(messages, concurrency=concurrency) as stream:
                outcomes += [outcome async for outcome in stream]
        else:
            outcomes += [o async for o in sdk.send_many(messages, concurrency=concurrency)]
    return check(platform, count, outcomes, time.perf_counter() - started)


def soak_blocking(
    platform: FakePlatform,
    base_url: str,
    *,
    count: int,
    seed: int,
    concurrency: int = 16,
    timeout: float = 0.25,
) -> SoakReport:
    """The same campaign through the blocking client's ``send_many`` (a plain iterator)."""
    messages = make_inputs(count, seed)
    started = time.perf_counter()
    with qlara.Qlara(base_url=base_url, timeout=timeout, **OPTIONS) as sdk:
        outcomes = list(sdk.send_many(messages, concurrency=concurrency))
    return check(platform, count, outcomes, time.perf_counter() - started)


def check(
    platform: FakePlatform, count: int, outcomes: Sequence[qlara.Outcome], seconds: float
) -> SoakReport:
    """Hold every outcome against what the platform recorded."""
    violations: list[str] = []
    indices = Counter(outcome.index for outcome in outcomes)
    lost = sum(1 for index in range(count) if index not in indices)
    violations += [f"input {i} has {n} outcomes" for i, n in indices.items() if n > 1]
    violations += [f"outcome for an index {i} not in the input" for i in indices if i >= count]
    if lost:
        violations.append(f"{lost} inputs have no outcome")
    duplicates = platform.duplicates()
    violations += [f"{mid} accepted {n} times" for mid, n in duplicates.items()]
    landed = landed_ok = landed_unknown = unlanded_not_ok = ok = unknown = 0
    others: Counter[str] = Counter()
    for outcome in outcomes:
        message_id = str(outcome.message_id)
        is_unknown = isinstance(outcome.error, qlara.OutcomeUnknownError)
        ok += outcome.ok
        unknown += is_unknown
        if outcome.error is not None and not is_unknown:
            others[type(outcome.error).__name__] += 1
        if is_unknown and getattr(outcome.error, "message_id", None) != message_id:
            violations.append(f"{message_id}: OutcomeUnknownError names another id")
        if platform.landed(message_id):
            landed += 1
            landed_ok += outcome.ok
            landed_unknown += is_unknown
            if not (outcome.ok or is_unknown):
                violations.append(f"{message_id} landed but reported {outcome.error!r}")
        elif outcome.ok:
            violations.append(f"{message_id} never landed but is reported ok")
        else:
            unlanded_not_ok += 1
    return SoakReport(
        inputs=count,
        outcomes=len(outcomes),
        lost=lost,
        duplicates=len(duplicates),
        landed=landed,
        landed_ok=landed_ok,
        landed_unknown=landed_unknown,
        unlanded_not_ok=unlanded_not_ok,
        ok=ok,
        unknown=unknown,
        other_errors=others,
        faults=platform.served(),
        retries=platform.retries_after(),
        seconds=seconds,
        violations=violations,
    )


@attrs.define
class KillReport:
    """What one kill-and-resume trial showed."""

    inputs: int
    runs: int
    kills: int
    handed_over: int
    handed_over_again: int
    duplicates: int
    reconciled_lookups: int
    violations: list[str]


def _read_lines(stream: Any, into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def kill_and_resume(
    platform: FakePlatform,
    base_url: str,
    workdir: Path,
    *,
    count: int,
    seed: int,
    kills: int,
    concurrency: int = 8,
    deadline: float = 60.0,
) -> KillReport:
    """Run a journaled ``send_many`` in children, SIGKILL ``kills`` of them, resume until done.

    A child prints one JSON line per outcome it was handed, before asking for
    the next. An outcome is journaled ``done`` only when the next one is asked
    for, so the last line a killed child printed may be handed over again by
    the resume (the documented rule: a loop body that did not finish is
    reconciled); any other repeat is a violation.
    """
    draw = random.Random(seed)
    journal = workdir / f"soak-{seed}.jsonl"
    errors = workdir / f"soak-{seed}.stderr"
    lines: list[dict[str, Any]] = []
    last_of_killed: set[int] = set()
    runs = done_kills = 0
    end = time.monotonic() + deadline
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    while True:
        runs += 1
        if time.monotonic() > end or runs > kills + 5:
            raise AssertionError(f"kill-and-resume did not finish: {runs} runs")
        arguments = [base_url, str(journal), str(count), str(seed), str(concurrency)]
        with errors.open("ab") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "tests._soak_child", *arguments],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=env,
            )
        assert child.stdout is not None
        received: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(child.stdout, received), daemon=True)
        reader.start()
        run_lines: list[dict[str, Any]] = []
        kill_after = draw.randint(1, max(1, count // 3)) if done_kills < kills else None
        killed = False
        while True:
            try:
                line = received.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                child.kill()
                raise AssertionError("a child sent nothing before the deadline") from None
            if line is None:
                break
            run_lines.append(json.loads(line))
            if kill_after is not None and len(run_lines) >= kill_after and not killed:
                time.sleep(draw.uniform(0, 0.01))  # a random point after that outcome
                child.send_signal(signal.SIGKILL)
                killed = True
        returncode = child.wait(timeout=max(1.0, end - time.monotonic()))
        reader.join(timeout=5)
        child.stdout.close()
        lines += run_lines
        if killed and returncode == -signal.SIGKILL:
            done_kills += 1
            if run_lines:
                last_of_killed.add(int(run_lines[-1]["index"]))
            continue
        if returncode != 0:
            raise AssertionError(
                f"child ended with {returncode}: {errors.read_text(errors='replace')[-2000:]}"
            )
        break
    return _check_kills(platform, journal, count, runs, done_kills, lines, last_of_killed)


def _check_kills(
    platform: FakePlatform,
    journal: Path,
    count: int,
    runs: int,
    kills: int,
    lines: list[dict[str, Any]],
    last_of_killed: set[int],
) -> KillReport:
    violations: list[str] = []
    per_index = Counter(int(line["index"]) for line in lines)
    missing = [index for index in range(count) if index not in per_index]
    if missing:
        violations.append(f"inputs without an outcome: {missing[:10]}")
    again = 0
    for index, seen in per_index.items():
        if seen > 1:
            again += seen - 1
            if seen > 2 or index not in last_of_killed:
                violations.append(f"input {index} was handed over {seen} times")
    done = Counter(
        record["index"]
        for record in map(json.loads, journal.read_text().splitlines())
        if record.get("event") == "done"
    )
    violations += [f"input {i} journaled done {n} times" for i, n in done.items() if n > 1]
    if len(done) != count:
        violations.append(f"{count - len(done)} inputs never journaled done")
    duplicates = platform.duplicates()
    violations += [f"{mid} accepted {n} times" for mid, n in duplicates.items()]
    final = {int(line["index"]): line for line in lines}  # the last word on each input
    for index, line in final.items():
        landed = platform.landed(line["message_id"])
        unknown = line["error"] == "OutcomeUnknownError"
        if landed and not (line["ok"] or unknown):
            violations.append(f"input {index} landed but was reported {line['error']}")
        if not landed and line["ok"]:
            violations.append(f"input {index} never landed but was reported ok")
    return KillReport(
        inputs=count,
        runs=runs,
        kills=kills,
        handed_over=len(lines),
        handed_over_again=again,
        duplicates=len(duplicates),
        reconciled_lookups=platform.status_lookups,
        violations=violations,
    )
