"""Which of many patterns might match a text, found in one linear pass by RE2.

Screening runs some fifty Python regular expressions over every window of every message, and
`re` scans the text once per pattern, trying each alternative at each position. RE2's `Set`
(google-re2) runs all of them together as one automaton, in one pass over the text; only the
patterns it names are then run by `re`, which alone decides what a rule found (negation, history,
the match itself). RE2 knows no look-arounds or back-references, so each pattern is given to it
loosened: look-arounds and anchors dropped, which can only let more text through. A pattern RE2
passes over can't match, so the answer is exact: a candidate list, never a verdict.

The loosened copy is read from the pattern's parse tree, never written by hand, so a rule edited
later can't drift from its pre-check. A pattern that can't be loosened (a back-reference) is
always run. Text that isn't ASCII is read by every pattern: RE2's `\\b` and `\\w` are ASCII's,
Python's are Unicode's (what `crisis.normalise` returns is ASCII).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import re2

try:  # Python 3.11+: the parser moved; the parse tree's shape is the same
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

log = logging.getLogger(__name__)

# Room for the automaton's states: a window is a few hundred bytes, and a Set never gives up for
# being slow (RE2 only bails on a search of one pattern); when its cache fills, it clears it and
# goes on (a review matched 2 MB texts at this budget). The binding can't tell a failed match
# from no match, so this budget is kept far above what a window needs.
MAX_MEM = 64 << 20
MAX_REPEAT = 1000  # RE2's limit on a counted repeat

# Python's \s on ASCII text (str.isspace): RE2's \s leaves out \v and \x1c-\x1f.
_SPACE = r"\t\n\x0b\x0c\r\x1c-\x1f "
_CATEGORY = {
    _c.CATEGORY_DIGIT: r"0-9",
    _c.CATEGORY_WORD: r"0-9A-Za-z_",
    _c.CATEGORY_SPACE: _SPACE,
    # RE2's own negated classes are supersets of Python's on ASCII text, which is all we need
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_NOT_WORD: r"\W",
    _c.CATEGORY_NOT_SPACE: r"\S",
}
_NEGATED = (_c.CATEGORY_NOT_DIGIT, _c.CATEGORY_NOT_WORD, _c.CATEGORY_NOT_SPACE)


class Untranslatable(ValueError):
    """The pattern has something RE2 can't be given even loosened: it always runs."""


class _Loose(Exception):
    """Raised inside `exact`'s walk where `loosened` lets more through than the pattern."""


_EXACT: list[bool] = []  # the walk in progress: [False] once something was loosened


def _loosen() -> None:
    if _EXACT:
        _EXACT[0] = False


def loosened(pattern: re.Pattern[str]) -> str:
    """RE2 syntax for a superset of what `pattern` matches, on ASCII text."""
    return _translate(pattern)[0]


def required(pattern: re.Pattern[str]) -> list[str]:
    """RE2 syntax for what else must match somewhere in a text `pattern` matches: the loosened
    body of each look-ahead or look-behind (positive) of the pattern's top level, which
    `loosened` drops. Where the pattern matches, each such body matches at some position of the
    text, so a text where RE2 names the pattern but not one of these can't match it.
    ("^(?=.*revenge)(?=.*gun)" loosened is "", which matches every text.) A body that can't be
    translated is left out: fewer needs only let more through."""
    flags = pattern.flags
    if flags & re.IGNORECASE and not pattern.pattern.isascii():
        return []
    out = []
    for op, av in _p.parse(pattern.pattern, flags).data:
        if op is _c.ASSERT:
            try:
                body = _seq(av[1].data, bool(flags & re.DOTALL))
            except (Untranslatable, KeyError):
                continue
            if body:
                out.append(("(?i)" if flags & re.IGNORECASE else "") + body)
    return out


def _translate(pattern: re.Pattern[str]) -> tuple[str, bool]:
    """`loosened`, and whether it matches exactly what `pattern` matches on ASCII text (no
    look-around or anchor dropped, no repeat widened, no negated class RE2 reads wider)."""
    _EXACT[:] = [True]
    try:
        return _loosened(pattern), _EXACT[0]
    finally:
        _EXACT.clear()


def _loosened(pattern: re.Pattern[str]) -> str:
    flags = pattern.flags
    if flags & re.IGNORECASE and not pattern.pattern.isascii():
        # Python folds "ı" and "İ" to "i"; RE2 doesn't: ASCII text could match only in `re`
        raise Untranslatable("case folding beyond ASCII")
    body = _seq(_p.parse(pattern.pattern, pattern.flags).data, bool(flags & re.DOTALL))
    return ("(?i)" if flags & re.IGNORECASE else "") + body


def _seq(items: Sequence, dotall: bool) -> str:
    return "".join(_item(op, av, dotall) for op, av in items)


def _char(code: int) -> str:
    ch = chr(code)
    return ch if ch.isascii() and ch.isalnum() or ch == " " else f"\\x{{{code:x}}}"


def _item(op, av, dotall: bool) -> str:  # noqa: C901 - one case per node kind of the parse tree
    if op is _c.LITERAL:
        return _char(av)
    if op is _c.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is _c.ANY:
        return "(?s:.)" if dotall else "[^\\n]"
    if op is _c.IN:
        return _class(av)
    if op is _c.CATEGORY:
        if av in _NEGATED:
            _loosen()
        return f"[{_CATEGORY[av]}]"
    if op is _c.BRANCH:
        return "(?:" + "|".join(_seq(sub.data, dotall) for sub in av[1]) + ")"
    if op is _c.SUBPATTERN:
        _group, add, drop, sub = av
        if add or drop:
            raise Untranslatable("inline flags")
        return f"(?:{_seq(sub.data, dotall)})"
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)):
        lo, hi, sub = av
        body = f"(?:{_seq(sub.data, dotall)})"
        if lo > MAX_REPEAT:
            raise Untranslatable("repeat")
        if op is not _c.MAX_REPEAT and op is not _c.MIN_REPEAT:
            _loosen()  # possessive: RE2 may find a match the pattern gives up on
        if hi is _c.MAXREPEAT or hi > MAX_REPEAT:  # "or more" lets more through: still a superset
            if hi is not _c.MAXREPEAT:
                _loosen()
            return f"{body}{{{lo},}}"
        return f"{body}{{{lo},{hi}}}"
    if op is getattr(_c, "ATOMIC_GROUP", None):
        _loosen()
        return f"(?:{_seq(av.data, dotall)})"
    if op is _c.AT:
        if av is _c.AT_BOUNDARY:
            return r"\b"
        if av is _c.AT_NON_BOUNDARY:
            return r"\B"
        _loosen()
        return ""  # ^, $, \A, \Z: dropping an anchor only lets more through
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        _loosen()
        return ""  # the same for a look-ahead or look-behind
    raise Untranslatable(str(op))  # a back-reference, a conditional group


def _class(items: Sequence) -> str:
    parts, negate = [], False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            parts.append(_char(av))
        elif op is _c.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _c.CATEGORY:
            if negate and av in _NEGATED:  # RE2's \S is wider than Python's: negated, narrower
                raise Untranslatable("a negated class of negated classes")
            if av in _NEGATED:
                _loosen()
            parts.append(_CATEGORY[av])
        else:
            raise Untranslatable(str(op))
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


class Prefilter:
    """`candidates(t)`: the indexes of the patterns that might match `t`; the others can't."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        options = re2.Options()
        options.max_mem = MAX_MEM
        options.log_errors = False
        self._set = re2.Set.SearchSet(options)
        self._slots: list[int] = []  # the Set's entries -> the caller's indexes (-1: a need's)
        # a pattern's own entry and those of its needs (`required`): all must be named
        self._needs: dict[int, frozenset[int]] = {}
        always: list[int] = []
        exact: list[int] = []
        for i, pattern in enumerate(patterns):
            try:
                translated, same = _translate(pattern)
                self._set.Add(translated)
            except (Untranslatable, KeyError, re2.error):
                always.append(i)
                continue
            self._slots.append(i)
            if same:
                exact.append(i)
            needs = []
            for need in required(pattern):
                try:
                    self._set.Add(need)
                except re2.error:  # pragma: no cover - a need RE2 refuses is just not asked
                    continue
                needs.append(len(self._slots))
                self._slots.append(-1)
            if needs:
                self._needs[i] = frozenset([len(self._slots) - len(needs) - 1, *needs])
        self._all = frozenset(range(len(patterns)))
        try:
            self._set.Compile()
        except re2.error:  # never seen; were it to happen, every pattern runs, as without RE2
            log.error("RE2 could not compile the pre-check: every pattern runs")
            always, self._slots, exact = list(range(len(patterns))), [], []
            self._needs = {}
        self.always = frozenset(always)
        # the patterns RE2 was given unloosened: on ASCII text, RE2 naming one is its match
        self.exact = frozenset(exact)

    def candidates(self, t: str) -> frozenset[int]:
        if not t.isascii() or not self._slots:  # no slots: RE2 vouches for none, all run
            return self._all
        found = self._set.Match(t)
        if not found:
            return self.always
        slots, needs = self._slots, self._needs
        if not needs:
            return self.always.union(slots[k] for k in found)
        entries = frozenset(found)  # a pattern with needs is named only with all of them
        return self.always.union(
            i for k in found if (i := slots[k]) >= 0 and (i not in needs or needs[i] <= entries)
        )

    def matches(self, t: str) -> tuple[frozenset[int], frozenset[int]]:
        """(`candidates`, those of them that match for certain): a pattern RE2 read exactly
        (`exact`) matches ASCII text if and only if RE2 names it, so `re` needn't run it to
        know that it matches (only where, when the caller asks)."""
        maybe = self.candidates(t)
        if maybe is self._all or not self.exact:  # not ASCII (or no RE2): nothing is certain
            return maybe, frozenset()
        return maybe, maybe & self.exact
