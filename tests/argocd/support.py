"""The example platform rendered to disk, seen as Argo CD sees it, and judged: shared by the
argocd and validate tests. Charts come from ../shared/charts (the chart cache in place);
helm renders are cached for the session (keyed by content, so an edited values file or
chart renders afresh)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.repo_server import RenderedApp
from mgctl.argocd.view import ArgoView, load_view
from mgctl.charts.cache import ChartCache
from mgctl.config.loader import load_platform
from mgctl.config.platform import Platform
from mgctl.manifests import Finding
from mgctl.render.platform_render import render_all
from mgctl.validate.applied.run import check_view
from mgctl.validate.schemas import SchemaRegistry

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
EXAMPLE = REPO_ROOT / "examples" / "mg" / "platform.yaml"
CHARTS = ChartCache(SHARED / "charts")
INFRA = "mg-infrastructure"
DEPLOY = "mg-deploy"


@cache
def example() -> Platform:
    return load_platform(EXAMPLE)


def write(platform: Platform, out: Path) -> Path:
    for rel, text in render_all(platform).items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return out


def copy_tree(source: Path, out: Path) -> Path:
    shutil.copytree(source, out)
    return out


def view(
    tree: Path,
    charts: ChartCache = CHARTS,
    cache_dir: Path | None = None,
    on_app: Callable[[RenderedApp], None] | None = None,
) -> ArgoView:
    return load_view(
        tree / INFRA,
        tree / DEPLOY,
        charts=charts,
        kubernetes_version="1.35",
        cache=RenderCache(cache_dir) if cache_dir is not None else None,
        on_app=on_app,
    )


def judge(tree: Path, cache_dir: Path | None = None, charts: ChartCache = CHARTS) -> list[Finding]:
    seen = view(tree, charts, cache_dir)
    result = check_view(seen, SchemaRegistry("1.35", []))
    found: list[Finding] = [f for unit in result.units for f in unit.findings] + result.findings
    return found


def only(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def edit(path: Path, change: Callable[[list[dict[str, Any]]], None]) -> None:
    docs = load_docs(path)
    change(docs)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")


def edit_values(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    def apply(docs: list[dict[str, Any]]) -> None:
        change(docs[0])

    edit(path, apply)
