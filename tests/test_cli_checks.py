"""The ``qlara`` command refuses what cannot work up front, and says what it counts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from qlara._cli import main
from qlara.testing import Lifecycle, Server, Simulator, serve
from tests.conftest import DESTINATION, KEY


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QLARA_API_KEY", raising=False)
    monkeypatch.delenv("QLARA_BASE_URL", raising=False)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(lifecycle=Lifecycle.instant())


@pytest.fixture
def server(sim: Simulator) -> Iterator[Server]:
    with serve(sim) as running:
        yield running


def against(server: Server) -> list[str]:
    return ["--api-key", KEY, "--base-url", server.base_url]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "content", "options", "missing"),
    [
        ("rows.csv", f"destination,name\n{DESTINATION},Ada\n", ["--sender", "Shop"], "body"),
        ("rows.csv", f"destination,body\n{DESTINATION},Hi\n", [], "sender"),
        ("rows.csv", "name,body\nAda,Hi\n", ["--sender", "Shop"], "destination"),
        ("rows.jsonl", f'{{"destination": "{DESTINATION}"}}\n', ["--sender", "S"], "body"),
        (
            "rows.csv",
            f"destination,name\n{DESTINATION},Ada\n",
            ["--channel", "rcs", "--agent-id", "3"],
            "text or template_id",
        ),
    ],
)
def test_batch_without_a_needed_column_fails_once_before_sending(
    server: Server,
    sim: Simulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str,
    options: list[str],
    missing: str,
) -> None:
    """A file no row of which can give a required field is one usage error; nothing is sent."""
    path = write(tmp_path / name, content)
    assert main(["batch", str(path), *options, *against(server)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"no {missing} column" in err[0]
    assert sim.sent == []
    assert not (tmp_path / f"{name}.journal.jsonl").exists()


def test_batch_with_the_field_as_an_option_runs(
    server: Server, sim: Simulator, tmp_path: Path
) -> None:
    """The same file with ``--body`` and ``--sender`` given is sent."""
    path = write(tmp_path / "rows.csv", f"destination,name\n{DESTINATION},Ada\n")
    argv = ["batch", str(path), "--body", "Hi {name}", "--sender", "Shop", *against(server)]
    assert main(argv) == 0
    assert len(sim.sent) == 1


def test_batch_help_is_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    """``batch --help`` shows no reST markup, and ``--channel`` is explained."""
    assert main(["batch", "--help"]) == 0
    text = capsys.readouterr().out
    assert "``" not in text
    assert "the channel every row is sent on" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--api-key", "k"],
        ["demo", "--base-url", "https://example.com/api"],
        ["--api-key", "k", "demo"],
        ["simulator", "serve", "--api-key", "k", "--port", "0"],
        ["simulator", "serve", "--base-url", "https://example.com/api", "--port", "0"],
    ],
)
def test_offline_commands_refuse_platform_options(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """``demo`` and ``simulator serve`` refuse ``--api-key``/``--base-url``, never ignore them."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "own local simulator" in err
    assert "would be ignored" in err


def test_demo_counts_only_sms_parts(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo's SMS parts are the SMS single send's and the SMS batch's, not RCS or WhatsApp."""
    assert main(["demo", "--count", "5", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["messages"] == 8  # three single sends, one per channel, and the batch
    # The single SMS, and the five of the batch (its odd ones are long: two parts each).
    assert summary["smsParts"] == 1 + 5 + 2
