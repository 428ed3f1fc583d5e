"""``qlara demo``: the whole SDK against the simulator, over real HTTP, in seconds.

Two loopback servers start in background threads: the simulator, and a
webhook receiver running ``qlara.webhooks.asgi_app``. The demo registers the
receiver through the SDK, sends an SMS, an RCS card and a WhatsApp template
with an SMS fallback, rescues a WhatsApp message that is never delivered with
an SMS (``send_with_fallback``, woken by the callbacks), then sends a batch
with a progress bar, waits for every delivery callback, and prints a summary.
Exit code 0 when every message was accepted and delivered, and the rescue
worked.
"""

from __future__ import annotations

import argparse
import io
import secrets
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import attrs

import qlara
from qlara._cli._common import (
    Output,
    UsageError,
    common_options,
    integer,
    integer_in,
    refuse_connection_options,
    seconds,
)
from qlara._cli._ui import Progress, table
from qlara.testing import Lifecycle, Simulator, serve
from qlara.testing._asgi import asgi_handler
from qlara.testing._server import serve_handler

if TYPE_CHECKING:
    from qlara.webhooks import WebhookEvent

__all__ = ["add_parser"]

CUSTOMER = "+393401234567"
UNREACHABLE_ON_WHATSAPP = "+393409876543"
RESCUE_DEADLINE = 0.6  # seconds the WhatsApp message gets before the SMS goes out
SENDER = "QlaraShop"
# send_many starts one worker per unit of concurrency; past this it only costs memory.
MAX_CONCURRENCY = 1000
Say = Callable[[str], None]
RATE_LIMITS: dict[str, Callable[[], qlara.RateLimit | None]] = {
    "off": lambda: None,
    "production": qlara.RateLimit.production,
    "trial": qlara.RateLimit.trial,
}


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see qlara work end to end against the offline simulator",
        parents=[common_options()],
    )
    parser.add_argument("--count", type=integer, default=300, help="messages in the batch (300)")
    parser.add_argument(
        "--concurrency",
        type=integer_in(1, MAX_CONCURRENCY),
        default=16,
        help=f"sends in flight (16; at most {MAX_CONCURRENCY})",
    )
    parser.add_argument(
        "--rate-limit",
        choices=sorted(RATE_LIMITS),
        default="off",
        help="client-side rate limit (default off; production is 50/s)",
    )
    parser.add_argument("--timeout", type=seconds, default=30.0, help="wait for callbacks (30 s)")
    parser.set_defaults(handler=_demo)


class Receiver:
    """Counts the callbacks the webhook receiver hands over (from its server thread)."""

    def __init__(self) -> None:
        from qlara import webhooks  # noqa: PLC0415 - the demo alone needs it

        self._lock = threading.Lock()
        self.final: dict[str, str] = {}
        self.reads = 0
        self.events = 0
        self.tracker = webhooks.DeliveryTracker()

    async def __call__(self, event: WebhookEvent) -> None:
        from qlara import webhooks  # noqa: PLC0415 - the demo alone needs it

        self.tracker.feed(event)
        with self._lock:
            self.events += 1
            if isinstance(event, webhooks.DeliveryEvent):
                key = str(event.raw.get("customerMessageId") or event.raw.get("messageId"))
                self.final[key] = str(event.status.value)
            elif isinstance(event, webhooks.ReadEvent):
                self.reads += 1

    def count(self, status: str | None = None, among: set[str] | None = None) -> int:
        with self._lock:
            values = [v for k, v in self.final.items() if among is None or k in among]
        return len(values) if status is None else values.count(status)

    async def wait(self, ids: set[str], within: float) -> bool:
        with anyio.move_on_after(within):
            while True:
                with self._lock:
                    if ids <= self.final.keys():
                        return True
                await anyio.sleep(0.02)
        return False


def _verdict(result: qlara.SendResult) -> str:
    parts = []
    for channel, item in result.results.items():
        text = f"{channel.value} {'accepted' if item.accepted else 'REJECTED'}"
        if item.parts:
            text += f", {item.parts} part{'s' if item.parts > 1 else ''}"
            text += ", unicode" if item.unicode else ", GSM-7"
        parts.append(text)
    return "; ".join(parts)


def _batch(count: int) -> list[qlara.SmsMessage]:
    return [
        qlara.SmsMessage(
            destination=f"+39340{5_000_000 + n:07d}",
            body=f"Hi! Your code is {n:06d}. It expires in 10 minutes." + " " * (n % 2) * 130,
            sender=SENDER,
        )
        for n in range(count)
    ]


async def _send_batch(
    client: qlara.AsyncQlara,
    messages: list[qlara.SmsMessage],
    concurrency: int,
    progress: Progress,
) -> list[qlara.SendResult | None]:
    """Send every message; one result (or None on failure) per message, in order."""
    results: list[qlara.SendResult | None] = [None] * len(messages)
    async with client.send_many(messages, concurrency=concurrency) as outcomes:
        async for outcome in outcomes:
            results[outcome.index] = outcome.result
            progress.advance()
    return results


async def _single_sends(client: qlara.AsyncQlara, say: Say) -> list[qlara.SendResult]:
    sms = await client.sms.send(
        destination=CUSTOMER, body="Ciao Ada! Il tuo ordine è in viaggio 📦", sender=SENDER
    )
    say(f"2. SMS sent            {_verdict(sms)}")
    card = qlara.RcsCard(
        title="Your sneakers have shipped",
        description="Order #1042 arrives Thursday.",
        media=qlara.RcsMedia(file_url="https://example.com/sneakers.jpg", height="MEDIUM"),
        suggestions=[
            qlara.RcsOpenUrl(text="Track parcel", url="https://example.com/t/1042"),
            qlara.RcsReply(text="Thanks!"),
        ],
    )
    rcs = await client.rcs.send(destination=CUSTOMER, agent_id=10, body=card)
    say(f"3. RCS card sent       {_verdict(rcs)}")
    whatsapp = await client.whatsapp.send(
        destination=CUSTOMER,
        phone_number_id=5,
        template=qlara.WhatsAppTemplate(id=42),
        placeholders={"1": "Ada", "2": "#1042"},
        fallback_sms=qlara.SmsFallback(sender=SENDER, body="Order #1042 has shipped"),
    )
    say(f"4. WhatsApp template   {_verdict(whatsapp)} (SMS fallback attached)")
    return [sms, rcs, whatsapp]


async def _rescue(client: qlara.AsyncQlara, receiver: Receiver, say: Say) -> bool:
    """A WhatsApp message the handset never gets, rescued by SMS within a deadline."""
    outcome = await client.send_with_fallback(
        [
            qlara.WhatsAppMessage(
                destination=UNREACHABLE_ON_WHATSAPP,
                phone_number_id="5",
                template=qlara.WhatsAppTemplate(id=42),
            ),
            qlara.SmsMessage(
                destination=UNREACHABLE_ON_WHATSAPP, body="Order #1043 has shipped", sender=SENDER
            ),
        ],
        deliver_within=RESCUE_DEADLINE,
        tracker=receiver.tracker,
        backstop_interval=RESCUE_DEADLINE,
    )
    whatsapp, *rest = outcome.steps
    line = f"6. fallback            WhatsApp {whatsapp.ended.replace('_', ' ')}"
    line += f" after {whatsapp.elapsed:.1f} s"
    if rest:
        line += f" -> SMS {rest[0].ended} after {rest[0].elapsed:.1f} s"
    say(line)
    return outcome.delivered_by is qlara.Channel.SMS


@attrs.define
class Run:
    """What the demo did, for the summary."""

    total: int = 0
    sent: list[qlara.SendResult] = attrs.field(factory=list)
    batch: int = 0
    batch_seconds: float = 0.0
    complete: bool = False
    rescued: bool = False


async def _run(args: argparse.Namespace, out: Output, receiver: Receiver) -> Run:
    say: Say = (lambda _: None) if out.as_json else out.line
    run = Run()
    sim = Simulator(lifecycle=Lifecycle(sent_after=0.05, final_after=0.25, read_after=0.1))
    sim.mark_number(UNREACHABLE_ON_WHATSAPP, "SENT", channel="WHATSAPP")
    from qlara import webhooks  # noqa: PLC0415 - the demo alone needs it

    token = secrets.token_urlsafe(16)
    app = webhooks.asgi_app(receiver, token=token)
    with serve(sim) as api, serve_handler(asgi_handler(app)) as hook:
        async with qlara.AsyncQlara(
            api_key="demo-key", base_url=api.base_url, rate_limit=RATE_LIMITS[args.rate_limit]()
        ) as client:
            say(f"Qlara simulator on {api.base_url}, webhook receiver on {hook.url}")
            config = await client.webhooks.set(f"{hook.url}/qlara/events?token={token}")
            say(f"1. webhook registered: {config.callback_url.split('?')[0]}?token=...")
            firsts = await _single_sends(client, say)
            if await receiver.wait({r.message_id for r in firsts}, args.timeout):
                status = await client.messages.status(firsts[0].message_id, channel="SMS")
                say(
                    f"5. callbacks received: DELIVERED x{receiver.count('DELIVERED')}; "
                    f"polled SMS status: {status.status.value}"
                )
            run.rescued = await _rescue(client, receiver, say)
            messages = _batch(args.count)
            say(f"7. sending a batch of {len(messages)} SMS, {args.concurrency} at a time")
            started = time.perf_counter()
            stream = io.StringIO() if out.as_json else out.stream
            with Progress("   sending", len(messages), stream) as bar:
                results = await _send_batch(client, messages, args.concurrency, bar)
            run.batch_seconds = time.perf_counter() - started
            run.batch = len(messages)
            run.total = len(firsts) + len(messages)
            run.sent = firsts + [r for r in results if r is not None]
            accepted = {r.message_id for r in run.sent if r.accepted}
            say(f"8. waiting for {len(accepted)} delivery callbacks...")
            run.complete = await receiver.wait(accepted, args.timeout)
            await client.webhooks.delete()
    return run


async def _demo(args: argparse.Namespace, out: Output) -> int:
    refuse_connection_options(args, "qlara demo")
    if args.count < 0 or args.concurrency < 1:
        raise UsageError("--count must be >= 0 and --concurrency >= 1")
    started = time.perf_counter()
    receiver = Receiver()
    run = await _run(args, out, receiver)
    elapsed = time.perf_counter() - started
    accepted = [r for r in run.sent if r.accepted]
    delivered = receiver.count("DELIVERED", among={r.message_id for r in run.sent})
    failed = run.total - delivered
    parts = sum(
        item.parts or 1
        for r in accepted
        for channel, item in r.results.items()
        if channel is qlara.Channel.SMS and item.accepted
    )
    throughput = run.batch / run.batch_seconds if run.batch and run.batch_seconds > 0 else 0.0
    ok = run.complete and len(accepted) == run.total and delivered == run.total and run.rescued
    if out.as_json:
        out.data(
            {
                "messages": run.total,
                "accepted": len(accepted),
                "delivered": delivered,
                "failed": failed,
                "read": receiver.reads,
                "smsParts": parts,
                "rescuedBySms": run.rescued,
                "seconds": round(elapsed, 2),
                "throughput": round(throughput, 1),
                "ok": ok,
            }
        )
        return 0 if ok else 1
    out.line()
    table(
        "qlara demo summary",
        [
            ("messages", str(run.total)),
            ("accepted", str(len(accepted))),
            ("delivered (callbacks)", str(delivered)),
            ("failed or not delivered", str(failed)),
            ("read receipts", str(receiver.reads)),
            ("SMS parts", str(parts)),
            ("WhatsApp rescued by SMS", "yes" if run.rescued else "NO"),
            ("total time", f"{elapsed:.2f} s"),
            ("batch throughput", f"{throughput:,.0f} msg/s"),
        ],
        out.stream,
    )
    if ok:
        out.line("Every message was accepted and delivered.")
    else:
        out.line("Some messages were not accepted or delivered in time (see above).")
    return 0 if ok else 1
