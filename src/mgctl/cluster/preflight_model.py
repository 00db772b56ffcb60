"""A preflight check result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def failed(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.status == "fail"]
