"""A compiled yes/no JSON Schema check for the keyword subset Kubernetes schemas use.

`jsonschema` resolves `$ref`s and builds error objects while it walks; on Kubernetes schemas that
costs ~10 ms per object. Almost every object is valid, so `compile_schema` turns a schema into
nested closures that only answer "valid?" (several times faster); callers run `jsonschema` only
on objects this rejects, to get its precise error messages. Keywords outside the supported set
raise `Unsupported` (when compiled, or, for lazily compiled properties, when first used), and
the caller then uses `jsonschema` alone: the check never guesses.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset(
    [
        "description",
        "default",
        "title",
        "format",  # jsonschema ignores format unless a format checker is configured
        "examples",
        "example",
        "deprecated",
        "readOnly",
        "writeOnly",
        "discriminator",
        "fields-to-discriminateBy",
        "$schema",
        "$id",
        "$defs",
        "$comment",
    ]
)
SUPPORTED = frozenset(
    [
        "$ref",
        "type",
        "enum",
        "const",
        "properties",
        "additionalProperties",
        "required",
        "items",
        "oneOf",
        "anyOf",
        "allOf",
        "not",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "multipleOf",
        "minProperties",
        "maxProperties",
    ]
)


class Unsupported(ValueError):
    """The schema uses a keyword this compiler does not implement."""


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float)
    raise Unsupported(f"type {name!r}")


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Compiler:
    """Compiles schemas whose `$ref`s point into one definitions document."""

    def __init__(self, resolve: Callable[[str], Mapping[str, Any]]) -> None:
        self._resolve = resolve
        self._refs: dict[str, Check] = {}
        # Checks run in several threads and compile lazily: one compilation at a time, so no
        # thread sees a recursive reference's placeholder before it is filled.
        self._lock = threading.RLock()

    def compile(self, schema: Any) -> Check:
        with self._lock:
            return self._compile(schema)

    def _compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        unknown = [k for k in schema if k not in SUPPORTED and k not in ANNOTATIONS]
        unknown = [k for k in unknown if not k.startswith("x-")]
        if unknown:
            raise Unsupported(", ".join(unknown))
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self._ref(str(schema["$ref"])))
        if "type" in schema:
            checks.append(_type_check(schema["type"]))
        if "enum" in schema:
            allowed = list(schema["enum"])
            checks.append(lambda v: any(_json_equal(v, a) for a in allowed))
        if "const" in schema:
            const = schema["const"]
            checks.append(lambda v: _json_equal(v, const))
        checks += self._object_checks(schema)
        checks += self._array_checks(schema)
        checks += _scalar_checks(schema)
        checks += self._combinators(schema)
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(check(v) for check in checks)

    def lazy(self, schema: Any) -> Check:
        """A check compiled on its first use: objects use a small part of large CRD schemas
        (one provider of dozens), so most sub-schemas are never compiled. A keyword outside
        the supported set then raises Unsupported during the check, not here."""
        compiled: list[Check] = []

        def check(value: Any) -> bool:
            if not compiled:
                with self._lock:
                    if not compiled:
                        compiled.append(self.compile(schema))
            return compiled[0](value)

        return check

    def _ref(self, ref: str) -> Check:
        with self._lock:
            return self._ref_locked(ref)

    def _ref_locked(self, ref: str) -> Check:
        existing = self._refs.get(ref)
        if existing is not None:
            return existing
        cell: list[Check] = []
        self._refs[ref] = lambda v: cell[0](v)  # placeholder while a recursive schema compiles
        try:
            compiled = self.compile(self._resolve(ref))
        except Unsupported:
            del self._refs[ref]
            raise
        cell.append(compiled)
        self._refs[ref] = compiled
        return compiled

    def _object_checks(self, schema: dict[str, Any]) -> list[Check]:
        checks: list[Check] = []
        properties: dict[str, Check] = {
            k: self.lazy(s) for k, s in (schema.get("properties") or {}).items()
        }
        additional = schema.get("additionalProperties", True)
        extra = self.compile(additional)
        required = list(schema.get("required") or [])
        if properties or additional is not True:

            def object_check(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for key, item in v.items():
                    check = properties.get(key)
                    if check is None:
                        if not extra(item):
                            return False
                    elif not check(item):
                        return False
                return True

            checks.append(object_check)
        if required:
            checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
        low, high = schema.get("minProperties"), schema.get("maxProperties")
        if low is not None or high is not None:
            checks.append(
                lambda v: (
                    not isinstance(v, dict)
                    or ((low is None or len(v) >= low) and (high is None or len(v) <= high))
                )
            )
        return checks

    def _array_checks(self, schema: dict[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "items" in schema:
            item_check = self.compile(schema["items"])
            checks.append(lambda v: not isinstance(v, list) or all(item_check(i) for i in v))
        low, high = schema.get("minItems"), schema.get("maxItems")
        if low is not None or high is not None:
            checks.append(
                lambda v: (
                    not isinstance(v, list)
                    or ((low is None or len(v) >= low) and (high is None or len(v) <= high))
                )
            )
        if schema.get("uniqueItems"):
            checks.append(lambda v: not isinstance(v, list) or _unique(v))
        return checks

    def _combinators(self, schema: dict[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "allOf" in schema:
            parts = [self.compile(s) for s in schema["allOf"]]
            checks.append(lambda v: all(p(v) for p in parts))
        if "anyOf" in schema:
            any_parts = [self.compile(s) for s in schema["anyOf"]]
            checks.append(lambda v: any(p(v) for p in any_parts))
        if "oneOf" in schema:
            one_parts = [self.compile(s) for s in schema["oneOf"]]
            checks.append(lambda v: sum(1 for p in one_parts if p(v)) == 1)
        if "not" in schema:
            negated = self.compile(schema["not"])
            checks.append(lambda v: not negated(v))
        return checks


def _always(_: Any) -> bool:
    return True


def _never(_: Any) -> bool:
    return False


def _type_check(types: Any) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    for name in names:
        _is_type(None, name)  # raises Unsupported for unknown names
    if len(names) == 1:
        only = names[0]
        return lambda v: _is_type(v, only)
    return lambda v: any(_is_type(v, n) for n in names)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _scalar_checks(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "pattern" in schema:
        pattern = re.compile(schema["pattern"])
        checks.append(lambda v: not isinstance(v, str) or pattern.search(v) is not None)
    low, high = schema.get("minLength"), schema.get("maxLength")
    if low is not None or high is not None:
        checks.append(
            lambda v: (
                not isinstance(v, str)
                or ((low is None or len(v) >= low) and (high is None or len(v) <= high))
            )
        )
    for keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if keyword in schema:
            checks.append(_bound_check(keyword, schema[keyword]))
    if "multipleOf" in schema:
        step = schema["multipleOf"]
        checks.append(lambda v: not _is_number(v) or _multiple_of(v, step))
    return checks


def _bound_check(keyword: str, bound: Any) -> Check:
    if not _is_number(bound):
        raise Unsupported(f"{keyword} {bound!r}")
    if keyword == "minimum":
        return lambda v: not _is_number(v) or v >= bound
    if keyword == "maximum":
        return lambda v: not _is_number(v) or v <= bound
    if keyword == "exclusiveMinimum":
        return lambda v: not _is_number(v) or v > bound
    return lambda v: not _is_number(v) or v < bound


def _multiple_of(value: float, step: float) -> bool:
    if isinstance(step, float) or isinstance(value, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    return value % step == 0


def _unique(items: list[Any]) -> bool:
    for index, item in enumerate(items):
        if any(_json_equal(item, other) for other in items[index + 1 :]):
            return False
    return True
