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
import os
import resource
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
from mgctl.tools import helm
from mgctl.tools.command import Command
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


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds incl. children) of one call."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    action()
    return time.perf_counter() - wall, cpu_seconds() - cpu


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (helm, kingfisher)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def floor_seconds(deploy: Path, jobs: int, tuned: bool) -> tuple[float, float]:
    """(wall, CPU) of bare `helm template` per chart; `tuned`: helm with validate's Go runtime
    settings (helm.HELM_RUNTIME_ENV) instead of the default environment."""
    charts = sorted(p.parent for p in (deploy / "services").glob("*/Chart.yaml"))
    env = helm.helm_env() if tuned else dict(os.environ)
    binary = str(helm.helm_binary())
    with ExitStack() as stack:
        ready = [stack.enter_context(helm.prepared_chart(c)) for c in charts]

        def render(chart: Path) -> None:
            argv = [binary, "template", chart.name, str(chart), "--namespace", chart.name]
            Command([*argv, "--kube-version", "1.35"], env=env).run()

        def run_all() -> None:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                list(pool.map(render, ready))

        return timed(run_all)


def validate_seconds(out: Path, jobs: int, kingfisher: bool) -> tuple[float, float, int]:
    errors = 0

    def run() -> None:
        nonlocal errors
        report = validate_tree(out, schema_dirs=[CRDS], jobs=jobs, use_kingfisher=kingfisher)
        errors = len(report.errors)

    wall, cpu = timed(run)
    return wall, cpu, errors


INF = float("inf")


@dataclass
class Row:
    charts: int
    floor_seq: float = INF  # bare helm, one at a time
    floor_par: float = INF  # bare helm, `jobs` at a time: the floor
    tuned_par: float = INF  # helm with validate's runtime settings, `jobs` at a time
    floor_cpu: float = INF
    validate: float = INF
    validate_cpu: float = INF
    full: float = INF  # with kingfisher
    errors: int = 0


def measure(out: Path, jobs: int, repeat: int) -> Row:
    """Best of `repeat` rounds; each round runs every figure once, interleaved."""
    deploy = out / "mg-deploy"
    row = Row(charts=len(list((deploy / "services").glob("*/Chart.yaml"))))
    for _ in range(repeat):
        row.floor_seq = min(row.floor_seq, floor_seconds(deploy, 1, tuned=False)[0])
        wall, cpu = floor_seconds(deploy, jobs, tuned=False)
        row.floor_par, row.floor_cpu = min(row.floor_par, wall), min(row.floor_cpu, cpu)
        row.tuned_par = min(row.tuned_par, floor_seconds(deploy, jobs, tuned=True)[0])
        wall, cpu, row.errors = validate_seconds(out, jobs, False)
        row.validate, row.validate_cpu = min(row.validate, wall), min(row.validate_cpu, cpu)
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
        print(f"template chart: {template.name}; jobs {args.jobs}; best of {args.repeat}; ", end="")
        print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n")
        header = (
            f"{'services':>8} {'floor seq':>9} {'floor':>6} {'tuned':>6} {'validate':>8} "
            f"{'ratio':>5} {'ms/svc':>6} {'cpu ratio':>9} {'vs tuned':>8} {'+kingfisher':>11}"
        )
        print(header)
        print("-" * len(header))
        worst_wall = worst_cpu = 0.0
        for label, out in cases:
            row = measure(out, args.jobs, args.repeat)
            ratio, cpu_ratio = row.validate / row.floor_par, row.validate_cpu / row.floor_cpu
            if label != "example":
                worst_wall, worst_cpu = max(worst_wall, ratio), max(worst_cpu, cpu_ratio)
            print(
                f"{label:>8} {row.floor_seq:>9.2f} {row.floor_par:>6.2f} {row.tuned_par:>6.2f} "
                f"{row.validate:>8.2f} {ratio:>5.2f} {1000 * row.validate / row.charts:>6.0f} "
                f"{cpu_ratio:>9.2f} {row.validate / row.tuned_par:>8.2f} "
                f"{row.full:>11.2f}" + (f"  ({row.errors} error findings)" if row.errors else "")
            )
        print(
            "\nseconds (wall); floor = bare `helm template` per chart with --jobs parallelism; "
            "tuned = the same\nwith validate's helm runtime settings; ratio = validate / floor; "
            "cpu ratio = CPU time incl.\nchildren; +kingfisher = validate with the kingfisher scan."
        )
        loaded = os.getloadavg()[0] > (os.cpu_count() or 1)
        print(
            f"\nworst ratio on generated platforms: wall {worst_wall:.2f}, "
            f"CPU {worst_cpu:.2f} (target <= 1.5)"
        )
        if loaded:
            print("machine busy (load > CPUs): wall ratios are noisy, judging by the CPU ratio")
        return 0 if (worst_cpu if loaded else max(worst_wall, worst_cpu)) <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
