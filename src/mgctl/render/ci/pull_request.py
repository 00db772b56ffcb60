"""The pull-request workflow of mg-deploy and mg-infrastructure (templates/pull-request.yml.j2).

Each repository's PRs are judged together with the other one (its "sibling"): the generated
files must match platform.yaml, `mgctl validate` must pass, and `mgctl diff` of base vs head is
posted as one sticky comment by a second job, the only one allowed to write to the PR.
"""

from __future__ import annotations

from mgctl import __version__
from mgctl.config.platform import Platform
from mgctl.render.ci import layout
from mgctl.render.ci.github import github_repository
from mgctl.render.ci.pins import uses
from mgctl.render.ci.templates import render_template
from mgctl.render.deploy_repo import ROOT as DEPLOY_ROOT
from mgctl.render.infra.repository import ROOT as INFRA_ROOT

# GitHub refuses comments over 65536 characters; the rest of the body needs far less than 1 KiB.
COMMENT_LIMIT = 60_000
VALIDATE_EXTRA = "validate-tools"  # pyproject extra: the helm/kubectl layer and kingfisher


def mgctl_requirement(version: str = __version__) -> str:
    """What the workflow installs: exactly the mgctl that rendered it, with the tools
    `mgctl validate` drives."""
    return f"mgctl[{VALIDATE_EXTRA}]=={version}"


def pull_request_workflow(platform: Platform, repo: str) -> str | None:
    """The workflow text for `repo` (mg-deploy or mg-infrastructure), or None when either
    repository is not on github.com (the workflow needs GitHub Actions and checks out both)."""
    repos = {DEPLOY_ROOT: platform.git.deploy, INFRA_ROOT: platform.git.infrastructure}
    sibling = INFRA_ROOT if repo == DEPLOY_ROOT else DEPLOY_ROOT
    sibling_repo = github_repository(repos[sibling].url)
    if github_repository(repos[repo].url) is None or sibling_repo is None:
        return None
    return render_template(
        "pull-request.yml.j2",
        repo=repo,
        branch=repos[repo].branch,
        sibling=sibling,
        sibling_repo=sibling_repo,
        sibling_branch=repos[sibling].branch,
        platform_path=f"{INFRA_ROOT}/{layout.PLATFORM_CONFIG}",
        environment=layout.CHECK_ENVIRONMENT,
        runner=layout.RUNNER,
        python_version=layout.PYTHON_VERSION,
        mgctl_version=__version__,
        mgctl_requirement=mgctl_requirement(),
        comment_limit=COMMENT_LIMIT,
        comment_marker=f"<!-- mgctl-diff:{repo} -->",
        uses=uses(),
    )
