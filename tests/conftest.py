"""Shared fixtures: the shipped library, and small scenario files written per test."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from scenarios.library import Library
from shipped import shipped_library
from texts import MINI

# One BLAS thread per test process, set before anything imports numpy. Fitting a model (the
# language tests) took 5.5 s with OpenBLAS's default of a thread per core on the 2-core machine
# while pytest-xdist ran another worker, and 0.7 s with one: its threads spin waiting for each
# other on vectors far too small to share. A value set in the environment still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def library() -> Library:
    lib = shipped_library()
    assert lib.scenarios, "the shipped library should load"
    return lib


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text as tmp/<context>/<name>.yaml and return the path."""

    def write(text: str, name: str = "family/mini") -> Path:
        path = tmp_path / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def mini_text() -> str:
    return MINI


@pytest.fixture
async def postgres_url():
    """A fresh PostgreSQL schema's URL; skipped without TEST_DATABASE_URL (but failed in CI)."""
    import os

    from pg import fresh_schema

    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        if os.environ.get("CI"):
            pytest.fail("CI must set TEST_DATABASE_URL (see .ci/run)", pytrace=False)
        pytest.skip("TEST_DATABASE_URL is not set")
    async with fresh_schema(raw) as url:
        yield url


@pytest.fixture
def stub():
    """A Bot API stub served on 127.0.0.1 for the length of one test, as strict as Telegram.

    Anything it refused with a 400 fails the test: the bot must never send what Telegram
    refuses (a 429 is not a failure: the bot is expected to wait and retry).
    """
    from stub_api import BotApiStub

    api = BotApiStub().start()
    yield api
    api.stop()
    refused = [(c.method, c.error) for c in api.refusals()]
    assert not refused, f"the bot sent what Telegram refuses: {refused}"
