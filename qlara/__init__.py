"""qlara: the Python SDK for the Qlara messaging platform (SMS, RCS, WhatsApp)."""

from qlara import webhooks as webhooks
from qlara._auth import BasicAuth as BasicAuth
from qlara._blocking import Pager as Pager
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
from qlara._fallback import FallbackOutcome as FallbackOutcome
from qlara._fallback import FallbackStep as FallbackStep
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
from qlara._models.account import ApiKey as ApiKey
from qlara._models.account import ContactsQuota as ContactsQuota
from qlara._models.account import CreatedApiKey as CreatedApiKey
from qlara._models.account import Credit as Credit
from qlara._models.account import ExportJob as ExportJob
from qlara._models.account import SocialProfile as SocialProfile
from qlara._models.account import Subscription as Subscription
from qlara._models.campaigns import Campaign as Campaign
from qlara._models.campaigns import CampaignGoal as CampaignGoal
from qlara._models.campaigns import CampaignPrice as CampaignPrice
from qlara._models.campaigns import CampaignStats as CampaignStats
from qlara._models.campaigns import CampaignStatus as CampaignStatus
from qlara._models.campaigns import SendingMode as SendingMode
from qlara._models.contacts import Contact as Contact
from qlara._models.contacts import ContactImport as ContactImport
from qlara._models.contacts import ContactList as ContactList
from qlara._models.contacts import ImportProblem as ImportProblem
from qlara._models.contacts import ImportSummary as ImportSummary
from qlara._models.inbox import AssignableUser as AssignableUser
from qlara._models.inbox import Conversation as Conversation
from qlara._models.inbox import InboxMessage as InboxMessage
from qlara._models.inbox import InboxReply as InboxReply
from qlara._models.inbox import MediaItem as MediaItem
from qlara._models.legacy import LegacyResult as LegacyResult
from qlara._models.legacy import LegacySendResult as LegacySendResult
from qlara._models.legacy import LegacySms as LegacySms
from qlara._models.outcome import Outcome as Outcome
from qlara._models.ratelimit import RateLimit as RateLimit
from qlara._models.status import DeliveryStatus as DeliveryStatus
from qlara._models.status import MessageStatus as MessageStatus
from qlara._models.status import WebhookConfig as WebhookConfig
from qlara._models.templates import PhoneNumber as PhoneNumber
from qlara._models.templates import RcsTemplate as RcsTemplate
from qlara._models.templates import TemplateButton as TemplateButton
from qlara._models.templates import TemplateComponent as TemplateComponent
from qlara._models.templates import WhatsAppButton as WhatsAppButton
from qlara._models.templates import WhatsAppTemplateDetails as WhatsAppTemplateDetails
from qlara._pagination import AsyncPager as AsyncPager
from qlara._pagination import Page as Page
from qlara._raw import RawResponse as RawResponse
from qlara._retry import RetryPolicy as RetryPolicy
from qlara._segments import Segments as Segments
from qlara._segments import segments as segments
from qlara._sync import Qlara as Qlara
from qlara._version import __version__ as __version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "AssignableUser",
    "AsyncPager",
    "AsyncQlara",
    "AuthenticationError",
    "BadRequestError",
    "BasicAuth",
    "Campaign",
    "CampaignGoal",
    "CampaignPrice",
    "CampaignStats",
    "CampaignStatus",
    "Channel",
    "ChannelResult",
    "ConfigurationError",
    "ConflictError",
    "Contact",
    "ContactImport",
    "ContactList",
    "ContactsQuota",
    "Conversation",
    "CreatedApiKey",
    "Credit",
    "DeliveryStatus",
    "ExportJob",
    "FallbackOutcome",
    "FallbackStep",
    "ImportProblem",
    "ImportSummary",
    "InboxMessage",
    "InboxReply",
    "InternalServerError",
    "JournalError",
    "LegacyResult",
    "LegacySendResult",
    "LegacySms",
    "MalformedResponseError",
    "MediaItem",
    "MessageStatus",
    "NotFoundError",
    "Outcome",
    "OutcomeUnknownError",
    "Page",
    "Pager",
    "PermissionDeniedError",
    "PhoneNumber",
    "Qlara",
    "QlaraError",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "RcsAction",
    "RcsCard",
    "RcsCarousel",
    "RcsDial",
    "RcsFallback",
    "RcsMedia",
    "RcsMessage",
    "RcsOpenUrl",
    "RcsReply",
    "RcsTemplate",
    "RcsText",
    "RetryPolicy",
    "Segments",
    "SendResult",
    "SendingMode",
    "SmsFallback",
    "SmsMessage",
    "SocialProfile",
    "Subscription",
    "TemplateButton",
    "TemplateComponent",
    "ValidationError",
    "WebhookConfig",
    "WebhookError",
    "WhatsAppButton",
    "WhatsAppMessage",
    "WhatsAppTemplate",
    "WhatsAppTemplateDetails",
    "__version__",
    "segments",
    "webhooks",
]
