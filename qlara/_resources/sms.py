"""``client.sms``: SMS Universal sends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from qlara._blocking import SyncResource, blocking
from qlara._http import TimeoutTypes
from qlara._models import SendResult, SmsMessage
from qlara._resources import _sending
from qlara._resources._base import AsyncResource


class AsyncSms(AsyncResource):
    """Send SMS, one message to one recipient per request."""

    async def send(
        self,
        *,
        destination: str,
        body: str,
        sender: str,
        message_id: str | None = None,
        campaign_id: str | None = None,
        simulation: bool = False,
        enable_notification: bool = True,
        placeholders: Mapping[str, str] | None = None,
        scheduled_date: datetime | None = None,
        skip_rcs_override: bool = False,
        udh_data: str | None = None,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send one SMS (see ``SmsMessage`` for the fields).

        Returns:
            The platform's verdict; ``accepted`` is not ``delivered``.

        Raises:
            ValidationError: a field is invalid; nothing was sent.
            OutcomeUnknownError: the send may have landed; poll its ``message_id``.
            APIStatusError: the platform refused it.
        """
        message = SmsMessage(
            destination=destination,
            body=body,
            sender=sender,
            message_id=_sending.new_message_id() if message_id is None else message_id,
            campaign_id=campaign_id,
            simulation=simulation,
            enable_notification=enable_notification,
            placeholders=placeholders,
            scheduled_date=scheduled_date,
            skip_rcs_override=skip_rcs_override,
            udh_data=udh_data,
        )
        return await self.send_message(
            message, timeout=timeout, extra_headers=extra_headers, extra_body=extra_body
        )

    async def send_message(
        self,
        message: SmsMessage,
        *,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send a prepared ``SmsMessage``."""
        options = _sending.call_options(timeout, extra_headers, extra_body)
        return await _sending.send(self._http, message, SmsMessage, options)


class Sms(SyncResource):
    """Blocking ``client.sms``."""

    send = blocking(AsyncSms.send)
    send_message = blocking(AsyncSms.send_message)
