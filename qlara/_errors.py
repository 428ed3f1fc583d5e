"""The exception tree.

Every failure a caller can see is a ``QlaraError``; nothing raw from httpx, json
or cattrs escapes. The tree::

    QlaraError
    ├── ConfigurationError          no key, bad base_url (raised at construction)
    ├── ValidationError(ValueError) bad input, raised before sending; names the field
    ├── APIError                    something went wrong talking to the platform
    │   ├── APIConnectionError      nothing usable came back (after retries)
    │   │   └── APITimeoutError
    │   ├── OutcomeUnknownError     a send may or may not have landed; .message_id
    │   └── APIStatusError          .status_code .message .body .headers .message_id
    │       ├── BadRequestError 400, AuthenticationError 401,
    │       ├── PermissionDeniedError 403, NotFoundError 404, ConflictError 409,
    │       ├── RateLimitError 429 (.retry_after seconds), InternalServerError >=500
    ├── MalformedResponseError      a 2xx answer that breaks the contract (cause chained)
    ├── JournalError                a send_many journal that cannot be used (or another input's)
    └── WebhookError                a callback body that cannot be parsed

No error ever holds the API key: status errors keep the *response* headers only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InternalServerError",
    "JournalError",
    "MalformedResponseError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "QlaraError",
    "RateLimitError",
    "ValidationError",
    "WebhookError",
    "status_error",
]


class QlaraError(Exception):
    """Base class of every error the SDK raises."""


class ConfigurationError(QlaraError):
    """The client was configured in a way that cannot work (no key, bad base URL)."""


class ValidationError(QlaraError, ValueError):
    """Input was rejected before anything was sent.

    Attributes:
        field: the dotted name of the offending field (``"destination"``,
            ``"body.cards"``), so a form can point at it.
        problem: what is wrong with the value, in words.
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class APIError(QlaraError):
    """Talking to the platform failed.

    Attributes:
        message_id: the ``messageId`` of the send this error belongs to, when the
            request was a send; use it to reconcile through the status endpoint.
    """

    def __init__(self, message: str, *, message_id: str | None = None) -> None:
        super().__init__(message)
        self.message_id = message_id


class APIConnectionError(APIError):
    """No usable answer came back: connection refused, dropped, or a protocol error."""


class APITimeoutError(APIConnectionError):
    """The platform did not answer within the timeout."""


class OutcomeUnknownError(APIError):
    """A send may or may not have reached the platform.

    Raised instead of retrying when the request was written but no clear answer
    came (a read timeout, a dropped connection, 500/502/504): retrying could
    deliver the message twice. Poll the status of ``message_id`` to find out.

    Attributes:
        cause: the failure that left the outcome unknown (also ``__cause__``).
    """

    def __init__(self, message: str, *, message_id: str | None, cause: QlaraError) -> None:
        super().__init__(message, message_id=message_id)
        self.cause = cause


class APIStatusError(APIError):
    """The platform answered with an error status.

    Attributes:
        status_code: the HTTP status.
        message: the platform's own explanation, when it gave one.
        body: the decoded JSON body (or the text when it was not JSON).
        headers: the response headers.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        message_id: str | None = None,
    ) -> None:
        summary = f"{status_code}: {message}" if message else f"HTTP {status_code}"
        if message_id is not None:
            summary += f" (messageId {message_id})"
        super().__init__(summary, message_id=message_id)
        self.status_code = status_code
        self.message = message
        self.body = body
        self.headers: Mapping[str, str] = dict(headers or {})


class BadRequestError(APIStatusError):
    """400: the platform rejected the request's content."""


class AuthenticationError(APIStatusError):
    """401: the API key or Basic credentials are missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """403: IP not whitelisted, resource not accessible, or channel not in the plan."""


class NotFoundError(APIStatusError):
    """404: not found, not owned by the account, or looked up on the wrong channel."""


class ConflictError(APIStatusError):
    """409: the resource already exists (a webhook is already configured)."""


class RateLimitError(APIStatusError):
    """429: too many requests.

    Attributes:
        retry_after: seconds the platform asked us to wait, or ``None`` when it
            did not say. Raised without waiting when this exceeds the policy's
            ``max_retry_after``, so a job queue can reschedule instead of blocking.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 429,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        message_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, body=body, headers=headers, message_id=message_id
        )
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the platform failed."""


class MalformedResponseError(QlaraError):
    """A successful answer whose body breaks the documented contract.

    Attributes:
        status_code: the HTTP status of the answer.
        body: the raw body as received (bytes, truncated to 2 KiB).
        message_id: the send this answer belonged to, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        body: bytes = b"",
        message_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body: bytes = body[:2048]
        self.message_id = message_id


class JournalError(QlaraError):
    """The journal file cannot be used: unreadable, corrupt, not a qlara journal,
    or written for another input (resuming it would skip the wrong messages)."""


class WebhookError(QlaraError):
    """A callback body that is not a JSON object, so no event can be read from it."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def status_error(
    status_code: int,
    message: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
    retry_after: float | None = None,
) -> APIStatusError:
    """Build the typed error for an error status."""
    if status_code == 429:
        return RateLimitError(
            message, body=body, headers=headers, message_id=message_id, retry_after=retry_after
        )
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    return cls(message, status_code=status_code, body=body, headers=headers, message_id=message_id)
