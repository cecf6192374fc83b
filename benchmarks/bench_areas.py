"""Benchmark: management-area proposal vs a DBSCAN proximity baseline and spopt max-p.

All methods run on the *same units* (unmanaged compounds + orphan-building groups of the sample
city) in the same run, each in its own subprocess so peak memory is per method; each method is
timed ``--repeat`` times (default 3) and the fastest run is reported (the machine is shared).

Methods: ``zy_geo`` (the proposal, enclosures and exact pricing included); ``zy_geo_fence_first``
(the same with ``coverage_weight_m=0``: least new fence rather than most households covered);
``zy_geo_no_hh_max`` (without the household maximum: what that planning rule costs in fence);
``dbscan`` (scikit-learn, same 60 m distance, ``min_samples=1``); ``dbscan_rules`` (the same clusters
made to keep the rules: split at barriers and street lines, groups over the household maximum halved
along their long axis until they fit); ``maxp`` (spopt max-p, same household floor, per connected
component, 10 constructions and 1 annealing pass); ``maxp_default`` (the same with spopt's own
defaults: 999 constructions, 10 annealing passes; small sizes only).

Every grouping is scored by the same evaluator and priced by the same function
(``zy_geo.areas.fencing.enclose_many`` with the group's enclosure, crossable roads and building façades):

* areas crossing a barrier / a street line: members in different enclosures / streets;
* covered share: unmanaged households in a viable area (min ≤ households ≤ max unless one unit,
  one enclosure, one street);
* new fence per household over viable areas, and areas over the 50,000-yuan cap;
* new fence per household to enclose *every* unmanaged household: each group split at barriers and
  street lines (a fence cannot cross them), every leftover unit alone, absorbed units the cheaper
  way: the managed neighbour's fence moved out around them, or their own.

Run (writes a section into benchmarks/RESULTS.md)::

    .venv/bin/python benchmarks/bench_areas.py --scales 0.1 0.25 1 10 100
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "outputs" / "bench"
SEED = 2023
MAXP_LIMIT_UNITS = 100_000  # max-p runs per connected component; raise/lower to include/skip sizes
# spopt defaults (999 constructions, 10 annealing passes): 70 s for 52 units, 11 min for 402
MAXP_DEFAULT_LIMIT_UNITS = 500
METHODS = ("zy_geo", "zy_geo_fence_first", "zy_geo_no_hh_max", "dbscan", "dbscan_rules", "maxp", "maxp_default")
TIMEOUT_S = 1200


def _city(scale: float) -> Path:
    from zy_geo.sample.generate import generate_sample

    out = CACHE / f"scale_{scale:g}"
    city = out / "city.gpkg"
    if not city.exists():
        generate_sample(out, scale=scale, seed=SEED)
    return city


def _units(scale: float):
    from zy_geo.areas.config import ProposalParams
    from zy_geo.areas.enclosures import assign_enclosure, enclosures
    from zy_geo.areas.units import build_units
    from zy_geo.io.read import read_city

    layers = read_city(_city(scale))
    p = ProposalParams()
    everything = build_units(layers["compounds"], layers.get("buildings"), orphan_gap_m=p.orphan_gap_m)
    enc = enclosures(layers["streets"], rivers=layers.get("rivers"), rail=layers.get("rail"),
                     roads=layers.get("roads"), crossable=p.crossable)
    everything["enclosure_id"] = assign_enclosure(everything, enc).fillna("").astype(str)
    everything["street_of"] = everything["enclosure_id"].map(enc.set_index("enclosure_id")["street"])
    units = everything[everything["role"] == "unit"].reset_index(drop=True)
    anchors = everything[everything["role"] == "anchor"].reset_index(drop=True)
    return layers, units, enc, p, anchors


def _dbscan(units, p) -> np.ndarray:
    import shapely
    from scipy.sparse import coo_matrix
    from sklearn.cluster import DBSCAN

    g = units.geometry.values
    i, j = shapely.STRtree(g).query(g, predicate="dwithin", distance=p.max_gap_m)
    d = shapely.distance(g[i], g[j])
    graph = coo_matrix((d + 1e-9, (i, j)), shape=(len(g), len(g))).tocsr()
    return DBSCAN(eps=p.max_gap_m + 1e-6, min_samples=1, metric="precomputed").fit_predict(graph)


def _dbscan_rules(units, p) -> np.ndarray:
    """DBSCAN clusters made to keep the planning rules: one group per enclosure (barriers and street
    lines split it), and a group over ``max_households`` halved along its long axis (by households)
    until every part fits or is one unit."""
    import shapely

    labels = _dbscan(units, p)
    hh = units["households"].to_numpy()
    xy = shapely.get_coordinates(shapely.centroid(units.geometry.values))
    enc = units["enclosure_id"].astype(str).to_numpy()
    out = np.full(len(units), -1)
    nxt = 0

    def halve(idx):
        if hh[idx].sum() <= p.max_households or len(idx) == 1:
            return [idx]
        c = xy[idx] - xy[idx].mean(axis=0)
        axis = np.linalg.svd(c, full_matrices=False)[2][0]
        order = idx[np.argsort(c @ axis, kind="stable")]
        cum = np.cumsum(hh[order])
        k = min(max(int(np.searchsorted(cum, cum[-1] / 2)), 1), len(order) - 1)
        return halve(order[:k]) + halve(order[k:])

    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        for e in sorted(set(enc[idx])):
            for part in halve(idx[enc[idx] == e]):
                out[part] = nxt
                nxt += 1
    return out


def _patch_spopt_sa_loop() -> None:
    """Apply the fix of spopt PR #506 to spopt 0.7 (0.8 has it but needs Python >= 3.12).

    In spopt 0.7 the annealing loops forever when no movable unit borders another region (e.g. a
    component that construction leaves as one region): candidates are dropped, picked again, and
    the no-move counter never advances. The fix keeps only candidates with a neighbour in another
    region; we filter the library's own candidate list the same way.
    """
    import spopt.region.maxp as mod

    if getattr(mod._pick_move_area, "_zy_patched", False):
        return
    original = mod._pick_move_area

    def pick(labels, region_lists, region_spatial_attrs, threshold_array, weight, distance_matrix, threshold):
        cands = original(labels, region_lists, region_spatial_attrs, threshold_array, weight, distance_matrix,
                         threshold)
        return [a for a in cands if any(labels[nb] != labels[a] for nb in weight.neighbors[a])]

    pick._zy_patched = True
    mod._pick_move_area = pick


def _maxp(units, p, *, constructions: int = 10, annealing: int = 1) -> np.ndarray:
    """spopt max-p with the same household floor, run per connected component of the proximity graph.

    (On the whole graph spopt fails on islands/components under the floor — IndexError in
    _assign_enclave — and policy="single" would join components across barriers; see PEERS.md.)
    """
    import shapely
    from libpysal.weights import W
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from spopt.region import MaxPHeuristic

    _patch_spopt_sa_loop()

    g = units.geometry.values
    n = len(g)
    i, j = shapely.STRtree(g).query(g, predicate="dwithin", distance=p.max_gap_m)
    _, comp = connected_components(coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)
    hh = units["households"].to_numpy()
    xy = shapely.get_coordinates(shapely.centroid(g))
    labels = np.full(n, -1)
    next_label = 0
    for c in np.unique(comp):
        idx = np.flatnonzero(comp == c)
        if hh[idx].sum() < p.min_households:
            continue
        if len(idx) == 1:
            labels[idx] = next_label
            next_label += 1
            continue
        pos = {int(k): m for m, k in enumerate(idx)}
        neighbors = {m: [] for m in range(len(idx))}
        sel = np.isin(i, idx) & (i != j)
        for a, b in zip(i[sel], j[sel], strict=True):
            neighbors[pos[int(a)]].append(pos[int(b)])
        gdf = units.iloc[idx][["households", "geometry"]].reset_index(drop=True)
        gdf["x"], gdf["y"] = xy[idx, 0], xy[idx, 1]
        w = W(neighbors, silence_warnings=True)
        model = MaxPHeuristic(gdf, w, ["x", "y"], "households", p.min_households, top_n=2,
                              max_iterations_construction=constructions, max_iterations_sa=annealing, policy="keep")
        model.solve()
        sub = np.asarray(model.labels_)
        ok = sub >= 0
        labels[idx[ok]] = sub[ok] + next_label
        next_label += int(sub.max()) + 1 if ok.any() else 0
    return labels


def _zy(layers, p):
    from zy_geo.areas.propose import propose_areas

    r = propose_areas(layers["compounds"], streets=layers["streets"], buildings=layers.get("buildings"),
                      roads=layers.get("roads"), rivers=layers.get("rivers"), rail=layers.get("rail"), params=p)
    return r


class _Pricer:
    """Prices groups of units the same way for every method: ``zy_geo.areas.fencing.enclose_many`` with each
    group's enclosure (when it has one), the crossable roads (gates) and the building façades."""

    def __init__(self, layers, units, enc, p, anchors):
        from zy_geo.areas.fencing import Surroundings
        from zy_geo.settings import Settings

        self.s = Settings()
        self.p = p
        self.around = Surroundings(layers.get("buildings"), layers.get("roads"), p.crossable)
        self.enc_geom = dict(zip(enc["enclosure_id"], enc.geometry.to_numpy(), strict=True))
        self.geoms = units.geometry.to_numpy()
        self.walled = units["walled"].to_numpy(dtype=bool)
        self.enc = units["enclosure_id"].to_numpy(dtype=object)
        self.a_index = dict(zip(anchors["unit_id"], range(len(anchors)), strict=True))
        self.a_geoms = anchors.geometry.to_numpy()
        self.a_walled = anchors["walled"].to_numpy(dtype=bool)

    def price(self, groups):
        """``groups``: list of (geoms, walled, enclosure_id) → list of Enclosure."""
        from zy_geo.areas.fencing import enclose_many

        if not groups:
            return []
        geoms = np.concatenate([g for g, _, _ in groups])
        walled = np.concatenate([w for _, w, _ in groups])
        group_of = np.repeat(np.arange(len(groups)), [len(g) for g, _, _ in groups])
        within = np.array([self.enc_geom.get(e) if e else None for _, _, e in groups], dtype=object)
        return enclose_many(geoms, group_of, walled=walled, settings=self.s, within=within, around=self.around,
                            hull_ratio=self.p.hull_ratio)

    def units(self, idx, enclosure_id=None):
        """A group of units (in one enclosure, or priced unclipped when they span several)."""
        if enclosure_id is None:
            encs = set(self.enc[idx])
            enclosure_id = encs.pop() if len(encs) == 1 else None
        return self.geoms[idx], self.walled[idx], enclosure_id

    def split(self, idx):
        """The groups a planner would really have to fence: one per barrier face (a fence cannot cross a
        river, rail, arterial or street line)."""
        return [self.units(idx[self.enc[idx] == e], e) for e in sorted(set(self.enc[idx]))]

    def extension(self, anchor_id, idx):
        """Absorbing units into a managed compound: (enlarged outline, the anchor's own) to subtract."""
        k = self.a_index[anchor_id]
        geoms = np.concatenate([[self.a_geoms[k]], self.geoms[idx]])
        walled = np.concatenate([[self.a_walled[k]], self.walled[idx]])
        e = self.enc[idx[0]]
        return (geoms, walled, e), (geoms[:1], walled[:1], e)


def run_one(method: str, scale: float, repeat: int = 1) -> dict:
    """Run one method on one scale (in this process; the fastest of ``repeat`` runs) and score it."""
    layers, units, enc, p, anchors = _units(scale)
    if method.startswith("dbscan"):
        import sklearn.cluster  # noqa: F401  (import outside the timed region)
    elif method.startswith("maxp"):
        import spopt.region  # noqa: F401
    absorbed = pd.Series(dtype=object)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        if method == "dbscan":
            labels = _dbscan(units, p)
        elif method == "dbscan_rules":
            labels = _dbscan_rules(units, p)
        elif method == "maxp":
            labels = _maxp(units, p)
        elif method == "maxp_default":  # spopt's own defaults: 999 constructions, 10 annealing passes
            labels = _maxp(units, p, constructions=999, annealing=10)
        else:
            # variants: least fence instead of most coverage; no household maximum (what that rule costs)
            variant = {"zy_geo": {}, "zy_geo_fence_first": {"coverage_weight_m": 0.0},
                       "zy_geo_no_hh_max": {"max_households": 10**9}}[method]
            res = _zy(layers, dataclasses.replace(p, **variant))
        times.append(time.perf_counter() - t0)
    elapsed = min(times)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before scoring
    if method.startswith("zy_geo"):
        m = res.members.set_index("unit_id").reindex(units["unit_id"])
        area_of = m["area_id"].to_numpy()
        _, labels = np.unique(np.where(pd.isna(area_of), "", area_of).astype(str), return_inverse=True)
        labels = np.where(pd.isna(area_of), -1, labels)
        absorbed = m["absorbed_by"].reset_index(drop=True).dropna()

    df = pd.DataFrame({"label": labels, "hh": units["households"].to_numpy(),
                       "enc": units["enclosure_id"].astype(str).to_numpy(),
                       "street": units["street_of"].astype(str).to_numpy()})
    df = df[df["label"] >= 0]
    grp = df.groupby("label")
    n_enc = grp["enc"].nunique()
    n_street = grp["street"].nunique()
    hh = grp["hh"].sum()
    # viable, the same rule for every method: enough households to support a service, within the
    # household maximum unless it is one unit (a large compound stays an area of its own), and
    # enclosable (members in one enclosure and one street)
    size = grp.size()
    viable = (hh >= p.min_households) & ((hh <= p.max_households) | (size == 1)) & (n_enc == 1) & (n_street == 1)
    total_hh = int(units["households"].sum())
    price = _Pricer(layers, units, enc, p, anchors)
    members = {lab: df.index.to_numpy()[pos] for lab, pos in sorted(grp.indices.items())}  # units of each group
    v_labels = list(viable[viable].index)
    v_priced = price.price([price.units(members[lab]) for lab in v_labels])
    fence = sum(e.new_fence_m for e in v_priced)
    hh_v = float(hh[v_labels].sum()) if v_labels else 0.0
    over = sum(e.cost_yuan > price.s.subsidy_cap_yuan for e in v_priced)
    # every unmanaged household needs a fence in the end: every group as a planner would have to build
    # it (split at barriers and street lines), every leftover unit on its own, absorbed units as an
    # extension of their managed neighbour
    groups = [g for idx in members.values() for g in price.split(idx)]
    taken = set(absorbed.index)
    groups += [price.units(np.array([k])) for k in np.flatnonzero(labels < 0) if k not in taken]
    fence_all = sum(e.new_fence_m for e in price.price(groups))
    # absorbed units: the cheaper of moving the neighbour's fence out around them and their own fence
    ext = [price.extension(a, np.asarray(g.index)) for a, g in absorbed.groupby(absorbed)]
    grown = price.price([x for x, _ in ext])
    anchor = price.price([y for _, y in ext])
    own = price.price([price.units(np.asarray(g.index)) for _, g in absorbed.groupby(absorbed)])
    fence_all += sum(min(max(g.new_fence_m - a.new_fence_m, 0.0), o.new_fence_m)
                     for g, a, o in zip(grown, anchor, own, strict=True))
    return {
        "method": method, "scale": scale, "units": len(units), "seconds": round(elapsed, 3),
        "runs": repeat,
        "peak_rss_mb": round(peak, 1),
        "areas": len(hh), "viable_areas": int(viable.sum()),
        "areas_over_max_households": int(((hh > p.max_households) & (size > 1)).sum()),
        "areas_crossing_barrier": int((n_enc > 1).sum()), "areas_crossing_street": int((n_street > 1).sum()),
        "covered_share": round(float(hh[viable].sum() / total_hh), 3) if total_hh else None,
        "fence_m_per_household": round(float(fence / hh_v), 3) if hh_v else None,
        "fence_m_per_household_all": round(fence_all / total_hh, 3) if total_hh else None,
        "areas_over_cap": int(over),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", nargs="+", type=float, default=[0.1, 0.25, 1, 10, 100])
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "SCALE"))
    ap.add_argument("--repeat", type=int, default=3, help="time each method this many times, keep the fastest")
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), args.repeat)))
        return
    rows = []
    for scale in args.scales:
        _city(scale)  # generate once, outside the timed runs
        n_units = len(_units(scale)[1])
        for method in METHODS:
            limit = MAXP_DEFAULT_LIMIT_UNITS if method == "maxp_default" else MAXP_LIMIT_UNITS
            if method.startswith("maxp") and n_units > limit:
                rows.append({"method": method, "scale": scale, "units": n_units,
                             "note": f"not run: {n_units} units > {limit}"})
                continue
            repeat = 1 if method == "maxp_default" else args.repeat
            try:
                out = subprocess.run([sys.executable, __file__, "--one", method, str(scale), "--repeat", str(repeat)],
                                     capture_output=True, text=True, check=False, timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                rows.append({"method": method, "scale": scale, "units": n_units,
                             "note": f"did not finish in {TIMEOUT_S} s"})
                continue
            if out.returncode:
                rows.append({"method": method, "scale": scale, "note": out.stderr.strip().splitlines()[-1][:120]})
            else:
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows).fillna("").to_markdown(index=False)
    machine, commit = _machine_and_commit()
    machine += f"; zy_geo commit {commit}"
    scales = " ".join(f"{s:g}" for s in args.scales)
    section = (f"## Management areas (`{Path(__file__).name}`)\n\n"
               f"Command: `.venv/bin/python benchmarks/bench_areas.py --scales {scales}`"
               f"  \nMachine: {machine}; run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{table}\n")
    _write_section(args.results, "## Management areas", section)
    print(section)


def _machine_and_commit() -> tuple[str, str]:
    """This machine (architecture, cores, Python) and the zy_geo commit, for a RESULTS section."""
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT, check=False).stdout.strip()
    return machine, commit


def _write_section(path: Path, heading: str, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if heading in text:
        start = text.index(heading)
        nxt = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if nxt < 0 else "\n" + text[nxt + 1:])
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
