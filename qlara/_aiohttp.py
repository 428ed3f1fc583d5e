"""The aiohttp wire (``http_backend="aiohttp"``, the ``qlara[aiohttp]`` extra).

The same ``Prepared`` request the httpx wire sends, carried by aiohttp, which
costs a fraction of httpx's CPU per request (see README, Performance). The
pipeline in ``qlara/_http.py`` does everything else, so retries, the
ambiguity rule, errors and logs are the same; what this module must keep the
same is the wire's own semantics:

- the pool: at most ``POOL_SIZE`` requests in flight (our own slots, so a
  wait for one is a *pool* timeout, raised before anything is sent), idle
  connections kept 30 s;
- timeouts per attempt from the ``httpx.Timeout``: ``connect`` for making the
  connection (the name lookup included), ``read`` for each wait on the
  answer, ``pool`` for a free slot (aiohttp has no write timeout; a write
  that stalls is bounded by ``read`` once the answer is awaited);
- failures classified as the httpx wire classifies its own (``Failure``);
- no redirects followed, no cookies kept (tenants share the pool), proxies
  from the environment as httpx reads them (``HTTP(S)_PROXY``, ``ALL_PROXY``,
  ``NO_PROXY``), chosen here per host: aiohttp's own ``trust_env`` would also
  add ``~/.netrc`` credentials as an ``Authorization`` header beside the key
  (and refuse a Basic copy's own one).

asyncio only: aiohttp does not run on trio (``ConfigurationError``). The
session is made on first use, inside the loop that uses it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import os
import urllib.request
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from qlara._backend import (
    DOWNLOAD_CHUNK,
    Failure,
    Prepared,
    WireResponse,
    files_scope,
    opened_files,
    save,
)
from qlara._errors import ConfigurationError, ValidationError
from qlara._request import Answer
from qlara._upload import Borrowed

__all__ = ["POOL_SIZE", "AiohttpWire"]

POOL_SIZE = 16
KEEPALIVE = 30.0
URL_CACHE = 256
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"  # besides letters, digits and "_.-"


class PoolTimeout(asyncio.TimeoutError):  # named as httpx names it
    """No free connection within the pool timeout: nothing was sent."""


class AiohttpWire:
    """An ``aiohttp.ClientSession`` behind the pipeline; the SDK owns it."""

    default_headers = _NO_HEADERS
    owns = True

    def __init__(self, *, pool_size: int = POOL_SIZE) -> None:
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None
        self._timeout_of: tuple[Any, aiohttp.ClientTimeout] | None = None
        self._urls: dict[str, URL] = {}
        self._headers_of: tuple[Mapping[str, str], CIMultiDict[str]] | None = None
        self._proxies: dict[str, str] = {}
        self._proxy_of: dict[tuple[str, str], tuple[URL | None, str | None]] = {}
        self.closed = False

    def check_usable(self, library: str) -> None:
        if library != "asyncio":
            raise ConfigurationError(
                f"http_backend='aiohttp' runs on asyncio only, and this is {library}; "
                "use the default http_backend='httpx' here"
            )

    def _open(self) -> aiohttp.ClientSession:
        if self.closed:
            raise RuntimeError("the aiohttp session is closed")
        connector = aiohttp.TCPConnector(
            limit=self._pool_size, limit_per_host=0, keepalive_timeout=KEEPALIVE
        )
        # httpx reads proxies from the environment once; aiohttp would per request.
        self._proxies = urllib.request.getproxies()
        self._proxy_of.clear()
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # never ~/.netrc: its Authorization would join the key
        )
        self._slots = asyncio.Semaphore(self._pool_size)
        return self._session

    def _timeout(self, timeout: Any) -> aiohttp.ClientTimeout:
        cached = self._timeout_of
        if cached is not None and cached[0] is timeout:
            return cached[1]
        # ``connect`` bounds the name lookup and the connection as httpx's does
        # (``sock_connect`` alone left a stalled DNS lookup unbounded).
        converted = aiohttp.ClientTimeout(
            total=None,
            connect=timeout.connect,
            sock_connect=timeout.connect,
            sock_read=timeout.read,
        )
        self._timeout_of = (timeout, converted)
        return converted

    async def send(
        self, prepared: Prepared, answer: Answer, to: str | os.PathLike[str] | None
    ) -> tuple[WireResponse, str | os.PathLike[str] | None]:
        session = self._session or self._open()
        slots = self._slots
        assert slots is not None
        if slots.locked():
            try:
                await asyncio.wait_for(slots.acquire(), prepared.timeout.pool)
            except asyncio.TimeoutError:
                raise PoolTimeout(f"no free connection in {prepared.timeout.pool} s") from None
        else:
            await slots.acquire()
        try:
            with files_scope(prepared) as files:
                data: Any = prepared.content if files is None else _body(prepared, files)
                if data is None and prepared.form:
                    data = dict(prepared.form)
                url = self._url(prepared)
                headers: Mapping[str, str] = self._multidict(prepared.headers)
                proxy = proxy_headers = None
                if self._proxies:
                    proxy, proxy_auth = self._proxy(url)
                    if proxy_auth is not None:
                        # aiohttp sends these to the proxy only on a CONNECT (https);
                        # to a plain http proxy they travel with the request itself.
                        auth = {"Proxy-Authorization": proxy_auth}
                        if url.scheme == "https":
                            proxy_headers = auth
                        else:
                            headers = {**headers, **auth}
                async with session.request(
                    prepared.method,
                    url,
                    data=data,
                    headers=headers,
                    timeout=self._timeout(prepared.timeout),
                    allow_redirects=False,
                    proxy=proxy,
                    proxy_headers=proxy_headers,
                ) as response:
                    if answer is Answer.FILE and 200 <= response.status < 300:
                        saved = await save(response.content.iter_chunked(DOWNLOAD_CHUNK), to)
                        return _answer_of(response, b""), saved
                    return _answer_of(response, await response.read()), None
        finally:
            slots.release()

    def _multidict(self, headers: Mapping[str, str]) -> Mapping[str, str]:
        """aiohttp's own header type, made once per shared mapping (see ``Prepared``).

        Handed a plain dict, aiohttp converts it on every request.
        """
        known = self._headers_of
        if known is not None and known[0] is headers:
            return known[1]
        converted = CIMultiDict(headers)
        self._headers_of = (headers, converted)
        return converted

    def _url(self, prepared: Prepared) -> URL:
        """The request's URL, already percent-encoded (parsed once per distinct URL)."""
        url = prepared.url
        if prepared.query:
            url += ("&" if "?" in url else "?") + urlencode(prepared.query, quote_via=quote)
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= URL_CACHE:
                self._urls.clear()
            # What httpx encodes on its own (a space, non-ASCII), percent-encoded
            # here; escapes already there and reserved characters are kept.
            parsed = self._urls[url] = URL(quote(url, safe=_URL_SAFE), encoded=True)
        return parsed

    def _proxy(self, url: URL) -> tuple[URL | None, str | None]:
        """The environment's proxy for this URL's host, and its credentials as a header value."""
        where = (url.scheme, url.host or "")
        found = self._proxy_of.get(where)
        if found is None:
            proxies = self._proxies
            raw = proxies.get(url.scheme) or proxies.get("all")
            if not raw or (url.host and urllib.request.proxy_bypass(url.host)):
                found = (None, None)
            else:
                proxy = URL(raw if "://" in raw else f"http://{raw}")
                auth = None
                if proxy.user is not None:
                    pair = f"{proxy.user}:{proxy.password or ''}".encode()
                    auth = f"Basic {base64.b64encode(pair).decode()}"
                    proxy = proxy.with_user(None)
                found = (proxy, auth)
            self._proxy_of[where] = found
        return found

    def failure(self, exc: BaseException) -> Failure | None:
        if isinstance(exc, PoolTimeout):
            return Failure.POOL_TIMEOUT
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return Failure.CONNECT_TIMEOUT
        if isinstance(exc, asyncio.TimeoutError):  # SocketTimeoutError: no answer in time
            return Failure.READ_TIMEOUT
        if isinstance(exc, (aiohttp.ClientConnectorError, aiohttp.ClientHttpProxyError)):
            return Failure.CONNECT  # a proxy refusing the tunnel: nothing reached the platform
        if isinstance(exc, aiohttp.InvalidURL):
            return Failure.UNSENDABLE
        if isinstance(exc, aiohttp.ClientPayloadError) and "encoding" in str(exc).lower():
            return Failure.UNDECODABLE
        if isinstance(exc, (aiohttp.ClientError, OSError)):
            return Failure.BROKEN
        if isinstance(exc, RuntimeError) and (self.closed or "closed" in str(exc).lower()):
            return Failure.CLOSED
        return None

    async def aclose(self) -> None:
        self.closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _body(prepared: Prepared, files: contextlib.ExitStack) -> aiohttp.FormData:
    """A multipart body: the form's fields, then the files (opened for this attempt)."""
    form = aiohttp.FormData()
    for name, value in (prepared.form or {}).items():
        form.add_field(name, value)
    try:
        for field, (name, content, kind) in opened_files(prepared.files, files):
            # aiohttp closes a file it has sent: lend it a view it may close instead.
            lent = content if isinstance(content, (bytes, io.BytesIO)) else Borrowed(content)
            form.add_field(field, lent, filename=name, content_type=kind)
    except (TypeError, ValueError) as exc:
        raise ValidationError("request", f"cannot be built: {type(exc).__name__}") from None
    return form


def _answer_of(response: aiohttp.ClientResponse, content: bytes) -> WireResponse:
    headers = response.headers
    return WireResponse(response.status, response.reason or "", headers, content, headers.items)
