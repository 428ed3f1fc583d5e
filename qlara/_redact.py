"""Secrets in URLs, masked for display.

The README tells users to put a shared secret in the callback URL
(``https://example.com/hook?token=...``). Anything the SDK prints (a repr, an
error, a log line, the CLI's output) shows such a URL through ``mask_url``:
every query value and a userinfo password become ``***``, the rest stays
readable so the URL can still be recognised. The real URL stays on the
attribute that holds it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "mask_url", "show_url"]

MASK = "***"


def _mask_query(query: str) -> str:
    masked = []
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        masked.append(f"{name}={MASK}" if equals else (MASK if pair else pair))
    return "&".join(masked)


def mask_url(url: str) -> str:
    """``url`` with every query value and any userinfo password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        # Unparseable (a bad port, a broken IPv6 host): mask all after the first '?' or '@'.
        head = url.split("?", 1)[0]
        if "@" in head:
            head = head.split("//", 1)[0] + "//" + MASK + "@" + head.rsplit("@", 1)[1]
        return head + (f"?{MASK}" if "?" in url else "")
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{host}" if colon else f"{userinfo}@{host}"
    query = _mask_query(parts.query) if parts.query else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def show_url(value: object) -> str:
    """A short, masked description of a URL (or of what was given instead) for errors."""
    if not isinstance(value, str):
        return f"a {type(value).__name__}"
    text = repr(mask_url(value))
    return text if len(text) <= 120 else text[:117] + "..."
