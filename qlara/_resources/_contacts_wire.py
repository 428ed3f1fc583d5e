"""Reading contacts, lists and import summaries (pure functions over decoded JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlara._errors import MalformedResponseError
from qlara._models.contacts import (
    Contact,
    ContactImport,
    ContactList,
    ImportProblem,
    ImportSummary,
)
from qlara._resources._read import Fields, ident, obj, unwrap

__all__ = ["parse_associations", "parse_contact", "parse_import", "parse_list"]


def _id(fields: Fields, what: str, required: bool) -> int | str | None:
    found = fields.ident("id", f"{what}Id")
    if found is None and required:
        raise MalformedResponseError(f"malformed {what} answer: no id @ $.id")
    return found


def parse_contact(data: Any, *, require_id: bool = True) -> Contact:
    """A contact object (also inside ``{"data": {...}}``); ``require_id=False`` for a
    contact built from what a create sent (its answer gave no id)."""
    fields = Fields(obj(unwrap(data, "contact"), "contact"))
    return Contact(
        id=_id(fields, "contact", require_id),
        phone_number=fields.text("phoneNumber", "phone", "mobile"),
        email=fields.text("email"),
        first_name=fields.text("firstName"),
        last_name=fields.text("lastName"),
        gender=fields.text("gender"),
        is_valid=fields.flag("isValid", "valid"),
        is_test=fields.flag("isTest"),
        communication_supported=fields.texts("communicationSupported", "channels"),
        list_ids=fields.ids("listIds", "lists"),
        tags=fields.texts("tags"),
        created_at=fields.when("createdAt", "creationDate"),
        raw=dict(fields.data),
    )


def parse_list(data: Any, *, require_id: bool = True) -> ContactList:
    """A contact-list object (``require_id`` as for ``parse_contact``)."""
    fields = Fields(obj(unwrap(data, "list"), "contact list"))
    return ContactList(
        id=_id(fields, "list", require_id),
        name=fields.text("name"),
        description=fields.text("description"),
        contact_count=fields.count("contactCount", "contactsCount", "totalContacts", "size"),
        is_test=fields.flag("isTest"),
        created_at=fields.when("createdAt", "creationDate"),
        raw=dict(fields.data),
    )


def _problem(item: Any) -> ImportProblem:
    if isinstance(item, str):
        return ImportProblem(reason=item, raw={"reason": item})
    if not isinstance(item, Mapping):
        return ImportProblem(raw={"value": item})
    fields = Fields(item)
    return ImportProblem(
        line=fields.count("line", "row"),
        name=fields.text("name", "contact"),
        reason=fields.text("reason", "message", "error"),
        raw=dict(item),
    )


def parse_import(data: Any) -> ContactImport:
    """An upload's answer: UC-020's shape, read leniently (counts may sit at the top)."""
    if data is None:
        return ContactImport()
    if isinstance(data, list):  # only the preview rows
        data = {"preview": data}
    fields = Fields(obj(data, "import"))
    counts = Fields(fields.mapping("summary") or fields.data)
    problems = fields.data.get("errors")
    preview: list[Any] = next(
        (
            fields.data[k]
            for k in ("preview", "rows", "contacts")
            if isinstance(fields.data.get(k), list)
        ),
        [],
    )
    return ContactImport(
        import_id=fields.ident("importId", "id"),
        list_id=fields.ident("listId"),
        status=fields.text("status"),
        summary=ImportSummary(
            total=counts.count("total", "totalRows"),
            imported=counts.count("imported", "created", "importedCount"),
            duplicates=counts.count("duplicates", "duplicated"),
            errors=counts.count("errors", "errorCount", "failed"),
            skipped=counts.count("skipped"),
            raw=dict(counts.data),
        ),
        errors=tuple(_problem(item) for item in problems) if isinstance(problems, list) else (),
        preview=tuple(dict(row) for row in preview if isinstance(row, Mapping)),
        completed_at=fields.when("completedAt"),
        raw=dict(fields.data),
    )


def parse_associations(data: Any) -> list[int | str]:
    """The association ids of ``POST /contacts/list/contacts`` (a list, or one in an object)."""
    if data is None:
        return []
    if isinstance(data, Mapping):
        found = next(
            (
                data[k]
                for k in ("ids", "associationIds", "data", "associations", "content")
                if isinstance(data.get(k), list)
            ),
            None,
        )
        if found is None:
            return []
        data = found
    if not isinstance(data, list):
        raise MalformedResponseError(
            f"malformed association answer: expected a list, got {type(data).__name__} @ $"
        )
    out: list[int | str] = []
    for item in data:
        found_id = ident(item.get("id")) if isinstance(item, Mapping) else ident(item)
        if found_id is not None:
            out.append(found_id)
    return out
