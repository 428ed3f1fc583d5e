"""``qlara batch``: a file of messages sent with progress, results and resume."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qlara._cli import main
from qlara.testing import Lifecycle, Server, Simulator, serve
from tests.conftest import DESTINATION, KEY


@pytest.fixture
def sim() -> Simulator:
    return Simulator(lifecycle=Lifecycle.instant())


@pytest.fixture
def server(sim: Simulator) -> Iterator[Server]:
    with serve(sim) as running:
        yield running


def against(server: Server) -> list[str]:
    return ["--api-key", KEY, "--base-url", server.base_url]


def write_csv(path: Path, rows: int, bad: frozenset[int] = frozenset()) -> Path:
    lines = ["destination,name"]
    for index in range(rows):
        number = "12" if index in bad else f"+3934012{index:05d}"
        lines.append(f"{number},Ada {index}")
    path.write_text("\n".join(lines) + "\n")
    return path


def results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_csv_batch_sends_every_row(
    tmp_path: Path, server: Server, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each row is sent with its placeholders; the results file has one line per row."""
    file = write_csv(tmp_path / "people.csv", 300)
    code = main(
        [
            "batch",
            str(file),
            "--channel",
            "sms",
            "--body",
            "Hi {name}",
            "--sender",
            "Shop",
            *against(server),
        ]
    )
    assert code == 0
    lines = results(tmp_path / "people.csv.results.jsonl")
    assert sorted(line["index"] for line in lines) == list(range(300))
    assert all(line["ok"] for line in lines)
    assert len(sim.sent) == 300
    assert {message.text for message in sim.sent} == {f"Hi Ada {i}" for i in range(300)}
    output = capsys.readouterr().out
    assert "sms batch" in output
    assert "300" in output


def test_bad_rows_are_reported_with_their_reason(tmp_path: Path, server: Server) -> None:
    """A row that is not a valid message gets its validation error in the results; exit 1."""
    file = write_csv(tmp_path / "people.csv", 5, bad=frozenset({2}))
    code = main(
        ["batch", str(file), "--body", "Hi {name}", "--sender", "Shop", "--json", *against(server)]
    )
    assert code == 1
    by_index = {line["index"]: line for line in results(tmp_path / "people.csv.results.jsonl")}
    assert by_index[2]["ok"] is False
    assert by_index[2]["error_type"] == "ValidationError"
    assert "E.164" in by_index[2]["error"]
    assert all(by_index[i]["ok"] for i in (0, 1, 3, 4))


def test_jsonl_batch_and_resume(
    tmp_path: Path, server: Server, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON lines work; a second run needs --resume and then sends nothing again."""
    file = tmp_path / "batch.jsonl"
    file.write_text(
        "\n".join(
            json.dumps({"destination": DESTINATION, "body": f"n{i}", "sender": "Shop"})
            for i in range(20)
        )
        + "\n"
    )
    assert main(["batch", str(file), "--json", *against(server)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] == 20
    assert main(["batch", str(file), *against(server)]) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(["batch", str(file), "--resume", "--json", *against(server)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["thisRun"] == 0
    assert summary["earlierRuns"] == 20
    assert len(sim.sent) == 20


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["batch", "missing.csv", "--sandbox"], "no such file"),
        (["batch", "{tmp}/x.txt", "--sandbox"], ".csv or .jsonl"),
        (["batch", "{tmp}/x.csv", "--sandbox", "--resume"], "nothing to resume"),
    ],
)
def test_unusable_arguments_exit_2(
    tmp_path: Path, argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file, a wrong extension or a resume without journal is one line and exit 2."""
    (tmp_path / "x.txt").write_text("destination\n")
    (tmp_path / "x.csv").write_text("destination\n")
    assert main([arg.format(tmp=tmp_path) for arg in argv]) == 2
    assert problem in capsys.readouterr().err


def test_csv_and_jsonl_of_one_stem_keep_separate_journals(
    tmp_path: Path, server: Server, sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """x.csv and x.jsonl next to each other get their own journal and results file."""
    csv_file = write_csv(tmp_path / "x.csv", 3)
    jsonl_file = tmp_path / "x.jsonl"
    jsonl_file.write_text(
        json.dumps({"destination": DESTINATION, "body": "other", "sender": "Shop"}) + "\n"
    )
    options = ["--body", "Hi {name}", "--sender", "Shop", *against(server)]
    assert main(["batch", str(csv_file), "--json", *options]) == 0
    assert main(["batch", str(jsonl_file), "--json", *against(server)]) == 0
    capsys.readouterr()
    assert (tmp_path / "x.csv.journal.jsonl").exists()
    assert (tmp_path / "x.jsonl.journal.jsonl").exists()
    assert len(results(tmp_path / "x.jsonl.results.jsonl")) == 1
    assert len(sim.sent) == 4


def test_file_errors_name_the_file(
    tmp_path: Path, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreadable input or unwritable results file is one line naming that file, exit 2."""
    options = ["--body", "Hi {name}", "--sender", "Shop", *against(server)]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"destination,name\n\xff\xfe,x\n")
    assert main(["batch", str(bad), *options]) == 2
    assert f"{bad}: not UTF-8" in capsys.readouterr().err
    good = write_csv(tmp_path / "good.csv", 2)
    missing = tmp_path / "nowhere" / "results.jsonl"
    assert main(["batch", str(good), "--results", str(missing), *options]) == 2
    assert f"{missing}: No such file or directory" in capsys.readouterr().err
