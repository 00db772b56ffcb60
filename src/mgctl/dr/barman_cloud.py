"""barman-cloud (PyPI barman[cloud]): the WAL archiver, base backup, restore and catalog tools
the CloudNativePG Barman Cloud plugin runs in its sidecar, invoked the same way here.

The tools run as the PostgreSQL OS user (they read/write the data directory, and PostgreSQL runs
archive_command/restore_command itself). When that user cannot execute mgctl's own interpreter
(run as root: a venv whose Python lives under /root, or a clone under any 0700 directory such as
/root or a `mktemp -d`), `Interpreter.for_user` builds a tiny venv from the system Python of the
same minor version in the drill's temp dir (world-readable) and copies into it what the tools
import: barman with its `cloud` extra (and the configured compression's), resolved through the
installed distributions' metadata. mgctl's own directories need not be readable by that user,
and nothing outside the temp dir changes.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import Distribution, PackageNotFoundError, distribution
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mgctl.dr.postgres_server import OsUser
from mgctl.render.backup_layout import DATA_COMPRESSIONS
from mgctl.tools.command import Command, CommandError

# barman-cloud console scripts -> their modules (run as `python -m`, so no shebang matters)
MODULES = {
    "barman-cloud-wal-archive": "barman.clients.cloud_walarchive",
    "barman-cloud-wal-restore": "barman.clients.cloud_walrestore",
    "barman-cloud-backup": "barman.clients.cloud_backup",
    "barman-cloud-restore": "barman.clients.cloud_restore",
    "barman-cloud-backup-list": "barman.clients.cloud_backup_list",
    "barman-cloud-backup-delete": "barman.clients.cloud_backup_delete",
}

# ObjectStore compression -> (WAL flag, base backup flag); base backups know no xz/zstd
WAL_FLAGS = {
    "gzip": "--gzip",
    "bzip2": "--bzip2",
    "snappy": "--snappy",
    "lz4": "--lz4",
    "xz": "--xz",
    "zstd": "--zstd",
}
DATA_FLAGS = {name: f"--{name}" for name in DATA_COMPRESSIONS}
# Python modules barman needs for each compression
COMPRESSION_MODULES = {"snappy": "snappy", "lz4": "lz4", "zstd": "zstandard"}
# barman's extras: what barman-cloud needs for S3, and for each compression
BARMAN = "barman"
CLOUD_EXTRA = "cloud"
COMPRESSION_EXTRAS = {"snappy": "snappy", "lz4": "lz4", "zstd": "zstandard"}


class BarmanError(RuntimeError):
    pass


def check_compression_available(compression: str | None) -> None:
    module = COMPRESSION_MODULES.get(compression or "")
    if module is None:
        return
    try:
        __import__(module)
    except ImportError as exc:
        raise BarmanError(
            f"compression {compression!r} needs the Python module {module!r} beside barman "
            f"(pip install {'python-snappy' if module == 'snappy' else module})"
        ) from exc


@dataclass(frozen=True)
class Interpreter:
    """A Python the PostgreSQL OS user can execute, with barman importable."""

    python: str
    note: str | None = None

    @classmethod
    def for_user(
        cls, user: OsUser, workdir: Path, compressions: Sequence[str | None] = ()
    ) -> Interpreter:
        probe = ["-c", "import barman.clients.cloud_walarchive, boto3"]
        if _works(user, [sys.executable, *probe]):
            return cls(sys.executable)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        system_python = Path(f"/usr/bin/python{version}")
        if not system_python.exists():
            raise BarmanError(
                f"user {user.name!r} cannot execute {sys.executable} and there is no "
                f"{system_python} to build a shim from; install mgctl in a venv readable by "
                f"{user.name!r}"
            )
        shim = workdir / "barman-python"
        Command([str(system_python), "-m", "venv", "--without-pip", str(shim)], timeout=120).run()
        site_dir = shim / "lib" / f"python{version}" / "site-packages"
        extras = {
            CLOUD_EXTRA,
            *(COMPRESSION_EXTRAS[c] for c in compressions if c in COMPRESSION_EXTRAS),
        }
        copied = copy_distributions(requirement_closure(BARMAN, extras), site_dir)
        python = str(shim / "bin" / "python")
        if not _works(user, [python, *probe]):
            raise BarmanError(
                f"user {user.name!r} cannot import barman through {python} (copied "
                f"{', '.join(copied)} into {site_dir})"
            )
        return cls(
            python,
            note=(
                f"{sys.executable} is not executable by {user.name!r}; barman-cloud runs on "
                f"{system_python} in a throwaway venv in {shim} with a copy of "
                f"{', '.join(copied)}"
            ),
        )

    def argv(self, tool: str, args: Sequence[str]) -> list[str]:
        return [self.python, "-m", MODULES[tool], *args]


def requirement_closure(name: str, extras: set[str]) -> list[Distribution]:
    """The installed distribution `name` and everything it requires with `extras`, following
    each distribution's Requires-Dist (markers evaluated here, extras included)."""
    found: dict[str, Distribution] = {}
    wanted: dict[str, set[str]] = {}
    pending: list[tuple[str, set[str]]] = [(name, set(extras))]
    while pending:
        current, current_extras = pending.pop()
        key = canonicalize_name(current)
        known = wanted.get(key)
        if known is not None and current_extras <= known:
            continue
        wanted[key] = (known or set()) | current_extras
        try:
            dist = found.get(key) or distribution(current)
        except PackageNotFoundError as exc:
            raise BarmanError(
                f"{current} (needed by barman-cloud) is not installed beside mgctl: "
                f"pip install 'barman[{','.join(sorted(extras))}]'"
            ) from exc
        found[key] = dist
        for text in dist.requires or []:
            requirement = Requirement(text)
            contexts = [{"extra": extra} for extra in wanted[key]] or [{"extra": ""}]
            marker = requirement.marker
            if marker is None or any(marker.evaluate(c) for c in contexts):
                pending.append((requirement.name, set(requirement.extras)))
    return [found[key] for key in sorted(found)]


def copy_distributions(dists: list[Distribution], site_dir: Path) -> list[str]:
    """Copy each distribution's installed files (its RECORD, scripts outside site-packages
    left out) into `site_dir`, readable by everyone; returns `name version` of each."""
    copied = []
    for dist in dists:
        for entry in dist.files or []:
            relative = PurePosixPath(str(entry))
            if relative.parts and relative.parts[0] == "..":
                continue  # console scripts in bin/: the tools run as `python -m`
            source = Path(str(dist.locate_file(entry)))
            if not source.is_file():
                continue
            target = site_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
            shutil.copyfile(source, target)
            target.chmod(0o755 if os.access(source, os.X_OK) else 0o644)
        copied.append(f"{dist.metadata['Name']} {dist.version}")
    for directory in [site_dir, *(p for p in site_dir.rglob("*") if p.is_dir())]:
        directory.chmod(0o755)
    return copied


def _works(user: OsUser, argv: Sequence[str]) -> bool:
    try:
        Command(user.argv(argv), timeout=60).run()
    except CommandError:
        return False
    return True


@dataclass(frozen=True)
class BarmanCloud:
    """barman-cloud against one S3 endpoint and one catalog (destination URL + server name)."""

    interpreter: Interpreter
    user: OsUser
    endpoint: str
    destination: str  # s3://bucket/path, as ObjectStore.spec.configuration.destinationPath
    server_name: str  # CNPG: the Cluster's name
    credentials_env: Mapping[str, str]
    region: str = "us-east-1"

    def _common(self) -> list[str]:
        return ["--cloud-provider", "aws-s3", "--endpoint-url", self.endpoint]

    def _run(self, tool: str, args: Sequence[str], timeout: float = 3600) -> str:
        argv = self.user.argv(self.interpreter.argv(tool, args))
        env = {**_base_env(), **self.credentials_env, "AWS_DEFAULT_REGION": self.region}
        try:
            proc: subprocess.CompletedProcess[str] = Command(argv, env=env, timeout=timeout).run()
        except CommandError as exc:
            raise BarmanError(f"{tool} failed: {exc}") from exc
        return proc.stdout

    def archive_command(self, compression: str | None) -> str:
        """The archive_command PostgreSQL runs (credentials come from the server's env)."""
        flags = [WAL_FLAGS[compression]] if compression else []
        args = [*self._common(), *flags, self.destination, self.server_name, "%p"]
        return shlex.join(self.interpreter.argv("barman-cloud-wal-archive", args))

    def restore_command(self, parallel: int = 0, spool_dir: Path | None = None) -> str:
        """`parallel` > 1 prefetches the next WAL files, as the plugin does with maxParallel."""
        extra = ["--parallel", str(parallel)] if parallel > 1 else []
        if extra and spool_dir is not None:
            extra += ["--spool-dir", str(spool_dir)]
        args = [*self._common(), *extra, self.destination, self.server_name, "%f", "%p"]
        return shlex.join(self.interpreter.argv("barman-cloud-wal-restore", args))

    def backup(
        self, host: str, port: int, user: str, compression: str | None, name: str, jobs: int = 2
    ) -> None:
        flags = [DATA_FLAGS[compression]] if compression else []
        self._run(
            "barman-cloud-backup",
            [
                *self._common(),
                *flags,
                "--immediate-checkpoint",
                "--jobs",
                str(jobs),
                "-h",
                host,
                "-p",
                str(port),
                "-U",
                user,
                "-n",
                name,
                self.destination,
                self.server_name,
            ],
        )

    def list_backups(self) -> list[dict[str, Any]]:
        out = self._run(
            "barman-cloud-backup-list",
            [*self._common(), "--format", "json", self.destination, self.server_name],
            timeout=300,
        )
        data = json.loads(out)
        backups: list[dict[str, Any]] = data.get("backups_list", [])
        return backups

    def restore(self, backup_id: str, datadir: Path) -> None:
        self._run(
            "barman-cloud-restore",
            [*self._common(), self.destination, self.server_name, backup_id, str(datadir)],
        )

    def apply_retention(self, retention_days: int) -> str:
        """barman-cloud-backup-delete with the ObjectStore's retentionPolicy (a recovery window)."""
        return self._run(
            "barman-cloud-backup-delete",
            [
                *self._common(),
                "--retention-policy",
                f"RECOVERY WINDOW OF {retention_days} DAYS",
                self.destination,
                self.server_name,
            ],
            timeout=600,
        )

    def env_for_server(self) -> dict[str, str]:
        """What PostgreSQL needs in its environment for archive/restore commands."""
        return {**self.credentials_env, "AWS_DEFAULT_REGION": self.region}


def _base_env() -> dict[str, str]:
    import os

    keep = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env
