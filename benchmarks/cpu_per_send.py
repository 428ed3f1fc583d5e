"""(a) CPU per send: qlara against raw ``httpx.AsyncClient``, same JSON, same transport.

Both post one SMS at a time through the same in-process transport (a canned
answer, so the server costs nothing) and parse the JSON answer; the raw loop
also makes a UUID4 ``messageId`` per message, as the SDK does. Rounds are
interleaved and the order alternates; the table shows medians of CPU time per
send (``time.process_time``) and qlara's ratio to raw httpx. Target: <= 1.25x.

    uv run python benchmarks/cpu_per_send.py [--sends 5000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Awaitable, Callable

import anyio
import httpx

import qlara
from benchmarks._common import DESTINATION, KEY, StaticTransport, median, table, write

BASE_URL = "http://bench.invalid/api"
URL = BASE_URL + "/message-server/sms/send"


async def qlara_sends(count: int) -> float:
    async with qlara.AsyncQlara(
        api_key=KEY, base_url=BASE_URL, transport=StaticTransport(), rate_limit=None
    ) as client:
        await client.sms.send(destination=DESTINATION, body="warm-up", sender="Bench")
        began = time.process_time()
        for _ in range(count):
            result = await client.sms.send(destination=DESTINATION, body="Hello!", sender="Bench")
            assert result.accepted
        return time.process_time() - began


async def httpx_sends(count: int) -> float:
    headers = {"X-Api-Key": KEY, "User-Agent": "bench", "Accept": "application/json"}
    async with httpx.AsyncClient(transport=StaticTransport(), headers=headers) as http:
        await http.post(URL, json={"destination": DESTINATION})
        began = time.process_time()
        for _ in range(count):
            payload = {
                "destination": DESTINATION,
                "body": "Hello!",
                "sender": "Bench",
                "messageId": str(uuid.uuid4()),
            }
            response = await http.post(URL, json=payload)
            response.raise_for_status()
            assert response.json()["results"]["sms"]["accepted"]
        return time.process_time() - began


CONTENDERS: dict[str, Callable[[int], Awaitable[float]]] = {
    "raw httpx": httpx_sends,
    "qlara": qlara_sends,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    args = parser.parse_args(argv)
    samples: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    names = list(CONTENDERS)
    for round_number in range(args.rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            seconds = anyio.run(CONTENDERS[name], args.sends, backend=args.backend)
            samples[name].append(seconds / args.sends * 1e6)
    baseline = median(samples["raw httpx"])
    rows = [
        [name, median(values), min(values), median(values) / baseline]
        for name, values in samples.items()
    ]
    print(
        table(
            f"(a) CPU per send, {args.sends} sends x {args.rounds} rounds ({args.backend})",
            ["client", "median us/send", "best us/send", "ratio"],
            rows,
        )
    )
    path = write(
        "cpu_per_send",
        {
            "sends": args.sends,
            "rounds": args.rounds,
            "backend": args.backend,
            "us_per_send": {name: median(values) for name, values in samples.items()},
            "samples_us_per_send": samples,
            "ratio": median(samples["qlara"]) / baseline,
            "target_ratio": 1.25,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
