"""Safe reading of platform.yaml: every refusal is a ConfigError with a line, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgctl.config import ConfigError, load_platform
from mgctl.config.yaml_input import MAX_BYTES, MAX_NODES, InputRefused, compose_and_load

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = (FIXTURES / "valid" / "minimal.yaml").read_bytes()


def _load(tmp_path: Path, data: bytes) -> ConfigError:
    config = tmp_path / "platform.yaml"
    config.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_platform(config)
    return caught.value


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    config = tmp_path / "platform.yaml"
    config.write_bytes(b"\xef\xbb\xbf" + MINIMAL)
    assert load_platform(config).services[0].name == "api"


def test_input_over_the_size_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    error = _load(tmp_path, MINIMAL + b"#" * MAX_BYTES)
    assert "larger than 1024 KiB" in str(error)


def test_an_endless_device_is_refused() -> None:
    with pytest.raises(ConfigError, match="larger than"):
        load_platform("/dev/zero")


def test_duplicate_keys_name_both_lines(tmp_path: Path) -> None:
    error = _load(tmp_path, MINIMAL.replace(b"tls:", b"tls: { email: a@b.c }\ntls:", 1))
    assert "duplicate key 'tls' (line 9 repeats line 8)" in str(error)
    assert error.issues[0].line == 9


def test_duplicate_keys_inside_nested_mappings(tmp_path: Path) -> None:
    data = MINIMAL + b"    replicas: 1\n    replicas: 2\n"
    assert "duplicate key 'replicas'" in str(_load(tmp_path, data))


def test_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    data = MINIMAL.replace(
        b"services:\n  - name: api\n    image: { repository: acme/api, tag: v1.0.0 }\n",
        b"x-common: &common { replicas: 2 }\n",
    )
    data += b"services:\n  - <<: *common\n    name: api\n    image: { repository: acme/api }\n"
    error = _load(tmp_path, data)  # x-common is an unknown key; the merge itself is fine
    assert "unknown key 'x-common'" in str(error) and "duplicate" not in str(error)


def test_alias_expansion_is_bounded_before_anything_walks_it() -> None:
    levels = [b'a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    levels += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]".encode() for i in range(1, 12)]
    with pytest.raises(InputRefused, match=f"more than {MAX_NODES:,} nodes"):
        compose_and_load(b"\n".join(levels))  # 10^12 nodes expanded


def test_aliases_within_the_bound_are_fine() -> None:
    _node, data = compose_and_load(b"a: &a [1, 2]\nb: [*a, *a]\n")
    assert data == {"a": [1, 2], "b": [[1, 2], [1, 2]]}


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(InputRefused, match="recursive alias"):
        compose_and_load(b"a: &a [1, *a]\n")


def test_deep_nesting_is_refused_before_recursion() -> None:
    with pytest.raises(InputRefused, match="nested more than"):
        compose_and_load(b"a: " + b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a: caf\xe9\n", "not UTF-8: byte 0xe9 at byte offset 6 (line 1, column 7)"),
        (b"a: 1\n\x00\x01", "binary content (a NUL byte at byte offset 5, line 2, column 1)"),
        ("a: 1\n".encode("utf-16"), "UTF-16 encoded; save it as UTF-8"),
        ("a: 1\n".encode("utf-32"), "UTF-32 encoded; save it as UTF-8"),
        (b"a: \x07bell\n", "not valid YAML"),
        (b"a: [1\n", "not valid YAML"),
        (b"a: 1\n---\nb: 2\n", "not valid YAML"),
        (b"a: !!python/object:os.system x\n", "not valid YAML"),
        (b"? [1, 2]\n: x\n", "not valid YAML"),
    ],
)
def test_undecodable_input_is_refused_with_the_reason(data: bytes, message: str) -> None:
    with pytest.raises(InputRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        compose_and_load(data)


def test_an_empty_file_is_not_a_mapping(tmp_path: Path) -> None:
    assert "the top level must be a mapping" in str(_load(tmp_path, b""))
