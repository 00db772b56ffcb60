"""The fixture corpus: valid configs load; each invalid one fails with its promised message."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgctl.config import ConfigError, load_platform

FIXTURES = Path(__file__).parent / "fixtures"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))


def _expected(path: Path) -> str:
    data = path.read_bytes()
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"
    first = data.decode(encoding, errors="replace").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: <message>'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_configs_load(path: Path) -> None:
    platform = load_platform(path)
    assert platform.services


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_configs_fail_with_a_clear_message(path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_platform(path)
    message = str(caught.value)
    assert _expected(path) in message
    assert str(path) in message, "every error names the file"


def test_errors_carry_line_numbers() -> None:
    path = FIXTURES / "invalid" / "unknown-key-did-you-mean.yaml"
    with pytest.raises(ConfigError) as caught:
        load_platform(path)
    issue = caught.value.issues[0]
    assert issue.line == path.read_text().splitlines().index("    replics: 2") + 1


def test_the_example_is_in_the_corpus() -> None:
    example = Path(__file__).parents[2] / "examples" / "mg" / "platform.yaml"
    assert (FIXTURES / "valid" / "seed-example.yaml").read_text() == example.read_text()


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_platform(tmp_path / "absent.yaml")


def test_doppler_token_secrets_default_per_environment(tmp_path: Path) -> None:
    minimal = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    config = tmp_path / "platform.yaml"
    config.write_text(
        minimal + "project:\n  environments:\n    production: { config: prd }\n"
        "    development: { config: dev }\n",
        encoding="utf-8",
    )
    environments = load_platform(config).project.environments
    assert environments["production"].token_secret == "doppler-token-production"
    assert environments["development"].token_secret == "doppler-token-development"


def test_single_addresses_and_cron_forms_are_normalised() -> None:
    platform = load_platform(FIXTURES / "valid" / "bare-single-ip-and-descriptors.yaml")
    assert platform.cluster.load_balancer.addresses == ["203.0.113.10/32"]
    assert platform.databases[0].backup.schedule == "0 0 0 * * *"
    schedules = {s.name: s.schedule for s in platform.backups.velero_schedules}
    assert schedules == {"nightly": "0 0 * * *", "weekdays": "30 2 * * 1-5"}


def test_the_metallb_pool_gets_the_normalised_address() -> None:
    from mgctl.render.platform_render import render_all

    files = render_all(load_platform(FIXTURES / "valid" / "bare-single-ip-and-descriptors.yaml"))
    pool = next(t for p, t in files.items() if "metallb" in p and "kind: IPAddressPool" in t)
    assert "- 203.0.113.10/32" in pool


def test_string_fields_read_as_yaml_booleans_say_how_to_quote(tmp_path: Path) -> None:
    minimal = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    config = tmp_path / "platform.yaml"
    config.write_text(minimal + "    env: { DEBUG: yes, PORT: 8080, EMPTY: }\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_platform(config)
    message = str(caught.value)
    assert 'YAML reads `yes` as the boolean true: quote it to keep the text ("yes")' in message
    assert 'YAML reads `8080` as the number 8080: quote it to keep the text ("8080")' in message
    assert "YAML reads `(empty)` as null" in message
