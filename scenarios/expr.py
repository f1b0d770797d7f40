"""A small, safe expression language for choice conditions and variable effects.

Authors write Python-looking expressions (`trust >= 2 and not visited("apology")`); we parse them
with `ast` and walk a whitelist of node types, so nothing is ever passed to `eval` and a scenario
file cannot reach attributes, imports or builtins.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

Value = bool | int | float | str
Env = tuple[Mapping[str, Value], Mapping[str, int]]  # (variables, visit counts)
Compiled = Callable[[Mapping[str, Value], Mapping[str, int]], Value]

FUNCTIONS = ("visited", "visits")
_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_CMP = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExprError(ValueError):
    """An expression is not in the language, or names something unknown."""


def parse(source: str, variables: Mapping[str, Any], nodes: set[str] | None = None) -> Compiled:
    """Compile `source` to a function of (variables, visits); raise ExprError if it is not valid."""
    if not isinstance(source, str) or not source.strip():
        raise ExprError("empty expression")
    if len(source) > 500:
        raise ExprError("expression longer than 500 characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"cannot parse expression {source!r}: {exc.msg}") from None
    return _compile(tree.body, variables, nodes)


def _compile(node: ast.AST, variables: Mapping[str, Any], nodes: set[str] | None) -> Compiled:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float | str):
        value = node.value
        return lambda v, c: value
    if isinstance(node, ast.Name):
        if node.id in ("true", "True"):
            return lambda v, c: True
        if node.id in ("false", "False"):
            return lambda v, c: False
        if node.id not in variables:
            raise ExprError(f"unknown variable {node.id!r}")
        name = node.id
        return lambda v, c: v[name]
    if isinstance(node, ast.BoolOp):
        parts = [_compile(p, variables, nodes) for p in node.values]
        if isinstance(node.op, ast.And):
            return lambda v, c: all(p(v, c) for p in parts)
        return lambda v, c: any(p(v, c) for p in parts)
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand, variables, nodes)
        if isinstance(node.op, ast.Not):
            return lambda v, c: not inner(v, c)
        if isinstance(node.op, ast.USub):
            return lambda v, c: -inner(v, c)
        raise ExprError("only 'not' and '-' are allowed as unary operators")
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        op = _BIN[type(node.op)]
        left, right = _compile(node.left, variables, nodes), _compile(node.right, variables, nodes)

        def binop(v: Mapping[str, Value], c: Mapping[str, int]) -> Value:
            try:
                return op(left(v, c), right(v, c))
            except (TypeError, ZeroDivisionError):
                return 0

        return binop
    if isinstance(node, ast.Compare):
        left = _compile(node.left, variables, nodes)
        ops = [_CMP.get(type(o)) for o in node.ops]
        if None in ops:
            raise ExprError("only ==, !=, <, <=, >, >= are allowed in comparisons")
        rights = [_compile(r, variables, nodes) for r in node.comparators]

        def compare(v: Mapping[str, Value], c: Mapping[str, int]) -> bool:
            a = left(v, c)
            for op, r in zip(ops, rights, strict=True):
                b = r(v, c)
                try:
                    if not op(a, b):  # type: ignore[misc]
                        return False
                except TypeError:
                    return False
                a = b
            return True

        return compare
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fname = node.func.id
        if fname not in FUNCTIONS or node.keywords or len(node.args) != 1:
            raise ExprError(f'unknown function {fname!r}; use visited("node") or visits("node")')
        arg = node.args[0]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise ExprError(f"{fname}() takes a node id in quotes")
        target = arg.value
        if nodes is not None and target not in nodes:
            raise ExprError(f"{fname}() names unknown node {target!r}")
        if fname == "visited":
            return lambda v, c: c.get(target, 0) > 0
        return lambda v, c: c.get(target, 0)
    raise ExprError(f"{type(node).__name__} is not allowed in scenario expressions")
