"""A client whose event loop ends unclosed is closed by that loop, not leaked."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest

import qlara
import qlara.testing

DESTINATION = "+393401234567"


def _backends() -> list[str]:
    try:
        import aiohttp  # noqa: F401
    except ImportError:  # pragma: no cover - the dev group has it
        return ["httpx"]
    return ["httpx", "aiohttp"]


@pytest.mark.parametrize("backend", _backends())
def test_a_client_left_open_is_closed_when_asyncio_run_ends(backend: str) -> None:
    """Pooled loopback connections are closed at the end of asyncio.run: no ResourceWarning."""

    def use_and_drop(base_url: str) -> None:
        client = qlara.AsyncQlara("k" * 32, base_url=base_url, http_backend=backend)
        asyncio.run(client.sms.send(destination=DESTINATION, body="hi", sender="Qlara"))
        asyncio.run(client.aclose())  # harmless: it is already closed

    with (
        qlara.testing.serve(qlara.testing.Simulator()) as server,
        warnings.catch_warnings(record=True) as seen,
    ):
        warnings.simplefilter("always")
        use_and_drop(server.base_url)
        gc.collect()
    assert [str(w.message) for w in seen if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.parametrize("backend", _backends())
def test_a_client_whose_loop_ended_says_so(backend: str) -> None:
    """Using the client in a later event loop names the cause: its first loop has ended."""
    with qlara.testing.serve(qlara.testing.Simulator()) as server:
        client = qlara.AsyncQlara("k" * 32, base_url=server.base_url, http_backend=backend)

        async def send() -> None:
            await client.sms.send(destination=DESTINATION, body="hi", sender="Qlara")

        asyncio.run(send())
        with pytest.raises(qlara.QlaraError, match="event loop that first used it ended"):
            asyncio.run(send())


def test_closing_by_hand_leaves_nothing_for_the_loop() -> None:
    """A client closed inside its loop is closed once; the loop's end finds nothing to do."""
    with qlara.testing.serve(qlara.testing.Simulator()) as server:

        async def main() -> qlara.AsyncQlara:
            async with qlara.AsyncQlara("k" * 32, base_url=server.base_url) as client:
                await client.sms.send(destination=DESTINATION, body="hi", sender="Qlara")
            return client

        client = asyncio.run(main())
    with pytest.raises(qlara.QlaraError, match="this client is closed"):
        asyncio.run(client.sms.send(destination=DESTINATION, body="hi", sender="Qlara"))


def test_trio_run_closes_a_client_left_open() -> None:
    """trio.run finalizes the client too: a later trio.run hears that its loop ended."""
    trio = pytest.importorskip("trio")
    with qlara.testing.serve(qlara.testing.Simulator()) as server:
        client = qlara.AsyncQlara("k" * 32, base_url=server.base_url)

        async def send() -> None:
            await client.sms.send(destination=DESTINATION, body="hi", sender="Qlara")

        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            trio.run(send)
            gc.collect()
        assert [w for w in seen if issubclass(w.category, ResourceWarning)] == []
        with pytest.raises(qlara.QlaraError, match="event loop that first used it ended"):
            trio.run(send)
