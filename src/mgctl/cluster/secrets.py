"""The few Secrets GitOps cannot create for itself, and where their values come from.

Values are read from an environment variable, or from a file named by `<VAR>_FILE` that only
its owner can read (mode 0600 or stricter), or typed at a TTY prompt (never echoed). With
`--yes` or without a TTY a missing value is an error naming the variables to set. The Argo CD
deploy key can instead be generated in memory (ed25519, OpenSSH format): its public half is
printed for the git host, its private half goes only to the cluster, on kubectl's stdin.
Nothing here writes a value to disk, to argv or to the console.
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

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mgctl.config import Platform

ESO_NAMESPACE = "external-secrets"
ARGOCD_NAMESPACE = "argocd"
TAILSCALE_NAMESPACE = "tailscale"
TAILSCALE_SECRET = "operator-oauth"
DOPPLER_KEY = "dopplerToken"
DEPLOY_KEY_ENV = "MGCTL_GIT_SSH_KEY"
MANAGED_BY = {"app.kubernetes.io/managed-by": "mgctl-bootstrap"}


class SecretInputError(RuntimeError):
    """A secret value is missing or unsafe to read; the message says what to set."""


@dataclass(frozen=True)
class SecretValue:
    """One key of a bootstrap Secret and the environment variable that supplies it."""

    key: str
    env: str
    prompt: str
    generated_ssh_key: bool = False  # may be generated in memory when not supplied


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
            + (" (or generated ed25519 key)" if v.generated_ssh_key else "")
            + ("" if v.generated_ssh_key else " or prompt")
            for v in self.values
        )
        plain = ", ".join(f"{k}={v}" for k, v in self.plain.items())
        return f"{self.purpose}; keys: {sources}" + (f"; {plain}" if plain else "")


def repo_credentials_url(urls: list[str]) -> str:
    """The URL prefix both repositories share, cut after the org: git@github.com:org/."""
    prefix = urls[0]
    for url in urls[1:]:
        n = 0
        while n < min(len(prefix), len(url)) and prefix[n] == url[n]:
            n += 1
        prefix = prefix[:n]
    cut = max(prefix.rfind("/"), prefix.rfind(":"))
    prefix = prefix[: cut + 1] if cut >= 0 else ""
    host_part = prefix.split("@", 1)[-1]
    if not prefix or host_part.count(":") + host_part.count("/") < 1 or prefix.endswith("://"):
        raise SecretInputError(
            f"git repositories {urls} share no host/organisation prefix; one Argo CD repo-creds "
            "Secret cannot cover both. Put mg-deploy and mg-infrastructure under one org."
        )
    return prefix


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
    secrets.append(
        BootstrapSecret(
            name=platform.git.deploy_key_secret,
            namespace=ARGOCD_NAMESPACE,
            purpose="Argo CD repository credentials (SSH deploy key)",
            values=(
                SecretValue(
                    "sshPrivateKey",
                    DEPLOY_KEY_ENV,
                    "Argo CD deploy key (OpenSSH private key)",
                    generated_ssh_key=True,
                ),
            ),
            plain={
                "type": "git",
                "url": repo_credentials_url(
                    [platform.git.deploy.url, platform.git.infrastructure.url]
                ),
            },
            labels={"argocd.argoproj.io/secret-type": "repo-creds"},
        )
    )
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


def generate_deploy_key(comment: str) -> tuple[str, str]:
    """A new ed25519 key pair in memory: (OpenSSH private key, OpenSSH public key line)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} {comment}"


def public_key_of(private_openssh: str) -> str | None:
    try:
        key = serialization.load_ssh_private_key(private_openssh.encode(), password=None)
    except (ValueError, TypeError):
        return None
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def read_secret_file(path: Path) -> str:
    """A value from a file only its owner can read; refuses group/world-readable files."""
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
    return path.read_text().strip("\r\n")


@dataclass
class SecretResolver:
    """Finds secret values: environment, 0600 file, generated deploy key, then TTY prompt."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    interactive: bool = field(default_factory=lambda: sys.stdin.isatty())
    assume_yes: bool = False
    prompt: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = print
    deploy_key_comment: str = "argocd@mgctl"
    after_generate: Callable[[], None] | None = None  # e.g. wait until the key is on the host
    public_keys: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)  # every value handed out, for redaction

    def value(self, item: SecretValue) -> str:
        found = self._lookup(item)
        if not found:
            raise SecretInputError(f"{item.env} resolved to an empty value")
        self.resolved.append(found)
        return found

    def _lookup(self, item: SecretValue) -> str:
        if self.environ.get(item.env):
            return self.environ[item.env]
        file_var = f"{item.env}_FILE"
        if self.environ.get(file_var):
            return read_secret_file(Path(self.environ[file_var]))
        can_prompt = self.interactive and not self.assume_yes
        if item.generated_ssh_key:  # a multi-line key is not typed at a prompt
            return self._generate_key()
        if can_prompt:
            return self.prompt(f"{item.prompt}: ").strip("\r\n")
        why = "--yes was given" if self.assume_yes else "there is no terminal to prompt on"
        raise SecretInputError(
            f"{item.prompt}: no value and {why}. Fix: export {item.env}=… or put the value in "
            f"a file with mode 0600 and export {file_var}=/path/to/file"
        )

    def _generate_key(self) -> str:
        private, public = generate_deploy_key(self.deploy_key_comment)
        self.public_keys.append(public)
        self.say(
            "Generated a new Argo CD deploy key. Add this PUBLIC key as a read-only deploy key "
            "to both git repositories (GitHub: Settings → Deploy keys):\n" + public
        )
        if self.after_generate is not None:
            self.after_generate()
        return private
