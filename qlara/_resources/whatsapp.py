"""``client.whatsapp``: WhatsApp sends with RCS and SMS fallback."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from qlara._blocking import SyncResource, blocking
from qlara._http import TimeoutTypes
from qlara._models import RcsFallback, SendResult, SmsFallback, WhatsAppMessage, WhatsAppTemplate
from qlara._resources import _sending
from qlara._resources._base import AsyncResource


class AsyncWhatsApp(AsyncResource):
    """Send WhatsApp templates (or free-form replies inside the 24 h window)."""

    async def send(
        self,
        *,
        destination: str,
        phone_number_id: int | str,
        template: WhatsAppTemplate | None = None,
        body: Mapping[str, Any] | str | None = None,
        placeholders: Mapping[str, str] | None = None,
        fallback_rcs: RcsFallback | None = None,
        fallback_sms: SmsFallback | None = None,
        message_id: str | None = None,
        campaign_id: str | None = None,
        simulation: bool = False,
        enable_notification: bool | None = None,
        scheduled_date: datetime | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send one WhatsApp message (see ``WhatsAppMessage``): ``template`` or ``body``.

        Raises:
            ValidationError: a field is invalid; nothing was sent.
            OutcomeUnknownError: the send may have landed; poll its ``message_id``.
            APIStatusError: the platform refused it.
        """
        message = WhatsAppMessage(
            destination=destination,
            phone_number_id=phone_number_id,
            template=template,
            body=body,
            placeholders=placeholders,
            fallback_rcs=fallback_rcs,
            fallback_sms=fallback_sms,
            message_id=_sending.new_message_id() if message_id is None else message_id,
            campaign_id=campaign_id,
            simulation=simulation,
            enable_notification=enable_notification,
            scheduled_date=scheduled_date,
        )
        return await self.send_message(
            message, timeout=timeout, extra_headers=extra_headers, extra_body=extra_body
        )

    async def send_message(
        self,
        message: WhatsAppMessage,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send a prepared ``WhatsAppMessage``."""
        options = _sending.call_options(timeout, extra_headers, extra_body)
        return await _sending.send(self._http, message, WhatsAppMessage, options)


class WhatsApp(SyncResource):
    """Blocking ``client.whatsapp``."""

    send = blocking(AsyncWhatsApp.send)
    send_message = blocking(AsyncWhatsApp.send_message)
