"""One deploy key per repository: the `git` rules (docs/config-rules.md, git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgctl.config import ConfigError, load_platform

DEPLOY = '  deploy: { url: "git@github.com:acme/deploy.git"'
INFRA = '  infrastructure: { url: "git@github.com:acme/infrastructure.git"'
REST = """cluster:
  nodes: [{ name: node-1, cpu: "4", memory: 16Gi, storage: 200Gi }]
  loadBalancer: { addresses: ["192.168.1.240-192.168.1.250"] }
tls: { email: ops@acme.io }
services:
  - name: api
    image: { repository: acme/api, tag: v1.0.0 }
"""


def _config(tmp_path: Path, deploy: str = "", infra: str = "", extra: str = "") -> Path:
    path = tmp_path / "platform.yaml"
    path.write_text(f"git:\n{DEPLOY}{deploy} }}\n{INFRA}{infra} }}\n{extra}{REST}")
    return path


def test_each_repository_gets_its_own_secret_by_default(tmp_path: Path) -> None:
    git = load_platform(_config(tmp_path)).git
    assert (git.deploy.secret, git.infrastructure.secret) == ("repo-deploy", "repo-infrastructure")
    assert git.deploy.deploy_key_doppler_key is None


@pytest.mark.parametrize(
    ("deploy", "infra", "extra", "message"),
    [
        ("", "", "  deployKeySecret: mg-repos-ssh\n",
         "deployKeySecret: one deploy key for both repositories is gone"),
        ("", "", "  deployKeyDopplerKey: ARGOCD_KEY\n",
         "git.deploy.deployKeyDopplerKey and git.infrastructure.deployKeyDopplerKey"),
        (", secret: repos", ", secret: repos", "",
         "git.infrastructure.secret: 'repos' is also deploy.secret"),
        (", deployKeyDopplerKey: KEY", ", deployKeyDopplerKey: KEY", "",
         "git.infrastructure.deployKeyDopplerKey: 'KEY' is also deploy's"),
    ],
)  # fmt: skip
def test_one_key_for_two_repositories_is_refused(
    tmp_path: Path, deploy: str, infra: str, extra: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_platform(_config(tmp_path, deploy, infra, extra))
    assert message in str(caught.value)


def test_two_branches_of_one_repository_are_allowed_one_branch_is_not(tmp_path: Path) -> None:
    """mg-deploy and mg-infrastructure may be two branches of one repository (the e2e test
    pushes them so); the same branch would hold two trees at one root."""
    same = '  infrastructure: { url: "git@github.com:acme/deploy.git"'
    path = tmp_path / "platform.yaml"
    path.write_text(f"git:\n{DEPLOY}, branch: deploy }}\n{same}, branch: infra }}\n{REST}")
    git = load_platform(path).git
    assert git.infrastructure.url == git.deploy.url
    path.write_text(f"git:\n{DEPLOY} }}\n{same} }}\n{REST}")
    with pytest.raises(ConfigError, match="give them two repositories or two branches"):
        load_platform(path)
