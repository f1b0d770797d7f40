"""A small, safe expression language for choice conditions and variable effects.

Authors write Python-looking expressions (`trust >= 2 and not visited("apology")`); we parse them
with `ast` and walk a whitelist of node types, so nothing is ever passed to `eval` and a scenario
file cannot reach attributes, imports or builtins. Arithmetic works on numbers only (`"x" * 10**9`
is refused when the file is checked, and text never takes part at run time), and every number it
makes is kept within ±EXPR_NUMBER_LIMIT, so no expression can build a huge string or integer.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from scenarios.limits import EXPR_NUMBER_LIMIT

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


def bounded(value: Any) -> Any:
    """A number kept within ±EXPR_NUMBER_LIMIT (NaN becomes 0); anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and math.isnan(value):
        return 0
    return max(-EXPR_NUMBER_LIMIT, min(EXPR_NUMBER_LIMIT, value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float)  # bool is an int: True + 1 is 2


def _is_text(node: ast.AST, variables: Mapping[str, Any]) -> bool:
    """Whether `node` is text whatever the run: a quoted string or a `str` variable."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name) and node.id in variables:
        return isinstance(variables[node.id], str)
    return False


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
        value = bounded(node.value)
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
            if _is_text(node.operand, variables):
                raise ExprError("'-' works on numbers only, not on text")

            def negate(v: Mapping[str, Value], c: Mapping[str, int]) -> Value:
                value = inner(v, c)
                return bounded(-value) if _is_number(value) else 0

            return negate
        raise ExprError("only 'not' and '-' are allowed as unary operators")
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        op = _BIN[type(node.op)]
        if _is_text(node.left, variables) or _is_text(node.right, variables):
            symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//"}.get(
                type(node.op), "%"
            )
            raise ExprError(f"'{symbol}' works on numbers only, not on text")
        left, right = _compile(node.left, variables, nodes), _compile(node.right, variables, nodes)

        def binop(v: Mapping[str, Value], c: Mapping[str, int]) -> Value:
            a, b = left(v, c), right(v, c)
            if not (_is_number(a) and _is_number(b)):
                return 0  # text (a variable set oddly) never takes part: no "x" * 10**9
            try:
                return bounded(op(a, b))  # operands are bounded, so this is small too
            except (ZeroDivisionError, OverflowError):
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
