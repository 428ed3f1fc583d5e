"""``client.whatsapp``: WhatsApp sends with RCS and SMS fallback; sender numbers and templates.

``send(..., check_template=True)`` checks the template first (approved, the
placeholders fit; ``client.whatsapp.templates.check``), reusing an approved
template fetched by this client in the last five minutes. Off by default:
the first check of a template costs a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from qlara._blocking import SyncResource, blocking, sync_child
from qlara._errors import ValidationError
from qlara._http import TimeoutTypes
from qlara._models import RcsFallback, SendResult, SmsFallback, WhatsAppMessage, WhatsAppTemplate
from qlara._resources import _sending
from qlara._resources._base import AsyncResource, child
from qlara._resources.phone_numbers import AsyncPhoneNumbers, PhoneNumbers
from qlara._resources.whatsapp_templates import AsyncWhatsAppTemplates, WhatsAppTemplates


class AsyncWhatsApp(AsyncResource):
    """Send WhatsApp templates (or free-form replies inside the 24 h window)."""

    phone_numbers = child(AsyncPhoneNumbers)
    templates = child(AsyncWhatsAppTemplates)

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
        check_template: bool = False,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send one WhatsApp message (see ``WhatsAppMessage``): ``template`` or ``body``.

        With ``check_template=True`` the template is checked first (see
        ``client.whatsapp.templates.check``): a template that is not approved,
        or placeholders that do not fit it, raise before anything is sent.
        A template given by name is looked up among the sender number's.

        Raises:
            ValidationError: a field is invalid, or the checked template would be
                refused; nothing was sent.
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
            message,
            check_template=check_template,
            timeout=timeout,
            extra_headers=extra_headers,
            extra_body=extra_body,
        )

    async def send_message(
        self,
        message: WhatsAppMessage,
        *,
        check_template: bool = False,
        timeout: TimeoutTypes = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> SendResult:
        """Send a prepared ``WhatsAppMessage`` (``check_template`` as for ``send``)."""
        options = _sending.call_options(timeout, extra_headers, extra_body)
        if check_template:
            await self._check(message, timeout, extra_headers)
        return await _sending.send(self._http, message, WhatsAppMessage, options)

    async def _check(
        self,
        message: WhatsAppMessage,
        timeout: TimeoutTypes,
        extra_headers: Mapping[str, str] | None,
    ) -> None:
        template = message.template
        if template is None:
            raise ValidationError("check_template", "needs a template (this is a free-form body)")
        template_id = template.id
        if template_id is None:
            # The whole listing (a number has few templates): a ``break`` out of the
            # pager would leave its generator for the garbage collector to close.
            listed = await self.templates.list(
                phone_number_id=message.phone_number_id,
                timeout=timeout,
                extra_headers=extra_headers,
            ).to_list()
            matches = [  # an item that does not say its language matches by name
                t.id
                for t in listed
                if t.name == template.name and t.language in (None, template.language)
            ]
            if not matches:
                raise ValidationError(
                    "template",
                    f"no template named {template.name!r} in {template.language!r} for "
                    f"phone number {message.phone_number_id!r}",
                )
            template_id = matches[0]
        await self.templates.check(
            template_id,
            message.placeholders,
            cached=True,
            timeout=timeout,
            extra_headers=extra_headers,
        )


class WhatsApp(SyncResource):
    """Blocking ``client.whatsapp``."""

    phone_numbers = sync_child(PhoneNumbers)
    templates = sync_child(WhatsAppTemplates)

    send = blocking(AsyncWhatsApp.send)
    send_message = blocking(AsyncWhatsApp.send_message)
