"""The compiled yes/no check must agree with jsonschema on valid and invalid objects."""

from __future__ import annotations

import copy
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mgctl.manifests import Manifest, load_manifest_file
from mgctl.validate.fast_schema import Compiler, Unsupported
from mgctl.validate.schemas import SchemaRegistry

from .builders import clean_set, manifests_of


def agree(registry: SchemaRegistry, manifest: Manifest, body: dict[str, Any]) -> bool:
    validator = registry.validator(manifest.api_version, manifest.kind)
    assert validator is not None
    fast = registry._fast[(manifest.api_version, manifest.kind)]
    assert fast is not None, f"no compiled check for {manifest.kind}"
    return bool(fast(body) == (not list(validator.iter_errors(body))))


def mutations(body: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, replacement) pairs: every scalar gets a wrong-typed value, maps get an extra key."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(body, dict):
        found.append(((*path, "zzUnknownField"), "x"))
        for key, value in body.items():
            found += mutations(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found += mutations(value, (*path, index))
    elif isinstance(body, str):
        found.append((path, 12345))
    elif isinstance(body, bool):
        found.append((path, "yes"))
    elif isinstance(body, int | float):
        found.append((path, "many"))
    return found


def mutated(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(body)
    node: Any = copied
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copied


def test_agrees_on_every_single_field_mutation_of_the_clean_set(registry: SchemaRegistry) -> None:
    checked = 0
    for manifest in manifests_of(clean_set()):
        assert agree(registry, manifest, manifest.body)
        for path, value in mutations(manifest.body):
            body = mutated(manifest.body, path, value)
            assert agree(registry, manifest, body), (manifest.kind, path, value)
            checked += 1
    assert checked > 90


def test_agrees_on_upstream_objects_including_crds_themselves(
    registry: SchemaRegistry, crd_dir: Path
) -> None:
    files = [
        crd_dir / "longhorn/v1.12.1/longhorn.yaml",
        *sorted(crd_dir.glob("tailscale/*/*.yaml")),
    ]
    for file in files:
        manifests, _ = load_manifest_file(file)
        for manifest in manifests:
            assert agree(registry, manifest, manifest.body), (file.name, manifest.kind)


def test_unknown_keywords_are_refused_not_guessed() -> None:
    compiler = Compiler(lambda ref: {})
    with pytest.raises(Unsupported, match="patternProperties"):
        compiler.compile({"type": "object", "patternProperties": {"^a": {"type": "string"}}})


def test_recursive_references_compile() -> None:
    definitions = {
        "node": {
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            "additionalProperties": False,
        }
    }
    check = Compiler(lambda ref: definitions[ref.rsplit("/", 1)[1]]).compile(
        {"$ref": "#/$defs/node"}
    )
    assert check({"children": [{"children": []}]})
    assert not check({"children": [{"children": [], "x": 1}]})


def test_unknown_keywords_in_lazily_compiled_properties_refuse_at_first_use() -> None:
    check = Compiler(lambda ref: {}).compile(
        {"type": "object", "properties": {"a": {"patternProperties": {"^x": {}}}}}
    )
    assert check({"b": 1})  # property `a` never compiled
    with pytest.raises(Unsupported, match="patternProperties"):
        check({"a": {}})


def test_concurrent_first_use_of_recursive_schemas(crd_dir: Path) -> None:
    """Charts are checked in parallel threads; lazy compilation must not race (thread switches
    forced very often so that two threads meet inside a compilation)."""
    manifests = manifests_of(clean_set()) * 5
    for file in sorted(crd_dir.glob("*/*/*.yaml"))[:40]:
        manifests += load_manifest_file(file)[0]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            fresh = SchemaRegistry("1.35", [crd_dir])
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(fresh.validate, manifests * 2))
            assert all(result == [] for result in results)
    finally:
        sys.setswitchinterval(interval)
