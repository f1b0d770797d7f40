"""A cheap, exact pre-check for a regular expression: the literal text its every match starts with.

Python's `re` can't skip ahead in a pattern that opens with `\\b(want|wish|ready) ...`: it tries
every alternative at every position, so a few such rules cost most of screening a long message.
Every match of such a pattern starts with one of a few literal prefixes ("want", "wish", "read");
if none of them occurs in the text (a substring test, done in C), the pattern can't match and
needn't run. The prefixes are read from the pattern's parse tree, never written by hand, so a rule
edited later can't drift from its gate; a pattern whose matches may start with anything gets no
gate (it always runs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

try:  # Python 3.11+: the parser moved; the parse tree's shape is the same
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

PREFIX = 4  # characters of each prefix kept: enough to be rare, few enough to stay small
MIN_PREFIX = 2  # a pattern whose matches may start with less gets no gate
MAX_PREFIXES = 200  # more alternatives than this: no gate (the checks would cost more)
MAX_CLASS = 8  # a character class of at most this many literal characters is expanded

_SKIPPED = {_c.AT}  # zero-width assertions (\b, ^): they consume nothing


class _Open(Exception):
    """A match may start with something no literal prefix describes."""


def _prefixes(items: Sequence, need: int) -> set[str]:
    """The literal prefixes (up to `need` characters) every match of `items` starts with.

    A prefix shorter than `need` means the pattern's literal text ends there (or what follows
    isn't literal): the match still starts with it.
    """
    if need <= 0 or not items:
        return {""}
    op, av = items[0]
    rest = list(items[1:])
    if op in _SKIPPED:
        return _prefixes(rest, need)
    if op is _c.LITERAL:
        return {chr(av) + p for p in _prefixes(rest, need - 1)}
    if op is _c.SUBPATTERN:
        return _prefixes(list(av[-1].data) + rest, need)
    if op is _c.BRANCH:
        out: set[str] = set()
        for sub in av[1]:
            out |= _prefixes(list(sub.data) + rest, need)
        return _bounded(out)
    if op is _c.IN:
        chars = [a for o, a in av if o is _c.LITERAL]
        if len(chars) != len(av) or len(chars) > MAX_CLASS:
            return {""}
        out = set()
        for ch in chars:
            out |= {chr(ch) + p for p in _prefixes(rest, need - 1)}
        return _bounded(out)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
        lo, hi, sub = av
        # Once: the sub-pattern, then the rest. More than once: the prefix ends after the first
        # copy (what follows may be another copy or the rest).
        once = _prefixes(list(sub.data) + (rest if hi == 1 else []), need)
        return _bounded(once | (_prefixes(rest, need) if lo == 0 else set()))
    return {""}  # any other item (., \w, a category, a look-around): the literal text ends here


def _bounded(found: set[str]) -> set[str]:
    if len(found) > MAX_PREFIXES:
        raise _Open
    return found


@dataclass(frozen=True, slots=True)
class Gate:
    """`might_match(t)` is False only when `pattern` can't match `t`."""

    prefixes: tuple[str, ...] | None  # None: no gate, the pattern always runs
    # the prefixes as one alternation of literals: `re` scans for it in C, without trying
    # every alternative at every position as the rule itself would
    _any: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.prefixes is not None:
            object.__setattr__(self, "_any", re.compile("|".join(map(re.escape, self.prefixes))))

    def might_match(self, t: str) -> bool:
        return self._any is None or self._any.search(t) is not None


def gate(pattern: re.Pattern[str]) -> Gate:
    """The gate of a compiled pattern (case-sensitive patterns only; others get none)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return Gate(None)
    try:
        found = _prefixes(list(_p.parse(pattern.pattern, pattern.flags).data), PREFIX)
    except (_Open, RecursionError):
        return Gate(None)
    if not found or min(map(len, found)) < MIN_PREFIX:
        return Gate(None)
    # "want" makes "wanted" redundant: keep only prefixes no shorter one already covers
    kept = sorted(found, key=len)
    minimal = [p for i, p in enumerate(kept) if not any(p.startswith(q) for q in kept[:i])]
    return Gate(tuple(sorted(minimal)))
