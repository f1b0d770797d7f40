"""The layering of docs/architecture.md, checked over the import graph (#17).

bot/ → state/ → scenarios/, arrows only down; no import cycles; no SQL or unit of work in bot/
outside the database CLI; no feature service reaching into another feature's tables. Every
import counts, function-local ones included: a local import that hides a cycle is a cycle.

Today's debts are listed below, each with what it owes. A debt paid must leave its list (the
test says so), so the lists only shrink; a new one fails the test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scenarios.validate import cycles as strongly_connected

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "state", "scenarios")
RANK = {"scenarios": 0, "state": 1, "bot": 2}
# Third-party packages a layer must never import.
FORBIDDEN = {
    "scenarios": ("telegram", "sqlalchemy", "aiohttp"),
    "state": ("telegram", "aiohttp"),
}
# The database command line is the one place in bot/ that speaks to the database directly.
DATABASE_CLI = {"bot.cli.db"}
# A feature's tables (state/db/<feature>.py) and repositories; the shared ones (users, runs,
# turns, updates: state/store.py, state/db/models.py) belong to no single feature.
FEATURE_TABLES = {
    "state.db.checkins": "checkins",
    "state.checkins.repo": "checkins",
    "state.db.groups": "groups",
    "state.db.live": "live",
    "state.live.repo": "live",
    "state.safety.repo": "safety",
}
# Which feature a module of state/ belongs to, where its name doesn't say it plainly.
FEATURE_OF = {
    "group_report": "groups",
    "group_images": "groups",
}

# ---- today's debts (#17): shrink these, never grow them ---------------------------------------

# Import cycles (strongly connected modules).
CYCLE_DEBTS: list[frozenset[str]] = []
# bot/ modules that import sqlalchemy, state.db or a feature's repository, or open a unit of work
# themselves (`store.run`, `store.read`, `store.transaction`, a `uow` parameter): how many times.
SQL_IN_BOT_DEBTS: dict[str, int] = {}
# A feature's service importing another feature's tables: (importer, imported).
CROSS_FEATURE_DEBTS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> Iterator[tuple[str, Path, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:  # Alembic's scripts: loaded by Alembic, not imported
                continue
            yield module_name(path), path, ast.parse(path.read_text(encoding="utf-8"))


def absolute(name: str, node: ast.ImportFrom, is_package: bool) -> str:
    """The module a `from … import` names, relative ones made absolute."""
    base = node.module or ""
    if node.level:
        anchor = name.split(".")
        anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
        base = ".".join([*anchor, base] if base else anchor)
    return base


def imports(name: str, tree: ast.Module, is_package: bool) -> Iterator[Import]:
    """Every import in the module, wherever it stands, as absolute module names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = absolute(name, node, is_package)
            yield Import(name, base, node.lineno)
            for alias in node.names:  # `from pkg import module` imports pkg.module
                yield Import(name, f"{base}.{alias.name}", node.lineno)


def names_from_own_package(
    name: str, tree: ast.Module, is_package: bool, modules: set[str]
) -> Iterator[str]:
    """The enclosing packages this module takes a name from (not a module): `from
    bot.features.live import TICK` inside bot.features.live.buttons needs the package's
    __init__.py run first, and that one imports its modules, this one too: a cycle."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = absolute(name, node, is_package)
            inside = base in modules and name.startswith(base + ".")
            if inside and any(f"{base}.{a.name}" not in modules for a in node.names):
                yield base


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, set[str]], list[Import], dict[str, ast.Module]]:
    trees: dict[str, ast.Module] = {}
    paths: dict[str, Path] = {}
    for name, path, tree in sources():
        trees[name], paths[name] = tree, path
    found: list[Import] = []
    edges: dict[str, set[str]] = {name: set() for name in trees}
    for name, tree in trees.items():
        for imp in imports(name, tree, paths[name].name == "__init__.py"):
            found.append(imp)
            # A module importing its own package (`from state.db import checkins` inside
            # state.db) is how Python reaches a sibling, not a dependency on the package.
            inside = name.startswith(imp.imported + ".")
            if imp.imported in trees and imp.imported != name and not inside:
                edges[name].add(imp.imported)
        # …but a name (not a module) taken from its own package is one.
        edges[name].update(
            names_from_own_package(name, tree, paths[name].name == "__init__.py", set(trees))
        )
    return edges, found, trees


def layer(module: str) -> str:
    return module.split(".")[0]


def test_arrows_only_point_down(graph) -> None:
    _, found, _ = graph
    upward = [
        f"{i.importer}:{i.line} imports {i.imported}"
        for i in found
        if layer(i.imported) in RANK and RANK[layer(i.imported)] > RANK[layer(i.importer)]
    ]
    banned = [
        f"{i.importer}:{i.line} imports {i.imported}"
        for i in found
        if layer(i.imported) in FORBIDDEN.get(layer(i.importer), ())
    ]
    assert not upward, "imports against the arrows:\n" + "\n".join(upward)
    assert not banned, "a layer imports what it must not:\n" + "\n".join(banned)


def test_no_import_cycles_beyond_the_listed_debts(graph) -> None:
    edges, _, _ = graph
    cycles = {frozenset(c) for c in strongly_connected(edges)}
    new = [sorted(c) for c in cycles - set(CYCLE_DEBTS)]
    paid = [sorted(c) for c in set(CYCLE_DEBTS) - cycles]
    assert not new, f"import cycles: {new}"
    assert not paid, f"these cycles are gone: remove them from CYCLE_DEBTS: {paid}"


def sql_in_bot(module: str, tree: ast.Module) -> list[str]:
    """Where a bot/ module reaches the database itself: imports and unit-of-work use."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            # `from state.safety import repo` imports the module state.safety.repo
            within = (f"{node.module}.{a.name}" for a in node.names)
            names += [n for n in within if n in FEATURE_TABLES or n == "state.db"]
        for n in names:
            if n.split(".")[0] == "sqlalchemy" or n == "state.db" or n.startswith("state.db."):
                found.append(f"line {node.lineno}: imports {n}")
            elif n in FEATURE_TABLES:
                found.append(f"line {node.lineno}: imports the repository {n}")
        if isinstance(node, ast.Attribute) and node.attr in ("run", "read", "transaction"):
            owner = node.value
            owner_name = (
                owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            )
            if owner_name == "store":
                found.append(f"line {node.lineno}: opens a unit of work (store.{node.attr})")
        if isinstance(node, ast.arg) and node.arg == "uow":
            found.append(f"line {node.lineno}: takes a unit of work")
    return found


def test_no_sql_or_unit_of_work_in_bot_beyond_the_listed_debts(graph) -> None:
    _, _, trees = graph
    counts = {
        module: len(sql_in_bot(module, tree))
        for module, tree in trees.items()
        if layer(module) == "bot" and module not in DATABASE_CLI
    }
    grown = {
        m: sql_in_bot(m, trees[m]) for m, n in counts.items() if n > SQL_IN_BOT_DEBTS.get(m, 0)
    }
    shrunk = {m: n for m, n in counts.items() if m in SQL_IN_BOT_DEBTS and n < SQL_IN_BOT_DEBTS[m]}
    assert not grown, f"bot/ reaches the database itself (move it to a service in state/): {grown}"
    assert not shrunk, f"debts paid: lower SQL_IN_BOT_DEBTS to these counts: {shrunk}"


def feature(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "state" or len(parts) < 2:
        return None
    if parts[1] == "db":
        return FEATURE_TABLES.get(module)
    return FEATURE_OF.get(parts[1], parts[1])


def test_no_feature_reaches_into_another_features_tables(graph) -> None:
    _, found, _ = graph
    crossings = {
        (i.importer, i.imported)
        for i in found
        if i.imported in FEATURE_TABLES
        and feature(i.importer) is not None
        and feature(i.importer) != FEATURE_TABLES[i.imported]
        and i.importer != "state.db.models"  # the registry of every table
    }
    new = sorted(crossings - CROSS_FEATURE_DEBTS)
    paid = sorted(CROSS_FEATURE_DEBTS - crossings)
    assert not new, f"a feature imports another's tables (ask its service instead): {new}"
    assert not paid, f"these are gone: remove them from CROSS_FEATURE_DEBTS: {paid}"


def test_the_rules_name_modules_that_exist(graph) -> None:
    """A rename takes the rules with it: an exception, a table or a debt named here for a module
    that is gone would leave its rule checking nothing, in silence."""
    _, _, trees = graph
    named = {
        *DATABASE_CLI,
        *FEATURE_TABLES,
        *(f"state.{module}" for module in FEATURE_OF),
        *SQL_IN_BOT_DEBTS,
        *(module for cycle in CYCLE_DEBTS for module in cycle),
        *(module for pair in CROSS_FEATURE_DEBTS for module in pair),
    }
    missing = sorted(m for m in named if m not in trees)
    assert not missing, f"tests/test_layers.py names modules that don't exist: {missing}"
    idle = sorted(m for m in DATABASE_CLI if not sql_in_bot(m, trees[m]))
    assert not idle, f"these no longer reach the database; drop their exception: {idle}"


def test_the_checks_see_what_they_look_for() -> None:
    """The detectors themselves, on code written to break each rule."""
    tree = ast.parse(
        "from sqlalchemy import select\n"
        "from state.db.groups import Group\n"
        "async def f(services, uow):\n"
        "    await services.store.run(None, g)\n"
    )
    assert len(sql_in_bot("bot.x", tree)) == 4
    sideways = ast.parse("from state import db, practice\nfrom state.safety import repo, card")
    assert len(sql_in_bot("bot.x", sideways)) == 2
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert feature("state.live.service") == "live" and feature("state.db.groups") == "groups"
    found = list(imports("state.live.service", ast.parse("from .repo import X"), False))
    assert found[0].imported == "state.live.repo"
    modules = {"p", "p.a", "p.b"}
    from_init = ast.parse("from p import b, CONSTANT")
    assert list(names_from_own_package("p.a", from_init, False, modules)) == ["p"]
    assert not list(names_from_own_package("p.a", ast.parse("from p import b"), False, modules))
    assert list(names_from_own_package("p.a", ast.parse("from . import X"), False, modules)) == [
        "p"
    ]
