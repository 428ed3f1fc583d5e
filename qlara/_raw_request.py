"""``client.request(...)``: a call to any endpoint, checked and described before it is sent.

The escape hatch for what the SDK does not model yet takes loose arguments
(a method, a path, query parameters, a JSON body or multipart files and
fields). Turning them into the one ``Request`` the pipeline executes is plain
checking and encoding, with no I/O, so it lives here, apart from the client:
a bad argument is a ``ValidationError`` naming it, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qlara._errors import ValidationError
from qlara._raw import RawResponse
from qlara._request import Answer, Request, encode_form, encode_query, split_path
from qlara._upload import upload

__all__ = ["raw_request"]


def raw_request(
    method: object,
    path: object,
    *,
    params: Mapping[str, object] | None,
    json: Any,
    files: Mapping[str, Any] | None,
    data: Mapping[str, object] | None,
) -> Request[RawResponse]:
    """The request ``client.request(method, path, ...)`` sends, its answer kept raw.

    Raises:
        ValidationError: a bad method, path, parameter or file.
    """
    if not isinstance(method, str) or not method.isalpha():
        raise ValidationError("method", f"must be an HTTP method such as 'GET', got {method!r}")
    if not isinstance(path, str) or not path or "://" in path:
        raise ValidationError("path", f"must be a path under base_url ('/x...'), got {path!r}")
    if not path.startswith("/"):  # "partner-gateway/v1/contacts" is relative to base_url too
        path = "/" + path
    if json is not None and (files or data):
        raise ValidationError("json", "cannot be sent together with files or data (multipart)")
    if files is not None and not isinstance(files, Mapping):
        raise ValidationError("files", "must be a mapping of field names to files")
    uploads = tuple(_upload_of(field, value) for field, value in (files or {}).items())
    path, written = split_path(path)
    return Request(
        method=method.upper(),
        path=path,
        query=written + encode_query(params or {}),
        json=json,
        form=encode_form(data) if data is not None else None,
        files=uploads,
        answer=Answer.RAW,
    )


def _upload_of(field: object, value: Any) -> Any:
    if not isinstance(field, str) or not field:
        raise ValidationError("files", f"field names must be non-empty strings, got {field!r}")
    if isinstance(value, tuple) and len(value) in (2, 3):
        name, source = value[0], value[1]
        kind = value[2] if len(value) == 3 else None
        return upload(
            source, field=field, argument=f"files[{field!r}]", filename=name, content_type=kind
        )
    return upload(value, field=field, argument=f"files[{field!r}]")
