"""Literal secrets in repository files: built-in patterns, plus the real `kingfisher` scanner.

The built-in patterns cover what this platform handles (PEM private keys, Doppler service
tokens, Tailscale keys, AWS keys). kingfisher (PyPI `kingfisher-bin`, ~500 rules) runs over the
same directories when it is installed; when it is not, a single note says so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from mgctl.manifests import Finding, Severity
from mgctl.tools.command import Command, CommandError

CHECK = "secret-literal"
KINGFISHER_CHECK = "kingfisher"
SCANNED_SUFFIXES = frozenset(
    [".yaml", ".yml", ".json", ".tpl", ".txt", ".md", ".sh", ".env", ".conf", ".toml", ".ini", ""]
)
MAX_FILE_BYTES = 5 * 1024 * 1024

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("Doppler token", re.compile(r"\bdp\.(?:st|sa|ct|pt|scim|audit)\.[A-Za-z0-9_.\-]{16,}")),
    ("Tailscale key", re.compile(r"\btskey-(?:[a-z]+-)?[A-Za-z0-9]{6,}-[A-Za-z0-9]{10,}")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b")),
    (
        "AWS secret access key",
        re.compile(r"(?i:aws_?secret_?access_?key)[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}\b"),
    ),
    ("GitHub token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
)


def repo_files(roots: Iterable[Path]) -> list[Path]:
    files = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if ".git" in path.parts or not path.is_file():
                continue
            if path.suffix.lower() in SCANNED_SUFFIXES and path.stat().st_size <= MAX_FILE_BYTES:
                files.append(path)
    return files


# The clean common case in one cheap pass per pattern: without its leading `\b` a pattern
# starts with a literal, which the regex engine skims for (~30x faster); it matches a superset,
# so a file it passes is clean, and only files it flags are checked line by line.
_PREFILTERS = tuple(re.compile(p.pattern.removeprefix(r"\b"), p.flags) for _, p in PATTERNS)


def scan_text(text: str, display: str) -> list[Finding]:
    findings: list[Finding] = []
    if not any(prefilter.search(text) for prefilter in _PREFILTERS):
        return findings
    for line_number, line in enumerate(text.splitlines(), start=1):
        for label, pattern in PATTERNS:
            if pattern.search(line):
                findings.append(
                    Finding(
                        check=CHECK,
                        file=display,
                        path=f"line {line_number}",
                        message=f"literal {label} in a Git repository: remove it, rotate it, "
                        "and deliver it through an ExternalSecret",
                    )
                )
    return findings


def scan_files(files: Iterable[Path], display: dict[Path, str]) -> list[Finding]:
    findings = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        findings += scan_text(text, display.get(path, str(path)))
    return findings


def kingfisher_binary() -> Path | None:
    override = os.environ.get("MGCTL_KINGFISHER")
    candidates = [Path(override)] if override else []
    candidates.append(Path(sys.prefix) / "bin" / "kingfisher")
    on_path = shutil.which("kingfisher")
    if on_path:
        candidates.append(Path(on_path))
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


def run_kingfisher(roots: Sequence[Path], display_root: Path, binary: Path | None) -> list[Finding]:
    """kingfisher findings over `roots` (binary from `kingfisher_binary()`); a warning finding
    when it is not installed (binary None) or fails."""
    if binary is None:
        return [
            Finding(
                check=KINGFISHER_CHECK,
                severity=Severity.WARNING,
                file=str(display_root),
                message="kingfisher not installed, secret scan limited to built-in patterns. "
                "Fix: pip install kingfisher-bin",
            )
        ]
    argv = [str(binary), "--no-update-check", "scan", *map(str, roots), "--format", "json"]
    argv += ["--no-validate", "--git-history", "none", "--redact", "--quiet", "--jobs", "1"]
    try:
        proc = Command(argv, timeout=300).run(check=False)
    except CommandError as exc:
        return [_kingfisher_failed(display_root, str(exc))]
    if proc.returncode not in (0, 200):  # 200 = findings reported
        return [_kingfisher_failed(display_root, proc.stderr.strip()[-500:])]
    return parse_kingfisher(proc.stdout, display_root)


def _kingfisher_failed(display_root: Path, detail: str) -> Finding:
    return Finding(
        check=KINGFISHER_CHECK,
        severity=Severity.WARNING,
        file=str(display_root),
        message=f"kingfisher scan failed: {detail}",
    )


def parse_kingfisher(stdout: str, display_root: Path) -> list[Finding]:
    """Findings from kingfisher's JSON report (the first JSON document of stdout)."""
    text = stdout.strip()
    if not text:
        return []
    report, _ = json.JSONDecoder().raw_decode(text)
    findings = []
    for item in report.get("findings") or []:
        rule = item.get("rule") or {}
        hit = item.get("finding") or {}
        path = Path(str(hit.get("path", "")))
        try:
            display = str(path.resolve().relative_to(display_root.resolve()))
        except ValueError:
            display = str(path)
        findings.append(
            Finding(
                check=KINGFISHER_CHECK,
                file=display,
                path=f"line {hit.get('line')}",
                message=f"{rule.get('name', 'secret')} ({rule.get('id', '?')}, confidence "
                f"{hit.get('confidence', '?')}): remove and rotate it; deliver secrets via "
                "ExternalSecret",
            )
        )
    return findings


def merge_secret_findings(own: list[Finding], scanner: list[Finding]) -> list[Finding]:
    """Own findings plus scanner findings on lines the own patterns did not already report."""
    seen = {(f.file, f.path) for f in own}
    return own + [f for f in scanner if (f.file, f.path) not in seen]
