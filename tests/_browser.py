"""Headless Chromium for map tests: screenshot, rendered DOM, console errors (via --enable-logging)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@dataclass
class PageRun:
    dom: str
    console_errors: list[str]
    seconds: float
    screenshot: Path | None


def open_page(html_file: Path, *, screenshot: Path | None = None, size=(1400, 900), budget_ms=4000) -> PageRun:
    """Load a local HTML file in headless Chromium; return its DOM after scripts ran and console errors."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed")
    url = html_file.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        cmd = [exe, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}",
               "--enable-logging=stderr", "--v=0", "--dump-dom", url]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        seconds = time.perf_counter() - t0
    # Chromium logs every console message (log, warn, error, uncaught exception) as INFO:CONSOLE
    # on stderr without its level; a clean map page logs nothing, so every such line counts.
    errors = [line for line in out.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", f"--virtual-time-budget={budget_ms}",
                            f"--window-size={size[0]},{size[1]}", f"--screenshot={screenshot}", url],
                           capture_output=True, timeout=120, check=False)
    return PageRun(out.stdout, errors, seconds, screenshot if screenshot and screenshot.exists() else None)
