"""The result of a validation run: per-unit summaries, findings, exit code, JSON and text views."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mgctl.manifests import Finding, Severity
from mgctl.validate.units import UnitResult


@dataclass
class Report:
    root: Path
    kubernetes_version: str
    units: list[UnitResult] = field(default_factory=list)
    repo_findings: list[Finding] = field(default_factory=list)  # secret scans, infra graph, ...
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def findings(self) -> list[Finding]:
        found = [f for unit in self.units for f in unit.findings] + self.repo_findings
        return sorted(
            set(found), key=lambda f: (f.file, f.kind, f.name, f.path, f.check, f.message)
        )

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def exit_code(self) -> int:
        """0: no error findings (warnings do not fail), 1: error findings."""
        return 1 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "kubernetes_version": self.kubernetes_version,
            "seconds": round(self.seconds, 3),
            "units": [
                {
                    "name": unit.name,
                    "objects": unit.objects,
                    "seconds": round(unit.seconds, 3),
                    "findings_by_check": dict(Counter(f.check for f in unit.findings)),
                }
                for unit in self.units
            ],
            "findings": [{**f.model_dump(mode="json"), "text": f.format()} for f in self.findings],
            "notes": self.notes,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


def summary_table(report: Report) -> Table:
    table = Table(title=f"mgctl validate {report.root} (Kubernetes {report.kubernetes_version})")
    table.add_column("unit")
    table.add_column("objects", justify="right")
    table.add_column("findings", justify="right")
    table.add_column("by check")
    units = [*report.units]
    if report.repo_findings:
        units.append(UnitResult("repository-wide", findings=report.repo_findings))
    for unit in units:
        counts = Counter(f.check for f in unit.findings if f.severity is Severity.ERROR)
        warn = sum(1 for f in unit.findings if f.severity is Severity.WARNING)
        detail = ", ".join(f"{check} {n}" for check, n in sorted(counts.items()))
        if warn:
            detail += (", " if detail else "") + f"warnings {warn}"
        total = sum(counts.values())
        style = "red" if total else "green"
        table.add_row(unit.name, str(unit.objects), f"[{style}]{total}[/]", detail or "-")
    return table


def print_report(report: Report, console: Console) -> None:
    console.print(summary_table(report))
    for finding in report.findings:
        prefix = "[red]error[/]" if finding.severity is Severity.ERROR else "[yellow]warning[/]"
        console.print(f"{prefix} ", end="")
        console.print(finding.format(), markup=False, highlight=False, soft_wrap=True)
    for note in report.notes:
        console.print(f"[dim]note:[/] {note}", highlight=False)
    verdict = f"[red]{len(report.errors)} error(s)[/]" if report.errors else "[green]no errors[/]"
    console.print(f"{verdict}, {len(report.warnings)} warning(s) in {report.seconds:.2f}s")
