"""render: platform.yaml -> mg-deploy/ + mg-infrastructure/ as one FileMap, then onto disk."""

from __future__ import annotations

from pathlib import Path

from mgctl.config.platform import Platform
from mgctl.render.deploy_repo import render_deploy
from mgctl.render.filemap import FileMap
from mgctl.render.writer import WriteResult, write_files


def render_all(platform: Platform) -> FileMap:
    files = render_deploy(platform)
    try:
        from mgctl.render.database_charts import render_databases
    except ImportError:  # pragma: no cover - lands with the databases generator
        pass
    else:
        files.update(render_databases(platform))
    try:
        from mgctl.render.infra.repository import render_infrastructure
    except ImportError:  # pragma: no cover - lands with the infrastructure generator
        pass
    else:
        files.update(render_infrastructure(platform))
    return dict(sorted(files.items()))


def render_to(platform: Platform, out: Path, force: bool = False) -> WriteResult:
    return write_files(out, render_all(platform), force=force)
