"""Interpreter exit with a blocking call still in flight in a background thread."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import DESTINATION


def test_exit_with_a_send_in_flight_prints_no_traceback() -> None:
    """A daemon thread's send cut off by exit ends silently, not with half a traceback."""
    script = textwrap.dedent(
        f"""
        import threading, anyio, httpx, qlara
        started = threading.Event()
        async def slow(request):
            started.set()
            await anyio.sleep(60)
            return httpx.Response(500)
        CLIENT = qlara.Qlara("k", transport=httpx.MockTransport(slow))
        def work():
            CLIENT.sms.send(destination="{DESTINATION}", body="x", sender="S")
        threading.Thread(target=work, daemon=True).start()
        assert started.wait(10)
        print("exiting")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "exiting"
    assert done.stderr == ""


def test_closing_under_a_waiting_thread_still_raises() -> None:
    """Before exit, closing the client under a waiting thread raises QlaraError in it."""
    script = textwrap.dedent(
        f"""
        import threading, anyio, httpx, qlara
        started = threading.Event()
        async def slow(request):
            started.set()
            await anyio.sleep(60)
            return httpx.Response(500)
        client = qlara.Qlara("k", transport=httpx.MockTransport(slow))
        seen = []
        def work():
            try:
                client.sms.send(destination="{DESTINATION}", body="x", sender="S")
            except qlara.QlaraError as exc:
                seen.append(str(exc))
        thread = threading.Thread(target=work)
        thread.start()
        assert started.wait(10)
        client.close()
        thread.join(10)
        print(seen)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "closed while this call was running" in done.stdout
