"""PostgreSQL from the Debian packages: initdb, pg_ctl and psql for a throwaway local server.

PostgreSQL refuses to run as root. When mgctl runs as root, every server-side command runs as an
unprivileged system user (created once with `useradd --system` when absent) through `runuser`.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mgctl.dr.processes import ServerError, log_tail, wait_until
from mgctl.tools.command import Command, CommandError

DRILL_USER = "mgdrill"
START_TIMEOUT = 60.0


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin holding pg_ctl, or pg_ctl's dir on PATH."""
    override = os.environ.get("MGCTL_PG_BINDIR")
    if override:
        return Path(override)
    root = Path("/usr/lib/postgresql")
    majors = sorted(
        (int(p.name) for p in root.glob("*") if p.name.isdigit() and (p / "bin/pg_ctl").exists()),
        reverse=True,
    )
    if majors:
        return root / str(majors[0]) / "bin"
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise ServerError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "install them with: apt-get install postgresql (or set MGCTL_PG_BINDIR)"
    )


@dataclass(frozen=True)
class OsUser:
    """Who server-side commands run as: the current user, or DRILL_USER via runuser when root."""

    name: str
    uid: int
    gid: int
    via_runuser: bool

    @classmethod
    def for_postgres(cls, name: str = DRILL_USER) -> tuple[OsUser, str | None]:
        """Returns the user and a note when it had to switch users (shown in the drill output)."""
        if os.geteuid() != 0:
            entry = pwd.getpwuid(os.geteuid())
            return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, via_runuser=False), None
        note = f"running as root: PostgreSQL and barman-cloud run as system user {name!r}"
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            Command(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                timeout=30,
            ).run()
            entry = pwd.getpwnam(name)
            note += " (created it with useradd --system)"
        return cls(name, entry.pw_uid, entry.pw_gid, via_runuser=True), note

    def argv(self, argv: Sequence[str]) -> list[str]:
        return ["runuser", "-u", self.name, "--", *argv] if self.via_runuser else list(argv)

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float = 600,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, **(env or {})}
        return Command(self.argv(argv), env=full_env, timeout=timeout).run(stdin=stdin)

    def can_enter(self, path: Path) -> bool:
        """Whether this user can reach `path` (every directory above it searchable)."""
        if not self.via_runuser:
            return os.access(path, os.X_OK)
        try:
            Command(self.argv(["test", "-x", str(path)]), timeout=30).run()
        except CommandError:
            return False
        return True

    def make_dir(self, path: Path, mode: int = 0o700) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, self.uid, self.gid)
        path.chmod(mode)
        return path


class PostgresServer:
    """One data directory and the server on it (TCP on 127.0.0.1, trust auth, local only)."""

    def __init__(self, user: OsUser, datadir: Path, port: int, bindir: Path | None = None):
        self.user = user
        self.datadir = datadir
        self.port = port
        self.bindir = bindir or find_bindir()
        self.log = datadir.parent / f"{datadir.name}.log"
        self.superuser = "postgres"

    def _bin(self, name: str) -> str:
        return str(self.bindir / name)

    def initdb(self) -> None:
        self.user.make_dir(self.datadir)
        self.user.run(
            [
                self._bin("initdb"),
                "-D",
                str(self.datadir),
                "-U",
                self.superuser,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            timeout=120,
        )

    def configure(self, settings: Mapping[str, str]) -> None:
        """Append settings to postgresql.auto.conf (last one wins, as ALTER SYSTEM does)."""
        lines = [f"{key} = {quote_setting(value)}" for key, value in settings.items()]
        conf = self.datadir / "postgresql.auto.conf"
        with conf.open("a") as fh:
            fh.write("\n".join(lines) + "\n")
        os.chown(conf, self.user.uid, self.user.gid)

    def start(self, env: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT) -> None:
        """pg_ctl start; `env` reaches archive_command/restore_command (credentials go here)."""
        if not self.log.exists():
            self.log.touch()
            os.chown(self.log, self.user.uid, self.user.gid)
        try:
            self.user.run(
                [
                    self._bin("pg_ctl"),
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(self.log),
                    "-o",
                    f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1",
                    "-w",
                    "-t",
                    str(int(timeout)),
                    "start",
                ],
                env=env,
                timeout=timeout + 30,
            )
        except CommandError as exc:
            raise ServerError(
                f"PostgreSQL did not start on port {self.port}: {exc}\n"
                f"server log:\n{log_tail(self.log)}"
            ) from exc

    def stop(self, mode: str = "fast") -> None:
        if not (self.datadir / "postmaster.pid").exists():
            return
        self.user.run(
            [self._bin("pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"], timeout=120
        )

    def psql(self, sql: str, database: str = "postgres", timeout: float = 600) -> str:
        """Run SQL (from stdin, ON_ERROR_STOP); unaligned, tuples-only output."""
        argv = [
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.superuser,
            "-d",
            database,
        ]
        try:
            out = Command(argv, timeout=timeout).run(stdin=sql).stdout
        except CommandError as exc:
            raise ServerError(f"SQL on port {self.port} failed: {exc}") from exc
        return out.strip()

    def scalar(self, sql: str, database: str = "postgres") -> str:
        return self.psql(sql, database).splitlines()[-1] if sql else ""

    def setting_seconds(self, name: str) -> float:
        """A time setting in seconds (pg_settings gives value and unit: s, ms, min)."""
        value, unit = self.scalar(
            f"SELECT setting || ' ' || coalesce(unit, '') FROM pg_settings WHERE name = '{name}';"
        ).split(" ")
        factor = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0, "": 1.0}[unit]
        return float(value) * factor

    def wait_promoted(self, timeout: float) -> float:
        """Wait until recovery finished and the server accepts writes; returns seconds waited."""

        def promoted() -> bool:
            return self.scalar("SELECT pg_is_in_recovery();") == "f"

        try:
            return wait_until(promoted, timeout, f"recovery to finish on port {self.port}", 0.2)
        except ServerError as exc:
            raise ServerError(f"{exc}\nserver log:\n{log_tail(self.log)}") from exc


_SAFE = re.compile(r"^[A-Za-z0-9_.]+$")


def quote_setting(value: str) -> str:
    return value if _SAFE.match(value) else "'" + value.replace("'", "''") + "'"
