"""Reading contact files as the platform does: multipart forms, CSV sheets and vCards.

Pure functions over bytes. XLS and XLSX need a spreadsheet library the
simulator does not depend on, so it refuses them with a 400 saying so.
"""

from __future__ import annotations

import csv
import io
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from qlara.testing._platform import BadRequestError
from qlara.testing._wire import SimRequest

__all__ = ["parse_csv", "parse_form", "parse_vcards"]

# Header spellings mapped onto the contact fields (the platform maps headers automatically).
COLUMNS = {
    "firstname": "firstName",
    "first name": "firstName",
    "nome": "firstName",
    "lastname": "lastName",
    "last name": "lastName",
    "cognome": "lastName",
    "phonenumber": "phoneNumber",
    "phone": "phoneNumber",
    "phone number": "phoneNumber",
    "mobile": "phoneNumber",
    "telefono": "phoneNumber",
    "email": "email",
    "e-mail": "email",
}
DEFAULT_ORDER = ("firstName", "lastName", "phoneNumber", "email")


def parse_form(request: SimRequest) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """A multipart/form-data body: its text fields and its files (name, content)."""
    kind = request.headers.get("content-type", "")
    if not kind.lower().startswith("multipart/form-data"):
        raise BadRequestError("Content-Type must be multipart/form-data")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + kind.encode("latin-1") + b"\r\n\r\n" + request.body
    )
    if not message.is_multipart():
        raise BadRequestError("Malformed multipart body")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        content = part.get_payload(decode=True)
        data = content if isinstance(content, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, data)
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, files


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_csv(data: bytes, filename: str, remove_head: bool) -> list[dict[str, Any]]:
    """Rows as contact fields. A header row is used when ``remove_head`` is set or it
    names a known column; otherwise columns are firstName, lastName, phoneNumber, email."""
    lower = filename.lower()
    if lower.endswith((".xls", ".xlsx")):
        raise BadRequestError(
            "file: the simulator reads CSV only (XLS/XLSX need a spreadsheet library)"
        )
    if not lower.endswith(".csv"):
        raise BadRequestError(f"file: unsupported file type {filename!r} (CSV, XLS or XLSX)")
    text = _decode(data)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]
    if not rows:
        return []
    header = [COLUMNS.get(cell.strip().lower()) for cell in rows[0]]
    if remove_head or any(header):
        rows = rows[1:]
    else:
        header = list(DEFAULT_ORDER)
    out = []
    for row in rows:
        fields = {
            column: cell.strip()
            for column, cell in zip(header, row, strict=False)
            if column and cell.strip()
        }
        out.append(fields)
    return out


_LINE = re.compile(r"^(?:item\d+\.)?([A-Za-z-]+)((?:;[^:]*)?):(.*)$")


def parse_vcards(data: bytes) -> list[dict[str, Any]]:
    """Each ``BEGIN:VCARD`` ... ``END:VCARD`` as contact fields (vCard 3.0 and 4.0)."""
    text = _decode(data).replace("\r\n ", "").replace("\n ", "")  # unfold long lines
    cards: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.upper() == "BEGIN:VCARD":
            current = {}
            continue
        if line.upper() == "END:VCARD":
            if current is not None:
                cards.append(current)
            current = None
            continue
        found = _LINE.match(line)
        if current is None or found is None:
            continue
        key, value = found.group(1).upper(), found.group(3).strip()
        if key == "N":
            parts = [*value.split(";"), "", ""]
            current.setdefault("lastName", parts[0] or None)
            current.setdefault("firstName", parts[1] or None)
        elif key == "FN":
            current["fullName"] = value
        elif key == "TEL" and "phoneNumber" not in current:
            current["phoneNumber"] = re.sub(r"[\s().-]", "", value.removeprefix("tel:"))
        elif key == "EMAIL" and "email" not in current:
            current["email"] = value
    for card in cards:
        if not card.get("firstName") and card.get("fullName"):
            first, _, last = str(card["fullName"]).partition(" ")
            card["firstName"], card["lastName"] = first, last or card.get("lastName")
        for field in ("firstName", "lastName"):
            if not card.get(field):
                card.pop(field, None)
    return cards
