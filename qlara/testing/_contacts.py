"""Contacts and contact lists: CRUD, filters, quota, list membership, file imports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from qlara._models._validate import E164
from qlara.testing._events import iso
from qlara.testing._platform import (
    BadRequestError,
    PlatformState,
    flag,
    handled,
    id_set,
    json_body,
    page_of,
)
from qlara.testing._wire import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["ITEM_ROUTES", "ROUTES", "check_fields", "store"]

EDITABLE = ("phoneNumber", "email", "firstName", "lastName", "gender", "isTest", "customFields")
CHANNELS = frozenset({"SMS", "RCS", "WHATSAPP"})


def render(state: PlatformState, contact: Mapping[str, Any]) -> dict[str, Any]:
    member_of = sorted(i for i, ids in state.members.items() if contact["id"] in ids)
    return {**contact, "listIds": member_of}


def render_list(state: PlatformState, item: Mapping[str, Any]) -> dict[str, Any]:
    return {**item, "contactCount": len(state.members.get(item["id"], ()))}


def check_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    fields = {k: data[k] for k in EDITABLE if data.get(k) is not None}
    phone = fields.get("phoneNumber")
    if phone is not None and (not isinstance(phone, str) or not E164.fullmatch(phone)):
        raise BadRequestError(f"phoneNumber: must be an E.164 number, got {phone!r}")
    email = fields.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise BadRequestError(f"email: must be an email address, got {email!r}")
    if not partial and phone is None and email is None:
        raise BadRequestError("phoneNumber: a contact needs a phoneNumber or an email")
    return fields


def store(
    sim: Simulator, fields: Mapping[str, Any], tags: list[str] | None = None
) -> tuple[dict[str, Any], bool]:
    """Create, or update the contact with the same phone number (CREATE_UPDATE)."""
    state = sim.platform
    phone = fields.get("phoneNumber")
    existing = next(
        (c for c in state.contacts.values() if phone and c.get("phoneNumber") == phone), None
    )
    if existing is not None:
        existing.update(fields)
        if tags:
            existing["tags"] = sorted({*existing.get("tags", []), *tags})
        return existing, False
    if len(state.contacts) >= state.contact_limit:
        raise BadRequestError(
            f"Contact quota exceeded: the plan allows {state.contact_limit} contacts"
        )
    identifier = state.next_id()
    contact = {
        "id": identifier,
        "isTest": False,
        **fields,
        "isValid": True,
        "communicationSupported": ["SMS", "RCS", "WHATSAPP"] if phone else [],
        "tags": sorted(set(tags or [])),
        "createdAt": iso(sim.wall()),
    }
    state.contacts[identifier] = contact
    return contact, True


def _found(sim: Simulator, params: Mapping[str, str]) -> dict[str, Any]:
    try:
        contact = sim.platform.contacts.get(int(params["id"]))
    except ValueError:
        contact = None
    if contact is None:
        raise BadRequestError(f"Contact {params['id']} not found", 404)
    return contact


def _matches(state: PlatformState, contact: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    ids = contact["id"]
    inside = id_set(params, "listIds")
    if inside is not None and not any(ids in state.members.get(i, ()) for i in inside):
        return False
    outside = id_set(params, "notListIds")
    if outside and any(ids in state.members.get(i, ()) for i in outside):
        return False
    search = params.get("search", "").lower()
    if search:
        text = " ".join(
            str(contact.get(k) or "") for k in ("firstName", "lastName", "phoneNumber", "email")
        )
        if search not in text.lower():
            return False
    for name in ("gender", "phoneNumber", "email"):
        if params.get(name) and contact.get(name) != params[name]:
            return False
    for name in ("isValid", "isTest"):
        wanted = flag(params, name)
        if wanted is not None and bool(contact.get(name)) != wanted:
            return False
    channels = params.get("communicationSupported")
    if channels:
        asked = set(channels.split(","))
        if not asked <= CHANNELS:
            raise BadRequestError(
                f"communicationSupported: must be among SMS, RCS, WHATSAPP, got {channels!r}"
            )
        if not asked & set(contact.get("communicationSupported", [])):
            return False
    return True


def _listing(
    sim: Simulator, params: Mapping[str, str], pool: list[dict[str, Any]], default_sort: str
) -> dict[str, Any]:
    state = sim.platform
    found = [c for c in pool if _matches(state, c, params)]
    key = params.get("sortBy") or default_sort
    order = params.get("sortOrder", "asc").lower()
    if order not in ("asc", "desc"):
        raise BadRequestError(f"sortOrder: must be asc or desc, got {order!r}")

    def sort_key(contact: Mapping[str, Any]) -> str:
        if key == "fullName":
            return (
                f"{contact.get('firstName') or ''} {contact.get('lastName') or ''}".strip().lower()
            )
        return str(contact.get(key) if contact.get(key) is not None else "").lower()

    if key != "id":
        found.sort(key=sort_key, reverse=order == "desc")
    elif order == "desc":
        found.reverse()
    return page_of(found, params, lambda c: render(state, c))


@handled
def create(sim: Simulator, request: SimRequest) -> SimResponse:
    fields = check_fields(json_body(request), partial=False)
    contact, _ = store(sim, fields)
    return json_response(201, render(sim.platform, contact))


@handled
def listing(sim: Simulator, request: SimRequest) -> SimResponse:
    return json_response(
        200, _listing(sim, request.params, list(sim.platform.contacts.values()), "id")
    )


@handled
def delete(sim: Simulator, request: SimRequest) -> SimResponse:
    params = request.params
    state = sim.platform
    if "ids" in params:
        doomed = id_set(params, "ids") or set()
    elif "notIds" in params:
        doomed = set(state.contacts) - (id_set(params, "notIds") or set())
    else:
        raise BadRequestError("ids or notIds is required")
    removed = [i for i in doomed if state.contacts.pop(i, None) is not None]
    for members in state.members.values():
        members.difference_update(removed)
    return json_response(200, {"deleted": len(removed)})


@handled
def get_one(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    return json_response(200, render(sim.platform, _found(sim, params)))


@handled
def update(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    contact = _found(sim, params)
    contact.update(check_fields(json_body(request), partial=True))
    return json_response(200, render(sim.platform, contact))


@handled
def create_list(sim: Simulator, request: SimRequest) -> SimResponse:
    data = json_body(request)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequestError("name: is required")
    state = sim.platform
    identifier = state.next_id()
    item = {
        "id": identifier,
        "name": name,
        "description": data.get("description"),
        "isTest": bool(data.get("isTest", False)),
        "createdAt": iso(sim.wall()),
    }
    state.lists[identifier] = item
    state.members[identifier] = set()
    return json_response(201, render_list(state, item))


@handled
def lists(sim: Simulator, request: SimRequest) -> SimResponse:
    state = sim.platform
    return json_response(
        200, page_of(list(state.lists.values()), request.params, lambda i: render_list(state, i))
    )


@handled
def list_contacts(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    state = sim.platform
    try:
        identifier = int(params["id"])
    except ValueError:
        identifier = -1
    if identifier not in state.lists:
        raise BadRequestError(f"List {params['id']} not found", 404)
    pool = [state.contacts[i] for i in sorted(state.members[identifier]) if i in state.contacts]
    return json_response(200, _listing(sim, request.params, pool, "fullName"))


def _ids(data: Mapping[str, Any], name: str, *, required: bool) -> list[int]:
    value = data.get(name)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise BadRequestError(f"{name}: must be a list of integer ids")
    if required and not value:
        raise BadRequestError(f"{name}: must not be empty")
    return value


@handled
def add_to_lists(sim: Simulator, request: SimRequest) -> SimResponse:
    data = json_body(request)
    state = sim.platform
    list_ids = _ids(data, "listIds", required=True)
    missing = [i for i in list_ids if i not in state.lists]
    if missing:
        raise BadRequestError(f"listIds: unknown lists {missing}")
    if data.get("allContacts") is True:
        excluded = set(_ids(data, "excludeIdsAllContacts", required=False))
        chosen = [i for i in state.contacts if i not in excluded]
    else:
        chosen = _ids(data, "contactIds", required=True)
        unknown = [i for i in chosen if i not in state.contacts]
        if unknown:
            raise BadRequestError(f"contactIds: unknown contacts {unknown}")
    made = []
    for list_id in list_ids:
        for contact_id in chosen:
            if contact_id not in state.members[list_id]:
                state.members[list_id].add(contact_id)
                association = state.next_id()
                state.associations.append((association, list_id, contact_id))
                made.append(association)
    return json_response(201, made)


BASE = "/api/partner-gateway/v1/contacts"
ROUTES: dict[str, dict[str, Callable[[Simulator, SimRequest], SimResponse]]] = {
    BASE: {"POST": create, "GET": listing, "DELETE": delete},
    f"{BASE}/list": {"POST": create_list, "GET": lists},
    f"{BASE}/list/contacts": {"POST": add_to_lists},
}
ITEM_ROUTES: dict[
    str, dict[str, Callable[[Simulator, SimRequest, Mapping[str, str]], SimResponse]]
] = {
    f"{BASE}/list/{{id}}/contacts": {"GET": list_contacts},
    f"{BASE}/{{id}}": {"GET": get_one, "PUT": update},
}
