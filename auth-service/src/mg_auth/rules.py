"""The ordered rule table: first match wins, no match is a 403. Evaluated on every request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from mg_auth.cache import Identity
from mg_auth.config import Rule


class RequestTarget(NamedTuple):
    """The client request Traefik asks about (from the X-Forwarded-* headers)."""

    method: str
    host: str
    path: str
    preflight: bool


def host_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def path_matches(prefix: str, path: str) -> bool:
    """Segment-boundary prefix: `/api/admin` matches `/api/admin/x`, not `/api/administrator`."""
    if prefix == "/":
        return True
    return path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    rule: Rule
    preflight_only: bool
    methods: frozenset[str] | None
    exact_host: str | None
    host_suffix: str  # ".example.com" for "*.example.com"
    prefix: str  # "" matches every path
    prefix_dir: str  # prefix + "/"


class RuleTable:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self._compiled = tuple(
            _CompiledRule(
                rule=rule,
                preflight_only=rule.auth == "preflight",
                methods=frozenset(rule.methods) if rule.methods is not None else None,
                exact_host=None if rule.host.startswith("*.") else rule.host,
                host_suffix=rule.host[1:] if rule.host.startswith("*.") else "",
                prefix="" if rule.path_prefix == "/" else rule.path_prefix,
                prefix_dir=rule.path_prefix + "/",
            )
            for rule in rules
        )

    def match(self, target: RequestTarget) -> Rule | None:
        host, path = target.host, target.path
        for c in self._compiled:
            if c.preflight_only and not target.preflight:
                continue
            if c.methods is not None and target.method not in c.methods:
                continue
            if c.exact_host is not None:
                if host != c.exact_host:
                    continue
            elif not (host.endswith(c.host_suffix) and len(host) > len(c.host_suffix)):
                continue
            if c.prefix and not (path == c.prefix or path.startswith(c.prefix_dir)):
                continue
            return c.rule
        return None


def needs_identity(rule: Rule) -> bool:
    return rule.auth not in ("anonymous", "preflight")


def authorize(rule: Rule, identity: Identity) -> str | None:
    """None when allowed, else the deny reason."""
    if rule.roles_any is not None and identity.roles.isdisjoint(rule.roles_any):
        return "missing_role"
    if rule.permissions_all is not None and not identity.permissions.issuperset(
        rule.permissions_all
    ):
        return "missing_permission"
    return None
