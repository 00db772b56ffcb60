"""Wait until every Argo CD Application is Synced and Healthy, wave by wave, with a live view.

Applications are grouped by their `argocd.argoproj.io/sync-wave` annotation. The wait ends when
every Application that exists is Synced and Healthy on two polls in a row (children of an
app-of-apps appear while their parent syncs). On timeout the error names each stuck
Application with its sync/health state, conditions and last operation message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, RenderableType
from rich.live import Live
from rich.table import Table

from mgctl.cluster.kubectl import Kubectl, ResourceTypeMissing

APPLICATIONS = "applications.argoproj.io"
WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"


@dataclass(frozen=True)
class AppStatus:
    name: str
    namespace: str
    wave: int
    sync: str
    health: str
    problems: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.sync == "Synced" and self.health == "Healthy"


def app_status(app: dict[str, Any]) -> AppStatus:
    meta = app.get("metadata") or {}
    status = app.get("status") or {}
    try:
        wave = int(str((meta.get("annotations") or {}).get(WAVE_ANNOTATION, "0")))
    except ValueError:
        wave = 0
    problems: list[str] = []
    health = status.get("health") or {}
    if health.get("message"):
        problems.append(f"health: {health['message']}")
    for cond in status.get("conditions") or []:
        problems.append(f"{cond.get('type', 'Condition')}: {cond.get('message', '')}".strip())
    op = status.get("operationState") or {}
    if op.get("phase") in ("Failed", "Error") or (
        op.get("phase") == "Running" and op.get("message")
    ):
        problems.append(f"last sync {op.get('phase')}: {op.get('message', '')}".strip())
    for res in ((op.get("syncResult") or {}).get("resources")) or []:
        if res.get("status") in ("SyncFailed",) or res.get("hookPhase") in ("Failed", "Error"):
            problems.append(
                f"{res.get('kind')}/{res.get('name')}: {res.get('message', 'sync failed')}"
            )
    return AppStatus(
        name=str(meta.get("name")),
        namespace=str(meta.get("namespace", "")),
        wave=wave,
        sync=str((status.get("sync") or {}).get("status") or "Unknown"),
        health=str(health.get("status") or "Unknown"),
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class Wave:
    wave: int
    apps: tuple[AppStatus, ...]

    @property
    def ready(self) -> int:
        return sum(a.ready for a in self.apps)


def by_wave(apps: list[AppStatus]) -> list[Wave]:
    waves: dict[int, list[AppStatus]] = {}
    for app in apps:
        waves.setdefault(app.wave, []).append(app)
    return [Wave(w, tuple(sorted(a, key=lambda s: s.name))) for w, a in sorted(waves.items())]


def progress_table(apps: list[AppStatus], elapsed: float, timeout: float) -> Table:
    table = Table(title=f"Argo CD sync: {elapsed:.0f}s of {timeout:.0f}s", expand=False)
    for column in ("wave", "ready", "waiting on"):
        table.add_column(column)
    for wave in by_wave(apps):
        waiting = [f"{a.name} ({a.sync}/{a.health})" for a in wave.apps if not a.ready]
        style = "green" if not waiting else "yellow"
        table.add_row(
            str(wave.wave), f"[{style}]{wave.ready}/{len(wave.apps)}[/]", ", ".join(waiting) or "—"
        )
    return table


class WaitTimeout(RuntimeError):
    def __init__(self, stuck: list[AppStatus], timeout: float) -> None:
        self.stuck = stuck
        lines = [f"timed out after {timeout:.0f}s; Applications not Synced and Healthy:"]
        for app in stuck:
            lines.append(f"  - {app.name} (wave {app.wave}): sync {app.sync}, health {app.health}")
            lines += [f"      {p}" for p in app.problems]
        lines.append(
            "Fix: inspect with `kubectl -n argocd describe application NAME` or `mgctl doctor`; "
            "once fixed in git (or the cluster), re-run `mgctl bootstrap`: it resumes here."
        )
        if not stuck:
            lines[1:1] = ["  (no Applications exist yet: is the root Application applied?)"]
        super().__init__("\n".join(lines))


@dataclass
class Waiter:
    kubectl: Kubectl
    namespace: str = "argocd"
    timeout: float = 1800
    interval: float = 5
    console: Console = field(default_factory=Console)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def poll(self) -> list[AppStatus]:
        try:
            items = self.kubectl.get_list(APPLICATIONS, self.namespace)
        except ResourceTypeMissing:
            return []
        return [app_status(a) for a in items]

    def wait(self) -> list[AppStatus]:
        start = self.clock()
        ready_polls = 0
        apps: list[AppStatus] = []
        live: Live | None = None
        if self.console.is_terminal:
            live = Live(console=self.console, refresh_per_second=2, transient=False)
            live.start()
        last_line = ""
        try:
            while True:
                apps = self.poll()
                elapsed = self.clock() - start
                view: RenderableType = progress_table(apps, elapsed, self.timeout)
                if live is not None:
                    live.update(view)
                else:
                    line = "; ".join(
                        f"wave {w.wave}: {w.ready}/{len(w.apps)}" for w in by_wave(apps)
                    )
                    if line != last_line:
                        self.console.print(f"[{elapsed:4.0f}s] {line or 'no Applications yet'}")
                        last_line = line
                ready_polls = ready_polls + 1 if apps and all(a.ready for a in apps) else 0
                if ready_polls >= 2:
                    return apps
                if elapsed >= self.timeout:
                    raise WaitTimeout([a for a in apps if not a.ready], self.timeout)
                self.sleep(self.interval)
        finally:
            if live is not None:
                live.stop()
