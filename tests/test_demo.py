"""``qlara demo`` runs end to end over loopback and reports every message delivered."""

from __future__ import annotations

import json
import re

import pytest

from qlara._cli import main


def test_demo_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    """The demo sends three messages, rescues a WhatsApp one by SMS, sends a batch, exits 0."""
    assert main(["demo", "--count", "40"]) == 0
    out = capsys.readouterr().out
    assert "1. webhook registered" in out
    assert "2. SMS sent            SMS accepted, 1 part, unicode" in out
    assert "RCS accepted" in out
    assert "WHATSAPP accepted" in out
    assert "6. fallback            WhatsApp timed out after 0.6 s -> SMS delivered" in out
    assert "40/40" in out
    assert re.search(r"\| delivered \(callbacks\)\s+\|\s+43 \|", out)
    assert "Every message was accepted and delivered." in out


def test_demo_json_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """With --json the demo prints only its summary, as JSON."""
    assert main(["demo", "--count", "10", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] is True
    assert summary["messages"] == summary["accepted"] == summary["delivered"] == 13
    assert summary["failed"] == 0
    assert summary["read"] == 2
    assert summary["rescuedBySms"] is True


def test_demo_rejects_bad_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """A negative batch size is a usage error."""
    assert main(["demo", "--count", "-1"]) == 2
    assert "--count" in capsys.readouterr().err
