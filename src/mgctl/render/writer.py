"""Put a FileMap on disk: all checks before any write, each file replaced atomically,
and a hand-edited generated file is never overwritten silently.

Each rendered repository keeps `.mgctl/rendered.json`: the SHA-256 of every file mgctl wrote.
On the next render a file whose content no longer matches is a user edit: the render stops and
names it (the fix: move the change into platform.yaml, or pass --force to discard it). Files
mgctl never wrote (e.g. `.git/`, Image Updater's `.argocd-source-*.yaml`) are left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mgctl.render.filemap import FileMap

STATE_FILE = ".mgctl/rendered.json"


class RenderConflict(Exception):
    def __init__(self, edited: list[Path]) -> None:
        self.edited = edited
        listing = "\n".join(f"  {p}" for p in edited)
        super().__init__(
            f"{len(edited)} generated file(s) were edited by hand since the last render:\n"
            f"{listing}\nFix: move the change into platform.yaml (the single source of truth) "
            "and re-run, or re-run with --force to overwrite these edits."
        )


@dataclass
class WriteResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _sha(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _load_state(repo: Path) -> dict[str, str]:
    state = repo / STATE_FILE
    if not state.is_file():
        return {}
    loaded = json.loads(state.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in loaded.get("files", {}).items()}


def _split_by_repo(files: FileMap) -> dict[str, dict[str, str]]:
    repos: dict[str, dict[str, str]] = {}
    for path, text in files.items():
        repo, _, rel = path.partition("/")
        if not rel or ".." in Path(rel).parts or Path(rel).is_absolute():
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


def write_files(out: Path, files: FileMap, force: bool = False) -> WriteResult:
    if not force:
        edited = find_conflicts(out, files)
        if edited:
            raise RenderConflict(edited)
    out.mkdir(parents=True, exist_ok=True)
    result = WriteResult()
    for repo, repo_files in _split_by_repo(files).items():
        _write_repo(out / repo, repo_files, result, repo)
    return result


def _write_repo(root: Path, files: dict[str, str], result: WriteResult, repo: str) -> None:
    state = _load_state(root)
    payload = {"files": {rel: _sha(text) for rel, text in sorted(files.items())}}
    staged = dict(files)
    staged[STATE_FILE] = json.dumps(payload, indent=2, sort_keys=True) + "\n"
    if not root.exists():
        # A new repository appears whole or not at all.
        tmp = Path(tempfile.mkdtemp(prefix=f".{repo}.", dir=root.parent))
        try:
            for rel, text in staged.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            tmp.chmod(0o755)
            tmp.rename(root)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        result.written.extend(f"{repo}/{rel}" for rel in files)
        return
    # An existing repository (maybe a git clone): stage everything, then replace file by file.
    tmp = Path(tempfile.mkdtemp(prefix=".mgctl-staging.", dir=root))
    try:
        moves: list[tuple[Path, Path]] = []
        for rel, text in sorted(staged.items()):
            target = root / rel
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                if rel != STATE_FILE:
                    result.unchanged.append(f"{repo}/{rel}")
                continue
            staged_file = tmp / rel
            staged_file.parent.mkdir(parents=True, exist_ok=True)
            staged_file.write_text(text, encoding="utf-8")
            moves.append((staged_file, target))
            if rel != STATE_FILE:
                result.written.append(f"{repo}/{rel}")
        for staged_file, target in moves:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged_file, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for rel in sorted(set(state) - set(files)):
        stale = root / rel
        if stale.is_file():
            stale.unlink()
            result.removed.append(f"{repo}/{rel}")
            _prune_empty_dirs(stale.parent, root)


def _prune_empty_dirs(directory: Path, root: Path) -> None:
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
