"""Benchmark `mgctl validate` against its floor: bare `helm template` of the same charts.

For N services (example platform, 20, 50) the bench renders the example platform, copies one of
its service charts N times into a fresh mg-deploy/ (the library chart beside them), and times
in the same run:
- floor (sequential):  one `helm template` per chart, one after another;
- floor (parallel):    the same calls with the parallelism validate uses (--jobs);
- validate:            `validate_tree` as the CLI runs it (schemas loaded, helm lint + template,
                       schema/PSS/policy checks, secret scans), without the kingfisher scanner;
- validate+kingfisher: the same plus kingfisher over the repositories.
Target: validate <= 1.5 x parallel floor, linear in N. Figures are the best of --repeat runs,
floor and validate interleaved so that load from other processes hits both alike.
Run: `.venv/bin/python bench/validate_bench.py [--sizes 20,50] [--repeat 3]`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import yaml

from mgctl.config import load_platform
from mgctl.render.platform_render import render_to
from mgctl.validate import helm
from mgctl.validate.run import validate_tree

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
CRDS = ROOT.parent / "shared" / "crds"


def render_example(out: Path) -> Path:
    render_to(load_platform(EXAMPLE), out, force=True)
    return out / "mg-deploy"


def template_chart(deploy: Path) -> Path:
    """The first service chart of the example that renders without error."""
    for chart in sorted((deploy / "services").glob("*/Chart.yaml")):
        try:
            helm.template(chart.parent, chart.parent.name, chart.parent.name)
        except helm.HelmError:
            continue
        return chart.parent
    raise SystemExit(f"no service chart of {EXAMPLE} renders; fix the renderer first")


def build_platform(example_deploy: Path, template: Path, count: int, out: Path) -> Path:
    """out/mg-deploy with the library and `count` copies of `template` (svc-001, ...)."""
    deploy = out / "mg-deploy"
    shutil.copytree(example_deploy / "_library", deploy / "_library")
    for index in range(1, count + 1):
        name = f"svc-{index:03d}"
        chart = deploy / "services" / name
        shutil.copytree(template, chart)
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        meta["name"] = name
        (chart / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return out


def example_platform(example_deploy: Path, out: Path) -> Path:
    shutil.copytree(example_deploy, out / "mg-deploy")
    return out


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def floor_seconds(deploy: Path, jobs: int) -> float:
    charts = sorted(p.parent for p in (deploy / "services").glob("*/Chart.yaml"))
    with ExitStack() as stack:
        ready = [stack.enter_context(helm.prepared_chart(c)) for c in charts]

        def render(chart: Path) -> str:
            return helm.template(chart, chart.name, chart.name, kube_version="1.35")

        def run_all() -> None:
            if jobs == 1:
                for chart in ready:
                    render(chart)
            else:
                with ThreadPoolExecutor(max_workers=jobs) as pool:
                    list(pool.map(render, ready))

        return timed(run_all)


def validate_seconds(out: Path, jobs: int, kingfisher: bool) -> tuple[float, int]:
    errors = 0

    def run() -> None:
        nonlocal errors
        report = validate_tree(
            out, schema_dirs=[CRDS], jobs=jobs, use_kingfisher=kingfisher, infra_checks=False
        )
        errors = len(report.errors)

    return timed(run), errors


@dataclass
class Row:
    charts: int
    floor_seq: float = float("inf")
    floor_par: float = float("inf")
    validate: float = float("inf")
    full: float = float("inf")
    errors: int = 0


def measure(out: Path, jobs: int, repeat: int) -> Row:
    """Best of `repeat` rounds; each round runs every figure once, interleaved."""
    deploy = out / "mg-deploy"
    row = Row(charts=len(list((deploy / "services").glob("*/Chart.yaml"))))
    for _ in range(repeat):
        row.floor_seq = min(row.floor_seq, floor_seconds(deploy, 1))
        row.floor_par = min(row.floor_par, floor_seconds(deploy, jobs))
        seconds, row.errors = validate_seconds(out, jobs, False)
        row.validate = min(row.validate, seconds)
        row.full = min(row.full, validate_seconds(out, jobs, True)[0])
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,50", help="service counts besides the example")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs per figure")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="mgctl-bench-") as tmp_name:
        tmp = Path(tmp_name)
        example_deploy = render_example(tmp / "example")
        template = template_chart(example_deploy)
        cases = [("example", example_platform(example_deploy, tmp / "case-example"))]
        for size in sizes:
            out = build_platform(example_deploy, template, size, tmp / f"case-{size}")
            cases.append((str(size), out))
        print(f"template chart: {template.name}; jobs {args.jobs}; best of {args.repeat}\n")
        header = (
            f"{'services':>8} {'charts':>6} {'floor seq s':>11} {'floor par s':>11} "
            f"{'validate s':>10} {'ratio':>6} {'per svc ms':>10} {'+kingfisher s':>13} {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        worst = 0.0
        for label, out in cases:
            row = measure(out, args.jobs, args.repeat)
            ratio, ratio_full = row.validate / row.floor_par, row.full / row.floor_par
            if label != "example":
                worst = max(worst, ratio)
            print(
                f"{label:>8} {row.charts:>6} {row.floor_seq:>11.2f} {row.floor_par:>11.2f} "
                f"{row.validate:>10.2f} {ratio:>6.2f} {1000 * row.validate / row.charts:>10.0f} "
                f"{row.full:>13.2f} {ratio_full:>6.2f}"
                + (f"  ({row.errors} error findings)" if row.errors else "")
            )
        print(f"\nworst validate/floor ratio (generated platforms): {worst:.2f} (target <= 1.5)")
        return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
