"""Benchmark: re-solving a proposal with 10 % of its units locked by a planner's edits, against a fresh proposal.

    .venv/bin/python benchmarks/bench_edits.py --scales 1 10 100

For each scale of the sample city (issue 13: "re-solving with 10 % of the units locked takes no longer than a
fresh proposal"), in one process and one run:

1. the city is read once (not timed);
2. a fresh proposal is made (``propose_areas``, enclosures and pricing included) and written as
   ``proposals.gpkg``;
3. the file is edited as a planner would in QGIS: areas drawn at random (seeded) are kept until they hold
   10 % of the units, every other area is deleted (its units become free); one kept area in ten has its
   boundary redrawn 5 m wider (priced along the drawn line); the rest of the file is left as written;
4. the re-solve is timed: ``read_edits`` on the edited file plus ``propose_areas(..., edits=)``.

After one untimed warm-up, fresh proposal and re-solve alternate ``--repeat`` times (default 5; which goes
first alternates too, and each run starts after a garbage collection); the fastest and the median of each are
reported, so a busy moment of the shared machine hits both alike. Up to ``--pipeline-max-scale`` (default 10)
the run also times what the planner waits for, the faster of two alternating runs each: ``pipeline.propose``
(read the city, propose, write the GeoPackage and workbook) without and with ``edits=``. The run checks
that the locks held (every kept area is in the new proposal with exactly its units, origin ``planner``) and
that every unit has one outcome.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_areas import _city, _machine_and_commit, _write_section  # noqa: E402

HEADING = "## Re-solving with locked units (`bench_edits.py`)"
LOCKED_SHARE = 0.10
REDRAWN_SHARE = 0.10  # of the kept areas
SEED = 13


def _edit(proposal: Path, edited: Path, rng: np.random.Generator) -> tuple[set[str], int, int]:
    """Keep areas until they hold 10 % of the units, delete the others, redraw one kept area in ten."""
    import geopandas as gpd

    areas = gpd.read_file(proposal, layer="areas", engine="pyogrio")
    members = gpd.read_file(proposal, layer="members", engine="pyogrio")
    order = rng.permutation(len(areas))
    size = areas["n_units"].to_numpy()[order]
    n_keep = int(np.searchsorted(np.cumsum(size), LOCKED_SHARE * len(members))) + 1
    kept = areas.iloc[np.sort(order[:n_keep])].copy()
    redraw = rng.choice(len(kept), size=max(1, int(REDRAWN_SHARE * len(kept))), replace=False)
    geom = kept.geometry.to_numpy().copy()
    geom[redraw] = kept.geometry.iloc[redraw].buffer(5, join_style="mitre").to_numpy()
    kept = kept.set_geometry(geom)
    edited.write_bytes(proposal.read_bytes())
    kept.to_file(edited, layer="areas", driver="GPKG", engine="pyogrio")
    locked_units = int(kept["n_units"].sum())
    return set(kept["area_id"]), locked_units, len(redraw)


def _timed(fn) -> tuple[float, object]:
    gc.collect()  # each run starts from the same heap, whatever the one before left
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _run(scale: float, repeat: int, pipeline: bool) -> dict:
    from zy_geo.areas import propose_areas, read_edits
    from zy_geo.io.read import read_city
    from zy_geo.pipeline import propose

    city_path = _city(scale)
    layers = read_city(city_path)
    city = {k: layers.get(k) for k in ("streets", "buildings", "roads", "rivers", "rail")}
    rng = np.random.default_rng(SEED)
    fresh_s, edits_s, read_s = [], [], []
    row: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench_edits-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a redrawn boundary may leave a sliver of a member out: reported
        tmp_path = Path(tmp)
        proposal, edited = tmp_path / "proposals.gpkg", tmp_path / "edited.gpkg"
        fresh = propose_areas(layers["compounds"], **city)  # warm-up, and the proposal the planner edits
        fresh.to_gpkg(proposal)
        kept, locked_units, redrawn = _edit(proposal, edited, rng)

        def resolve():
            t = time.perf_counter()
            edits = read_edits(edited)
            read_s.append(time.perf_counter() - t)
            return propose_areas(layers["compounds"], **city, edits=edits)

        for k in range(repeat):  # alternate which goes first
            for which in ("fresh", "edits") if k % 2 == 0 else ("edits", "fresh"):
                if which == "fresh":
                    s, fresh = _timed(lambda: propose_areas(layers["compounds"], **city))
                    fresh_s.append(s)
                else:
                    s, again = _timed(resolve)
                    edits_s.append(s)
        if pipeline:  # what the planner waits for: zy-geo propose CITY.gpkg [--edits edited.gpkg] --out …
            cli: dict[str, list[float]] = {"fresh": [], "edits": []}
            for which in ("fresh", "edits", "edits", "fresh"):
                cli[which].append(_timed(lambda which=which: propose(
                    city_path, out=tmp_path / f"{which}_cli.gpkg", edits=edited if which == "edits" else None))[0])
            row = {"cli_fresh_s": round(min(cli["fresh"]), 1), "cli_edits_s": round(min(cli["edits"]), 1)}
    by_id = fresh.areas.set_index("area_id")["unit_ids"]
    planner = again.areas[again.areas["origin"] == "planner"].set_index("area_id")["unit_ids"]
    held = set(planner.index) == kept and all(planner[a] == by_id[a] for a in kept)
    once = again.members["unit_id"].is_unique and len(again.members) == len(fresh.members)
    return {
        "scale": scale, "units": len(fresh.members), "areas_fresh": len(fresh.areas),
        "locked_units": locked_units, "locked_share": round(locked_units / len(fresh.members), 3),
        "locked_areas": len(kept), "redrawn": redrawn, "fresh_s": round(min(fresh_s), 3),
        "resolve_s": round(min(edits_s), 3), "of_which_read_edits_s": round(min(read_s), 3),
        "resolve_over_fresh": round(min(edits_s) / min(fresh_s), 2),
        "fresh_median_s": round(float(np.median(fresh_s)), 3), "resolve_median_s": round(float(np.median(edits_s)), 3),
        **row, "areas_after": len(again.areas), "edit_warnings": len(again.problems.warnings),
        "locks_held": bool(held and once), "runs": repeat,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[1, 10])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pipeline-max-scale", type=float, default=10,
                    help="also time pipeline.propose (read the city, propose, write) once each up to this scale")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args()
    rows = []
    for scale in args.scales:
        t = time.perf_counter()
        rows.append(_run(scale, args.repeat, scale <= args.pipeline_max_scale))
        print(f"scale {scale:g}: {rows[-1]} ({time.perf_counter() - t:.0f} s with reading)", flush=True)
    frame = pd.DataFrame(rows)
    for col in ("cli_fresh_s", "cli_edits_s"):  # not timed above --pipeline-max-scale
        if col in frame.columns:
            frame[col] = frame[col].map(lambda v: "–" if pd.isna(v) else f"{v:.1f}")
    table = frame.to_markdown(index=False)
    machine, commit = _machine_and_commit()
    scales = " ".join(f"{s:g}" for s in args.scales)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = (f"{HEADING}\n\n"
               f"Command: `.venv/bin/python benchmarks/bench_edits.py --scales {scales}`  \n"
               f"Machine: {machine}; zy_geo commit {commit}; run {when}\n\n"
               f"A fresh proposal (`propose_areas` on the sample city, already read) against the re-solve after a "
               f"planner's edits (`read_edits` + `propose_areas(..., edits=)`): areas holding {LOCKED_SHARE:.0%} of "
               f"the units kept (locked), one kept area in ten redrawn 5 m wider, every other area deleted so its "
               f"units are solved again. After a warm-up, `runs` alternating runs of each in one process (fastest "
               f"and median). `cli_*`: `pipeline.propose`, faster of two alternating runs each (read the city, "
               f"propose, write; what `zy-geo propose` runs; – above `--pipeline-max-scale`). `locks_held`: every "
               f"kept area came back with exactly its units, and every unit once. The re-solve includes reading the "
               f"edited file (`of_which_read_edits_s`); compare the two columns against the spread between a "
               f"column's fastest and median run, which on this shared machine is of the same size as their "
               f"difference."
               f"\n\n{table}\n")
    _write_section(args.results, HEADING, section)
    print(section)


if __name__ == "__main__":
    main()
