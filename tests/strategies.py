"""Hypothesis strategies for the models, kept in one place."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

import qlara

e164 = st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)
words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).filter(str.strip)
short_words = st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=25).filter(str.strip)
senders = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,10}", fullmatch=True).filter(str.strip),
    st.from_regex(r"[0-9]{1,16}", fullmatch=True),
)
ids = st.from_regex(r"[A-Za-z0-9-]{1,40}", fullmatch=True)
aware_dates = st.builds(
    lambda dt, minutes: dt.replace(
        microsecond=dt.microsecond // 1000 * 1000, tzinfo=timezone(timedelta(minutes=minutes))
    ),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
placeholders = st.one_of(st.none(), st.dictionaries(ids, words, max_size=3))
https_urls = st.from_regex(r"https://[a-z]{1,10}\.example/[a-z0-9]{0,10}", fullmatch=True)

suggestions = st.lists(
    st.one_of(
        st.builds(qlara.RcsReply, text=short_words, postback_data=st.none() | ids),
        st.builds(qlara.RcsOpenUrl, text=short_words, url=https_urls),
        st.builds(qlara.RcsDial, text=short_words, phone_number=e164),
        st.builds(
            qlara.RcsAction,
            type=st.sampled_from(["calendar", "location"]),
            text=short_words,
            payload=st.dictionaries(ids, ids, max_size=2),
        ),
    ),
    max_size=4,
)
sms_fallbacks = st.none() | st.builds(qlara.SmsFallback, sender=senders, body=words)
media = st.none() | st.builds(
    qlara.RcsMedia, file_url=https_urls, height=st.sampled_from([None, "SHORT", "MEDIUM", "TALL"])
)
carousel_cards = st.builds(
    qlara.RcsCard, title=words, description=st.none() | words, media=media, suggestions=suggestions
)
rcs_bodies = st.one_of(
    st.builds(qlara.RcsText, text=words, suggestions=suggestions, fallback_sms=sms_fallbacks),
    st.builds(
        qlara.RcsCard,
        title=words,
        description=st.none() | words,
        media=media,
        suggestions=suggestions,
        orientation=st.sampled_from(["VERTICAL", "HORIZONTAL"]),
        thumbnail_alignment=st.sampled_from([None, "LEFT", "RIGHT"]),
        fallback_sms=sms_fallbacks,
    ),
    st.builds(
        qlara.RcsCarousel,
        cards=st.lists(carousel_cards, min_size=2, max_size=10),
        card_width=st.sampled_from(["SMALL", "MEDIUM"]),
        fallback_sms=sms_fallbacks,
    ),
)

envelope = {
    "destination": e164,
    "message_id": st.none() | ids,
    "campaign_id": st.none() | ids,
    "simulation": st.booleans(),
    "scheduled_date": st.none() | aware_dates,
    "placeholders": placeholders,
}

sms_messages = st.builds(
    qlara.SmsMessage,
    body=words,
    sender=senders,
    enable_notification=st.booleans(),
    skip_rcs_override=st.booleans(),
    udh_data=st.none() | st.from_regex(r"([0-9a-f]{2}){1,8}", fullmatch=True),
    **envelope,
)
rcs_messages = st.one_of(
    st.builds(qlara.RcsMessage, agent_id=st.integers(1, 10**6), body=rcs_bodies, **envelope),
    st.builds(
        qlara.RcsMessage,
        agent_id=st.integers(1, 10**6),
        template_id=st.integers(1, 10**6),
        max_sms_parts=st.none() | st.integers(1, 10),
        **envelope,
    ),
)
templates = st.one_of(
    st.builds(qlara.WhatsAppTemplate, id=st.integers(1, 10**6) | ids),
    st.builds(
        qlara.WhatsAppTemplate,
        name=ids,
        language=st.sampled_from(["it", "en"]),
        parameters=st.none() | st.lists(words, max_size=3),
    ),
)
whatsapp_messages = st.builds(
    qlara.WhatsAppMessage,
    phone_number_id=st.integers(1, 10**6) | ids,
    template=templates,
    fallback_sms=sms_fallbacks,
    enable_notification=st.none() | st.booleans(),
    **envelope,
)
messages = st.one_of(sms_messages, rcs_messages, whatsapp_messages)
