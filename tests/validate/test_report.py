"""Report: exit codes (warnings do not fail), text and JSON views."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from mgctl.manifests import Finding, Severity
from mgctl.validate.report import Report, print_report
from mgctl.validate.units import UnitResult


def report_with(*findings: Finding) -> Report:
    unit = UnitResult("mg-deploy/services/api", objects=4, findings=list(findings))
    return Report(root=Path("out"), kubernetes_version="1.35", units=[unit])


ERROR = Finding(
    check="image-tag",
    file="mg-deploy/services/api/templates/all.yaml",
    kind="Deployment",
    name="api",
    path="spec.template.spec.containers[0].image",
    message="container 'api': image 'x:latest' uses tag 'latest': pin a version tag or a digest",
)
WARNING = Finding(check="helm-lint", severity=Severity.WARNING, file="x", message="w")


def test_exit_codes() -> None:
    assert report_with().exit_code == 0
    assert report_with(WARNING).exit_code == 0
    assert report_with(ERROR, WARNING).exit_code == 1


def test_duplicate_findings_are_reported_once() -> None:
    assert len(report_with(ERROR, ERROR).findings) == 1


def test_text_view_has_the_summary_and_one_line_per_finding() -> None:
    buffer = io.StringIO()
    print_report(report_with(ERROR, WARNING), Console(file=buffer, width=300))
    text = buffer.getvalue()
    assert "mg-deploy/services/api" in text and "image-tag 1" in text
    assert (
        "error mg-deploy/services/api/templates/all.yaml: Deployment/api: "
        "spec.template.spec.containers[0].image: container 'api'" in text
    )
    assert "1 error(s), 1 warning(s)" in text


def test_json_view() -> None:
    data = json.loads(json.dumps(report_with(ERROR).to_dict()))
    assert data["errors"] == 1
    assert data["units"][0]["findings_by_check"] == {"image-tag": 1}
    assert data["findings"][0]["text"] == ERROR.format()
