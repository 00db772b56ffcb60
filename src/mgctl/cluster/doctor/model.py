"""Doctor rows and the helpers every resource family shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mgctl.config import Platform
from mgctl.config.units import parse_duration

Status = Literal["ok", "warn", "fail"]
DEFAULT_RPO = 3600


@dataclass(frozen=True)
class Row:
    area: str
    name: str
    status: Status
    detail: str
    next_step: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"area": self.area, "name": self.name, "status": self.status,
                "detail": self.detail, "next": self.next_step}  # fmt: skip


@dataclass
class Context:
    """What checks may consult besides the objects: the config (optional) and the time."""

    platform: Platform | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def disabled(self, component: str) -> bool:
        """platform.yaml switches the component off (components.<name>.enabled: false)."""
        return self.platform is not None and not self.platform.component_enabled(component)

    @property
    def rpo_seconds(self) -> int:
        if self.platform is None:
            return DEFAULT_RPO
        return parse_duration(self.platform.backups.rpo)


Objects = dict[str, list[dict[str, Any]]]  # resource name -> items (absent key: type missing)


def name_of(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{ns}/{meta.get('name')}" if ns else str(meta.get("name"))


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return dict(cond)
    return None


def cond_text(cond: dict[str, Any] | None) -> str:
    if cond is None:
        return "no condition reported yet"
    parts = [str(cond.get("reason") or ""), str(cond.get("message") or "")]
    return ": ".join(p for p in parts if p) or f"status {cond.get('status')}"


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def age(seconds: float) -> str:
    """Human-sized duration: 45s, 57m, 1h, 7h30m, 4d."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 172800:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    return f"{seconds // 86400}d"


def missing_type(area: str, resource: str, expected: bool, component: str) -> Row:
    """The resource type is not served: its CRD (and so its operator) is not installed."""
    return Row(
        area, resource, "fail" if expected else "warn",
        f"resource type {resource} is not installed",
        f"Argo CD has not synced {component} yet: check the {component} Application "
        "(`mgctl doctor` Applications rows, `kubectl -n argocd get applications`)",
    )  # fmt: skip


def disabled_row(area: str, component: str) -> Row:
    return Row(
        area, component, "ok",
        f"not installed: platform.yaml sets components.{component}.enabled: false",
    )  # fmt: skip
