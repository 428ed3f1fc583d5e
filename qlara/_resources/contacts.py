"""``client.contacts``: the address book, its imports, and (``client.contacts.lists``) its lists.

Contacts count against the plan's quota (``client.account.contacts_quota()``);
once it is used up the platform refuses new ones. Imports match existing
contacts on the phone number and update them (the platform's CREATE_UPDATE
mode). A GET has no body, so ``extra_body`` entries on listings travel as
extra query parameters.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

import attrs

from qlara._blocking import SyncResource, blocking, blocking_iter, sync_child
from qlara._errors import ValidationError
from qlara._http import CallOptions, TimeoutTypes
from qlara._models.channel import Channel
from qlara._models.contacts import Contact, ContactImport
from qlara._pagination import AsyncPager
from qlara._request import Answer, Request, Route
from qlara._resources import _admin_args as _a
from qlara._resources._base import AsyncResource, call_options, check_limit, child
from qlara._resources._contact_lists import AsyncContactLists, ContactLists
from qlara._resources._contact_query import contact_body, contact_filters, file_name_of
from qlara._resources._contacts_wire import parse_contact, parse_import
from qlara._resources._created import Ack, reading_created
from qlara._resources._read import read_update
from qlara._upload import FileSource, upload

__all__ = ["AsyncContacts", "Contacts"]

CONTACTS = Route("/partner-gateway/v1/contacts")
SHEETS = (".csv", ".xls", ".xlsx")
VCARDS = (".vcf", ".vcard")


class AsyncContacts(AsyncResource):
    """Create, find, change, remove and import contacts; ``lists`` holds the contact lists."""

    lists = child(AsyncContactLists)

    async def create(
        self,
        *,
        phone_number: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        gender: str | None = None,
        is_test: bool | None = None,
        custom_fields: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Contact:
        """Add a contact (201); it needs a phone number (E.164) or an email.

        ``custom_fields`` go out as ``customFields`` (the field's wire name is
        undocumented; use ``extra_body`` for top-level fields).

        Returns:
            The contact as the platform answers it. The reference documents a
            bare 201: then it is the contact sent, with the id the ``Location``
            header names, or ``id=None`` when the answer names none (``raw``
            holds the answer's JSON, ``{}`` for none).

        Raises:
            ValidationError: neither phone nor email, or a malformed value.
            BadRequestError: the platform refused it (the quota is used up, for instance).
        """
        body = contact_body(
            phone_number=phone_number,
            email=email,
            first_name=first_name,
            last_name=last_name,
            gender=gender,
            is_test=is_test,
            custom_fields=custom_fields,
        )
        if "phoneNumber" not in body and "email" not in body:
            raise ValidationError("phone_number", "a contact needs a phone_number or an email")
        request: Request[Contact | Ack] = CONTACTS.request(
            "POST", json=body, read=reading_created(CONTACTS, parse_contact), what="contact"
        )
        made = await self._call(request, call_options(timeout, extra_headers, extra_body))
        if isinstance(made, Ack):
            return made.build(partial(parse_contact, require_id=False), body, extra_body)
        return made

    def list(
        self,
        *,
        list_ids: Iterable[int | str] | None = None,
        not_list_ids: Iterable[int | str] | None = None,
        search: str | None = None,
        gender: str | None = None,
        is_valid: bool | None = None,
        communication_supported: Channel | str | Iterable[Channel | str] | None = None,
        is_test: bool | None = None,
        phone_number: str | None = None,
        email: str | None = None,
        sort_priority_list_id: int | str | None = None,
        sort_by: str | None = None,
        sort_order: str | None = None,
        limit: int = 100,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> AsyncPager[Contact]:
        """Every matching contact, fetched ``limit`` (at most 1000) at a time.

        Args:
            list_ids: only contacts in these lists; ``not_list_ids``: not in these.
            search: matched against names, number and email.
            communication_supported: a channel or several (SMS, RCS, WHATSAPP).
            sort_order: ``"asc"`` or ``"desc"``.
        """
        query = contact_filters(
            list_ids=list_ids,
            not_list_ids=not_list_ids,
            search=search,
            gender=gender,
            is_valid=is_valid,
            communication_supported=communication_supported,
            is_test=is_test,
            phone_number=phone_number,
            email=email,
            sort_priority_list_id=sort_priority_list_id,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        return self._paged(
            CONTACTS,
            item=parse_contact,
            query=query,
            limit=limit,
            options=call_options(timeout, extra_headers, extra_body),
            what="contact page",
        )

    async def get(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Contact:
        """One contact. Raises ``NotFoundError`` when there is none with that id."""
        request = CONTACTS.request(
            "GET",
            "{id}",
            id=_a.one_id("id", id),
            parse=parse_contact,
            what="contact",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def update(
        self,
        id: int | str,  # noqa: A002 - the public contract's name (design §10)
        *,
        phone_number: str | None = None,
        email: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        gender: str | None = None,
        is_test: bool | None = None,
        custom_fields: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Contact:
        """Change some fields of a contact (a partial PUT: only the fields given are sent).

        Raises:
            ValidationError: no field given (and no ``extra_body``), or a malformed value.
            NotFoundError: no such contact.
        """
        identifier = _a.one_id("id", id)
        body = contact_body(
            phone_number=phone_number,
            email=email,
            first_name=first_name,
            last_name=last_name,
            gender=gender,
            is_test=is_test,
            custom_fields=custom_fields,
        )
        if not body and not extra_body:
            raise ValidationError("id", "nothing to update: give at least one field")
        request = CONTACTS.request(
            "PUT",
            "{id}",
            id=identifier,
            json=body,
            parse=lambda data: read_update(parse_contact, data, body, identifier),
            what="contact",
        )
        return await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def delete(
        self,
        ids: Iterable[int | str] | None = None,
        all_except: Iterable[int | str] | None = None,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete the contacts ``ids``, or every contact except ``all_except``.

        Exactly one of the two: deleting everything must be spelled
        ``all_except=[]`` (sent as ``?notIds=`` with an empty value), so that no
        slip (``ids=[]``, ``ids=None``) empties the address book.

        Raises:
            ValidationError: both or neither given, ``ids`` empty, or a malformed id.
        """
        if (ids is None) == (all_except is None):
            raise ValidationError(
                "ids",
                "give exactly one of ids=[...] or all_except=[...] "
                "(all_except=[] deletes every contact)",
            )
        request: Request[None] = CONTACTS.request("DELETE", answer=Answer.NOTHING)
        if ids is not None:
            query = (("ids", ",".join(str(i) for i in _a.id_list("ids", ids))),)
        else:
            kept = _a.id_list("all_except", all_except, allow_empty=True)
            query = (("notIds", ",".join(str(i) for i in kept)),)
        request = attrs.evolve(request, query=query)
        await self._call(request, call_options(timeout, extra_headers, extra_body))

    async def upload(
        self,
        file: FileSource,
        list_id: int | str | None = None,
        *,
        remove_head: bool | None = None,
        limit: int | None = None,
        file_name: str | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ContactImport:
        """Import contacts from a CSV, XLS or XLSX file (multipart, streamed).

        Columns are mapped by their header (firstName, lastName, phoneNumber,
        email); an existing contact with the same phone number is updated.

        Args:
            file: a path, bytes or a binary file object.
            list_id: also add the contacts to this list.
            remove_head: the first row is a header, not a contact.
            limit: how many rows the answer previews (the platform's default is 10).
            file_name: the name sent (default: the path's name, or ``contacts.csv``
                for bytes); it must end in .csv, .xls or .xlsx.
        """
        return await self._import(
            file,
            file_name=file_name,
            allowed=SHEETS,
            template="upload",
            fields={
                "removeHead": _a.flag("remove_head", remove_head),
                "limit": None if limit is None else check_limit(limit, maximum=10_000),
                "listId": None if list_id is None else _a.one_id("list_id", list_id),
            },
            options=call_options(timeout, extra_headers, extra_body),
        )

    async def upload_vcard(
        self,
        file: FileSource,
        list_id: int | str | None = None,
        *,
        duplicate_strategy: str | None = None,
        tags: Iterable[str] | None = None,
        limit: int | None = None,
        file_name: str | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> ContactImport:
        """Import contacts from a vCard file (.vcf, vCard 3.0 or 4.0).

        Args:
            duplicate_strategy: what to do with a contact that exists already
                (``"SKIP"`` is documented; the value is sent upper-cased).
            tags: tags given to every imported contact (sent comma-separated).

        Returns:
            The import summary: counts, refused cards, the list they went to.
        """
        strategy = _a.text("duplicate_strategy", duplicate_strategy)
        tag_list = None
        if tags is not None:
            if isinstance(tags, str):
                raise ValidationError("tags", "must be a list of tags, not a single string")
            tag_list = [_a.text("tags", tag, required=True) for tag in tags]
        return await self._import(
            file,
            file_name=file_name,
            allowed=VCARDS,
            template="upload/vcard",
            fields={
                "listId": None if list_id is None else _a.one_id("list_id", list_id),
                "limit": None if limit is None else check_limit(limit, maximum=10_000),
                "duplicateStrategy": None if strategy is None else strategy.upper(),
                "tags": tag_list,
            },
            options=call_options(timeout, extra_headers, extra_body),
        )

    async def _import(
        self,
        file: FileSource,
        *,
        file_name: str | None,
        allowed: tuple[str, ...],
        template: str,
        fields: Mapping[str, object],
        options: CallOptions,
    ) -> ContactImport:
        part = upload(file, filename=_a.text("file_name", file_name))
        name = file_name_of(file_name, part.filename, allowed, "file_name" if file_name else "file")
        request = CONTACTS.request(
            "POST",
            template,
            form={"fileName": os.path.basename(name), **fields},
            files=[attrs.evolve(part, filename=os.path.basename(name))],
            parse=parse_import,
            what="import",
        )
        return await self._call(request, options)


class Contacts(SyncResource):
    """Blocking ``client.contacts``."""

    lists = sync_child(ContactLists)
    create = blocking(AsyncContacts.create)
    list = blocking_iter(AsyncContacts.list)
    get = blocking(AsyncContacts.get)
    update = blocking(AsyncContacts.update)
    delete = blocking(AsyncContacts.delete)
    upload = blocking(AsyncContacts.upload)
    upload_vcard = blocking(AsyncContacts.upload_vcard)
