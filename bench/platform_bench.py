"""Benchmark `mgctl validate` of the whole example platform against its floor.

The example (18 upstream charts from ../shared/charts plus the service charts) is rendered once;
then, each figure in a fresh process (so its memory is its own), interleaved over --repeat
rounds, best of the rounds:
- floor:   the bare `helm template` runs the platform needs (the exact requests validate makes:
           same charts, values, release, namespace, --kube-version, --api-versions,
           --include-crds), `--jobs` at a time, nothing else;
- cold:    `validate_tree` with empty caches (render cache and converted CRD schemas);
- warm:    `validate_tree` after one service's values changed, caches from a cold run: only
           that service is rendered again;
- first run: cold, and the converted CRD schemas not cached either (a new machine, or new
           chart versions);
- +kingfisher: cold with the kingfisher secret scan, as the CLI runs by default;
- diff:    `mgctl diff` of the example and the changed tree, caches from a cold run (a PR).
Targets: cold <= 1.5 x floor; warm <= 0.2 x cold. Memory: peak RSS of the Python process and of
its largest child (helm).
Run: `.venv/bin/python bench/platform_bench.py [--repeat 3] [--jobs 2]`.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import yaml

from mgctl.argocd.render_cache import RenderCache
from mgctl.argocd.view import load_view
from mgctl.charts.cache import ChartCache
from mgctl.config import Platform, load_platform
from mgctl.diff.compare import compare
from mgctl.render.platform_render import render_to
from mgctl.tools import helm
from mgctl.validate.run import validate_tree

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"
CHARTS = ROOT.parent / "shared" / "charts"


def _record(tree: Path, requests: Path) -> int:
    """The helm template requests one validation makes (recorded, not re-derived)."""
    seen: list[Any] = []
    real = helm.run_template

    def record(request: Any) -> str:
        seen.append(request)
        return real(request)

    with mock.patch.object(helm, "run_template", record):
        load_view(
            tree / "mg-infrastructure",
            tree / "mg-deploy",
            charts=ChartCache(CHARTS),
            kubernetes_version="1.35",
        )
    requests.write_bytes(pickle.dumps(seen))
    return len(seen)


def _floor(requests: Path, jobs: int) -> None:
    loaded = pickle.loads(requests.read_bytes())
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(helm.run_template, loaded))


def _validate(tree: Path, platform: Platform, cache: Path, jobs: int, kingfisher: bool) -> int:
    report = validate_tree(
        tree,
        platform,
        jobs=jobs,
        use_kingfisher=kingfisher,
        charts=ChartCache(CHARTS),
        render_cache=RenderCache(cache),
    )
    return len(report.errors)


def _diff(base: Path, head: Path, cache: Path, jobs: int) -> int:
    views = [
        load_view(
            side / "mg-infrastructure",
            side / "mg-deploy",
            charts=ChartCache(CHARTS),
            kubernetes_version="1.35",
            jobs=jobs,
            cache=RenderCache(cache),
        )
        for side in (base, head)
    ]
    return len(compare(*views).applications)


def child(args: argparse.Namespace) -> None:
    """One measured figure; prints a JSON line. Timed from after the imports and the loading
    of platform.yaml (the floor's helm calls are timed the same way: the work only)."""
    platform = load_platform(EXAMPLE)
    started = time.perf_counter()
    result: Any = None
    if args.figure == "floor":
        _floor(Path(args.requests), args.jobs)
    elif args.figure == "diff":
        result = _diff(Path(args.tree), Path(args.head), Path(args.cache), args.jobs)
    else:
        result = _validate(
            Path(args.tree), platform, Path(args.cache), args.jobs, args.figure == "full"
        )
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
                "rss_mb": own.ru_maxrss / 1024,
                "child_rss_mb": kids.ru_maxrss / 1024,
                "errors": result,
            }
        )
    )


def run(figure: str, env: dict[str, str], **options: str | int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", figure]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def change_one_service(tree: Path) -> None:
    values = tree / "mg-deploy" / "services" / "engine" / "values.yaml"
    data = yaml.safe_load(values.read_text())
    data["replicaCount"] = int(data["replicaCount"]) + 1
    values.write_text(yaml.safe_dump(data, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--tree")
    parser.add_argument("--cache")
    parser.add_argument("--requests")
    parser.add_argument("--head")
    args = parser.parse_args()
    if args.child:
        args.figure = args.child
        child(args)
        return 0
    with tempfile.TemporaryDirectory(prefix="mgctl-platform-bench-") as tmp_name:
        tmp = Path(tmp_name)
        tree = tmp / "tree"
        render_to(load_platform(EXAMPLE), tree)
        requests = tmp / "requests.pickle"
        count = _record(tree, requests)
        changed = tmp / "changed"
        shutil.copytree(tree, changed)
        change_one_service(changed)
        best: dict[str, dict[str, Any]] = {}
        schemas = tmp / "xdg-schemas"  # converted CRD schemas, kept from round to round
        for round_ in range(args.repeat):
            first_home = tmp / f"first-{round_}"  # nothing cached at all
            renders = tmp / f"renders-{round_}"  # an empty render cache per round
            env = {**os.environ, "XDG_CACHE_HOME": str(schemas)}
            first_env = {**os.environ, "XDG_CACHE_HOME": str(first_home)}
            figures = {
                "floor": run("floor", env, requests=requests, jobs=args.jobs),
                "first": run(
                    "first", first_env, tree=tree, cache=first_home / "renders", jobs=args.jobs
                ),
                "cold": run("cold", env, tree=tree, cache=renders, jobs=args.jobs),
                # the cold run filled the render cache; now one service changed
                "warm": run("warm", env, tree=changed, cache=renders, jobs=args.jobs),
                "diff": run("diff", env, tree=tree, head=changed, cache=renders, jobs=args.jobs),
                "full": run("full", env, tree=tree, cache=tmp / f"k-{round_}", jobs=args.jobs),
            }
            for name, figure in figures.items():
                if name not in best or figure["wall"] < best[name]["wall"]:
                    best[name] = figure
        floor, cold, warm = (best[k] for k in ("floor", "cold", "warm"))
        print(
            f"example platform: {count} helm renders; jobs {args.jobs}; best of {args.repeat}; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n"
        )
        print(f"{'figure':<12} {'wall s':>7} {'cpu s':>7} {'py RSS MB':>9} {'helm RSS MB':>11}")
        shown = (
            ("floor", "floor"),
            ("first run", "first"),
            ("cold", "cold"),
            ("warm", "warm"),
            ("+kingfisher", "full"),
            ("diff (PR)", "diff"),
        )
        for name, key in shown:
            figure = best[key]
            print(
                f"{name:<12} {figure['wall']:>7.2f} {figure['cpu']:>7.2f} "
                f"{figure['rss_mb']:>9.0f} {figure['child_rss_mb']:>11.0f}"
            )
        cold_ratio, warm_ratio = cold["wall"] / floor["wall"], warm["wall"] / cold["wall"]
        print(
            f"\ncold / floor = {cold_ratio:.2f} (target <= 1.5); "
            f"warm / cold = {warm_ratio:.2f} (target <= 0.20); "
            f"error findings: cold {cold['errors']}, warm {warm['errors']}; "
            f"diff: {best['diff']['errors']} Application(s) changed"
        )
        return 0 if cold_ratio <= 1.5 and warm_ratio <= 0.2 else 1


if __name__ == "__main__":
    sys.exit(main())
