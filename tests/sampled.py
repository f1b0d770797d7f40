"""Random walks sized twice: a small fixed sample for the quick run and the full count, marked
slow, for `make test`.

`make quick` (`-m "not slow"`) runs the `sample` case of each such test; `make test` and CI run
both, so the full walks are still checked on every change that reaches CI.
"""

from __future__ import annotations

import pytest


def sample_or_all(name: str, sample: object, every: object) -> pytest.MarkDecorator:
    """Parametrize `name` as `sample` (id "sample") and `every` (id "all", marked slow)."""
    return pytest.mark.parametrize(
        name,
        [pytest.param(sample, id="sample"), pytest.param(every, id="all", marks=pytest.mark.slow)],
    )
