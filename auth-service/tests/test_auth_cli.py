"""The real console entry point: `python -m mg_auth serve`, JSON logs, SIGTERM shutdown."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from mg_auth_testkit import JwksServer, SigningKey, config_dict, free_port, make_token

pytestmark = pytest.mark.slow


def test_serve_runs_until_sigterm(tmp_path: Path, jwks: JwksServer, key: SigningKey) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(config_dict(jwks.url)), encoding="utf-8")
    port, metrics_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mg_auth", "serve", "--config", str(config),
         "--host", "127.0.0.1", "--port", str(port),
         "--metrics-host", "127.0.0.1", "--metrics-port", str(metrics_port),
         "--shutdown-delay", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, "not ready"
                time.sleep(0.05)
        token = make_token(key)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/verify",
            headers={"X-Forwarded-Method": "GET", "X-Forwarded-Host": "app.example.com",
                     "X-Forwarded-Uri": "/", "Authorization": f"Bearer {token}"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
            assert response.headers["X-User-Id"] == "auth0|user-1"
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
            assert b'mg_auth_decisions_total{reason="allowed",status="200"} 1.0' in r.read()
        proc.send_signal(signal.SIGTERM)
        # Draining: still answering, but no longer ready.
        deadline = time.monotonic() + 5
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            except urllib.error.HTTPError as exc:
                assert exc.code == 503
                break
            assert time.monotonic() < deadline, "/readyz stayed 200 after SIGTERM"
            time.sleep(0.02)
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=15)
    assert proc.returncode == 0, stderr.decode()
    events = [json.loads(line) for line in stdout.decode().splitlines()]
    names = [e["event"] for e in events]
    assert names[0] == "started" and names[-1] == "stopped"
    assert names.index("draining") < names.index("finishing") < names.index("stopped")
    assert events[-1]["unanswered"] == 0
    assert "decision" in names[names.index("draining") :]  # served while draining
    assert "jwks_fetch" in names and "decision" in names
    assert token.split(".")[2][:16] not in stdout.decode()


def test_serve_with_invalid_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("issuers: [https://t.eu.auth0.com]\naudience: a\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mg_auth", "serve", "--config", str(config)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{config}: issuers: " in result.stderr
    assert f"{config}: rules: required key is missing" in result.stderr
