"""YAML text -> plain data plus positions, safely.

Every scalar keeps its source text (``1.20`` stays "1.20", ``0000`` stays
"0000"), as upstream's Go string fields read it; only a plain null becomes None.
No tag ever constructs an object: nodes are composed, never constructed, and
any tag outside the YAML core schema is refused.  This is the only place where
0-based marks become 1-based positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from receipt_lint.model.files import MAX_BYTES
from receipt_lint.model.findings import Position, quoted

MAX_DEPTH = 64
MAX_NODES = 20_000
_CORE_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_STR, _SEQ, _MAP, _NULL = ("tag:yaml.org,2002:" + name for name in ("str", "seq", "map", "null"))
_LOADER: Any = None

PathKey = tuple[str | int, ...]


class YamlError(Exception):
    """The file is not YAML we accept; ``position`` is where, when known."""

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Document:
    """Loaded YAML: ``data`` plus where every value and mapping key starts.

    ``values`` and ``keys`` hold libyaml's 0-based (line, column) pairs; a
    Position is made only when a finding asks for one (most documents never
    need any).
    """

    data: Any
    values: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: Mapping[PathKey, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: PathKey) -> Position:
        """Where ``path`` points: its value, else the nearest enclosing node."""
        while path and path not in self.values:
            path = path[:-1]
        mark = self.values.get(path)
        return _position(*mark) if mark is not None else Position(1, 1)

    def key_position(self, path: PathKey) -> Position:
        mark = self.keys.get(path)
        return _position(*mark) if mark is not None else self.position(path)


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise YamlError(f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,}")
    if b"\x00" in raw:
        raise YamlError("file is binary (contains NUL bytes), not UTF-8 YAML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise YamlError("file is not valid UTF-8", Position(line, column)) from None


def load(raw: bytes) -> Document:
    """Parse one YAML document whose top level must be a mapping."""
    node = compose(decode(raw))
    if node is None:
        raise YamlError("file is empty; expected a mapping of keys to values")
    builder = _Builder()
    data = builder.build(node, (), 0)
    if not isinstance(data, dict):
        raise YamlError("the top level must be a mapping of keys to values", _mark(node))
    return Document(data, builder.values, builder.keys)


def compose(text: str) -> Any:
    from yaml import YAMLError

    loader_class = _loader_class()
    try:
        if text.count("[") + text.count("{") > MAX_DEPTH:
            _refuse_deep_flow(loader_class(text))
        return loader_class(text).get_single_node()
    except YAMLError as error:
        if "nesting depth" in str(getattr(error, "problem", "")):
            _refuse_deep_flow(_pure_parser(text))
        raise YamlError(_one_line(error), _problem_position(error)) from None
    except (RecursionError, MemoryError):
        raise YamlError(f"nesting is deeper than {MAX_DEPTH} levels") from None


def _loader_class() -> Any:
    """libyaml's composer through PyYAML: composing is all we need, and it is C-fast.

    Not ruamel.yaml's C parser: the libyaml it bundles rejects
    ``implementation-prs: [https://...]`` (a ``:`` in a flow scalar), which Go's
    yaml.v3 and current libyaml accept.  The bare ``CParser``, not
    ``CBaseLoader``: we never construct, so the constructor's and resolver's
    per-file set-up (15% of composing) is skipped.
    """
    global _LOADER
    if _LOADER is None:
        import yaml

        try:
            from yaml._yaml import CParser as base
        except ImportError:  # a PyYAML built without libyaml: same nodes, slower
            base = yaml.BaseLoader
        defaults = {yaml.ScalarNode: _STR, yaml.SequenceNode: _SEQ, yaml.MappingNode: _MAP}

        class Composer(base):  # type: ignore[misc]
            # No implicit resolvers: every untagged node gets its kind's default
            # tag, as PyYAML's BaseResolver would give it.
            def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
                return defaults[kind]

            def descend_resolver(self, parent: Any, index: Any) -> None:
                pass

            def ascend_resolver(self) -> None:
                pass

        _LOADER = Composer
    return _LOADER


def _pure_parser(text: str) -> Any:
    """PyYAML's pure-Python event parser, which has no nesting limit of its own.

    libyaml 0.2.6 (bundled from PyYAML 6.0.3 on) stops at 1,000 levels, and its
    scanner reads up to a simple key's 1,024 characters ahead before the first
    event: on ``[[[[…`` it fails before our walk counts 65 levels, and the user
    would read libyaml's words.  Only such a file comes here, and the walk stops
    at level 65.
    """
    import yaml

    return yaml.BaseLoader(text)


def _refuse_deep_flow(loader: Any) -> None:
    """Measure nesting on the event stream before composing.

    libyaml's composer recurses on the C stack and crashes the process on
    ~100k nested ``[``; the event parser does not.  We stop at the first event
    past the limit, so a hostile file costs little.
    """
    from yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlError(f"nesting is deeper than {MAX_DEPTH} levels", _mark(event))
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


class _Builder:
    """Turns composed nodes into dicts, lists, strings and None, with limits.

    This walk runs for every value of every file ``check --all`` reads, so
    scalars (most values) are converted inline rather than by a call each.
    """

    def __init__(self) -> None:
        self.values: dict[PathKey, tuple[int, int]] = {}
        self.keys: dict[PathKey, tuple[int, int]] = {}
        self.nodes = 0

    def build(self, node: Any, path: PathKey, depth: int) -> Any:
        self._count(node, depth)
        mark = node.start_mark  # a (line, column) pair is far smaller than a Mark
        self.values[path] = (mark.line, mark.column)
        if node.id == "mapping":
            return self._mapping(node, path, depth)
        if node.id == "sequence":
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return _scalar(node)

    def _count(self, node: Any, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH or node.tag not in _CORE_TAGS:
            _refuse(node, self.nodes, depth)

    def _mapping(self, node: Any, path: PathKey, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        values, keys = self.values, self.keys
        depth += 1
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                raise YamlError("mapping keys must be plain strings", _mark(key_node))
            key = key_node.value
            child = (*path, key)
            if key in result:
                first = _position(*keys[child])
                raise YamlError(
                    f"duplicate key {quoted(key)} (first defined on line {first.line})",
                    _mark(key_node),
                )
            mark = key_node.start_mark
            keys[child] = (mark.line, mark.column)
            if value_node.id != "scalar":
                result[key] = self.build(value_node, child, depth)
                continue
            # _count and _scalar, inlined: this line runs for nearly every value.
            self.nodes += 1
            tag = value_node.tag
            if self.nodes > MAX_NODES or depth > MAX_DEPTH or tag not in _CORE_TAGS:
                _refuse(value_node, self.nodes, depth)
            mark = value_node.start_mark
            values[child] = (mark.line, mark.column)
            text = value_node.value
            result[key] = None if tag == _NULL or (not value_node.style and text in _NULLS) else text
        return result


def _refuse(node: Any, nodes: int, depth: int) -> None:
    if nodes > MAX_NODES:
        raise YamlError(f"more than {MAX_NODES:,} values (an alias bomb?)", _mark(node))
    if depth > MAX_DEPTH:
        raise YamlError(f"nesting is deeper than {MAX_DEPTH} levels", _mark(node))
    raise YamlError(f"tag {quoted(node.tag)} is not allowed in this file", _mark(node))


def _scalar(node: Any) -> str | None:
    if node.tag == _NULL or (not node.style and node.value in _NULLS):
        return None
    return str(node.value)


def _mark(node: Any) -> Position:
    return _position(node.start_mark.line, node.start_mark.column)


def _position(line: int, column: int) -> Position:
    return Position(line + 1, column + 1)


def _problem_position(error: Any) -> Position | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return Position(mark.line + 1, mark.column + 1) if mark is not None else None


def _one_line(error: Any) -> str:
    parts = [getattr(error, "context", None), getattr(error, "problem", None)]
    text = "; ".join(str(part) for part in parts if part) or str(error).splitlines()[0]
    return f"YAML syntax: {text}"
