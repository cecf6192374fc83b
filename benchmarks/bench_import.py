"""Benchmark: ``zy-geo import osm`` time and peak memory, on the Beijing extract and on larger ones.

    .venv/bin/python benchmarks/bench_import.py --scales 1 10 100

The larger extracts are the sample city at each scale written out as OSM XML (compounds as
``landuse=residential`` ways, buildings with ``building:levels``, roads by ``highway`` class, the
river as ``natural=water``, the railway): real-looking tags at a known size. Each import runs in a
fresh process (``zy-geo import osm``) that reports its own peak resident memory (``VmHWM``). pyosmium
against GDAL's OSM driver on the Beijing file is measured once, to record why pyosmium was chosen.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_areas import CACHE, _city, _machine_and_commit, _write_section  # noqa: E402

BEIJING = ROOT / "tests" / "data" / "osm" / "beijing_haidian.osm"
HIGHWAY = {"arterial": "primary", "secondary": "secondary", "local": "residential", "path": "footway"}


def sample_as_osm(city_gpkg: Path, out: Path) -> Path:
    """Write a sample city GeoPackage as OSM XML (WGS84), ids unique across nodes, ways and relations."""
    import geopandas as gpd
    import pyogrio
    import shapely

    next_id = [0]
    nodes: list[str] = []
    body: list[str] = []

    def nid(x: float, y: float) -> int:
        next_id[0] += 1
        nodes.append(f'<node id="{next_id[0]}" version="1" lat="{y:.7f}" lon="{x:.7f}"/>')
        return next_id[0]

    def tags(t: dict[str, object]) -> str:
        return "".join(f"<tag k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in t.items() if v not in (None, ""))

    def way(coords, t: dict[str, object], closed: bool) -> None:
        refs = [nid(x, y) for x, y in (coords[:-1] if closed else coords)]
        if closed:
            refs.append(refs[0])
        next_id[0] += 1
        body.append(f'<way id="{next_id[0]}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                    + tags(t) + "</way>")

    def polygons(g):
        return list(getattr(g, "geoms", [g]))

    layers = {name: gpd.read_file(city_gpkg, layer=name).to_crs(4326)
              for name, _ in pyogrio.list_layers(city_gpkg) if name in ("compounds", "buildings", "roads",
                                                                          "rivers", "rail")}
    for _, r in layers["compounds"].iterrows():
        for p in polygons(r.geometry):
            way(list(p.exterior.coords), {"landuse": "residential", "name": r.get("name")}, True)
    for _, r in layers["buildings"].iterrows():
        for p in polygons(r.geometry):
            way(list(p.exterior.coords), {"building": "residential", "building:levels": r.get("floors")}, True)
    for _, r in layers["roads"].iterrows():
        for line in getattr(r.geometry, "geoms", [r.geometry]):
            way(list(line.coords), {"highway": HIGHWAY.get(r.road_class, "service"), "name": r.get("name"),
                                    "bridge": "yes" if r.get("bridge") else None}, False)
    for _, r in layers.get("rail", pd.DataFrame()).iterrows():
        way(list(r.geometry.coords), {"railway": "rail", "bridge": "yes" if r.get("bridge") else None}, False)
    for _, r in layers["rivers"].iterrows():
        for p in polygons(shapely.segmentize(r.geometry, 0.0005)):
            way(list(p.exterior.coords), {"natural": "water", "water": "river", "name": r.get("name")}, True)
    out.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="zy_geo bench">\n'
                   + "\n".join(nodes) + "\n" + "\n".join(body) + "\n</osm>\n", encoding="utf-8")
    return out


#: The import in a fresh process that reports its own peak RSS at exit: VmHWM from /proc (reset by exec,
#: unlike ru_maxrss, which a child started from a large parent inherits), ru_maxrss where there is no /proc.
_CHILD = ("import resource, sys\n"
          "from zy_geo.cli import main\n"
          "def peak():\n"
          "    try:\n"
          "        with open('/proc/self/status') as f:\n"
          "            return next(int(l.split()[1]) for l in f if l.startswith('VmHWM'))\n"
          "    except OSError:\n"
          "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
          "try:\n"
          "    main()\n"
          "finally:\n"
          "    print('PEAK_KB', peak(), file=sys.stderr)\n")


def _run_import(src: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of ``zy-geo import osm`` in a fresh process (it reports its own peak)."""
    t = time.perf_counter()
    cmd = [sys.executable, "-c", _CHILD, "import", "osm", str(src), "--out", str(out), "--force"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"import of {src} failed:\n{done.stdout}\n{done.stderr}")
    peak_kb = int(done.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    return seconds, peak_kb / 1024


def _compare(src: Path) -> dict[str, float]:
    """pyosmium (what zy_geo uses) against GDAL's OSM driver: seconds to read every feature of ``src``."""
    import pyogrio

    from zy_geo.importers import load_profile, read_osm

    t = time.perf_counter()
    for layer in ("points", "lines", "multilinestrings", "multipolygons", "other_relations"):
        pyogrio.read_dataframe(src, layer=layer)
    gdal = time.perf_counter() - t
    t = time.perf_counter()
    read_osm(src, load_profile())
    osmium = time.perf_counter() - t
    return {"gdal_osm_driver_s": round(gdal, 3), "pyosmium_s": round(osmium, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="*", default=[1, 10, 100])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--write", action="store_true", help="Write the table into benchmarks/RESULTS.md.")
    args = ap.parse_args()
    work = CACHE / "import"
    work.mkdir(parents=True, exist_ok=True)
    sources = [("beijing_haidian.osm (real)", BEIJING)]
    for scale in args.scales:
        src = work / f"sample_scale_{scale:g}.osm"
        if not src.exists():
            sample_as_osm(_city(scale), src)
        sources.append((f"sample scale {scale:g} as OSM XML", src))
    rows = []
    for label, src in sources:
        times, peaks = [], []
        for _ in range(args.repeat):
            s, m = _run_import(src, work / "city.gpkg")
            times.append(s)
            peaks.append(m)
        rows.append({"extract": label, "MB": round(src.stat().st_size / 1e6, 1), "seconds (best)": round(min(times), 2),
                     "peak RSS MB": round(max(peaks)), "s per MB": round(min(times) / (src.stat().st_size / 1e6), 2)})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    compare = _compare(BEIJING)
    print(table.to_string(index=False))
    print(compare)
    if args.write:
        machine, commit = _machine_and_commit()
        section = (
            "## Import of OSM extracts (`zy-geo import osm`)\n\n"
            f"Command: `.venv/bin/python benchmarks/bench_import.py --scales {' '.join(f'{s:g}' for s in args.scales)} "
            f"--write`; machine: {machine}; commit {commit}. Each import is a fresh process (`zy-geo import osm`, "
            "including Python start-up and imports, ~2 s), best of "
            f"{args.repeat}; peak RSS is the child's own high-water mark (`VmHWM`).\n\n"
            + table.to_markdown(index=False)
            + f"\n\nReader, same file (Beijing, 2.0 MB), one process: GDAL's OSM driver through pyogrio "
            f"{compare['gdal_osm_driver_s']} s for its five layers, pyosmium {compare['pyosmium_s']} s for what the "
            "profile keeps (areas assembled, broken multipolygons listed).\n"
        )
        _write_section(ROOT / "benchmarks" / "RESULTS.md", "## Import of OSM extracts", section)


if __name__ == "__main__":
    main()
