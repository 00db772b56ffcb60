"""Secret handling: values reach the cluster only on kubectl's stdin; never argv, files, output."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pytest

from mgctl.cluster.deploy_keys import DeployKeyTarget, generate_deploy_key, public_key_of, targets
from mgctl.cluster.kubectl import Kubectl, KubectlError
from mgctl.cluster.rendered import RenderedInfra
from mgctl.cluster.secrets import (
    SecretInputError,
    SecretResolver,
    SecretValue,
    bootstrap_secrets,
    repository_secret,
)
from mgctl.cluster.steps import Bootstrapper
from mgctl.config import Platform
from mgctl.config.project import EnvironmentName

from .harness import States, fake_cluster, stdin_docs
from .test_resume import TOKENS, make_steps

DOPPLER = SecretValue("dopplerToken", "MGCTL_DOPPLER_TOKEN_PRODUCTION", "Doppler token")


def _files_containing(root: Path, needles: Sequence[str]) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(n.encode() in data for n in needles):
                hits.append(path)
    return hits


REPOSITORIES = {
    "repo-deploy": ("git@github.com:mshykhov/mg-deploy.git", "mg-deploy"),
    "repo-infrastructure": ("git@github.com:mshykhov/mg-infrastructure.git", "mg-infrastructure"),
}


def test_values_only_on_stdin_and_never_printed(
    tmp_path: Path,
    platform: Platform,
    rendered: RenderedInfra,
    states: States,
    capsys: pytest.CaptureFixture[str],
) -> None:
    said: list[str] = []
    with fake_cluster(tmp_path, states, "crds") as (cluster, tools, runner):
        steps = make_steps(platform, rendered, tools, cluster, states, said.append)
        secrets_step = steps[2]
        Bootstrapper([secrets_step], say=said.append).run()

        # one repository Secret per repository, each with its own generated key
        privates, publics = [], []
        for name, (url, _) in REPOSITORIES.items():
            repo = cluster.get("", "secrets", name, "argocd")
            assert repo is not None, name
            assert repo["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repository"
            data = {k: base64.b64decode(v).decode() for k, v in repo["data"].items()}
            assert sorted(data) == ["sshPrivateKey", "type", "url"]
            assert data["url"] == url and data["type"] == "git"
            assert data["sshPrivateKey"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
            public = public_key_of(data["sshPrivateKey"])
            assert public is not None and public.startswith("ssh-ed25519 ")
            privates.append(data["sshPrivateKey"])
            publics.append(public)
        assert len(set(publics)) == 2  # GitHub refuses one key on two repositories
        types = [
            (d["metadata"].get("labels") or {}).get("argocd.argoproj.io/secret-type")
            for d in cluster.of_kind("", "secrets")
        ]
        assert types.count("repository") == 2 and "repo-creds" not in types

        values = [*TOKENS.values()]
        for private in privates:
            values += [private, *private.splitlines()[1:-1]]
        values += [base64.b64encode(v.encode()).decode() for v in TOKENS.values()]
        # argv of every process started (what `ps` shows) carries no value
        for call in runner.calls:
            joined = " ".join(call.argv)
            assert not any(v in joined for v in values), call.argv
        # each value went on stdin, inside a Secret manifest, to the API server
        secret_stdin = [
            d for c in runner.calls for d in stdin_docs(c.stdin) if d.get("kind") == "Secret"
        ]
        sent = {
            d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d["data"].items()}
            for d in secret_stdin
        }
        for env_name, token in TOKENS.items():
            env = cast(EnvironmentName, env_name.removeprefix("MGCTL_DOPPLER_TOKEN_").lower())
            name = platform.project.environments[env].token_secret
            assert sent[name] == {"dopplerToken": token}
            stored = cluster.get("", "secrets", name, "external-secrets")
            assert stored is not None
            assert base64.b64decode(stored["data"]["dopplerToken"]).decode() == token
        # output: each public key printed with its repository and its access, no value
        output = "\n".join(said) + capsys.readouterr().out
        for public, (url, repository) in zip(publics, REPOSITORIES.values(), strict=True):
            block = next(text for text in said if public.split()[1] in text)
            assert f"deploy key for {repository} ({url})" in block
            assert f"https://github.com/mshykhov/{repository}/settings/keys/new" in block
            access = "TICK IT" if repository == "mg-deploy" else "leave it unticked"
            assert f"Allow write access: {access}" in block, block
        assert not any(v in output for v in values)
        # disk: nothing under the test's HOME, caches or tmp holds a value
        assert _files_containing(tmp_path, values) == []


def test_rerun_keeps_both_keys_and_sends_nothing(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    """Idempotent: after a run, another one finds both repository Secrets complete (keys,
    label, URL) and neither generates a key nor applies anything."""
    said: list[str] = []
    with fake_cluster(tmp_path, states, "crds") as (cluster, tools, runner):
        steps = make_steps(platform, rendered, tools, cluster, states, said.append)
        Bootstrapper([steps[2]], say=said.append).run()
        stored = {n: cluster.get("", "secrets", n, "argocd") for n in REPOSITORIES}
        before = len(runner.mutations())
        said.clear()
        again = make_steps(platform, rendered, tools, cluster, states, said.append)
        outcome = Bootstrapper([again[2]], say=said.append).run()
        assert outcome[0].action == "already done"
        assert len(runner.mutations()) == before
        assert not [t for t in said if "Generated a deploy key" in t]
        assert {n: cluster.get("", "secrets", n, "argocd") for n in REPOSITORIES} == stored


def test_a_moved_repository_gets_a_new_secret(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    """The URL is compared too (it is not secret): a repository moved in platform.yaml is a
    Secret to re-create, with a new key for the new repository."""
    with fake_cluster(tmp_path, states, "secrets") as (cluster, tools, _):
        live = cluster.get("", "secrets", "repo-infrastructure", "argocd")
        assert live is not None
        live["data"]["url"] = base64.b64encode(b"git@github.com:old-org/infra.git").decode()
        steps = make_steps(platform, rendered, tools, cluster, states, lambda _: None)
        observed = steps[2].observe()
        assert not observed.done
        assert "argocd/repo-infrastructure: url is 'git@github.com:old-org/infra.git'" in (
            observed.detail
        )
        assert "repo-deploy" not in observed.detail


def test_present_secret_is_not_asked_for_again(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    with fake_cluster(tmp_path, states, "secrets") as (cluster, tools, runner):
        steps = make_steps(platform, rendered, tools, cluster, states, lambda _: None, environ={})
        outcome = Bootstrapper([steps[2]]).run()
        assert outcome[0].action == "already done"
        assert runner.mutations() == []


def test_missing_value_with_yes_names_the_variables(
    tmp_path: Path, platform: Platform, rendered: RenderedInfra, states: States
) -> None:
    resolver = SecretResolver(environ={}, interactive=True, assume_yes=True)
    with pytest.raises(SecretInputError) as err:
        resolver.value(DOPPLER)
    assert "MGCTL_DOPPLER_TOKEN_PRODUCTION" in str(err.value)
    assert "MGCTL_DOPPLER_TOKEN_PRODUCTION_FILE" in str(err.value)
    assert "--yes" in str(err.value)


def test_no_tty_no_prompt() -> None:
    asked: list[str] = []

    def prompt(p: str) -> str:
        asked.append(p)
        return ""

    resolver = SecretResolver(environ={}, interactive=False, prompt=prompt)
    with pytest.raises(SecretInputError, match="no terminal"):
        resolver.value(DOPPLER)
    assert asked == []


def test_tty_prompt_hides_input() -> None:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return "dp.st.prd.typed-at-the-prompt\n"

    resolver = SecretResolver(environ={}, interactive=True, prompt=prompt)
    assert resolver.value(DOPPLER) == "dp.st.prd.typed-at-the-prompt"
    assert asked == ["Doppler token: "]
    assert "typed" not in asked[0]


def test_secret_file_must_be_private(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("dp.st.prd.from-a-file\n")
    token.chmod(0o644)
    environ = {"MGCTL_DOPPLER_TOKEN_PRODUCTION_FILE": str(token)}
    with pytest.raises(SecretInputError, match="chmod 600"):
        SecretResolver(environ=environ, interactive=False).value(DOPPLER)
    token.chmod(0o600)
    assert SecretResolver(environ=environ, interactive=False).value(DOPPLER) == (
        "dp.st.prd.from-a-file"
    )


def test_environment_wins_over_file_and_prompt(tmp_path: Path) -> None:
    environ = {
        "MGCTL_DOPPLER_TOKEN_PRODUCTION": "dp.st.from-env",
        "MGCTL_DOPPLER_TOKEN_PRODUCTION_FILE": str(tmp_path / "absent"),
    }
    resolver = SecretResolver(environ=environ, interactive=True, prompt=lambda _: "typed")
    assert resolver.value(DOPPLER) == "dp.st.from-env"


def test_kubectl_failure_redacts_values(platform: Platform) -> None:
    token = "dp.st.prd.must-not-leak-0123456789"
    encoded = base64.b64encode(token.encode()).decode()

    def failing(argv: Sequence[str], stdin: str | None) -> subprocess.CompletedProcess[str]:
        assert stdin is not None and encoded in stdin
        return subprocess.CompletedProcess(
            list(argv), 1, "", f'Secret is invalid: data[dopplerToken]: "{encoded}" / "{token}"'
        )

    secret = next(s for s in bootstrap_secrets(platform) if s.namespace == "external-secrets")
    values = {"dopplerToken": token}
    kubectl = Kubectl("kubectl", runner=failing)
    with pytest.raises(KubectlError) as err:
        kubectl.apply([secret.manifest(values)], secrets=secret.redactions(values))
    assert token not in str(err.value)
    assert encoded not in str(err.value)
    assert "***" in str(err.value)
    assert "(manifests on stdin)" in str(err.value)


def test_tailscale_oauth_secret_only_when_not_from_doppler(platform: Platform) -> None:
    names = {s.name for s in bootstrap_secrets(platform)}
    assert "operator-oauth" not in names
    manual = platform.model_copy(
        update={"tailscale": platform.tailscale.model_copy(update={"oauth_from_doppler": False})}
    )
    oauth = next(s for s in bootstrap_secrets(manual) if s.name == "operator-oauth")
    assert oauth.namespace == "tailscale"
    assert [v.key for v in oauth.values] == ["client_id", "client_secret"]


def _deploy_key(platform: Platform, repository: str) -> SecretValue:
    target = next(t for t in targets(platform) if t.repository == repository)
    return repository_secret(target).values[0]


def test_generated_key_waits_for_confirmation_when_asked(platform: Platform) -> None:
    events: list[str] = []
    resolver = SecretResolver(
        environ={},
        interactive=True,
        say=lambda text: events.append("said"),
        after_generate=lambda target: events.append(f"confirmed {target.repository}"),
    )
    private = resolver.value(_deploy_key(platform, "mg-deploy"))
    assert events == ["said", "confirmed mg-deploy"]
    assert public_key_of(private) is not None


def test_given_keys_are_checked_and_their_public_halves_printed(
    tmp_path: Path, platform: Platform
) -> None:
    deploy_private, deploy_public = generate_deploy_key("team@laptop")
    key_file = tmp_path / "deploy-key"
    key_file.write_text(deploy_private)
    key_file.chmod(0o600)
    said: list[str] = []
    resolver = SecretResolver(
        environ={"MGCTL_GIT_SSH_KEY_DEPLOY_FILE": str(key_file)}, interactive=False, say=said.append
    )
    assert resolver.value(_deploy_key(platform, "mg-deploy")) == deploy_private.strip("\r\n")
    (text,) = said
    assert "from $MGCTL_GIT_SSH_KEY_DEPLOY[_FILE]" in text and deploy_public.split()[1] in text
    assert "BEGIN OPENSSH" not in text
    # the same key for the other repository: GitHub would refuse it
    same = SecretResolver(
        environ={
            "MGCTL_GIT_SSH_KEY_DEPLOY": deploy_private,
            "MGCTL_GIT_SSH_KEY_INFRASTRUCTURE": deploy_private,
        },
        interactive=False,
        say=lambda _: None,
    )
    same.value(_deploy_key(platform, "mg-deploy"))
    with pytest.raises(SecretInputError, match="already on another repository"):
        same.value(_deploy_key(platform, "mg-infrastructure"))
    # an encrypted or broken key is refused before it reaches Argo CD
    broken = SecretResolver(environ={"MGCTL_GIT_SSH_KEY_DEPLOY": "not a key"}, interactive=False)
    with pytest.raises(SecretInputError, match="not an unencrypted SSH private key"):
        broken.value(_deploy_key(platform, "mg-deploy"))


@pytest.mark.parametrize("legacy", ["MGCTL_GIT_SSH_KEY", "MGCTL_GIT_SSH_KEY_FILE"])
def test_the_one_shared_key_variable_is_refused(platform: Platform, legacy: str) -> None:
    resolver = SecretResolver(environ={legacy: "/somewhere"}, interactive=False)
    with pytest.raises(SecretInputError) as err:
        resolver.value(_deploy_key(platform, "mg-infrastructure"))
    assert f"${legacy} is no longer read" in str(err.value)
    assert "MGCTL_GIT_SSH_KEY_DEPLOY_FILE and MGCTL_GIT_SSH_KEY_INFRASTRUCTURE_FILE" in str(
        err.value
    )


def test_write_access_follows_the_image_updater(platform: Platform) -> None:
    deploy, infra = targets(platform)
    assert (deploy.repository, deploy.write) == ("mg-deploy", True)
    assert (infra.repository, infra.write) == ("mg-infrastructure", False)
    assert deploy.secret == "repo-deploy" and infra.secret == "repo-infrastructure"
    without_services = platform.model_copy(update={"services": []})
    assert [t.write for t in targets(without_services)] == [False, False]


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("git@github.com:org/a.git", "https://github.com/org/a/settings/keys/new"),
        ("ssh://git@github.com/org/a.git", "https://github.com/org/a/settings/keys/new"),
        ("https://github.com/org/a", "https://github.com/org/a/settings/keys/new"),
        ("git@gitlab.example.com:team/a.git", None),
    ],
)
def test_where_to_add_the_key(url: str, page: str | None) -> None:
    target = DeployKeyTarget("deploy", "mg-deploy", url, "repo-deploy", True, "why", "c")
    assert target.github_settings() == page
    text = target.instructions("ssh-ed25519 AAAA c", generated=True)
    assert (page or "the git host's deploy key settings") in text


def test_preflight_names_each_value_source_and_refuses_what_bootstrap_would(
    tmp_path: Path, platform: Platform
) -> None:
    from mgctl.cluster.preflight_inputs import check_secret_inputs

    secrets = bootstrap_secrets(platform)
    loose = tmp_path / "infra-key"
    loose.write_text("unused")
    loose.chmod(0o644)
    ok = SecretResolver(environ=dict(TOKENS), interactive=False)
    checks = {c.name: c for c in check_secret_inputs(secrets, ok, None)}
    assert all(c.status == "ok" for c in checks.values())
    staging = checks["secret input external-secrets/doppler-token-staging"]
    assert staging.detail == "dopplerToken: $MGCTL_DOPPLER_TOKEN_STAGING"
    infra = checks["secret input argocd/repo-infrastructure"]
    assert infra.detail == "sshPrivateKey: generated in memory (public half printed)"
    for environ, name, message in (
        ({**TOKENS, "MGCTL_GIT_SSH_KEY_FILE": "/old/key"}, "argocd/repo-deploy",
         "$MGCTL_GIT_SSH_KEY_FILE is no longer"),
        ({**TOKENS, "MGCTL_GIT_SSH_KEY_INFRASTRUCTURE_FILE": str(loose)},
         "argocd/repo-infrastructure", "chmod 600"),
        ({}, "external-secrets/doppler-token-development", "MGCTL_DOPPLER_TOKEN_DEVELOPMENT_FILE"),
    ):  # fmt: skip
        resolver = SecretResolver(environ=environ, interactive=False)
        refused = {c.name: c for c in check_secret_inputs(secrets, resolver, None)}
        row = refused[f"secret input {name}"]
        assert row.status == "fail" and message in row.detail, row
    # only what the cluster lacks is needed
    (partial,) = check_secret_inputs(secrets, SecretResolver(environ={}), {"repo-deploy"})
    assert partial.status == "ok" and partial.name == "secret input argocd/repo-deploy"
    check = staging
    assert "unused" not in check.detail + partial.detail


def test_two_branches_of_one_repository_share_one_key(platform: Platform) -> None:
    """One repository, one Argo CD repository Secret, one deploy key (write access: the
    Image Updater pushes to the deploy branch); git access checks both branches."""
    url = platform.git.deploy.url
    infra = platform.git.infrastructure.model_copy(update={"url": url, "branch": "infra"})
    shared = platform.model_copy(
        update={"git": platform.git.model_copy(update={"infrastructure": infra})}
    )
    (target,) = targets(shared)
    assert (target.secret, target.write, target.branches) == (
        "repo-deploy",
        True,
        ("main", "infra"),
    )
    names = [s.name for s in bootstrap_secrets(shared) if s.namespace == "argocd"]
    assert names == ["repo-deploy"]
