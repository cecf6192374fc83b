"""``zy-geo`` command line: parses arguments and calls the library, nothing more.

Commands: ``sample`` (generate the synthetic central city), ``validate`` (check a survey
ledger), ``run`` (ledger + city → coverage table and map), ``propose`` (management areas, honouring
the decisions in the config; ``--rerun`` again from a proposal's record), ``plan`` (one plan per
compound or area), ``map`` (the meeting map alone), ``diff`` (what changed between two proposals),
``import`` (``osm``, ``aoi``, ``parcels``: a city GeoPackage from real data), ``demo`` (``sample``
then ``run``). Every command that uses settings takes them from ``--config FILE.toml``
(:mod:`zy_geo.config`).

Exit codes: 0 success; 1 the input has errors (the problems are written and summarised);
2 a usage error (a bad option, or an output that would leave its folder, overwrite an input or
write into a folder holding other files).
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import click

from .errors import UsageError, ZyGeoError, ZyGeoWarning
from .sample.generate import MIN_SCALE

#: ``--force`` on every command that writes.
_force = click.option("--force", is_flag=True,
                      help="Write into an output folder that holds other files, over files zy_geo did not "
                           "write or that were edited by hand.")


#: Control and bidi characters that data (a file name, a cell quoted in a message) would carry to the terminal:
#: they move the cursor, clear or recolour the screen, or reorder what the planner reads.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _echo(text: object, *, err: bool = False, fg: str | None = None) -> None:
    """``click.echo`` without the control and bidi characters of the text (tab and newline stay)."""
    text = _TERMINAL_UNSAFE.sub("", str(text))
    click.echo(click.style(text, fg=fg) if fg else text, err=err)


def _progress() -> bool:
    """Progress bars on a terminal only: in CI logs and redirected output each redraw would be a line."""
    return sys.stderr.isatty()


def _fail(exc: Exception) -> None:
    """Print the message (and the first problems of its report); exit 2 for usage errors, else 1."""
    _echo(f"error: {exc}", fg="red", err=True)
    report = getattr(exc, "report", None)
    if report is not None and len(report) and str(exc) not in str(report):
        _echo(report.format(limit=20), err=True)
    sys.exit(2 if isinstance(exc, UsageError) else 1)


#: ``--config`` of every command that uses settings: one TOML file, read and checked once (zy_geo.config).
_CONFIG_HELP = ("Config TOML: [proposal], [proposal.streets.\"<name>\"], [prices], [operating], [modes] "
                "(see README; every value is checked before the run starts).")


def _config_option(f):
    return click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help=_CONFIG_HELP)(f)


def _checked_metric_crs(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``auto`` or a projected CRS in metres (``EPSG:4549``), or a usage error saying what to write."""
    if value is None:
        return None
    from .crs import check_metric_crs
    from .errors import CRSError

    try:
        return check_metric_crs(value)
    except CRSError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _checked_frames(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    """``--frame LAYER=FRAME`` (repeatable) → layer → ``gcj02``/``bd09``, or a usage error with the fix."""
    from .crs import FRAMES, normalize_frame

    out: dict[str, str] = {}
    for value in values:
        layer, sep, frame = (v.strip() for v in value.partition("="))
        if not sep or not layer or not frame:
            msg = (f"{value!r} is not LAYER=FRAME; write the layer name, '=' and its frame, e.g. --frame "
                   "compounds=gcj02 (one --frame per layer).")
            raise click.BadParameter(msg, ctx, param)
        canon = normalize_frame(frame)
        if canon not in FRAMES:
            msg = (f"{frame!r} in {value!r} is not a frame zy_geo converts: use gcj02 (picked on Amap/Gaode or "
                   f"Tencent) or bd09 (Baidu), e.g. --frame {layer}=gcj02; layers in WGS84 or CGCS2000 need no "
                   "--frame.")
            raise click.BadParameter(msg, ctx, param)
        if out.get(layer, canon) != canon:
            msg = f"layer {layer!r} is given two frames ({out[layer]} and {canon}); give it one --frame."
            raise click.BadParameter(msg, ctx, param)
        out[layer] = canon
    return out


#: ``--metric-crs`` of every command that reads a city: overrides the config's metric_crs.
_metric_crs = click.option(
    "--metric-crs", metavar="EPSG:xxxx|auto", callback=_checked_metric_crs,
    help="CRS in metres for every area and distance (overrides metric_crs in --config). Default auto: the "
         "CGCS2000 3-degree zone of the city's extent (EPSG:4544 in Ziyang, EPSG:4549 in Shanghai).")
#: ``--frame LAYER=FRAME`` of every command that reads a city: layers picked on Amap/Baidu.
_frame = click.option(
    "--frame", "frames", metavar="LAYER=gcj02|bd09", multiple=True, callback=_checked_frames,
    help="A city layer picked on Amap/Gaode or Tencent (gcj02) or Baidu (bd09) and saved as lon/lat: converted "
         "to WGS84 on read. Repeat for more layers, e.g. --frame compounds=gcj02.")


@contextlib.contextmanager
def _warnings_for_planners() -> Iterator[None]:
    """Warnings shown as ``warning: <message>``: no source file, line number or code line of zy_geo's."""
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        where = "" if issubclass(category, ZyGeoWarning) else f" ({category.__name__}, {Path(filename).name})"
        click.echo(f"warning{where}: {message}", err=True)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zy-geo")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """zy_geo: property-management coverage of residential compounds (资阳 六有)."""
    ctx.with_resource(_warnings_for_planners())


class _FiniteRange(click.FloatRange):
    """A float range that also refuses nan and inf (which compare false with every bound)."""

    def convert(self, value, param, ctx):
        out = super().convert(value, param, ctx)
        if not math.isfinite(out):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return out


_scale = click.option("--scale", type=_FiniteRange(min=MIN_SCALE, max=1000), default=1.0, show_default=True,
                      help=f"1 ≈ the real central city (~500 compounds); 10, 100 for benchmarks; at least {MIN_SCALE}.")


@cli.command()
@_scale
@click.option("--seed", type=click.IntRange(min=0), default=2023, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@_force
def sample(scale: float, seed: int, out_dir: Path, force: bool) -> None:
    """Generate the synthetic sample city (GeoPackage + survey ledger .xlsx)."""
    from .sample.generate import make_sample, write_sample

    try:
        files = write_sample(make_sample(scale=scale, seed=seed, progress=_progress()), out_dir, force=force)
    except ZyGeoError as exc:
        _fail(exc)
    for kind, path in files.items():
        _echo(f"{kind}: {path}")


@cli.command()
@click.argument("ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the normalised table here (.csv or .xlsx); personal data left out.")
@click.option("--problems", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every problem to this CSV.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--limit", type=click.IntRange(min=0), default=40, show_default=True, help="Problems shown on screen.")
@_force
def validate(ledger: Path, out: Path | None, problems: Path | None, strict: bool, limit: int, force: bool) -> None:
    """Check a survey ledger (摸底台账); exit 0 when usable, 1 when not."""
    from .ledger.read import read_ledger, write_clean
    from .write import single_file

    try:
        if out is not None:  # refuse a bad --out before reading
            single_file(out, suffixes=(".csv", ".xlsx"), inputs=[ledger], force=force, what="clean ledger")
        target = (single_file(problems, suffixes=(".csv",), inputs=[ledger], force=force, what="problems file")
                  if problems is not None else None)
        result = read_ledger(ledger, strict=strict)
        if out is not None and len(result.table):
            write_clean(result, out, force=force)
        if target is not None:
            folder, name = target
            folder.write_csv(result.problems.to_frame(), name)
            folder.finish()
    except ZyGeoError as exc:
        _fail(exc)
    _echo(result.report(limit=limit))
    if problems:
        _echo(f"problems: {problems}")
    if out and len(result.table):
        _echo(f"normalised table: {out}")
    sys.exit(0 if result.usable else 1)


def _report_run(result) -> None:
    for line in result.summary_lines():
        _echo(line)
    for kind, path in result.files.items():
        _echo(f"{kind}: {path}")


@cli.command()
@click.argument("city", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--survey", "ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Survey ledger (.xlsx/.csv) to join to the compounds.")
@click.option("--coord-frame", default="gcj02", show_default=True,
              type=click.Choice(["gcj02", "bd09", "EPSG:4326", "EPSG:4490"]),
              help="Frame of the ledger's coordinates.")
@click.option("--as-of", help="Date shown on the map, e.g. 2023-06-30.")
@_config_option
@click.option("--online", is_flag=True, help="Load Leaflet from CDNs instead of inlining it (smaller file).")
@click.option("--keep-going", is_flag=True,
              help="Go on when the ledger has errors (their rows left out); without it `run` stops with exit 1.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"),
              show_default=True)
@_metric_crs
@_frame
@_force
def run(city: Path, ledger: Path | None, coord_frame: str, as_of: str | None, config: Path | None,
        online: bool, keep_going: bool, out_dir: Path, metric_crs: str | None, frames: dict[str, str],
        force: bool) -> None:
    """Ledger + city → checked ledger, reconciliation, proposals, coverage.xlsx, coverage_map.html."""
    from .pipeline import run as run_pipeline

    try:
        result = run_pipeline(city, ledger, out_dir=out_dir, coord_frame=coord_frame, as_of=as_of, config=config,
                              offline=not online, keep_going=keep_going, force=force, progress=_progress(),
                              metric_crs=metric_crs, frames=frames)
    except ZyGeoError as exc:
        _fail(exc)
    _report_run(result)


@cli.command()
@click.argument("city", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--survey", "ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Survey ledger joined to the compounds first.")
@_config_option
@click.option("--coord-frame", default="gcj02", show_default=True,
              type=click.Choice(["gcj02", "bd09", "EPSG:4326", "EPSG:4490"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="GeoPackage with layers areas, members, remainders and the table zy_geo_record (how it was "
                   "made) (+ <stem>_summary.xlsx).")
@click.option("--edits", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A proposal GeoPackage of this city edited in QGIS: its areas are kept as locks (moved units, "
                   "redrawn boundaries), deleted areas' units are solved again. Only read: --out must differ.")
@click.option("--rerun", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="OLD.gpkg",
              help="Propose again from the record OLD.gpkg carries: its config, and its city, ledger and edits files "
                   "(at their recorded paths, or given with --city, --survey, --edits), each checked by SHA-256.")
@click.option("--city", "city_option", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The city GeoPackage (with --rerun: where it is now, if moved).")
@click.option("--accept-changed-inputs", is_flag=True,
              help="With --rerun: re-run on inputs whose SHA-256 differs from the record (recorded as such).")
@_metric_crs
@_frame
@_force
@click.pass_context
def propose(ctx: click.Context, city: Path | None, ledger: Path | None, config: Path | None, coord_frame: str,
            out: Path, edits: Path | None, rerun: Path | None, city_option: Path | None, accept_changed_inputs: bool,
            metric_crs: str | None, frames: dict[str, str], force: bool) -> None:
    """Propose management areas (合理划定管理区域) with fence, gates, cameras and cost.

    zy-geo propose CITY.gpkg --out NEW.gpkg proposes; zy-geo propose --rerun OLD.gpkg --out NEW.gpkg proposes
    again from the record of OLD.gpkg (same inputs, checked, same parameters).
    """
    from .io.read import crs_summary
    from .pipeline import propose as run_propose
    from .pipeline import rerun as run_rerun
    from .write import single_file

    if city is not None and city_option is not None and city.absolute() != city_option.absolute():
        raise click.UsageError(f"the city is given twice (`{city}` and --city `{city_option}`); give it once.")
    city = city or city_option
    if rerun is not None:
        fixed = [opt for name, opt in (("config", "--config"), ("metric_crs", "--metric-crs"), ("frames", "--frame"),
                                       ("coord_frame", "--coord-frame"))
                 if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE]
        if fixed:
            raise click.UsageError(f"--rerun takes the parameters and options recorded in `{rerun.name}`; "
                                   f"{', '.join(fixed)} would change them. To propose with other parameters, "
                                   "propose anew: zy-geo propose CITY.gpkg --config CONFIG.toml --out NEW.gpkg.")
    elif accept_changed_inputs:
        raise click.UsageError("--accept-changed-inputs belongs to --rerun OLD.gpkg; without it there is no record "
                               "to compare the inputs with.")
    from .areas.record import invoked_command

    command = invoked_command() or _command_line(ctx)
    try:
        folder, name = single_file(out, suffixes=(".gpkg",), force=force, what="proposal",
                                   inputs=[p for p in (city, ledger, config, edits, rerun) if p])
        folder.path(name)  # refuse a bad --out before the work
        if rerun is not None:
            result = run_rerun(rerun, out=out, city=city, ledger=ledger, edits=edits, force=force,
                               accept_changed_inputs=accept_changed_inputs, progress=_progress(), command=command)
        elif city is None:
            raise click.UsageError("give the city GeoPackage (zy-geo propose CITY.gpkg --out NEW.gpkg), or re-run a "
                                   "proposal from its record (zy-geo propose --rerun OLD.gpkg --out NEW.gpkg).")
        else:
            result = run_propose(city, ledger, config=config, out=out, coord_frame=coord_frame, force=force,
                                 progress=_progress(), metric_crs=metric_crs, frames=frames, edits=edits,
                                 command=command)
    except ZyGeoError as exc:
        _fail(exc)
    if rerun is not None:
        record = result.record
        _echo(f"re-ran `{rerun.name}` from its record: city `{record.get('city.name', '')}`"
              + "".join(f", {kind} `{record[f'{kind}.name']}`" for kind in ("ledger", "edits")
                        if f"{kind}.name" in record)
              + (", config `" + record["config.name"] + "`" if "config.name" in record else ", recorded parameters")
              + " (inputs checked by SHA-256)")
        if record.get("accepted_changed_inputs"):
            _echo(f"warning: re-ran on changed inputs (--accept-changed-inputs): {record['accepted_changed_inputs']}",
                  fg="yellow")
    if result.edits is not None:
        planner = int((result.areas["origin"] == "planner").sum())
        noted = len(result.problems.warnings)
        edits_name = result.record.get("edits.name", edits.name if edits else "")
        _echo(f"edits `{edits_name}`: {planner} areas kept as the planner left them (origin "
              f"planner), {len(result.edits.deleted)} areas deleted, {len(result.edits.free)} units solved again"
              + (f"; {noted} warnings (above, and in the summary's sheet 编辑问题)" if noted else ""))
    total = result.summary().iloc[-1]
    _echo(
        f"{len(result.areas)} areas for {int(total['households_in_areas'])} households; "
        f"absorbed {int(total['households_absorbed'])}; remaining {int(total['households_remaining'])} "
        f"({len(result.remainders)} units); new fence {total['new_fence_m']:,.0f} m; "
        f"cost {total['cost_yuan']:,.0f} yuan; {int(total['areas_over_cap'])} areas over the cap"
    )
    _echo(crs_summary(result.crs_info()))
    _echo(f"areas: {out}\nsummary: {out.with_name(out.stem + '_summary.xlsx')}")


def _command_line(ctx: click.Context) -> str:
    """The command as typed, rebuilt from what click parsed (options left at their defaults left out)."""
    import shlex

    words = ["zy-geo", str(ctx.info_name)]
    for param in ctx.command.params:
        name = str(param.name)
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.COMMANDLINE:
            continue
        value = ctx.params[name]
        if isinstance(param, click.Argument):
            words.append(str(value))
        elif isinstance(param, click.Option) and param.is_flag:
            words.append(param.opts[0])
        elif isinstance(value, dict):  # --frame LAYER=FRAME, parsed into a mapping
            words += [w for k, v in value.items() for w in (param.opts[0], f"{k}={v}")]
        else:
            words += [param.opts[0], str(value)]
    return shlex.join(words)


@cli.command()
@click.argument("city", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--survey", "ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--proposals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Proposal GeoPackage from `zy-geo propose` (default: propose now).")
@_config_option
@click.option("--prices", type=click.Path(exists=True, dir_okay=False, path_type=Path), hidden=True,
              help="Deprecated old name of --config.")
@click.option("--no-figures", is_flag=True, help="Leave the map figure out of each plan (faster).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@_metric_crs
@_frame
@_force
def plan(city: Path, ledger: Path | None, proposals: Path | None, config: Path | None, prices: Path | None,
         no_figures: bool, out_dir: Path, metric_crs: str | None, frames: dict[str, str], force: bool) -> None:
    """One plan per compound/area (一小区一方案, .docx), an index and the funding ledger."""
    from .pipeline import plan as run_plan

    if prices is not None:
        if config is not None:
            _fail(click.UsageError("give the config file once, with --config (--prices is its old name)."))
        click.secho("warning: --prices is deprecated; use --config (the same file).", fg="yellow", err=True)
        config = prices
    try:
        plans = run_plan(city, ledger, proposals=proposals, config=config, out_dir=out_dir,
                         figures=not no_figures, force=force, progress=_progress(), metric_crs=metric_crs,
                         frames=frames)
    except ZyGeoError as exc:
        _fail(exc)
    total = plans.totals().iloc[-1]
    n_ext = 0 if plans.extensions is None else len(plans.extensions)
    _echo(f"{len(plans.plans)} plans, {n_ext} extensions (扩围); facilities {total['cost_yuan']:,.0f} yuan, "
               f"subsidy {total['subsidy_yuan']:,.0f} (city {total['city_yuan']:,.0f}, "
               f"bodies {total['body_yuan']:,.0f})")
    _echo(f"index: {out_dir / 'index.html'}\nfunding ledger: {out_dir / 'funding_ledger.xlsx'}")


@cli.command(name="map")
@click.argument("city", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--survey", "ledger", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Survey ledger joined to the compounds first.")
@click.option("--proposals", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Proposal GeoPackage of this city (from `zy-geo propose`), drawn over the compounds.")
@click.option("--basemap", type=click.Choice(["none", "gaode", "tianditu", "osm"]), default="none",
              show_default=True, help="Tiles under the map; all but none need --online (tianditu also a key).")
@click.option("--as-of", help="Date shown on the map, YYYY-MM-DD.")
@click.option("--online", is_flag=True, help="Load Leaflet and tiles from the internet (smaller file).")
@click.option("--coord-frame", default="gcj02", show_default=True,
              type=click.Choice(["gcj02", "bd09", "EPSG:4326", "EPSG:4490"]), help="Frame of the ledger's coordinates.")
@click.option("--keep-going", is_flag=True, help="Draw even when the ledger has errors (their rows left out).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .html to write.")
@_metric_crs
@_frame
@_force
def map_(city: Path, ledger: Path | None, proposals: Path | None, basemap: str, as_of: str | None, online: bool,
         coord_frame: str, keep_going: bool, out: Path, metric_crs: str | None, frames: dict[str, str],
         force: bool) -> None:
    """The meeting map alone (offline by default): coverage, compounds by mode, proposed areas."""
    from .pipeline import meeting_map

    try:
        meeting_map(city, ledger, proposals=proposals, basemap=basemap, as_of=as_of, online=online, out=out,
                    coord_frame=coord_frame, keep_going=keep_going, force=force, metric_crs=metric_crs,
                    frames=frames)
    except ZyGeoError as exc:
        _fail(exc)
    size = out.stat().st_size / 1e6
    click.echo(f"map: {out} ({size:.1f} MB, {'online' if online else 'opens offline'})")


@cli.command()
@_scale
@click.option("--seed", type=click.IntRange(min=0), default=2023, show_default=True)
@_config_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs"),
              show_default=True)
@_metric_crs
@_force
def demo(scale: float, seed: int, config: Path | None, out_dir: Path, metric_crs: str | None, force: bool) -> None:
    """The main job on the bundled sample: generate it, then ``run`` on it.

    The sample ledger carries the mistakes offices make on purpose, so the demo goes on past its
    errors (``run --keep-going``) and shows them in ``ledger_problems.csv``.
    """
    from .config import load_config
    from .pipeline import run as run_pipeline
    from .sample.generate import make_sample, write_sample
    from .write import OutputFolder

    try:
        cfg = load_config(config)  # before the sample is generated: a mistake in the file shows at once
    except ZyGeoError as exc:
        _fail(exc)
    _echo(f"sample city (scale {scale:g}, seed {seed}) → {out_dir / 'sample'}")
    try:
        folder = OutputFolder(out_dir, force=force)
        files = write_sample(make_sample(scale=scale, seed=seed, progress=_progress()), "sample", folder=folder)
        result = run_pipeline(files["city"], files["ledger"], out_dir=folder, as_of="2023-12-31", keep_going=True,
                              config=cfg, progress=_progress(), metric_crs=metric_crs)
        result.stale = folder.finish()
    except ZyGeoError as exc:
        _fail(exc)
    _report_run(result)


@cli.command(name="diff")
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The .xlsx to write: 汇总 (by street and total), 区域变化, 单元变动, 说明.")
@click.option("--map", "map_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also an .html map of the changes over the new proposal (opens offline).")
@_force
def diff_(old: Path, new: Path, out: Path, map_out: Path | None, force: bool) -> None:
    """What changed between two proposals of one city (OLD.gpkg → NEW.gpkg, from `zy-geo propose`).

    Areas added, removed and changed (matched by their units, not their ids: splits and merges are
    named), units that moved, and households, new fence and cost by street and in total.
    """
    from .diff import diff_proposals
    from .write import single_file

    try:
        single_file(out, suffixes=(".xlsx",), inputs=[old, new], force=force, what="diff workbook")
        if map_out is not None:
            single_file(map_out, suffixes=(".html", ".htm"), inputs=[old, new], force=force, what="diff map")
        result = diff_proposals(old, new)
        result.to_xlsx(out, force=force)
        if map_out is not None:
            result.save_map(map_out, force=force)
    except ZyGeoError as exc:
        _fail(exc)
    for line in result.summary_lines():
        _echo(line)
    _echo(f"workbook: {out}" + (f"\nmap: {map_out}" if map_out is not None else ""))


@cli.group(name="import")
def import_() -> None:
    """Build a city GeoPackage from real data: OSM (``osm``), Amap/Baidu AOI (``aoi``), 三调 parcels (``parcels``)."""


@import_.command(name="osm")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The city .gpkg to write (problems go to <name>_problems.csv beside it).")
@click.option("--bbox", help="Keep features within W,S,E,N (degrees), e.g. 116.34,39.99,116.36,40.01.")
@click.option("--streets", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Street (街道/乡镇) boundaries to use instead of the extract's admin_level 8/9 boundaries.")
@click.option("--jurisdictions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV code,street,body naming each street's responsible body (as zy_geo/data/central_city.csv).")
@click.option("--profile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tags → layers TOML (default: zy_geo/data/profiles/osm.toml; copy and edit it).")
@click.option("--metric-crs", "metric_crs", help="Metric CRS (default: the CGCS2000 3-degree zone of the data).")
@_config_option
@_force
def import_osm(source: Path, out: Path, bbox: str | None, streets: Path | None, jurisdictions: Path | None,
               profile: Path | None, metric_crs: str | None, config: Path | None, force: bool) -> None:
    """An OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf) → a city GeoPackage for propose, run, plan, map."""
    from .config import load_config
    from .importers import import_osm as run_import
    from .write import single_file

    try:
        cfg = load_config(config)
        inputs = [p for p in (source, streets, jurisdictions, profile, config) if p is not None]
        single_file(out, suffixes=(".gpkg",), inputs=inputs, force=force, what="city GeoPackage")
        city = run_import(source, profile=profile, bbox=bbox, streets=streets, jurisdictions=jurisdictions,
                          config=cfg, metric_crs=metric_crs, progress=_progress())
        files = city.write(out, force=force, inputs=inputs)
    except ZyGeoError as exc:
        _fail(exc)
    for line in city.summary_lines():
        _echo(line)
    for kind, path in files.items():
        _echo(f"{kind}: {path}")
    for problem in list(city.problems.warnings)[:5]:
        _echo(f"warning: {problem.message}", fg="yellow")


def _checked_import_frame(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``gcj02``/``bd09``/``wgs84`` (any usual spelling), or a usage error saying which to write."""
    if value is None:
        return None
    from .importers.offices import canonical_frame

    canon = canonical_frame(value)
    if canon not in ("gcj02", "bd09", "wgs84"):
        msg = (f"{value!r} is not a frame: use gcj02 (Amap/Gaode, Tencent), bd09 (Baidu) or wgs84 (GPS, 天地图, "
               "OSM, CGCS2000 lon/lat).")
        raise click.BadParameter(msg, ctx, param)
    return canon


def _write_imported(import_city, out: Path, force: bool, inputs: list[Path], config: Path | None) -> None:
    """Load the config, run one importer, write the city and say what it holds (``import aoi``/``parcels``)."""
    from .config import load_config
    from .write import single_file

    try:
        cfg = load_config(config)
        single_file(out, suffixes=(".gpkg",), inputs=inputs, force=force, what="city GeoPackage")
        city = import_city(cfg)
        files = city.write(out, force=force, inputs=inputs)
    except ZyGeoError as exc:
        _fail(exc)
    for line in city.summary_lines():
        _echo(line)
    _echo(city.metadata.get("frame_note", ""))
    for kind, path in files.items():
        _echo(f"{kind}: {path}")
    for problem in list(city.problems.warnings)[:5]:
        _echo(f"warning: {problem.message}", fg="yellow")
    others = sum(p.code == "not_residential" for p in city.problems)
    if others:
        _echo(f"{others:,} row{'s' if others > 1 else ''} of other types listed in the problems file "
              "(not_residential).")


_import_out = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                           help="The city .gpkg to write (problems go to <name>_problems.csv beside it).")
_import_streets = click.option("--streets", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                               help="Street (街道/乡镇) boundaries (a polygon layer with a `street` column); "
                                    "without it the whole extent is one street.")
_import_jurisdictions = click.option(
    "--jurisdictions", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV code,street,body naming each street's responsible body (as zy_geo/data/central_city.csv).")
_import_metric_crs = click.option(
    "--metric-crs", "metric_crs", callback=_checked_metric_crs, metavar="EPSG:xxxx|auto",
    help="Metric CRS (default: the CGCS2000 3-degree zone of the data).")


@import_.command(name="aoi")
@click.argument("source_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_import_out
@click.option("--source", type=click.Choice(["amap", "baidu", "other"]), default="amap", show_default=True,
              help="Whose export: amap (高德, GCJ-02), baidu (百度, BD-09), other (needs --frame).")
@click.option("--frame", callback=_checked_import_frame, metavar="gcj02|bd09|wgs84",
              help="The frame of the coordinates, converted to WGS84 (default: that of --source, or of the profile).")
@_import_streets
@_import_jurisdictions
@click.option("--profile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Columns and residential codes TOML (default: zy_geo/data/profiles/amap_aoi.toml or "
                   "baidu_aoi.toml; copy and edit it).")
@_import_metric_crs
@_config_option
@_force
def import_aoi(source_file: Path, out: Path, source: str, frame: str | None, streets: Path | None,
               jurisdictions: Path | None, profile: Path | None, metric_crs: str | None, config: Path | None,
               force: bool) -> None:
    """An Amap/Baidu AOI export (GeoJSON, Shapefile, GeoPackage, CSV/XLSX with a polygon column) → a city GeoPackage.

    Residential AOIs (Amap typecode 120300–120303, Baidu tag 住宅区) become compounds; every other
    row is listed in the problems file.
    """
    from .importers import import_aoi as run_import

    inputs = [p for p in (source_file, streets, jurisdictions, profile, config) if p is not None]
    _write_imported(lambda cfg: run_import(source_file, source=source, frame=frame, profile=profile, streets=streets,
                                           jurisdictions=jurisdictions, config=cfg, metric_crs=metric_crs),
                    out, force, inputs, config)


@import_.command(name="parcels")
@click.argument("source_file", metavar="FILE", type=click.Path(exists=True, path_type=Path))
@_import_out
@_import_streets
@_import_jurisdictions
@click.option("--profile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Land-use codes TOML (default: zy_geo/data/profiles/tdsc_parcels.toml; copy and edit it).")
@click.option("--encoding", help="Attribute text encoding when detection is wrong, e.g. GBK.")
@click.option("--layer", help="The 地类图斑 layer of a multi-layer file (default: DLTB, else the first).")
@click.option("--crs", help="The CRS of a file without .prj, e.g. EPSG:4544.")
@_import_metric_crs
@_config_option
@_force
def import_parcels(source_file: Path, out: Path, streets: Path | None, jurisdictions: Path | None,
                   profile: Path | None, encoding: str | None, layer: str | None, crs: str | None,
                   metric_crs: str | None, config: Path | None, force: bool) -> None:
    """Land-survey parcels (三调 地类图斑: Shapefile, GeoPackage) → a city GeoPackage.

    DLBM 0701 城镇住宅用地 become compounds, 0702 农村宅基地 scattered housing (households estimated
    from the parcel area), 1101–1103 water the rivers layer; every other parcel is listed in the problems file.
    """
    from .importers import import_parcels as run_import

    inputs = [p for p in (source_file, streets, jurisdictions, profile, config) if p is not None]
    _write_imported(lambda cfg: run_import(source_file, profile=profile, streets=streets, jurisdictions=jurisdictions,
                                           config=cfg, metric_crs=metric_crs, encoding=encoding, layer=layer, crs=crs),
                    out, force, inputs, config)


def main() -> None:
    """Console-script entry point."""
    cli()


if __name__ == "__main__":
    main()
