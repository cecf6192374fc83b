"""The main job: city layers + survey ledger → checked ledger → joined compounds → coverage → map.

The CLI's ``zy-geo run`` and ``zy-geo demo`` call :func:`run`; a notebook can call it the same way
and inspect every intermediate result on the returned :class:`RunResult`. ``zy-geo propose`` calls
:func:`propose`, and ``zy-geo propose --rerun`` :func:`rerun`, which proposes again from the record a
proposal carries (:mod:`zy_geo.areas.record`).
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import json
import logging
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from . import __version__
from .areas.edits import Edits, read_edits
from .areas.propose import ProposalResult, propose_areas
from .areas.record import (
    config_from_record,
    invoked_command,
    make_record,
    options_from_record,
    read_record,
    rerun_inputs,
    sha256_of,
)
from .config import Config, load_config
from .coverage import coverage_table, write_coverage_xlsx
from .crs import check_metric_crs
from .errors import InputError, UsageError, ZyGeoWarning
from .figures import coverage_figure
from .io.read import crs_parameters, crs_record, crs_summary, read_city
from .ledger.join import JoinResult, join_ledger
from .ledger.read import LedgerResult, read_ledger, write_clean
from .maps import coverage_map, save_map
from .milestones import milestone_table
from .plans.build import PlanSet, build_plans
from .schema import jurisdictions_of
from .write import OutputFolder, single_file

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """Everything the main job computed; :meth:`write` writes it (the files it wrote are in ``files``)."""

    layers: dict[str, gpd.GeoDataFrame]
    ledger: LedgerResult | None
    join: JoinResult | None
    compounds: gpd.GeoDataFrame
    coverage: pd.DataFrame
    proposals: ProposalResult | None = None
    files: dict[str, Path] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    plans: PlanSet | None = None
    milestones: pd.DataFrame | None = None
    as_of: str = "2023-12-31"
    fmap: Any = None
    inputs: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)
    #: the metric CRS, how it was chosen and the layers converted from GCJ-02/BD-09 (:func:`zy_geo.io.read.crs_record`)
    crs: dict[str, str] = field(default_factory=dict)

    def summary_lines(self) -> list[str]:
        """Short lines for the terminal."""
        total = self.coverage.iloc[-1]

        def share(v: float) -> str:
            return "unknown (not surveyed)" if pd.isna(v) else f"{v:.1%}"

        estimated = int(total.get("households_estimated", 0) or 0)
        lines = [
            f"compounds: {int(total['compounds'])}, households: {int(total['households'])}"
            + (f" ({estimated} estimated)" if estimated else "")
            + f", under management: {share(total['coverage_compounds'])} of compounds, "
            f"{share(total['coverage_households'])} of households; all six haves: "
            f"{share(total['all_six_share'])} of compounds",
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
                f"{int(s['areas_over_cap'])} areas over the {self.proposals.settings.subsidy_cap_yuan:,.0f}-yuan cap"
            )
        if self.crs:
            lines.append(crs_summary(self.crs))
        if self.stale:
            lines.append(f"removed {len(self.stale)} stale file(s) an earlier run wrote: "
                         + ", ".join(p.name for p in self.stale[:5]) + (" …" if len(self.stale) > 5 else ""))
        return lines

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.summary_lines())
        files = "".join(f"<li>{html.escape(k)}: {html.escape(str(p))}</li>" for k, p in self.files.items())
        return f"<b>zy_geo run</b><ul>{items}</ul><b>files</b><ul>{files}</ul>"

    def write(self, out: str | Path | OutputFolder, *, offline: bool = True, force: bool = False,
              progress: bool = False) -> dict[str, Path]:
        """Write every output into ``out`` through :mod:`zy_geo.write`; return kind → path.

        Parameters
        ----------
        out : str, Path or OutputFolder
            The output folder. A path is opened as an :class:`~zy_geo.write.OutputFolder` (refused
            when it holds files zy_geo did not write, unless ``force``) and finished here: files an
            earlier run wrote and this one did not are removed and listed in :attr:`stale`.
        offline : bool
            The map as one self-contained file.
        force : bool
            Write into a folder that holds other files, over hand-edited outputs.
        progress : bool
            Progress bar while writing plans.

        Returns
        -------
        dict of str to Path
        """
        own = not isinstance(out, OutputFolder)
        folder = out if isinstance(out, OutputFolder) else OutputFolder(out, inputs=self.inputs, force=force)
        t = time.perf_counter()
        files = _write_reports(folder, self.ledger, self.join)
        if self.proposals is not None:
            files["proposals"] = self.proposals.to_gpkg("proposals.gpkg", folder=folder)
            files["proposals_summary"] = self.proposals.to_xlsx("proposals_summary.xlsx", folder=folder)
        if self.plans is not None:
            docs = self.plans.write_documents("plans", folder=folder, progress=progress)
            files["plans_index"] = docs["index"]
            files["funding_ledger"] = self.plans.write_ledger("funding_ledger.xlsx", folder=folder)
        extra = {f"时限进度（截至{self.as_of}）": self.milestones} if self.milestones is not None else {}
        if self.crs:
            extra["参数"] = crs_parameters(self.crs)
        files["coverage"] = write_coverage_xlsx(self.coverage, "coverage.xlsx", extra=extra or None, folder=folder)
        if "streets" in self.layers:
            files["coverage_figure"] = coverage_figure(self.layers["streets"], self.compounds, "coverage_map.png",
                                                       folder=folder)
        if self.fmap is not None:
            files["map"] = save_map(self.fmap, "coverage_map.html", offline=offline, folder=folder)
        if own:
            self.stale = folder.finish()
        self.timings_s["write"] = time.perf_counter() - t
        self.files.update(files)
        return files


def _write_reports(folder: OutputFolder, led: LedgerResult | None, joined: JoinResult | None) -> dict[str, Path]:
    """Write the ledger's clean table and problems, and the join's reconciliation and problems.

    What a run writes first, and all it writes when it stops on the ledger's errors.
    """
    files: dict[str, Path] = {}
    if led is not None:
        files["ledger_clean"] = write_clean(led, "ledger_clean.csv", folder=folder)
        files["ledger_problems"] = folder.write_csv(led.problems.to_frame(), "ledger_problems.csv")
    if joined is not None:
        files["reconciliation"] = folder.write_csv(joined.reconciliation(), "reconciliation.csv")
        files["join_problems"] = folder.write_csv(joined.problems.to_frame(), "join_problems.csv")
    return files


def _stop_with_reports(folder: OutputFolder | None, own: bool, led: LedgerResult | None,
                       joined: JoinResult | None) -> None:
    """Before a run stops on input errors, write the reports that say why (and finish a folder it opened)."""
    if folder is None:
        return
    _write_reports(folder, led, joined)
    if own:
        folder.finish()


def _check_ledger(led: LedgerResult, keep_going: bool, *, reports_written: bool) -> None:
    if keep_going or led.problems.ok:
        return
    n = len(led.problems.errors)
    where = ("see ledger_problems.csv in the output folder" if reports_written else
             f"list them all with zy-geo validate {led.source} --problems problems.csv")
    msg = (f"the ledger `{led.source}` has {n} error(s) (rows rejected; {where}): fix them and run again, or pass "
           "--keep-going to run without the rejected rows.")
    raise InputError(msg, led.problems)


def _metric_crs(metric_crs: str | None, cfg: Config) -> tuple[str, str]:
    """The metric CRS to read a city in (``"auto"`` or a CRS) and where a given one came from."""
    if metric_crs is not None:
        return check_metric_crs(metric_crs), "--metric-crs"
    return cfg.settings.metric_crs, f"config `{cfg.source.name}`" if cfg.source is not None else "config"


def _read_city(city: str | Path, cfg: Config, *, required: tuple[str, ...], metric_crs: str | None,
               frames: Mapping[str, str] | None) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, str]]:
    """The city's layers in its metric CRS (``metric_crs`` over the config's), and the record of its frames."""
    value, source = _metric_crs(metric_crs, cfg)
    layers = read_city(city, required=required, metric_crs=value, frames=frames)
    return layers, crs_record(layers, source=source)


def run(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    out_dir: str | Path | OutputFolder | None = "outputs",
    coord_frame: str = "gcj02",
    as_of: str | None = None,
    config: str | Path | Config | None = None,
    offline: bool = True,
    keep_going: bool = False,
    force: bool = False,
    progress: bool = False,
    metric_crs: str | None = None,
    frames: Mapping[str, str] | None = None,
) -> RunResult:
    """Run the main job and, when ``out_dir`` is given, write its outputs (:meth:`RunResult.write`).

    Parameters
    ----------
    city : str or Path
        City GeoPackage with at least a ``compounds`` layer (``streets``, ``roads``, ``rivers`` are
        drawn when present).
    ledger : str or Path, optional
        Survey ledger (.xlsx or .csv). Its values override the polygons' attributes where matched.
    out_dir : str, Path, OutputFolder or None
        Folder for ``ledger_clean.csv``, ``ledger_problems.csv``, ``reconciliation.csv``,
        ``coverage.xlsx``, ``coverage_map.html``, the proposal and the plans; None computes only.
    coord_frame : str
        Frame of the ledger's coordinates (``gcj02`` when picked on Amap).
    as_of : str, optional
        Date (``YYYY-MM-DD``) of the deadline progress and the map's title block.
    config : str, Path or Config, optional
        Config TOML (``[proposal]``, ``[prices]``, ``[operating]``, ``[modes]``, see :mod:`zy_geo.config`),
        read and checked once before anything else; or a :class:`~zy_geo.config.Config`. Default: the defaults.
    offline : bool
        Write the map as one self-contained file (no internet needed to open it).
    keep_going : bool
        Go on when the ledger has errors (their rows left out). Without it, the ledger's problems
        are written and :class:`~zy_geo.errors.InputError` is raised (the CLI exits 1).
    force : bool
        Write into an output folder that holds other files.
    progress : bool
        Progress bars on long steps.
    metric_crs : str, optional
        ``"auto"`` (the CGCS2000 zone of the city's extent) or a projected CRS in metres; overrides the
        config's ``metric_crs``. The choice and how it was made are in :attr:`RunResult.crs` and the outputs.
    frames : mapping of str to str, optional
        Layer name → ``"gcj02"``/``"bd09"`` for city layers picked on Amap/Baidu (converted on read).

    Returns
    -------
    RunResult
    """
    cfg = _config(config)
    as_of_date = _as_of(as_of)
    inputs = [Path(p) for p in (city, ledger) if p is not None]
    if isinstance(config, str | Path):
        inputs.append(Path(config))
    folder = None
    if out_dir is not None:  # refuse a bad output folder before minutes of work
        folder = out_dir if isinstance(out_dir, OutputFolder) else OutputFolder(out_dir, inputs=inputs, force=force)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    layers, crs = _read_city(city, cfg, required=("compounds", "streets"), metric_crs=metric_crs, frames=frames)
    timings["read city"] = time.perf_counter() - t
    compounds = layers["compounds"]

    led = joined = None
    if ledger is not None:
        t = time.perf_counter()
        led = read_ledger(ledger, jurisdictions=jurisdictions_of(layers.get("streets")))
        timings["read ledger"] = time.perf_counter() - t
        if not keep_going and not led.problems.ok:
            _stop_with_reports(folder, not isinstance(out_dir, OutputFolder), led, None)
            _check_ledger(led, keep_going, reports_written=folder is not None)

        t = time.perf_counter()
        joined = join_ledger(compounds, led, coord_frame=coord_frame)
        if not joined.problems.ok:  # e.g. a ledger of another place: most rows match no compound
            _stop_with_reports(folder, not isinstance(out_dir, OutputFolder), led, joined)
            joined.problems.raise_if_errors(f"the ledger `{Path(ledger).name}` joined to `{Path(city).name}`")
        compounds = joined.joined
        timings["join"] = time.perf_counter() - t

    t = time.perf_counter()
    proposals = _propose_layers(compounds, layers, params=cfg.proposal, street_params=cfg.streets,
                                settings=cfg.settings, decisions=cfg.decisions, progress=progress,
                                crs=crs) if "streets" in layers else None
    if proposals is not None:
        proposals.record = _record(proposals, cfg, city=city, ledger=ledger, config=config, coord_frame=coord_frame,
                                   metric_crs=metric_crs, frames=frames,
                                   command=invoked_command() or _call("run", city, ledger, config=config))
    timings["propose"] = time.perf_counter() - t

    plans = None
    if proposals is not None:
        t = time.perf_counter()
        plans = _plans_for(proposals, compounds, layers, settings=cfg.settings, rules=cfg.modes, progress=progress)
        timings["plans"] = time.perf_counter() - t

    t = time.perf_counter()
    cov = coverage_table(compounds, by=("body", "street"))
    milestones = milestone_table(compounds, as_of=as_of_date, by=("body", "street"))
    timings["coverage"] = time.perf_counter() - t

    t = time.perf_counter()
    subtitle = f"数据：{Path(city).name}" + (f" + {Path(ledger).name}" if ledger else "")
    if as_of:
        subtitle = f"截至 {as_of_date}；{subtitle}"
    fmap = coverage_map(
        compounds,
        streets=layers.get("streets"),
        roads=layers.get("roads"),
        rivers=layers.get("rivers"),
        proposals=proposals,
        subtitle=subtitle,
        settings=cfg.settings,
    )
    timings["map"] = time.perf_counter() - t
    result = RunResult(layers, led, joined, compounds, cov, proposals, {}, timings, plans=plans,
                       milestones=milestones, as_of=as_of_date, fmap=fmap, inputs=inputs, crs=crs)
    if folder is not None:
        result.write(folder, offline=offline, progress=progress)
        if not isinstance(out_dir, OutputFolder):
            result.stale = folder.finish()
    return result


def _as_of(as_of: str | None) -> str:
    """``YYYY-MM-DD`` checked to be a real date, or the final deadline."""
    if as_of is None:
        return "2023-12-31"
    try:
        return datetime.date.fromisoformat(str(as_of).strip()).isoformat()
    except ValueError:
        msg = f"--as-of `{as_of}` is not a date; write it as YYYY-MM-DD, e.g. 2023-06-30."
        raise UsageError(msg) from None


def load_compounds(
    city: str | Path, ledger: str | Path | None = None, *, coord_frame: str = "gcj02",
    metric_crs: str | None = None, frames: Mapping[str, str] | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], LedgerResult | None, JoinResult | None]:
    """Read a city GeoPackage and, when given, join the survey ledger to its compounds.

    ``metric_crs`` and ``frames`` go to :func:`zy_geo.io.read.read_city` (default: the zone of the
    city's extent, no frame conversion). Returns the layers (``layers["compounds"]`` replaced by the
    joined compounds, which keep the record of the frames in their ``attrs``), the ledger result and
    the join result.
    """
    layers = read_city(city, required=("compounds", "streets"), metric_crs=metric_crs, frames=frames)
    if ledger is None:
        return layers, None, None
    led = read_ledger(ledger, jurisdictions=jurisdictions_of(layers.get("streets")))
    if led.problems.errors:  # said, never silently dropped: the rows with errors are not joined
        name = Path(ledger).name
        warnings.warn(f"the ledger `{name}` has {len(led.problems.errors)} error(s); those rows are left out, so "
                      f"their households, modes and six-haves are not used. List them with zy-geo validate {name} "
                      "--problems problems.csv (zy-geo run writes them to ledger_problems.csv), fix them and run "
                      "again.", ZyGeoWarning, stacklevel=2)
    joined = join_ledger(layers["compounds"], led, coord_frame=coord_frame)
    joined.problems.raise_if_errors(f"the ledger `{Path(ledger).name}` joined to `{Path(city).name}`")
    compounds = joined.joined
    compounds.attrs.update({k: v for k, v in layers["compounds"].attrs.items() if k.startswith("zy_")})
    layers = {**layers, "compounds": compounds}
    return layers, led, joined


def propose(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    config: str | Path | Config | None = None,
    out: str | Path | None = None,
    coord_frame: str = "gcj02",
    force: bool = False,
    progress: bool = False,
    metric_crs: str | None = None,
    frames: Mapping[str, str] | None = None,
    edits: str | Path | Edits | None = None,
    command: str | None = None,
) -> ProposalResult:
    """Propose management areas for a city (optionally with its survey ledger) from a TOML config.

    Parameters
    ----------
    city : str or Path
        City GeoPackage (layers ``compounds``, ``streets``; ``buildings``, ``roads``, ``rivers``,
        ``rail`` used when present).
    ledger : str or Path, optional
        Survey ledger joined to the compounds first (its households and modes win).
    config : str, Path or Config, optional
        Config TOML with ``[proposal]`` (and ``[proposal.streets."<name>"]``) and ``[prices]`` (see
        :mod:`zy_geo.config`), or a :class:`~zy_geo.config.Config`.
    out : str or Path, optional
        GeoPackage to write (layers ``areas``, ``members``, ``remainders``, the table ``zy_geo_record``);
        the summary workbook goes next to it as ``<stem>_summary.xlsx``.
    coord_frame : str
        Frame of the ledger's coordinates.
    force : bool
        Overwrite files of those names that zy_geo did not write.
    progress : bool
        Progress bar while pricing areas.
    metric_crs : str, optional
        ``"auto"`` or a projected CRS in metres; overrides the config's ``metric_crs``. The GeoPackage's
        layers are in it, and its layer metadata and the 参数 sheet say which it is and how it was chosen.
    frames : mapping of str to str, optional
        Layer name → ``"gcj02"``/``"bd09"`` for city layers picked on Amap/Baidu (converted on read).
    edits : str, Path or Edits, optional
        A proposal GeoPackage of this city a planner edited in QGIS (:func:`zy_geo.areas.edits.read_edits`):
        its areas are locks, the other units are solved again. Only read: ``out`` may not be it.
    command : str, optional
        The command line to record (default: this process's ``zy-geo`` command line, else the Python call).

    Returns
    -------
    ProposalResult
        With its :attr:`~zy_geo.areas.propose.ProposalResult.record`: the SHA-256 of the city, ledger, config
        and edits files, the whole config as TOML, the options, the zy_geo version and the command.
    """
    cfg = _config(config)
    value, source = _metric_crs(metric_crs, cfg)
    edits_path = Path(edits) if isinstance(edits, str | Path) else None
    if out is not None and edits_path is not None:  # refuse writing over the edits before the work
        early, name = single_file(out, suffixes=(".gpkg",), inputs=[edits_path], force=force, what="proposal")
        early.path(name)
    if edits_path is not None:
        edits = read_edits(edits_path)
    layers, _, _ = load_compounds(city, ledger, coord_frame=coord_frame, metric_crs=value, frames=frames)
    result = _propose_layers(layers["compounds"], layers, params=cfg.proposal, street_params=cfg.streets,
                             settings=cfg.settings, decisions=cfg.decisions, progress=progress,
                             crs=crs_record(layers, source=source), edits=edits)
    result.record = _record(result, cfg, city=city, ledger=ledger, config=config, edits=edits_path,
                            coord_frame=coord_frame, metric_crs=metric_crs, frames=frames,
                            command=command or invoked_command()
                            or _call("propose", city, ledger, config=config, edits=edits_path))
    if out is not None:
        _write_proposal(result, out, inputs=[city, ledger, config, edits_path], force=force)
    return result


def rerun(
    proposal: str | Path,
    *,
    out: str | Path | None = None,
    city: str | Path | None = None,
    ledger: str | Path | None = None,
    edits: str | Path | None = None,
    accept_changed_inputs: bool = False,
    force: bool = False,
    progress: bool = False,
    command: str | None = None,
) -> ProposalResult:
    """Propose again from the record of a proposal: the same inputs, checked, and the same parameters.

    The config is the one recorded (``parameters.toml``: every option, the per-street overrides and the
    decisions), as are the ledger's coordinate frame, ``--metric-crs`` and ``--frame``. Each input file is
    the one given here, else the file at its recorded path, else a file of its recorded name beside
    ``proposal``; its SHA-256 must be the recorded one. With nothing changed, the result equals the
    original: the same areas, members, fence and cost.

    Parameters
    ----------
    proposal : str or Path
        A proposal GeoPackage written by :func:`propose` (``zy-geo propose``) or :func:`run`.
    out : str or Path, optional
        GeoPackage to write (and ``<stem>_summary.xlsx`` beside it); may not be ``proposal`` or an input.
    city, ledger, edits : str or Path, optional
        The input files, where they are no longer at their recorded paths (moved, or on another machine).
    accept_changed_inputs : bool
        Re-run on inputs whose SHA-256 differs from the record; the new record lists them
        (``accepted_changed_inputs``).
    force : bool
        Overwrite files of those names that zy_geo did not write.
    progress : bool
        Progress bar while pricing areas.
    command : str, optional
        The command line to record (default: this process's ``zy-geo`` command line, else the Python call).

    Returns
    -------
    ProposalResult
        Its record names the proposal it re-ran (``rerun_of.*``) and keeps the original config file's entry.

    Raises
    ------
    InputError
        ``proposal`` has no record (written before proposals were recorded: propose it again); inputs are
        missing or changed (each named with the recorded and found SHA-256 and the fix); the recorded
        parameters cannot be read.

    Warns
    -----
    ZyGeoWarning
        When the proposal was made by another zy_geo version (the method may have changed since).
    """
    proposal = Path(proposal)
    if not proposal.is_file():
        msg = f"`{proposal}` does not exist; give a proposal GeoPackage written by zy-geo propose (--rerun OLD.gpkg)."
        raise InputError(msg)
    given = {"city": city, "ledger": ledger, "edits": edits}
    if out is not None:  # refuse a bad --out before the work
        early, name = single_file(out, suffixes=(".gpkg",), force=force, what="proposal",
                                  inputs=[proposal, *(p for p in given.values() if p is not None)])
        early.path(name)
    old = read_record(proposal)
    found = rerun_inputs(old, proposal, given=given, accept_changed=accept_changed_inputs)
    if old.get("zy_geo_version") != __version__:
        warnings.warn(f"`{proposal.name}` was proposed by zy_geo {old.get('zy_geo_version') or '(unknown)'}; this is "
                      f"zy_geo {__version__}, so where the method changed the result may differ. Compare them: "
                      f"zy-geo diff {proposal.name} NEW.gpkg.", ZyGeoWarning, stacklevel=2)
    cfg = config_from_record(old, proposal)
    coord_frame, metric_crs, frames = options_from_record(old)
    paths = found.paths
    call = command or invoked_command() or _call("rerun", proposal, **{k: v for k, v in given.items() if v})
    result = propose(paths["city"], paths.get("ledger"), config=cfg, edits=paths.get("edits"), coord_frame=coord_frame,
                     metric_crs=metric_crs, frames=frames, progress=progress, command=call)
    record = {k: v for k, v in result.record.items() if not k.startswith("config.")}
    record |= {k: v for k, v in old.items() if k.startswith("config.")}  # the parameters came from that file
    record |= {"rerun_of.name": proposal.name, "rerun_of.path": str(proposal.absolute()),
               "rerun_of.sha256": sha256_of(proposal)}
    if found.changed:
        record["accepted_changed_inputs"] = found.accepted()
    toml = record.pop("parameters.toml")
    result.record = {**record, "parameters.toml": toml}  # the config last, as written first
    if out is not None:
        _write_proposal(result, out, inputs=[proposal, *paths.values()], force=force)
    return result


def _write_proposal(result: ProposalResult, out: str | Path, *, inputs: list[Any], force: bool) -> None:
    """The proposal GeoPackage and ``<stem>_summary.xlsx`` beside it, never over an input."""
    paths = [Path(p) for p in inputs if isinstance(p, str | Path)]
    folder, name = single_file(out, suffixes=(".gpkg",), inputs=paths, force=force, what="proposal")
    result.to_gpkg(name, folder=folder)
    result.to_xlsx(f"{Path(name).stem}_summary.xlsx", folder=folder)
    folder.finish()


def _record(result: ProposalResult, cfg: Config, *, city: str | Path, ledger: str | Path | None,
            config: str | Path | Config | None, coord_frame: str, metric_crs: str | None,
            frames: Mapping[str, str] | None, command: str, edits: Path | None = None) -> dict[str, str]:
    """The record of a proposal made from these files and options (:func:`zy_geo.areas.record.make_record`)."""
    inputs = {"city": city, "ledger": ledger, "config": config if isinstance(config, str | Path) else None,
              "edits": edits}
    options = {"coord_frame": coord_frame, "metric_crs": metric_crs or "",
               "frames": json.dumps(dict(sorted((frames or {}).items())), ensure_ascii=False)}
    kept = {k: v for k, v in result.record.items() if k.startswith("enclosures.")}  # _enclosure_cache's key
    return make_record(cfg, inputs=inputs, options=options, command=command, crs=result.crs_info(), extra=kept)


def _call(name: str, *args: object, **kwargs: object) -> str:
    """A Python call as text for the record: ``zy_geo.pipeline.propose('city.gpkg', config='p.toml')``."""
    def show(v: object) -> str:
        if isinstance(v, Config):
            return "Config(...)" if v.source is None else f"Config from {str(v.source)!r}"
        return repr(str(v)) if isinstance(v, Path) else repr(v)

    parts = [show(a) for a in args if a is not None] + [f"{k}={show(v)}" for k, v in kwargs.items() if v is not None]
    return f"zy_geo.pipeline.{name}({', '.join(parts)})"


def plan(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    proposals: str | Path | ProposalResult | None = None,
    config: str | Path | Config | None = None,
    out_dir: str | Path = "outputs/plans",
    coord_frame: str = "gcj02",
    figures: bool = True,
    force: bool = False,
    progress: bool = False,
    prices: str | Path | None = None,
    metric_crs: str | None = None,
    frames: Mapping[str, str] | None = None,
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
        default: propose now with the settings of ``config``.
    config : str, Path or Config, optional
        Config TOML with ``[prices]``, ``[operating]``, ``[modes]``, ``[proposal]`` (see :mod:`zy_geo.config`),
        or a :class:`~zy_geo.config.Config`.
    out_dir : str or Path
        Folder for ``<plan>.docx``, ``index.html`` and ``funding_ledger.xlsx``.
    coord_frame : str
        Frame of the ledger's coordinates.
    figures : bool
        Put a map figure in each plan.
    force : bool
        Write into a folder that holds other files, over hand-edited plans.
    progress : bool
        Progress bars.
    prices : str or Path, optional
        Deprecated old name of ``config``.
    metric_crs : str, optional
        ``"auto"`` or a projected CRS in metres; overrides the config's ``metric_crs``. A proposal
        GeoPackage in another CRS is converted to it.
    frames : mapping of str to str, optional
        Layer name → ``"gcj02"``/``"bd09"`` for city layers picked on Amap/Baidu (converted on read).

    Returns
    -------
    PlanSet
    """
    if prices is not None:
        if config is not None:
            msg = "give the config file once, as config= (prices= is its deprecated old name)."
            raise InputError(msg)
        warnings.warn("plan(prices=...) is deprecated; pass the same file as config=...", DeprecationWarning,
                      stacklevel=2)
        config = prices
    cfg = _config(config)
    inputs = [Path(p) for p in (city, ledger) if p is not None]
    if isinstance(config, str | Path):
        inputs.append(Path(config))
    if isinstance(proposals, str | Path):
        inputs.append(Path(proposals))
    folder = OutputFolder(out_dir, inputs=inputs, force=force)  # refuse a bad folder before the work
    value, source = _metric_crs(metric_crs, cfg)
    layers, _, _ = load_compounds(city, ledger, coord_frame=coord_frame, metric_crs=value, frames=frames)
    crs = crs_record(layers, source=source)
    if cfg.settings.cofund_layer not in layers:
        logger.info("`%s` has no `%s` layer: every responsible body pays its own subsidy", city,
                    cfg.settings.cofund_layer)
    if proposals is None:
        proposals = _propose_layers(layers["compounds"], layers, params=cfg.proposal, street_params=cfg.streets,
                                    settings=cfg.settings, decisions=cfg.decisions, progress=progress, crs=crs)
    else:
        if not isinstance(proposals, ProposalResult):
            proposals = ProposalResult.from_gpkg(proposals, params=cfg.proposal)
        proposals = _in_crs(proposals, layers["compounds"].crs)
    plans = _plans_for(proposals, layers["compounds"], layers, settings=cfg.settings, rules=cfg.modes,
                       progress=progress)
    plans.write_documents(".", folder=folder, progress=progress, figures=figures)
    plans.write_ledger("funding_ledger.xlsx", folder=folder)
    folder.finish()
    return plans


def meeting_map(
    city: str | Path,
    ledger: str | Path | None = None,
    *,
    proposals: str | Path | ProposalResult | None = None,
    basemap: str = "none",
    as_of: str | None = None,
    online: bool = False,
    out: str | Path | None = None,
    coord_frame: str = "gcj02",
    keep_going: bool = False,
    force: bool = False,
    metric_crs: str | None = None,
    frames: Mapping[str, str] | None = None,
) -> Any:
    """The meeting map on its own (what ``zy-geo map`` runs), without the rest of the job.

    Parameters
    ----------
    city : str or Path
        City GeoPackage (``compounds``; ``streets``, ``roads``, ``rivers`` drawn when present).
    ledger : str or Path, optional
        Survey ledger joined to the compounds first (its modes and six-haves are drawn).
    proposals : str, Path or ProposalResult, optional
        A proposal GeoPackage of this city (from ``zy-geo propose``), drawn over the compounds.
    basemap : {"none", "gaode", "tianditu", "osm"}
        ``none`` opens offline; the others load tiles from the internet and need ``online``.
    as_of : str, optional
        Date (``YYYY-MM-DD``) shown in the title block.
    online : bool
        Load Leaflet and tiles from the internet instead of inlining everything.
    out : str or Path, optional
        ``.html`` file to write (through :mod:`zy_geo.write`); None returns the map only.
    coord_frame : str
        Frame of the ledger's coordinates.
    keep_going : bool
        Draw even when the ledger has errors (their rows left out).
    force : bool
        Overwrite a file of that name zy_geo did not write.
    metric_crs : str, optional
        ``"auto"`` (default: the zone of the city's extent) or a projected CRS in metres to read the city in.
    frames : mapping of str to str, optional
        Layer name → ``"gcj02"``/``"bd09"`` for city layers picked on Amap/Baidu (converted on read).

    Returns
    -------
    folium.Map
    """
    from .maps import BASEMAPS

    if basemap not in BASEMAPS:
        msg = f"--basemap must be one of {', '.join(BASEMAPS)}; `{basemap}` is not."
        raise UsageError(msg)
    if basemap != "none" and not online:
        msg = (f"the {basemap} basemap loads its tiles from the internet, so the map cannot open offline; "
               "add --online, or use --basemap none for a map that opens anywhere.")
        raise UsageError(msg)
    as_of_date = _as_of(as_of) if as_of else None
    inputs = [Path(p) for p in (city, ledger) if p is not None]
    if isinstance(proposals, str | Path):
        inputs.append(Path(proposals))
    folder = name = None
    if out is not None:  # refuse a bad --out before the work
        folder, name = single_file(out, suffixes=(".html", ".htm"), inputs=inputs, force=force, what="map")
    layers = read_city(city, required=("compounds",), metric_crs=metric_crs, frames=frames)
    compounds = layers["compounds"]
    if compounds.empty:
        msg = (f"`{Path(city).name}` has an empty `compounds` layer: there is nothing to map. Add the "
               "residential compound polygons (or import them, see README).")
        raise InputError(msg)
    if ledger is not None:
        led = read_ledger(ledger, jurisdictions=jurisdictions_of(layers.get("streets")))
        _check_ledger(led, keep_going, reports_written=False)
        compounds = join_ledger(compounds, led, coord_frame=coord_frame).joined
    result = None
    if proposals is not None:
        result = proposals if isinstance(proposals, ProposalResult) else ProposalResult.from_gpkg(proposals)
        _same_city(result, compounds, proposals, city)
    subtitle = f"数据：{Path(city).name}" + (f" + {Path(ledger).name}" if ledger else "")
    if isinstance(proposals, str | Path):
        subtitle += f" + {Path(proposals).name}"
    if as_of_date:
        subtitle = f"截至 {as_of_date}；{subtitle}"
    fmap = coverage_map(compounds, streets=layers.get("streets"), roads=layers.get("roads"),
                        rivers=layers.get("rivers"), proposals=result, subtitle=subtitle, basemap=basemap)
    if folder is not None and name is not None:
        save_map(fmap, name, offline=not online, folder=folder)
        folder.finish()
    return fmap


def _same_city(result: ProposalResult, compounds: gpd.GeoDataFrame, source: object, city: str | Path) -> None:
    """A proposal drawn over a city must be of that city: its units lie on the city's compounds of those ids.

    Ids alone do not tell (two samples, or two editions of one city, share ids): each unit's point must
    fall on a compound it names. Refused when most do not.
    """
    units = pd.concat([result.members, result.remainders], ignore_index=True)
    if "source" in units.columns:
        units = units[units["source"] == "compound"]  # units of scattered buildings name building ids
    if units.empty or "compound_id" not in compounds.columns:
        return
    unique = compounds.drop_duplicates("compound_id")
    by_id = unique.set_index(unique["compound_id"].astype(str)).geometry
    units = units.to_crs(compounds.crs) if units.crs != compounds.crs else units
    points = units.geometry.representative_point()
    checked = hits = 0
    for pt, members in zip(points, units["member_ids"], strict=True):
        ids = [m for m in (members or []) if m in by_id.index]
        checked += 1
        if not ids:
            continue
        hits += any(by_id[m].buffer(1.0).contains(pt) for m in ids)
    if checked and hits / checked < 0.5:
        msg = (f"the proposal `{source}` does not belong to `{Path(city).name}`: only {hits} of its {checked} units "
               "lie on a compound of this city with the ids they name (another city, or an older edition of this "
               "one). Propose again on this city: zy-geo propose CITY.gpkg --out proposals.gpkg.")
        raise InputError(msg)


def _config(config: str | Path | Config | None) -> Config:
    """The run's config: as given, or read and checked from its file (once per run)."""
    return config if isinstance(config, Config) else load_config(config)


def _propose_layers(compounds: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], *,
                    crs: dict[str, str] | None = None, **kwargs) -> ProposalResult:
    """propose_areas with the barrier and building layers of a city; ``crs``: the record of its frames."""
    result = propose_areas(compounds, streets=layers["streets"], buildings=layers.get("buildings"),
                           roads=layers.get("roads"), rivers=layers.get("rivers"), rail=layers.get("rail"), **kwargs)
    result.provenance = dict(crs or crs_record(layers))
    return result


def _in_crs(result: ProposalResult, crs: Any) -> ProposalResult:
    """A proposal (e.g. read from a GeoPackage written in another metric CRS) in the city's CRS."""
    if crs is None or result.areas.crs is None or result.areas.crs.equals(crs):
        return result
    return dataclasses.replace(result, areas=result.areas.to_crs(crs), members=result.members.to_crs(crs),
                               remainders=result.remainders.to_crs(crs), enclosures=result.enclosures.to_crs(crs))


def _plans_for(proposals: ProposalResult, compounds: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame],
               **kwargs) -> PlanSet:
    """build_plans with the Tuoxi, building and road layers of a city."""
    return build_plans(proposals, compounds, tuoxi=layers.get(kwargs["settings"].cofund_layer),
                       buildings=layers.get("buildings"),
                       roads=layers.get("roads"), rivers=layers.get("rivers"), **kwargs)
