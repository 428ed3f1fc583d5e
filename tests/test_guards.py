"""``max_parts`` guards and ``qlara sms segments``: overlong texts never go out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qlara
from qlara._cli import main
from qlara.testing import Lifecycle, Server, Simulator, serve
from tests.conftest import DESTINATION, KEY

SHORT = "Ciao, il tuo ordine è pronto"
LONG_UCS2 = "Ciao Françoise, " + "a" * 130  # 146 units: 3 UCS-2 parts


def sms(body: str, **fields: Any) -> qlara.SmsMessage:
    return qlara.SmsMessage(destination=DESTINATION, sender="Shop", body=body, **fields)


async def test_send_many_refuses_messages_over_max_parts() -> None:
    """A message over ``max_parts`` is a ValidationError outcome naming parts and characters."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    messages = [sms(SHORT), sms(LONG_UCS2), sms("{x}", placeholders={"x": "a" * 400})]
    async with qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        outcomes = {o.index: o async for o in client.send_many(messages, max_parts=2)}
    assert outcomes[0].ok
    refused = outcomes[1].error
    assert isinstance(refused, qlara.ValidationError)
    assert refused.field == "messages[1].body"
    assert "takes 3 SMS parts (UCS-2)" in refused.problem
    assert "max_parts=2" in refused.problem
    assert "'ç'" in refused.problem
    # Placeholders are filled before counting: 400 septets are 3 GSM-7 parts.
    assert isinstance(outcomes[2].error, qlara.ValidationError)
    assert "takes 3 SMS parts (GSM-7)" in outcomes[2].error.problem
    assert [m.text for m in sim.all_messages()] == [SHORT]


async def test_fallback_sms_text_is_counted_too() -> None:
    """A WhatsApp message's ``fallback_sms`` text counts against ``max_parts``."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    message = qlara.WhatsAppMessage(
        destination=DESTINATION,
        phone_number_id="5",
        template=qlara.WhatsAppTemplate(id="42"),
        fallback_sms=qlara.SmsFallback(sender="Shop", body=LONG_UCS2),
    )
    async with qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        [outcome] = [o async for o in client.send_many([message], max_parts=1)]
    assert isinstance(outcome.error, qlara.ValidationError)
    assert outcome.error.field == "messages[0].fallback_sms.body"
    assert sim.all_messages() == []


async def test_refused_message_is_never_journaled_as_started(tmp_path: Path) -> None:
    """The journal records the refusal as done, never as started."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    journal = tmp_path / "run.journal"
    async with qlara.AsyncQlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        outcomes = [
            o async for o in client.send_many([sms(LONG_UCS2)], journal=journal, max_parts=2)
        ]
    assert not outcomes[0].ok
    events = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
    assert [e["event"] for e in events] == ["done"]
    assert events[0]["error"] == "ValidationError"


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "3"])
async def test_bad_max_parts_is_refused_at_the_call(bad: object) -> None:
    """``max_parts`` must be a positive integer, checked before anything is sent."""
    async with qlara.AsyncQlara(KEY, transport=Simulator().transport()) as client:
        with pytest.raises(qlara.ValidationError, match="max_parts"):
            client.send_many([sms(SHORT)], max_parts=bad)  # type: ignore[arg-type]


def test_blocking_send_many_takes_max_parts() -> None:
    """The blocking client's ``send_many`` applies the same guard."""
    sim = Simulator(lifecycle=Lifecycle.instant())
    with qlara.Qlara(KEY, transport=sim.transport(), rate_limit=None) as client:
        outcomes = sorted(
            client.send_many([sms(LONG_UCS2), sms(SHORT)], max_parts=2), key=lambda o: o.index
        )
        with pytest.raises(qlara.ValidationError, match="max_parts"):
            client.send_many([sms(SHORT)], max_parts=0)
    assert isinstance(outcomes[0].error, qlara.ValidationError)
    assert outcomes[1].ok
    assert len(sim.all_messages()) == 1


@pytest.fixture
def sim() -> Simulator:
    return Simulator(lifecycle=Lifecycle.instant())


@pytest.fixture
def server(sim: Simulator) -> Iterator[Server]:
    with serve(sim) as running:
        yield running


def test_cli_batch_max_parts(tmp_path: Path, server: Server, sim: Simulator) -> None:
    """``qlara batch --max-parts`` refuses the overlong rows and sends the rest."""
    file = tmp_path / "people.csv"
    file.write_text(f"destination,name\n{DESTINATION},Ada\n+393401234568,{'ç' * 80}\n")
    code = main(
        [
            "batch",
            str(file),
            "--body",
            "Hi {name}",
            "--sender",
            "Shop",
            "--max-parts",
            "1",
            "--json",
            "--api-key",
            KEY,
            "--base-url",
            server.base_url,
        ]
    )
    assert code == 1
    lines = (tmp_path / "people.csv.results.jsonl").read_text().splitlines()
    records = {r["index"]: r for r in map(json.loads, lines)}
    assert records[0]["ok"] is True
    assert records[1]["error_type"] == "ValidationError"
    assert "takes 2 SMS parts" in records[1]["error"]
    assert len(sim.all_messages()) == 1


def test_cli_sms_segments_marks_the_offending_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``qlara sms segments`` prints the count and marks what forced UCS-2."""
    assert main(["sms", "segments", "Ciao {who} 😀", "--placeholder", "who=Françoise"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("1 part, UCS-2, 17 UTF-16 units")
    assert "Ciao Fran«ç»oise «😀»" in text
    assert "U+1F600" in text
    assert "without them: 1 part, GSM-7" in text


def test_cli_sms_segments_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` gives the preview as data."""
    assert main(["--json", "sms", "segments", "a" * 161]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["encoding"] == "GSM-7"
    assert (data["parts"], data["perPart"], data["remaining"]) == (2, 153, 145)
    assert data["ucs2Characters"] == []
    assert main(["sms", "segments", "ç", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ucs2Characters"][0]["codePoint"] == "U+00E7"
    assert data["ucs2Characters"][0]["positions"] == [0]


def test_cli_batch_refuses_a_bad_max_parts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--max-parts 0`` is a usage error, before the file is read."""
    file = tmp_path / "people.csv"
    file.write_text(f"destination\n{DESTINATION}\n")
    assert main(["batch", str(file), "--body", "x", "--sender", "Shop", "--max-parts", "0"]) == 2
    assert "--max-parts" in capsys.readouterr().err
