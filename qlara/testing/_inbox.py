"""The simulated inbox: inbound messages (``sim.inject_inbound``) become conversations.

A conversation is one customer on one channel writing to one of our numbers
(or agents). A reply is answered 202 inside WhatsApp's 24-hour window (since
the customer's last message) and 400 outside it; RCS has no such window.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qlara._models._time import parse_timestamp
from qlara.testing._assets import AssetState, SimConversation
from qlara.testing._events import iso
from qlara.testing._pages import BadPageError, as_id, page_of, wanted
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["WINDOW_SECONDS", "record_inbound", "render_conversation"]

WINDOW_SECONDS = 24 * 3600.0


def record_inbound(state: AssetState, event: Mapping[str, Any], now: float, wall: datetime) -> None:
    """File an INBOUND event into its conversation (made on the customer's first message)."""
    channel, contact, destination = event["channel"], event["source"], event["destination"]
    conversation = next(
        (
            c
            for c in state.conversations.values()
            if (c.channel, c.contact, c.destination) == (channel, contact, destination)
        ),
        None,
    )
    if conversation is None:
        # A WhatsApp channel is one of our sender numbers; other channels keep the address.
        found = None
        if channel == "WHATSAPP":
            found = next((n for n in state.phone_numbers if n["phoneNumber"] == destination), None)
        conversation = SimConversation(
            chat_id=state.next_id(),
            channel=channel,
            contact=contact,
            destination=destination,
            channel_id=found["id"] if found else destination,
        )
        state.conversations[conversation.chat_id] = conversation
    message: dict[str, Any] = {
        "id": state.next_id(),
        "direction": "INBOUND",
        "timestamp": iso(wall),
        "messageType": event.get("messageType", "TEXT"),
        "text": event.get("text"),
        "status": "RECEIVED",
    }
    if event.get("mediaKey"):
        message["mediaKey"] = event["mediaKey"]
    conversation.messages.append(message)
    conversation.unread += 1
    conversation.archived = False
    conversation.last_inbound = now
    conversation.last_date = wall


def _preview(message: Mapping[str, Any]) -> dict[str, Any]:
    return {k: message.get(k) for k in ("text", "direction", "timestamp")}


def render_conversation(state: AssetState, c: SimConversation) -> dict[str, Any]:
    last = c.messages[-1] if c.messages else None
    user = next((u for u in state.users if u["id"] == c.assignee), None)
    return {
        "chatId": c.chat_id,
        "channel": c.channel,
        "channelId": c.channel_id,
        "contact": c.contact,
        "unreadCount": c.unread,
        "archived": c.archived,
        "assignee": dict(user) if user else None,
        "lastMessage": None
        if last is None
        else {
            "text": last.get("text"),
            "direction": last["direction"],
            "timestamp": last["timestamp"],
        },
        "lastMessageDate": None if c.last_date is None else iso(c.last_date),
    }


def _page(request: SimRequest, items: list[Any]) -> SimResponse:
    try:
        return json_response(200, {"data": page_of(request, items)})
    except BadPageError as exc:
        return error_response(400, str(exc), request.path)


def conversations(sim: Simulator, request: SimRequest) -> SimResponse:
    state, params = sim.assets, request.params
    chosen = list(state.conversations.values())
    if "dateFrom" in params:
        since = parse_timestamp(params["dateFrom"])
        if since is None:
            return error_response(400, "dateFrom: must be an ISO 8601 date", request.path)
        chosen = [c for c in chosen if c.last_date is not None and c.last_date >= since]
    channels = wanted(params.get("channelIds"))
    if channels:
        chosen = [c for c in chosen if str(c.channel_id) in channels]
    if params.get("unreadOnly") == "true":
        chosen = [c for c in chosen if c.unread > 0]
    rendered = [render_conversation(state, c) for c in chosen]
    order = params.get("orderBy", "-lastMessageDate")
    key = order.lstrip("+-")
    rendered.sort(key=lambda r: str(r.get(key) or ""), reverse=order.startswith("-"))
    return _page(request, rendered)


def _conversation(sim: Simulator, request: SimRequest, raw: str) -> SimConversation | SimResponse:
    found = sim.assets.conversations.get(as_id(raw) or 0)
    if found is None:
        return error_response(404, f"Conversation {raw} not found", request.path)
    return found


def conversation(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    found = _conversation(sim, request, params["chat_id"])
    if isinstance(found, SimResponse):
        return found
    return json_response(200, render_conversation(sim.assets, found))


def messages(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    found = _conversation(sim, request, params["chat_id"])
    if isinstance(found, SimResponse):
        return found
    bounds = request.params
    try:
        low = int(bounds.get("idFrom", 0))
        high = int(bounds.get("idTo", 2**63))
    except ValueError:
        return error_response(400, "idFrom/idTo: must be message ids", request.path)
    return _page(request, [m for m in found.messages if low <= m["id"] <= high])


def reply(sim: Simulator, request: SimRequest) -> SimResponse:
    try:
        data = request.json()
    except ValueError:
        return error_response(400, "Malformed JSON request body", request.path)
    if not isinstance(data, Mapping) or data.get("chatId") is None:
        return error_response(400, "chatId: is required", request.path)
    if not data.get("text") and not data.get("mediaUrl"):
        return error_response(400, "text: is required (or mediaUrl)", request.path)
    found = _conversation(sim, request, str(data["chatId"]))
    if isinstance(found, SimResponse):
        return found
    if found.channel == "WHATSAPP" and (
        found.last_inbound is None or sim.now() - found.last_inbound > WINDOW_SECONDS
    ):
        return error_response(
            400,
            "The 24-hour customer service window is closed; send an approved template instead",
            request.path,
        )
    message_id = str(uuid.uuid4())
    message: dict[str, Any] = {
        "id": sim.assets.next_id(),
        "messageId": message_id,
        "direction": "OUTBOUND",
        "timestamp": iso(sim.wall()),
        "text": data.get("text"),
        "status": "SENT",
    }
    if data.get("mediaUrl"):
        message["mediaUrl"] = data["mediaUrl"]
    found.messages.append(message)
    found.last_date = sim.wall()
    return json_response(202, {"messageId": message_id, "status": "ACCEPTED"})


def flag(name: str, value: bool) -> Any:
    def handle(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
        found = _conversation(sim, request, params["chat_id"])
        if isinstance(found, SimResponse):
            return found
        if name == "read":
            found.unread = 0
        else:
            found.archived = value
        return SimResponse(204)

    return handle


def assignee(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    found = _conversation(sim, request, params["chat_id"])
    if isinstance(found, SimResponse):
        return found
    if request.method == "DELETE":
        found.assignee = None
        return SimResponse(204)
    try:
        data = request.json()
    except ValueError:
        return error_response(400, "Malformed JSON request body", request.path)
    user_id = data.get("userId") if isinstance(data, Mapping) else None
    if user_id is None:
        return error_response(400, "userId: is required", request.path)
    if not any(str(u["id"]) == str(user_id) for u in sim.assets.users):
        return error_response(404, f"User {user_id} not found", request.path)
    found.assignee = int(user_id)
    return SimResponse(204)


def assignable_users(sim: Simulator, request: SimRequest) -> SimResponse:
    return _page(request, [dict(u) for u in sim.assets.users])
