"""The lint and type settings in pyproject.toml hold for the whole tree (ruff) and the package (mypy)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_ruff_finds_nothing():
    r = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]


def test_mypy_finds_nothing_in_the_package():
    r = _run("mypy", "--cache-dir", str(ROOT / ".mypy_cache"), "zy_geo")
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]
