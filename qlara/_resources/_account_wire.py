"""Reading the account, social-profile, API-key and export answers (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from qlara._auth import Secret
from qlara._errors import MalformedResponseError
from qlara._models.account import (
    ApiKey,
    ContactsQuota,
    CreatedApiKey,
    Credit,
    ExportJob,
    SocialProfile,
    Subscription,
)
from qlara._resources._read import Fields, obj, unwrap

__all__ = [
    "KEY_FIELDS",
    "URL_KEYS",
    "parse_api_key",
    "parse_created_key",
    "parse_credit",
    "parse_export",
    "states_of",
    "with_listed_state",
    "parse_quota",
    "parse_social",
    "parse_subscription",
]

# Where a new key's value may be; the documented one (UC-014) first.
KEY_FIELDS = ("apiKey", "key", "value", "token", "secret", "secretKey", "apiKeyValue")
MASK = "***"
# Where an export's time-limited link may be (the reference names no field).
URL_KEYS = (
    "downloadUrl",
    "downloadURL",
    "url",
    "downloadLink",
    "link",
    "fileUrl",
    "fileLink",
    "signedUrl",
    "presignedUrl",
    "exportUrl",
    "href",
)
NOT_READY = frozenset({"PENDING", "EXPIRED", "FAILED", "ERROR", "IN_PROGRESS", "PROCESSING"})


def parse_subscription(data: Any) -> Subscription:
    fields = Fields(obj(unwrap(data, "subscription"), "subscription"))
    features_raw = fields.mapping("features") or {}
    features = {str(k): v for k, v in features_raw.items() if isinstance(v, bool)}
    canceled = fields.flag("canceled", "cancelled")
    auto_renew = fields.flag("autoRenew")
    if auto_renew is None and canceled is not None:
        auto_renew = not canceled
    plan = fields.text("plan", "planCode", "planName")
    if plan is None and (inner := fields.mapping("plan")) is not None:
        plan = Fields(inner).text("code", "name")
    return Subscription(
        subscription_id=fields.ident("subscriptionId"),
        plan=plan,
        status=fields.text("status"),
        canceled=canceled,
        start=fields.when("startDate", "billingPeriodStart", "periodStart"),
        end=fields.when("endDate", "billingPeriodEnd", "periodEnd"),
        next_renew=fields.when("nextRenew", "nextRenewal"),
        auto_renew=auto_renew,
        next_plan=fields.text("nextPlan", "nextPlanCode"),
        features=features,
        raw=dict(fields.data),
    )


def parse_quota(data: Any) -> ContactsQuota:
    fields = Fields(obj(unwrap(data), "contacts quota"))
    total = fields.count("totalLimit")
    used = fields.count("used")
    remaining = fields.count("remaining")
    if remaining is None and total is not None and used is not None:
        remaining = max(total - used, 0)
    return ContactsQuota(
        plan_limit=fields.count("planLimit"),
        extra_limit=fields.count("extraLimit"),
        total_limit=total,
        used=used,
        remaining=remaining,
        raw=dict(fields.data),
    )


def parse_credit(data: Any) -> Credit:
    fields = Fields(obj(unwrap(data), "credit"))
    credit = fields.number("credit", "balance")
    frozen = fields.number("frozenCredit")
    available = fields.number("availableCredit")
    if available is None and credit is not None:
        available = credit - (frozen or 0.0)
    return Credit(
        credit=credit, frozen_credit=frozen, available_credit=available, raw=dict(fields.data)
    )


def parse_social(data: Any) -> SocialProfile:
    if isinstance(data, Mapping) and isinstance(data.get("profiles"), list) and data["profiles"]:
        data = data["profiles"][0]  # GET /socials/{platform} answered in the list's shape
    fields = Fields(obj(data, "social profile"))
    disconnected = fields.flag("disconnected")
    status = fields.text("status")
    if status is None and disconnected is not None:
        status = "DISCONNECTED" if disconnected else "CONNECTED"
    connected = None if status is None else status.upper() == "CONNECTED"
    if disconnected is not None:
        connected = not disconnected and connected is not False
    return SocialProfile(
        platform=fields.text("platform"),
        profile_id=fields.text("profileId", "id"),
        name=fields.text("name", "profileName"),
        username=fields.text("username"),
        status=status,
        connected=connected,
        token_expires_at=fields.when("tokenExpiresAt"),
        connected_at=fields.when("connectedAt", "connectionDate"),
        picture_url=fields.text("pictureUrl", "profilePictureUrl", "picture"),
        raw=dict(fields.data),
    )


def parse_api_key(data: Any) -> ApiKey:
    fields = Fields(obj(unwrap(data), "API key"))
    masked = {
        k: (MASK if k in KEY_FIELDS and isinstance(v, str) else v) for k, v in fields.data.items()
    }
    return ApiKey(
        id=fields.ident("id", "keyId"),
        name=fields.text("name"),
        description=fields.text("description"),
        username=fields.text("username", "userName"),
        operations=fields.texts("operations", "allowedOperations"),
        traffic_type=fields.text("trafficType"),
        status=fields.text("status"),
        created_at=fields.when("createdAt", "creationDate"),
        raw=masked,
    )


def parse_created_key(data: Any) -> CreatedApiKey:
    """The creation answer: the value becomes a ``Secret`` and is masked in ``raw``.

    Never includes the answer in an error: it holds the key.
    """
    if data is None:
        raise MalformedResponseError(
            "malformed API key answer: it has no body, so not the new key's value (apiKey), "
            "which only this answer shows"
        )
    if not isinstance(data, Mapping):
        raise MalformedResponseError("malformed API key answer: expected an object @ $")
    data = unwrap(data)
    value = next((data[k] for k in KEY_FIELDS if isinstance(data.get(k), str) and data[k]), None)
    if value is None:
        raise MalformedResponseError(
            "malformed API key answer: no apiKey @ $.apiKey (the new key's value, which only "
            "this answer shows)"
        )
    listed = parse_api_key(data)
    return CreatedApiKey(
        id=listed.id,
        name=listed.name,
        description=listed.description,
        operations=listed.operations,
        status=listed.status,
        created_at=listed.created_at,
        key=Secret(value),
        raw=listed.raw,
    )


def parse_export(data: Any, known_id: int | str | None = None) -> ExportJob:
    """An export job; an empty answer (a bare 202) is a job known by ``known_id`` alone."""
    if data is None:
        return ExportJob(id=known_id, status="PENDING" if known_id is None else None)
    fields = Fields(obj(unwrap(data, "export"), "export"))
    available = fields.flag("isAvailableForDownload", "availableForDownload")
    url = fields.text(*URL_KEYS)
    if url is None:  # {"download": {"url": ...}} and the like
        inner = fields.mapping("download", "file", "link", "url")
        url = None if inner is None else Fields(inner).text(*URL_KEYS, "href")
    status = fields.text("status")
    if available is None:  # not said: a link on a job that is not known to be unready
        available = url is not None and (status or "").upper() not in NOT_READY
    found = fields.ident("exportId", "id")
    return ExportJob(
        id=found if found is not None else known_id,
        status=status,
        is_available_for_download=available,
        download_url=url,
        type=fields.text("type", "exportType"),
        created_at=fields.when("createdAt", "creationDate"),
        expires_at=fields.when("expiresAt", "expirationDate", "urlExpiresAt"),
        raw=dict(fields.data),
    )


STATE_KEYS = ("status", "isAvailableForDownload", "availableForDownload")


def states_of(job: ExportJob) -> bool:
    """Whether the platform's answer said the job's state (not only a link, or nothing)."""
    return any(job.raw.get(key) is not None for key in STATE_KEYS)


def with_listed_state(job: ExportJob, listed: ExportJob) -> ExportJob:
    """``job`` (from ``GET /exports/{id}``: a link) in the state ``GET /exports`` lists for it."""
    if listed.raw.get("isAvailableForDownload", listed.raw.get("availableForDownload")) is None:
        ready = job.download_url is not None and (listed.status or "").upper() not in NOT_READY
    else:
        ready = listed.is_available_for_download
    return attrs.evolve(job, status=listed.status, is_available_for_download=ready)
