"""``client.request``, query encoding, uploads and downloads: the resource layer's pipeline."""

from __future__ import annotations

import enum
import io
import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

import qlara
from qlara._request import Answer, Request, Route, encode_query
from qlara._upload import upload
from tests.conftest import KEY

MakeClient = Callable[..., qlara.AsyncQlara]


class Recorder:
    """A MockTransport handler that remembers requests and plays answers in order."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.bodies: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.bodies.append(request.read())
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Color(enum.Enum):
    RED = "red"


def test_query_encoding_of_every_kind() -> None:
    """Ints, bools, lists, aware datetimes, dates and enums: as the platform reads them."""
    when = datetime(2026, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    pairs = encode_query(
        {
            "page": 0,
            "unreadOnly": True,
            "isTest": False,
            "listIds": [1, 2, 3],
            "dateFrom": when,
            "startDate": date(2026, 4, 1),
            "color": Color.RED,
            "search": "a b",
            "skipped": None,
            "empty": [],
        }
    )
    assert dict(pairs) == {
        "page": "0",
        "unreadOnly": "true",
        "isTest": "false",
        "listIds": "1,2,3",
        "dateFrom": "2026-04-01T09:30:00+02:00",
        "startDate": "2026-04-01",
        "color": "red",
        "search": "a b",
    }


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (datetime(2026, 1, 1), "timezone-aware"),
        (10**700, "too large"),
        (float("nan"), "finite"),
        (object(), "cannot be sent"),
        (["a,b"], "comma"),
    ],
)
def test_query_values_that_cannot_be_sent_are_refused(value: object, problem: str) -> None:
    """A value the query cannot carry is a ValidationError naming the parameter."""
    with pytest.raises(qlara.ValidationError) as caught:
        encode_query({"field": value})
    assert caught.value.field == "field"
    assert problem in caught.value.problem


def test_path_parameters_are_quoted_one_by_one() -> None:
    """A placeholder's value stays one path segment, whatever it holds."""
    route = Route("/partner-gateway/v1/contacts")
    assert route.at("{id}", id=7) == "/partner-gateway/v1/contacts/7"
    assert route.at("{id}/x", id="a/../b c") == "/partner-gateway/v1/contacts/a%2F..%2Fb%20c/x"
    for bad in ("", "  ", True, None, 1.5):
        with pytest.raises(qlara.ValidationError):
            route.at("{id}", id=bad)


async def test_a_dot_segment_id_is_refused_not_resolved(make_client: MakeClient) -> None:
    """An id of '.' or '..' is refused: sent, the URL would resolve to another endpoint."""
    platform = Recorder(httpx.Response(200, json={}))
    client = make_client(platform)
    route = Route("/partner-gateway/v1/contacts")
    for bad in (".", ".."):
        with pytest.raises(qlara.ValidationError, match="id"):
            route.at("{id}", id=bad)
        with pytest.raises(qlara.ValidationError, match="id"):
            await client.contacts.get(bad)
    assert route.at("{id}", id="...") == "/partner-gateway/v1/contacts/..."
    assert platform.requests == []


async def test_request_goes_through_the_pipeline(make_client: MakeClient) -> None:
    """client.request sends auth, query and JSON, and returns a RawResponse."""
    platform = Recorder(httpx.Response(201, json={"id": 9}, headers={"X-Thing": "1"}))
    client = make_client(platform)
    raw = await client.request(
        "post", "/partner-gateway/v1/contacts", params={"a": [1, 2]}, json={"phoneNumber": "+39"}
    )
    assert isinstance(raw, qlara.RawResponse)
    assert (raw.status_code, raw.json(), raw.headers["x-thing"]) == (201, {"id": 9}, "1")
    [sent] = platform.requests
    assert sent.method == "POST"
    assert (
        str(sent.url) == "https://lora-api.agiletelecom.com/api/partner-gateway/v1/contacts?a=1%2C2"
    )
    assert sent.headers["x-api-key"] == KEY
    assert json.loads(platform.bodies[0]) == {"phoneNumber": "+39"}
    assert KEY not in repr(raw)


async def test_request_errors_are_typed(make_client: MakeClient) -> None:
    """An error status raises the same typed error as every typed call."""
    client = make_client(Recorder(httpx.Response(404, json={"message": "no such contact"})))
    with pytest.raises(qlara.NotFoundError, match="no such contact"):
        await client.request("GET", "/partner-gateway/v1/contacts/1")


async def test_request_retries_by_method(make_client: MakeClient) -> None:
    """A GET is retried after a 502; a POST or PATCH that may have landed is never repeated."""
    get = Recorder(httpx.Response(502), httpx.Response(200, json=[]))
    client = make_client(get)
    assert (await client.request("GET", "/x")).json() == []
    assert len(get.requests) == 2
    for method in ("POST", "PATCH"):
        post = Recorder(httpx.Response(502), httpx.Response(200))
        client = make_client(post)
        with pytest.raises(qlara.OutcomeUnknownError):
            await client.request(method, "/x", json={})
        assert len(post.requests) == 1


async def test_request_refuses_bad_arguments_before_sending(make_client: MakeClient) -> None:
    """A bad method, path or mix of bodies is refused before anything goes out."""
    platform = Recorder(httpx.Response(200))
    client = make_client(platform)
    for call in (
        client.request("GE T", "/x"),
        client.request("GET", ""),
        client.request("GET", "https://elsewhere.example/x"),
        client.request("POST", "/x", json={}, files={"file": b"1"}),
        client.request("POST", "/x", files={"file": 42}),
    ):
        with pytest.raises(qlara.ValidationError):
            await call
    assert platform.requests == []


async def test_extra_body_on_get_travels_as_query(make_client: MakeClient) -> None:
    """extra_body on a GET is query parameters, and a value that cannot be one is refused."""
    platform = Recorder(httpx.Response(200, json={"callbackUrl": "https://a.example/h"}))
    client = make_client(platform)
    await client.webhooks.get(extra_body={"flag": True, "n": 3})
    assert dict(platform.requests[0].url.params) == {"flag": "true", "n": "3"}
    with pytest.raises(qlara.ValidationError) as caught:
        await client.webhooks.get(extra_body={"a": 10**700})
    assert caught.value.field == "extra_body['a']"
    assert len(platform.requests) == 1


async def test_multipart_upload_from_path_bytes_and_file(
    make_client: MakeClient, tmp_path: Path
) -> None:
    """Files go as multipart parts from a path, bytes or a binary file, with form fields."""
    image = tmp_path / "card.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 100)
    platform = Recorder(httpx.Response(200, json={}))
    client = make_client(platform)
    await client.request("POST", "/media", files={"file": image}, data={"name": "Card", "n": 1})
    await client.request("POST", "/media", files={"file": ("a.bin", b"\x00\x01")})
    with image.open("rb") as handle:
        await client.request("POST", "/media", files={"file": handle})
    first, second, third = platform.bodies
    assert b'filename="card.png"' in first
    assert b"Content-Type: image/png" in first
    assert b'name="name"\r\n\r\nCard' in first
    assert b'name="n"\r\n\r\n1' in first
    assert b'filename="a.bin"' in second
    assert b"\x00\x01" in second
    assert b"x" * 100 in third
    assert platform.requests[0].headers["content-type"].startswith("multipart/form-data")


async def test_an_upload_retried_sends_the_whole_file_again(make_client: MakeClient) -> None:
    """A file object is rewound before a retry, so the second attempt is complete."""
    platform = Recorder(httpx.ConnectError("refused"), httpx.Response(200))
    client = make_client(platform)
    source = io.BytesIO(b"0123456789")
    await client.request("PUT", "/media", files={"file": ("f.bin", source)})
    assert len(platform.bodies) == 2
    assert b"0123456789" in platform.bodies[1]


def test_text_mode_files_are_refused(tmp_path: Path) -> None:
    """A file opened in text mode cannot be uploaded byte for byte: a clear error."""
    path = tmp_path / "a.csv"
    path.write_text("a,b\n")
    with path.open() as handle, pytest.raises(qlara.ValidationError, match="binary"):
        upload(handle)
    with pytest.raises(qlara.ValidationError, match="no such file"):
        upload(tmp_path / "missing.csv")


async def test_download_to_bytes_and_to_a_file(make_client: MakeClient, tmp_path: Path) -> None:
    """A download returns bytes, or streams into a file whose path is returned."""
    payload = bytes(range(256)) * 1000
    client = make_client(Recorder(httpx.Response(200, content=payload)))
    http = client._http
    as_bytes: Request[bytes] = Request(method="GET", path="/files/k1", answer=Answer.BYTES)
    assert await http.execute(as_bytes) == payload
    target = tmp_path / "out.bin"
    to_file: Request[Path] = Request(method="GET", path="/files/k1", answer=Answer.FILE, to=target)
    assert await http.execute(to_file) == target  # the path as given
    assert target.read_bytes() == payload
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # noqa: ASYNC240


async def test_a_failed_download_leaves_no_file(make_client: MakeClient, tmp_path: Path) -> None:
    """An error status raises and writes nothing under the caller's name."""
    client = make_client(Recorder(httpx.Response(404, json={"message": "gone"})))
    target = tmp_path / "out.bin"
    request: Request[str] = Request(method="GET", path="/f", answer=Answer.FILE, to=target)
    with pytest.raises(qlara.NotFoundError):
        await client._http.execute(request)
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 - a test's check


async def test_external_links_never_receive_the_key(make_client: MakeClient) -> None:
    """A request to another host (a download link) carries no API key."""
    platform = Recorder(httpx.Response(200, content=b"csv"))
    client = make_client(platform)
    request: Request[bytes] = Request(
        method="GET",
        path="https://files.example.com/export.csv?sig=abc",
        answer=Answer.BYTES,
        external=True,
    )
    assert await client._http.execute(request) == b"csv"
    [sent] = platform.requests
    assert "x-api-key" not in sent.headers
    assert "authorization" not in sent.headers


async def test_parser_failures_are_malformed_in_one_place(make_client: MakeClient) -> None:
    """Whatever a parser raises on a 2xx becomes MalformedResponseError, cause chained."""

    def parse(data: Any) -> Any:
        return data["missing"]

    client = make_client(Recorder(httpx.Response(200, json={})))
    request: Request[Any] = Request(method="GET", path="/x", parse=parse, what="thing")
    with pytest.raises(qlara.MalformedResponseError, match="malformed thing answer") as caught:
        await client._http.execute(request)
    assert isinstance(caught.value.__cause__, KeyError)


async def test_connection_errors_name_the_host_and_port(make_client: MakeClient) -> None:
    """A failure says where it happened, and a reset with no text still says something."""
    client = make_client(Recorder(httpx.ConnectError("")), max_retries=0)
    with pytest.raises(qlara.APIConnectionError, match=r"lora-api\.agiletelecom\.com:443"):
        await client.request("GET", "/x")
    client = make_client(Recorder(httpx.ReadError("")), max_retries=0)
    with pytest.raises(qlara.APIConnectionError) as caught:
        await client.request("GET", "/x")
    assert "ReadError, the peer closed or reset the connection" in str(caught.value)


async def test_logs_say_what_failed_and_when_the_retry_comes(
    make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A read timeout is logged as a timeout, with the wait before the next attempt."""
    platform = Recorder(httpx.ReadTimeout("slow"), httpx.Response(200, json=[]))
    client = make_client(platform)
    with caplog.at_level(logging.DEBUG, logger="qlara._http"):
        await client.request("GET", "/partner-gateway/v1/contacts", params={"phone": "+3934"})
    first, second = (r.getMessage() for r in caplog.records)
    assert "timeout waiting for the answer" in first
    assert "retrying in" in first
    assert "-> 200" in second
    assert "+3934" not in first + second
    assert KEY not in first + second


def test_sync_request_twin() -> None:
    """The blocking client has the same escape hatch."""
    platform = Recorder(httpx.Response(200, json={"credit": 12.5}))
    with qlara.Qlara(KEY, transport=httpx.MockTransport(platform), rate_limit=None) as client:
        raw = client.request("GET", "/v1/partner-gateway/subscription/credit")
    assert raw.json() == {"credit": 12.5}
    assert platform.requests[0].url.path == "/api/v1/partner-gateway/subscription/credit"


def test_sync_twin_argument_errors_name_the_sync_method() -> None:
    """A wrong argument to a blocking method names that method, not its async twin."""
    with (
        qlara.Qlara(KEY, transport=httpx.MockTransport(Recorder(httpx.Response(200)))) as client,
        pytest.raises(TypeError) as caught,
    ):
        client.sms.send(destination="+393401234567", body="x", sender="S", bogus=1)  # type: ignore[call-arg]
    assert "Sms.send()" in str(caught.value)
    assert "AsyncSms" not in str(caught.value)


async def test_raw_responses_compare_by_value(make_client: MakeClient) -> None:
    """Two RawResponses of the same answer are equal; headers compare case-insensitively."""
    platform = Recorder(httpx.Response(200, json={"a": 1}, headers={"X-Id": "1"}))
    client = make_client(platform)
    first, second = await client.request("GET", "/x"), await client.request("GET", "/x")
    assert first == second
    assert first.headers == {name.upper(): value for name, value in second.headers.items()}
    assert first != qlara.RawResponse(201, first.headers, first.content)
    assert "200" in repr(first)


async def test_argument_errors_name_the_argument_given(make_client: MakeClient) -> None:
    """A bad name in data or extra_body is refused naming data or extra_body, not params."""
    platform = Recorder(httpx.Response(200, json={}))
    client = make_client(platform)
    with pytest.raises(qlara.ValidationError) as caught:
        await client.request("POST", "/x", data={1: "a"})  # type: ignore[dict-item]
    assert caught.value.field == "data"
    with pytest.raises(qlara.ValidationError) as caught:
        await client.request("POST", "/x", data="a=1")  # type: ignore[arg-type]
    assert caught.value.field == "data"
    with pytest.raises(qlara.ValidationError) as caught:
        await client.webhooks.get(extra_body={1: 2})  # type: ignore[dict-item]
    assert caught.value.field == "extra_body"
    with pytest.raises(qlara.ValidationError) as caught:
        await client.webhooks.get(extra_body={"a": 10**700})
    assert caught.value.field == "extra_body['a']"
    assert platform.requests == []
