"""``GET /campaigns/stats``: confirmed campaigns summed per hour, day, week or month."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from qlara.testing._platform import BadRequestError, flag, page_of

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["stats"]


def _day(params: Mapping[str, str], name: str) -> date:
    value = params.get(name)
    if not value:
        raise BadRequestError(f"{name}: is required (yyyy-MM-dd)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequestError(f"{name}: must be yyyy-MM-dd, got {value!r}") from None


def _bucket(moment: datetime, aggregate: str) -> str:
    if aggregate == "hour":
        return moment.strftime("%Y-%m-%dT%H:00")
    if aggregate == "week":
        return (moment.date() - timedelta(days=moment.weekday())).isoformat()
    if aggregate == "month":
        return moment.strftime("%Y-%m")
    return moment.date().isoformat()


def stats(
    sim: Simulator, campaigns: Sequence[Mapping[str, Any]], params: Mapping[str, str]
) -> dict[str, Any]:
    start, end = _day(params, "startDate"), _day(params, "endDate")
    aggregate = (params.get("aggregateOn") or "day").lower()
    if aggregate not in ("hour", "day", "week", "month"):
        raise BadRequestError(f"aggregateOn: must be hour, day, week or month, got {aggregate!r}")
    modes = set(params["sendingMode"].split(",")) if params.get("sendingMode") else None
    draft = flag(params, "isDraft")
    rows: dict[str, dict[str, Any]] = {}
    for campaign in campaigns:
        is_draft = "_start" not in campaign
        if draft is not None and is_draft != draft:
            continue
        if draft is None and is_draft:
            continue
        if modes is not None and campaign.get("sendingMode") not in modes:
            continue
        moment = sim.wall(campaign["_start"]) if not is_draft else sim.wall()
        if not start <= moment.date() <= end:
            continue
        row = rows.setdefault(
            _bucket(moment, aggregate),
            {
                "totalCampaigns": 0,
                "totalDestinations": 0,
                "totalSuccess": 0,
                "totalFailed": 0,
                "totalCost": 0.0,
            },
        )
        row["totalCampaigns"] += 1
        row["totalDestinations"] += campaign.get("totalDestinations", 0)
        row["totalSuccess"] += campaign.get("totalSuccess", 0)
        row["totalFailed"] += campaign.get("totalFailed", 0)
        row["totalCost"] = round(row["totalCost"] + campaign.get("_cost", 0.0), 6)
    ordered = [{"period": period, **row} for period, row in sorted(rows.items())]
    if params.get("direction", "ASC").upper() == "DESC":
        ordered.reverse()
    return page_of(ordered, params, dict)
