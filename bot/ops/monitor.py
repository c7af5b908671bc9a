"""Operations wiring for `floodbot run`: /healthz and /metrics on loopback, job heartbeats, the stall
watchdog and the bot_username check. `bot.cli.run.run` calls `attach_monitoring(app, listener)` once.

The listener is a tiny HTTP/1.0 server on the event loop itself: /metrics reads the store, and a
SQLite connection belongs to the thread that opened it, so a scrape must run on the loop's thread.
"""

from __future__ import annotations

import asyncio
import logging
import socket

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app import POLL_JOB
from bot.context import Context
from bot.delivery.jobs import DELIVERY_JOB
from bot.ops.metrics import Metrics, stall_reasons
from bot.settings import Settings

log = logging.getLogger(__name__)

WATCHDOG_JOB = "watchdog"
WATCHDOG_SECONDS = 30
# A scrape is a few hundred bytes of request; anything slower or larger is not Prometheus.
REQUEST_TIMEOUT_SECONDS = 5
MAX_REQUEST_BYTES = 8192

STALLED_TEXT = "⚠️ floodbot ติดขัด: {reasons}"
RECOVERED_TEXT = "✅ floodbot กลับมาทำงานปกติ (โพลและการส่งข้อความเดินตามรอบแล้ว)"


class MonitoringError(Exception):
    """The health listener cannot be opened (address in use, not allowed)."""


def bind_listener(settings: Settings) -> socket.socket | None:
    """Bind the configured loopback address now (so a busy port fails before Telegram is contacted)."""
    address = settings.monitoring.address()
    if address is None:
        return None
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, sockaddr = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(16)
    except OSError as exc:
        listen = settings.monitoring.listen
        raise MonitoringError(f"monitoring.listen: cannot listen on {listen}: {exc.strerror or exc}") from None
    sock.setblocking(False)
    return sock


def attach_monitoring(app: Application, listener: socket.socket | None) -> None:
    """Metrics on bot_data, heartbeats from the poll and delivery jobs, the watchdog, the listener, getMe check."""
    data = app.bot_data
    data.metrics = Metrics(data.settings, data.db, data.now)
    assert app.job_queue is not None  # PTB's job-queue extra is a dependency
    app.job_queue.scheduler.add_listener(_heartbeat_listener(app), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    app.job_queue.run_repeating(watchdog_job, WATCHDOG_SECONDS, first=WATCHDOG_SECONDS, name=WATCHDOG_JOB)
    previous_init, previous_shutdown = app.post_init, app.post_shutdown
    servers: list[asyncio.Server] = []

    async def post_init(application: Application) -> None:
        if previous_init is not None:
            await previous_init(application)
        await check_bot_username(application)
        if listener is not None:
            servers.append(await asyncio.start_server(lambda r, w: _serve(application, r, w), sock=listener))
            log.info("monitoring: /healthz and /metrics on http://%s", data.settings.monitoring.listen)

    async def post_shutdown(application: Application) -> None:
        for server in servers:
            server.close()
            await server.wait_closed()
        if previous_shutdown is not None:
            await previous_shutdown(application)

    app.post_init, app.post_shutdown = post_init, post_shutdown


def _heartbeat_listener(app: Application):
    """An APScheduler listener: note when the poll and delivery jobs finish a run (PTB reports their errors)."""
    assert app.job_queue is not None  # PTB's job-queue extra is a dependency
    scheduler = app.job_queue.scheduler

    def listener(event: JobExecutionEvent) -> None:
        job = scheduler.get_job(event.job_id)
        name = job.name if job is not None else None
        beats = app.bot_data.metrics.beats
        if name == POLL_JOB:
            beats.last_poll_at = app.bot_data.now()
        elif name == DELIVERY_JOB:
            beats.last_drain_at = app.bot_data.now()

    return listener


async def check_bot_username(app: Application) -> None:
    """Warn when telegram.bot_username is not the bot's real username: invite links would open another bot."""
    configured = app.bot_data.settings.telegram.bot_username
    actual = app.bot.username
    if actual and actual.lower() != configured.lower():
        log.warning(
            "telegram.bot_username is %r but the token belongs to @%s: invite links point at the wrong bot;"
            " set telegram.bot_username = %r and run `floodbot init`",
            configured, actual, actual,
        )


async def watchdog_job(context: Context) -> None:
    """Tell the admin chat once when polling or delivery stalls, and once when it recovers."""
    data = context.bot_data
    metrics = data.metrics
    assert metrics is not None  # attach_monitoring sets it before it schedules this job
    reasons = stall_reasons(data.settings, data.db, metrics.beats, data.now())
    stalled = bool(reasons)
    if stalled == metrics.stalled:
        return
    if stalled:
        log.error("watchdog: stalled: %s", "; ".join(reasons))
        text = STALLED_TEXT.format(reasons="; ".join(reasons))
    else:
        log.warning("watchdog: recovered: polling and delivery are on time again")
        text = RECOVERED_TEXT
    chat_id = data.settings.telegram.admin_chat_id
    if chat_id is not None:
        try:
            await context.bot.send_message(chat_id, text)
        except TelegramError as exc:
            # Telegram may be the very thing that is down: try again at the next check.
            log.warning("watchdog: could not tell the admin chat (%s); will retry", exc)
            return
    metrics.stalled = stalled


async def _serve(app: Application, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer one request: GET /healthz, GET /metrics, else 404."""
    try:
        request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT_SECONDS)
        method, path, *_ = request[:MAX_REQUEST_BYTES].decode("latin-1").split(" ", 2)
        status, content_type, body = _route(app, method, path.split("?", 1)[0])
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
        status, content_type, body = 400, "text/plain", b"bad request\n"
    head = (
        f"HTTP/1.0 {status} {_REASONS[status]}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    try:
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
    except ConnectionError:
        pass  # the scraper went away; nothing to tell it
    finally:
        writer.close()


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


def _route(app: Application, method: str, path: str) -> tuple[int, str, bytes]:
    if method not in ("GET", "HEAD"):
        return 405, "text/plain", b"GET only\n"
    data = app.bot_data
    if path == "/healthz":
        reasons = stall_reasons(data.settings, data.db, data.metrics.beats, data.now())
        if reasons:
            return 503, "text/plain; charset=utf-8", ("\n".join(reasons) + "\n").encode()
        return 200, "text/plain; charset=utf-8", b"ok\n"
    if path == "/metrics":
        return 200, "text/plain; version=0.0.4; charset=utf-8", data.metrics.scrape()
    return 404, "text/plain", b"not found: try /healthz or /metrics\n"
