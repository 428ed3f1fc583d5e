"""``client.whatsapp.phone_numbers``: the account's WhatsApp sender numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._http import TimeoutTypes
from qlara._models.templates import PhoneNumber
from qlara._pagination import AsyncPager
from qlara._request import Route
from qlara._resources._base import AsyncResource, call_options
from qlara._resources._channel_wire import parse_phone_number, unwrap
from qlara._resources._ids import check_id

PHONE_NUMBERS = Route("/message-server/whatsapp/phone-numbers")


def check_phone_number_id(value: object, field: str = "phone_number_id") -> int | str:
    """An integer or a non-blank string: the doc sets disagree on the type (D7)."""
    return check_id(field, value)


def _parse_one(data: Any) -> PhoneNumber:
    """The number, bare or wrapped (``{"data": {...}}``, ``{"phoneNumbers": [one]}``)."""
    return parse_phone_number(unwrap(data, "data", "phoneNumber", "phoneNumbers"))


class AsyncPhoneNumbers(AsyncResource):
    """The WhatsApp Business sender numbers; an item's ``id`` is a send's ``phone_number_id``."""

    def list(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[PhoneNumber]:
        """Every sender number, a page at a time (``{"phoneNumbers": [...]}`` pages).

        ``extra_body`` entries travel as query parameters.
        """
        return self._paged(
            PHONE_NUMBERS,
            item=parse_phone_number,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="phone numbers page",
        )

    async def get(
        self,
        phone_number_id: int | str,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> PhoneNumber:
        """One sender number by its id.

        Raises:
            NotFoundError: the account has no such number.
        """
        request = PHONE_NUMBERS.request(
            "GET",
            "{id}",
            id=check_phone_number_id(phone_number_id),
            parse=lambda data: parse_phone_number(
                unwrap(data, "data", "phoneNumber", "phoneNumbers")
            ),
            what="phone number",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))


class PhoneNumbers(SyncResource):
    """Blocking ``client.whatsapp.phone_numbers``."""

    list = blocking_iter(AsyncPhoneNumbers.list)
    get = blocking(AsyncPhoneNumbers.get)
