"""``qlara batch --sms-per-request N``: packed sends, the progress note, Ctrl-C's resume hint."""

from __future__ import annotations

import io
import json
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qlara._cli._batch as cli_batch
from qlara._cli import main
from qlara._cli._batch_progress import rate_note
from qlara._cli._ui import Progress
from qlara.testing import Lifecycle, Server, Simulator, serve
from tests.conftest import KEY
from tests.test_cli_batch import results, write_csv


@pytest.fixture
def sim() -> Simulator:
    return Simulator(lifecycle=Lifecycle.instant())


@pytest.fixture
def server(sim: Simulator) -> Iterator[Server]:
    with serve(sim) as running:
        yield running


def command(file: Path, server: Server, *extra: str) -> list[str]:
    return [
        "batch",
        str(file),
        "--body",
        "Hi {name}",
        "--sender",
        "Shop",
        "--api-key",
        KEY,
        "--base-url",
        server.base_url,
        "--sms-per-request",
        "100",
        *extra,
    ]


def test_rows_travel_a_hundred_per_request(
    tmp_path: Path, server: Server, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """300 rows reach the platform in a handful of requests, each once, with its own text."""
    file = write_csv(tmp_path / "people.csv", 300)
    assert main(command(file, server, "--json")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] == 300
    assert sim.requests_seen <= 10
    assert set(sim.send_counts.values()) == {1}
    assert len(sim.send_counts) == 300
    assert {m.text for m in sim.sent} == {f"Hi Ada {i}" for i in range(300)}
    assert len(results(file.with_name("people.csv.results.jsonl"))) == 300


def test_sms_per_request_out_of_range_is_a_usage_error(tmp_path: Path, server: Server) -> None:
    """0 or more than 1,000 per request exits 2 before anything is sent."""
    file = write_csv(tmp_path / "people.csv", 3)
    args = command(file, server)
    args[args.index("100")] = "0"
    assert main(args) == 2


def test_ctrl_c_names_the_resume_command(
    tmp_path: Path,
    server: Server,
    sim: Simulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C prints the --resume command (without the key); running it finishes the file."""
    file = write_csv(tmp_path / "people.csv", 300)
    real = cli_batch._record
    seen = 0

    def interrupted(*args: Any) -> dict[str, Any]:
        nonlocal seen
        seen += 1
        if seen == 50:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(cli_batch, "_record", interrupted)
    assert main(command(file, server)) == 130
    err = capsys.readouterr().err
    assert KEY not in err
    line = next(line for line in err.splitlines() if "--resume" in line)
    resume = shlex.split(line.split(": ", 2)[2])
    assert resume[0] == "qlara"
    assert resume[-1] == "--resume"
    monkeypatch.setattr(cli_batch, "_record", real)
    monkeypatch.setenv("QLARA_API_KEY", KEY)
    assert main(resume[1:]) == 0
    assert set(sim.send_counts.values()) == {1}
    assert len(sim.send_counts) == 300
    indices = {r["index"] for r in results(file.with_name("people.csv.results.jsonl"))}
    assert indices == set(range(300))


def test_rate_note_says_when_the_rate_window_holds() -> None:
    """The note counts requests and names the wait for the next slot, rounded up."""
    assert rate_note(40.2, 12) == ("12 requests · waiting for the rate limit, next slot in 41 s")
    assert rate_note(0.3, 12) == "12 requests"
    assert rate_note(float("inf"), None) == ""


def test_progress_note_is_logged_when_a_wait_begins() -> None:
    """Without a terminal, a wait for the rate limit is written once, not silently."""
    stream = io.StringIO()
    with Progress("sms batch", 10, stream) as bar:
        bar.advance(5)
        bar.note("waiting for the rate limit, next slot in 41 s")
        bar.note("waiting for the rate limit, next slot in 41 s")
    lines = [line for line in stream.getvalue().splitlines() if "waiting" in line]
    assert lines == [
        "sms batch [###############---------------] 5/10 · "
        "waiting for the rate limit, next slot in 41 s"
    ]
