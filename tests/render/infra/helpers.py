"""Render mg-infrastructure from the example (optionally changed) into a directory."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from mgctl.config.loader import load_platform
from mgctl.config.platform import Platform

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = REPO_ROOT / "examples" / "mg" / "platform.yaml"
SHARED = REPO_ROOT.parent / "shared"


def example_platform(change: Callable[[dict[str, Any]], None] | None = None) -> Platform:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "platform.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return load_platform(path)


def write_tree(files: dict[str, str], out: Path) -> Path:
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return out


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def save_docs(path: Path, docs: list[dict[str, Any]]) -> None:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")


def edit(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    docs = load_docs(path)
    change(docs)
    save_docs(path, docs)
