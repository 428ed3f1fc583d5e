"""Contacts, contact lists and the summaries of file imports, as read from the platform."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = ["Contact", "ContactImport", "ContactList", "ImportProblem", "ImportSummary"]

Raw = Mapping[str, Any]


@attrs.frozen(kw_only=True)
class Contact:
    """One contact of the address book.

    Attributes:
        id: the platform's id (use it with ``get``, ``update``, ``delete`` and lists);
            ``None`` only on a ``create`` whose answer gave none (no body, no ``Location``).
        phone_number: the E.164 number, when it has one.
        email: the address, when it has one.
        first_name: given name.
        last_name: family name.
        gender: as the platform spells it (its values are undocumented).
        is_valid: whether the platform considers the contact reachable.
        is_test: a test contact (test lists hold these).
        communication_supported: the channels it can be reached on (SMS, RCS, WHATSAPP).
        list_ids: the lists it belongs to, when the answer says.
        tags: its tags (vCard imports can set them).
        created_at: when it was created, when the answer says.
        raw: the decoded object, custom fields included.
    """

    id: int | str | None
    phone_number: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    gender: str | None = None
    is_valid: bool | None = None
    is_test: bool | None = None
    communication_supported: tuple[str, ...] = ()
    list_ids: tuple[int | str, ...] = ()
    tags: tuple[str, ...] = ()
    created_at: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class ContactList:
    """A named list of contacts, the recipients of a campaign.

    Attributes:
        id: the list's id; ``None`` only on a ``create`` whose answer gave none.
        name: its name.
        description: its description.
        contact_count: how many contacts it holds, when the answer says.
        is_test: a test list.
        created_at: when it was created.
        raw: the decoded object.
    """

    id: int | str | None
    name: str | None = None
    description: str | None = None
    contact_count: int | None = None
    is_test: bool | None = None
    created_at: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class ImportSummary:
    """What an import did, row by row counted.

    Attributes:
        total: rows (or vCards) read.
        imported: contacts created or updated.
        duplicates: rows matching an existing contact (or another row).
        errors: rows refused.
        skipped: rows left out (duplicates under the ``SKIP`` strategy, for instance).
        raw: the object the counts were read from, as the platform sent it.
    """

    total: int | None = None
    imported: int | None = None
    duplicates: int | None = None
    errors: int | None = None
    skipped: int | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class ImportProblem:
    """One refused row of an import.

    Attributes:
        line: the row or vCard number, when given.
        name: the contact's name as read, when given.
        reason: why it was refused.
        raw: the decoded object.
    """

    line: int | None = None
    name: str | None = None
    reason: str | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)


@attrs.frozen(kw_only=True)
class ContactImport:
    """The answer to a CSV/XLS/XLSX or vCard upload.

    Attributes:
        import_id: the import's id, when the platform gives one.
        list_id: the list the contacts were added to.
        status: ``"COMPLETED"`` or what the platform reports.
        summary: the counts (``ImportSummary``).
        errors: the refused rows.
        preview: the first rows as the platform read them (the upload's ``limit``).
        completed_at: when the import finished.
        raw: the decoded answer.
    """

    import_id: int | str | None = None
    list_id: int | str | None = None
    status: str | None = None
    summary: ImportSummary = attrs.field(factory=ImportSummary)
    errors: tuple[ImportProblem, ...] = ()
    preview: tuple[Mapping[str, Any], ...] = ()
    completed_at: datetime | None = None
    raw: Raw = attrs.field(factory=dict, repr=False, eq=False)
