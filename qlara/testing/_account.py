"""Subscription, contacts quota, credit, social profiles and API keys.

Keys created here authenticate against the simulator at once (when it checks
keys at all, ``api_keys=...``) and stop working when deleted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from qlara.testing._encoding import sms_parts
from qlara.testing._events import iso
from qlara.testing._platform import BadRequestError, handled, json_body, page_of
from qlara.testing._sends import Parsed
from qlara.testing._wire import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["ITEM_ROUTES", "ROUTES", "send_cost"]

OPERATIONS = frozenset({"SMS", "RCS", "WHATSAPP"})


def send_cost(sim: Simulator, parsed: Parsed) -> float:
    """What one send costs: the channel's unit price, times the parts of an SMS."""
    parts = sms_parts(parsed.text)[0] if parsed.text is not None else 1
    return sim.platform.price_of(parsed.channel, parts)


@handled
def subscription(sim: Simulator, request: SimRequest) -> SimResponse:
    plan = sim.platform.subscription
    if plan is None:
        raise BadRequestError("No active subscription", 404)
    return json_response(200, plan)


@handled
def contacts_quota(sim: Simulator, request: SimRequest) -> SimResponse:
    state = sim.platform
    used = len(state.contacts)
    return json_response(
        200,
        {
            "planLimit": state.plan_limit,
            "extraLimit": state.extra_limit,
            "totalLimit": state.contact_limit,
            "used": used,
            "remaining": max(state.contact_limit - used, 0),
        },
    )


@handled
def credit(sim: Simulator, request: SimRequest) -> SimResponse:
    state = sim.platform
    return json_response(
        200,
        {
            "credit": round(state.credit, 6),
            "frozenCredit": round(state.frozen_credit, 6),
            "availableCredit": state.available_credit,
        },
    )


@handled
def socials(sim: Simulator, request: SimRequest) -> SimResponse:
    profiles = sim.platform.socials
    page = page_of(profiles, request.params, dict, default_limit=100)
    return json_response(200, {"profiles": page["content"], "total": len(profiles)})


@handled
def social(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    wanted = params["platform"].lower()
    found = next(
        (p for p in sim.platform.socials if str(p.get("platform")).lower() == wanted), None
    )
    if found is None:
        raise BadRequestError(f"No {wanted} profile is connected", 404)
    return json_response(200, found)


def _listed(key: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in key.items() if k != "apiKey"}


@handled
def create_key(sim: Simulator, request: SimRequest) -> SimResponse:
    data = json_body(request)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError("name: is required")
    operations = data.get("operations", sorted(OPERATIONS))
    if not isinstance(operations, list) or not set(operations) <= OPERATIONS:
        raise BadRequestError(
            f"operations: must be a list among SMS, RCS, WHATSAPP, got {operations!r}"
        )
    identifier = f"key_{secrets.token_hex(6)}"
    value = f"pg_live_{secrets.token_urlsafe(24)}"
    key = {
        "id": identifier,
        "name": name,
        "description": data.get("description"),
        "operations": operations,
        "userId": 1,
        "username": "sim-user",
        "trafficType": "STANDARD",
        "status": "ACTIVE",
        "createdAt": iso(sim.wall()),
        "apiKey": value,
    }
    sim.platform.keys[identifier] = key
    if sim.api_keys is not None:
        sim.api_keys = sim.api_keys | {value}
    return json_response(201, key)


@handled
def keys(sim: Simulator, request: SimRequest) -> SimResponse:
    user = request.params.get("userId")
    found = [k for k in sim.platform.keys.values() if user in (None, "", str(k["userId"]))]
    return json_response(200, page_of(found, request.params, _listed, default_limit=100))


@handled
def key_by_value(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    found = next((k for k in sim.platform.keys.values() if k["apiKey"] == params["value"]), None)
    if found is None:
        raise BadRequestError("No such API key", 404)
    return json_response(200, _listed(found))


@handled
def delete_key(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    key = sim.platform.keys.pop(params["value"], None)
    if key is None:
        raise BadRequestError(f"API key {params['value']} not found", 404)
    if sim.api_keys is not None:
        sim.api_keys = sim.api_keys - {key["apiKey"]}
    return SimResponse(204)


SUBSCRIPTION = "/api/v1/partner-gateway/subscription"
KEYS = "/api/partner-gateway/v1/authentication"
ROUTES: dict[str, dict[str, Callable[[Simulator, SimRequest], SimResponse]]] = {
    SUBSCRIPTION: {"GET": subscription},
    f"{SUBSCRIPTION}/contacts": {"GET": contacts_quota},
    f"{SUBSCRIPTION}/credit": {"GET": credit},
    "/api/v1/partner-gateway/socials": {"GET": socials},
    KEYS: {"GET": keys, "POST": create_key},
}
# GET /authentication/{value} looks up by the key's value, DELETE /authentication/{id} by id.
ITEM_ROUTES: dict[
    str, dict[str, Callable[[Simulator, SimRequest, Mapping[str, str]], SimResponse]]
] = {
    "/api/v1/partner-gateway/socials/{platform}": {"GET": social},
    f"{KEYS}/{{value}}": {"GET": key_by_value, "DELETE": delete_key},
}
