"""``client.rcs``: RCS sends, inline content or stored templates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from qlara._blocking import SyncResource, blocking, sync_child
from qlara._http import TimeoutTypes
from qlara._models import RcsBody, RcsMessage, SendResult
from qlara._resources import _sending
from qlara._resources._base import AsyncResource, child
from qlara._resources.rcs_templates import AsyncRcsTemplates, RcsTemplates


class AsyncRcs(AsyncResource):
    """Send RCS messages: text, rich cards, carousels or templates; ``templates`` stores them."""

    templates = child(AsyncRcsTemplates)

    async def send(
        self,
        *,
        destination: str,
        agent_id: int,
        body: RcsBody | None = None,
        template_id: int | str | None = None,
        message_id: str | None = None,
        campaign_id: str | None = None,
        simulation: bool = False,
        enable_notification: bool = True,
        max_sms_parts: int | None = None,
        placeholders: Mapping[str, str] | None = None,
        scheduled_date: datetime | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send one RCS message (see ``RcsMessage``): give ``body`` or ``template_id``.

        Raises:
            ValidationError: a field is invalid; nothing was sent.
            OutcomeUnknownError: the send may have landed; poll its ``message_id``.
            APIStatusError: the platform refused it.
        """
        message = RcsMessage(
            destination=destination,
            agent_id=agent_id,
            body=body,
            template_id=template_id,
            message_id=_sending.new_message_id() if message_id is None else message_id,
            campaign_id=campaign_id,
            simulation=simulation,
            enable_notification=enable_notification,
            max_sms_parts=max_sms_parts,
            placeholders=placeholders,
            scheduled_date=scheduled_date,
        )
        return await self.send_message(
            message, timeout=timeout, extra_headers=extra_headers, extra_body=extra_body
        )

    async def send_message(
        self,
        message: RcsMessage,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send a prepared ``RcsMessage``."""
        options = _sending.call_options(timeout, extra_headers, extra_body)
        return await _sending.send(self._http, message, RcsMessage, options)


class Rcs(SyncResource):
    """Blocking ``client.rcs``."""

    templates = sync_child(RcsTemplates)

    send = blocking(AsyncRcs.send)
    send_message = blocking(AsyncRcs.send_message)
