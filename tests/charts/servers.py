"""Real chart servers on 127.0.0.1: an HTTP chart repository (index.yaml written by the real
`helm repo index`) and an OCI registry (Debian's docker-registry, CNCF distribution) that the
real `helm push` fills."""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mgctl.tools import binaries


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def helm(*args: str) -> str:
    return subprocess.run(
        [str(binaries.find("helm")), *args], check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def http_chart_repo(root: Path, archives: list[Path]) -> Iterator[str]:
    """Serve `archives` as a Helm repository; yields its URL."""
    root.mkdir(parents=True, exist_ok=True)
    for archive in archives:
        shutil.copyfile(archive, root / archive.name)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    helm("repo", "index", str(root), "--url", url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def oci_registry(root: Path) -> Iterator[str]:
    """A docker-registry on loopback; yields `host:port`."""
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError("docker-registry is missing: run scripts/install-system-deps.sh")
    port = free_port()
    config = root / "registry.yml"
    root.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "version: 0.1\n"
        "log: {level: error}\n"
        f"storage: {{filesystem: {{rootdirectory: {root / 'data'}}}}}\n"
        f"http: {{addr: 127.0.0.1:{port}}}\n",
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("docker-registry did not start") from None
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
