"""Contact imports: CSV sheets and vCards, multipart, with a typed summary in the answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qlara.testing._contacts import check_fields, store
from qlara.testing._events import iso
from qlara.testing._imports import parse_csv, parse_form, parse_vcards
from qlara.testing._platform import BadRequestError, handled
from qlara.testing._wire import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["ITEM_ROUTES", "ROUTES"]

STRATEGIES = ("SKIP", "UPDATE", "OVERWRITE", "MERGE")


def _apply(
    sim: Simulator, rows: list[dict[str, Any]], strategy: str, tags: list[str], target: int | None
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Store the rows (CREATE_UPDATE on the phone number); the counts and the refused rows."""
    state = sim.platform
    summary = {"total": len(rows), "imported": 0, "duplicates": 0, "errors": 0, "skipped": 0}
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=1):
        label = " ".join(str(row.get(k, "")) for k in ("firstName", "lastName")).strip() or None
        try:
            checked = check_fields(row, partial=False)
        except BadRequestError as exc:
            summary["errors"] += 1
            problems.append({"line": line, "name": label, "reason": exc.message})
            continue
        phone = checked.get("phoneNumber")
        exists = phone is not None and (
            phone in seen or any(c.get("phoneNumber") == phone for c in state.contacts.values())
        )
        if phone is not None:
            seen.add(phone)
        if exists:
            summary["duplicates"] += 1
            if strategy == "SKIP":
                summary["skipped"] += 1
                continue
        try:
            contact, _ = store(sim, checked, tags)
        except BadRequestError as exc:
            summary["errors"] += 1
            problems.append({"line": line, "name": label, "reason": exc.message})
            continue
        summary["imported"] += 1
        if target is not None:
            state.members[target].add(contact["id"])
    return summary, problems


def _import(sim: Simulator, request: SimRequest, vcard: bool) -> SimResponse:
    fields, files = parse_form(request)
    if "file" not in files:
        raise BadRequestError("file: is required")
    filename, content = files["file"]
    name = fields.get("fileName") or filename
    state = sim.platform
    list_id = fields.get("listId")
    target = None
    if list_id:
        try:
            target = int(list_id)
        except ValueError:
            target = -1
        if target not in state.lists:
            raise BadRequestError(f"listId: unknown list {list_id}")
    try:
        limit = int(fields.get("limit") or 10)
    except ValueError:
        raise BadRequestError("limit: must be an integer") from None
    if vcard:
        if not name.lower().endswith((".vcf", ".vcard")):
            raise BadRequestError(f"file: must be a .vcf file, got {name!r}")
        rows = parse_vcards(content)
        strategy = (fields.get("duplicateStrategy") or "SKIP").upper()
        if strategy not in ("SKIP", "UPDATE", "OVERWRITE", "MERGE"):
            raise BadRequestError(
                f"duplicateStrategy: must be SKIP, UPDATE, OVERWRITE or MERGE, got {strategy!r}"
            )
        tags = [t.strip() for t in fields.get("tags", "").split(",") if t.strip()]
    else:
        rows = parse_csv(content, name, fields.get("removeHead") == "true")
        strategy, tags = "UPDATE", []
    summary, problems = _apply(sim, rows, strategy, tags, target)
    answer = {
        "importId": f"imp-{uuid.uuid4().hex[:12]}",
        "listId": target,
        "status": "COMPLETED",
        "summary": summary,
        "errors": problems,
        "preview": rows[:limit],
        "completedAt": iso(sim.wall()),
    }
    state.imports.append(answer)
    return json_response(200, answer)


@handled
def upload(sim: Simulator, request: SimRequest) -> SimResponse:
    return _import(sim, request, vcard=False)


@handled
def upload_vcard(sim: Simulator, request: SimRequest) -> SimResponse:
    return _import(sim, request, vcard=True)


BASE = "/api/partner-gateway/v1/contacts"
ROUTES: dict[str, dict[str, Callable[[Simulator, SimRequest], SimResponse]]] = {
    f"{BASE}/upload": {"POST": upload},
    f"{BASE}/upload/vcard": {"POST": upload_vcard},
}
ITEM_ROUTES: dict[str, dict[str, Callable[..., SimResponse]]] = {}
