"""Benchmark: meeting-map HTML size and time to open in headless Chromium, by sample scale.

    .venv/bin/python benchmarks/bench_maps.py --scales 1 10

Uses the main job's map (offline, with proposals) on the sample at each scale, written two ways side
by side (folium's own GeoJSON, and zy_geo's compact layers, what zy_geo writes); opening time is
``page_ready_s`` is the page's own clock (performance.now() when the map's last script ran);
``chromium_process_s`` is the wall time of the whole headless Chromium run, browser start included.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_areas import _city, _machine_and_commit, _write_section  # noqa: E402
from tests._browser import chromium, open_page  # noqa: E402


def main() -> None:
    from zy_geo.pipeline import run

    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[1, 10])
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args()
    from zy_geo._map_offline import inline_assets
    from zy_geo.maps import map_html

    rows = []
    for scale in args.scales:
        city = _city(scale)
        out = ROOT / "outputs" / "bench" / f"map_{scale:g}"
        out.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        res = run(city, city.with_name("survey_ledger.xlsx"), out_dir=None, keep_going=True)
        build = time.perf_counter() - t
        # the same map two ways, side by side: folium's own GeoJSON (before) and the compact layers (after)
        pages = {"folium GeoJSON": inline_assets(res.fmap.get_root().render()),
                 "compact layers": map_html(res.fmap, offline=True)}
        for variant, page_text in pages.items():
            html = out / f"map_{variant.split()[0]}.html"
            html.write_text(page_text, encoding="utf-8")
            row = {"scale": scale, "variant": variant, "compounds": len(res.compounds),
                   "areas": len(res.proposals.areas), "main_job_s": round(build, 1),
                   "map_build_s": round(res.timings_s["map"], 2), "html_MB": round(html.stat().st_size / 1e6, 2)}
            if chromium():
                import re

                ready = []
                for _ in range(3):  # the median of three opens: the machine is shared
                    page = open_page(html, screenshot=out / f"{html.stem}.png", budget_ms=10000)
                    m = re.search(r'data-zy-ready-ms="(\d+)"', page.dom)
                    ready.append(int(m.group(1)) / 1000 if m else float("nan"))
                row["chromium_process_s"] = round(page.seconds, 2)
                row["page_ready_s"] = round(sorted(ready)[1], 2)
                row["console_errors"] = len(page.console_errors)
            rows.append(row)
            print(row, flush=True)
    machine, commit = _machine_and_commit()
    section = (f"## Meeting map size (`{Path(__file__).name}`)\n\n"
               "Command: `.venv/bin/python benchmarks/bench_maps.py --scales "
               f"{' '.join(f'{s:g}' for s in args.scales)}`"
               f"  \nMachine: {machine}; zy_geo commit {commit}; "
               f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
               f"{pd.DataFrame(rows).to_markdown(index=False)}\n")
    _write_section(args.results, "## Meeting map size", section)
    print(section)


if __name__ == "__main__":
    main()
