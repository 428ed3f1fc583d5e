"""The README's campaign flow (import, launch within a cap, download the report) runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio
import httpx

import qlara
import qlara.testing

README = Path(__file__).parent.parent / "README.md"


def _flow_source() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("### A campaign from import to delivery report", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


async def test_readme_campaign_flow(tmp_path: Path) -> None:
    """The README block imports contacts, launches within the cap and saves the report."""
    namespace: dict[str, Any] = {}
    exec(compile(_flow_source(), "README.md", "exec"), namespace)
    sim = qlara.testing.Simulator(lifecycle=qlara.testing.Lifecycle.instant())
    sim.platform.export_delay = 0
    people = tmp_path / "people.csv"
    await anyio.Path(people).write_bytes(
        b"firstName,lastName,phoneNumber\nAda,Lovelace,+393401111111\nAlan,Turing,+393402222222\n"
    )
    report = tmp_path / "report.csv"
    async with qlara.AsyncQlara(api_key="k", transport=sim.transport(), rate_limit=None) as client:
        await namespace["spring_sale"](client, str(people), str(report))
        [campaign] = await client.campaigns.list().to_list()
        assert campaign.status is qlara.CampaignStatus.COMPLETED
    lines = (await anyio.Path(report).read_text()).splitlines()
    assert lines[0].startswith("messageId,campaignId,channel,destination,deliveryStatus")
    assert sorted(line.split(",")[3] for line in lines[1:]) == ["+393401111111", "+393402222222"]
    assert all(line.split(",")[4] == "DELIVERED" for line in lines[1:])
    assert sorted(m.text or "" for m in sim.sent) == [
        "Hi Ada, 20% off until Sunday",
        "Hi Alan, 20% off until Sunday",
    ]


async def test_readme_campaign_flow_on_minimal_documented_answers(tmp_path: Path) -> None:
    """The README block runs against answers as bare as the docs allow (202s with no body)."""
    namespace: dict[str, Any] = {}
    exec(compile(_flow_source(), "README.md", "exec"), namespace)
    api = "/api/partner-gateway/v1"
    link = "https://files.example.net/r.csv?sig=x"
    seen: list[httpx.Request] = []
    answers: dict[tuple[str, str], httpx.Response] = {
        ("POST", f"{api}/contacts/list"): httpx.Response(201, json={"id": 87, "name": "S"}),
        ("POST", f"{api}/contacts/upload"): httpx.Response(200, json=[]),
        ("POST", f"{api}/campaigns"): httpx.Response(201, json={"id": 5, "status": "DRAFT"}),
        ("GET", "/api/v1/partner-gateway/subscription/credit"): httpx.Response(
            200, json={"credit": 10.0, "frozenCredit": 0.0, "availableCredit": 10.0}
        ),
        ("POST", f"{api}/campaigns/5/calculateGoal"): httpx.Response(200),
        ("GET", f"{api}/campaigns/5/price"): httpx.Response(200, json=0.1),
        ("PUT", f"{api}/campaigns/5/confirm"): httpx.Response(202),
        ("GET", f"{api}/campaigns/5"): httpx.Response(200, json={"id": 5, "status": 3}),
        ("POST", f"{api}/exports/delivery-reports"): httpx.Response(202),
        ("GET", f"{api}/exports"): httpx.Response(
            200, json=[{"id": "x9", "status": "COMPLETED", "isAvailableForDownload": True}]
        ),
        ("GET", f"{api}/exports/x9"): httpx.Response(200, json={"url": link}),
        ("GET", "/r.csv"): httpx.Response(200, content=b"messageId,status\n"),
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.get((request.method, request.url.path), httpx.Response(404))

    people = tmp_path / "p.csv"
    await anyio.Path(people).write_bytes(b"phoneNumber\n+393401111111\n")
    report = tmp_path / "report.csv"
    transport = httpx.MockTransport(handler)
    async with qlara.AsyncQlara(api_key="k", transport=transport, rate_limit=None) as client:
        await namespace["spring_sale"](client, str(people), str(report))
    assert (await anyio.Path(report).read_bytes()) == b"messageId,status\n"
    assert "x-api-key" not in seen[-1].headers
    assert ("PUT", f"{api}/campaigns/5/confirm") in [(r.method, r.url.path) for r in seen]
