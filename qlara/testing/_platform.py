"""The simulator's account state: contacts, lists, campaigns, exports, credit, keys.

Plain data plus the few helpers every handler shares (reading a JSON body,
answering a page). The handlers live in ``_contacts``, ``_campaigns``,
``_exports`` and ``_account``; ``Simulator`` holds one ``PlatformState`` as
``sim.platform`` (``reset()`` makes a fresh one), so a test can set the
credit, the quota, the prices or the export delay before it runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from qlara._models import Channel
from qlara.testing._wire import SimRequest, SimResponse, error_response

__all__ = ["BadRequestError", "PlatformState", "handled", "json_body", "page_of"]

H = TypeVar("H", bound=Callable[..., SimResponse])

DEFAULT_PRICES: Mapping[str, float] = {"SMS": 0.05, "RCS": 0.07, "WHATSAPP": 0.09}


class BadRequestError(Exception):
    """A request the platform would answer 400 (or ``status``) to; handlers turn it into one."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def response(self, request: SimRequest) -> SimResponse:
        return error_response(self.status, self.message, request.path)


@attrs.define(kw_only=True)
class PlatformState:
    """Everything the account endpoints remember.

    Attributes:
        credit: the balance; sends and confirmed campaigns spend it.
        frozen_credit: reserved by confirmed campaigns still scheduled.
        prices: the price of one message (one SMS part) per channel.
        plan_limit: contacts the plan allows; ``extra_limit`` on top.
        export_delay: seconds of the simulator's clock before an export is ready.
        export_ttl: seconds its download link then lives before the job is EXPIRED.
        download_base: the scheme and host of download links (default: the
            host the request came to, so links work through any adapter).
        subscription: the plan answered by ``/subscription``; ``None`` answers 404.
        socials: the connected social profiles.
    """

    credit: float = 100_000.0
    frozen_credit: float = 0.0
    prices: dict[str, float] = attrs.field(factory=lambda: dict(DEFAULT_PRICES))
    plan_limit: int = 1000
    extra_limit: int = 0
    export_delay: float = 5.0
    export_ttl: float = 3600.0
    download_base: str | None = None
    subscription: dict[str, Any] | None = attrs.field(
        factory=lambda: {
            "subscriptionId": "sub-sim-1",
            "plan": "PRO_MONTHLY",
            "status": "ACTIVE",
            "autoRenew": True,
            "canceled": False,
            "features": {"sms": True, "rcs": True, "whatsapp": True},
        }
    )
    socials: list[dict[str, Any]] = attrs.field(
        factory=lambda: [
            {
                "platform": "facebook",
                "profileId": "fb-1001",
                "name": "Sim Shop",
                "status": "CONNECTED",
            },
            {
                "platform": "instagram",
                "profileId": "ig-2002",
                "name": "simshop",
                "status": "TOKEN_EXPIRED",
            },
        ]
    )
    contacts: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    lists: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    members: dict[int, set[int]] = attrs.field(factory=dict)
    associations: list[tuple[int, int, int]] = attrs.field(factory=list)
    imports: list[dict[str, Any]] = attrs.field(factory=list)
    campaigns: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    jobs: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    keys: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    ids: Any = attrs.field(factory=lambda: itertools.count(1))

    @property
    def available_credit(self) -> float:
        return round(self.credit - self.frozen_credit, 6)

    @property
    def contact_limit(self) -> int:
        return self.plan_limit + self.extra_limit

    def next_id(self) -> int:
        return int(next(self.ids))

    def price_of(self, channel: Channel | str, parts: int = 1) -> float:
        name = channel.value if isinstance(channel, Channel) else channel
        return round(self.prices.get(name, self.prices["SMS"]) * max(parts, 1), 6)

    def spend(self, amount: float) -> None:
        """Take ``amount`` from the balance, or ``BadRequestError`` when too little is available."""
        if amount > self.available_credit + 1e-9:
            raise BadRequestError(
                f"Insufficient credit: {amount:.4f} needed, {self.available_credit:.4f} available"
            )
        self.credit = round(self.credit - amount, 6)


def json_body(request: SimRequest) -> dict[str, Any]:
    """The request's JSON object, or ``BadRequestError``."""
    try:
        data = request.json()
    except ValueError:
        raise BadRequestError("Malformed JSON request body") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadRequestError("body: must be a JSON object")
    return data


def integer(params: Mapping[str, str], name: str, default: int, maximum: int | None = None) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequestError(f"{name}: must be an integer, got {value!r}") from None
    if number < 0 or (maximum is not None and number > maximum):
        raise BadRequestError(f"{name}: must be from 0 to {maximum}, got {number}")
    return number


def flag(params: Mapping[str, str], name: str) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise BadRequestError(f"{name}: must be true or false, got {value!r}")
    return value == "true"


def id_set(params: Mapping[str, str], name: str) -> set[int] | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return {int(item) for item in value.split(",") if item}
    except ValueError:
        raise BadRequestError(f"{name}: must be comma-separated integer ids") from None


def page_of(
    items: Sequence[Any],
    params: Mapping[str, str],
    render: Callable[[Any], Any],
    *,
    default_limit: int = 10,
    max_limit: int = 1000,
) -> dict[str, Any]:
    """A Spring-style page (``content``, ``totalElements``, ``last``) of ``items``."""
    page = integer(params, "page", 0)
    limit = integer(params, "limit", default_limit, max_limit)
    if limit == 0:
        raise BadRequestError("limit: must be at least 1")
    chunk = items[page * limit : (page + 1) * limit]
    total = len(items)
    return {
        "content": [render(item) for item in chunk],
        "page": page,
        "size": limit,
        "totalElements": total,
        "totalPages": (total + limit - 1) // limit,
        "last": (page + 1) * limit >= total,
    }


def handled(handler: H) -> H:
    """A handler whose ``BadRequestError`` becomes the error answer it describes."""

    def run(sim: Any, request: SimRequest, *args: Any) -> SimResponse:
        try:
            return handler(sim, request, *args)
        except BadRequestError as exc:
            return exc.response(request)

    return run  # type: ignore[return-value]
