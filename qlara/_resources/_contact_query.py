"""The arguments of the contact calls: the body of a contact, file names, listing filters."""

from __future__ import annotations

from typing import Any

from qlara._errors import ValidationError
from qlara._resources import _admin_args as _a
from qlara._resources._base import present

__all__ = ["contact_body", "contact_filters", "file_name_of"]


def contact_filters(
    *,
    list_ids: Any,
    not_list_ids: Any,
    search: Any,
    gender: Any,
    is_valid: Any,
    communication_supported: Any,
    is_test: Any,
    phone_number: Any,
    email: Any,
    sort_priority_list_id: Any,
    sort_by: Any,
    sort_order: Any,
) -> dict[str, object]:
    """The documented query of a contact listing, every value checked."""
    if sort_order is not None and (
        not isinstance(sort_order, str) or sort_order.lower() not in ("asc", "desc")
    ):
        raise ValidationError("sort_order", f"must be 'asc' or 'desc', got {sort_order!r}")
    return {
        "listIds": None if list_ids is None else _a.id_list("list_ids", list_ids),
        "notListIds": None if not_list_ids is None else _a.id_list("not_list_ids", not_list_ids),
        "search": _a.text("search", search),
        "gender": _a.text("gender", gender),
        "isValid": _a.flag("is_valid", is_valid),
        "communicationSupported": _a.channels("communication_supported", communication_supported),
        "isTest": _a.flag("is_test", is_test),
        "phoneNumber": _a.text("phone_number", phone_number),
        "email": _a.text("email", email),
        "sortPriorityListId": None
        if sort_priority_list_id is None
        else _a.one_id("sort_priority_list_id", sort_priority_list_id),
        "sortBy": _a.text("sort_by", sort_by),
        "sortOrder": None if sort_order is None else sort_order.lower(),
    }


def contact_body(
    *,
    phone_number: Any,
    email: Any,
    first_name: Any,
    last_name: Any,
    gender: Any,
    is_test: Any,
    custom_fields: Any,
) -> dict[str, Any]:
    body = {
        "phoneNumber": _a.phone("phone_number", phone_number),
        "email": _a.text("email", email),
        "firstName": _a.text("first_name", first_name),
        "lastName": _a.text("last_name", last_name),
        "gender": _a.text("gender", gender),
        "isTest": _a.flag("is_test", is_test),
        "customFields": _a.mapping("custom_fields", custom_fields),
    }
    return present(body)


def file_name_of(given: str | None, part_name: str, allowed: tuple[str, ...], field: str) -> str:
    """The name sent; bytes or an unnamed file are called ``contacts.csv`` / ``contacts.vcf``."""
    name = given or part_name
    if name == "upload":  # what qlara._upload calls a source without a name
        return f"contacts{allowed[0]}"
    if not name.lower().endswith(allowed):
        raise ValidationError(field, f"must be a {', '.join(allowed)} file, got {name!r}")
    return name
