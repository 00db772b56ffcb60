"""renovate.json of both config repositories: generated files ignored, bumps landing in
platform.yaml through custom regex managers (run with RE2, the engine Renovate uses, and its
`recursive` strategy), one group per component with its changelog, majors never automerged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import re2
import yaml

from mgctl import catalog
from mgctl.render.ci import layout
from mgctl.render.ci.renovate import AppChart, _component_rule, chart_pins
from mgctl.render.filemap import FileMap

from .conftest import EXAMPLE


def _config(rendered: FileMap, repo: str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads(rendered[f"{repo}/renovate.json"])
    return config


def _groups(match: Any) -> dict[str, str]:
    return {k: v for k, v in match.groupdict().items() if v is not None}


def extract(manager: dict[str, Any], content: str) -> list[tuple[dict[str, str], str]]:
    """Renovate's regex extraction (lib/modules/manager/custom/regex/strategies.ts): `any`
    matches each pattern on the file; `recursive` matches the next pattern inside each match
    of the previous one and takes the last match as the text to replace."""
    patterns = [re2.compile(p) for p in manager["matchStrings"]]
    if manager.get("matchStringsStrategy") != "recursive":
        return [(_groups(m), m.group(0)) for p in patterns for m in p.finditer(content)]

    def walk(text: str, index: int, groups: dict[str, str]) -> list[tuple[dict[str, str], str]]:
        if index == len(patterns):
            return [(groups, text)]
        found = []
        for match in patterns[index].finditer(text):
            found += walk(match.group(0), index + 1, {**groups, **_groups(match)})
        return found

    return walk(content, 0, {})


def _manager(config: dict[str, Any], dep: str) -> dict[str, Any]:
    managers: list[dict[str, Any]] = [
        m for m in config["customManagers"] if m.get("depNameTemplate") == dep
    ]
    assert len(managers) == 1, dep
    return managers[0]


@pytest.mark.parametrize("repo", ["mg-deploy", "mg-infrastructure"])
def test_every_generated_file_is_ignored(rendered: FileMap, repo: str) -> None:
    config = _config(rendered, repo)
    generated = {p.removeprefix(f"{repo}/") for p in rendered if p.startswith(f"{repo}/")}
    ignored = set(config["ignorePaths"])
    assert generated <= ignored
    assert layout.PULL_REQUEST_WORKFLOW in ignored and ".mgctl/rendered.json" in ignored
    assert layout.PLATFORM_CONFIG not in ignored
    extra = ignored - generated - {".mgctl/rendered.json"}
    assert extra == ({"**/.argocd-source-*.yaml"} if repo == "mg-deploy" else set())


def test_sidecar_images_are_found_in_platform_yaml(rendered: FileMap) -> None:
    manager = next(
        m
        for m in _config(rendered, "mg-infrastructure")["customManagers"]
        if "sidecars" in m["description"]
    )
    assert manager["managerFilePatterns"] == [layout.PLATFORM_CONFIG]
    found = extract(manager, EXAMPLE.read_text(encoding="utf-8"))
    # the services' own images (Image Updater's) are mappings, never matched
    assert [groups for groups, _ in found] == [
        {"depName": "shykhov/mg.ccxt", "currentValue": "v1.0.0"}
    ]
    pinned = "  - name: x\n    image: ghcr.io/acme/proxy:1.4@sha256:" + "a" * 64 + "\n"
    assert extract(manager, pinned)[0][0] == {
        "depName": "ghcr.io/acme/proxy",
        "currentValue": "1.4",
        "currentDigest": "sha256:" + "a" * 64,
    }
    assert extract(manager, "    image: localhost:5000/proxy:v2\n")[0][0]["depName"] == (
        "localhost:5000/proxy"
    )


COMPONENTS = """project:
  name: mg-central
components:
  traefik:
    version: 41.3.0
    values:
      image: { version: 9.9.9 }
      deployment:
        version: 1.1.1
  loki: { enabled: true, version: "18.4.2" }
  strimzi:
    version: '1.2.0'
services: []
"""


def test_component_versions_land_in_platform_yaml(rendered: FileMap) -> None:
    config = _config(rendered, "mg-infrastructure")
    traefik = _manager(config, "traefik")
    assert traefik["datasourceTemplate"] == "helm"
    assert traefik["registryUrlTemplate"] == "https://traefik.github.io/charts"
    found = extract(traefik, COMPONENTS)
    assert [groups for groups, _ in found] == [{"currentValue": "41.3.0"}]
    # Renovate rewrites currentValue inside the matched text: the bump lands on the right key
    groups, replace = found[0]
    bumped = COMPONENTS.replace(replace, replace.replace(groups["currentValue"], "42.0.0"), 1)
    data = yaml.safe_load(bumped)["components"]["traefik"]
    assert data["version"] == "42.0.0" and data["values"]["deployment"]["version"] == "1.1.1"

    assert [g for g, _ in extract(_manager(config, "loki"), COMPONENTS)] == [
        {"currentValue": "18.4.2"}
    ]
    strimzi = _manager(config, "quay.io/strimzi-helm/strimzi-kafka-operator")
    assert strimzi["datasourceTemplate"] == "docker" and "registryUrlTemplate" not in strimzi
    assert [g for g, _ in extract(strimzi, COMPONENTS)] == [{"currentValue": "1.2.0"}]
    assert extract(_manager(config, "velero"), COMPONENTS) == []
    # today's platform.yaml has no components section: nothing to bump, nothing misread
    for manager in config["customManagers"][1:]:
        assert extract(manager, EXAMPLE.read_text(encoding="utf-8")) == []


def test_groups_changelogs_and_majors(rendered: FileMap) -> None:
    config = _config(rendered, "mg-infrastructure")
    assert config["minimumReleaseAge"] == "3 days"
    rules = config["packageRules"]
    pins = chart_pins(rendered)
    assert {p.component for p in pins} >= {"traefik", "argocd", "strimzi", "cert-manager"}
    for pin in pins:
        rule = next(r for r in rules if r.get("groupName") == pin.component)
        assert pin.chart_name in rule["matchDepNames"]
        assert rule["sourceUrl"].startswith("https://github.com/")
        assert rule["changelogUrl"].startswith("https://")
    majors = rules[-1]
    assert majors["matchUpdateTypes"] == ["major"]
    assert majors["automerge"] is False and majors["dependencyDashboardApproval"] is True
    assert not any(r.get("automerge") for r in rules if "major" in r.get("matchUpdateTypes", []))


def test_mg_deploy_manages_hand_written_workflows_only(rendered: FileMap) -> None:
    config = _config(rendered, "mg-deploy")
    assert config["enabledManagers"] == ["github-actions"]
    assert "customManagers" not in config


def test_every_catalog_chart_has_an_upstream_entry() -> None:
    for entry in catalog.charts().values():
        pin = AppChart(entry.key, entry.repo_url, entry.chart, entry.version)
        assert _component_rule(pin)["changelogUrl"]


def test_a_chart_without_upstream_entry_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"upstream\.yaml"):
        _component_rule(AppChart("new", "https://charts.example.com", "new-chart", "1.0.0"))


def test_renovate_config_is_deterministic(rendered: FileMap, repos: Path) -> None:
    on_disk = (repos / "mg-infrastructure" / "renovate.json").read_text(encoding="utf-8")
    assert on_disk == rendered["mg-infrastructure/renovate.json"]
