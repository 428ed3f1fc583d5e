"""Campaigns with their whole lifecycle, on the simulator's clock.

Create (draft, 0) -> update -> calculateGoal (recipients and cost: the
price is the recipients times the channel's unit price times the SMS parts)
-> price -> confirm (refused without readyToSend, a calculated goal, the
channel's fields or enough credit). Confirming spends the price (or freezes
it until a future ``scheduledDate``) and fans the campaign out: one tracked
message per recipient, moving to DELIVERED (or what ``mark_number`` says)
with delivery callbacks like any send. The campaign is scheduled (1) or
sending (2), then completed (3), or failed (4) when no message got through.
Updating or deleting a scheduled campaign cancels its messages and returns
the frozen credit; the updated campaign is a draft again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qlara._models import Channel
from qlara._models._validate import E164
from qlara.testing._campaign_run import (
    DRAFT,
    SCHEDULED,
    SENDING,
    cancel,
    channel_of,
    fan_out,
    recipients,
    refresh,
)
from qlara.testing._campaign_stats import stats
from qlara.testing._encoding import sms_parts
from qlara.testing._events import iso
from qlara.testing._platform import BadRequestError, flag, handled, json_body, page_of
from qlara.testing._wire import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["ITEM_ROUTES", "ROUTES"]

MODES = ("SMS", "RCS", "WHATSAPP", "RCS_SMS", "WHATSAPP_SMS", "WHATSAPP_RCS", "WHATSAPP_RCS_SMS")
FIELDS = (
    "name",
    "description",
    "sendingMode",
    "readyToSend",
    "smsSender",
    "smsBody",
    "rcsAgentId",
    "rcsTemplateId",
    "whatsappPhoneNumberId",
    "whatsappTemplateId",
    "destinationType",
    "contactListIds",
    "destinations",
    "scheduledDate",
)
NEEDS = {
    "SMS": ("smsSender", "smsBody"),
    "RCS": ("rcsAgentId", "rcsTemplateId"),
    "WHATSAPP": ("whatsappPhoneNumberId", "whatsappTemplateId"),
}


def _scheduled(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f%z")
        except ValueError:
            pass
    raise BadRequestError(f"scheduledDate: must be 'yyyy-MM-dd HH:mm:ss.SSSZ', got {value!r}")


def _check(sim: Simulator, data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    fields = {k: data[k] for k in FIELDS if k in data and data[k] is not None}
    if not partial and not (isinstance(fields.get("name"), str) and fields["name"].strip()):
        raise BadRequestError("name: is required")
    if "sendingMode" in fields and fields["sendingMode"] not in MODES:
        raise BadRequestError(
            f"sendingMode: must be one of {', '.join(MODES)}, got {fields['sendingMode']!r}"
        )
    kind = fields.get("destinationType")
    if kind not in (None, 1, 2):
        raise BadRequestError(
            f"destinationType: must be 1 (contact lists) or 2 (destinations), got {kind!r}"
        )
    if kind == 1:
        ids = fields.get("contactListIds")
        if not isinstance(ids, list) or not ids:
            raise BadRequestError("contactListIds: required with destinationType 1")
        missing = [i for i in ids if i not in sim.platform.lists]
        if missing:
            raise BadRequestError(f"contactListIds: unknown lists {missing}")
        fields.pop("destinations", None)
    elif kind == 2:
        numbers = fields.get("destinations")
        if not isinstance(numbers, list) or not numbers:
            raise BadRequestError("destinations: required with destinationType 2")
        for number in numbers:
            value = number.get("destination") if isinstance(number, Mapping) else number
            if not isinstance(value, str) or not E164.fullmatch(value):
                raise BadRequestError(f"destinations: {value!r} is not an E.164 number")
        fields.pop("contactListIds", None)
    elif "contactListIds" in fields or "destinations" in fields:
        raise BadRequestError("destinationType: required with contactListIds or destinations")
    _scheduled(fields.get("scheduledDate"))
    return fields


def render(sim: Simulator, campaign: dict[str, Any]) -> dict[str, Any]:
    refresh(sim, campaign)
    return {k: v for k, v in campaign.items() if not k.startswith("_")}


def _found(sim: Simulator, params: Mapping[str, str]) -> dict[str, Any]:
    try:
        campaign = sim.platform.campaigns.get(int(params["id"]))
    except ValueError:
        campaign = None
    if campaign is None:
        raise BadRequestError(f"Campaign {params['id']} not found", 404)
    return campaign


@handled
def create(sim: Simulator, request: SimRequest) -> SimResponse:
    fields = _check(sim, json_body(request), partial=False)
    state = sim.platform
    identifier = state.next_id()
    campaign: dict[str, Any] = {
        "id": identifier,
        "status": DRAFT,
        "sendingMode": "SMS",
        "readyToSend": False,
        **fields,
        "totalDestinations": 0,
        "totalSuccess": 0,
        "totalFailed": 0,
        "createdAt": iso(sim.wall()),
        "_goal": None,
        "_messages": [],
        "_rejected": 0,
    }
    state.campaigns[identifier] = campaign
    return json_response(201, render(sim, campaign))


@handled
def listing(sim: Simulator, request: SimRequest) -> SimResponse:
    params = request.params
    found = list(sim.platform.campaigns.values())
    for campaign in found:
        refresh(sim, campaign)
    draft, programmed, ready = (
        flag(params, "isDraft"),
        flag(params, "isProgrammed"),
        flag(params, "readyToSend"),
    )
    modes = set(params["sendingMode"].split(",")) if params.get("sendingMode") else None
    search = params.get("search", "").lower()
    start, end = params.get("startDate"), params.get("endDate")

    def keep(c: Mapping[str, Any]) -> bool:
        day = str(c.get("createdAt", ""))[:10]
        return (
            (draft is None or (c["status"] == DRAFT) == draft)
            and (programmed is None or (c["status"] == SCHEDULED) == programmed)
            and (ready is None or bool(c.get("readyToSend")) == ready)
            and (modes is None or c.get("sendingMode") in modes)
            and (
                not search or search in f"{c.get('name', '')} {c.get('description') or ''}".lower()
            )
            and (not start or day >= start)
            and (not end or day <= end)
        )

    chosen = [c for c in found if keep(c)]
    if params.get("direction", "ASC").upper() == "DESC":
        chosen.reverse()
    return json_response(200, page_of(chosen, params, lambda c: render(sim, c)))


@handled
def get_one(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    return json_response(200, render(sim, _found(sim, params)))


@handled
def update(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    campaign = _found(sim, params)
    refresh(sim, campaign)
    if campaign["status"] not in (DRAFT, SCHEDULED):
        raise BadRequestError(f"Campaign {campaign['id']} is sending or done and cannot be changed")
    fields = _check(sim, json_body(request), partial=True)
    if campaign["status"] == SCHEDULED:
        cancel(sim, campaign)
    if "destinationType" in fields:
        campaign.pop("contactListIds", None)
        campaign.pop("destinations", None)
    campaign.update(fields)
    campaign["_goal"] = None  # a change may change the cost
    return json_response(200, render(sim, campaign))


@handled
def delete(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    campaign = _found(sim, params)
    refresh(sim, campaign)
    if campaign["status"] not in (DRAFT, SCHEDULED):
        raise BadRequestError(
            f"Campaign {campaign['id']} cannot be deleted: only drafts and scheduled campaigns can",
            404,
        )
    cancel(sim, campaign)
    del sim.platform.campaigns[campaign["id"]]
    return SimResponse(204)


@handled
def calculate_goal(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    campaign = _found(sim, params)
    if campaign["status"] != DRAFT:
        raise BadRequestError(f"Campaign {campaign['id']} is already confirmed")
    chosen = recipients(sim, campaign)
    channel = channel_of(campaign)
    parts = sms_parts(campaign.get("smsBody") or "")[0] if channel is Channel.SMS else 1
    unit = sim.platform.price_of(channel, parts)
    goal = {
        "totalContacts": len(chosen),
        "estimatedCost": round(unit * len(chosen), 6),
        "costPerMessage": unit,
        "parts": parts,
        "currency": "EUR",
    }
    campaign["_goal"] = goal
    campaign["totalDestinations"] = len(chosen)
    return json_response(200, goal)


@handled
def price(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    campaign = _found(sim, params)
    goal = campaign.get("_goal") or campaign.get("_price")
    if goal is None:
        raise BadRequestError("Cost not calculated: POST calculateGoal first")
    return json_response(
        200,
        {"price": goal["estimatedCost"], "currency": "EUR", "totalContacts": goal["totalContacts"]},
    )


@handled
def confirm(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    campaign = _found(sim, params)
    if campaign["status"] != DRAFT:
        raise BadRequestError(f"Campaign {campaign['id']} is already confirmed")
    if not campaign.get("readyToSend"):
        raise BadRequestError("readyToSend: the campaign is not ready to send")
    goal = campaign.get("_goal")
    if goal is None:
        raise BadRequestError("Cost not calculated: POST calculateGoal first")
    for channel in str(campaign.get("sendingMode") or "SMS").split("_"):
        missing = [f for f in NEEDS[channel] if campaign.get(f) in (None, "")]
        if missing:
            raise BadRequestError(f"{missing[0]}: required for {channel} campaigns")
    chosen = recipients(sim, campaign)
    if not chosen:
        raise BadRequestError("The campaign has no recipients")
    state = sim.platform
    when = _scheduled(campaign.get("scheduledDate"))
    start = sim.now() if when is None else max(sim.now(), (when - sim.wall(0)).total_seconds())
    cost = goal["estimatedCost"]
    if start > sim.now():
        if cost > state.available_credit + 1e-9:
            state.spend(cost)  # raises the same "Insufficient credit" 400
        state.frozen_credit = round(state.frozen_credit + cost, 6)
        campaign["_frozen"] = True
    else:
        state.spend(cost)
    campaign.update(
        _cost=cost, _start=start, _price=goal, status=SCHEDULED if start > sim.now() else SENDING
    )
    fan_out(sim, campaign, chosen, when)
    return json_response(202, {"id": campaign["id"], "status": campaign["status"]})


@handled
def campaign_stats(sim: Simulator, request: SimRequest) -> SimResponse:
    campaigns = list(sim.platform.campaigns.values())
    for campaign in campaigns:
        refresh(sim, campaign)
    return json_response(200, stats(sim, campaigns, request.params))


BASE = "/api/partner-gateway/v1/campaigns"
ROUTES: dict[str, dict[str, Callable[[Simulator, SimRequest], SimResponse]]] = {
    BASE: {"GET": listing, "POST": create},
    f"{BASE}/stats": {"GET": campaign_stats},
}
ITEM_ROUTES: dict[
    str, dict[str, Callable[[Simulator, SimRequest, Mapping[str, str]], SimResponse]]
] = {
    f"{BASE}/{{id}}": {"GET": get_one, "PUT": update, "DELETE": delete},
    f"{BASE}/{{id}}/calculateGoal": {"POST": calculate_goal},
    f"{BASE}/{{id}}/price": {"GET": price},
    f"{BASE}/{{id}}/confirm": {"PUT": confirm},
}
