"""The account: subscription, quotas, credit, social profiles, API keys and export jobs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from qlara._auth import Secret

__all__ = [
    "ApiKey",
    "ContactsQuota",
    "CreatedApiKey",
    "Credit",
    "ExportJob",
    "SocialProfile",
    "Subscription",
]

Raw = Mapping[str, Any]


@attrs.frozen(kw_only=True)
class Subscription:
    """The active plan (two documented shapes, D25: both read, the rest in ``raw``).

    Attributes:
        subscription_id: UC-016's ``subscriptionId``, when the answer has one.
        plan: the plan's code or name (``"PRO_MONTHLY"``, ``"Business Pro"``).
        status: ``ACTIVE``, ``CANCELED``, ``SUSPENDED``...
        canceled: the reference's ``canceled`` flag, when the answer has one.
        start: when the (billing) period started (also ``start_date``).
        end: when it ends (also ``end_date``).
        next_renew: the next renewal, when the answer says.
        auto_renew: whether it renews (``False`` when it is canceled).
        next_plan: the plan it renews into, when the answer says.
        features: per-channel flags (``{"sms": True, "whatsapp": False}``): a
            channel whose flag is false answers 403.
        raw: the decoded answer.
    """

    subscription_id: int | str | None = None
    plan: str | None = None
    status: str | None = None
    canceled: bool | None = None
    start: datetime | None = None
    end: datetime | None = None
    next_renew: datetime | None = None
    auto_renew: bool | None = None
    next_plan: str | None = None
    features: Mapping[str, bool] = attrs.field(factory=dict)
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def start_date(self) -> datetime | None:
        """``start`` under UC-016's documented wire name, ``startDate``."""
        return self.start

    @property
    def end_date(self) -> datetime | None:
        """``end`` under UC-016's documented wire name, ``endDate``."""
        return self.end

    def allows(self, feature: str) -> bool | None:
        """The flag of ``feature`` (case-insensitive), ``None`` when the answer does not say."""
        wanted = feature.lower()
        return next((v for k, v in self.features.items() if k.lower() == wanted), None)


@attrs.frozen(kw_only=True)
class ContactsQuota:
    """How many contacts the plan allows and how many are used.

    Attributes:
        plan_limit: contacts included in the plan.
        extra_limit: contacts bought on top.
        total_limit: the two together.
        used: contacts stored.
        remaining: contacts that can still be added (new ones are refused at 0).
        raw: the decoded answer.
    """

    plan_limit: int | None = None
    extra_limit: int | None = None
    total_limit: int | None = None
    used: int | None = None
    remaining: int | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class Credit:
    """The account's money.

    Attributes:
        credit: the balance.
        frozen_credit: the part reserved for pending or scheduled work.
        available_credit: what can be spent now (``credit - frozen_credit``;
            computed when the answer leaves it out).
        raw: the decoded answer.
    """

    credit: float | None = None
    frozen_credit: float | None = None
    available_credit: float | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class SocialProfile:
    """A social profile connected in the dashboard (two documented shapes, D26).

    Attributes:
        platform: ``facebook``, ``instagram``, ``linkedin``, ``google``, ``tiktok``, ``whatsapp``.
        profile_id: the profile's id on that platform.
        name: the profile's display name.
        username: its handle.
        status: ``CONNECTED``, ``TOKEN_EXPIRED``... (``DISCONNECTED`` when the
            answer only has ``disconnected=true``).
        connected: ``False`` when it must be reconnected in the dashboard
            (``disconnected`` is the documented flag, its inverse).
        token_expires_at: when its token expires.
        connected_at: when it was connected.
        picture_url: its picture.
        raw: the decoded object.
    """

    platform: str | None = None
    profile_id: str | None = None
    name: str | None = None
    username: str | None = None
    status: str | None = None
    connected: bool | None = None
    token_expires_at: datetime | None = None
    connected_at: datetime | None = None
    picture_url: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def disconnected(self) -> bool | None:
        """The documented wire name ``disconnected``: as answered, else ``not connected``."""
        flag = self.raw.get("disconnected")
        if isinstance(flag, str) and flag.lower() in ("true", "false"):
            flag = flag.lower() == "true"
        if isinstance(flag, bool):
            return flag
        return None if self.connected is None else not self.connected


@attrs.frozen(kw_only=True)
class ApiKey:
    """An API key as listed: never its value.

    Attributes:
        id: the key's id (for ``delete``).
        name: its name.
        description: its description.
        username: the user it belongs to.
        operations: what it may do (``SMS``, ``RCS``, ``WHATSAPP``).
        traffic_type: the platform's traffic type.
        status: ``ACTIVE``...
        created_at: when it was made.
        raw: the decoded object.
    """

    id: int | str | None = None
    name: str | None = None
    description: str | None = None
    username: str | None = None
    operations: tuple[str, ...] = ()
    traffic_type: str | None = None
    status: str | None = None
    created_at: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class CreatedApiKey:
    """A new API key: the one time its value is shown.

    The value is kept as a ``Secret``: it shows as ``'***'`` in ``repr``,
    ``str``, logs and errors, exactly like the client's own key, and ``raw``
    holds the answer with the value masked. Read it once with ``reveal()``
    and store it somewhere safe; the platform never shows it again.

    Attributes:
        id: the key's id (for ``delete``).
        name: its name.
        description: its description.
        operations: what it may do.
        status: ``ACTIVE``...
        created_at: when it was made.
        key: the value, as a ``Secret`` (also ``api_key``, UC-014's name).
        raw: the decoded answer, the value masked.
    """

    id: int | str | None = None
    name: str | None = None
    description: str | None = None
    operations: tuple[str, ...] = ()
    status: str | None = None
    created_at: datetime | None = None
    key: Secret = attrs.field(repr=False, eq=False)
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def api_key(self) -> Secret:
        """``key`` under UC-014's documented wire name, ``apiKey``: the ``Secret``, still masked."""
        return self.key

    def reveal(self) -> str:
        """The key's value (the only way to read it: ``key`` and ``api_key`` stay masked)."""
        return self.key.reveal()


@attrs.frozen(kw_only=True)
class ExportJob:
    """An export job: a CSV the platform prepares in the background.

    Attributes:
        id: the job's id (``exportId``), or ``None`` when the platform's 202
            carried none (then find it with ``client.exports.list()``).
        status: ``PENDING``, ``COMPLETED``, ``EXPIRED`` or what the platform reports.
        is_available_for_download: whether ``download`` can fetch it now.
        download_url: the time-limited link (on ``get``), when ready.
        type: what it exports, when the answer says.
        created_at: when it was requested.
        expires_at: when the link expires, when the answer says.
        raw: the decoded answer.
    """

    id: int | str | None = None
    status: str | None = None
    is_available_for_download: bool = False
    download_url: str | None = attrs.field(default=None, repr=False)
    type: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def is_expired(self) -> bool:
        """The link's time ran out: ``regenerate`` prepares it again."""
        return (self.status or "").upper() == "EXPIRED"

    @property
    def is_failed(self) -> bool:
        """The platform gave up on it (``FAILED`` or ``ERROR``)."""
        return (self.status or "").upper() in ("FAILED", "ERROR")
