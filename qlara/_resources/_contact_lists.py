"""``client.contacts.lists``: named lists of contacts, the recipients of campaigns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from qlara._blocking import SyncResource, blocking, blocking_iter
from qlara._errors import ValidationError
from qlara._http import TimeoutTypes
from qlara._models.channel import Channel
from qlara._models.contacts import Contact, ContactList
from qlara._pagination import AsyncPager
from qlara._request import Request, Route
from qlara._resources import _admin_args as _a
from qlara._resources._base import AsyncResource, call_options, present
from qlara._resources._contact_query import contact_filters
from qlara._resources._contacts_wire import parse_associations, parse_contact, parse_list
from qlara._resources._created import Ack, reading_created

__all__ = ["AsyncContactLists", "ContactLists"]

LISTS = Route("/partner-gateway/v1/contacts/list")
Ids = list[int | str]  # a module-level name: inside the classes, `list` is a method


class AsyncContactLists(AsyncResource):
    """Create and read contact lists, and put contacts in them."""

    async def create(
        self,
        name: str,
        description: str | None = None,
        is_test: bool | None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ContactList:
        """Make a list (201). ``is_test`` marks a list of test contacts.

        Returns:
            The list as the platform answers it (UC-007's ``{id, name, ...}``);
            an answer without it gives the list sent, with the id the
            ``Location`` header names, or ``id=None``.
        """
        body = {
            "name": _a.text("name", name, required=True),
            "description": _a.text("description", description),
            "isTest": _a.flag("is_test", is_test),
        }
        sent = present(body)
        request: Request[ContactList | Ack] = LISTS.request(
            "POST", json=sent, read=reading_created(LISTS, parse_list), what="contact list"
        )
        made = await self._call(request, call_options(timeout, extra_headers, extra_body))
        if isinstance(made, Ack):
            return made.build(partial(parse_list, require_id=False), sent, extra_body)
        return made

    def list(
        self,
        *,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[ContactList]:
        """Every contact list (its filters are undocumented: pass them in ``extra_body``)."""
        return self._paged(
            LISTS,
            item=parse_list,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="contact list page",
        )

    def contacts(
        self,
        list_id: int | str,
        *,
        last_contact_type: str | None = None,
        last_campaign_type: str | None = None,
        not_list_ids: Iterable[int | str] | None = None,
        search: str | None = None,
        gender: str | None = None,
        is_valid: bool | None = None,
        communication_supported: Channel | str | Iterable[Channel | str] | None = None,
        is_test: bool | None = None,
        phone_number: str | None = None,
        email: str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[Contact]:
        """The contacts of one list, ``limit`` (at most 1000) at a time.

        Takes the filters of ``client.contacts.list`` plus ``last_contact_type``
        and ``last_campaign_type``; the platform sorts by ``fullName`` by default.

        Raises:
            NotFoundError: no such list (on the first page).
        """
        query = contact_filters(
            list_ids=None,
            not_list_ids=not_list_ids,
            search=search,
            gender=gender,
            is_valid=is_valid,
            communication_supported=communication_supported,
            is_test=is_test,
            phone_number=phone_number,
            email=email,
            sort_priority_list_id=None,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        query["lastContactType"] = _a.text("last_contact_type", last_contact_type)
        query["lastCampaignType"] = _a.text("last_campaign_type", last_campaign_type)
        return self._paged(
            LISTS,
            "{id}/contacts",
            id=_a.one_id("list_id", list_id),
            item=parse_contact,
            query=query,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="contact page",
        )

    async def add(
        self,
        list_ids: Iterable[int | str],
        contact_ids: Iterable[int | str] | None = None,
        all_contacts: bool = False,
        exclude_ids: Iterable[int | str] | None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Ids:
        """Put contacts into lists: ``contact_ids``, or ``all_contacts=True`` minus ``exclude_ids``.

        Returns:
            The ids of the associations made, as the platform lists them (empty
            when its answer has none).

        Raises:
            ValidationError: ``list_ids`` empty; neither or both of ``contact_ids``
                and ``all_contacts``; ``exclude_ids`` without ``all_contacts``.
        """
        lists = _a.id_list("list_ids", list_ids)
        if _a.flag("all_contacts", all_contacts):
            if contact_ids is not None:
                raise ValidationError(
                    "contact_ids", "give contact_ids or all_contacts=True, not both"
                )
            body: dict[str, Any] = {"listIds": lists, "allContacts": True}
            if exclude_ids is not None:
                body["excludeIdsAllContacts"] = _a.id_list(
                    "exclude_ids", exclude_ids, allow_empty=True
                )
        else:
            if contact_ids is None:
                raise ValidationError("contact_ids", "give contact_ids=[...] or all_contacts=True")
            if exclude_ids is not None:
                raise ValidationError("exclude_ids", "only applies with all_contacts=True")
            body = {"listIds": lists, "contactIds": _a.id_list("contact_ids", contact_ids)}
        request = LISTS.request(
            "POST", "contacts", json=body, parse=parse_associations, what="association"
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))


class ContactLists(SyncResource):
    """Blocking ``client.contacts.lists``."""

    create = blocking(AsyncContactLists.create)
    list = blocking_iter(AsyncContactLists.list)
    contacts = blocking_iter(AsyncContactLists.contacts)
    add = blocking(AsyncContactLists.add)
