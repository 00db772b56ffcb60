"""Prometheus metrics for decisions, latency, the caches and the JWKS.

Counted in plain dicts on the event-loop thread and turned into metric families only when
scraped (a custom collector): prometheus_client's locked counters would cost several times
more per request than the cached decision itself. A decision is only appended to a list on
the request path; the counts are updated from it in batches (and always before a scrape).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

LATENCY_BUCKETS = (
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
)  # fmt: skip
CACHE_LABELS = ("hit", "miss", "none")
PENDING_MAX = 512


class Metrics:
    def __init__(self) -> None:
        self.decisions: dict[tuple[int, str], int] = {}
        self.rule_decisions: dict[tuple[str, int], int] = {}
        self.latency_counts = {c: [0] * (len(LATENCY_BUCKETS) + 1) for c in CACHE_LABELS}
        self.latency_sums = dict.fromkeys(CACHE_LABELS, 0.0)
        self.jwks_fetches: dict[str, int] = {}
        self.jwks_last_success: float | None = None
        self.jwks_keys = 0
        self._pending: list[tuple[int, str, str, str, float]] = []
        self._cache_len: Callable[[], int] = lambda: 0
        self._negative_len: Callable[[], int] = lambda: 0
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def track_sizes(self, cache_len: Callable[[], int], negative_len: Callable[[], int]) -> None:
        self._cache_len = cache_len
        self._negative_len = negative_len

    def decision(self, status: int, reason: str, rule: str, cache: str, seconds: float) -> None:
        pending = self._pending
        pending.append((status, reason, rule, cache, seconds))
        if len(pending) >= PENDING_MAX:
            self.fold()

    def fold(self) -> None:
        """Count the pending decisions."""
        decisions, per_rule = self.decisions, self.rule_decisions
        counts, sums = self.latency_counts, self.latency_sums
        for status, reason, rule, cache, seconds in self._pending:
            key = (status, reason)
            decisions[key] = decisions.get(key, 0) + 1
            rule_key = (rule, status)
            per_rule[rule_key] = per_rule.get(rule_key, 0) + 1
            counts[cache][bisect_left(LATENCY_BUCKETS, seconds)] += 1
            sums[cache] += seconds
        self._pending.clear()

    def jwks_fetched(self, result: str, key_count: int, detail: str, now: float) -> None:
        self.jwks_fetches[result] = self.jwks_fetches.get(result, 0) + 1
        if result == "success":
            self.jwks_last_success = now
            self.jwks_keys = key_count

    # prometheus_client Collector protocol
    def collect(self) -> Iterator[Metric]:
        self.fold()
        decisions = CounterMetricFamily(
            "mg_auth_decisions",
            "Verify decisions by status and reason",
            labels=["status", "reason"],
        )
        for (status, reason), count in sorted(self.decisions.items()):
            decisions.add_metric([str(status), reason], count)
        yield decisions
        per_rule = CounterMetricFamily(
            "mg_auth_rule_decisions", "Verify decisions per rule", labels=["rule", "status"]
        )
        for (rule, status), count in sorted(self.rule_decisions.items()):
            per_rule.add_metric([rule, str(status)], count)
        yield per_rule
        latency = HistogramMetricFamily(
            "mg_auth_verify_latency_seconds", "Time to decide a /verify request", labels=["cache"]
        )
        for cache in CACHE_LABELS:
            cumulative = 0
            buckets: list[tuple[str, float]] = []
            counts = self.latency_counts[cache]
            for bound, count in zip((*map(str, LATENCY_BUCKETS), "+Inf"), counts, strict=True):
                cumulative += count
                buckets.append((bound, cumulative))
            latency.add_metric([cache], buckets, self.latency_sums[cache])
        yield latency
        yield GaugeMetricFamily(
            "mg_auth_token_cache_entries", "Verified tokens cached", value=self._cache_len()
        )
        yield GaugeMetricFamily(
            "mg_auth_negative_cache_entries", "Bad-signature tokens cached",
            value=self._negative_len(),
        )  # fmt: skip
        fetches = CounterMetricFamily(
            "mg_auth_jwks_fetches", "JWKS fetches by result", labels=["result"]
        )
        for result, count in sorted(self.jwks_fetches.items()):
            fetches.add_metric([result], count)
        yield fetches
        if self.jwks_last_success is not None:
            yield GaugeMetricFamily(
                "mg_auth_jwks_last_success_timestamp_seconds",
                "Unix time of the last good JWKS fetch",
                value=self.jwks_last_success,
            )
        yield GaugeMetricFamily("mg_auth_jwks_keys", "Usable keys in the current JWKS",
                                value=self.jwks_keys)  # fmt: skip

    def render(self) -> bytes:
        return generate_latest(self.registry)
