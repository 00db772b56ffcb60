"""Test helpers: real RSA keys, hand-built tokens, a real JWKS server and the real service.

Everything listens on 127.0.0.1 with OS-assigned ports, so tests are xdist-safe.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import uvloop
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mg_auth.app import AuthService, Listen
from mg_auth.config import Config, parse_config
from mg_auth.logs import EventLog, format_decision

ISSUER = "https://tenant.eu.auth0.com/"
AUDIENCE = "https://api.example.com"
ROLES_CLAIM = "https://example.com/roles"
EMAIL_CLAIM = "https://example.com/email"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str, bits: int = 2048) -> SigningKey:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=bits))

    def jwk(self) -> dict[str, str]:
        numbers = self.private.public_key().public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                "n": b64url(n), "e": b64url(e)}  # fmt: skip

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, signing_input: bytes) -> bytes:
        return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "sub": "auth0|user-1",
        "aud": [AUDIENCE, "https://tenant.eu.auth0.com/userinfo"],
        "iat": now - 10,
        "exp": now + 3600,
        "azp": "spa-client",
        "scope": "openid profile email",
        ROLES_CLAIM: ["trader", "admin"],
        EMAIL_CLAIM: "user@example.com",
        "permissions": ["read:orders", "write:orders"],
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def make_token(
    key: SigningKey,
    payload: Mapping[str, Any] | None = None,
    header: Mapping[str, Any] | None = None,
    raw_header: str | None = None,
    raw_payload: str | None = None,
) -> str:
    head = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    if header is not None:
        head.update(header)
        head = {k: v for k, v in head.items() if v is not None}
    header_b64 = raw_header if raw_header is not None else b64url_json(head)
    payload_b64 = raw_payload if raw_payload is not None else b64url_json(payload or claims())
    signing_input = f"{header_b64}.{payload_b64}".encode()
    return f"{header_b64}.{payload_b64}.{b64url(key.sign(signing_input))}"


def config_dict(jwks_url: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "issuers": [ISSUER],
        "audience": AUDIENCE,
        "jwks_url": jwks_url,
        "claims": {"roles": ROLES_CLAIM, "email": EMAIL_CLAIM, "permissions": "permissions"},
        "jwks": {
            "refresh_interval_seconds": 600,
            "unknown_kid_cooldown_seconds": 30,
            "initial_backoff_seconds": 0.1,
            "max_backoff_seconds": 0.5,
            "fetch_timeout_seconds": 2,
        },
        "rules": [
            {"name": "preflight", "host": "*.example.com", "path_prefix": "/", "auth": "preflight"},
            {"name": "health", "host": "app.example.com", "path_prefix": "/health",
             "auth": "anonymous"},
            {"name": "admin", "host": "app.example.com", "path_prefix": "/api/admin",
             "roles_any": ["admin"]},
            {"name": "orders-write", "host": "app.example.com", "path_prefix": "/api/orders",
             "methods": ["POST", "DELETE"], "permissions_all": ["write:orders"]},
            {"name": "app", "host": "app.example.com", "path_prefix": "/", "auth": "authenticated"},
        ],
    }  # fmt: skip
    data.update(overrides)
    return data


class JwksServer:
    """A real JWKS endpoint on 127.0.0.1; counts fetches and can be switched down."""

    def __init__(self, keys: Sequence[SigningKey]) -> None:
        self.document: dict[str, Any] = {"keys": [k.jwk() for k in keys]}
        self.fetches = 0
        self.down = False
        self.delay_seconds = 0.0
        self.raw_response: tuple[int, list[tuple[str, str]], bytes] | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.fetches += 1
                    body = json.dumps(server.document).encode()
                    down = server.down
                    delay = server.delay_seconds
                    raw = server.raw_response
                if delay:
                    time.sleep(delay)
                if raw is not None:
                    self.send_response(raw[0])
                    for name, value in raw[1]:
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(raw[2])))
                    self.end_headers()
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(raw[2])  # the service may stop reading at its cap
                    return
                if down:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def set_keys(self, keys: Sequence[SigningKey]) -> None:
        with self._lock:
            self.document = {"keys": [k.jwk() for k in keys]}

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class ListLog(EventLog):
    """An EventLog that keeps the JSON lines it would print, parsed, for assertions."""

    def __init__(self) -> None:
        super().__init__(stream=None)
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        self.events.append(json.loads(line))

    def decision(self, *fields: Any) -> None:
        self._emit(format_decision((time.time(), *fields)))  # the line the service prints

    def flush(self) -> None:
        pass


@dataclass
class RunningService:
    service: AuthService
    loop: asyncio.AbstractEventLoop
    port: int
    metrics_port: int
    log: ListLog
    _thread: threading.Thread | None = field(default=None, repr=False)

    def get(
        self,
        path: str = "/verify",
        headers: Sequence[tuple[str, str]] = (),
        port: int | None = None,
        method: str = "GET",
    ) -> tuple[int, dict[str, str], bytes]:
        """A raw request (repeated header names allowed). Returns status, headers, body."""
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", "auth-service")
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()

    def verify(
        self,
        token: str | None = None,
        host: str = "app.example.com",
        uri: str = "/",
        method: str = "GET",
        extra: Sequence[tuple[str, str]] = (),
        path: str = "/verify",
    ) -> tuple[int, dict[str, str], bytes]:
        headers = [
            ("X-Forwarded-Method", method),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", host),
            ("X-Forwarded-Uri", uri),
            ("X-Forwarded-For", "203.0.113.9"),
        ]
        if token is not None:
            headers.append(("Authorization", f"Bearer {token}"))
        headers.extend(extra)
        return self.get(path, headers)

    def call(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def wait_ready(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.02)
        raise AssertionError("service did not become ready")


class FakeClock:
    """A monotonic clock the test can move forward (the JWKS staleness and cooldown clock)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@contextmanager
def running_service(
    config: Config | dict[str, Any],
    ready: bool = True,
    clock: FakeClock | None = None,
) -> Iterator[RunningService]:
    """The real AuthService on its own event loop thread, on OS-assigned loopback ports."""
    if isinstance(config, dict):
        config = parse_config(config, "test-config")
    log = ListLog()
    loop = uvloop.new_event_loop()  # the loop `mg-auth serve` runs on
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    service = AuthService(config, log=log, clock=clock or time.monotonic)

    async def start() -> None:
        await service.start(Listen("127.0.0.1", 0, "127.0.0.1", 0))

    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    running = RunningService(
        service, loop, service.bound["port"], service.bound["metrics_port"], log, thread
    )
    try:
        if ready:
            running.wait_ready()
        yield running
    finally:
        asyncio.run_coroutine_threadsafe(service.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


class EchoUpstream:
    """Answers 200 with the request line and the headers it received, as JSON."""

    def __init__(self) -> None:
        self.hits = 0
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def _echo(self) -> None:
                upstream.hits += 1
                body = json.dumps(
                    {"method": self.command, "path": self.path, "headers": self.headers.items()}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_OPTIONS = do_DELETE = _echo

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    """`python -m mg_auth serve` as a child process (its own memory, its own signals); its
    stdout (the JSON event log) goes to a file, which a pipe nobody reads would fill."""

    proc: subprocess.Popen[bytes]
    port: int
    metrics_port: int
    log_path: Path

    def events(self) -> list[dict[str, Any]]:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    def status_kib(self, field_name: str) -> int:
        """A /proc/<pid>/status field in KiB, e.g. VmRSS or VmHWM."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise AssertionError(f"{field_name} not in /proc/{self.proc.pid}/status")

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)


@contextmanager
def service_process(
    tmp: Path, config: dict[str, Any], extra_args: Sequence[str] = ()
) -> Iterator[ServiceProcess]:
    config_path = tmp / "config.yaml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port, metrics_port = free_port(), free_port()
    log_path = tmp / "mg-auth.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mg_auth", "serve", "--config", str(config_path),
             "--host", "127.0.0.1", "--port", str(port),
             "--metrics-host", "127.0.0.1", "--metrics-port", str(metrics_port), *extra_args],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = ServiceProcess(proc, port, metrics_port, log_path)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait(10)
                raise AssertionError(f"mg-auth did not become ready:\n{log_path.read_text()}")
            time.sleep(0.05)
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def verify_request_bytes(token: str | None, uri: str = "/", close: bool = False) -> bytes:
    """One raw /verify request as Traefik's ForwardAuth sends it (no Authorization if no token)."""
    lines = [
        "GET /verify HTTP/1.1",
        "Host: auth",
        "X-Forwarded-Method: GET",
        "X-Forwarded-Host: app.example.com",
        f"X-Forwarded-Uri: {uri}",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket, pending: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One response head (these responses have no body but may declare one); returns
    status, lower-cased headers and the bytes read past it. Raises ConnectionError on EOF."""
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} bytes of a response")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside a response body")
        rest += chunk
    return int(lines[0].split()[1]), headers, rest[length:]
