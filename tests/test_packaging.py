"""Dependencies and deployment: floors above known advisories, a hash-checked lock file that the
systemd deployment installs from, a bounded unit that agrees with the docs, and a quiet set-up.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "deploy" / "requirements.txt"
UNIT = ROOT / "deploy" / "rehearse.service"
OPERATIONS = ROOT / "docs" / "operations.md"


def test_setting_up_prints_no_warning(tmp_path):
    """What `make` runs for the project (an editable build by setuptools) says nothing.

    It printed a page of deprecation warnings about `license = { text = ... }` and a notice
    about the editable import hook. Built here from a copy, as pip's build step does.
    """
    copy = tmp_path / "src"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*")
    for package in ("bot", "state", "scenarios"):
        shutil.copytree(ROOT / package, copy / package, ignore=ignore)
    build = (
        "import warnings; warnings.simplefilter('always');"
        "from setuptools import build_meta as b;"
        "print(b.build_editable('dist'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", build],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Warning" not in output and "!!" not in output, output[-3000:]
    wheel = copy / "dist" / result.stdout.strip().splitlines()[-1]
    from zipfile import ZipFile

    with ZipFile(wheel) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in meta
