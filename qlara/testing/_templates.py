"""Simulated sender numbers, WhatsApp templates (with Meta's review) and RCS templates.

WhatsApp templates are stored as written (the create dialect: ``lang``,
``{name}`` tokens) and answered as the platform documents them (Meta's:
``language``, ``components``, ``{{1}}`` tokens numbered in order of first
appearance, header first). A new or edited template is ``PENDING`` until a
test approves or rejects it, or the automatic review (``review_templates``)
decides on the simulator's clock. A WhatsApp send of a template the
simulator knows and that is not approved answers 400, as the platform does;
a template id it never saw is accepted (tests that do not model templates
keep working).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qlara.testing._assets import AssetState, SimTemplate
from qlara.testing._pages import BadPageError, as_id, page_of
from qlara.testing._paths import rcs_body_problem
from qlara.testing._wire import SimRequest, SimResponse, error_response, json_response

if TYPE_CHECKING:
    from qlara.testing._simulator import Simulator

__all__ = ["refused_send", "render_template"]

NAMED = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")
CATEGORIES = frozenset({"MARKETING", "UTILITY", "AUTHENTICATION"})
WRITABLE = (
    "name",
    "lang",
    "category",
    "body",
    "headerText",
    "headerFormat",
    "headerMediaUrl",
    "footer",
    "buttons",
    "placeholderFields",
    "trackButtonLinks",
)


def _numbered(text: str, numbers: dict[str, int]) -> str:
    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        numbers.setdefault(name, len(numbers) + 1)
        return f"{{{{{numbers[name]}}}}}"

    return NAMED.sub(number, text)


def render_template(template: SimTemplate) -> dict[str, Any]:
    """The template in Meta's dialect, as the platform answers it."""
    fields = template.fields
    numbers: dict[str, int] = {}
    components: list[dict[str, Any]] = []
    if fields.get("headerText"):
        components.append(
            {"type": "HEADER", "format": "TEXT", "text": _numbered(fields["headerText"], numbers)}
        )
    elif fields.get("headerFormat"):
        header: dict[str, Any] = {"type": "HEADER", "format": fields["headerFormat"]}
        if fields.get("headerMediaUrl"):
            header["example"] = {"header_handle": [fields["headerMediaUrl"]]}
        components.append(header)
    components.append({"type": "BODY", "text": _numbered(str(fields.get("body", "")), numbers)})
    if fields.get("footer"):
        components.append({"type": "FOOTER", "text": fields["footer"]})
    if fields.get("buttons"):
        buttons = [
            {**b, "url": _numbered(b["url"], numbers)} if isinstance(b.get("url"), str) else b
            for b in fields["buttons"]
            if isinstance(b, Mapping)
        ]
        components.append({"type": "BUTTONS", "buttons": buttons})
    out: dict[str, Any] = {
        "id": template.id,
        "name": fields.get("name"),
        "language": fields.get("lang"),
        "category": fields.get("category"),
        "status": template.status,
        "phoneNumberId": template.phone_number_id,
        "components": components,
    }
    if template.reason is not None:
        out["rejectionReason"] = template.reason
    return out


def _problem(fields: Mapping[str, Any], creating: bool) -> str | None:
    if creating:
        for required in ("name", "lang", "category", "body"):
            if not isinstance(fields.get(required), str) or not fields[required].strip():
                return f"{required}: is required"
    name = fields.get("name")
    if name is not None and (not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]+", name)):
        return "name: must be lowercase snake_case"
    category = fields.get("category")
    if category is not None and category not in CATEGORIES:
        return "category: must be MARKETING, UTILITY or AUTHENTICATION"
    if fields.get("headerText") and fields.get("headerFormat"):
        return "headerText: not allowed together with headerFormat"
    for key in ("body", "headerText", "footer"):
        if isinstance(fields.get(key), str) and "{{" in fields[key]:
            return f"{key}: placeholders are written as {{name}}"
    return None


def _json_object(request: SimRequest) -> Mapping[str, Any] | SimResponse:
    try:
        data = request.json()
    except ValueError:
        return error_response(400, "Malformed JSON request body", request.path)
    if not isinstance(data, Mapping):
        return error_response(400, "The body must be a JSON object", request.path)
    return data


def _template(state: AssetState, request: SimRequest, raw_id: str) -> SimTemplate | SimResponse:
    found = state.templates.get(as_id(raw_id) or 0)
    if found is None:
        return error_response(404, f"Template {raw_id} not found", request.path)
    return found


# -- phone numbers ---------------------------------------------------------


def list_numbers(sim: Simulator, request: SimRequest) -> SimResponse:
    try:
        items = page_of(request, sim.assets.phone_numbers)
    except BadPageError as exc:
        return error_response(400, str(exc), request.path)
    return json_response(200, {"phoneNumbers": items})


def get_number(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    found = sim.assets.number(params["id"])
    if found is None:
        return error_response(404, f"Phone number {params['id']} not found", request.path)
    return json_response(200, found)


# -- WhatsApp templates ---------------------------------------------------------


def templates(sim: Simulator, request: SimRequest) -> SimResponse:
    state = sim.assets
    state.settle(sim.now())
    if request.method == "POST":
        return _create(sim, request)
    params = request.params
    chosen = [
        t
        for t in state.templates.values()
        if ("status" not in params or t.status == params["status"].upper())
        and ("phoneNumberId" not in params or t.phone_number_id == params["phoneNumberId"])
    ]
    try:
        items = page_of(request, [render_template(t) for t in chosen])
    except BadPageError as exc:
        return error_response(400, str(exc), request.path)
    return json_response(200, {"data": items})


def _create(sim: Simulator, request: SimRequest) -> SimResponse:
    number = request.params.get("phoneNumberId")
    if not number:
        return error_response(400, "phoneNumberId: is required", request.path)
    if sim.assets.number(number) is None:
        return error_response(404, f"Phone number {number} not found", request.path)
    data = _json_object(request)
    if isinstance(data, SimResponse):
        return data
    problem = _problem(data, creating=True)
    if problem is not None:
        return error_response(400, problem, request.path)
    fields = {k: data[k] for k in WRITABLE if k in data}
    template = SimTemplate(
        id=sim.assets.next_id(), phone_number_id=number, fields=fields, created_at=sim.now()
    )
    sim.assets.templates[template.id] = template
    return json_response(201, render_template(template))


def template(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    state = sim.assets
    state.settle(sim.now())
    found = _template(state, request, params["id"])
    if isinstance(found, SimResponse):
        return found
    if request.method == "DELETE":
        del state.templates[found.id]
        return SimResponse(204)
    if request.method == "PATCH":
        data = _json_object(request)
        if isinstance(data, SimResponse):
            return data
        problem = _problem(data, creating=False)
        if problem is not None:
            return error_response(400, problem, request.path)
        found.fields.update({k: data[k] for k in WRITABLE if k in data})
        # Meta reviews an edited template again.
        found.status, found.reason, found.created_at = "PENDING", None, sim.now()
    return json_response(200, render_template(found))


def refused_send(sim: Simulator, request: SimRequest, data: Any) -> SimResponse | None:
    """The platform's 400 for a WhatsApp send of a known template that is not approved."""
    if not isinstance(data, Mapping) or not isinstance(data.get("template"), Mapping):
        return None
    state = sim.assets
    state.settle(sim.now())
    reference = data["template"]
    found: SimTemplate | None = None
    given = reference.get("id")
    if given is not None and as_id(given) is not None:
        found = state.templates.get(as_id(given) or 0)
    elif reference.get("name") is not None:
        found = next(
            (
                t
                for t in state.templates.values()
                if t.fields.get("name") == reference.get("name")
                and t.fields.get("lang") == reference.get("language")
            ),
            None,
        )
    if found is None or found.status == "APPROVED":
        return None
    return error_response(
        400, f"template: template {found.id} is {found.status} and cannot be sent", request.path
    )


# -- RCS templates --------------------------------------------------------------


def _rcs_problem(data: Mapping[str, Any]) -> str | None:
    for name in ("name", "description"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            return f"{name}: is required"
    problem = rcs_body_problem({"type": data.get("type"), "body": data.get("body")}, ())
    return None if problem is None else f"{problem.field}: {problem.problem}"


def rcs_templates(sim: Simulator, request: SimRequest) -> SimResponse:
    state = sim.assets
    if request.method == "POST":
        data = _json_object(request)
        if isinstance(data, SimResponse):
            return data
        problem = _rcs_problem(data)
        if problem is not None:
            return error_response(400, problem, request.path)
        stored = {
            "id": state.next_id(),
            **{k: data[k] for k in ("name", "description", "type", "body")},
        }
        state.rcs_templates[stored["id"]] = stored
        return json_response(201, stored)
    try:
        items = page_of(request, list(state.rcs_templates.values()))
    except BadPageError as exc:
        return error_response(400, str(exc), request.path)
    return json_response(200, {"data": items})


def rcs_template(sim: Simulator, request: SimRequest, params: Mapping[str, str]) -> SimResponse:
    state = sim.assets
    raw_id = params["id"]
    found = state.rcs_templates.get(as_id(raw_id) or 0)
    if found is None:
        return error_response(404, f"RCS template {raw_id} not found", request.path)
    if request.method == "DELETE":
        del state.rcs_templates[found["id"]]
        return SimResponse(204)
    if request.method == "PUT":
        data = _json_object(request)
        if isinstance(data, SimResponse):
            return data
        problem = _rcs_problem(data)
        if problem is not None:
            return error_response(400, problem, request.path)
        found.update({k: data[k] for k in ("name", "description", "type", "body")})
    return json_response(200, found)
