"""Rule table: one test per rule kind, segment-boundary prefixes, hosts, and no match → 403."""

from __future__ import annotations

import pytest

from mg_auth.cache import Identity
from mg_auth.config import Rule
from mg_auth.rules import RequestTarget, RuleTable, authorize, host_matches, path_matches
from mg_auth_testkit import RunningService, SigningKey, claims, make_token

ROLES = "https://example.com/roles"


def identity(roles: set[str] = frozenset(), permissions: set[str] = frozenset()) -> Identity:  # type: ignore[assignment]
    return Identity("u", None, frozenset(roles), "", frozenset(permissions), "k", 0.0, "fp")


@pytest.mark.parametrize(
    ("prefix", "path", "expected"),
    [
        ("/api/admin", "/api/admin", True),
        ("/api/admin", "/api/admin/", True),
        ("/api/admin", "/api/admin/users", True),
        ("/api/admin", "/api/administrator", False),
        ("/api/admin", "/api/admin.json", False),
        ("/api/admin", "/api", False),
        ("/", "/anything", True),
    ],
)
def test_segment_boundary_prefix(prefix: str, path: str, expected: bool) -> None:
    assert path_matches(prefix, path) is expected


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("app.example.com", "app.example.com", True),
        ("app.example.com", "xapp.example.com", False),
        ("*.example.com", "app.example.com", True),
        ("*.example.com", "a.b.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "evilexample.com", False),
    ],
)
def test_host_patterns(pattern: str, host: str, expected: bool) -> None:
    assert host_matches(pattern, host) is expected


def test_first_match_wins_and_methods_filter() -> None:
    rules = RuleTable(
        [
            Rule(name="w", host="h.example.com", path_prefix="/a", methods=("POST",),
                 permissions_all=("write:a",)),
            Rule(name="r", host="h.example.com", path_prefix="/a", auth="authenticated"),
        ]
    )  # fmt: skip
    get = RequestTarget("GET", "h.example.com", "/a/1", preflight=False)
    post = RequestTarget("POST", "h.example.com", "/a/1", preflight=False)
    other = RequestTarget("GET", "h.example.com", "/b", preflight=False)
    assert rules.match(get).name == "r"  # type: ignore[union-attr]
    assert rules.match(post).name == "w"  # type: ignore[union-attr]
    assert rules.match(other) is None


def test_roles_any_and_permissions_all() -> None:
    admin = Rule(name="a", host="h.example.com", path_prefix="/", roles_any=("admin", "ops"))
    assert authorize(admin, identity({"ops"})) is None
    assert authorize(admin, identity({"trader"})) == "missing_role"
    both = Rule(name="b", host="h.example.com", path_prefix="/", permissions_all=("r:x", "w:x"))
    assert authorize(both, identity(permissions={"r:x", "w:x", "z"})) is None
    assert authorize(both, identity(permissions={"r:x"})) == "missing_permission"


def test_anonymous_rule_allows_without_identity(svc: RunningService) -> None:
    code, headers, _ = svc.verify(None, uri="/health/live")
    assert code == 200 and not any(h.startswith("x-user-") for h in headers)


def test_anonymous_rule_ignores_a_token(svc: RunningService, key: SigningKey) -> None:
    code, headers, _ = svc.verify(make_token(key), uri="/health")
    assert code == 200 and "x-user-id" not in headers


def test_preflight_rule(svc: RunningService) -> None:
    cors = [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST")]
    code, headers, _ = svc.verify(None, uri="/api/admin/x", method="OPTIONS", extra=cors)
    assert code == 200 and not any(h.startswith("x-user-") for h in headers)
    # OPTIONS without the CORS header is not a preflight: later rules apply (needs a token).
    assert svc.verify(None, uri="/api/admin/x", method="OPTIONS")[0] == 401


def test_authenticated_rule(svc: RunningService, key: SigningKey) -> None:
    assert svc.verify(make_token(key), uri="/dashboard")[0] == 200
    assert svc.verify(None, uri="/dashboard")[0] == 401


def test_roles_any_rule(svc: RunningService, key: SigningKey) -> None:
    trader = make_token(key, claims(**{ROLES: ["trader"]}))
    code, headers, _ = svc.verify(trader, uri="/api/admin/users")
    assert code == 403 and "x-user-id" not in headers
    assert svc.verify(trader, uri="/api/administrator")[0] == 200  # falls to the "app" rule
    assert svc.verify(make_token(key), uri="/api/admin/users")[0] == 200


def test_permissions_all_rule(svc: RunningService, key: SigningKey) -> None:
    reader = make_token(key, claims(permissions=["read:orders"]))
    assert svc.verify(reader, uri="/api/orders/1", method="DELETE")[0] == 403
    assert svc.verify(reader, uri="/api/orders/1", method="GET")[0] == 200
    assert svc.verify(make_token(key), uri="/api/orders", method="POST")[0] == 200


def test_authorization_is_evaluated_per_request_even_on_cache_hits(
    svc: RunningService, key: SigningKey
) -> None:
    trader = make_token(key, claims(**{ROLES: ["trader"]}))
    assert svc.verify(trader, uri="/")[0] == 200
    assert svc.verify(trader, uri="/api/admin")[0] == 403
    caches = [e["cache"] for e in svc.log.events if e["event"] == "decision"]
    assert caches == ["miss", "hit"]


def test_no_matching_rule_is_403(svc: RunningService, key: SigningKey) -> None:
    code, headers, _ = svc.verify(make_token(key), host="other.example.org")
    assert code == 403 and "x-user-id" not in headers


@pytest.mark.parametrize(
    "uri",
    [
        "/api/admin%2fusers",
        "/api%2Fadmin",
        "/api%5cadmin",
        "/api/./admin",
        "/api/../api/admin",
        "/api/%2e%2e/admin",
        "/api/%2E/admin",
        "//api/admin",
        "/api//admin",
        "/api/admin%zz",
        "/api/%00",
        "/api/%ff",
        "relative",
    ],
)
def test_ambiguous_paths_are_400(svc: RunningService, key: SigningKey, uri: str) -> None:
    code, headers, _ = svc.verify(make_token(key), uri=uri)
    assert code == 400 and "x-user-id" not in headers


def test_percent_encoded_path_matches_its_decoded_rule(
    svc: RunningService, key: SigningKey
) -> None:
    trader = make_token(key, claims(**{ROLES: ["trader"]}))
    assert svc.verify(trader, uri="/api/%61dmin/users")[0] == 403


@pytest.mark.parametrize("missing", ["X-Forwarded-Host", "X-Forwarded-Uri", "X-Forwarded-Method"])
def test_missing_forwarded_headers_are_400(
    svc: RunningService, key: SigningKey, missing: str
) -> None:
    headers = [
        ("X-Forwarded-Method", "GET"),
        ("X-Forwarded-Host", "app.example.com"),
        ("X-Forwarded-Uri", "/"),
        ("Authorization", f"Bearer {make_token(key)}"),
    ]
    assert svc.get("/verify", [h for h in headers if h[0] != missing])[0] == 400


def test_host_with_port_and_case(svc: RunningService, key: SigningKey) -> None:
    assert svc.verify(make_token(key), host="APP.example.com:443")[0] == 200
