"""Config validation: the README example is valid; bad input names file, field and fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mg_auth.cli import main
from mg_auth.config import ConfigError, load_config, parse_config

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> dict[str, Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    data = yaml.safe_load(blocks[0])
    assert isinstance(data, dict)
    return data


def test_readme_example_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(readme_example()), encoding="utf-8")
    config = load_config(path)
    assert config.effective_jwks_url.endswith("/.well-known/jwks.json")
    assert config.rules[0].name == "cors-preflight"
    assert main(["check-config", "--config", str(path)]) == 0


def test_defaults_and_default_jwks_url() -> None:
    data = readme_example()
    for optional in ("jwks_url", "allowed_client_ids", "allow_m2m", "leeway_seconds", "jwks",
                     "cache", "realm"):  # fmt: skip
        data.pop(optional)
    config = parse_config(data, "c.yaml")
    assert config.effective_jwks_url == "https://mg-trading.eu.auth0.com/.well-known/jwks.json"
    assert config.leeway_seconds == 30 and config.allow_m2m is False
    assert config.jwks.unknown_kid_cooldown_seconds == 30


def errors_for(change: dict[str, Any]) -> str:
    data = readme_example()
    data.update(change)
    with pytest.raises(ConfigError) as info:
        parse_config(data, "cfg.yaml")
    return str(info.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"issuers": ["https://t.eu.auth0.com"]}, r"cfg\.yaml: issuers: .*must end with '/'"),
        ({"issuers": ["http://t.eu.auth0.com/"]}, r"issuers: .*https"),
        ({"issuers": []}, r"issuers: "),
        ({"jwks_url": "http://jwks.example.com/k.json"}, r"jwks_url: .*loopback"),
        ({"leeway_seconds": 3600}, r"leeway_seconds: .*less than or equal to 300"),
        ({"audiance": "x"}, r"cfg\.yaml: audiance: unknown key"),
        ({"rules": []}, r"rules: "),
        ({"claims": {"roles": "r"}}, r"claims\.email: required key is missing"),
        (
            {"claims": {"roles": "roles", "email": "https://e.example/email"}},
            r"claims\.roles: .*namespaced claim",
        ),
    ],
)
def test_top_level_errors(change: dict[str, Any], expected: str) -> None:
    assert re.search(expected, errors_for(change)), errors_for(change)


def rule(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "r", "host": "app.example.com", "path_prefix": "/",
                            "auth": "authenticated"}  # fmt: skip
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (rule(host="app.example.com:443"), r"rules\[0\]\.host: .*no port"),
        (rule(host="https://app.example.com"), r"rules\[0\]\.host"),
        (rule(path_prefix="api"), r"rules\[0\]\.path_prefix: .*start with '/'"),
        (rule(path_prefix="/api/"), r"path_prefix: .*trailing '/'"),
        (rule(path_prefix="/a/../b"), r"path_prefix: .*dot-segments"),
        (rule(auth="admin"), r"rules\[0\]\.auth"),
        (rule(roles_any=["admin"]), r"either 'auth' or 'roles_any'"),
        (rule(auth=None), r"add 'auth: anonymous\|preflight\|authenticated'"),
        (rule(auth=None, roles_any=[]), r"at least one"),
        (rule(auth=None, roles_any=["bad role"]), r"do not match"),
        (rule(methods=["FETCH"]), r"methods: .*unknown"),
        (rule(extra=1), r"rules\[0\]\.extra: unknown key"),
    ],
)
def test_rule_errors(bad: dict[str, Any], expected: str) -> None:
    message = errors_for({"rules": [bad]})
    assert re.search(expected, message), message


def test_duplicate_rule_names() -> None:
    assert "repeated: ['r']" in errors_for({"rules": [rule(), rule()]})


def test_file_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match=r"nope\.yaml: cannot read"):
        load_config(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("issuers: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML"):
        load_config(broken)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"list\.yaml: must be a YAML mapping"):
        load_config(listing)
    assert main(["serve", "--config", str(listing)]) == 2
    assert "list.yaml: must be a YAML mapping" in capsys.readouterr().err
