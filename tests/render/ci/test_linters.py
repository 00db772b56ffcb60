"""Every generated workflow and Renovate config, and every Dockerfile of this repository,
through the real linters: actionlint (with shellcheck), zizmor --offline at the default persona,
check-jsonschema against Renovate's schema, hadolint. Each must report nothing."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import re2

from mgctl.render.ci.pins import action_pins

from .conftest import ROOT, lint

REPOS = ("mg-deploy", "mg-infrastructure")


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("repo", REPOS)
def test_actionlint_config_repo(repos: Path, repo: str) -> None:
    _clean(lint("actionlint", cwd=repos / repo))


@pytest.mark.parametrize("repo", REPOS)
def test_zizmor_config_repo(repos: Path, repo: str) -> None:
    result = lint("zizmor", "--offline", ".github/workflows", cwd=repos / repo)
    _clean(result)
    assert "No findings to report" in result.stdout


def test_actionlint_source_repo(source_repo: Path) -> None:
    _clean(lint("actionlint", cwd=source_repo))


def test_zizmor_source_repo(source_repo: Path) -> None:
    result = lint("zizmor", "--offline", ".github/workflows", cwd=source_repo)
    _clean(result)
    assert "No findings to report" in result.stdout


def test_renovate_configs_match_renovates_schema(repos: Path) -> None:
    configs = [str(repos / repo / "renovate.json") for repo in REPOS]
    _clean(lint("check-jsonschema", "--builtin-schema", "vendor.renovate", *configs))


def _renovate_schema() -> dict[str, Any]:
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("renovate.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def _known(schema: dict[str, Any], definition: str | None) -> set[str]:
    node = schema if definition is None else schema["definitions"][definition]
    if "items" in node:
        node = node["items"]
    properties = dict(node.get("properties", {}))
    for part in node.get("allOf", []):
        properties.update(part.get("properties", {}))
    return set(properties)


def unknown_keys(config: dict[str, Any]) -> list[str]:
    """Keys the Renovate schema does not define. The schema accepts unknown keys, so a typo
    (`automergee`) would pass check-jsonschema and be ignored by Renovate: this catches it."""
    schema = _renovate_schema()
    top = _known(schema, None)
    unknown = [key for key in config if key not in top and key != "$schema"]
    for section in ("packageRules", "customManagers"):
        known = _known(schema, section)
        for i, item in enumerate(config.get(section, [])):
            unknown += [f"{section}[{i}].{key}" for key in item if key not in known]
    for manager in ("argocd", "github-actions"):
        known = _known(schema, manager)
        unknown += [f"{manager}.{key}" for key in config.get(manager, {}) if key not in known]
    return unknown


@pytest.mark.parametrize("repo", REPOS)
def test_renovate_configs_use_only_known_keys(repos: Path, repo: str) -> None:
    config = json.loads((repos / repo / "renovate.json").read_text(encoding="utf-8"))
    assert unknown_keys(config) == []
    assert unknown_keys({"automergee": True, "packageRules": [{"groupNam": "x"}]}) == [
        "automergee",
        "packageRules[0].groupNam",
    ]


def test_this_projects_renovate_config_tracks_every_pin() -> None:
    """mgctl's own .github/renovate.json keeps render/ci/actions.yaml current: its regex (RE2,
    as Renovate runs it) finds every pin there."""
    path = ROOT / ".github" / "renovate.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    assert unknown_keys(config) == []
    _clean(lint("check-jsonschema", "--builtin-schema", "vendor.renovate", str(path)))
    (manager,) = config["customManagers"]
    pattern = re2.compile(manager["matchStrings"][0])
    found = {
        m["depName"]: (m["currentValue"], m["currentDigest"])
        for m in pattern.finditer((ROOT / manager["managerFilePatterns"][0]).read_text())
    }
    assert found == {pin.repo: (pin.version, pin.sha) for pin in action_pins().values()}


def _dockerfiles() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", "*Dockerfile*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [str(ROOT / path) for path in listed]


def test_every_dockerfile_is_hadolint_clean() -> None:
    dockerfiles = _dockerfiles()
    assert any(path.endswith("auth-service/Dockerfile") for path in dockerfiles)
    _clean(lint("hadolint", *dockerfiles))


def test_the_linters_do_fail(tmp_path: Path) -> None:
    """The checks above can fail: the e2e.yml this project had fails both workflow linters,
    a Renovate config with an unknown key fails the schema, `FROM x:latest` fails hadolint."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "old.yml").write_text(
        "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - run: echo ${{ github.head_ref }}\n",
        encoding="utf-8",
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert lint("actionlint", cwd=tmp_path).returncode != 0  # node20 runtime, injection
    zizmor = lint("zizmor", "--offline", ".github/workflows", cwd=tmp_path)
    assert zizmor.returncode != 0
    for audit in ("unpinned-uses", "artipacked", "template-injection"):
        assert audit in zizmor.stdout
    (tmp_path / "renovate.json").write_text('{"minimumReleaseAge": 3, "automerge": "yes"}')
    schema = lint("check-jsonschema", "--builtin-schema", "vendor.renovate", "renovate.json",
                  cwd=tmp_path)  # fmt: skip
    assert schema.returncode != 0
    (tmp_path / "Dockerfile").write_text("FROM python:latest\nRUN pip install requests\n")
    assert lint("hadolint", "Dockerfile", cwd=tmp_path).returncode != 0
