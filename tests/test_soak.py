"""The soak campaign in CI: send_many against an independent fake platform over loopback HTTP.

The fake (tests/_fake_platform.py) is not the simulator: a threaded stdlib
HTTP/1.1 server that records every send it accepts and injects the eight
fault kinds at 10 % (fixed seeds). benchmarks/soak.py runs the same campaign
with 10,000 sends and more kills; the README's "Reliability" figures come
from it.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from tests._fake_platform import FAULT_KINDS, FakePlatform, serve
from tests._soak import KillReport, SoakReport, kill_and_resume, soak, soak_blocking

RETRIED = {"rate_limited", "unavailable"}
"""Nothing reached the platform: always retried."""
NEVER_RETRIED = {"error_500_after", "bad_gateway", "stall_after", "close_after", "close_before"}
"""The send may have landed: reported as unknown, never sent again (no opt-in here)."""


def _show(title: str, report: SoakReport | KillReport) -> None:
    print(f"\n{title}")
    rows = report.rows() if isinstance(report, SoakReport) else attrs.asdict(report).items()
    for name, value in rows:
        print(f"  {name:<24} {value}")


def _assert_promises(report: SoakReport, platform: FakePlatform) -> None:
    assert report.violations == []
    assert report.outcomes == report.inputs
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.landed == report.landed_ok + report.landed_unknown
    assert report.landed + report.unlanded_not_ok == report.inputs
    assert platform.errors == []
    assert set(report.faults) - {"ok"} == set(FAULT_KINDS), "every fault kind was exercised"
    for kind in RETRIED:
        assert report.retries[kind] > 0, kind
    for kind in NEVER_RETRIED:
        assert report.retries[kind] == 0, kind


@pytest.mark.parametrize(("pipelined", "count"), [(True, 1200), (False, 400)])
async def test_soak_keeps_every_promise(pipelined: bool, count: int) -> None:
    """Under 10 % faults of eight kinds every input gets one true outcome and none lands twice."""
    platform = FakePlatform(seed=9)
    with serve(platform) as base_url:
        report = await soak(platform, base_url, count=count, seed=9, pipelined=pipelined)
    _show(f"soak: {count} sends, {'async with' if pipelined else 'plain async for'}", report)
    _assert_promises(report, platform)


def test_soak_through_the_blocking_client() -> None:
    """The blocking client's send_many keeps the same promises under the same faults."""
    platform = FakePlatform(seed=11)
    with serve(platform) as base_url:
        report = soak_blocking(platform, base_url, count=600, seed=11)
    _show("soak: 600 sends, blocking client", report)
    _assert_promises(report, platform)


@pytest.mark.parametrize("seed", [3, 4])
def test_kill_and_resume_sends_nothing_twice(tmp_path: Path, seed: int) -> None:
    """SIGKILLed journaled runs, resumed to the end, hand over each input once and send it once."""
    platform = FakePlatform(
        seed=seed, fault_rate=0.2, kinds=("slow", "error_500_after", "close_after", "rate_limited")
    )
    with serve(platform) as base_url:
        report = kill_and_resume(platform, base_url, tmp_path, count=120, seed=seed, kills=2)
    _show(f"kill and resume, seed {seed}", report)
    assert report.violations == []
    assert report.kills == 2
    assert report.duplicates == 0
    assert report.handed_over == report.inputs + report.handed_over_again
    assert report.handed_over_again <= report.kills
    assert platform.errors == []
