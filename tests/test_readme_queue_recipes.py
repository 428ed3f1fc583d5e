"""The README's queue recipes are valid Python, and the arq one re-sends a lost message."""

from __future__ import annotations

import json
import re
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import qlara
import qlara.testing
from tests.conftest import DESTINATION, KEY

README = Path(__file__).parent.parent / "README.md"


def recipes() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Queue recipes", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_every_recipe_compiles() -> None:
    """Each Python block of the queue recipes is valid Python."""
    blocks = recipes()
    assert len(blocks) >= 4
    for block in blocks:
        compile(block, "README.md", "exec")


class Retry(Exception):  # noqa: N818 - arq's own name
    """arq.Retry, as arq defines it."""

    def __init__(self, defer: float | None = None) -> None:
        super().__init__(defer)
        self.defer = defer


class ArqQueue:
    """arq's enqueue_job contract: a job id already queued or holding a result is refused."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.queued: list[tuple[str, str, tuple[Any, ...]]] = []

    async def enqueue_job(
        self, function: str, *args: Any, _job_id: str | None = None, _defer_by: float = 0
    ) -> str | None:
        job_id = _job_id or uuid.uuid4().hex
        if job_id in self.known:
            return None
        self.known.add(job_id)
        self.queued.append((job_id, function, args))
        return job_id

    async def run_next(self, namespace: dict[str, Any], client: qlara.AsyncQlara) -> Any:
        job_id, function, args = self.queued.pop(0)
        ctx = {"qlara": client, "redis": self, "job_id": job_id}
        return await namespace[function](ctx, *args)  # its result stays known, as in arq


@pytest.fixture
def anyio_backend() -> str:
    """arq runs on asyncio."""
    return "asyncio"


async def test_the_arq_recipe_resends_a_message_that_never_arrived(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outcome unknown, then not found: the reconcile job's re-send runs, with the same id."""
    monkeypatch.setitem(sys.modules, "arq", types.SimpleNamespace(Retry=Retry))
    [block] = [block for block in recipes() if "import arq" in block]
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    sends: list[str] = []

    def platform(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(404, json={"status": 404, "message": "not found"})
        message_id = json.loads(request.content)["messageId"]
        sends.append(message_id)
        if len(sends) == 1:
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return httpx.Response(
            200, json={"messageId": message_id, "results": {"sms": {"accepted": True}}}
        )

    queue = ArqQueue()
    await queue.enqueue_job("send_sms", DESTINATION, "Hi", _job_id="job-1")
    transport = httpx.MockTransport(platform)
    async with qlara.AsyncQlara(api_key=KEY, transport=transport, rate_limit=None) as client:
        await queue.run_next(namespace, client)  # the answer is lost: reconcile is queued
        assert [function for _, function, _ in queue.queued] == ["reconcile"]
        await queue.run_next(namespace, client)  # not found: the message is sent again
        assert [function for _, function, _ in queue.queued] == ["send_sms"]
        await queue.run_next(namespace, client)
    assert sends == ["job-1", "job-1"]


async def test_the_bulk_recipe_splits_the_input_between_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers on their own slices and journals send every message once."""
    monkeypatch.chdir(tmp_path)  # the recipe's journals are relative paths
    [block] = [block for block in recipes() if "send_slice" in block]
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    sim = qlara.testing.Simulator()
    messages = [
        qlara.SmsMessage(destination=DESTINATION, body=f"Sale {number}", sender="Shop")
        for number in range(6)
    ]
    async with qlara.AsyncQlara(api_key=KEY, transport=sim.transport(), rate_limit=None) as client:
        counts = [await namespace["send_slice"](client, messages, worker, 2) for worker in (0, 1)]
    assert counts == [3, 3]
    assert sorted(message.text or "" for message in sim.sent) == [m.body for m in messages]
    for worker in (0, 1):
        assert await anyio.Path(tmp_path / f"campaign-42.worker{worker}.jsonl").exists()
