"""Read scenario YAML into models, reporting every problem as `path:line: message`.

PyYAML keeps line marks on the node tree but drops them from plain data, so we walk the tree once
to map each key path to its line; pydantic's error locations are then looked up in that map.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from scenarios.limits import SCENARIO_FILE_BYTES, YAML_EXPANDED_NODES
from scenarios.model import Scenario
from scenarios.problems import Problem

PACKAGE_ROOT = Path(__file__).resolve().parent


# libyaml's parser when PyYAML was built with it (about ten times faster), else pure Python;
# both keep the line marks the problems need.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ScenarioLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML with 1.2 booleans: only true/false, so `id: no` stays the string "no"."""


ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
Loc = tuple[str | int, ...]
MAX_FILE_BYTES = SCENARIO_FILE_BYTES


@dataclass
class LoadedFile:
    path: Path
    scenario: Scenario | None
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def scenario_id_for(path: Path, root: Path | None) -> str:
    """The id is the path under the scenario root without `.yaml` (e.g. `family/holiday-toast`)."""
    path = path.resolve()
    for base in (root, PACKAGE_ROOT):
        if base is None:
            continue
        try:
            rel = path.relative_to(base.resolve())
        except ValueError:
            continue
        if len(rel.parts) > 1:
            return rel.with_suffix("").as_posix()
    return f"{path.parent.name}/{path.stem}"


def _line_map(node: yaml.Node, loc: Loc, out: dict[Loc, int], problems: list[str]) -> None:
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(f"{line}:duplicate key {key!r} (first at line {seen[key]})")
            seen.setdefault(key, line)
            out[loc + (key,)] = line
            _line_map(value_node, loc + (key,), out, problems)
            out[loc + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, loc + (i,), out, problems)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _alias_problem(root: yaml.Node) -> tuple[int, str] | None:
    """(line, message) when aliases make the document loop or expand past the limit.

    PyYAML resolves an alias to the very node its anchor marks, so the document is a graph:
    one walk of it (each node once, however often it is repeated) finds a node that contains
    itself and counts how many values the document holds with every repetition expanded.
    """
    expanded: dict[int, int] = {}  # id(node) -> values in it, expanded
    open_nodes: set[int] = set()  # on the path from the root to the node being walked
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        key = id(node)
        if closing:
            open_nodes.discard(key)
            size = 1 + sum(expanded[id(child)] for child in _children(node))
            if size > YAML_EXPANDED_NODES:
                return (
                    node.start_mark.line + 1,
                    f"aliases expand this to more than {YAML_EXPANDED_NODES:,} values; "
                    "write the content out, or repeat less",
                )
            expanded[key] = size
            continue
        if key in expanded:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in open_nodes:
                return (
                    child.start_mark.line + 1,
                    "an alias refers to the anchor that contains it: the value would never end",
                )
            if id(child) not in expanded:
                stack.append((child, False))
    return None


def line_for(lines: dict[Loc, int], loc: Iterable[str | int]) -> int:
    """The line of the longest prefix of `loc` that exists in the file (1 when none does)."""
    best = lines.get((), 1)
    prefix: Loc = ()
    for part in loc:
        prefix = prefix + (part,)
        if prefix in lines:
            best = lines[prefix]
    return best


def load_file(path: Path, root: Path | None = None) -> LoadedFile:
    try:
        return _load_file(path, root)
    except RecursionError:  # nesting deeper than Python's stack, in the parser or after it
        problem = Problem(str(path), 1, "error", "YAML nested too deeply", "yaml")
        return LoadedFile(path=path, scenario=None, problems=[problem])


def _load_file(path: Path, root: Path | None) -> LoadedFile:
    shown = str(path)
    result = LoadedFile(path=path, scenario=None)

    def fail(line: int, message: str, code: str) -> LoadedFile:
        result.problems.append(Problem(shown, line, "error", message, code))
        return result

    try:
        with path.open("rb") as stream:  # never more than the limit into memory
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return fail(1, f"cannot read file: {exc.strerror or exc}", "unreadable")
    if len(raw) > MAX_FILE_BYTES:
        return fail(1, f"file is larger than {MAX_FILE_BYTES:,} bytes", "too-large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return fail(line, "file is not valid UTF-8", "encoding")
    try:
        loader = ScenarioLoader(text)
        try:
            node = loader.get_single_node()
            # Before anything walks the tree: aliases make it a graph that may loop or explode.
            alias_problem = _alias_problem(node) if node is not None else None
            if alias_problem is not None:
                return fail(*alias_problem, "alias")
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # PyYAML marks an error at the end of the stream on the line after the last newline;
        # point at the file's last line instead, where an editor can go.
        line = min(mark.line + 1, max(1, len(text.splitlines()))) if mark else 1
        return fail(line, f"YAML syntax error: {exc.problem or exc}", "yaml")
    except yaml.YAMLError as exc:
        return fail(1, f"YAML error: {exc}", "yaml")
    if not isinstance(data, dict):
        return fail(1, "a scenario file must be a mapping (title:, context:, nodes: …)", "shape")
    dupes: list[str] = []
    _line_map(node, (), result.lines, dupes)
    for item in dupes:
        line, message = item.split(":", 1)
        result.problems.append(Problem(shown, int(line), "error", message, "duplicate-key"))
    data["id"] = scenario_id_for(path, root)
    data["content_hash"] = hashlib.sha256(raw).hexdigest()[:16]
    data["source"] = shown
    try:
        result.scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "file"
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                message = f"{where}: this field is required"
            elif err["type"] == "extra_forbidden":
                message = f"{where}: unknown field"
            else:
                message = f"{where}: {message}"
            result.problems.append(
                Problem(shown, line_for(result.lines, loc), "error", message, err["type"])
            )
    return result


def find_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*.yaml") if q.is_file()))
        else:
            files.append(p)
    return files
