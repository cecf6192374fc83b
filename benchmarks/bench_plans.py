"""Benchmark: writing plans with their map figures, one process against every core.

    .venv/bin/python benchmarks/bench_plans.py --plans 100 500 [--baseline DIR]

The plans come from the proposal on the sample at the smallest scale that yields enough of them;
the first N are written. Each configuration runs in a fresh child process (so peak memory is its
own: ``ru_maxrss`` of the child and of the pool's workers). Times include drawing every figure,
building the .docx and writing it through the output folder; not the proposal itself. ``cpu_s`` is the
CPU time of the child and its workers, and ``load_before``/``load_after`` the 1-minute load average
around each configuration: on a shared machine they tell a slow run from a busy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_areas import _city, _machine_and_commit, _write_section  # noqa: E402

CHILD = """
import json, pickle, resource, sys, tempfile, time
from pathlib import Path
plans = pickle.load(open(sys.argv[1], "rb"))
n, workers = int(sys.argv[2]), int(sys.argv[3])
plans.plans = plans.plans.iloc[:n]
def cpu():
    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, who))
with tempfile.TemporaryDirectory() as d:
    t, c = time.perf_counter(), cpu()
    files = plans.write_documents(Path(d) / "plans", workers=workers)
    s, c = time.perf_counter() - t, cpu() - c
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": s, "cpu_s": c, "peak_mb": peak, "worker_peak_mb": kids, "files": len(files) - 1}))
"""


def _plans_for(n: int):
    from zy_geo.config import load_config
    from zy_geo.pipeline import _plans_for, _propose_layers, load_compounds

    cfg = load_config(None)
    for scale in (1, 2, 4):
        layers, _, _ = load_compounds(_city(scale))
        props = _propose_layers(layers["compounds"], layers, params=cfg.proposal, street_params=cfg.streets,
                                settings=cfg.settings)
        plans = _plans_for(props, layers["compounds"], layers, settings=cfg.settings, rules=cfg.modes)
        if len(plans.plans) >= n:
            return plans, scale
    msg = f"no sample up to scale 4 yields {n} plans"
    raise SystemExit(msg)


def main() -> None:
    import pickle

    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", nargs="+", type=int, default=[100, 500])
    ap.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    ap.add_argument("--baseline", type=Path,
                    help="A copy of an earlier commit (git archive COMMIT | tar -x -C DIR): each configuration also "
                         "runs with its zy_geo, just before this one, on the same plans (a fair before/after on a "
                         "shared machine).")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    plans, scale = _plans_for(max(args.plans))
    codes = ([("baseline", args.baseline.resolve())] if args.baseline else []) + [("this", ROOT)]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        blob = Path(d) / "plans.pkl"
        blob.write_bytes(pickle.dumps(plans))
        for n in args.plans:
            for workers in (1, cores):
                for code, root in codes:  # the child imports zy_geo from its working directory
                    load = os.getloadavg()[0]  # the machine may be shared: what else ran shows here
                    out = subprocess.run([sys.executable, "-c", CHILD, str(blob), str(n), str(workers)], cwd=root,
                                         capture_output=True, text=True, check=True)
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    rows.append({"code": code, "plans": n, "processes": workers, "seconds": round(r["seconds"], 1),
                                 "plans_per_s": round(n / r["seconds"], 2), "cpu_s": round(r["cpu_s"], 1),
                                 "peak_mb_main": round(r["peak_mb"]),
                                 "peak_mb_worker": round(r["worker_peak_mb"]) if workers > 1 else "—",
                                 "load_before": round(load, 2), "load_after": round(os.getloadavg()[0], 2)})
                    print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    for _, g in table.groupby(["code", "plans"]):
        one = g[g.processes == 1].seconds.iloc[0]
        table.loc[g.index, "speed-up"] = [f"×{one / s:.2f}" for s in g.seconds]
    if args.baseline:
        base = table[table.code == "baseline"].set_index(["plans", "processes"]).seconds
        this = table.code == "this"
        table["vs_baseline"] = "—"
        table.loc[this, "vs_baseline"] = [f"×{base[(p, w)] / s:.2f}" for p, w, s in
                                          table.loc[this, ["plans", "processes", "seconds"]].itertuples(index=False)]
    else:
        table = table.drop(columns="code")
    machine, commit = _machine_and_commit()
    command = f"--plans {' '.join(map(str, args.plans))}" + (f" --baseline {args.baseline}" if args.baseline else "")
    section = (f"## Plans with figures (`{Path(__file__).name}`)\n\n"
               f"Command: `.venv/bin/python benchmarks/bench_plans.py {command}`"
               f"  \nMachine: {machine}; zy_geo commit {commit}; sample scale {scale:g}; "
               f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
               f"{table.to_markdown(index=False)}\n")
    _write_section(args.results, "## Plans with figures", section)
    print(section)


if __name__ == "__main__":
    main()
