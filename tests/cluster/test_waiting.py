"""Waiting for Synced+Healthy: per-wave grouping, stable success, timeout naming stuck apps."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from mgctl.cluster.kubectl import Kubectl
from mgctl.cluster.waiting import Waiter, WaitTimeout, app_status, by_wave

from .harness import with_status


def app(name: str, wave: int, situation: str) -> dict[str, Any]:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": "argocd",
            "annotations": {"argocd.argoproj.io/sync-wave": str(wave)},
        },
        "spec": {},
    }
    return with_status(doc, situation)


class Script:
    """kubectl runner answering `get applications` from a list of snapshots, one per poll."""

    def __init__(self, snapshots: list[list[dict[str, Any]]]) -> None:
        self.snapshots = snapshots
        self.polls = 0

    def __call__(self, argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        assert "applications.argoproj.io" in argv
        items = self.snapshots[min(self.polls, len(self.snapshots) - 1)]
        self.polls += 1
        return subprocess.CompletedProcess(list(argv), 0, json.dumps({"items": items}), "")


def waiter(script: Script, timeout: float = 60) -> tuple[Waiter, StringIO]:
    now = [0.0]
    out = StringIO()

    def sleep(seconds: float) -> None:
        now[0] += seconds

    return Waiter(
        Kubectl("kubectl", runner=script),
        timeout=timeout,
        interval=5,
        console=Console(file=out, width=200),
        clock=lambda: now[0],
        sleep=sleep,
    ), out


def test_waits_until_all_synced_twice() -> None:
    half = [app("cert-manager", -10, "synced"), app("velero", 10, "progressing")]
    done = [app("cert-manager", -10, "synced"), app("velero", 10, "synced")]
    script = Script([half, half, done, done])
    result = waiter(script)[0].wait()
    assert {a.name for a in result} == {"cert-manager", "velero"}
    assert script.polls == 4


def test_timeout_names_stuck_apps_with_conditions() -> None:
    apps = [
        app("cert-manager", -10, "synced"),
        app("velero", 10, "failed"),
        app("root", 0, "repo-auth"),
    ]
    w, out = waiter(Script([apps]), timeout=20)
    with pytest.raises(WaitTimeout) as err:
        w.wait()
    message = str(err.value)
    assert "velero (wave 10): sync OutOfSync, health Degraded" in message
    assert "SyncError: Failed sync attempt" in message
    assert "BackupStorageLocation/default" in message
    assert "ssh: unable to authenticate" in message
    assert "cert-manager" not in message
    assert "wave -10: 1/1" in out.getvalue()


def test_no_applications_is_not_success() -> None:
    w, _ = waiter(Script([[]]), timeout=10)
    with pytest.raises(WaitTimeout, match="no Applications exist yet"):
        w.wait()


def test_grouped_by_wave_in_order() -> None:
    statuses = [app_status(app(n, w, "synced")) for n, w in (("b", 5), ("a", -5), ("c", 5))]
    waves = by_wave(statuses)
    assert [(w.wave, [a.name for a in w.apps]) for w in waves] == [(-5, ["a"]), (5, ["b", "c"])]


def test_live_table_on_a_terminal() -> None:
    half = [app("cert-manager", -10, "synced"), app("velero", 10, "progressing")]
    done = [app("cert-manager", -10, "synced"), app("velero", 10, "synced")]
    now = [0.0]
    out = StringIO()
    console = Console(file=out, width=120, force_terminal=True)

    def sleep(seconds: float) -> None:
        now[0] += seconds

    w = Waiter(Kubectl("kubectl", runner=Script([half, done, done])), timeout=60, interval=5,
               console=console, clock=lambda: now[0], sleep=sleep)  # fmt: skip
    assert len(w.wait()) == 2
    text = out.getvalue()
    assert "Argo CD sync" in text  # the live table, left on screen with the final state
    assert "\x1b[?25l" in text  # rich Live hid the cursor: it really ran as a live display


def test_progress_table_names_what_each_wave_waits_on() -> None:
    from mgctl.cluster.waiting import progress_table

    apps = [app_status(app("cert-manager", -10, "synced")),
            app_status(app("velero", 10, "progressing")),
            app_status(app("loki", 10, "out-of-sync"))]  # fmt: skip
    out = StringIO()
    Console(file=out, width=200).print(progress_table(apps, 30, 1800))
    text = out.getvalue()
    assert "Argo CD sync: 30s of 1800s" in text
    assert "loki (OutOfSync/Missing), velero (Synced/Progressing)" in text
    assert "0/2" in text and "1/1" in text
