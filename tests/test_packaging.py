"""Dependencies and deployment: floors above known advisories, a hash-checked lock file that the
systemd deployment installs from, a bounded unit that agrees with the docs, and a quiet set-up.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "deploy" / "requirements.txt"
UNIT = ROOT / "deploy" / "rehearse.service"
OPERATIONS = ROOT / "docs" / "operations.md"

# The first release with the fix for every advisory published against earlier ones (GitHub
# advisory database): aiohttp GHSA-cq5v-8q36-5273 (3.14.3) and GHSA-mfx4-hv73-q22v (3.14.2) on
# top of the 3.9-3.13 ones; tornado GHSA-mpf4-983q-p7j4 (6.5.8) and the 6.5.9 fixes.
FIXED_IN = {"aiohttp": "3.14.3", "tornado": "6.5.9"}


def requirements() -> dict[str, Requirement]:
    reqs = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    return {canonicalize_name(r.name): r for r in reqs}


def locked() -> dict[str, tuple[Version, list[str]]]:
    """name -> (pinned version, its hashes) from the lock file."""
    text = LOCK.read_text().replace("\\\n", " ")
    pins: dict[str, tuple[Version, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)$", line)
        assert match, f"not an exact pin with hashes: {line[:80]}"
        hashes = re.findall(r"sha256:([0-9a-f]{64})", match.group(3))
        pins[canonicalize_name(match.group(1))] = (Version(match.group(2)), hashes)
    return pins


def test_floors_exclude_releases_with_known_advisories():
    reqs = requirements()
    for name, fixed in FIXED_IN.items():
        if name in reqs:
            last_bad = Version(fixed).release[:-1] + (Version(fixed).release[-1] - 1,)
            bad = ".".join(map(str, last_bad))
            assert not reqs[name].specifier.contains(bad), f"{name} allows {bad}"
    # tornado came only through python-telegram-bot's `webhooks` extra; the webhook is now
    # served with aiohttp, so it is not a dependency at all (or it must be past the fixes).
    ptb = reqs["python-telegram-bot"]
    assert "webhooks" not in ptb.extras
    pins = locked()
    for name, fixed in FIXED_IN.items():
        if name in pins:
            assert pins[name][0] >= Version(fixed), name


def installed_closure() -> set[str]:
    """Every distribution the installed project needs here, extras and markers followed."""
    env = default_environment()
    seen: set[str] = set()
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in requirements().values()]
    while todo:
        name, extras = todo.pop()
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for raw in metadata.requires(name) or []:
            req = Requirement(raw)
            if req.marker is not None and not any(
                req.marker.evaluate({**env, "extra": extra}) for extra in (extras or {""})
            ):
                continue
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return {key.split("[", 1)[0] for key in seen}


def test_the_lock_pins_everything_with_hashes_within_pyproject_ranges():
    pins = locked()
    for name, req in requirements().items():
        assert name in pins, f"{name} is not in {LOCK.name}"
        assert req.specifier.contains(pins[name][0], prereleases=True), (name, pins[name][0])
    missing = installed_closure() - set(pins)
    assert not missing, f"needed but not locked (run `make lock`): {sorted(missing)}"
    # The project itself is built from the locked setuptools (--no-build-isolation).
    build = Requirement(PYPROJECT["build-system"]["requires"][0])
    assert build.specifier.contains(pins["setuptools"][0])
    assert all(len(hashes) >= 1 for _, hashes in pins.values())
    assert "pip-compile" in LOCK.read_text().splitlines()[1] + LOCK.read_text().splitlines()[2]


def test_the_unit_installs_from_the_lock_is_bounded_and_agrees_with_the_docs():
    unit = UNIT.read_text()
    docs = OPERATIONS.read_text()
    install = "pip install --require-hashes --no-deps -r deploy/requirements.txt"
    assert install in unit and install in docs
    service = unit.split("[Service]", 1)[1].split("[Install]", 1)[0]
    settings = dict(
        line.split("=", 1) for line in service.splitlines() if re.match(r"^[A-Z]\w+=", line)
    )
    assert re.fullmatch(r"\d+[KMG]", settings.get("MemoryMax", "")), settings.get("MemoryMax")
    assert settings.get("TasksMax", "").isdigit()
    assert f"`MemoryMax={settings['MemoryMax']}`" in docs
    assert f"`TasksMax={settings['TasksMax']}`" in docs
    # The env file holds the token: the unit's install line and the docs say the same mode.
    (line,) = [x for x in unit.splitlines() if "install " in x and "rehearse.env" in x]
    mode = re.search(r"-m (0?[0-7]{3})", line).group(1)
    assert mode.lstrip("0") == "600" and "-o root -g root" in line
    assert "/etc/rehearse/rehearse.env` (mode 0600, owned by" in docs.replace("\n", " ")
    assert "root-readable only" not in docs


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
