"""The README's campaign flow (import, launch within a cap, download the report) runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import anyio

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
