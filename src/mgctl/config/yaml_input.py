"""platform.yaml as bytes -> one YAML node tree, refusing what a config file never is.

Every refusal raises `InputRefused` with a message that says what is wrong and how to fix it:
- more than MAX_BYTES (read at most MAX_BYTES + 1, so /dev/zero or a pipe cannot hang us);
- binary content (a NUL byte) or text that is not UTF-8 (the byte offset, line and column);
  a UTF-8 byte order mark is accepted, UTF-16/32 are named;
- nesting deeper than MAX_DEPTH (checked on the event stream, before PyYAML's recursive
  composer could hit Python's recursion limit);
- a document whose alias expansion exceeds MAX_NODES ("billion laughs"): the composed node
  graph shares aliased nodes, so its expanded size is counted in linear time with memoisation
  before anything walks the expanded tree; a recursive alias is refused;
- a mapping with the same key twice (both lines are named; YAML 1.2 forbids it and PyYAML
  would silently keep the last).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import yaml

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class InputRefused(Exception):
    message: str
    line: int | None = None

    def __str__(self) -> str:
        return self.message


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InputRefused(
            f"the file is larger than {MAX_BYTES // 1024} KiB; a platform config is a few KiB "
            "(is this the right file?)"
        )
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise InputRefused(f"the file is {name} encoded; save it as UTF-8")
    data = data.removeprefix(codecs.BOM_UTF8)
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _position(data, nul)
        raise InputRefused(
            f"binary content (a NUL byte at byte offset {nul}, line {line}, column {column}); "
            "platform.yaml must be a UTF-8 text file",
            line,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start)
        raise InputRefused(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line}, "
            f"column {column}) is {exc.reason}; save the file as UTF-8",
            line,
        ) from exc


def _position(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, offset - line_start + 1


def _check_depth(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputRefused(
                    f"nested more than {MAX_DEPTH} levels deep; platform.yaml never needs that",
                    event.start_mark.line + 1 if event.start_mark else None,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _expanded_size(root: yaml.Node) -> int:
    """Nodes in the tree once every alias is expanded; stops as soon as MAX_NODES is passed."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    # Iterative post-order walk over the node DAG (aliases are shared node objects).
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes and not children_done:
            continue
        children = _children(node)
        if not children_done:
            if key in active:
                raise InputRefused(
                    "a recursive alias (an anchor that contains itself) cannot be expanded",
                    node.start_mark.line + 1,
                )
            active.add(key)
            stack.append((node, True))
            for child in children:
                if id(child) in active:
                    raise InputRefused(
                        "a recursive alias (an anchor that contains itself) cannot be expanded",
                        child.start_mark.line + 1,
                    )
                if id(child) not in sizes:
                    stack.append((child, False))
            continue
        active.discard(key)
        total = 1 + sum(sizes[id(child)] for child in children)
        if total > MAX_NODES:
            raise InputRefused(
                f"aliases expand this document to more than {MAX_NODES:,} nodes; refusing it "
                "(an alias bomb, or anchors used far more than a config needs)",
                node.start_mark.line + 1,
            )
        sizes[key] = total
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_duplicate_keys(root: yaml.Node) -> None:
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, yaml.Node] = {}
            for key, _value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
                    continue
                if key.value in first:
                    line = first[key.value].start_mark.line + 1
                    raise InputRefused(
                        f"duplicate key {key.value!r} (line {key.start_mark.line + 1} repeats "
                        f"line {line}); keep one of them",
                        key.start_mark.line + 1,
                    )
                first[key.value] = key
        stack.extend(_children(node))


def compose_and_load(data: bytes) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the Python data of one YAML document."""
    text = decode(data)
    try:
        _check_depth(text)
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            _expanded_size(node)
            _check_duplicate_keys(node)
            return node, loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise InputRefused(f"not valid YAML: {exc}", line) from exc
