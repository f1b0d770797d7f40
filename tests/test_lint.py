"""The code stays `ruff` clean (lint and format), so CI catches a drift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    return subprocess.run([exe, *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_ruff_check():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_layering_core_never_imports_telegram():
    """scenarios/ and state/ stay channel-free; scenarios/ never touches the database."""
    offenders = []
    for package, banned in (
        ("scenarios", ("telegram", "sqlalchemy", "state", "bot")),
        ("state", ("telegram", "bot")),
    ):
        for path in (REPO / package).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                stripped = line.strip()
                if stripped.startswith(("import ", "from ")):
                    module = stripped.split()[1].split(".")[0]
                    if module in banned:
                        offenders.append(f"{path.relative_to(REPO)}: {stripped}")
    assert offenders == []
