"""Untrusted YAML in, plain data out: safe_load only, with size and alias caps, and the
line of every mapping kept so that schema errors can name it. PyYAML is imported on the
first load: a run that reads no YAML (the hook on a clean note) does without it."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import UserError

if TYPE_CHECKING:
    import yaml

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_ALIASES = 64
MAX_EXPANDED_NODES = 200_000


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes a reader would visit if every alias were expanded (linear: memoised per node)."""
    import yaml

    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a cycle counts once
    total = 1
    if isinstance(node, yaml.SequenceNode):
        total += sum(_expanded_size(c, memo) for c in node.value)
    elif isinstance(node, yaml.MappingNode):
        total += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    memo[key] = min(total, MAX_EXPANDED_NODES + 1)
    return memo[key]


class LineDict(dict[str, Any]):
    """A mapping that remembers the 1-based line it started on, and each key's line."""

    line: int = 0
    key_lines: dict[str, int]


@lru_cache(maxsize=1)
def _loaders() -> tuple[Any, Any]:
    """(the safe loader, the same keeping lines: LineDict mappings, impossible dates as text)."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class LineLoader(base):
        pass

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
    return base, LineLoader


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    import yaml

    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a scalar", key_node.start_mark)
        skey = str(key)
        if skey in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {skey!r}", key_node.start_mark)
        out[skey] = loader.construct_object(value_node, deep=True)
        out.key_lines[skey] = key_node.start_mark.line + 1
    return out


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A date YAML cannot build (2026-02-31) stays a string, so the schema can name its line."""
    import yaml

    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def load(data: bytes | str, path: str) -> Any:
    """Parse one YAML document; any problem is a UserError naming path and line."""
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
    if len(raw) > MAX_YAML_BYTES:
        raise UserError(f"YAML file is larger than {MAX_YAML_BYTES} bytes", path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise UserError("YAML file is not valid UTF-8", path, line) from None
    import yaml

    plain, with_lines = _loaders()
    try:
        aliases = 0
        for event in yaml.parse(text, Loader=plain):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise UserError(f"more than {MAX_ALIASES} YAML aliases (alias expansion refused)",
                                    path, _line(event.start_mark))
        node = yaml.compose(text, Loader=plain)
        if node is not None and _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            raise UserError(f"YAML expands to more than {MAX_EXPANDED_NODES} nodes through aliases", path,
                            _line(node.start_mark))
        return yaml.load(text, Loader=with_lines)
    except yaml.MarkedYAMLError as e:
        raise UserError(f"invalid YAML: {e.problem or e.context}", path,
                        _line(e.problem_mark or e.context_mark)) from None
    except yaml.YAMLError as e:
        raise UserError(f"invalid YAML: {e}", path) from None


def _line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None else None


def line_of(obj: object, key: str | None = None, default: int = 1) -> int:
    """The line of a mapping (or of one of its keys) loaded by `load`."""
    if isinstance(obj, LineDict):
        if key is not None and key in obj.key_lines:
            return obj.key_lines[key]
        return obj.line or default
    return default
