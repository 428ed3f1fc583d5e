"""The simulator's channel assets: sender numbers, templates, media, files and the inbox.

``AssetState`` is the data (reset with the rest of the simulator);
``AssetControls`` are the test controls the ``Simulator`` gains from it:
seed sender numbers, decide template reviews, store inbound files, look at
conversations. The endpoints that read and change this state are in
``_templates.py``, ``_media.py`` and ``_inbox.py``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["AssetControls", "AssetState", "SimConversation", "SimTemplate"]

REVIEW_VERDICTS = frozenset({"APPROVED", "REJECTED"})
DEFAULT_NUMBER: dict[str, Any] = {
    "id": 1,
    "phoneNumberId": "waba-num-001",
    "phoneNumber": "+390212345678",
    "displayName": "Qlara Demo",
    "verifiedName": "Qlara Demo S.r.l.",
    "qualityRating": "GREEN",
    "status": "ACTIVE",
    "messagingLimit": "TIER_1K",
    "platform": "CLOUD_API",
}
DEFAULT_USERS: tuple[dict[str, Any], ...] = (
    {"id": 101, "displayName": "Ada Operator", "avatarUrl": "https://media.qlara.test/ada.png"},
    {"id": 102, "displayName": "Bo Agent"},
)


@attrs.define
class SimTemplate:
    """A WhatsApp template as created (the create dialect), with its review state."""

    id: int
    phone_number_id: str
    fields: dict[str, Any]
    created_at: float
    status: str = "PENDING"
    reason: str | None = None


@attrs.define
class SimConversation:
    """One inbox conversation: a customer on a channel, writing to one of our numbers."""

    chat_id: int
    channel: str
    contact: str
    destination: str
    channel_id: int | str
    messages: list[dict[str, Any]] = attrs.field(factory=list)
    unread: int = 0
    archived: bool = False
    assignee: int | None = None
    last_inbound: float | None = None
    last_date: datetime | None = None


@attrs.define
class AssetState:
    """Everything the asset endpoints keep; made fresh by ``Simulator.reset``."""

    phone_numbers: list[dict[str, Any]] = attrs.field(factory=lambda: [dict(DEFAULT_NUMBER)])
    templates: dict[int, SimTemplate] = attrs.field(factory=dict)
    review_after: float | None = None
    review_verdict: str = "APPROVED"
    rcs_templates: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    media: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    files: dict[str, tuple[bytes, str]] = attrs.field(factory=dict)
    conversations: dict[int, SimConversation] = attrs.field(factory=dict)
    users: list[dict[str, Any]] = attrs.field(factory=lambda: [dict(u) for u in DEFAULT_USERS])
    counter: int = 0

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    def settle(self, now: float) -> None:
        """Apply the automatic review to every template whose delay has passed."""
        if self.review_after is None:
            return
        for template in self.templates.values():
            if template.status == "PENDING" and now - template.created_at >= self.review_after:
                template.status = self.review_verdict
                if self.review_verdict == "REJECTED":
                    template.reason = "Rejected by the simulated review"

    def number(self, phone_number_id: object) -> dict[str, Any] | None:
        wanted = str(phone_number_id)
        return next(
            (
                n
                for n in self.phone_numbers
                if wanted in (str(n.get("id")), str(n.get("phoneNumberId")))
            ),
            None,
        )


class AssetControls:
    """Test controls for templates, sender numbers, files and the inbox (mixed into Simulator)."""

    _lock: threading.RLock
    assets: AssetState

    def now(self) -> float:  # provided by the Simulator
        raise NotImplementedError

    def add_phone_number(
        self,
        phone_number: str,
        *,
        id: int | str | None = None,  # noqa: A002 - the platform's field name
        display_name: str | None = None,
        status: str = "ACTIVE",
        quality_rating: str = "GREEN",
        messaging_limit: str = "TIER_1K",
    ) -> int | str:
        """Give the account another WhatsApp sender number; returns its ``id``."""
        with self._lock:
            number_id = id if id is not None else len(self.assets.phone_numbers) + 1
            self.assets.phone_numbers.append(
                {
                    "id": number_id,
                    "phoneNumberId": f"waba-num-{number_id}",
                    "phoneNumber": phone_number,
                    "displayName": display_name or phone_number,
                    "verifiedName": display_name or phone_number,
                    "qualityRating": quality_rating,
                    "status": status,
                    "messagingLimit": messaging_limit,
                    "platform": "CLOUD_API",
                }
            )
            return number_id

    def approve_template(self, template_id: int | str) -> None:
        """Meta approves the template: it can be sent from now on."""
        self._review(template_id, "APPROVED", None)

    def reject_template(self, template_id: int | str, reason: str = "INVALID_FORMAT") -> None:
        """Meta rejects the template, with ``reason``."""
        self._review(template_id, "REJECTED", reason)

    def review_templates(self, after: float | None, verdict: str = "APPROVED") -> None:
        """Review every pending template ``after`` seconds on the simulator clock.

        ``None`` (the default state) leaves them PENDING until a test calls
        ``approve_template`` or ``reject_template``.
        """
        verdict = verdict.upper()
        if verdict not in REVIEW_VERDICTS:
            raise ValueError("verdict must be 'APPROVED' or 'REJECTED'")
        if after is not None and after < 0:
            raise ValueError("after must be at least 0 seconds")
        with self._lock:
            self.assets.review_after = after
            self.assets.review_verdict = verdict

    def template_status(self, template_id: int | str) -> str:
        """The template's review state now (``KeyError`` when there is none)."""
        with self._lock:
            self.assets.settle(self.now())
            return self.assets.templates[int(template_id)].status

    def add_file(
        self, content: bytes, content_type: str = "image/jpeg", *, key: str | None = None
    ) -> str:
        """Store an inbound file; returns its ``mediaKey`` (``key``, or a new one)."""
        key = key or f"mk_{uuid.uuid4().hex[:16]}"
        with self._lock:
            self.assets.files[key] = (bytes(content), content_type)
        return key

    def conversation(self, contact: str) -> Mapping[str, Any]:
        """The latest conversation with ``contact`` as the inbox lists it (``KeyError``: none)."""
        from qlara.testing._inbox import render_conversation  # noqa: PLC0415

        with self._lock:
            found = [c for c in self.assets.conversations.values() if c.contact == contact]
            if not found:
                raise KeyError(contact)
            return render_conversation(self.assets, found[-1])

    def _review(self, template_id: int | str, status: str, reason: str | None) -> None:
        with self._lock:
            template = self.assets.templates[int(template_id)]
            template.status = status
            template.reason = reason
