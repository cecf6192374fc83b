#!/usr/bin/env python3
"""Set up zy_geo on a fresh machine and run the main job or the test suite.

    python3 dev.py demo     # create .venv on first use, install, run the main job on the sample
    python3 dev.py test     # same set-up (with test extras), then the whole test suite

Needs only Python >= 3.11 with venv and pip, and the package registries. Extra arguments
after the command are passed on (`python3 dev.py test -k crs`, `python3 dev.py demo --scale 2`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".zy_geo-installed"


def _say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def _run(cmd: list[str | Path], **kw) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)


def ensure_env(extras: str = "test") -> None:
    """Create .venv and install zy_geo (editable) when missing or when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036  (dev.py runs under any python3, before pip checks)
        sys.exit(f"zy_geo needs Python >= 3.11; this is {sys.version.split()[0]}. Run with python3.11 or newer.")
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return
    if not PY.exists():
        _say(f"creating virtual environment in {VENV} (first use)")
        if subprocess.call([sys.executable, "-m", "venv", str(VENV)]) != 0:
            sys.exit("could not create .venv: install your Python's venv module (Debian: apt-get install python3-venv)")
    _say("installing zy_geo and its dependencies (first use or pyproject.toml changed; takes a minute)")
    quiet = [] if os.environ.get("ZY_GEO_VERBOSE") else ["-q"]
    if _run([PY, "-m", "pip", "install", *quiet, "--upgrade", "pip"]) != 0:
        sys.exit("pip upgrade failed: see the messages above")
    if _run([PY, "-m", "pip", "install", *quiet, "-e", f".[{extras}]"]) != 0:
        sys.exit("installing zy_geo failed: see the messages above")
    STAMP.write_text(want)


def ensure_chromium() -> None:
    """Browser tests need headless Chromium; install Debian's package when root and it is missing."""
    if shutil.which("chromium") or shutil.which("chromium-browser") or os.environ.get("ZY_GEO_CHROMIUM"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        _say("installing Debian's chromium for the browser tests (first use)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.call(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
        subprocess.call(["apt-get", "install", "-y", "-qq", "chromium"], env=env,
                        stdout=subprocess.DEVNULL)
    if not shutil.which("chromium"):
        _say("chromium not found: browser tests will be skipped (apt-get install chromium)")


def main(argv: list[str]) -> int:
    """Run ``demo`` or ``test`` with the rest of ``argv``; return the exit code."""
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    ensure_env("test")
    if command == "demo":
        return _run([BIN / "zy-geo", "demo", "--out", "outputs", *rest])
    ensure_chromium()
    code = _run([PY, "-m", "pytest", *rest])
    if code == 5:  # pytest: no tests collected; make it loud
        print("no tests were collected: this is a failure", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
