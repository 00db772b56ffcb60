"""Secret handling: values reach the cluster only on kubectl's stdin; never argv, files, output."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgctl.cluster.kubectl import Kubectl, KubectlError
from mgctl.cluster.rendered import RenderedInfra
from mgctl.cluster.secrets import (
    SecretInputError,
    SecretResolver,
    SecretValue,
    bootstrap_secrets,
    public_key_of,
    repo_credentials_url,
)
from mgctl.cluster.steps import Bootstrapper
from mgctl.config import Platform

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

        repo = cluster.get("", "secrets", platform.git.deploy_key_secret, "argocd")
        assert repo is not None
        private = base64.b64decode(repo["data"]["sshPrivateKey"]).decode()
        assert private.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        public = public_key_of(private)
        assert public is not None and public.startswith("ssh-ed25519 ")
        assert repo["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repo-creds"
        assert base64.b64decode(repo["data"]["url"]).decode() == "git@github.com:mshykhov/"

        values = [*TOKENS.values(), private, *private.splitlines()[1:-1]]
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
            env = env_name.removeprefix("MGCTL_DOPPLER_TOKEN_").lower()
            name = platform.project.environments[env].token_secret  # type: ignore[index]
            assert sent[name] == {"dopplerToken": token}
            stored = cluster.get("", "secrets", name, "external-secrets")
            assert stored is not None
            assert base64.b64decode(stored["data"]["dopplerToken"]).decode() == token
        # output: public key printed, no value
        output = "\n".join(said) + capsys.readouterr().out
        assert public.split()[1] in output
        assert not any(v in output for v in values)
        # disk: nothing under the test's HOME, caches or tmp holds a value
        assert _files_containing(tmp_path, values) == []


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
    resolver = SecretResolver(environ={}, interactive=False, prompt=lambda p: asked.append(p) or "")
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


@pytest.mark.parametrize(
    ("urls", "prefix"),
    [
        (["git@github.com:org/a.git", "git@github.com:org/b.git"], "git@github.com:org/"),
        (
            ["ssh://git@gitlab.example.com/team/a.git", "ssh://git@gitlab.example.com/team/b.git"],
            "ssh://git@gitlab.example.com/team/",
        ),
        (["git@github.com:org/a.git", "git@github.com:org/a.git"], "git@github.com:org/"),
    ],
)
def test_repo_credentials_prefix(urls: list[str], prefix: str) -> None:
    assert repo_credentials_url(urls) == prefix


def test_repo_credentials_need_a_shared_host() -> None:
    with pytest.raises(SecretInputError, match="share no host"):
        repo_credentials_url(["git@github.com:a/x.git", "git@gitlab.com:a/y.git"])


def test_generated_key_waits_for_confirmation_when_asked() -> None:
    events: list[str] = []
    deploy_key = SecretValue("sshPrivateKey", "MGCTL_GIT_SSH_KEY", "key", generated_ssh_key=True)
    resolver = SecretResolver(
        environ={},
        interactive=True,
        say=lambda text: events.append("said"),
        after_generate=lambda: events.append("confirmed"),
    )
    private = resolver.value(deploy_key)
    assert events == ["said", "confirmed"]
    assert public_key_of(private) is not None


@given(
    host=st.sampled_from(["github.com", "gitlab.example.com"]),
    org=st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True),
    names=st.lists(
        st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True), min_size=2, max_size=4, unique=True
    ),
)
def test_repo_credentials_prefix_covers_every_repo(host: str, org: str, names: list[str]) -> None:
    urls = [f"git@{host}:{org}/{name}.git" for name in names]
    prefix = repo_credentials_url(urls)
    assert prefix == f"git@{host}:{org}/" or (
        prefix.startswith(f"git@{host}:{org}/") and prefix.endswith("/")
    )
    assert all(url.startswith(prefix) for url in urls)
