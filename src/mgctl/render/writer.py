"""Put a FileMap on disk as one transaction over both repositories.

Protocol (docs/rendering.md "Interrupted renders"): a redo journal with staging beside the
repositories, never inside them.

1. Lock OUT (flock on the directory), then repair: finish a transaction whose journal exists,
   or delete the staging left by one that never reached its commit point.
2. Check everything before writing: hand edits (`.mgctl/rendered.json`, below), and that every
   file can land (OUT and each repository are directories we may write, no file stands where a
   directory must go, no directory where a file must go). A refusal changes nothing.
3. Stage: each repository's new and changed files go to `OUT/.<repo>.mgctl-staging/`, a sibling
   of the repository on the same filesystem (a new repository is staged whole).
4. Commit: `OUT/.mgctl-render-journal.json` is written to a temporary name and renamed into
   place. It lists, per repository, the files to move in (with their SHA-256) and the files to
   delete (generated last time, no longer generated).
5. Apply: rename each staged file over its target (a new repository: rename the staged tree
   into place), delete the orphans, install `.mgctl/rendered.json` last.
6. Remove the staging directories, then the journal.

Killed before step 4, the repositories are untouched and the next render deletes the staging.
Killed after it, the next render replays step 5 from the journal (each step is idempotent:
a staged file already moved is recognised by its hash) and then renders as usual. Either way
the result equals a clean render, and neither repository changes unless both can.

Hand edits: `.mgctl/rendered.json` holds the SHA-256 of every file mgctl wrote. On the next
render a file whose content no longer matches is a user edit: the render stops and names it
(the fix: move the change into platform.yaml, or pass --force to discard it). Files mgctl never
wrote (e.g. `.git/`, Image Updater's `.argocd-source-*.yaml`) are left alone.

Test hook: MGCTL_WRITER_KILL_AT=<phase>[:<n>] makes the process SIGKILL itself the n-th time
(default 1st) it reaches <phase> (one of PHASES), to prove the protocol at every step;
MGCTL_WRITER_KILL_SIGNAL=INT sends SIGINT instead (a Ctrl-C at that point).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgctl.render.filemap import FileMap

STATE_FILE = ".mgctl/rendered.json"
JOURNAL = ".mgctl-render-journal.json"
STAGING_SUFFIX = ".mgctl-staging"
KILL_AT_ENV = "MGCTL_WRITER_KILL_AT"
KILL_SIGNAL_ENV = "MGCTL_WRITER_KILL_SIGNAL"
# Every point a render can be killed at, in order; per-file phases repeat.
PHASES = (
    "locked",
    "checked",
    "staging-created",
    "staged-file",
    "staged",
    "journal-written",
    "committed",
    "repo-created",
    "installed-file",
    "removed-file",
    "state-installed",
    "staging-removed",
    "done",
)


class RenderConflict(Exception):
    def __init__(self, edited: list[Path], hints: dict[Path, str] | None = None) -> None:
        self.edited = edited
        hints = hints or {}
        listing = "\n".join(
            f"  {p}" + (f"\n    → {hints[p]}" if p in hints else "") for p in edited
        )
        super().__init__(
            f"{len(edited)} generated file(s) were edited by hand since the last render:\n"
            f"{listing}\nFix: move the change into platform.yaml (the single source of truth) "
            "and re-run, or re-run with --force to overwrite these edits."
        )


class OutputUnusable(Exception):
    """OUT, or something inside it, cannot receive the render; nothing was changed."""


class RenderInterrupted(Exception):
    """Ctrl-C. `committed`: the journal exists and the next render finishes the transaction."""

    def __init__(self, committed: bool, left: list[str]) -> None:
        self.committed = committed
        self.left = left
        super().__init__("\n".join(left))


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # what an interrupted render left
    notes: list[str] = field(default_factory=list)  # what the user should know (not errors)


@dataclass
class _RepoPlan:
    name: str
    root: Path
    staging: Path
    create: bool
    install: list[tuple[str, str]]  # (relative path, sha256), the state file last
    remove: list[str]
    texts: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "root": str(self.root.absolute()),
            "staging": str(self.staging),
            "create": self.create,
            "install": [list(item) for item in self.install],
            "remove": self.remove,
        }


_reached: Counter[str] = Counter()


def _phase(name: str) -> None:
    spec = os.environ.get(KILL_AT_ENV)
    if not spec:
        return
    wanted, _, nth = spec.partition(":")
    if wanted != name:
        return
    _reached[name] += 1
    if _reached[name] == int(nth or "1"):
        interrupt = os.environ.get(KILL_SIGNAL_ENV) == "INT"
        os.kill(os.getpid(), signal.SIGINT if interrupt else signal.SIGKILL)


def _sha(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return _sha(path.read_bytes())
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _load_state(repo: Path) -> dict[str, str]:
    state = repo / STATE_FILE
    if not state.is_file():
        return {}
    try:
        loaded = json.loads(state.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in loaded["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise OutputUnusable(
            f"{state} is not a render record ({exc}); it is mgctl's own file: delete it and "
            "re-run with --force (files mgctl wrote before are then kept, not pruned)"
        ) from exc


def staging_dir(root: Path) -> Path:
    """Beside the repository (its real location, so renames stay on one filesystem)."""
    real = root.resolve()
    return real.parent / f".{real.name}{STAGING_SUFFIX}"


def _split_by_repo(files: FileMap) -> dict[str, dict[str, str]]:
    repos: dict[str, dict[str, str]] = {}
    for path, text in files.items():
        repo, _, rel = path.partition("/")
        parts = Path(rel).parts
        if not rel or not repo or ".." in parts or Path(rel).is_absolute() or repo in (".", ".."):
            raise ValueError(f"generator produced an unsafe path: {path!r}")
        repos.setdefault(repo, {})[rel] = text
    return repos


def find_conflicts(out: Path, files: FileMap) -> list[Path]:
    edited: list[Path] = []
    for repo, repo_files in _split_by_repo(files).items():
        root = out / repo
        state = _load_state(root)
        for rel in sorted(set(state) | set(repo_files)):
            target = root / rel
            if not target.is_file():
                continue
            current = _sha(target.read_bytes())
            if rel in state:
                if current != state[rel] and current != _sha(repo_files.get(rel, "")):
                    edited.append(target)
            elif rel in repo_files and current != _sha(repo_files[rel]):
                edited.append(target)  # a file mgctl did not write sits where it wants to write
    return edited


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise OutputUnusable(
                f"{out}: another mgctl render is writing here; wait for it and re-run"
            ) from exc
        yield
    finally:
        os.close(fd)


def _prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputUnusable(f"{out} is a file; -o takes a directory (it receives both repos)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputUnusable(f"cannot create {out}: {exc.strerror or exc}") from exc


def write_files(
    out: Path,
    files: FileMap,
    force: bool = False,
    hint: Callable[[str], str] | None = None,
) -> WriteResult:
    """`hint(path relative to out)`: where in platform.yaml a hand edit to that file belongs
    (named in the refusal)."""
    repos = _split_by_repo(files)
    _prepare_out(out)
    _reached.clear()
    with _locked(out):
        _phase("locked")
        result = WriteResult(repaired=recover(out, list(repos)))
        if not force:
            edited = find_conflicts(out, files)
            if edited:
                hints = {p: hint(p.relative_to(out).as_posix()) for p in edited} if hint else {}
                raise RenderConflict(edited, hints)
        plans = [_plan(out / name, name, repo_files, result) for name, repo_files in repos.items()]
        _preflight(out, plans)
        _phase("checked")
        pending = [p for p in plans if p.install or p.remove]
        if pending:
            _transaction(out, pending)
        _phase("done")
    return result


def _plan(root: Path, name: str, files: dict[str, str], result: WriteResult) -> _RepoPlan:
    state = _load_state(root)
    payload = {"files": {rel: _sha(text) for rel, text in sorted(files.items())}}
    state_text = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    create = not root.exists()
    changed: dict[str, str] = {}
    for rel, text in sorted(files.items()):
        if not create and _file_sha(root / rel) == _sha(text):
            result.unchanged.append(f"{name}/{rel}")
            continue
        changed[rel] = text
        result.written.append(f"{name}/{rel}")
    remove = [] if create else sorted(set(state) - set(files))
    remove = [rel for rel in remove if (root / rel).is_file()]
    result.removed.extend(f"{name}/{rel}" for rel in remove)
    if changed or remove or _file_sha(root / STATE_FILE) != _sha(state_text):
        changed[STATE_FILE] = state_text
    install = [(rel, _sha(text)) for rel, text in changed.items() if rel != STATE_FILE]
    if STATE_FILE in changed:
        install.append((STATE_FILE, _sha(state_text)))
    return _RepoPlan(name, root, staging_dir(root), create, install, remove, changed)


def _writable_dir(directory: Path) -> bool:
    return os.access(directory, os.W_OK | os.X_OK)


def _preflight(out: Path, plans: list[_RepoPlan]) -> None:
    problems: list[str] = []
    for plan in plans:
        if not plan.install and not plan.remove:
            continue
        if plan.create:
            if not _writable_dir(plan.staging.parent):
                problems.append(f"{plan.staging.parent}: no permission to create {plan.name}")
            continue
        if not plan.root.is_dir():
            problems.append(f"{plan.root} is a file; it must be the {plan.name} repository")
            continue
        if not _writable_dir(plan.staging.parent):
            problems.append(f"{plan.staging.parent}: no permission to write (staging)")
        checked: set[Path] = set()
        for rel in [rel for rel, _ in plan.install] + plan.remove:
            target = plan.root / rel
            if target.is_dir() and not target.is_symlink():
                problems.append(f"{target} is a directory where mgctl writes a file")
                continue
            parent = target.parent
            while parent != plan.root and not parent.exists():
                parent = parent.parent
            if parent in checked:
                continue
            checked.add(parent)
            if not parent.is_dir():
                problems.append(f"{parent} is a file where mgctl needs a directory")
            elif not _writable_dir(parent):
                problems.append(f"{parent}: no permission to write")
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise OutputUnusable(
            f"cannot write the render into {out}; nothing was changed in any repository:\n{listing}"
        )


def _stage(plan: _RepoPlan) -> None:
    plan.staging.mkdir(mode=0o755)
    plan.staging.chmod(0o755)
    _phase("staging-created")
    for rel, text in plan.texts.items():
        target = plan.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        _phase("staged-file")


def _transaction(out: Path, plans: list[_RepoPlan]) -> None:
    journal = out / JOURNAL
    committed = False
    try:
        for plan in plans:
            _stage(plan)
        _phase("staged")
        body = json.dumps({"version": 1, "repos": [p.to_json() for p in plans]}, indent=2)
        tmp = journal.with_name(journal.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(body + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        _phase("journal-written")
        os.replace(tmp, journal)
        committed = True
        _phase("committed")
        _apply(journal)
    except KeyboardInterrupt as exc:
        if not committed:
            _discard_staging(out, [p.staging for p in plans])
            raise RenderInterrupted(
                False, [f"interrupted before any file changed; {out} is as it was"]
            ) from exc
        raise RenderInterrupted(True, _pending(journal)) from exc
    except OSError as exc:
        if committed:
            raise OutputUnusable(
                f"writing stopped after the commit point ({exc}); fix the cause and re-run "
                f"`mgctl render`: the journal {journal} lets it finish the transaction"
            ) from exc
        _discard_staging(out, [p.staging for p in plans])
        raise OutputUnusable(
            f"cannot stage the render ({exc.filename}: {exc.strerror or exc}); "
            "nothing was changed in any repository"
        ) from exc


def _discard_staging(out: Path, stagings: list[Path]) -> None:
    for staging in stagings:
        shutil.rmtree(staging, ignore_errors=True)
    (out / (JOURNAL + ".tmp")).unlink(missing_ok=True)


def _read_journal(journal: Path) -> list[dict[str, Any]]:
    try:
        repos: list[dict[str, Any]] = json.loads(journal.read_text(encoding="utf-8"))["repos"]
        return repos
    except (ValueError, KeyError, TypeError) as exc:
        raise OutputUnusable(
            f"{journal} is damaged ({exc}); delete it and re-run with --force"
        ) from exc


def _apply(journal: Path) -> list[str]:
    """Roll the journal forward; returns a summary of what it completed. Idempotent."""
    done: list[str] = []
    for repo in _read_journal(journal):
        root, staging = Path(repo["root"]), Path(repo["staging"])
        if repo["create"]:
            if staging.exists() and not root.exists():
                os.rename(staging, root)
                done.append(f"{root}: created")
            _phase("repo-created")
            continue
        moved = deleted = 0
        for rel, sha in repo["install"]:
            if rel == STATE_FILE:
                continue
            moved += _install(root, staging, rel, sha)
            _phase("installed-file")
        for rel in repo["remove"]:
            stale = root / rel
            if stale.is_file() or stale.is_symlink():
                stale.unlink()
                deleted += 1
                _prune_empty_dirs(stale.parent, root)
            _phase("removed-file")
        if moved or deleted:
            done.append(f"{root}: {moved} file(s) moved in, {deleted} old file(s) deleted")
        for rel, sha in repo["install"]:
            if rel == STATE_FILE:
                _install(root, staging, rel, sha)
                _phase("state-installed")
    for repo in _read_journal(journal):
        shutil.rmtree(Path(repo["staging"]), ignore_errors=True)
    _phase("staging-removed")
    journal.unlink()
    return done


def _install(root: Path, staging: Path, rel: str, sha: str) -> bool:
    source, target = staging / rel, root / rel
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return True
    if _file_sha(target) != sha:
        raise OutputUnusable(
            f"{target}: the interrupted render's staged copy is gone and the file differs from "
            "it; re-run with --force to render it again"
        )
    return False


def _pending(journal: Path) -> list[str]:
    left = [f"interrupted while moving the new files into place; the journal {journal} records"]
    for repo in _read_journal(journal):
        root, staging = Path(repo["root"]), Path(repo["staging"])
        if repo["create"]:
            state = "created" if root.exists() and not staging.exists() else "not created yet"
            left.append(f"  {root}: {state}")
            continue
        waiting = [rel for rel, _ in repo["install"] if (staging / rel).is_file()]
        stale = [rel for rel in repo["remove"] if (root / rel).is_file()]
        left.append(
            f"  {root}: {len(repo['install']) - len(waiting)} of {len(repo['install'])} files "
            f"moved in, {len(stale)} old file(s) still to delete"
        )
    left.append("re-run `mgctl render` (same -o): it finishes this first, then renders")
    return left


def recover(out: Path, repos: list[str]) -> list[str]:
    """Finish or discard what an interrupted render left in `out`."""
    journal = out / JOURNAL
    if journal.exists():
        done = _apply(journal)
        return [f"finished the interrupted render recorded in {journal}", *done]
    stale = [staging_dir(out / name) for name in repos]
    left = [s for s in stale if s.exists()]
    _discard_staging(out, left)
    return [f"deleted {s} (an interrupted render's staging)" for s in left]


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    """Best effort: an empty directory that cannot be removed is left, never an error."""
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
