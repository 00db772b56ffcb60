"""render: platform.yaml -> mg-deploy/ + mg-infrastructure/ as one FileMap, then onto disk."""

from __future__ import annotations

from pathlib import Path

from mgctl.config.platform import Platform
from mgctl.render.ci.config_repos import render_config_repo_ci
from mgctl.render.database_charts import render_databases
from mgctl.render.deploy_repo import render_deploy
from mgctl.render.filemap import FileMap
from mgctl.render.infra.repository import render_infrastructure
from mgctl.render.override_keys import override_key
from mgctl.render.write_back import shadowed_tags
from mgctl.render.writer import WriteResult, write_files


def render_all(platform: Platform) -> FileMap:
    files = render_deploy(platform)
    files.update(render_databases(platform))
    files.update(render_infrastructure(platform))
    files.update(render_config_repo_ci(platform, files))
    return dict(sorted(files.items()))


def render_to(platform: Platform, out: Path, force: bool = False) -> WriteResult:
    files = render_all(platform)
    result = write_files(out, files, force=force, hint=lambda path: override_key(platform, path))
    result.notes += shadowed_tags(platform, out)
    return result
