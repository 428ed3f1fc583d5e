"""The ``qlara`` command: every subcommand through ``main(argv)``, output captured."""

from __future__ import annotations

import io
import json
import socket
import sys
from collections.abc import Iterator

import anyio
import pytest

from qlara._cli import _status, main
from qlara._cli._ui import Progress, table
from qlara.testing import Lifecycle, Server, Simulator, serve
from tests.conftest import DESTINATION, KEY


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QLARA_API_KEY", raising=False)
    monkeypatch.delenv("QLARA_BASE_URL", raising=False)


@pytest.fixture
def server() -> Iterator[Server]:
    with serve(Simulator(lifecycle=Lifecycle.instant())) as running:
        yield running


def against(server: Server) -> list[str]:
    return ["--api-key", KEY, "--base-url", server.base_url]


SMS = ["send", "sms", DESTINATION, "--body", "Hello", "--sender", "Shop"]


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """--help exits 0 and names every subcommand."""
    assert main(["--help"]) == 0
    usage = capsys.readouterr().out
    for command in ("demo", "send", "status", "webhooks", "simulator"):
        assert command in usage


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package version."""
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("qlara ")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nonsense"],
        ["send", "fax", DESTINATION],
        ["send", "sms", DESTINATION, "--body", "x"],
        ["status", "abc", "--channel", "PIGEON"],
        ["simulator", "serve", "--port", "99999"],
        ["simulator", "serve", "--port", "-1"],
        ["simulator", "serve", "--port", "\u00b2"],
        ["simulator", "serve", "--port", "0", "--for", "nan"],
        ["demo", "--timeout", "nan"],
        ["demo", "--count", "\u00b2"],
        ["demo", "--concurrency", "99999999999999999999"],
        ["demo", "--concurrency", "0"],
        ["send", "rcs", DESTINATION, "--agent-id", "\u00b2", "--text", "Hi", "--sandbox"],
        ["send", "rcs", DESTINATION, "--agent-id", "10", "--template-id", "\u00b2", "--sandbox"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad arguments exit 2 with a single 'qlara: error:' line and no usage dump."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("qlara: error: ")
    assert err.count("\n") == 1


def test_missing_key_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a key the command says how to give one, and exits 2."""
    assert main(SMS) == 2
    err = capsys.readouterr().err
    assert "QLARA_API_KEY" in err
    assert "--sandbox" in err


def test_send_sms_in_the_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    """send sms --sandbox sends to an in-process simulator and reports the verdict."""
    assert main([*SMS, "--sandbox", "--message-id", "cli-1"]) == 0
    out = capsys.readouterr().out
    assert "SMS accepted (1 part)" in out
    assert "cli-1" in out


def test_global_options_work_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """--sandbox and --json may come before the subcommand too."""
    assert main(["--sandbox", "--json", *SMS]) == 0
    assert json.loads(capsys.readouterr().out)["accepted"] is True
    assert main(["send", "sms", "--sandbox", DESTINATION, "--body", "Hi", "--sender", "S"]) == 0
    assert "SMS accepted" in capsys.readouterr().out


def test_send_sms_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the result as JSON."""
    assert main([*SMS, "--sandbox", "--json", "--message-id", "j1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["messageId"] == "j1"
    assert data["accepted"] is True
    assert data["results"]["SMS"]["parts"] == 1


def test_invalid_fields_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A field the SDK rejects exits 2 naming the field."""
    assert main(["send", "sms", "3401234567", "--body", "x", "--sender", "S", "--sandbox"]) == 2
    assert "destination" in capsys.readouterr().err


def test_bad_placeholder_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """--placeholder without '=' is a usage error."""
    assert main([*SMS, "--sandbox", "--placeholder", "oops"]) == 2
    assert "name=value" in capsys.readouterr().err


def test_send_rcs(capsys: pytest.CaptureFixture[str]) -> None:
    """send rcs accepts a text or a template id."""
    assert main(["send", "rcs", DESTINATION, "--agent-id", "10", "--text", "Hi", "--sandbox"]) == 0
    assert (
        main(["send", "rcs", DESTINATION, "--agent-id", "10", "--template-id", "7", "--sandbox"])
        == 0
    )
    assert capsys.readouterr().out.count("RCS accepted") == 2


def test_send_whatsapp_with_fallback(capsys: pytest.CaptureFixture[str]) -> None:
    """send whatsapp sends a template with an SMS fallback."""
    argv = [
        "send", "whatsapp", DESTINATION, "--phone-number-id", "5", "--template-id", "42",
        "--fallback-sms-sender", "Shop", "--fallback-sms-body", "Hi", "--sandbox",
    ]  # fmt: skip
    assert main(argv) == 0
    assert "WHATSAPP accepted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra",
    [
        ["--template-name", "order_shipped"],
        ["--template-id", "42", "--fallback-sms-sender", "Shop"],
    ],
)
def test_whatsapp_argument_pairs_are_checked(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A template name needs a language; a fallback needs sender and body."""
    argv = ["send", "whatsapp", DESTINATION, "--phone-number-id", "5", *extra, "--sandbox"]
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("qlara: error: ")


def test_rejected_send_exits_1(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """A send the platform does not accept exits 1 and shows the reason."""
    assert server.sim is not None
    server.sim.mark_number(DESTINATION, "REJECTED")
    assert main([*SMS, *against(server)]) == 1
    assert "SMS rejected" in capsys.readouterr().out


def test_status_of_a_sent_message(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """status prints the delivery status of a message sent before."""
    assert main([*SMS, *against(server), "--message-id", "s-1"]) == 0
    assert main(["status", "s-1", "--channel", "sms", *against(server)]) == 0
    assert "s-1  DELIVERED" in capsys.readouterr().out
    assert main(["status", "s-1", "--channel", "SMS", "--json", *against(server)]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "DELIVERED"


def test_api_errors_exit_1(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """An API error (unknown message: 404) is one line and exit code 1."""
    assert main(["status", "nope", "--channel", "SMS", *against(server)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("qlara: error: the platform answered 404")
    assert err.count("\n") == 1


def test_webhooks_commands(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    """webhooks get/set/delete manage the callback URL; deleting twice is an API error."""
    assert main(["webhooks", "get", *against(server)]) == 0
    assert "no webhook is configured" in capsys.readouterr().out
    assert main(["webhooks", "set", "https://example.com/hook", *against(server)]) == 0
    assert main(["webhooks", "set", "https://example.com/other", *against(server)]) == 0
    assert "webhook set: https://example.com/other" in capsys.readouterr().out
    assert main(["webhooks", "get", "--json", *against(server)]) == 0
    assert json.loads(capsys.readouterr().out)["callbackUrl"] == "https://example.com/other"
    assert main(["webhooks", "delete", *against(server)]) == 0
    assert main(["webhooks", "delete", *against(server)]) == 1
    assert "404" in capsys.readouterr().err


def test_webhooks_refuse_plain_http(capsys: pytest.CaptureFixture[str]) -> None:
    """A non-HTTPS URL is refused before anything is sent."""
    assert main(["webhooks", "set", "http://example.com/hook", "--sandbox"]) == 2
    assert "qlara: error:" in capsys.readouterr().err


def test_simulator_serve(capsys: pytest.CaptureFixture[str]) -> None:
    """simulator serve listens on loopback and prints the base URL to use."""
    assert main(["simulator", "serve", "--port", "0", "--for", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "export QLARA_BASE_URL=http://127.0.0.1:" in out
    assert "stopped after 0 requests" in out


def test_long_bad_values_are_cut_short(capsys: pytest.CaptureFixture[str]) -> None:
    """A huge bad number is quoted shortened, so the error stays a readable line."""
    assert main(["send", "rcs", DESTINATION, "--agent-id", "9" * 5000, "--text", "Hi"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert len(err) < 200


def test_busy_port_is_one_line_naming_the_port(capsys: pytest.CaptureFixture[str]) -> None:
    """A port already in use exits 2 with one line that names the port, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["simulator", "serve", "--port", str(port), "--for", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qlara: error: ")
    assert str(port) in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("flag", "field"),
    [("--phone-number-id", "phoneNumberId"), ("--template-id", "templateId")],
)
def test_superscript_digits_are_not_numbers(flag: str, field: str, server: Server) -> None:
    """An id like '\u00b2' (isdigit, not a decimal) goes out as text; '7' goes out as 7."""
    assert server.sim is not None
    ids = {"--phone-number-id": "5", "--template-id": "7", flag: "\u00b2"}
    argv = ["send", "whatsapp", DESTINATION, *against(server)]
    assert main([*argv, *(part for pair in ids.items() for part in pair)]) == 0
    body = server.sim.sent[-1].body
    sent = {"phoneNumberId": body["phoneNumberId"], "templateId": body["template"]["id"]}
    expected = {"phoneNumberId": 5, "templateId": 7, field: "\u00b2"}
    assert sent == expected


def test_api_key_that_cannot_be_a_header_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A key with a non-ASCII character is a configuration error: one line, exit 2."""
    assert main([*SMS, "--api-key", "cl\u00e9", "--base-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qlara: error: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("in_task_group", [False, True])
@pytest.mark.parametrize(
    ("error", "code"),
    [
        (OSError(98, "Address already in use"), 2),
        (ValueError("not a number"), 2),
        (RuntimeError("boom\nsecond line"), 1),
    ],
)
def test_unexpected_errors_are_one_line(
    error: Exception,
    code: int,
    in_task_group: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Any exception a command raises, even from a task group, is one line and an exit code."""

    async def raise_it() -> None:
        raise error

    async def fail(args: object, out: object) -> int:
        if in_task_group:
            async with anyio.create_task_group() as group:
                group.start_soon(raise_it)
        await raise_it()
        return 0

    monkeypatch.setattr(_status, "_status", fail)
    assert main(["status", "abc", "--channel", "SMS", "--sandbox"]) == code
    err = capsys.readouterr().err
    assert err.startswith("qlara: error: ")
    assert err.count("\n") == 1


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without rich, a terminal gets one redrawn progress line ending at the total."""
    monkeypatch.setitem(sys.modules, "rich.console", None)  # as if rich were not installed
    screen = Terminal()
    with Progress("sending", 3, screen) as bar:
        for _ in range(3):
            bar.advance()
    text = screen.getvalue()
    assert text.startswith("\rsending [")
    assert text.endswith("3/3\n")
    assert "\n" not in text[:-1]


def test_plain_table_aligns_columns() -> None:
    """The plain table pads labels left and values right."""
    out = io.StringIO()
    table("summary", [("accepted", "3"), ("throughput", "1,000 msg/s")], out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "summary"
    assert lines[2] == "| accepted   |           3 |"
    assert lines[3] == "| throughput | 1,000 msg/s |"
