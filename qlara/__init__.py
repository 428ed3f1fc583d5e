"""qlara: the Python SDK for the Qlara messaging platform (SMS, RCS, WhatsApp)."""

from qlara import webhooks as webhooks
from qlara._auth import BasicAuth as BasicAuth
from qlara._client import AsyncQlara as AsyncQlara
from qlara._errors import APIConnectionError as APIConnectionError
from qlara._errors import APIError as APIError
from qlara._errors import APIStatusError as APIStatusError
from qlara._errors import APITimeoutError as APITimeoutError
from qlara._errors import AuthenticationError as AuthenticationError
from qlara._errors import BadRequestError as BadRequestError
from qlara._errors import ConfigurationError as ConfigurationError
from qlara._errors import ConflictError as ConflictError
from qlara._errors import InternalServerError as InternalServerError
from qlara._errors import JournalError as JournalError
from qlara._errors import MalformedResponseError as MalformedResponseError
from qlara._errors import NotFoundError as NotFoundError
from qlara._errors import OutcomeUnknownError as OutcomeUnknownError
from qlara._errors import PermissionDeniedError as PermissionDeniedError
from qlara._errors import QlaraError as QlaraError
from qlara._errors import RateLimitError as RateLimitError
from qlara._errors import ValidationError as ValidationError
from qlara._errors import WebhookError as WebhookError
from qlara._models import Channel as Channel
from qlara._models import ChannelResult as ChannelResult
from qlara._models import RcsAction as RcsAction
from qlara._models import RcsCard as RcsCard
from qlara._models import RcsCarousel as RcsCarousel
from qlara._models import RcsDial as RcsDial
from qlara._models import RcsFallback as RcsFallback
from qlara._models import RcsMedia as RcsMedia
from qlara._models import RcsMessage as RcsMessage
from qlara._models import RcsOpenUrl as RcsOpenUrl
from qlara._models import RcsReply as RcsReply
from qlara._models import RcsText as RcsText
from qlara._models import SendResult as SendResult
from qlara._models import SmsFallback as SmsFallback
from qlara._models import SmsMessage as SmsMessage
from qlara._models import WhatsAppMessage as WhatsAppMessage
from qlara._models import WhatsAppTemplate as WhatsAppTemplate
from qlara._models.legacy import LegacyResult as LegacyResult
from qlara._models.legacy import LegacySendResult as LegacySendResult
from qlara._models.legacy import LegacySms as LegacySms
from qlara._models.outcome import Outcome as Outcome
from qlara._models.status import DeliveryStatus as DeliveryStatus
from qlara._models.status import MessageStatus as MessageStatus
from qlara._models.status import WebhookConfig as WebhookConfig
from qlara._ratelimit import RateLimit as RateLimit
from qlara._retry import RetryPolicy as RetryPolicy
from qlara._sync import Qlara as Qlara
from qlara._version import __version__ as __version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncQlara",
    "AuthenticationError",
    "BadRequestError",
    "BasicAuth",
    "Channel",
    "ChannelResult",
    "ConfigurationError",
    "ConflictError",
    "DeliveryStatus",
    "InternalServerError",
    "JournalError",
    "LegacyResult",
    "LegacySendResult",
    "LegacySms",
    "MalformedResponseError",
    "MessageStatus",
    "NotFoundError",
    "Outcome",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "Qlara",
    "QlaraError",
    "RateLimit",
    "RateLimitError",
    "RcsAction",
    "RcsCard",
    "RcsCarousel",
    "RcsDial",
    "RcsFallback",
    "RcsMedia",
    "RcsMessage",
    "RcsOpenUrl",
    "RcsReply",
    "RcsText",
    "RetryPolicy",
    "SendResult",
    "SmsFallback",
    "SmsMessage",
    "ValidationError",
    "WebhookConfig",
    "WebhookError",
    "WhatsAppMessage",
    "WhatsAppTemplate",
    "__version__",
    "webhooks",
]
