"""Fetch the JS/CSS an offline map needs from the npm registry into zy_geo/static/.

    python scripts/vendor_assets.py

Uses ``npm pack`` (npm registry only), extracts the few files the maps use, and writes
zy_geo/static/README.md with versions, licences and sha256 sums. Run it when upgrading a version
below; commit the result.
"""

from __future__ import annotations

import hashlib
import subprocess
import tarfile
import tempfile
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "zy_geo" / "static"

# package, version (folium 0.20 pins these versions on its CDN), licence, files to take (in the tarball)
PACKAGES = [
    ("leaflet", "1.9.3", "BSD-2-Clause", ["dist/leaflet.js", "dist/leaflet.css", "dist/images/layers.png",
                                          "dist/images/layers-2x.png", "dist/images/marker-icon.png",
                                          "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png",
                                          "LICENSE"]),
    ("leaflet.fullscreen", "3.0.0", "MIT", ["Control.FullScreen.js", "Control.FullScreen.css",
                                            "icon-fullscreen.svg", "LICENSE"]),
    ("leaflet-search", "2.9.7", "MIT", ["dist/leaflet-search.min.js", "dist/leaflet-search.min.css",
                                        "images/search-icon.png", "images/loader.gif", "license.txt"]),
]


def main() -> None:
    STATIC.mkdir(parents=True, exist_ok=True)
    lines = ["# Vendored map assets", "",
             "Fetched from the npm registry by `scripts/vendor_assets.py`; inlined into offline maps.", "",
             "| package | version | licence | file | sha256 |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for pkg, version, licence, files in PACKAGES:
            out = subprocess.run(["npm", "pack", f"{pkg}@{version}", "--silent"], cwd=tmp,
                                 capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            dest = STATIC / pkg
            dest.mkdir(exist_ok=True)
            with tarfile.open(Path(tmp) / out) as tar:
                members = {m.name.removeprefix("package/"): m for m in tar.getmembers()}
                for name in files:
                    data = tar.extractfile(members[name]).read()
                    target = dest / Path(name).name
                    target.write_bytes(data)
                    digest = hashlib.sha256(data).hexdigest()[:16]
                    lines.append(f"| {pkg} | {version} | {licence} | `{pkg}/{target.name}` | {digest}… |")
    (STATIC / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {STATIC}")


if __name__ == "__main__":
    main()
