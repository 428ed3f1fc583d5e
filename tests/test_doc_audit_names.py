"""Audit: documented response fields readable under their snake_case names (design §3's rule).

Design §3 takes the wire names "from api/qlara-api.md, snake_cased", and every
model keeps ``.raw``; a user reading a documented field reaches for its
snake_case name first. The first test pins the names the models always
followed; the others, documented fields a model renamed or dropped, now read
under their wire names too (an alias beside the model's own name, or a field).
"""

from __future__ import annotations

from datetime import datetime, timezone

import httpx

from tests.test_doc_audit_support import GW, GW_INVERTED, Fake, Route, async_client, respond


def _listing(items: list[dict[str, object]]) -> Route:
    def route(request: httpx.Request) -> httpx.Response:
        page = dict(httpx.QueryParams(request.url.query)).get("page", "0")
        return httpx.Response(200, json=items if page == "0" else [])

    return route


async def test_documented_names_that_follow_the_rule() -> None:
    """Campaign, contact list, import, quota, credit, social and webhook fields keep their names."""
    fake = Fake(
        {
            ("GET", f"{GW}/campaigns/1"): respond(
                200,
                {
                    "id": 1,
                    "totalDestinations": 3,
                    "totalSuccess": 2,
                    "totalFailed": 1,
                    "smsBody": "x",
                    "readyToSend": True,
                },
            ),
            ("GET", f"{GW_INVERTED}/subscription/contacts"): respond(
                200, {"planLimit": 1, "extraLimit": 2, "totalLimit": 3, "used": 1, "remaining": 2}
            ),
            ("GET", f"{GW_INVERTED}/socials/facebook"): respond(
                200,
                {
                    "platform": "facebook",
                    "profileId": "p",
                    "tokenExpiresAt": "2026-01-01T00:00:00Z",
                    "connectedAt": "2025-01-01T00:00:00Z",
                },
            ),
        }
    )
    async with async_client(fake) as client:
        campaign = await client.campaigns.get(1)
        quota = await client.account.contacts_quota()
        social = await client.socials.get("facebook")
    assert (campaign.total_destinations, campaign.total_success, campaign.total_failed) == (3, 2, 1)
    assert campaign.sms_body == "x"
    assert campaign.ready_to_send is True
    assert (quota.plan_limit, quota.extra_limit, quota.total_limit) == (1, 2, 3)
    assert social.profile_id == "p"
    assert social.token_expires_at == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert social.connected_at == datetime(2025, 1, 1, tzinfo=timezone.utc)


async def test_subscription_id_and_canceled() -> None:
    """UC-016's ``subscriptionId`` and [NEW-API]'s ``canceled`` are documented fields."""
    fake = Fake(
        {
            ("GET", f"{GW_INVERTED}/subscription"): respond(
                200, {"subscriptionId": "sub_1", "status": "CANCELED", "canceled": True}
            )
        }
    )
    async with async_client(fake) as client:
        subscription = await client.account.subscription()
    assert subscription.subscription_id == "sub_1"
    assert subscription.canceled is True


async def test_social_profile_disconnected_flag() -> None:
    """[NEW-API] list-socials documents a ``disconnected`` flag (reconnect in the dashboard)."""
    fake = Fake(
        {
            ("GET", f"{GW_INVERTED}/socials"): _listing(
                [{"platform": "linkedin", "username": "shop", "disconnected": True}]
            )
        }
    )
    async with async_client(fake) as client:
        (profile,) = [p async for p in client.socials.list()]
    assert profile.username == "shop"
    assert profile.disconnected is True


async def test_assignable_user_display_name() -> None:
    """list-assignable-users documents "user ID, display name, optional avatar URL"."""
    fake = Fake(
        {
            ("GET", f"{GW}/inbox/conversations/assignable-users"): _listing(
                [{"id": 7, "displayName": "Eva", "avatarUrl": "https://a.example/e.png"}]
            )
        }
    )
    async with async_client(fake) as client:
        (user,) = [u async for u in client.inbox.assignable_users()]
    assert user.avatar_url == "https://a.example/e.png"
    assert user.display_name == "Eva"


async def test_conversation_chat_id() -> None:
    """Every inbox call takes ``chat_id``; the conversation read back offers ``chat_id`` too."""
    fake = Fake(
        {
            ("GET", f"{GW}/inbox/conversations/chat-1"): respond(
                200, {"chatId": "chat-1", "channel": "RCS"}
            )
        }
    )
    async with async_client(fake) as client:
        conversation = await client.inbox.get("chat-1")
    assert conversation.id == "chat-1"
    assert conversation.chat_id == "chat-1"
