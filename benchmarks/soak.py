"""Soak: 10,000 sends through send_many against a faulty fake platform, then kill-and-resume trials.

The platform is tests/_fake_platform.py (not the simulator): a threaded
stdlib HTTP/1.1 server on loopback that records each send it accepts by
``messageId`` and meets 10 % of attempts with one of eight faults: 429 with
``retryAfter``, 500 after recording, 502, 503, a stall past the client's
timeout after recording, a close after recording, a close before
recording, a slow answer. Every outcome is checked against the platform's
record (tests/_soak.py): one outcome per input, none lost, none accepted
twice, every landed message ok or ``OutcomeUnknownError``, every unlanded
one not ok. Then journaled runs in child processes are SIGKILLed at seeded
random points and resumed until done: nothing may reach the platform twice
and each input must be handed over once (the one outcome a killed caller
held may be handed over again, by design).

    uv run python benchmarks/soak.py [--count 10000] [--trials 7] [--kills 3] [--seed 1]

Prints a table and writes benchmarks/results/soak.json; exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import anyio

from benchmarks._common import table, write
from tests._fake_platform import FakePlatform, serve
from tests._soak import KillReport, SoakReport, kill_and_resume, soak

KILL_FAULTS = ("slow", "error_500_after", "close_after", "rate_limited", "stall_after")


async def _soak(count: int, seed: int, pipelined: bool) -> tuple[SoakReport, list[str]]:
    platform = FakePlatform(seed=seed)
    with serve(platform) as base_url:
        report = await soak(platform, base_url, count=count, seed=seed, pipelined=pipelined)
    return report, platform.errors


def _trials(trials: int, kills: int, count: int, seed: int) -> list[KillReport]:
    reports = []
    with tempfile.TemporaryDirectory() as workdir:
        for trial in range(trials):
            trial_seed = seed * 1000 + trial
            platform = FakePlatform(seed=trial_seed, fault_rate=0.2, kinds=KILL_FAULTS)
            with serve(platform) as base_url:
                reports.append(
                    kill_and_resume(
                        platform,
                        base_url,
                        Path(workdir),
                        count=count,
                        seed=trial_seed,
                        kills=kills,
                        deadline=300,
                    )
                )
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--plain-count", type=int, default=2_000)
    parser.add_argument("--trials", type=int, default=7)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--kill-count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    runs: list[tuple[str, SoakReport, list[str]]] = []
    for label, count, pipelined in (
        ("async with (pipelined)", args.count, True),
        ("plain async for (rounds)", args.plain_count, False),
    ):
        report, errors = anyio.run(_soak, count, args.seed, pipelined)
        runs.append((label, report, errors))
    kill_reports = _trials(args.trials, args.kills, args.kill_count, args.seed)

    header = ["", *[label for label, _, _ in runs]]
    names = [name for name, _ in runs[0][1].rows()]
    rows = [[name, *[dict(report.rows()).get(name, "") for _, report, _ in runs]] for name in names]
    print(table("soak: send_many against the faulty fake platform", header, rows))
    total_kills = sum(k.kills for k in kill_reports)
    kill_rows = [
        ["trials", len(kill_reports)],
        ["inputs per trial", args.kill_count],
        ["runs", sum(k.runs for k in kill_reports)],
        ["SIGKILLs survived", total_kills],
        ["outcomes handed over", sum(k.handed_over for k in kill_reports)],
        [
            "handed over again (held by a killed caller)",
            sum(k.handed_over_again for k in kill_reports),
        ],
        ["accepted twice", sum(k.duplicates for k in kill_reports)],
        ["status lookups (reconciliations)", sum(k.reconciled_lookups for k in kill_reports)],
        ["violations", sum(len(k.violations) for k in kill_reports)],
    ]
    print()
    print(table("kill and resume: journaled runs SIGKILLed at random points", ["", ""], kill_rows))

    violations = [v for _, report, _ in runs for v in report.violations]
    violations += [e for _, _, errors in runs for e in errors]
    violations += [v for k in kill_reports for v in k.violations]
    faults: Counter[str] = Counter()
    for _, report, _ in runs:
        faults.update({k: v for k, v in report.faults.items() if k != "ok"})
    payload: dict[str, Any] = {
        "soak": [
            {
                "form": label,
                "inputs": report.inputs,
                "outcomes": report.outcomes,
                "lost": report.lost,
                "accepted_twice": report.duplicates,
                "landed": report.landed,
                "landed_ok": report.landed_ok,
                "landed_unknown": report.landed_unknown,
                "unlanded_not_ok": report.unlanded_not_ok,
                "faults": dict(sorted(report.faults.items())),
                "retries_after": dict(sorted(report.retries.items())),
                "other_errors": dict(report.other_errors),
                "seconds": round(report.seconds, 2),
            }
            for label, report, _ in runs
        ],
        "faults_survived": dict(sorted(faults.items())),
        "kills": {
            "trials": len(kill_reports),
            "inputs_per_trial": args.kill_count,
            "kills_survived": total_kills,
            "runs": sum(k.runs for k in kill_reports),
            "handed_over": sum(k.handed_over for k in kill_reports),
            "handed_over_again": sum(k.handed_over_again for k in kill_reports),
            "accepted_twice": sum(k.duplicates for k in kill_reports),
        },
        "violations": violations,
    }
    path = write("soak", payload)
    print(f"\nwrote {path}")
    if violations:
        print(f"{len(violations)} violations, first: {violations[:5]}", file=sys.stderr)
        return 1
    print("every promise held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
