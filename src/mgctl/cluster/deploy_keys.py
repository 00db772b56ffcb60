"""Argo CD's git credentials: one SSH deploy key per repository.

GitHub refuses a deploy key that is already on another repository ("Key is already in use"),
and the two repositories need different access: Argo CD Image Updater commits new image tags
to mg-deploy (write-back `method: git` resolves its credentials from Argo CD's repository
settings for the mg-deploy URL: argocd-image-updater pkg/argocd/gitcreds.go
`getCredsFromArgoCD` → argo-cd util/db `GetRepository`), while mg-infrastructure is only read.

Each key lives in an Argo CD repository Secret (`argocd.argoproj.io/secret-type: repository`,
`url` = that repository's exact URL; a `repo-creds` template would match both repositories by
URL prefix and so carry one key for both: docs/operator-manual/declarative-setup.md,
"Repositories" and "Repository Credentials"). A key is generated in memory (ed25519, OpenSSH
format) unless given in `MGCTL_GIT_SSH_KEY_<ROLE>` or a 0600 file named by `..._FILE`; its
public half is printed with the repository it belongs to and whether GitHub's "Allow write
access" must be ticked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mgctl.config import Platform
from mgctl.config.project import GitRepository

REPOSITORY_LABEL = {"argocd.argoproj.io/secret-type": "repository"}
ENV_PREFIX = "MGCTL_GIT_SSH_KEY"
# The one key for both repositories of earlier versions: refused, with the replacements.
LEGACY_ENV = ENV_PREFIX
_GITHUB = re.compile(
    r"^(?:git@github\.com:|ssh://git@github\.com/|https://github\.com/)(.+?)(?:\.git)?/?$"
)


@dataclass(frozen=True)
class DeployKeyTarget:
    """The repository a deploy key belongs to and the access it needs there."""

    role: str  # "deploy" | "infrastructure"
    repository: str  # mg-deploy | mg-infrastructure (the seed's names for the two roles)
    url: str
    secret: str  # the Argo CD repository Secret in argocd
    write: bool
    why: str
    comment: str  # the public key's comment
    branches: tuple[str, ...] = ("main",)  # what Argo CD reads there

    @property
    def env(self) -> str:
        return f"{ENV_PREFIX}_{self.role.upper()}"

    def github_settings(self) -> str | None:
        """GitHub's page for adding a deploy key to this repository, for github.com URLs."""
        match = _GITHUB.match(self.url)
        return f"https://github.com/{match.group(1)}/settings/keys/new" if match else None

    def access(self) -> str:
        if self.write:
            return f"Allow write access: TICK IT ({self.why})"
        return f"Allow write access: leave it unticked ({self.why})"

    def instructions(self, public_key: str, generated: bool) -> str:
        where = self.github_settings()
        head = (
            f"Generated a deploy key for {self.repository} ({self.url})."
            if generated
            else f"Deploy key for {self.repository} ({self.url}) from ${self.env}[_FILE]."
        )
        lines = [
            head,
            f"  Add it as a deploy key of {self.repository} only"
            + (f": {where}" if where else " (the git host's deploy key settings)"),
            f"  Title: {self.comment}",
            f"  Key:   {public_key}",
            f"  {self.access()}",
        ]
        return "\n".join(lines)


def targets(platform: Platform) -> list[DeployKeyTarget]:
    """mg-deploy (write access while Image Updater writes back to it), then mg-infrastructure.

    Both trees may also live on two branches of one repository (the e2e test does that): then
    there is one repository, one Secret (git.deploy's) and one key, with mg-deploy's access."""
    git = platform.git
    writes_back = bool(platform.services)  # the ImageUpdater is rendered for the services
    project = platform.project.name
    image_updater = (
        "Argo CD Image Updater pushes new image tags to it"
        if writes_back
        else "no service, so Image Updater never writes to it"
    )

    def target(
        role: str,
        repository: str,
        repo: GitRepository,
        write: bool,
        why: str,
        branches: tuple[str, ...],
    ) -> DeployKeyTarget:
        comment = f"argocd-{repository.replace(' + ', '-')}@{project}"
        return DeployKeyTarget(
            role, repository, repo.url, repo.secret, write, why, comment, branches
        )

    deploy, infra = git.deploy, git.infrastructure
    if deploy.url == infra.url:
        both = tuple(dict.fromkeys([deploy.branch, infra.branch]))
        shared = "mg-deploy + mg-infrastructure"
        return [target("deploy", shared, deploy, writes_back, image_updater, both)]
    return [
        target("deploy", "mg-deploy", deploy, writes_back, image_updater, (deploy.branch,)),
        target(
            "infrastructure",
            "mg-infrastructure",
            infra,
            False,
            "Argo CD only reads it",
            (infra.branch,),
        ),
    ]


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


def public_key_of(private_key: str) -> str | None:
    """The OpenSSH public line of an unencrypted private key (OpenSSH or PEM format, as Go's
    ssh.ParsePrivateKey reads them for Argo CD), or None if it is not one."""
    data = private_key.strip().encode() + b"\n"
    loaders = (serialization.load_ssh_private_key, serialization.load_pem_private_key)
    for load in loaders:
        try:
            key = load(data, password=None)
            return (
                key.public_key()
                .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
                .decode()
            )
        except (ValueError, TypeError, AttributeError):
            continue
    return None
