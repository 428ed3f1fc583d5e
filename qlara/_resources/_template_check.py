"""Will the platform send this template with these placeholders? Pure verdicts, and a cache.

A template the platform would refuse is caught before the send: one not
``APPROVED`` (named by its status), or placeholders that do not fit its
tokens. What "fit" means depends on what can be known:

- the template's tokens are names (the platform answered ``{first_name}``,
  or Meta's ``{{first_name}}``): the placeholder keys must be exactly those
  names; the missing and the unexpected are named;
- its tokens are numbers (``{{1}}``, ``{{2}}``) and the keys are numbers too:
  the same exact comparison;
- numbered tokens and named keys: the platform maps names to numbers in the
  order the names appeared when the template was written, which the answer
  does not carry, so only the count is checked (Meta numbers each component
  and button from ``{{1}}``, so the count is a range: see ``_check_count``).

Keys starting with ``shortLink`` (``shortLinkT1``: a tracked link's target)
fill tracked links, not tokens, and are never counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from qlara._errors import ValidationError
from qlara._models.templates import WhatsAppTemplateDetails, template_tokens

__all__ = ["TemplateCache", "check_template"]

CACHE_SECONDS = 300.0
CACHE_SIZE = 256


def _names(keys: object) -> str:
    return ", ".join(sorted(str(k) for k in keys))  # type: ignore[attr-defined]


def check_template(
    template: WhatsAppTemplateDetails, placeholders: Mapping[str, object] | None
) -> None:
    """Raise ``ValidationError`` when the platform would refuse a send of ``template``."""
    if template.status != "APPROVED":
        status = template.status or "without a status"
        raise ValidationError(
            "template",
            f"template {template.id!r} ({template.name or 'unnamed'}) is {status}, not "
            "APPROVED; only approved templates can be sent",
        )
    given = dict(placeholders or {})
    for key, value in given.items():
        if not isinstance(key, str) or not key:
            raise ValidationError("placeholders", f"keys must be non-empty strings, got {key!r}")
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationError(f"placeholders[{key!r}]", "must not be empty")
    keys = {k for k in given if not k.startswith("shortLink")}
    needed = template.placeholders
    numbered = bool(needed) and all(token.isdigit() for token in needed)
    if numbered and keys and not all(k.isdigit() for k in keys):
        _check_count(template, keys)
        return
    missing = set(needed) - keys
    unexpected = keys - set(needed)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {_names(missing)}")
        if unexpected:
            parts.append(f"unexpected {_names(unexpected)}")
        raise ValidationError(
            "placeholders", f"do not fit template {template.id!r}: {'; '.join(parts)}"
        )


def _groups(template: WhatsAppTemplateDetails) -> list[tuple[str, ...]]:
    """The tokens of each part Meta numbers on its own: a component, or one button."""
    groups: list[tuple[str, ...]] = []
    for component in template.components:
        if component.buttons:
            groups.extend(button.placeholders for button in component.buttons)
            groups.append(template_tokens(component.text))
        else:
            groups.append(component.placeholders)
    return [group for group in groups if group]


def _check_count(template: WhatsAppTemplateDetails, keys: set[str]) -> None:
    """Named values for ``{{n}}`` tokens: only how many can be compared.

    Meta numbers each component (and each button) from ``{{1}}``, so a
    header's ``{{1}}`` and the body's are two values when the template was
    written with two names, and one when a name was used in both. The count
    of names therefore lies between the largest part's tokens and the sum of
    all parts' tokens.
    """
    groups = _groups(template)
    low = max(len(group) for group in groups)
    high = sum(len(group) for group in groups)
    if low <= len(keys) <= high:
        return
    tokens = "; ".join(", ".join(f"{{{{{t}}}}}" for t in group) for group in groups)
    expected = f"{low}" if low == high else f"{low} to {high}"
    raise ValidationError(
        "placeholders",
        f"template {template.id!r} has {expected} placeholder(s) ({tokens}), got "
        f"{len(keys)} ({_names(keys)})",
    )


class TemplateCache:
    """Approved templates, kept for ``seconds`` (per client), so checked sends cost no request.

    Only approved templates are kept: a pending one is fetched again on the
    next check, so its approval is seen at once.
    """

    def __init__(
        self, seconds: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._kept: dict[str, tuple[float, WhatsAppTemplateDetails]] = {}

    def get(self, template_id: int | str) -> WhatsAppTemplateDetails | None:
        found = self._kept.get(str(template_id))
        if found is None:
            return None
        at, template = found
        if self.clock() - at >= self.seconds:
            del self._kept[str(template_id)]
            return None
        return template

    def put(self, template: WhatsAppTemplateDetails) -> None:
        if not template.is_approved:
            self._kept.pop(str(template.id), None)
            return
        if len(self._kept) >= CACHE_SIZE:
            self._kept.pop(next(iter(self._kept)))
        self._kept[str(template.id)] = (self.clock(), template)

    def forget(self, template_id: int | str) -> None:
        self._kept.pop(str(template_id), None)
