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
MAX_FILE_BYTES = 1_000_000


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
    shown = str(path)
    result = LoadedFile(path=path, scenario=None)

    def fail(line: int, message: str, code: str) -> LoadedFile:
        result.problems.append(Problem(shown, line, "error", message, code))
        return result

    try:
        raw = path.read_bytes()
    except OSError as exc:
        return fail(1, f"cannot read file: {exc.strerror or exc}", "unreadable")
    if len(raw) > MAX_FILE_BYTES:
        return fail(1, "file is larger than 1 MB", "too-large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return fail(line, "file is not valid UTF-8", "encoding")
    try:
        loader = ScenarioLoader(text)
        try:
            node = loader.get_single_node()
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
