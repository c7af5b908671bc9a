"""Prometheus metrics and the health rule: counters the bot increments, gauges read from the store at scrape.

Every name starts with `floodbot_`. Each Application owns one `Metrics` (its own registry, no module
state); delivery adds a drain's figures with `count_delivery(metrics, stats)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel
from sqlite_utils import Database

from bot.settings import Settings
from subscribers.feed_health import all_health
from subscribers.monitoring import oldest_due_at, store_figures

# What a drain reports (DeliveryStats' fields) -> the `outcome` label of floodbot_messages_total.
DELIVERY_OUTCOMES = {"sent": "sent", "failed": "failed", "retried": "retried", "http_429": "rate_limited"}
# No poll for three intervals (plus two minutes for slow feeds) means polling has stalled.
POLL_STALL_INTERVALS = 3
POLL_STALL_SLACK_SECONDS = 120


class Heartbeats(BaseModel):
    """When the process started and when the poll and delivery jobs last finished a run."""

    started_at: datetime
    last_poll_at: datetime | None = None
    last_drain_at: datetime | None = None


class Metrics:
    """One registry: counters incremented in-process, plus store and heartbeat gauges collected at scrape."""

    def __init__(self, settings: Settings, db: Database, now: Callable[[], datetime]):
        self.registry = CollectorRegistry(auto_describe=True)
        self.beats = Heartbeats(started_at=now())
        # Whether the watchdog has told the admin chat about a stall that has not recovered yet.
        self.stalled = False
        self.messages = Counter(
            "floodbot_messages", "Messages the delivery worker handled, by outcome", ["outcome"], registry=self.registry
        )
        for outcome in DELIVERY_OUTCOMES.values():
            self.messages.labels(outcome)
        self.feed_failures = Counter(
            "floodbot_feed_failures", "Failed fetches or parses, by feed", ["feed"], registry=self.registry
        )
        for feed in settings.feeds:
            if feed.enabled:
                self.feed_failures.labels(feed.name)
        self.polls = Counter("floodbot_polls", "Poll cycles finished", registry=self.registry)
        self.registry.register(_StoreCollector(settings, db, now, self.beats))

    def scrape(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)


def count_delivery(metrics: Metrics | None, stats: BaseModel) -> None:
    """Add one drain's figures (sent, failed, retried, 429s) to the message counters; no-op without metrics."""
    if metrics is None:
        return
    for field, outcome in DELIVERY_OUTCOMES.items():
        value = getattr(stats, field, 0) or 0
        if value:
            metrics.messages.labels(outcome).inc(value)


def count_poll(metrics: Metrics | None, failed_feeds: list[str]) -> None:
    """Count one finished poll and its failed feeds."""
    if metrics is None:
        return
    metrics.polls.inc()
    for feed in failed_feeds:
        metrics.feed_failures.labels(feed).inc()


def poll_bound_seconds(settings: Settings) -> int:
    """How long without a finished poll before polling counts as stalled."""
    configured = settings.monitoring.poll_stall_seconds
    return configured or POLL_STALL_INTERVALS * settings.polling.interval_seconds + POLL_STALL_SLACK_SECONDS


def stall_reasons(settings: Settings, db: Database, beats: Heartbeats, now: datetime) -> list[str]:
    """Why the bot is not healthy (empty when it is): polling or delivery has not kept up."""
    reasons = []
    poll_bound = poll_bound_seconds(settings)
    last_poll = beats.last_poll_at or beats.started_at
    if (now - last_poll).total_seconds() > poll_bound:
        reasons.append(f"poll: no poll finished for {_age(now, last_poll)} s (bound {poll_bound} s)")
    drain_bound = settings.monitoring.delivery_stall_seconds
    last_drain = beats.last_drain_at or beats.started_at
    if (now - last_drain).total_seconds() > drain_bound:
        reasons.append(f"delivery: no pass finished for {_age(now, last_drain)} s (bound {drain_bound} s)")
    due = oldest_due_at(db, now)
    if due is not None and (now - due).total_seconds() > drain_bound:
        reasons.append(f"delivery: a due message has waited {_age(now, due)} s (bound {drain_bound} s)")
    return reasons


def _age(now: datetime, then: datetime) -> int:
    return int((now - then).total_seconds())


class _StoreCollector(Collector):
    """Gauges read at scrape time on the event loop's thread (the store connection belongs to it)."""

    def __init__(self, settings: Settings, db: Database, now: Callable[[], datetime], beats: Heartbeats):
        self.settings, self.db, self.now, self.beats = settings, db, now, beats

    def collect(self) -> Iterator:
        """Outbox depth and age, leaders, help requests, acknowledgements, feed health and heartbeats."""
        now = self.now()
        figures = store_figures(self.db, now)
        outbox = GaugeMetricFamily("floodbot_outbox_rows", "Outbox rows by status", labels=["status"])
        for status in sorted({"pending", "sending", "sent", "failed", "skipped", *figures.outbox_by_status}):
            outbox.add_metric([status], figures.outbox_by_status.get(status, 0))
        yield outbox
        oldest = figures.oldest_pending_at
        yield GaugeMetricFamily(
            "floodbot_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending or in-flight outbox row (0 when none)",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        leaders = GaugeMetricFamily("floodbot_leaders", "Leaders by city and state", labels=["city", "state"])
        for (city, state), n in sorted(figures.leaders.items()):
            leaders.add_metric([city, state], n)
        yield leaders
        requests = GaugeMetricFamily(
            "floodbot_help_requests", "Help requests not yet done (drills left out), by city and status",
            labels=["city", "status"],
        )
        # Every city with leaders shows 0 rather than nothing: an alert rule sees the series before the storm.
        cities = {city for city, _ in figures.leaders} | {city for city, _ in figures.help_requests}
        for city in sorted(cities):
            for status in ("open", "taken"):
                requests.add_metric([city, status], figures.help_requests.get((city, status), 0))
        yield requests
        yield CounterMetricFamily(
            "floodbot_acknowledgements", "Acknowledgements recorded (รับทราบ presses)", value=figures.acknowledgements
        )
        yield from self._feeds()
        yield from self._heartbeats()

    def _feeds(self) -> Iterator:
        health = all_health(self.db)
        success = GaugeMetricFamily(
            "floodbot_feed_last_success_timestamp_seconds", "When each feed last answered usably", labels=["feed"]
        )
        failing = GaugeMetricFamily(
            "floodbot_feed_consecutive_failures", "Failures in a row of each feed", labels=["feed"]
        )
        for feed in self.settings.feeds:
            if not feed.enabled:
                continue
            row = health.get(feed.name)
            if row is not None and row.last_success is not None:
                success.add_metric([feed.name], row.last_success.timestamp())
            failing.add_metric([feed.name], row.consecutive_failures if row else 0)
        yield success
        yield failing

    def _heartbeats(self) -> Iterator:
        beats = self.beats
        yield GaugeMetricFamily("floodbot_start_timestamp_seconds", "When this process started",
                                value=beats.started_at.timestamp())
        for name, moment, what in (
            ("floodbot_last_poll_timestamp_seconds", beats.last_poll_at, "the poll job"),
            ("floodbot_last_drain_timestamp_seconds", beats.last_drain_at, "the delivery job"),
        ):
            family = GaugeMetricFamily(name, f"When {what} last finished a run")
            if moment is not None:
                family.add_metric([], moment.timestamp())
            yield family
        reasons = stall_reasons(self.settings, self.db, beats, self.now())
        yield GaugeMetricFamily("floodbot_healthy", "1 when /healthz answers 200", value=0 if reasons else 1)
