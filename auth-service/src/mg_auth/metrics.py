"""Prometheus metrics for decisions, latency, the caches and the JWKS."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
)  # fmt: skip


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._decisions = Counter(
            "mg_auth_decisions", "Verify decisions by status and reason", ["status", "reason"],
            registry=r,
        )  # fmt: skip
        self._rule_decisions = Counter(
            "mg_auth_rule_decisions", "Verify decisions per rule", ["rule", "status"], registry=r
        )
        self._latency = Histogram(
            "mg_auth_verify_latency_seconds", "Time to decide a /verify request",
            ["cache"], buckets=LATENCY_BUCKETS, registry=r,
        )  # fmt: skip
        self.cache_entries = Gauge(
            "mg_auth_token_cache_entries", "Verified tokens cached", registry=r
        )
        self.negative_entries = Gauge(
            "mg_auth_negative_cache_entries", "Bad-signature tokens cached", registry=r
        )
        self._jwks_fetches = Counter(
            "mg_auth_jwks_fetches", "JWKS fetches by result", ["result"], registry=r
        )
        self._jwks_last_success = Gauge(
            "mg_auth_jwks_last_success_timestamp_seconds", "Unix time of the last good JWKS fetch",
            registry=r,
        )  # fmt: skip
        self._jwks_keys = Gauge("mg_auth_jwks_keys", "Usable keys in the current JWKS", registry=r)
        # Bound label children once: `.labels()` takes a lock and hashes on every call.
        self._decision_children: dict[tuple[int, str], Counter] = {}
        self._rule_children: dict[tuple[str, int], Counter] = {}
        self._latency_children = {c: self._latency.labels(c) for c in ("hit", "miss", "none")}

    def track_sizes(self, cache_len: Callable[[], int], negative_len: Callable[[], int]) -> None:
        self.cache_entries.set_function(lambda: float(cache_len()))
        self.negative_entries.set_function(lambda: float(negative_len()))

    def decision(self, status: int, reason: str, rule: str, cache: str, seconds: float) -> None:
        key = (status, reason)
        child = self._decision_children.get(key)
        if child is None:
            child = self._decisions.labels(str(status), reason)
            self._decision_children[key] = child
        child.inc()
        rule_key = (rule, status)
        rule_child = self._rule_children.get(rule_key)
        if rule_child is None:
            rule_child = self._rule_decisions.labels(rule, str(status))
            self._rule_children[rule_key] = rule_child
        rule_child.inc()
        self._latency_children[cache].observe(seconds)

    def jwks_fetched(self, result: str, key_count: int, detail: str) -> None:
        self._jwks_fetches.labels(result).inc()
        if result == "success":
            self._jwks_last_success.set_to_current_time()
            self._jwks_keys.set(key_count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
