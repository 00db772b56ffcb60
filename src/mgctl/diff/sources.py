"""Where a side of `mgctl diff` comes from: a render output directory (holding mg-deploy/ and
mg-infrastructure/), or `git:REV`: both repositories at a git revision, exported with
`git archive` (nothing is checked out or changed in the repositories)."""

from __future__ import annotations

import tarfile
import tempfile
from contextlib import ExitStack
from pathlib import Path

from mgctl.tools.command import Command, CommandError

REPOSITORIES = ("mg-deploy", "mg-infrastructure")
GIT_PREFIX = "git:"


class SideError(ValueError):
    """A side cannot be read (no such directory, revision or repository)."""


def _git(*args: str, cwd: Path) -> str:
    return Command(["git", *args], cwd=cwd, timeout=120).run().stdout.strip()


def _toplevel(path: Path) -> Path | None:
    try:
        return Path(_git("rev-parse", "--show-toplevel", cwd=path)).resolve()
    except CommandError:
        return None


def _export(root: Path, repo: str, revision: str, into: Path) -> None:
    """`repo` at `revision`, from its own repository (root/repo) or a parent one (root)."""
    own = root / repo
    if own.is_dir() and _toplevel(own) == own.resolve():
        source, paths = own, []
    elif (top := _toplevel(root)) is not None:
        source, paths = top, [str((root / repo).resolve().relative_to(top))]
    else:
        raise SideError(f"{root / repo} is not in a git repository: `git:{revision}` needs one")
    archive = into / f"{repo}.tar"
    try:
        _git("archive", "--format=tar", f"--output={archive}", revision, "--", *paths, cwd=source)
    except CommandError as exc:
        raise SideError(f"cannot read {repo} at {revision}: {exc.stderr.strip()}") from exc
    target = into / repo
    target.mkdir()
    with tarfile.open(archive) as tar:
        prefix = f"{paths[0]}/" if paths else ""
        for member in tar.getmembers():
            if not member.name.startswith(prefix):
                continue
            member.name = member.name[len(prefix) :]
            if member.name:
                tar.extract(member, target, filter="data")
    archive.unlink()


def resolve(side: str, repos: Path, stack: ExitStack) -> Path:
    """A directory holding mg-deploy/ and mg-infrastructure/ for `side`."""
    if side.startswith(GIT_PREFIX):
        revision = side[len(GIT_PREFIX) :]
        if not revision:
            raise SideError("git: needs a revision, e.g. git:main or git:HEAD~1")
        into = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mgctl-diff-")))
        present = [r for r in REPOSITORIES if (repos / r).is_dir()]
        if not present:
            raise SideError(f"{repos} holds neither {' nor '.join(REPOSITORIES)}: pass --repos")
        for repo in present:
            _export(repos, repo, revision, into)
        return into
    path = Path(side)
    if not path.is_dir():
        raise SideError(f"{side} is not a directory (or git:REV)")
    if not (path / "mg-infrastructure").is_dir():
        raise SideError(
            f"{side} holds no mg-infrastructure/: pass the directory `mgctl render -o` wrote"
        )
    return path
