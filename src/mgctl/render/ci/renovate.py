"""renovate.json of mg-deploy and mg-infrastructure (renovate-base.json + what the render knows).

- Every file mgctl generates is in `ignorePaths`: Renovate never edits one (the next render
  would refuse the hand edit, or undo it). Bumps land where the team edits:
  `.mgctl/platform.yaml` in mg-infrastructure, through the custom regex managers below.
- platform.yaml managers: the sidecar images (Image Updater manages only each service's own
  image) and, per chart component, `components.<name>.version`.
- The `argocd` and `github-actions` managers cover Applications and workflows the team adds by
  hand; the generated workflows' action pins are mgctl's own (render/ci/actions.yaml) and move
  with mgctl releases.
- One group per component, its source and changelog linked (upstream.yaml); a minimum release
  age; majors never automerged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from mgctl.render.ci import layout
from mgctl.render.filemap import FileMap
from mgctl.render.infra.repository import ROOT as INFRA_ROOT

# platform.yaml keys, as written in the example and by editors (2-space indentation):
#   services[].sidecars[].image: repo:tag     and     components.<name>.version: X
# RE2 syntax without inline flags (Renovate compiles each with flag "g" only:
# lib/modules/manager/custom/regex/strategies.ts); `^` is the start of the matched text.
SIDECAR_IMAGE = (
    r"""image:[ \t]*["']?(?<depName>[a-z0-9][^\s"'{}:@,]*(?::[0-9]+/[^\s"'{}:@,]+)?)"""
    r""":(?<currentValue>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"""
    r"""(?:@(?<currentDigest>sha256:[a-f0-9]{64}))?"""
)
COMPONENTS_BLOCK = r"(?:^|\n)components:[^\n]*(?:\n(?:[ \t]+[^\n]*)?)*"
# `version:` as the component's own key: on its flow-style line, or a block key at 4 spaces;
# never a `version:` nested in its values.
VERSION_KEY = (
    r"""(?:^\n  [a-z0-9-]+:[ \t]*\{(?:[^{}\n]*,)?[ \t]*|\n    )"""
    r"""version:[ \t]*["']?(?<currentValue>[^\s"',}#]+)"""
)


def component_block(name: str) -> str:
    """The `  <name>:` entry under components: its line (flow style) and its deeper lines."""
    return rf"\n  {name}:[^\n]*(?:\n    [^\n]*)*"


@dataclass(frozen=True)
class AppChart:
    component: str  # base/<component>/ in mg-infrastructure
    repo_url: str  # as in the Application: https://… or a scheme-less OCI registry
    chart: str
    version: str

    @property
    def oci(self) -> bool:
        return "://" not in self.repo_url

    @property
    def chart_name(self) -> str:
        return self.chart.rsplit("/", 1)[-1]

    @property
    def dep_name(self) -> str:
        return f"{self.repo_url}/{self.chart}" if self.oci else self.chart


def chart_pins(files: FileMap) -> list[AppChart]:
    """The chart sources of the rendered platform Applications (base/*/application.yaml)."""
    pins = []
    prefix = f"{INFRA_ROOT}/base/"
    for path, text in files.items():
        if not (path.startswith(prefix) and path.endswith("/application.yaml")):
            continue
        app = yaml.safe_load(text)
        for source in app["spec"].get("sources", []):
            if "chart" in source:
                component = path.removeprefix(prefix).split("/", 1)[0]
                pins.append(
                    AppChart(
                        component, source["repoURL"], source["chart"], source["targetRevision"]
                    )
                )
    return sorted(pins, key=lambda p: p.component)


@cache
def _upstream() -> dict[str, dict[str, str]]:
    text = resources.files("mgctl.render.ci").joinpath("upstream.yaml").read_text("utf-8")
    charts: dict[str, dict[str, str]] = yaml.safe_load(text)["charts"]
    return charts


def _base() -> dict[str, Any]:
    text = resources.files("mgctl.render.ci").joinpath("renovate-base.json").read_text("utf-8")
    base: dict[str, Any] = json.loads(text)
    return base


def _component_rule(pin: AppChart) -> dict[str, Any]:
    upstream = _upstream().get(pin.chart_name)
    if upstream is None:
        raise ValueError(
            f"chart {pin.chart_name!r} (component {pin.component}) has no entry in "
            "render/ci/upstream.yaml: add its source repository and changelog"
        )
    return {
        "description": f"{pin.component}: one PR per update of its chart",
        "matchDepNames": sorted({pin.chart_name, pin.dep_name}),
        "groupName": pin.component,
        "sourceUrl": upstream["source"],
        "changelogUrl": upstream["changelog"],
    }


def _component_manager(pin: AppChart) -> dict[str, Any]:
    manager: dict[str, Any] = {
        "customType": "regex",
        "description": f"platform.yaml components.{pin.component}.version: the "
        f"{pin.chart_name} chart",
        "managerFilePatterns": [layout.PLATFORM_CONFIG],
        "matchStringsStrategy": "recursive",
        "matchStrings": [COMPONENTS_BLOCK, component_block(pin.component), VERSION_KEY],
        "depNameTemplate": pin.dep_name,
    }
    if pin.oci:
        manager["datasourceTemplate"] = "docker"
    else:
        manager["datasourceTemplate"] = "helm"
        manager["registryUrlTemplate"] = pin.repo_url
    return manager


def _sidecar_manager() -> dict[str, Any]:
    return {
        "customType": "regex",
        "description": "platform.yaml services[].sidecars[].image (Image Updater manages only "
        "each service's own image)",
        "managerFilePatterns": [layout.PLATFORM_CONFIG],
        "matchStrings": [SIDECAR_IMAGE],
        "datasourceTemplate": "docker",
        "versioningTemplate": "docker",
    }


def renovate_config(repo: str, generated: list[str], infra_files: FileMap) -> str:
    """renovate.json for `repo`; `generated` are the repository-relative paths mgctl writes."""
    config = _base()
    major_rules = config.pop("majorRules")
    config["ignorePaths"] = sorted({*generated, layout.RENOVATE_CONFIG, ".mgctl/rendered.json"})
    if repo == INFRA_ROOT:
        pins = chart_pins(infra_files)
        config["enabledManagers"] = ["argocd", "custom.regex", "github-actions"]
        config["argocd"] = {"managerFilePatterns": [r"/(^|/)base/[^/]+/application[^/]*\.ya?ml$/"]}
        config["customManagers"] = [_sidecar_manager(), *map(_component_manager, pins)]
        config["packageRules"] += [_component_rule(pin) for pin in pins]
    else:
        # mg-deploy: Image Updater writes `.argocd-source-<app>.yaml`; everything else is generated.
        config["enabledManagers"] = ["github-actions"]
        config["ignorePaths"].append("**/.argocd-source-*.yaml")
    config["packageRules"] += major_rules  # last: a later rule wins
    return json.dumps(config, indent=2) + "\n"
