"""Kubernetes quantities and retention durations, parsed once so every check compares numbers."""

from __future__ import annotations

import re

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}
_DECIMAL = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$")
_CPU = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m)?$")
_DURATION = re.compile(r"^([0-9]+)([smhdw])$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

GIB = 2**30


def parse_bytes(value: str) -> int:
    """'10Gi' -> 10737418240. Raises ValueError with the accepted forms."""
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise ValueError(
            f"{value!r} is not a size; use a Kubernetes quantity such as 512Mi or 10Gi"
        )
    number, unit = match.groups()
    factor = _BINARY.get(unit or "", 0) or _DECIMAL[unit or ""]
    return int(float(number) * factor)


def parse_cpu(value: str | int | float) -> float:
    """'500m' -> 0.5 cores."""
    match = _CPU.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a CPU amount; use cores (2, 0.5) or millicores (500m)")
    number, milli = match.groups()
    return float(number) / 1000 if milli else float(number)


def parse_duration(value: str) -> int:
    """'30d' -> seconds. Accepts s, m, h, d, w (the forms Loki, Prometheus and CNPG share)."""
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError(
            f"{value!r} is not a duration; use a number with s, m, h, d or w (e.g. 30d)"
        )
    return int(match.group(1)) * _DURATION_SECONDS[match.group(2)]


def format_gib(n_bytes: float) -> str:
    return f"{n_bytes / GIB:,.0f} GiB"
