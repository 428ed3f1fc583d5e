"""``qlara.testing``: an offline Qlara for tests, demos and benchmarks.

The ``Simulator`` keeps the platform's state in memory and answers every
endpoint the SDK calls, as the platform's documentation describes them
(validation, status codes, error bodies, rate limits, the message lifecycle
and delivery callbacks), plus fault injection and inspection for tests.

Use it in-process::

    sim = qlara.testing.Simulator()
    async with qlara.AsyncQlara(api_key="test", transport=sim.transport()) as client:
        result = await client.sms.send(destination="+393401234567", body="Hi", sender="Shop")
    sim.advance(5)
    assert sim.status_of(result.message_id) == "DELIVERED"

or over real HTTP on loopback (``serve``), or as an ASGI app (``sim.asgi_app()``).
It needs only the core dependencies.

Sends in the Quick Start's older dialect (``phoneNumber``, ``message``,
``senderName``; ``templateId`` + ``variables``) are accepted and answered in
the older response shape, but their delivery callbacks are the guide's
``DELIVERY`` / ``READ`` payloads (``eventType``, ``statusCode`` 3 or 6,
``customerMessageId``), not the older payload with a ``status`` string: the
simulator speaks one callback dialect, the one ``qlara.webhooks`` parses.

It also keeps the account's channel assets: WhatsApp sender numbers (one
seeded, more with ``sim.add_phone_number``), WhatsApp templates with Meta's
review on the simulator clock (``approve_template``, ``reject_template``,
``review_templates(after=...)``; a send of a known, unapproved template is a
400), RCS templates, the media library, inbound files at ``/api/files/{key}``
(``inject_inbound(..., media=b"...")``, ``add_file``), and the inbox: inbound
messages become conversations that a reply answers within WhatsApp's 24-hour
window and is refused after it.

The account half of the API is there too (contacts, lists, imports,
campaigns, exports, credit, subscription, social profiles, API keys); its
state is ``sim.platform``, a ``PlatformState`` whose credit, prices, quota and
export timing a test may set.

A 400 names the offending field by its full wire path, e.g.
``body.body.suggestions[0].text``; suggestion labels over 25 characters are
refused there as the SDK refuses them.
"""

from qlara.testing._faults import Delay as Delay
from qlara.testing._faults import Drop as Drop
from qlara.testing._faults import Fault as Fault
from qlara.testing._faults import Faults as Faults
from qlara.testing._faults import Malformed as Malformed
from qlara.testing._faults import Status as Status
from qlara.testing._platform import PlatformState as PlatformState
from qlara.testing._server import Server as Server
from qlara.testing._server import serve as serve
from qlara.testing._simulator import Simulator as Simulator
from qlara.testing._state import Lifecycle as Lifecycle
from qlara.testing._state import SentMessage as SentMessage
from qlara.testing._wire import SimRequest as SimRequest
from qlara.testing._wire import SimResponse as SimResponse

__all__ = [
    "Delay",
    "Drop",
    "Fault",
    "Faults",
    "Lifecycle",
    "Malformed",
    "PlatformState",
    "SentMessage",
    "Server",
    "SimRequest",
    "SimResponse",
    "Simulator",
    "Status",
    "serve",
]
