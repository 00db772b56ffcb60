"""What `mgctl render` adds to mg-deploy and mg-infrastructure: the pull-request workflow and
renovate.json. Runs after every other generator: the Renovate config lists their files."""

from __future__ import annotations

from mgctl.config.platform import Platform
from mgctl.render.ci import layout
from mgctl.render.ci.pull_request import pull_request_workflow
from mgctl.render.ci.renovate import renovate_config
from mgctl.render.deploy_repo import ROOT as DEPLOY_ROOT
from mgctl.render.filemap import FileMap
from mgctl.render.infra.repository import ROOT as INFRA_ROOT


def render_config_repo_ci(platform: Platform, files: FileMap) -> FileMap:
    """The CI files of both repositories, given everything else the render produced."""
    added: FileMap = {}
    for repo in (DEPLOY_ROOT, INFRA_ROOT):
        workflow = pull_request_workflow(platform, repo)
        if workflow is not None:
            added[f"{repo}/{layout.PULL_REQUEST_WORKFLOW}"] = workflow
        prefix = f"{repo}/"
        generated = [p.removeprefix(prefix) for p in [*files, *added] if p.startswith(prefix)]
        added[f"{repo}/{layout.RENOVATE_CONFIG}"] = renovate_config(repo, generated, files)
    return added
