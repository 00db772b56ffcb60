"""Conformance of mgctl's Pod Security checker with the Kubernetes project's own fixtures.

k8s.io/pod-security-admission ships test/testdata/{baseline,restricted}/v1.N/{pass,fail}/*.yaml:
for every level and policy version, pods the policy must admit (pass) and pods it must refuse
(fail). This runs `mgctl.validate.pss.check_manifest` on each at its level and version: a pass
fixture must give no finding, a fail fixture at least one. The newest version directory is also
run as "latest". A pass fixture with findings is a false fail; a fail fixture without any, a
false pass.

The fixtures are read straight from a bare git clone of the library (one `git cat-file --batch`),
never copied into this repository. Get one with
`git clone --bare https://github.com/kubernetes/pod-security-admission` (or the `fetch` tool).
Run: `.venv/bin/python bench/pss_conformance.py [--repo DIR] [--rev HEAD] [-v]`.
Exit 1 when the targets are missed: a disagreement at the newest policy, or a false pass at any
version.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from mgctl.manifests import parse_manifests
from mgctl.tools.command import Command
from mgctl.validate import pss

DEFAULT_REPO = Path("/work/.mirror/kubernetes+pod-security-admission/repo")
FIXTURE = re.compile(r"test/testdata/(baseline|restricted)/v1\.(\d+)/(pass|fail)/[^/]+\.yaml")


@dataclass(frozen=True)
class Fixture:
    path: str
    level: pss.Level
    minor: int
    expect_pass: bool
    text: str


@dataclass(frozen=True)
class Outcome:
    fixture: Fixture
    version: str  # as passed to the checker
    findings: int

    @property
    def false_pass(self) -> bool:
        return not self.fixture.expect_pass and self.findings == 0

    @property
    def false_fail(self) -> bool:
        return self.fixture.expect_pass and self.findings > 0


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    return Command(["git", "-C", str(repo), *args]).run(stdin=stdin).stdout


def read_fixtures(repo: Path, rev: str) -> list[Fixture]:
    listing = git(repo, "ls-tree", "-r", rev, "test/testdata")
    entries: list[tuple[str, str]] = []  # (blob, path)
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        if FIXTURE.fullmatch(path):
            entries.append((meta.split()[2], path))
    if not entries:
        raise SystemExit(f"{repo} at {rev}: no test/testdata/<level>/v1.N/<pass|fail> fixtures")
    raw = git(repo, "cat-file", "--batch", stdin="".join(f"{b}\n" for b, _ in entries)).encode()
    fixtures: list[Fixture] = []
    offset = 0
    for _, path in entries:  # cat-file answers in request order: "<oid> blob <size>\n<data>\n"
        header_end = raw.index(b"\n", offset)
        size = int(raw[offset:header_end].split()[2])
        data = raw[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        match = FIXTURE.fullmatch(path)
        assert match is not None
        level, minor, outcome = match.groups()
        fixtures.append(
            Fixture(path, pss.Level(level), int(minor), outcome == "pass", data.decode())
        )
    return fixtures


def evaluate(fixture: Fixture, version: str) -> Outcome:
    manifests, problems = parse_manifests(fixture.text, fixture.path)
    if problems or len(manifests) != 1:
        raise SystemExit(f"{fixture.path}: not one Kubernetes object: {problems}")
    findings = pss.check_manifest(manifests[0], fixture.level, version)
    return Outcome(fixture, version, len(findings))


def summary(outcomes: list[Outcome]) -> str:
    agree = sum(1 for o in outcomes if not (o.false_pass or o.false_fail))
    false_passes = sum(1 for o in outcomes if o.false_pass)
    false_fails = sum(1 for o in outcomes if o.false_fail)
    return (
        f"agrees on {agree} of {len(outcomes)}, {false_passes} false passes, "
        f"{false_fails} false fails"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO, help="bare git clone")
    parser.add_argument("--rev", default="HEAD", help="commit of the library to read")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    if not (args.repo / "HEAD").is_file() and not (args.repo / ".git").exists():
        raise SystemExit(
            f"{args.repo}: not a git repository; clone one with "
            "`git clone --bare https://github.com/kubernetes/pod-security-admission`"
        )
    commit = git(args.repo, "rev-parse", args.rev).strip()
    fixtures = read_fixtures(args.repo, commit)
    newest_dir = max(f.minor for f in fixtures)
    print(
        f"k8s.io/pod-security-admission {commit[:12]}: {len(fixtures)} fixtures, "
        f"v1.0-v1.{newest_dir}"
    )
    print(f"mgctl policy tables: newest policy {pss.newest_version()}")
    if f"v1.{newest_dir}" != pss.newest_version():
        print(f"  note: fixtures go to v1.{newest_dir}, mgctl's tables to {pss.newest_version()}")

    every = [evaluate(f, f"v1.{f.minor}") for f in fixtures]
    latest = [evaluate(f, pss.LATEST) for f in fixtures if f.minor == newest_dir]

    by_version: dict[int, list[Outcome]] = {}
    for outcome in every:
        by_version.setdefault(outcome.fixture.minor, []).append(outcome)
    for minor in sorted(by_version):
        rows = by_version[minor]
        levels = Counter(o.fixture.level.value for o in rows if o.false_pass or o.false_fail)
        where = f"  (disagreements: {dict(levels)})" if levels else ""
        print(f"  v1.{minor:<3} {summary(rows)}{where}")

    wrong = [o for o in every + latest if o.false_pass or o.false_fail]
    if args.verbose or len(wrong) <= 40:
        for o in wrong:
            kind = "false pass" if o.false_pass else f"false fail ({o.findings} findings)"
            print(f"    {o.fixture.path} at {o.version}: {kind}")

    print(f"newest policy (v1.{newest_dir} fixtures as `latest`): {summary(latest)}")
    print(f"all versions (v1.0-v1.{newest_dir}, each at its own version): {summary(every)}")
    missed = any(o.false_pass or o.false_fail for o in latest) or any(o.false_pass for o in every)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
