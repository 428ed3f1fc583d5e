"""``client.campaigns``: sends to contact lists (or explicit numbers), from draft to report.

The lifecycle, as the platform runs it:

1. ``create(...)`` makes a draft (status ``DRAFT``, 0).
2. ``update(id, ...)`` changes it while it is a draft or scheduled (0 or 1).
3. ``calculate_goal(id)`` counts the recipients and the cost; the platform
   refuses to confirm a campaign whose cost was not calculated.
4. ``price(id)`` reads that cost.
5. ``confirm(id)`` spends it, irreversibly (202): the campaign is scheduled
   (1) or sending (2), then completed (3) or failed (4). The platform refuses
   it (400) when ``readyToSend`` is false, a field is missing or the credit is
   too low.

``launch(id, max_price=...)`` runs 3-5 and confirms only within the price cap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import NotFoundError, ValidationError
from qlara._http import TimeoutTypes
from qlara._models.campaigns import (
    Campaign,
    CampaignGoal,
    CampaignPrice,
    CampaignStats,
    SendingMode,
)
from qlara._pagination import AsyncPager
from qlara._request import Answer, Request, Route
from qlara._resources import _admin_args as _a
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._campaign_body import campaign_body, modes, price_cap, required_day
from qlara._resources._campaigns_wire import (
    parse_campaign,
    parse_goal,
    parse_price,
    parse_stats,
    stats_envelope,
)
from qlara._resources._created import Ack, reading_created
from qlara._resources._read import read_update

__all__ = ["AsyncCampaigns", "Campaigns"]

CAMPAIGNS = Route("/partner-gateway/v1/campaigns")
AGGREGATES = ("hour", "day", "week", "month")


def _shown(amount: float) -> str:
    """An amount in full (``:g`` would show 1234.567 as 1234.57): 12, 12.75, 1234.567."""
    return str(int(amount)) if amount.is_integer() else repr(amount)


class AsyncCampaigns(AsyncResource):
    """Create, price, confirm and follow campaigns (the lifecycle is in the module docstring)."""

    def list(
        self,
        *,
        is_draft: bool | None = None,
        is_programmed: bool | None = None,
        sending_mode: SendingMode | str | Iterable[SendingMode | str] | None = None,
        search: str | None = None,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        ready_to_send: bool | None = None,
        direction: str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[Campaign]:
        """Every matching campaign, a page at a time.

        Args:
            is_programmed: scheduled campaigns only.
            sending_mode: one mode or several (sent comma-separated).
            search: matched against name and description, ignoring case.
            start_date: a ``date`` (or ``"yyyy-MM-dd"``); likewise ``end_date``.
            direction: ``"ASC"`` or ``"DESC"``.
        """
        query = {
            "isDraft": _a.flag("is_draft", is_draft),
            "isProgrammed": _a.flag("is_programmed", is_programmed),
            "sendingMode": modes(sending_mode),
            "search": _a.text("search", search),
            "startDate": _a.day("start_date", start_date),
            "endDate": _a.day("end_date", end_date),
            "readyToSend": _a.flag("ready_to_send", ready_to_send),
            "direction": _a.direction("direction", direction),
        }
        return self._paged(
            CAMPAIGNS,
            item=parse_campaign,
            query=query,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="campaign page",
        )

    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        sending_mode: SendingMode | str | None = None,
        ready_to_send: bool | None = None,
        sms_sender: str | None = None,
        sms_body: str | None = None,
        rcs_agent_id: int | str | None = None,
        rcs_template_id: int | str | None = None,
        whatsapp_phone_number_id: int | str | None = None,
        whatsapp_template_id: int | str | None = None,
        contact_list_ids: Iterable[int | str] | None = None,
        destinations: Iterable[str] | None = None,
        scheduled_date: datetime | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Campaign:
        """Make a draft campaign.

        Recipients are ``contact_list_ids`` (sent with ``destinationType`` 1)
        or ``destinations``, E.164 numbers (``destinationType`` 2); the SDK
        sets ``destinationType`` for you. ``scheduled_date`` must be
        timezone-aware; leave it out to send on confirmation.

        Returns:
            The draft as the platform answers it; an answer without it (an
            empty 201, ``{}``) gives the campaign sent, with the id the
            ``Location`` header names, or ``id=None``.

        Raises:
            ValidationError: no name, both kinds of recipients, an unknown
                sending mode, a malformed number or a naive date.
        """
        body = campaign_body(
            name=name,
            description=description,
            sending_mode=sending_mode,
            ready_to_send=ready_to_send,
            sms_sender=sms_sender,
            sms_body=sms_body,
            rcs_agent_id=rcs_agent_id,
            rcs_template_id=rcs_template_id,
            whatsapp_phone_number_id=whatsapp_phone_number_id,
            whatsapp_template_id=whatsapp_template_id,
            contact_list_ids=contact_list_ids,
            destinations=destinations,
            scheduled_date=scheduled_date,
            name_required=True,
        )
        request: Request[Campaign | Ack] = CAMPAIGNS.request(
            "POST", json=body, read=reading_created(CAMPAIGNS, parse_campaign), what="campaign"
        )
        made = await self._call(request, call_options(timeout, extra_headers, extra_body))
        if isinstance(made, Ack):
            return made.build(partial(parse_campaign, require_id=False), body, extra_body)
        return made

    async def get(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Campaign:
        """One campaign, with its status and totals. Raises ``NotFoundError`` when missing."""
        request = CAMPAIGNS.request(
            "GET",
            "{id}",
            id=_a.one_id("id", id),
            parse=parse_campaign,
            what="campaign",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def update(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        name: str | None = None,
        description: str | None = None,
        sending_mode: SendingMode | str | None = None,
        ready_to_send: bool | None = None,
        sms_sender: str | None = None,
        sms_body: str | None = None,
        rcs_agent_id: int | str | None = None,
        rcs_template_id: int | str | None = None,
        whatsapp_phone_number_id: int | str | None = None,
        whatsapp_template_id: int | str | None = None,
        contact_list_ids: Iterable[int | str] | None = None,
        destinations: Iterable[str] | None = None,
        scheduled_date: datetime | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Campaign:
        """Change a draft or scheduled campaign (only the fields given are sent).

        A change after ``calculate_goal`` may change the cost: calculate again.

        Raises:
            ValidationError: nothing to change, or a field as ``create`` refuses it.
            NotFoundError: no such campaign; BadRequestError: it is past scheduled.
        """
        identifier = _a.one_id("id", id)
        body = campaign_body(
            name=name,
            description=description,
            sending_mode=sending_mode,
            ready_to_send=ready_to_send,
            sms_sender=sms_sender,
            sms_body=sms_body,
            rcs_agent_id=rcs_agent_id,
            rcs_template_id=rcs_template_id,
            whatsapp_phone_number_id=whatsapp_phone_number_id,
            whatsapp_template_id=whatsapp_template_id,
            contact_list_ids=contact_list_ids,
            destinations=destinations,
            scheduled_date=scheduled_date,
            name_required=False,
        )
        if not body and not extra_body:
            raise ValidationError("id", "nothing to update: give at least one field")
        request = CAMPAIGNS.request(
            "PUT",
            "{id}",
            id=identifier,
            json=body,
            parse=lambda data: read_update(parse_campaign, data, body, identifier),
            what="campaign",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def delete(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete a draft or scheduled campaign (204).

        Raises:
            NotFoundError: no such campaign, or it is sending or done (the
                platform answers 404 for both; the message says so).
            ConflictError: the platform refused it as conflicting.
        """
        identifier = _a.one_id("id", id)
        request: Request[None] = CAMPAIGNS.request(
            "DELETE", "{id}", id=identifier, answer=Answer.NOTHING
        )
        try:
            await self._call(request, call_options(timeout, extra_headers, extra_body))
        except NotFoundError as exc:
            raise NotFoundError(
                f"campaign {identifier} does not exist or can no longer be deleted (only "
                f"drafts and scheduled campaigns can): {exc.message or 'not found'}",
                status_code=exc.status_code,
                body=exc.body,
                headers=exc.headers,
            ) from exc

    async def calculate_goal(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> CampaignGoal:
        """Count the recipients and compute the cost; required before ``confirm``.

        The request has no body (its fields are undocumented; ``extra_body``
        sends one, e.g. the older ``{"goalContactCount": n}``).
        """
        request = CAMPAIGNS.request(
            "POST",
            "{id}/calculateGoal",
            id=_a.one_id("id", id),
            parse=parse_goal,
            what="goal",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def price(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> CampaignPrice:
        """The campaign's price (after ``calculate_goal``).

        The answer's shape is undocumented: a bare number or an object with
        ``price``, ``totalPrice``, ``estimatedCost``, ``cost`` or ``amount``
        is read; otherwise ``amount`` is ``None`` and ``raw`` has it all.
        """
        request = CAMPAIGNS.request(
            "GET",
            "{id}/price",
            id=_a.one_id("id", id),
            parse=parse_price,
            what="price",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def confirm(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Confirm the campaign (202): final and irreversible, it spends the credit.

        Prefer ``launch(id, max_price=...)``, which checks the price first.

        Raises:
            BadRequestError: ``readyToSend`` is false, a field is missing, the
                cost was not calculated, or the credit is too low.
        """
        request: Request[None] = CAMPAIGNS.request(
            "PUT", "{id}/confirm", id=_a.one_id("id", id), answer=Answer.NOTHING
        )
        await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def launch(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        max_price: float | None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> CampaignPrice:
        """Calculate the goal, read the price, and confirm only if it is at most ``max_price``.

        Confirmation spends money and cannot be undone, so this is the call to
        use: the price guard runs before the one request that spends.
        ``extra_body`` goes with the ``calculateGoal`` request.

        Returns:
            The price the campaign was confirmed at.

        Raises:
            ValidationError: the price is above ``max_price`` (the message names
                both), or ``max_price`` was given and no price can be read from
                the platform's answers; nothing was confirmed in either case.
            BadRequestError: the platform refused the confirmation.
        """
        identifier = _a.one_id("id", id)
        cap = price_cap(max_price)
        goal = await self.calculate_goal(
            identifier, timeout=timeout, extra_headers=extra_headers, extra_body=extra_body
        )
        price = await self.price(identifier, timeout=timeout, extra_headers=extra_headers)
        amount = price.amount
        if amount is None and not price.raw:  # the price answered nothing: the goal's estimate
            amount = goal.estimated_cost
        if cap is not None:
            currency = price.currency or goal.currency or ""
            if amount is None:
                raise ValidationError(
                    "max_price",
                    f"campaign {identifier} was not confirmed: its price cannot be read from the "
                    f"platform's answer ({dict(price.raw)!r:.200})",
                )
            if amount > cap:
                raise ValidationError(
                    "max_price",
                    f"campaign {identifier} costs {_shown(amount)}"
                    f"{' ' + currency if currency else ''}, above max_price {_shown(cap)}; "
                    "it was not confirmed",
                )
        await self.confirm(identifier, timeout=timeout, extra_headers=extra_headers)
        if price.amount is None and amount is not None:
            return CampaignPrice(
                amount=amount, currency=price.currency or goal.currency, raw=price.raw
            )
        return price

    def stats(
        self,
        *,
        start_date: date | str,
        end_date: date | str,
        aggregate_on: str | None = None,
        sending_mode: SendingMode | str | Iterable[SendingMode | str] | None = None,
        is_draft: bool | None = None,
        direction: str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[CampaignStats]:
        """Statistics over every campaign, one row per ``aggregate_on`` bucket.

        Args:
            start_date: the first day (a ``date`` or ``"yyyy-MM-dd"``), required.
            end_date: the last day, required.
            aggregate_on: ``"hour"``, ``"day"``, ``"week"`` or ``"month"``.

        The reference documents only the aggregate (D20); a per-campaign view is
        the campaign itself (``get(id)``: ``total_success``, ``total_failed``).
        """
        if aggregate_on is not None and (
            not isinstance(aggregate_on, str) or aggregate_on.lower() not in AGGREGATES
        ):
            raise ValidationError(
                "aggregate_on", f"must be one of {', '.join(AGGREGATES)}, got {aggregate_on!r}"
            )
        query = {
            "aggregateOn": None if aggregate_on is None else aggregate_on.lower(),
            "startDate": required_day("start_date", start_date),
            "endDate": required_day("end_date", end_date),
            "sendingMode": modes(sending_mode),
            "isDraft": _a.flag("is_draft", is_draft),
            "direction": _a.direction("direction", direction),
        }
        return self._paged(
            CAMPAIGNS,
            "stats",
            item=parse_stats,
            query=query,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="campaign stats page",
            envelope=stats_envelope,
        )


class Campaigns(SyncResource):
    """Blocking ``client.campaigns``."""

    list = blocking_iter(AsyncCampaigns.list)
    create = blocking(AsyncCampaigns.create)
    get = blocking(AsyncCampaigns.get)
    update = blocking(AsyncCampaigns.update)
    delete = blocking(AsyncCampaigns.delete)
    calculate_goal = blocking(AsyncCampaigns.calculate_goal)
    price = blocking(AsyncCampaigns.price)
    confirm = blocking(AsyncCampaigns.confirm)
    launch = blocking(AsyncCampaigns.launch)
    stats = blocking_iter(AsyncCampaigns.stats)
