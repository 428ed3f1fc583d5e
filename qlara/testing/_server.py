"""A small HTTP/1.1 server on loopback, in a background thread.

It exists so the simulator can be reached over real sockets (by ``qlara demo``,
the benchmarks and programs in any language) with the core dependencies only.
One asyncio event loop in its own thread; keep-alive connections; bodies sized
by ``Content-Length`` or chunked; ``Expect: 100-continue`` honoured (curl sends
it). It is a test server: it trusts its clients and does no TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

from qlara.testing._wire import SimRequest, SimResponse, reason

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["Handler", "Server", "serve", "serve_handler"]

Handler = Callable[[SimRequest], Awaitable[SimResponse]]
MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024
TICK = 0.01
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
LINGER = 1.0

log = logging.getLogger(__name__)


class _BadRequestError(Exception):
    pass


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str], bool]:
    """Request line and headers -> method, path, query, headers, keep-alive."""
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise _BadRequestError("bad request line") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadRequestError("bad header line")
        headers[name.strip().lower()] = value.strip()
    path, _, query = target.partition("?")
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return method.upper(), path, query, headers, keep_alive


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """A chunked body; anything that breaks the framing is a ``_BadRequestError``."""
    chunks: list[bytes] = []
    size_total = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        size_text = line[:-2].split(b";", 1)[0].strip()
        if not CHUNK_SIZE.fullmatch(size_text):
            raise _BadRequestError("bad chunk size")
        size = int(size_text, 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return b"".join(chunks)
        size_total += size
        if size_total > MAX_BODY:
            raise _BadRequestError("body too large")
        chunks.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise _BadRequestError("chunk not followed by CRLF")


async def _discard_input(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


def _content_length(headers: dict[str, str]) -> int:
    text = headers.get("content-length", "0").strip()
    # isdecimal alone would let int() read non-ASCII digits the HTTP grammar refuses.
    if not (text.isascii() and text.isdecimal()) or len(text) > 10:
        raise _BadRequestError("bad content-length")
    length = int(text)
    if length > MAX_BODY:
        raise _BadRequestError("body too large")
    return length


def _encode(response: SimResponse, keep_alive: bool, *, head: bool = False) -> bytes:
    """The answer's bytes; a HEAD answer keeps the body's length but not the body."""
    lines = [f"HTTP/1.1 {response.status} {reason(response.status)}"]
    lines.extend(f"{name}: {value}" for name, value in response.headers.items())
    lines.append(f"content-length: {len(response.body)}")
    if not keep_alive:
        lines.append("connection: close")
    head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head_bytes if head else head_bytes + response.body


class Server:
    """A running loopback server.

    Attributes:
        host: the address it listens on.
        port: the port it listens on (the ephemeral one when 0 was asked).
        sim: the simulator it serves, when it serves one.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sim: Simulator | None = None,
        ticker: Callable[[], None] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.sim = sim
        self._handler = handler
        self._ticker = ticker
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:49152``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL to give a client: the root URL plus ``/api``."""
        return self.url + "/api"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="qlara-http-server", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and self._thread is not None:
            loop.call_soon_threadsafe(stop.set)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(
            self._connection, self.host, self.port, limit=MAX_HEAD, backlog=1024
        )
        self.port = server.sockets[0].getsockname()[1]
        ticker = asyncio.create_task(self._tick()) if self._ticker is not None else None
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            for writer in list(self._writers):
                writer.close()
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

    async def _tick(self) -> None:
        # Messages move on the clock even when nobody asks, so callbacks flow.
        assert self._ticker is not None
        while True:
            await asyncio.sleep(TICK)
            self._ticker()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            # Shutdown cancels open connections; ending quietly keeps asyncio's
            # stream callback from logging the cancelled task as an error.
            return
        except _BadRequestError as exc:
            bad = SimResponse(400, {"content-type": "text/plain"}, f"bad request: {exc}".encode())
            await self._answer_and_close(reader, writer, bad)
        except Exception:
            # A bug in a handler must not kill the server or leave the client hanging.
            log.exception("the simulator's HTTP handler failed")
            oops = SimResponse(500, {"content-type": "text/plain"}, b"internal simulator error")
            await self._answer_and_close(reader, writer, oops)
        finally:
            self._writers.discard(writer)
            writer.close()

    @staticmethod
    async def _answer_and_close(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, response: SimResponse
    ) -> None:
        """Answer, then close cleanly: stop writing and drain what the client still sends.

        Closing with unread input makes the kernel reset the connection, and a
        reset can destroy the answer before the client reads it.
        """
        with contextlib.suppress(ConnectionError, OSError, asyncio.TimeoutError):
            writer.write(_encode(response, keep_alive=False))
            await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
            await asyncio.wait_for(_discard_input(reader), LINGER)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = self._handler
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            method, path, query, headers, keep_alive = _parse_head(head[:-4])
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body = await _read_chunked(reader)
            else:
                length = _content_length(headers)
                body = await reader.readexactly(length) if length else b""
            response = await handler(SimRequest(method, path, query, headers, body))
            if response.delay:
                await asyncio.sleep(response.delay)
            if response.drop:
                writer.transport.abort()
                return
            writer.write(_encode(response, keep_alive, head=method == "HEAD"))
            await writer.drain()
            if not keep_alive:
                return


@contextlib.contextmanager
def serve_handler(handler: Handler, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[Server]:
    """Serve any async ``SimRequest -> SimResponse`` function on loopback."""
    server = Server(handler, host=host, port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class SimulatorServer(Server):
    """A running loopback server of a ``Simulator`` (what ``serve`` yields).

    Attributes:
        sim: the simulator it serves (never ``None`` here).
    """

    sim: Simulator

    def __init__(self, sim: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        async def handle(request: SimRequest) -> SimResponse:
            return sim.handle(request)

        super().__init__(handle, host=host, port=port, sim=sim, ticker=sim.tick)
        self.sim = sim


@contextlib.contextmanager
def serve(sim: Simulator, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[SimulatorServer]:
    """Serve a simulator over real HTTP/1.1 on loopback, in a background thread.

    Args:
        sim: the simulator to serve.
        host: the address to listen on.
        port: the port; 0 picks a free one (read it back from ``server.port``).

    Yields:
        The running ``SimulatorServer``: give ``server.base_url`` to a client. Leaving the
        block stops the server and the simulator's callback thread.

    Example::

        with qlara.testing.serve(qlara.testing.Simulator()) as server:
            client = qlara.Qlara(api_key="any", base_url=server.base_url)
    """

    server = SimulatorServer(sim, host=host, port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        sim.close()
