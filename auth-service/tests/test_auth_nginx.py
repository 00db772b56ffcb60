"""Cross-check behind nginx `auth_request` (Debian nginx): the service is not Traefik-specific."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mg_auth_testkit import (
    EchoUpstream,
    JwksServer,
    SigningKey,
    claims,
    config_dict,
    free_port,
    make_token,
    running_service,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("nginx")]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_request /_verify;
      auth_request_set $user_id $upstream_http_x_user_id;
      auth_request_set $user_email $upstream_http_x_user_email;
      auth_request_set $user_roles $upstream_http_x_user_roles;
      proxy_set_header X-User-Id $user_id;
      proxy_set_header X-User-Email $user_email;
      proxy_set_header X-User-Roles $user_roles;
      proxy_pass {upstream};
    }}
    location = /_verify {{
      internal;
      proxy_pass http://127.0.0.1:{auth_port}/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Cookie "";
      proxy_set_header X-Forwarded-Method $request_method;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Uri $request_uri;
    }}
  }}
}}
"""


@dataclass
class Nginx:
    port: int
    upstream: EchoUpstream

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, list[str]]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": "app.example.com", **headers})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        seen: dict[str, list[str]] = {}
        if response.status == 200:
            for name, value in json.loads(body)["headers"]:
                seen.setdefault(name.lower(), []).append(value)
        return response.status, seen


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory, key: SigningKey) -> Iterator[Nginx]:
    assert Path(NGINX).exists(), "nginx missing: apt-get install nginx"
    tmp = tmp_path_factory.mktemp("nginx")
    upstream = EchoUpstream()
    with JwksServer([key]) as jwks, running_service(config_dict(jwks.url)) as auth:
        port = free_port()
        (tmp / "nginx.conf").write_text(
            CONFIG.format(tmp=tmp, port=port, upstream=upstream.url, auth_port=auth.port),
            encoding="utf-8",
        )
        log = (tmp / "stderr.log").open("wb")
        proc = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                                stdout=log, stderr=log)  # fmt: skip
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
                    break
                except OSError:
                    assert proc.poll() is None and time.monotonic() < deadline, (
                        tmp / "error.log"
                    ).read_text(errors="replace")
                    time.sleep(0.05)
            yield Nginx(port, upstream)
        finally:
            proc.terminate()
            proc.wait(10)
            upstream.close()


def test_nginx_forwards_identity_and_replaces_forged_headers(nginx: Nginx, key: SigningKey) -> None:
    trader = make_token(key, claims(**{"https://example.com/roles": ["trader"]}))
    code, seen = nginx.get(
        "/orders?x=1",
        {"Authorization": f"Bearer {trader}", "X-User-Roles": "admin", "X-User-Id": "forged"},
    )
    assert code == 200
    assert seen["x-user-id"] == ["auth0|user-1"]
    assert seen["x-user-roles"] == ["trader"]
    assert seen["x-user-email"] == ["user@example.com"]


def test_nginx_denies(nginx: Nginx, key: SigningKey) -> None:
    before = nginx.upstream.hits
    assert nginx.get("/", {})[0] == 401
    trader = make_token(key, claims(**{"https://example.com/roles": ["trader"]}))
    assert nginx.get("/api/admin", {"Authorization": f"Bearer {trader}"})[0] == 403
    # nginx maps any other auth status (our 400) to 500: still closed.
    assert nginx.get("/x?access_token=abc", {"Authorization": f"Bearer {trader}"})[0] == 500
    assert nginx.upstream.hits == before


def test_nginx_anonymous_route_strips_forged_identity(nginx: Nginx) -> None:
    code, seen = nginx.get("/health", {"X-User-Id": "forged", "X-User-Roles": "admin"})
    assert code == 200
    assert "x-user-id" not in seen and "x-user-roles" not in seen
