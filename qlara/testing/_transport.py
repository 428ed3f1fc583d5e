"""The simulator as an ``httpx.AsyncBaseTransport``, for ``AsyncQlara(transport=...)``.

Faults reach the client the way real failures would: a dropped connection
raises ``httpx.RemoteProtocolError``, and a delay longer than the request's
read timeout raises ``httpx.ReadTimeout`` after waiting that timeout. Waiting
uses ``anyio.sleep``, so it works on asyncio and trio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio
import httpx

from qlara.testing._wire import SimRequest, SimResponse

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["SimulatorTransport"]


class SimulatorTransport(httpx.AsyncBaseTransport):
    """Answers every request from a ``Simulator``, in-process."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        url = request.url
        # raw_path keeps the percent-encoding, so an id holding '/' stays one segment.
        path = url.raw_path.partition(b"?")[0].decode("ascii", "replace")
        sim_request = SimRequest(
            request.method,
            path,
            url.query.decode("ascii", "replace"),
            {name.lower(): value for name, value in request.headers.items()},
            body,
        )
        response = self.simulator.handle(sim_request)
        await self._play(request, response)
        return httpx.Response(
            response.status, headers=response.headers, content=response.body, request=request
        )

    @staticmethod
    async def _play(request: httpx.Request, response: SimResponse) -> None:
        if response.delay:
            timeouts = request.extensions.get("timeout") or {}
            read = timeouts.get("read")
            if read is not None and response.delay > read:
                await anyio.sleep(read)
                raise httpx.ReadTimeout(
                    "simulated: no answer within the read timeout", request=request
                )
            await anyio.sleep(response.delay)
        if response.drop:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
