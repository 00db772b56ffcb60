"""The few Secrets GitOps cannot create for itself, and where their values come from.

Values are read from an environment variable, or from a file named by `<VAR>_FILE` that only
its owner can read (mode 0600 or stricter), or typed at a TTY prompt (never echoed). With
`--yes` or without a TTY a missing value is an error naming the variables to set. Argo CD's
deploy keys, one per repository (`deploy_keys`), can instead be generated in memory: each
public half is printed with the repository it belongs to, each private half goes only to the
cluster, on kubectl's stdin. Nothing here writes a value to disk, to argv or to the console.
"""

from __future__ import annotations

import base64
import getpass
import os
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.cluster.deploy_keys import (
    LEGACY_ENV,
    REPOSITORY_LABEL,
    DeployKeyTarget,
    generate_deploy_key,
    public_key_of,
    targets,
)
from mgctl.config import Platform

ESO_NAMESPACE = "external-secrets"
ARGOCD_NAMESPACE = "argocd"
TAILSCALE_NAMESPACE = "tailscale"
TAILSCALE_SECRET = "operator-oauth"
DOPPLER_KEY = "dopplerToken"
MANAGED_BY = {"app.kubernetes.io/managed-by": "mgctl-bootstrap"}


class SecretInputError(RuntimeError):
    """A secret value is missing or unsafe to read; the message says what to set."""


@dataclass(frozen=True)
class SecretValue:
    """One key of a bootstrap Secret and the environment variable that supplies it."""

    key: str
    env: str
    prompt: str
    deploy_key: DeployKeyTarget | None = None  # an SSH deploy key: generated when not given

    @property
    def generated_ssh_key(self) -> bool:
        return self.deploy_key is not None


@dataclass(frozen=True)
class BootstrapSecret:
    name: str
    namespace: str
    purpose: str
    values: tuple[SecretValue, ...]
    plain: Mapping[str, str] = field(default_factory=dict)  # non-secret stringData (url, type)
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return sorted([*self.plain, *(v.key for v in self.values)])

    def manifest(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The Secret with its values (base64 `data`); only ever sent to kubectl's stdin."""
        data = dict(self.plain)
        for item in self.values:
            data[item.key] = values[item.key]
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": {**MANAGED_BY, **self.labels},
            },
            "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }

    def redactions(self, values: Mapping[str, str]) -> list[str]:
        """Every form a value takes on the way to the cluster, for scrubbing error messages."""
        out = []
        for item in self.values:
            value = values[item.key]
            out += [value, base64.b64encode(value.encode()).decode()]
        return out

    def describe(self) -> str:
        sources = ", ".join(
            f"{v.key} from ${v.env} or ${v.env}_FILE"
            + (" (or generated ed25519 key)" if v.generated_ssh_key else " or prompt")
            for v in self.values
        )
        plain = ", ".join(f"{k}={v}" for k, v in self.plain.items())
        return f"{self.purpose}; keys: {sources}" + (f"; {plain}" if plain else "")


def bootstrap_secrets(platform: Platform) -> list[BootstrapSecret]:
    secrets = [
        BootstrapSecret(
            name=env.token_secret,
            namespace=ESO_NAMESPACE,
            purpose=f"Doppler service token for {platform.project.doppler_project}/{env.config} "
            f"({name})",
            values=(
                SecretValue(
                    DOPPLER_KEY,
                    f"MGCTL_DOPPLER_TOKEN_{name.upper()}",
                    f"Doppler service token for config {env.config!r} (dp.st.…)",
                ),
            ),
        )
        for name, env in sorted(platform.project.environments.items())
    ]
    secrets += [repository_secret(target) for target in targets(platform)]
    if platform.tailscale.enabled and not platform.tailscale.oauth_from_doppler:
        secrets.append(
            BootstrapSecret(
                name=TAILSCALE_SECRET,
                namespace=TAILSCALE_NAMESPACE,
                purpose="Tailscale operator OAuth client",
                values=(
                    SecretValue(
                        "client_id", "MGCTL_TAILSCALE_CLIENT_ID", "Tailscale OAuth client ID"
                    ),
                    SecretValue(
                        "client_secret",
                        "MGCTL_TAILSCALE_CLIENT_SECRET",
                        "Tailscale OAuth client secret",
                    ),
                ),
            )
        )
    return secrets


def repository_secret(target: DeployKeyTarget) -> BootstrapSecret:
    """Argo CD's repository Secret for one repository: its exact URL and its own key."""
    access = "write access" if target.write else "read-only"
    return BootstrapSecret(
        name=target.secret,
        namespace=ARGOCD_NAMESPACE,
        purpose=f"Argo CD repository {target.repository} (SSH deploy key, {access})",
        values=(
            SecretValue(
                "sshPrivateKey",
                target.env,
                f"deploy key of {target.repository} (OpenSSH private key)",
                deploy_key=target,
            ),
        ),
        plain={"type": "git", "url": target.url},
        labels=REPOSITORY_LABEL,
    )


def read_secret_file(path: Path) -> str:
    """A value from a file only its owner can read; refuses group/world-readable files."""
    check_secret_file(path)
    return path.read_text().strip("\r\n")


def check_secret_file(path: Path) -> None:
    """Refuses a missing, special, group/world-readable or foreign file (reads no content)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise SecretInputError(f"cannot read secret file {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise SecretInputError(f"secret file {path} is not a regular file")
    if info.st_mode & 0o077:
        raise SecretInputError(
            f"secret file {path} has mode {stat.S_IMODE(info.st_mode):04o}; other users could read "
            f"it. Fix: chmod 600 {path}"
        )
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise SecretInputError(f"secret file {path} is not owned by you; copy it and chmod 600")


@dataclass
class SecretResolver:
    """Finds secret values: environment, 0600 file, generated deploy key, then TTY prompt."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    interactive: bool = field(default_factory=lambda: sys.stdin.isatty())
    assume_yes: bool = False
    prompt: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = print
    # e.g. wait until the printed key is on the git host
    after_generate: Callable[[DeployKeyTarget], None] | None = None
    public_keys: dict[str, str] = field(default_factory=dict)  # repository -> public key
    resolved: list[str] = field(default_factory=list)  # every value handed out, for redaction

    def value(self, item: SecretValue) -> str:
        found = self._lookup(item)
        if not found:
            raise SecretInputError(f"{item.env} resolved to an empty value")
        self.resolved.append(found)
        return found

    def source(self, item: SecretValue) -> str:
        """Where `value` would take the value from, without reading it (dry run). Raises
        SecretInputError for what the real run would refuse."""
        if item.deploy_key is not None:
            self._refuse_legacy_key()
        if self.environ.get(item.env):
            return f"${item.env}"
        file_var = f"{item.env}_FILE"
        if self.environ.get(file_var):
            check_secret_file(Path(self.environ[file_var]))
            return f"${file_var} ({self.environ[file_var]})"
        if item.deploy_key is not None:
            return "generated in memory (public half printed)"
        if self.interactive and not self.assume_yes:
            return "prompt (hidden input)"
        raise self._missing(item)

    def _lookup(self, item: SecretValue) -> str:
        if item.deploy_key is not None:
            return self._deploy_key(item, item.deploy_key)
        if self.environ.get(item.env):
            return self.environ[item.env]
        file_var = f"{item.env}_FILE"
        if self.environ.get(file_var):
            return read_secret_file(Path(self.environ[file_var]))
        if self.interactive and not self.assume_yes:
            return self.prompt(f"{item.prompt}: ").strip("\r\n")
        raise self._missing(item)

    def _missing(self, item: SecretValue) -> SecretInputError:
        why = "--yes was given" if self.assume_yes else "there is no terminal to prompt on"
        return SecretInputError(
            f"{item.prompt}: no value and {why}. Fix: export {item.env}=… or put the value in "
            f"a file with mode 0600 and export {item.env}_FILE=/path/to/file"
        )

    def _refuse_legacy_key(self) -> None:
        for name in (LEGACY_ENV, f"{LEGACY_ENV}_FILE"):
            if self.environ.get(name):
                raise SecretInputError(
                    f"${name} is no longer read: GitHub refuses a deploy key that is already on "
                    "another repository, so each repository has its own key. Fix: unset it and "
                    f"set {LEGACY_ENV}_DEPLOY_FILE and {LEGACY_ENV}_INFRASTRUCTURE_FILE (two "
                    "different keys), or set neither to have both generated"
                )

    def _deploy_key(self, item: SecretValue, target: DeployKeyTarget) -> str:
        """A multi-line key is never typed at a prompt: given (env or file) or generated."""
        self._refuse_legacy_key()
        given = self.environ.get(item.env)
        file_var = f"{item.env}_FILE"
        if not given and self.environ.get(file_var):
            given = read_secret_file(Path(self.environ[file_var]))
        if given:
            public = public_key_of(given)
            if public is None:
                raise SecretInputError(
                    f"${item.env}[_FILE] for {target.repository} is not an unencrypted SSH "
                    "private key (OpenSSH or PEM); Argo CD cannot use it. Fix: give an "
                    "unencrypted key, or unset it to have one generated"
                )
            self._record(target, public)
            self.say(target.instructions(public, generated=False))
            return given
        private, public = generate_deploy_key(target.comment)
        self._record(target, public)
        self.say(target.instructions(public, generated=True))
        if self.after_generate is not None:
            self.after_generate(target)
        return private

    def _record(self, target: DeployKeyTarget, public: str) -> None:
        key = " ".join(public.split()[:2])  # type and key, without the comment
        for repository, seen in self.public_keys.items():
            if " ".join(seen.split()[:2]) == key and repository != target.repository:
                raise SecretInputError(
                    f"the deploy key for {target.repository} is the one given for "
                    f"{repository}: GitHub refuses a deploy key that is already on another "
                    "repository. Fix: give each repository its own key"
                )
        self.public_keys[target.repository] = public
