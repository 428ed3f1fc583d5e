"""``qlara.webhooks.asgi_app`` under a real uvicorn, for tests/test_webhooks_uvicorn.py.

    python -m tests._receiver_app TOKEN

Binds 127.0.0.1 on an ephemeral port, prints the port on the first line of
stdout, and serves until SIGTERM. ``GET /stats`` (outside the receiver)
answers the events handled so far and the process's memory, so the test can
count callbacks and bound memory without sharing the process.
"""

from __future__ import annotations

import json
import resource
import socket
import sys
from typing import Any

import uvicorn

from qlara import webhooks

MAX_BODY = 1024 * 1024


def rss_kib() -> int:
    """The resident set size now (Linux), else the peak (``ru_maxrss``)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * resource.getpagesize() // 1024
    except (OSError, ValueError, IndexError):
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


class Stats:
    def __init__(self) -> None:
        self.events = 0

    async def handle(self, event: webhooks.WebhookEvent) -> None:
        self.events += 1


def build(token: str) -> tuple[Stats, Any]:
    stats = Stats()
    receiver = webhooks.asgi_app(stats.handle, token=token, max_body=MAX_BODY)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/stats":
            body = json.dumps({"events": stats.events, "rss_kib": rss_kib()}).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await receiver(scope, receive, send)

    return stats, app


def main(token: str) -> None:
    _, app = build(token)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    sys.stdout.write(f"{sock.getsockname()[1]}\n")
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        http="h11",
        ws="none",
        loop="asyncio",
        backlog=2048,
        timeout_keep_alive=5,
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1])
