"""A confirmed campaign on the simulator's clock: its messages, progress and cancellation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qlara._models import Channel
from qlara.testing._events import iso
from qlara.testing._sends import Parsed, new_id
from qlara.testing._state import FINAL

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["cancel", "channel_of", "fan_out", "recipients", "refresh"]

DRAFT, SCHEDULED, SENDING, COMPLETED, FAILED = range(5)


def channel_of(campaign: Mapping[str, Any]) -> Channel:
    return Channel(str(campaign.get("sendingMode") or "SMS").split("_")[0])


def recipients(sim: Simulator, campaign: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(number, contact fields) per unique recipient."""
    state = sim.platform
    out: dict[str, Mapping[str, Any]] = {}
    if campaign.get("destinationType") == 1:
        for list_id in campaign.get("contactListIds", []):
            for contact_id in sorted(state.members.get(list_id, ())):
                contact = state.contacts.get(contact_id)
                if contact and contact.get("phoneNumber"):
                    out.setdefault(contact["phoneNumber"], contact)
    elif campaign.get("destinationType") == 2:
        for item in campaign.get("destinations", []):
            number = item.get("destination") if isinstance(item, Mapping) else item
            out.setdefault(str(number), item if isinstance(item, Mapping) else {})
    return list(out.items())


def _fill(text: str | None, contact: Mapping[str, Any]) -> str | None:
    if text is None:
        return None
    for key, value in contact.items():
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = text.replace("{{" + key + "}}", str(value))
    return text


def refresh(sim: Simulator, campaign: dict[str, Any]) -> None:
    """Move a confirmed campaign on: sending once its time came, then completed or failed."""
    if campaign["status"] not in (SCHEDULED, SENDING):
        return
    if sim.now() < campaign["_start"]:
        return
    state = sim.platform
    if campaign.pop("_frozen", False):
        state.frozen_credit = round(state.frozen_credit - campaign["_cost"], 6)
        state.credit = round(state.credit - campaign["_cost"], 6)
    campaign["status"] = SENDING
    messages = [sim.lookup(i) for i in campaign["_messages"]]
    statuses = [m.status if m is not None else "ERROR" for m in messages]
    campaign["totalSuccess"] = statuses.count("DELIVERED")
    campaign["totalFailed"] = (
        sum(s in ("ERROR", "EXPIRED") for s in statuses) + campaign["_rejected"]
    )
    if all(s in FINAL for s in statuses):
        campaign["status"] = FAILED if statuses and not campaign["totalSuccess"] else COMPLETED
        campaign.setdefault("completedAt", iso(sim.wall()))


def cancel(sim: Simulator, campaign: dict[str, Any]) -> None:
    """A scheduled campaign's messages are withdrawn and its frozen credit returned."""
    for message_id in campaign.pop("_messages", []):
        message = sim.lookup(message_id)
        if message is not None:
            message.final, message.notify, message.status = "UNKNOWN", False, "UNKNOWN"
            sim.forget(message_id)
    if campaign.pop("_frozen", False):
        sim.platform.frozen_credit = round(sim.platform.frozen_credit - campaign["_cost"], 6)
    campaign["status"] = DRAFT
    campaign["_goal"] = None


def fan_out(
    sim: Simulator,
    campaign: dict[str, Any],
    recipients: list[tuple[str, Mapping[str, Any]]],
    when: datetime | None,
) -> None:
    """One tracked message per recipient, due at the campaign's time (callbacks as for sends)."""
    channel = channel_of(campaign)
    for number, contact in recipients:
        message_id = new_id()
        mark = sim.mark_of(number)
        if mark == "REJECTED":
            campaign["_rejected"] += 1
            continue
        parsed = Parsed(
            channel=channel,
            dialect="current",
            message_id=message_id,
            destination=number,
            sender=campaign.get("smsSender"),
            text=_fill(campaign.get("smsBody"), contact) if channel is Channel.SMS else None,
            simulation=False,
            notify=True,
            scheduled=when,
        )
        sim._track(
            parsed,
            {"campaignId": campaign["id"], "destination": number},
            message_id,
            message_id,
            mark,
        )
        campaign["_messages"].append(message_id)
