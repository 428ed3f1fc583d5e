"""client.exports: starting, waiting for and downloading exports (never sending the key away)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import anyio
import httpx
import pytest

import qlara
import qlara.testing
from tests.conftest import KEY
from tests.recorder import Recorder

Make = Callable[..., qlara.AsyncQlara]
BASE = "/partner-gateway/v1/exports"
START = datetime(2026, 4, 1, tzinfo=timezone.utc)
END = START + timedelta(days=1)
LINK = "https://files.example.net/exports/e1.csv?signature=s3cr3t"
READY = {
    "exportId": "e1",
    "status": "COMPLETED",
    "isAvailableForDownload": True,
    "downloadUrl": LINK,
}


def _sim_client(sim: qlara.testing.Simulator) -> qlara.AsyncQlara:
    return qlara.AsyncQlara(api_key="k", transport=sim.transport(), rate_limit=None)


async def test_start_list_get_regenerate_wire(make_client: Make) -> None:
    """Each export call uses its documented method, path and body."""
    pending = (202, {"exportId": "e1", "status": "PENDING", "isAvailableForDownload": False})
    rec = Recorder(
        {
            ("GET", BASE): (200, {"content": [READY], "last": True}),
            ("GET", f"{BASE}/e1"): (200, READY),
            ("POST", f"{BASE}/e1"): (202, None),
            ("POST", f"{BASE}/contacts"): pending,
            ("POST", f"{BASE}/delivery-reports"): pending,
        }
    )
    client = make_client(rec)
    [listed] = await client.exports.list(limit=10).to_list()
    assert rec.last[2] == {"limit": "10", "page": "0"}
    assert (listed.id, listed.is_available_for_download, listed.download_url) == ("e1", True, LINK)
    assert "s3cr3t" not in repr(listed)
    assert (await client.exports.get("e1")).status == "COMPLETED"
    assert (await client.exports.regenerate(listed)).id == "e1"
    assert rec.last[:2] == ("POST", f"{BASE}/e1")
    bodies = []
    for kwargs in ({}, {"list_ids": [1, 2]}, {"contact_ids": [5]}):
        job = await client.exports.contacts(**kwargs)  # type: ignore[arg-type]
        bodies.append(rec.last[3])
    assert bodies == [{}, {"listIds": [1, 2]}, {"contactIds": [5]}]
    assert (job.id, job.status) == ("e1", "PENDING")
    await client.exports.delivery_reports(campaign_id=12)
    assert rec.last[1:] == (f"{BASE}/delivery-reports", {}, {"campaignId": 12})
    await client.exports.delivery_reports(start=START, end=END)
    assert rec.last[3] == {
        "startDateTime": "2026-04-01T00:00:00+00:00",
        "endDateTime": "2026-04-02T00:00:00+00:00",
    }


async def test_bad_export_arguments(make_client: Make) -> None:
    """Conflicting or incomplete export requests are refused before sending."""
    rec = Recorder()
    client = make_client(rec)
    with pytest.raises(qlara.ValidationError, match="not both"):
        await client.exports.contacts(list_ids=[1], contact_ids=[2])
    with pytest.raises(qlara.ValidationError):
        await client.exports.delivery_reports()
    with pytest.raises(qlara.ValidationError):
        await client.exports.delivery_reports(start=START)
    with pytest.raises(qlara.ValidationError):
        await client.exports.delivery_reports(campaign_id=1, start=START, end=END)
    with pytest.raises(qlara.ValidationError):
        await client.exports.delivery_reports(start=datetime(2026, 1, 1), end=END)
    assert rec.seen == []
    rec.routes[("GET", BASE)] = (200, [])
    with pytest.raises(qlara.ValidationError, match="no id"):
        await client.exports.wait(qlara.ExportJob())  # and GET /exports has none either
    assert [(m, p) for m, p, _, _ in rec.seen] == [("GET", BASE)]


async def test_wait_polls_and_regenerates_an_expired_export_once(make_client: Make) -> None:
    """wait polls until available; an EXPIRED job is regenerated once, a second expiry raises."""
    answers = iter(
        [
            {"exportId": "e1", "status": "PENDING", "isAvailableForDownload": False},
            {"exportId": "e1", "status": "EXPIRED", "isAvailableForDownload": False},
            {"exportId": "e1", "status": "PENDING", "isAvailableForDownload": False},
            READY,
        ]
    )
    rec = Recorder(
        {
            ("GET", f"{BASE}/e1"): lambda _: httpx.Response(200, json=next(answers)),
            ("POST", f"{BASE}/e1"): (202, None),
        }
    )
    client = make_client(rec)
    job = await client.exports.wait("e1", interval=0)
    assert job.download_url == LINK
    assert [m for m, _, _, _ in rec.seen] == ["GET", "GET", "POST", "GET", "GET"]
    expired = {"exportId": "e1", "status": "EXPIRED", "isAvailableForDownload": False}
    rec.routes[("GET", f"{BASE}/e1")] = (200, expired)
    with pytest.raises(qlara.APIError, match="expired again"):
        await client.exports.wait("e1", interval=0)


async def test_wait_times_out(make_client: Make) -> None:
    """A job never ready raises APITimeoutError after the timeout."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, {"exportId": "e1", "status": "PENDING"})})
    with pytest.raises(qlara.APITimeoutError, match="not ready"):
        await make_client(rec).exports.wait("e1", timeout=0.01, interval=0.005)


@pytest.mark.parametrize("credentials", ["key", "basic"])
async def test_download_follows_the_link_without_credentials(
    make_client: Make, tmp_path: Path, credentials: str
) -> None:
    """The link on another host gets no API key or Basic auth; bytes, or a file at to=."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, READY)})
    files: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example.net":
            files.append(request)
            return httpx.Response(200, content=b"id,phone\n1,+39340\n")
        return rec(request)

    options = (
        {"api_key": None, "auth": qlara.BasicAuth("user", "pw")} if credentials == "basic" else {}
    )
    client = make_client(handler, **options)
    assert await client.exports.download("e1") == b"id,phone\n1,+39340\n"
    target = tmp_path / "report.csv"
    assert await client.exports.download("e1", to=target) == target
    assert target.read_bytes() == b"id,phone\n1,+39340\n"
    assert len(files) == 2
    for request in files:
        assert str(request.url) == LINK
        assert "x-api-key" not in request.headers
        assert "authorization" not in request.headers
    platform = rec.requests[0].headers
    assert platform.get("x-api-key") == KEY or platform.get("authorization", "").startswith("Basic")


async def test_download_refuses_a_job_not_ready(make_client: Make) -> None:
    """download of a pending job says to wait first."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, {"exportId": "e1", "status": "PENDING"})})
    with pytest.raises(qlara.ValidationError, match="wait"):
        await make_client(rec).exports.download("e1")


async def test_simulator_contacts_export_waited_for_and_downloaded(tmp_path: Path) -> None:
    """On the simulator an export becomes ready on its clock and downloads through its own link."""
    sim = qlara.testing.Simulator(clock=anyio.current_time)
    sim.platform.export_delay = 0.05
    async with _sim_client(sim) as client:
        group = await client.contacts.lists.create("Export me")
        ada = await client.contacts.create(phone_number="+393401111111", first_name="Ada")
        await client.contacts.create(phone_number="+393402222222", first_name="Bob")
        assert group.id is not None
        assert ada.id is not None
        await client.contacts.lists.add([group.id], contact_ids=[ada.id])
        job = await client.exports.contacts(list_ids=[group.id])
        assert not job.is_available_for_download
        with pytest.raises(qlara.ValidationError):
            await client.exports.download(job)
        ready = await client.exports.wait(job, interval=0.01, timeout=5)
        assert "/api/exports-download/" in (ready.download_url or "")
        path = await client.exports.download(ready, to=tmp_path / "contacts.csv")
        lines = (await anyio.Path(path).read_text()).splitlines()
        assert lines == ["id,firstName,lastName,phoneNumber,email", f"{ada.id},Ada,,+393401111111,"]


async def test_simulator_expired_export_is_regenerated() -> None:
    """A link past its lifetime is EXPIRED; wait regenerates it and the download works again."""
    sim = qlara.testing.Simulator(clock=lambda: 0.0)
    sim.platform.export_delay = 0
    sim.platform.export_ttl = 10
    async with _sim_client(sim) as client:
        job = await client.exports.contacts()
        sim.advance(11)
        assert (await client.exports.get(job)).is_expired
        ready = await client.exports.wait(job, interval=0)
        assert ready.is_available_for_download
        assert (await client.exports.download(ready)).startswith(b"id,")


async def test_simulator_history_export_and_delivery_report() -> None:
    """export_history returns a job that wait and download accept; reports cover sent messages."""
    sim = qlara.testing.Simulator(clock=lambda: 0.0, lifecycle=qlara.testing.Lifecycle.instant())
    sim.platform.export_delay = 0
    async with _sim_client(sim) as client:
        sent = await client.sms.send(destination="+393401111111", body="Hi", sender="Shop")
        job = await client.messages.export_history(
            start=sim.wall() - timedelta(hours=1), end=sim.wall() + timedelta(minutes=1)
        )
        assert isinstance(job, qlara.ExportJob)
        assert job.id is not None
        await client.exports.wait(job, interval=0)
        report = (await client.exports.download(job)).decode()
        assert f"{sent.message_id},,SMS,+393401111111,DELIVERED" in report
        with pytest.raises(qlara.NotFoundError):
            await client.exports.delivery_reports(campaign_id=999)


def test_sync_exports_smoke(tmp_path: Path) -> None:
    """The blocking client starts, waits for and downloads an export."""
    sim = qlara.testing.Simulator(clock=lambda: 0.0)
    sim.platform.export_delay = 0
    with qlara.Qlara(api_key="k", transport=sim.transport(), rate_limit=None) as client:
        job = client.exports.contacts()
        client.exports.wait(job, interval=0)
        assert client.exports.download(job).startswith(b"id,")
        assert [j.id for j in client.exports.list()] == [job.id]


async def test_get_reads_a_bare_download_url(make_client: Make) -> None:
    """GET /exports/{id} answering just the URL (JSON string or plain text) is a ready job."""
    rec = Recorder({("GET", f"{BASE}/e1"): httpx.Response(200, text=LINK)})
    files: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "files.example.net":
            files.append(request)
            return httpx.Response(200, content=b"csv")
        return rec(request)

    client = make_client(handler)
    job = await client.exports.get("e1")
    assert (job.id, job.is_available_for_download, job.download_url) == ("e1", True, LINK)
    assert await client.exports.download("e1") == b"csv"
    rec.routes[("GET", f"{BASE}/e1")] = (200, LINK)
    assert (await client.exports.wait("e1")).download_url == LINK
    rec.routes[("GET", f"{BASE}/e1")] = httpx.Response(200, text="<html>oops</html>")
    with pytest.raises(qlara.MalformedResponseError):
        await client.exports.get("e1")


async def test_wait_reads_other_ready_spellings_and_stops_on_failure(make_client: Make) -> None:
    """A link with an unfamiliar ready status is ready; a FAILED job ends the wait at once."""
    rec = Recorder(
        {("GET", f"{BASE}/e1"): (200, {"exportId": "e1", "status": "READY", "url": LINK})}
    )
    client = make_client(rec)
    assert (await client.exports.wait("e1", interval=0)).download_url == LINK
    rec.routes[("GET", f"{BASE}/e1")] = (200, {"exportId": "e1", "status": "FAILED"})
    with pytest.raises(qlara.APIError, match="failed"):
        await client.exports.wait("e1", interval=0)
    assert len(rec.seen) == 2


CDN = "https://cdn.example.org/e1.csv"


def _files_and(
    rec: Recorder, files: list[httpx.Request]
) -> Callable[[httpx.Request], httpx.Response]:
    """The platform from ``rec``; any other host is a file server that records what it got."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lora-api.agiletelecom.com":
            return rec(request)
        files.append(request)
        return httpx.Response(200, content=b"csv")

    return handler


@pytest.mark.parametrize(
    "field", ["url", "downloadUrl", "downloadLink", "link", "signedUrl", "presignedUrl", "fileUrl"]
)
async def test_download_finds_the_link_under_any_plausible_name(
    make_client: Make, field: str
) -> None:
    """The time-limited link is followed, without the key, whatever field carries it."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, {"exportId": "e1", field: LINK})})
    files: list[httpx.Request] = []
    client = make_client(_files_and(rec, files))
    assert (await client.exports.wait("e1")).download_url == LINK
    assert await client.exports.download("e1") == b"csv"
    assert [str(r.url) for r in files] == [LINK]
    assert "x-api-key" not in files[0].headers


async def test_download_link_nested_in_an_object(make_client: Make) -> None:
    """A link given as ``{"download": {"url": ...}}`` is found too."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, {"id": "e1", "download": {"url": LINK}})})
    assert (await make_client(rec).exports.get("e1")).download_url == LINK


async def test_export_answered_with_a_redirect_to_the_file(make_client: Make) -> None:
    """GET /exports/{id} redirecting to the file: the key stays home, the file is fetched bare."""
    rec = Recorder({("GET", f"{BASE}/e1"): httpx.Response(302, headers={"Location": LINK})})
    files: list[httpx.Request] = []
    client = make_client(_files_and(rec, files))
    job = await client.exports.wait("e1")
    assert (job.is_available_for_download, job.download_url) == (True, LINK)
    assert await client.exports.download("e1") == b"csv"
    assert [str(r.url) for r in files] == [LINK]
    assert "x-api-key" not in files[0].headers
    assert all(r.url.host == "lora-api.agiletelecom.com" for r in rec.requests)


async def test_download_follows_the_links_redirects_without_the_key(
    make_client: Make, tmp_path: Path
) -> None:
    """A link that redirects (to a CDN) is followed, hop by hop, never with the key."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, READY)})
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lora-api.agiletelecom.com":
            return rec(request)
        seen.append(request)
        if str(request.url) == LINK:
            return httpx.Response(302, headers={"Location": CDN})
        return httpx.Response(200, content=b"id\n1\n")

    client = make_client(handler)
    target = tmp_path / "r.csv"
    assert await client.exports.download("e1", to=target) == target
    assert target.read_bytes() == b"id\n1\n"
    assert [str(r.url) for r in seen] == [LINK, CDN]
    assert all("x-api-key" not in r.headers for r in seen)
    rec.routes[("GET", f"{BASE}/e1")] = (200, {**READY, "downloadUrl": CDN})

    def looping(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lora-api.agiletelecom.com":
            return rec(request)
        return httpx.Response(302, headers={"Location": CDN})

    with pytest.raises(qlara.APIError, match="redirected too many times"):
        await make_client(looping).exports.download("e1")


async def test_wait_follows_a_regenerated_export_under_its_new_id(make_client: Make) -> None:
    """Regenerating may answer a new job: wait polls that one, not the expired one."""
    expired = {"exportId": "e1", "status": "EXPIRED", "isAvailableForDownload": False}
    rec = Recorder(
        {
            ("GET", f"{BASE}/e1"): (200, expired),
            ("POST", f"{BASE}/e1"): (202, {"exportId": "e2", "status": "PENDING"}),
            ("GET", f"{BASE}/e2"): (200, {**READY, "exportId": "e2"}),
        }
    )
    job = await make_client(rec).exports.wait("e1", interval=0)
    assert (job.id, job.download_url) == ("e2", LINK)
    assert [(m, p) for m, p, _, _ in rec.seen] == [
        ("GET", f"{BASE}/e1"),
        ("POST", f"{BASE}/e1"),
        ("GET", f"{BASE}/e2"),
    ]


async def test_a_job_started_by_a_bare_202_is_found_in_the_listing(make_client: Make) -> None:
    """A 202 without an id: wait and download use the newest job of GET /exports."""
    jobs = [
        {"id": 7, "status": "COMPLETED", "createdAt": "2026-04-01T09:00:00Z"},
        {"id": 9, "status": "PENDING", "createdAt": "2026-04-01T10:00:00Z"},
    ]
    rec = Recorder(
        {
            ("POST", f"{BASE}/delivery-reports"): (202, None),
            ("GET", BASE): (200, jobs),
            ("GET", f"{BASE}/9"): (200, {"id": 9, "status": "COMPLETED", "url": LINK}),
        }
    )
    files: list[httpx.Request] = []
    client = make_client(_files_and(rec, files))
    started = await client.exports.delivery_reports(campaign_id=12)
    assert started.id is None
    ready = await client.exports.wait(started, interval=0)
    assert ready.id == 9
    assert await client.exports.download(started) == b"csv"
    assert ("GET", f"{BASE}/7") not in [(m, p) for m, p, _, _ in rec.seen]


async def test_download_refuses_a_bad_target_before_sending(make_client: Make) -> None:
    """A ``to=`` that is not a path is a ValidationError naming it, and nothing is sent."""
    rec = Recorder({("GET", f"{BASE}/e1"): (200, READY)})
    with pytest.raises(qlara.ValidationError) as caught:
        await make_client(rec).exports.download("e1", to=123)  # type: ignore[call-overload]
    assert caught.value.field == "to"
    assert rec.seen == []


async def test_an_injected_client_following_redirects_never_carries_the_key_away() -> None:
    """With a user's http_client that follows redirects, a 302 to a file host is not followed."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "lora-api.agiletelecom.com":
            return httpx.Response(302, headers={"Location": LINK})
        return httpx.Response(200, content=b"csv")

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(handler), follow_redirects=True
    ) as http_client:
        client = qlara.AsyncQlara(api_key=KEY, http_client=http_client, rate_limit=None)
        assert await client.exports.download("e1") == b"csv"
        await client.aclose()
    assert [r.url.host for r in seen] == ["lora-api.agiletelecom.com", "files.example.net"]
    assert seen[0].headers["x-api-key"] == KEY
    assert "x-api-key" not in seen[1].headers


async def test_wait_reads_the_state_from_the_listing_when_get_gives_only_a_link(
    make_client: Make,
) -> None:
    """A GET /exports/{id} giving only a URL takes its state from the listing, as documented."""
    states = iter(["EXPIRED", "PENDING", "COMPLETED"])
    listed: dict[str, object] = {}

    def listing(_: httpx.Request) -> httpx.Response:
        state = next(states)
        listed.update(id="e1", status=state, isAvailableForDownload=state == "COMPLETED")
        return httpx.Response(200, json=[listed, {"id": "e0", "status": "COMPLETED"}])

    rec = Recorder(
        {
            ("GET", f"{BASE}/e1"): (200, {"url": LINK}),
            ("GET", BASE): listing,
            ("POST", f"{BASE}/e1"): (202, None),
        }
    )
    job = await make_client(rec).exports.wait("e1", interval=0)
    assert (job.status, job.is_available_for_download, job.download_url) == (
        "COMPLETED",
        True,
        LINK,
    )
    assert [(m, p) for m, p, _, _ in rec.seen] == [
        ("GET", f"{BASE}/e1"),
        ("GET", BASE),
        ("POST", f"{BASE}/e1"),
        ("GET", f"{BASE}/e1"),
        ("GET", BASE),
        ("GET", f"{BASE}/e1"),
        ("GET", BASE),
    ]
