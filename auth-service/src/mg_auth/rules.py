"""The ordered rule table: first match wins, no match is a 403. Evaluated on every request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mg_auth.cache import Identity
from mg_auth.config import Rule


@dataclass(frozen=True, slots=True)
class RequestTarget:
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


class RuleTable:
    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = tuple(rules)

    def match(self, target: RequestTarget) -> Rule | None:
        for rule in self._rules:
            if rule.auth == "preflight" and not target.preflight:
                continue
            if rule.methods is not None and target.method not in rule.methods:
                continue
            if host_matches(rule.host, target.host) and path_matches(rule.path_prefix, target.path):
                return rule
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
