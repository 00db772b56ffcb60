"""Benchmark loading platform.yaml: the example (the baseline) against hostile documents that
must be refused fast and in little memory.

Measured in the same run, best of --repeat, wall time and the Python heap peak (tracemalloc):
- example:          examples/mg/platform.yaml, loaded and validated (the baseline);
- billion laughs:   the classic alias bomb, nine levels of nine aliases (10^9 nodes expanded);
- 10^12 laughs:     twelve levels of ten;
- deep nesting:     100,000 nested flow sequences;
- 1 MiB + 1 byte:   the size limit.
Target: each refusal well under a second and a few MiB (before issue 10 the bomb ran 81 s and
took 2.3 GB before a MemoryError).
Run: `.venv/bin/python bench/config_load_bench.py [--repeat 5]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from mgctl.config import ConfigError, load_platform
from mgctl.config.yaml_input import MAX_BYTES

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mg" / "platform.yaml"


def bomb(levels: int, width: int) -> bytes:
    lines = [f"l0: &l0 [{','.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * width)}]")
    return ("\n".join(lines) + "\n").encode()


def measure(path: Path, repeat: int) -> tuple[float, float, str]:
    best, peak, outcome = float("inf"), 0.0, ""
    for _ in range(repeat):
        tracemalloc.start()
        start = time.perf_counter()
        try:
            load_platform(path)
            outcome = "loaded"
        except ConfigError as exc:
            outcome = "refused: " + exc.issues[0].message[:60]
        elapsed = time.perf_counter() - start
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        best, peak = min(best, elapsed), max(peak, top / 2**20)
    return best, peak, outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = {"example (baseline)": EXAMPLE}
        documents = {
            "billion laughs": bomb(9, 9),
            "10^12 laughs": bomb(12, 10),
            "deep nesting": b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
            "1 MiB + 1 byte": EXAMPLE.read_bytes() + b"#" * MAX_BYTES,
        }
        for name, data in documents.items():
            path = Path(tmp) / f"{len(cases)}.yaml"
            path.write_bytes(data)
            cases[name] = path
        print(f"{'input':<20} {'ms':>8} {'peak MiB':>9}  outcome")
        for name, path in cases.items():
            seconds, peak, outcome = measure(path, args.repeat)
            print(f"{name:<20} {seconds * 1000:>8.1f} {peak:>9.2f}  {outcome}")


if __name__ == "__main__":
    main()
