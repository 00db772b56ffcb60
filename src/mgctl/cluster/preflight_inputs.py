"""Preflight of what bootstrap takes from outside the cluster: the values of the Secrets it
writes, and git access with each repository's own deploy key. Reads no secret value except a
key file's mode, never records a host key."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from mgctl.cluster.deploy_keys import targets
from mgctl.cluster.preflight_model import Check
from mgctl.cluster.runner import Runner, command_runner
from mgctl.cluster.secrets import (
    BootstrapSecret,
    SecretInputError,
    SecretResolver,
    read_secret_file,
)
from mgctl.config import Platform


def check_secret_inputs(
    secrets: list[BootstrapSecret], resolver: SecretResolver, missing: set[str] | None
) -> list[Check]:
    """Where each value bootstrap still has to write will come from, without reading any, one
    row per Secret: the real run stops at the Secrets step for a value it cannot get (--yes or
    no terminal without the variable, a readable key file, the one-key variable of older
    versions). `missing`: names of the Secrets the cluster lacks (None: not known, all)."""
    todo = [s for s in secrets if missing is None or s.name in missing]
    if not todo:
        return [Check("secret inputs", "ok", "every bootstrap Secret is already in the cluster")]
    checks = []
    for secret in todo:
        name = f"secret input {secret.namespace}/{secret.name}"
        try:
            found = [f"{item.key}: {resolver.source(item)}" for item in secret.values]
        except SecretInputError as exc:
            fix = "export the named variable (or <VAR>_FILE, mode 0600), or run on a terminal"
            checks.append(Check(name, "fail", str(exc), fix))
            continue
        checks.append(Check(name, "ok", "; ".join(found)))
    return checks


def check_git(
    platform: Platform,
    environ: Mapping[str, str],
    runner: Runner | None = None,
    secrets_in_cluster: frozenset[str] = frozenset(),
) -> list[Check]:
    """`git ls-remote` each repository with its own deploy key, when that key is in a file.

    Only read access can be checked without pushing: that mg-deploy's key may write (Image
    Updater) shows in the Image Updater's log and `mgctl doctor`."""
    git = shutil.which("git")
    checks = []
    for target in targets(platform):
        label = f"git access ({target.repository})"
        key_file = environ.get(f"{target.env}_FILE")
        if target.secret in secrets_in_cluster:
            checks.append(
                Check(
                    label,
                    "skip",
                    f"its deploy key is already in the cluster (Secret argocd/{target.secret}); "
                    "Argo CD reports repository errors on the Applications (`mgctl doctor`)",
                )
            )
            continue
        if not key_file or git is None:
            why = (
                "git is not installed"
                if git is None
                else f"the key is not in a file (${target.env}_FILE) or will be generated"
            )
            checks.append(Check(label, "skip", f"not checked: {why}"))
            continue
        read_secret_file(Path(key_file))  # refuses a group/world-readable key
        # the check leaves nothing behind: no host key is recorded (Argo CD has its own)
        ssh = (
            f"ssh -i {key_file} -o IdentitiesOnly=yes -o BatchMode=yes "
            "-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=/dev/null"
        )
        run = runner or command_runner(env={**os.environ, "GIT_SSH_COMMAND": ssh}, timeout=60)
        proc = run([git, "ls-remote", "--heads", target.url, *target.branches], None)
        heads = {line.rsplit("refs/heads/", 1)[-1] for line in proc.stdout.splitlines()}
        absent = [b for b in target.branches if b not in heads]
        ok = proc.returncode == 0 and not absent
        problem = (proc.stderr or "").strip() if proc.returncode else ""
        detail = f"{target.url} {' '.join(target.branches)}" + (
            "" if ok else f": {problem or 'branch not found: ' + ', '.join(absent)}"
        )
        fix = (
            ""
            if ok
            else f"add the public half of ${target.env}_FILE as a deploy key of "
            f"{target.repository} ({target.access()}) and push the branch"
        )
        checks.append(Check(label, "ok" if ok else "fail", detail, fix))
    return checks
