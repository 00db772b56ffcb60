"""Thin wrapper over the real `helm` binary (offline use): lint, template and pull. Nothing
here writes into a validated repository.

A service chart in mg-deploy depends on the library chart through `repository:
file://../../_library`. Instead of `helm dependency build` (which writes `charts/*.tgz` and
`Chart.lock` into the validated repo, and packs a tarball per chart), `prepared_chart` builds a
temporary chart directory of symlinks to the chart's files and places each local (`file://`)
dependency there, unpacked, as `charts/<name>` (a symlink to the library directory): helm loads
unpacked subchart directories like tarballs and follows symlinks. Nothing is copied or packed.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mgctl.tools import binaries
from mgctl.tools.command import Command, CommandError

DEFAULT_TIMEOUT = 120.0


class HelmError(RuntimeError):
    """helm failed on a chart; the message holds helm's own error text."""

    def __init__(self, chart: Path, action: str, detail: str) -> None:
        self.chart = chart
        self.action = action
        self.detail = detail.strip()
        super().__init__(f"helm {action} failed for {chart}: {self.detail}")


@dataclass
class LintResult:
    chart: Path
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def helm_binary() -> Path:
    return binaries.find("helm")


# Go runtime settings for the short-lived helm processes validation starts: one OS thread and
# no garbage collection until 512 MiB (a chart renders in < 60 MiB) roughly halve helm's CPU
# time; charts are rendered in parallel processes instead. Values set by the user win.
HELM_RUNTIME_ENV = {"GOMAXPROCS": "1", "GOGC": "off", "GOMEMLIMIT": "512MiB"}


def helm_env() -> dict[str, str]:
    return {**HELM_RUNTIME_ENV, **os.environ}


def _chart_metadata(chart_dir: Path) -> dict[str, Any]:
    chart_file = chart_dir / "Chart.yaml"
    try:
        data = yaml.safe_load(chart_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise HelmError(chart_dir, "load", f"{chart_file} does not exist") from exc
    except yaml.YAMLError as exc:
        raise HelmError(chart_dir, "load", f"{chart_file} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise HelmError(chart_dir, "load", f"{chart_file} is not a mapping")
    return data


def local_dependencies(chart_dir: Path) -> list[tuple[str, Path]]:
    """(name, directory) of every `file://` dependency of the chart."""
    found: list[tuple[str, Path]] = []
    for dep in _chart_metadata(chart_dir).get("dependencies") or []:
        repository = str(dep.get("repository") or "") if isinstance(dep, dict) else ""
        if repository.startswith("file://"):
            target = (chart_dir / repository.removeprefix("file://")).resolve()
            found.append((str(dep.get("name")), target))
    return found


def _already_vendored(chart_dir: Path, name: str) -> bool:
    charts = chart_dir / "charts"
    if (charts / name / "Chart.yaml").is_file():
        return True
    return any(re.fullmatch(rf"{re.escape(name)}-[^/]*\.tgz", p.name) for p in charts.glob("*.tgz"))


@contextmanager
def prepared_chart(chart_dir: Path) -> Iterator[Path]:
    """The chart ready for helm: itself when it has no missing local dependency, else a temp copy
    with each `file://` dependency unpacked under `charts/`. The repo is never written."""
    missing = [
        (name, target)
        for name, target in local_dependencies(chart_dir)
        if not _already_vendored(chart_dir, name)
    ]
    if not missing:
        yield chart_dir
        return
    for name, target in missing:
        if not (target / "Chart.yaml").is_file():
            raise HelmError(
                chart_dir,
                "dependency",
                f"dependency {name!r} points to {target}, which has no Chart.yaml. "
                "Fix the `repository: file://...` path in Chart.yaml",
            )
    with tempfile.TemporaryDirectory(prefix="mgctl-chart-") as tmp:
        staged = Path(tmp) / chart_dir.name
        _link_entries(chart_dir, staged, skip={"charts"})
        _link_entries(chart_dir / "charts", staged / "charts", skip=set())
        for name, target in missing:
            (staged / "charts" / name).symlink_to(target, target_is_directory=True)
        yield staged


def _link_entries(source: Path, into: Path, skip: set[str]) -> None:
    """Symlink every entry of `source` into `into` (helm follows symlinks when loading)."""
    into.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for entry in source.iterdir():
        if entry.name not in skip:
            (into / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())


def _run(chart: Path, action: str, argv: list[str]) -> str:
    try:
        return Command(argv, env=helm_env(), timeout=DEFAULT_TIMEOUT).run().stdout
    except CommandError as exc:
        raise HelmError(chart, action, _clean(exc.stderr or exc.stdout or str(exc))) from exc


def _clean(detail: str) -> str:
    """helm's error without its log lines (symlink notices) and debug hint."""
    noise = ("Use --debug", "level=INFO", "level=DEBUG", "level=WARN")
    lines = [line.removeprefix("Error: ") for line in detail.strip().splitlines()]
    return "\n".join(line for line in lines if not line.startswith(noise)).strip()


@dataclass(frozen=True)
class TemplateRequest:
    """One `helm template` as Argo CD's repo-server runs it (util/helm/cmd.go `template`)."""

    chart: Path  # a chart directory or a packaged .tgz
    release: str
    namespace: str
    values_files: tuple[Path, ...] = ()
    set_values: tuple[tuple[str, str], ...] = ()
    set_strings: tuple[tuple[str, str], ...] = ()
    kube_version: str | None = None
    api_versions: tuple[str, ...] = ()
    include_crds: bool = True
    skip_tests: bool = False
    skip_schema_validation: bool = False

    def argv(self, chart_path: Path) -> list[str]:
        argv = [str(helm_binary()), "template", self.release, str(chart_path)]
        argv += ["--namespace", self.namespace]
        if self.kube_version:
            argv += ["--kube-version", self.kube_version]
        for key, value in self.set_values:
            argv += ["--set", f"{key}={value}"]
        for key, value in self.set_strings:
            argv += ["--set-string", f"{key}={value}"]
        for item in self.values_files:
            argv += ["--values", str(item.resolve())]
        for version in self.api_versions:
            argv += ["--api-versions", version]
        if self.include_crds:
            argv.append("--include-crds")
        if self.skip_schema_validation:
            argv.append("--skip-schema-validation")
        if self.skip_tests:
            argv.append("--skip-tests")
        return argv


def run_template(request: TemplateRequest) -> str:
    """Rendered manifests; a chart directory's local dependencies are supplied without
    touching the repository."""
    if request.chart.is_file():
        return _run(request.chart, "template", request.argv(request.chart))
    with prepared_chart(request.chart) as ready:
        return _run(request.chart, "template", request.argv(ready))


def template(
    chart_dir: Path,
    release: str,
    namespace: str,
    values_files: Sequence[Path] = (),
    kube_version: str | None = None,
) -> str:
    """`helm template` of a local chart with values files (no CRDs, no API versions)."""
    request = TemplateRequest(
        chart_dir,
        release,
        namespace,
        tuple(values_files),
        kube_version=kube_version,
        include_crds=False,
    )
    return run_template(request)


def pull(
    chart: str,
    version: str,
    destination: Path,
    *,
    repo: str | None = None,
    plain_http: bool = False,
    home: Path | None = None,
) -> None:
    """`helm pull` one chart version into `destination`. `chart` is a name with `repo` (an
    HTTP repository), or an `oci://` reference. `home` isolates helm's config and cache."""
    argv = [str(helm_binary()), "pull", chart, "--version", version, "--destination"]
    argv.append(str(destination))
    if repo is not None:
        argv += ["--repo", repo]
    if plain_http:
        argv.append("--plain-http")
    env = helm_env()
    if home is not None:
        for name in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"):
            env[name] = str(home / name.lower())
    Command(argv, env=env, timeout=DEFAULT_TIMEOUT).run()


_SECTION = re.compile(r"^==> Linting (?P<chart>.+)$")
_MESSAGE = re.compile(r"^\[(?P<level>ERROR|WARNING|INFO)\] (?P<text>.*)$")


def lint_many(chart_dirs: Sequence[Path], kube_version: str | None = None) -> list[LintResult]:
    """`helm lint` over several prepared chart directories in one helm process."""
    if not chart_dirs:
        return []
    # Values are checked against values.schema.json by `helm template` already (same helm code);
    # skipping that in lint removes ~40% of lint's CPU time and no finding.
    argv = [str(helm_binary()), "lint", *map(str, chart_dirs), "--skip-schema-validation"]
    if kube_version:
        argv += ["--kube-version", kube_version]
    proc = Command(argv, env=helm_env(), timeout=DEFAULT_TIMEOUT).run(check=False)
    if "unknown flag: --skip-schema-validation" in proc.stderr:  # helm older than 3.16
        argv.remove("--skip-schema-validation")
        proc = Command(argv, env=helm_env(), timeout=DEFAULT_TIMEOUT).run(check=False)
    results = {str(chart): LintResult(chart) for chart in chart_dirs}
    current: LintResult | None = None
    bucket: list[str] | None = None  # where continuation lines of the last message go
    for line in proc.stdout.splitlines():
        section = _SECTION.match(line)
        if section:
            current, bucket = results.get(section.group("chart").strip()), None
            continue
        message = _MESSAGE.match(line)
        if current is not None and message:
            level = message.group("level")
            bucket = {"ERROR": current.errors, "WARNING": current.warnings}.get(level)
            if bucket is not None:
                bucket.append(message.group("text"))
        elif bucket and line.startswith((" ", "\t")) and line.strip():
            bucket[-1] += " " + line.strip()
        else:
            bucket = None
    if proc.returncode != 0 and not any(r.errors for r in results.values()):
        detail = (proc.stderr or proc.stdout).strip() or f"exit {proc.returncode}"
        for result in results.values():
            result.errors.append(detail)
    return list(results.values())


def lint(chart_dir: Path, kube_version: str | None = None) -> LintResult:
    """`helm lint` of one chart (local dependencies supplied without touching the repo)."""
    with prepared_chart(chart_dir) as ready:
        result = lint_many([ready], kube_version)[0]
    result.chart = chart_dir
    return result
