"""Idempotency and resume: bootstrap run against recorded cluster states at every step boundary.

The real kubectl and helm read the fake API server; state comes only from the cluster, so a
run started at any boundary skips exactly the steps already done and applies the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from mgctl.cluster.bootstrap import Tools, build_steps
from mgctl.cluster.rendered import RenderedInfra
from mgctl.cluster.secrets import SecretResolver
from mgctl.cluster.steps import Bootstrapper, Step
from mgctl.cluster.waiting import Waiter
from mgctl.config import Platform

from .fakeapi import FakeCluster
from .harness import BOUNDARIES, States, fake_cluster, stdin_docs

STEP_KEYS = ["namespaces", "crds", "secrets", "argocd", "root-app", "wait"]
DONE_AT = {
    "empty": 0,
    "namespaces": 1,
    "crds": 2,
    "secrets": 3,
    "argocd": 4,
    "root": 5,
    "half-synced": 5,
    "synced": 6,
}
TOKENS = {
    "MGCTL_DOPPLER_TOKEN_DEVELOPMENT": "dp.st.dev.Zk3q9TestTokenDevelopment000",
    "MGCTL_DOPPLER_TOKEN_STAGING": "dp.st.stg.Zk3q9TestTokenStaging00000000",
    "MGCTL_DOPPLER_TOKEN_PRODUCTION": "dp.st.prd.Zk3q9TestTokenProduction00000",
}


class ArgoClock:
    """Fake time for the waiter; each sleep lets "Argo CD" make progress on the cluster."""

    def __init__(self, cluster: FakeCluster, states: States) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.cluster = cluster
        self.states = states

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps += 1
        self.states.argo_progress(self.cluster, "half" if self.sleeps == 1 else "all")


def make_steps(
    platform: Platform,
    rendered: RenderedInfra,
    tools: Tools,
    cluster: FakeCluster,
    states: States,
    say: Callable[[str], None],
    environ: dict[str, str] | None = None,
) -> list[Step]:
    argo = ArgoClock(cluster, states)
    resolver = SecretResolver(
        environ=environ if environ is not None else dict(TOKENS), interactive=False, say=say
    )
    waiter = Waiter(
        tools.kubectl,
        timeout=600,
        interval=5,
        console=Console(file=None, quiet=True),
        clock=argo.clock,
        sleep=argo.sleep,
    )
    steps: list[Step] = build_steps(platform, rendered, tools, resolver, waiter)
    return steps


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_resumes_from_cluster_state(
    boundary: str, tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    said: list[str] = []
    with fake_cluster(tmp_path, states, boundary) as (cluster, tools, runner):
        steps = make_steps(platform, rendered, tools, cluster, states, said.append)
        outcomes = Bootstrapper(steps, say=said.append).run()
        done = DONE_AT[boundary]
        assert [o.key for o in outcomes] == STEP_KEYS
        assert [o.action for o in outcomes] == ["already done"] * done + ["applied"] * (6 - done)

        applied = [
            (doc["kind"], doc["metadata"]["name"])
            for c in runner.mutations()
            if "apply" in c.argv
            for doc in stdin_docs(c.stdin)
        ]
        kinds = {kind for kind, _ in applied}
        helm_installs = [c for c in runner.mutations() if "upgrade" in c.argv]
        assert ("Namespace" in kinds) == (done < 1)
        assert ("CustomResourceDefinition" in kinds) == (done < 2)
        assert ("Secret" in kinds) == (done < 3)
        assert len(helm_installs) == (1 if done < 4 else 0)
        assert (("Application", "root") in applied) == (done < 5)
        if boundary == "synced":
            assert runner.mutations() == []
            assert cluster.mutating_requests() == []

        # afterwards every step reads as done, and a second run changes nothing
        assert all(obs.done for obs in Bootstrapper(steps).observe_all().values())
        before = len(cluster.mutating_requests())
        calls = len(runner.mutations())
        again = Bootstrapper(steps, say=said.append).run()
        assert [o.action for o in again] == ["already done"] * 6
        assert len(cluster.mutating_requests()) == before
        assert len(runner.mutations()) == calls


def test_crds_are_server_side_applied_and_established(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    with fake_cluster(tmp_path, states, "namespaces") as (cluster, tools, _runner):
        steps = make_steps(platform, rendered, tools, cluster, states, lambda _: None)
        crd_step = steps[1]
        crd_step.apply(lambda _: None)
        patches = [r for r in cluster.requests if r.method == "PATCH"]
        assert {r.path.rsplit("/", 1)[-1] for r in patches} == {c.name for c in rendered.crds}
        for request in patches:
            assert request.content_type == "application/apply-patch+yaml"
            assert request.query["fieldManager"] == ["mgctl"]
            assert request.query["force"] == ["true"]
        appset = next(r for r in patches if r.path.endswith("applicationsets.argoproj.io"))
        assert len(appset.body) > 262144  # too big for client-side apply's annotation
        assert crd_step.observe().done


def test_crds_not_established_fail_with_conditions(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    from mgctl.cluster.steps import StepFailed
    from mgctl.cluster.steps_kube import CrdsStep

    with fake_cluster(tmp_path, states, "namespaces") as (cluster, tools, _):
        cluster.establish_crds = False
        now = [0.0]

        def sleep(seconds: float) -> None:
            now[0] += seconds

        step = CrdsStep(
            tools.kubectl, rendered.crds[:1], timeout=10, clock=lambda: now[0], sleep=sleep
        )
        with pytest.raises(StepFailed, match="not Established") as err:
            step.apply(lambda _: None)
        assert rendered.crds[0].name in str(err.value)
        assert "re-run `mgctl bootstrap`" in str(err.value)


def test_changed_values_reinstall_argocd(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    """A helm release with other values than the rendered file is not 'done'."""
    from .harness import release_secret

    with fake_cluster(tmp_path, states, "secrets") as (cluster, tools, _runner):
        cluster.add(release_secret(rendered.argocd, {"dex": {"enabled": True}}))
        steps = make_steps(platform, rendered, tools, cluster, states, lambda _: None)
        observation = steps[3].observe()
        assert not observation.done
        assert "values differ" in observation.detail


def test_pss_label_drift_is_reapplied(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    with fake_cluster(tmp_path, states, "namespaces") as (cluster, tools, _runner):
        ns = cluster.get("", "namespaces", "kafka")
        assert ns is not None
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "privileged"
        step = make_steps(platform, rendered, tools, cluster, states, lambda _: None)[0]
        assert "PSS labels differ: kafka" in step.observe().detail
        step.apply(lambda _: None)
        assert step.observe().done


def test_interrupted_helm_install_names_the_fix(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    from mgctl.cluster.steps import StepFailed

    from .harness import release_secret

    with fake_cluster(tmp_path, states, "secrets") as (cluster, tools, runner):
        values = yaml.safe_load(rendered.argocd.values_file.read_text())
        cluster.add(release_secret(rendered.argocd, values, status="pending-install"))
        steps = make_steps(platform, rendered, tools, cluster, states, lambda _: None)
        assert steps[3].observe().detail == "release argocd is pending-install"
        with pytest.raises(StepFailed, match="helm -n argocd uninstall argocd"):
            Bootstrapper(steps).run()
        assert not [c for c in runner.calls if "upgrade" in c.argv]


def test_partially_created_secrets_only_missing_are_applied(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    """An interrupted secrets step: one token Secret exists; its value is not asked for again."""
    with fake_cluster(tmp_path, states, "crds") as (cluster, tools, runner):
        cluster.add(
            States.fake_secret("doppler-token-production", "external-secrets", ["dopplerToken"], {})
        )
        environ = {k: v for k, v in TOKENS.items() if not k.endswith("PRODUCTION")}
        steps = make_steps(
            platform, rendered, tools, cluster, states, lambda _: None, environ=environ
        )
        Bootstrapper([steps[2]]).run()
        applied = [d["metadata"]["name"] for c in runner.mutations() for d in stdin_docs(c.stdin)]
        assert sorted(applied) == [
            "doppler-token-development",
            "doppler-token-staging",
            "repo-deploy",
            "repo-infrastructure",
        ]


def test_failed_first_install_names_the_fix(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    """helm refuses `upgrade --install` over a failed first install; bootstrap says what to do."""
    import subprocess

    from mgctl.cluster.steps import StepFailed

    from .harness import release_secret

    with fake_cluster(tmp_path, states, "secrets") as (cluster, tools, runner):
        values = yaml.safe_load(rendered.argocd.values_file.read_text())
        cluster.add(release_secret(rendered.argocd, values, status="failed"))
        runner.on_helm_install = lambda argv: subprocess.CompletedProcess(
            argv, 1, "", 'Error: UPGRADE FAILED: "argocd" has no deployed releases'
        )
        steps = make_steps(platform, rendered, tools, cluster, states, lambda _: None)
        assert steps[3].observe().detail == "release argocd is failed"
        with pytest.raises(StepFailed, match="helm -n argocd uninstall argocd"):
            Bootstrapper(steps).run()
        assert len([c for c in runner.calls if "upgrade" in c.argv]) == 1
