"""The main job: city layers + survey ledger → checked ledger → joined compounds → coverage → map.

The CLI's ``zy-geo run`` and ``zy-geo demo`` call :func:`run`; a notebook can call it the same way
and inspect every intermediate result on the returned :class:`RunResult`.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .areas.config import load_proposal_config
from .areas.propose import ProposalResult, propose_areas
from .coverage import coverage_table, write_coverage_xlsx
from .errors import InputError
from .figures import coverage_figure
from .io.read import read_city
from .ledger.join import JoinResult, join_ledger
from .ledger.read import LedgerResult, read_ledger, write_clean
from .maps import coverage_map, save_map
from .milestones import milestone_table
from .plans.build import PlanSet, build_plans
from .plans.modes import load_mode_rules


@dataclass
class RunResult:
    """Everything the main job produced, with the files it wrote."""

    layers: dict[str, gpd.GeoDataFrame]
    ledger: LedgerResult | None
    join: JoinResult | None
    compounds: gpd.GeoDataFrame
    coverage: pd.DataFrame
    proposals: ProposalResult | None = None
    files: dict[str, Path] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        """Short lines for the terminal."""
        total = self.coverage.iloc[-1]
        lines = [
            f"compounds: {int(total['compounds'])}, households: {int(total['households'])}, "
            f"under management: {total['coverage_compounds']:.1%} of compounds, "
            f"{total['coverage_households']:.1%} of households; all six haves: "
            f"{total['all_six_share']:.1%} of compounds",
        ]
        if self.ledger is not None:
            acc = self.ledger.accounting()
            lines.insert(0, f"ledger: {self.ledger.problems.summary()}; rows: " + ", ".join(
                f"{k} {v}" for k, v in acc.items()))
        if self.join is not None:
            rec = self.join.matches["method"].value_counts()
            lines.insert(1, "join: " + ", ".join(f"{k} {v}" for k, v in rec.items())
                         + f"; unmatched ledger rows {len(self.join.unmatched_ledger)}")
        if self.proposals is not None:
            s = self.proposals.summary().iloc[-1]
            lines.append(
                f"proposal: {len(self.proposals.areas)} management areas for {int(s['households_in_areas'])} "
                f"households, {int(s['households_absorbed'])} absorbed by managed neighbours, "
                f"{int(s['households_remaining'])} remaining ({len(self.proposals.remainders)} units); "
                f"new fence {s['new_fence_m']:,.0f} m, cost {s['cost_yuan']:,.0f} yuan, "
                f"{int(s['areas_over_cap'])} areas over the 50,000-yuan cap"
            )
        return lines

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.summary_lines())
        files = "".join(f"<li>{html.escape(k)}: {html.escape(str(p))}</li>" for k, p in self.files.items())
        return f"<b>zy_geo run</b><ul>{items}</ul><b>files</b><ul>{files}</ul>"


def run(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    out_dir: str | Path = "outputs",
    coord_frame: str = "gcj02",
    as_of: str | None = None,
    config: str | Path | None = None,
    offline: bool = True,
    progress: bool = False,
) -> RunResult:
    """Run the main job and write its outputs.

    Parameters
    ----------
    city : str or Path
        City GeoPackage with at least a ``compounds`` layer (``streets``, ``roads``, ``rivers`` are
        drawn when present).
    ledger : str or Path, optional
        Survey ledger (.xlsx or .csv). Its values override the polygons' attributes where matched.
    out_dir : str or Path
        Folder for ``ledger_clean.csv``, ``ledger_problems.csv``, ``reconciliation.csv``,
        ``coverage.xlsx`` and ``coverage_map.html``.
    coord_frame : str
        Frame of the ledger's coordinates (``gcj02`` when picked on Amap).
    as_of : str, optional
        Date shown on the map's title block.
    config : str or Path, optional
        Proposal TOML (``[proposal]``, ``[prices]``); management areas are proposed and drawn.
    offline : bool
        Write the map as one self-contained file (no internet needed to open it).
    progress : bool
        Progress bars on long steps.

    Returns
    -------
    RunResult
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    files: dict[str, Path] = {}

    t = time.perf_counter()
    layers = read_city(city, required=("compounds", "streets"))
    timings["read city"] = time.perf_counter() - t
    compounds = layers["compounds"]

    led = joined = None
    if ledger is not None:
        t = time.perf_counter()
        led = read_ledger(ledger)
        files["ledger_clean"] = write_clean(led, out / "ledger_clean.csv")
        problems = out / "ledger_problems.csv"
        led.problems.to_frame().to_csv(problems, index=False, encoding="utf-8-sig")
        files["ledger_problems"] = problems
        timings["read ledger"] = time.perf_counter() - t

        t = time.perf_counter()
        joined = join_ledger(compounds, led, coord_frame=coord_frame)
        rec = out / "reconciliation.csv"
        joined.reconciliation().to_csv(rec, index=False, encoding="utf-8-sig")
        files["reconciliation"] = rec
        join_problems = out / "join_problems.csv"
        joined.problems.to_frame().to_csv(join_problems, index=False, encoding="utf-8-sig")
        files["join_problems"] = join_problems
        joined.problems.raise_if_errors(f"the ledger `{Path(ledger).name}` joined to `{Path(city).name}`")
        compounds = joined.joined
        timings["join"] = time.perf_counter() - t

    t = time.perf_counter()
    params, street_params, settings = load_proposal_config(config)
    proposals = _propose_layers(compounds, layers, params=params, street_params=street_params, settings=settings,
                                progress=progress) if "streets" in layers else None
    if proposals is not None:
        files["proposals"] = proposals.to_gpkg(out / "proposals.gpkg")
        files["proposals_summary"] = proposals.to_xlsx(out / "proposals_summary.xlsx")
    timings["propose"] = time.perf_counter() - t

    if proposals is not None and "tuoxi" in layers:
        t = time.perf_counter()
        plans = _plans_for(proposals, compounds, layers, settings=settings, rules=load_mode_rules(config),
                           progress=progress)
        docs = plans.write_documents(out / "plans", progress=progress)
        files["plans_index"] = docs["index"]
        files["funding_ledger"] = plans.write_ledger(out / "funding_ledger.xlsx")
        timings["plans"] = time.perf_counter() - t

    t = time.perf_counter()
    cov = coverage_table(compounds, by=("body", "street"))
    files["coverage"] = write_coverage_xlsx(cov, out / "coverage.xlsx")
    as_of_date = as_of or "2023-12-31"
    milestones = milestone_table(compounds, as_of=as_of_date, by=("body", "street"))
    with pd.ExcelWriter(files["coverage"], engine="openpyxl", mode="a") as xl:
        milestones.to_excel(xl, sheet_name=f"时限进度（截至{as_of_date}）", index=False)
    if "streets" in layers:
        files["coverage_figure"] = coverage_figure(layers["streets"], compounds, out / "coverage_map.png")
    timings["coverage"] = time.perf_counter() - t

    t = time.perf_counter()
    subtitle = f"数据：{Path(city).name}" + (f" + {Path(ledger).name}" if ledger else "")
    if as_of:
        subtitle = f"截至 {as_of}；{subtitle}"
    fmap = coverage_map(
        compounds,
        streets=layers.get("streets"),
        roads=layers.get("roads"),
        rivers=layers.get("rivers"),
        proposals=proposals,
        subtitle=subtitle,
    )
    files["map"] = save_map(fmap, out / "coverage_map.html", offline=offline)
    timings["map"] = time.perf_counter() - t
    return RunResult(layers, led, joined, compounds, cov, proposals, files, timings)


def load_compounds(
    city: str | Path, ledger: str | Path | None = None, *, coord_frame: str = "gcj02"
) -> tuple[dict[str, gpd.GeoDataFrame], LedgerResult | None, JoinResult | None]:
    """Read a city GeoPackage and, when given, join the survey ledger to its compounds.

    Returns the layers (``layers["compounds"]`` replaced by the joined compounds), the ledger
    result and the join result.
    """
    layers = read_city(city, required=("compounds", "streets"))
    if ledger is None:
        return layers, None, None
    led = read_ledger(ledger)
    joined = join_ledger(layers["compounds"], led, coord_frame=coord_frame)
    joined.problems.raise_if_errors(f"the ledger `{Path(ledger).name}` joined to `{Path(city).name}`")
    layers = {**layers, "compounds": joined.joined}
    return layers, led, joined


def propose(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    config: str | Path | None = None,
    out: str | Path | None = None,
    coord_frame: str = "gcj02",
    progress: bool = False,
) -> ProposalResult:
    """Propose management areas for a city (optionally with its survey ledger) from a TOML config.

    Parameters
    ----------
    city : str or Path
        City GeoPackage (layers ``compounds``, ``streets``; ``buildings``, ``roads``, ``rivers``,
        ``rail`` used when present).
    ledger : str or Path, optional
        Survey ledger joined to the compounds first (its households and modes win).
    config : str or Path, optional
        TOML with ``[proposal]`` (and ``[proposal.streets."<name>"]``) and ``[prices]``.
    out : str or Path, optional
        GeoPackage to write (layers ``areas``, ``members``, ``remainders``); the summary
        workbook goes next to it as ``<stem>_summary.xlsx``.
    coord_frame : str
        Frame of the ledger's coordinates.
    progress : bool
        Progress bar while pricing areas.

    Returns
    -------
    ProposalResult
    """
    params, street_params, settings = load_proposal_config(config)
    layers, _, _ = load_compounds(city, ledger, coord_frame=coord_frame)
    result = _propose_layers(layers["compounds"], layers, params=params, street_params=street_params,
                             settings=settings, progress=progress)
    if out is not None:
        out = Path(out)
        result.to_gpkg(out)
        result.to_xlsx(out.with_name(f"{out.stem}_summary.xlsx"))
    return result


def plan(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    proposals: str | Path | ProposalResult | None = None,
    prices: str | Path | None = None,
    out_dir: str | Path = "outputs/plans",
    coord_frame: str = "gcj02",
    figures: bool = True,
    progress: bool = False,
) -> PlanSet:
    """Draft one plan per proposed area / leftover unit, the funding ledger and an index.

    Parameters
    ----------
    city : str or Path
        City GeoPackage (needs ``compounds``, ``streets`` and ``tuoxi``).
    ledger : str or Path, optional
        Survey ledger joined first.
    proposals : str, Path or ProposalResult, optional
        A proposal GeoPackage from ``zy-geo propose`` (possibly edited in QGIS), or a result in memory;
        default: propose now with the settings of ``prices``.
    prices : str or Path, optional
        TOML with ``[prices]``, ``[operating]``, ``[modes]``, ``[proposal]``.
    out_dir : str or Path
        Folder for ``<plan>.docx``, ``index.html`` and ``funding_ledger.xlsx``.
    coord_frame : str
        Frame of the ledger's coordinates.
    figures : bool
        Put a map figure in each plan.
    progress : bool
        Progress bars.

    Returns
    -------
    PlanSet
    """
    params, street_params, settings = load_proposal_config(prices)
    rules = load_mode_rules(prices)
    layers, _, _ = load_compounds(city, ledger, coord_frame=coord_frame)
    if "tuoxi" not in layers:
        msg = f"`{city}` has no `tuoxi` layer; add the Tuoxi central urban area polygon to decide who pays."
        raise InputError(msg)
    if proposals is None:
        proposals = _propose_layers(layers["compounds"], layers, params=params, street_params=street_params,
                                    settings=settings, progress=progress)
    elif not isinstance(proposals, ProposalResult):
        proposals = ProposalResult.from_gpkg(proposals, params=params)
    plans = _plans_for(proposals, layers["compounds"], layers, settings=settings, rules=rules, progress=progress)
    out = Path(out_dir)
    plans.write_documents(out, progress=progress, figures=figures)
    plans.write_ledger(out / "funding_ledger.xlsx")
    return plans


def _propose_layers(compounds: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], **kwargs) -> ProposalResult:
    """propose_areas with the barrier and building layers of a city."""
    return propose_areas(compounds, streets=layers["streets"], buildings=layers.get("buildings"),
                         roads=layers.get("roads"), rivers=layers.get("rivers"), rail=layers.get("rail"), **kwargs)


def _plans_for(proposals: ProposalResult, compounds: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame],
               **kwargs) -> PlanSet:
    """build_plans with the Tuoxi, building and road layers of a city."""
    return build_plans(proposals, compounds, tuoxi=layers["tuoxi"], buildings=layers.get("buildings"),
                       roads=layers.get("roads"), **kwargs)
