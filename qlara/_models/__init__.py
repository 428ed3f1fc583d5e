"""Pure data: the messages users build and the results they get back."""

from qlara._models.channel import Channel as Channel
from qlara._models.fallback import SmsFallback as SmsFallback
from qlara._models.message import Message as Message
from qlara._models.rcs import RcsAction as RcsAction
from qlara._models.rcs import RcsBody as RcsBody
from qlara._models.rcs import RcsCard as RcsCard
from qlara._models.rcs import RcsCarousel as RcsCarousel
from qlara._models.rcs import RcsDial as RcsDial
from qlara._models.rcs import RcsMedia as RcsMedia
from qlara._models.rcs import RcsMessage as RcsMessage
from qlara._models.rcs import RcsOpenUrl as RcsOpenUrl
from qlara._models.rcs import RcsReply as RcsReply
from qlara._models.rcs import RcsSuggestion as RcsSuggestion
from qlara._models.rcs import RcsText as RcsText
from qlara._models.results import ChannelResult as ChannelResult
from qlara._models.results import SendResult as SendResult
from qlara._models.sms import SmsMessage as SmsMessage
from qlara._models.whatsapp import RcsFallback as RcsFallback
from qlara._models.whatsapp import WhatsAppMessage as WhatsAppMessage
from qlara._models.whatsapp import WhatsAppTemplate as WhatsAppTemplate

AnyMessage = SmsMessage | RcsMessage | WhatsAppMessage
