"""What validation reports on: a chart target of mg-deploy, and the result of one unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mgctl.manifests import Finding, Manifest
from mgctl.validate import pss

DATABASES_NAMESPACE = "databases"
CHART_GROUPS = ("services", "databases")


@dataclass(frozen=True)
class ChartTarget:
    chart_dir: Path
    group: str  # services | databases
    display: str  # e.g. mg-deploy/services/api

    @property
    def release(self) -> str:
        return self.chart_dir.name

    @property
    def namespace(self) -> str:
        return self.chart_dir.name if self.group == "services" else DATABASES_NAMESPACE

    @property
    def pss_level(self) -> pss.Level:
        return pss.Level.BASELINE if self.group == "databases" else pss.Level.RESTRICTED


@dataclass
class UnitResult:
    """Outcome for one validated unit (a chart, or a repo of plain manifests)."""

    name: str
    objects: int = 0
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    manifests: list[Manifest] = field(default_factory=list, repr=False)
