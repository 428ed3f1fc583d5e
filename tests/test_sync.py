"""The blocking client: the async calls behind one long-lived portal."""

from __future__ import annotations

import asyncio
import inspect
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

import qlara
from tests.conftest import DESTINATION, FAST_RETRIES, KEY, accepted


@pytest.fixture
def client() -> Iterator[qlara.Qlara]:
    with qlara.Qlara(KEY, transport=httpx.MockTransport(accepted()), rate_limit=None) as client:
        yield client


def send(client: qlara.Qlara, **fields: Any) -> qlara.SendResult:
    values: dict[str, Any] = {"destination": DESTINATION, "body": "Hello!", "sender": "Shop"}
    return client.sms.send(**{**values, **fields})


def test_sync_send(client: qlara.Qlara) -> None:
    """A blocking send returns the same result type as the async one."""
    result = send(client, message_id="m-1")
    assert result.accepted
    assert result.message_id == "m-1"
    assert client.send(qlara.SmsMessage(destination=DESTINATION, body="x", sender="S")).accepted
    assert client.whatsapp.send(
        destination=DESTINATION,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        placeholders={"name": "Ada"},
    ).accepted


def test_sync_errors_are_the_same_types() -> None:
    """Errors raised in the portal reach the caller unchanged."""
    transport = httpx.MockTransport(lambda r: httpx.Response(401, json={"message": "bad key"}))
    with qlara.Qlara(KEY, transport=transport, rate_limit=None) as client:
        with pytest.raises(qlara.AuthenticationError, match="bad key"):
            send(client)
        with pytest.raises(qlara.ValidationError, match="destination"):
            send(client, destination="12")


def test_many_threads_share_one_client(client: qlara.Qlara) -> None:
    """Eight threads sending at once share one client, pool and loop."""
    results: list[qlara.SendResult] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            result = send(client)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80
    assert len({r.message_id for r in results}) == 80


def test_works_inside_a_running_event_loop(client: qlara.Qlara) -> None:
    """Called from a coroutine (a notebook cell), it blocks that loop but works."""

    async def notebook_cell() -> qlara.SendResult:
        return send(client)

    assert asyncio.run(notebook_cell()).accepted


def test_with_options_shares_the_portal(client: qlara.Qlara) -> None:
    """A with_options copy works, and closing it leaves the original open."""
    copy = client.with_options(max_retries=0, timeout=5.0)
    assert send(copy).accepted
    copy.close()
    assert not client.is_closed
    assert send(client).accepted


def test_closed_client_refuses_calls() -> None:
    """After close (twice is fine), a call raises QlaraError."""
    client = qlara.Qlara(KEY, transport=httpx.MockTransport(accepted()))
    assert send(client).accepted
    client.close()
    client.close()
    assert client.is_closed
    with pytest.raises(qlara.QlaraError, match="closed"):
        send(client)


def test_forked_child_starts_its_own_portal(client: qlara.Qlara) -> None:
    """A forked child does not hang on the parent's portal; it starts afresh."""
    assert send(client).accepted
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[bool] = context.Queue()

    def child() -> None:
        queue.put(send(client).accepted)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
        process = context.Process(target=child)
        process.start()
    process.join(timeout=30)
    assert process.exitcode == 0
    assert queue.get(timeout=5) is True
    assert send(client).accepted


def test_unclosed_global_client_does_not_hang_exit() -> None:
    """A client left open in a module global lets the interpreter exit."""
    script = textwrap.dedent(
        f"""
        import httpx, qlara, json
        def answer(request):
            body = json.loads(request.content)
            return httpx.Response(200, json={{"messageId": body["messageId"],
                                  "results": {{"sms": {{"accepted": True}}}}}})
        CLIENT = qlara.Qlara("k", transport=httpx.MockTransport(answer))
        print(CLIENT.sms.send(destination="{DESTINATION}", body="x", sender="S").accepted)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs POSIX interval timers")
def test_interrupt_cancels_the_running_request() -> None:
    """Ctrl-C while waiting cancels the request in the portal instead of leaving it running."""
    started = threading.Event()
    cancelled = threading.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            cancelled.set()
            raise
        return httpx.Response(500)

    class Interrupt(BaseException):
        pass

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    client = qlara.Qlara(KEY, transport=httpx.MockTransport(slow), retry_policy=FAST_RETRIES)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(Interrupt):
            send(client)
        assert started.is_set()
        assert cancelled.wait(5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        client.close()


def test_no_new_loop_per_call(client: qlara.Qlara) -> None:
    """All calls run on the same portal thread."""
    seen: set[int] = set()

    async def record(request: httpx.Request) -> httpx.Response:
        seen.add(threading.get_ident())
        return accepted()(request)

    with qlara.Qlara(KEY, transport=httpx.MockTransport(record)) as one:
        for _ in range(5):
            send(one)
    assert len(seen) == 1
    assert threading.get_ident() not in seen
    assert os.getpid() > 0


def test_copy_of_an_unreferenced_client_works() -> None:
    """A with_options copy keeps the original alive: its finalizer must not stop the portal."""
    copy = qlara.Qlara(KEY, transport=httpx.MockTransport(accepted())).with_options(timeout=5.0)
    import gc

    gc.collect()
    assert send(copy).accepted
    assert copy.max_retries == 2
    assert copy.with_options(max_retries=0).max_retries == 0
    copy._parent.close()  # type: ignore[union-attr]


def test_bound_twins_look_like_bound_methods(client: qlara.Qlara) -> None:
    """help() and inspect show a sync twin's parameters without self."""
    parameters = inspect.signature(client.sms.send).parameters
    assert "self" not in parameters
    assert "destination" in parameters


def test_close_during_a_call_is_a_qlara_error() -> None:
    """Closing the client while another thread waits gives that thread a QlaraError."""
    started = threading.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        await anyio.sleep(30)
        return httpx.Response(500)

    client = qlara.Qlara(KEY, transport=httpx.MockTransport(slow))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            send(client)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    assert started.wait(5)
    client.close()
    thread.join(10)
    assert len(errors) == 1
    assert isinstance(errors[0], qlara.QlaraError)


def test_history_from_a_temporary_client() -> None:
    """Iterating history of a client nobody else references keeps it alive until done."""
    from datetime import datetime, timedelta, timezone

    def pages(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        items = [{"customerMessageId": f"m{page}-{i}", "deliveryStatus": "SENT"} for i in range(2)]
        return httpx.Response(200, json=items if page < 3 else [])

    end = datetime.now(timezone.utc)
    import gc

    iterator = qlara.Qlara(
        KEY, transport=httpx.MockTransport(pages), rate_limit=None
    ).messages.history(channel="SMS", from_=end - timedelta(days=1), to=end, limit=2)
    seen = []
    for item in iterator:
        gc.collect()
        seen.append(item.customer_message_id)
    assert len(seen) == 6
    del iterator
    gc.collect()
