"""A forked child can use, close, drop or ignore the ``Qlara`` it inherited."""

from __future__ import annotations

import gc
import os
import select
import signal
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator

import httpx
import pytest

import qlara
from tests.conftest import DESTINATION, KEY, accepted

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

DEADLINE = 20.0


@pytest.fixture
def used() -> Iterator[qlara.Qlara]:
    """A client whose portal is running in this (the parent) process."""
    with qlara.Qlara(KEY, transport=httpx.MockTransport(accepted()), rate_limit=None) as client:
        assert send(client)
        yield client


def send(client: qlara.Qlara) -> bool:
    return client.sms.send(destination=DESTINATION, body="x", sender="Shop").accepted


def in_child(work: Callable[[], bool]) -> int:
    """Run ``work`` in a forked child; its exit code, killing it past the deadline."""
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        os.close(read)
        code = 1
        try:
            code = 0 if work() else 3
        finally:
            os._exit(code)
    os.close(write)
    # The pipe reaches end-of-file when the child is gone (its copy closes at exit).
    ready, _, _ = select.select([read], [], [], DEADLINE)
    os.close(read)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail(f"the forked child hung for {DEADLINE} s")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_child_closes_an_inherited_client_it_never_used(used: qlara.Qlara) -> None:
    """``close()`` in a child that never used the client returns at once."""

    def work() -> bool:
        used.close()
        return used.is_closed

    assert in_child(work) == 0
    assert send(used)  # the parent's portal is untouched


def test_child_leaves_the_with_block_of_an_inherited_client(used: qlara.Qlara) -> None:
    """Leaving the ``with`` block in a child closes without waiting on the parent's loop."""

    def work() -> bool:
        with used:
            pass
        return used.is_closed

    assert in_child(work) == 0
    assert send(used)


def test_child_drops_an_inherited_client() -> None:
    """Dropping the last reference in a child runs the finalizer without hanging."""
    holder = [qlara.Qlara(KEY, transport=httpx.MockTransport(accepted()), rate_limit=None)]
    assert send(holder[0])
    try:

        def work() -> bool:
            holder.clear()
            gc.collect()
            return True

        assert in_child(work) == 0
    finally:
        for client in holder:
            client.close()


def test_child_uses_then_closes_an_inherited_client(used: qlara.Qlara) -> None:
    """A child that sends gets its own portal, then closes it; the parent's still works."""

    def work() -> bool:
        ok = send(used) and send(used)
        used.close()
        return ok

    assert in_child(work) == 0
    assert send(used)


def test_child_exits_with_an_inherited_client_open() -> None:
    """A child that ignores the client reaches the end of its interpreter (the exit hook runs)."""
    script = textwrap.dedent(
        f"""
        import json, os, select, signal, sys, httpx, qlara
        def answer(request):
            body = json.loads(request.content)
            return httpx.Response(200, json={{"messageId": body["messageId"],
                                  "results": {{"sms": {{"accepted": True}}}}}})
        CLIENT = qlara.Qlara("k", transport=httpx.MockTransport(answer))
        CLIENT.sms.send(destination="{DESTINATION}", body="x", sender="S")
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            sys.exit(0)  # a normal exit: atexit and the client's finalizer run
        os.close(write)
        if not select.select([read], [], [], {DEADLINE})[0]:
            os.kill(pid, signal.SIGKILL)
            print("hung")
        else:
            print("exit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=DEADLINE + 10,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "exit 0"
