"""The record of how a proposal was made: its input files, parameters and version, and what a re-run needs.

Every proposal carries a record (:attr:`~zy_geo.areas.propose.ProposalResult.record`, a flat dict of text):

- ``zy_geo_version``, ``created_utc`` and ``command`` (the command line, or the Python call);
- for each input file — ``city``, ``ledger``, ``config``, ``edits`` — its ``<kind>.name``, ``<kind>.path``,
  ``<kind>.size_bytes`` and ``<kind>.sha256``. In memory the path is absolute; written into a GeoPackage it is
  relative to the GeoPackage's folder (:func:`portable_record`), so a proposal handed round names no one's home
  folder, and a folder moved or copied whole still re-runs;
- ``option.coord_frame``, ``option.metric_crs`` and ``option.frames``: the options of the run outside the
  config (the ledger's coordinate frame, a ``--metric-crs`` and the ``--frame`` layers);
- ``crs.*``: the metric CRS chosen and the layers converted on read (also in the layers' metadata);
- ``parameters.toml``: the whole config — every option, per-street overrides and the decisions — as TOML that
  :func:`~zy_geo.config.load_config` reads back to an equal :class:`~zy_geo.config.Config`;
- after a re-run, ``rerun_of.*`` (the proposal it re-ran) and ``accepted_changed_inputs``.

The proposal GeoPackage holds it as the non-spatial table ``zy_geo_record`` (rows ``key``, ``value``, ``名称``;
QGIS lists it beside the layers), the summary workbook's 参数 sheet lists the files, hashes and version, and
:func:`zy_geo.pipeline.rerun` (``zy-geo propose --rerun OLD.gpkg``) proposes again from it after checking
that every input is still the file it was.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from zy_geo.config import Config, ProposalParams
>>> folder = Path(tempfile.mkdtemp())
>>> city = folder / "city.gpkg"
>>> _ = city.write_bytes(b"not really a city")
>>> rec = make_record(Config(proposal=ProposalParams(max_households=800)), inputs={"city": city},
...                   command="zy-geo propose city.gpkg --out p.gpkg")
>>> rec["city.name"], rec["city.size_bytes"], rec["city.sha256"][:12]
('city.gpkg', '17', '65915360df28')
>>> "max_households = 800" in rec["parameters.toml"]
True
>>> record_from_table(record_table(rec)) == rec
True
"""

from __future__ import annotations

import datetime
import json
import os
import shlex
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyogrio

from .._gdal import gdal_reading
from ..config import Config, load_config
from ..errors import InputError, ProblemReport
from ..io.read import CRS_RECORD_KEYS
from ..write import sha256_of

#: Name of the record's table in a proposal GeoPackage.
RECORD_TABLE = "zy_geo_record"
#: The input files a record names, with their Chinese names.
INPUTS_ZH = {"city": "城市数据", "ledger": "摸底台账", "config": "参数配置文件", "edits": "QGIS 编辑稿"}
#: The option of ``zy-geo propose --rerun`` that gives each input file again.
RERUN_FLAGS = {"city": "--city", "ledger": "--survey", "edits": "--edits"}
#: Where the whole config is kept.
PARAMETERS_KEY = "parameters.toml"
_FILE_FIELDS_ZH = {"name": "文件名", "path": "路径", "size_bytes": "大小（字节）", "sha256": " SHA-256"}
_KEYS_ZH = {
    "zy_geo_version": "zy_geo 版本", "created_utc": "生成时间（UTC）", "command": "命令行",
    "option.coord_frame": "台账坐标所属坐标系（--coord-frame）",
    "option.metric_crs": "命令行指定的量算坐标系（--metric-crs）",
    "option.frames": "按 GCJ-02/BD-09 换算的图层（--frame）",
    "crs.metric_crs": "量算坐标系", "crs.metric_crs_name": "量算坐标系名称", "crs.metric_crs_how": "量算坐标系如何确定",
    "crs.metric_crs_note": "量算坐标系说明", "crs.frames": "读取时换算的图层",
    "rerun_of.name": "据以重算的方案", "rerun_of.path": "据以重算的方案路径",
    "rerun_of.sha256": "据以重算的方案 SHA-256",
    "accepted_changed_inputs": "重算时已接受变化的输入文件",
    "enclosures.key": "围合单元的计算依据指纹（街道、河流、铁路、道路与可跨越道路等级）",
    "enclosures.digest": "围合单元图层指纹（编辑稿重算时据此沿用，未变则不重算）",
    PARAMETERS_KEY: "全部参数与决定（TOML，可作 --config 使用）",
}




def file_entry(kind: str, path: str | Path) -> dict[str, str]:
    """``<kind>.name``, ``.path``, ``.size_bytes`` and ``.sha256`` of an input file (path absolute).

    :func:`portable_record` makes the path relative when the record is written.
    """
    p = Path(path).expanduser().absolute()
    return {f"{kind}.name": p.name, f"{kind}.path": str(p), f"{kind}.size_bytes": str(p.stat().st_size),
            f"{kind}.sha256": sha256_of(p)}


def invoked_command() -> str | None:
    """The command line when this process is the ``zy-geo`` program (None in Python, a notebook or a test)."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if program.removesuffix(".exe") not in ("zy-geo", "zy_geo"):
        return None
    return shlex.join(["zy-geo", *sys.argv[1:]])


def make_record(config: Config, *, inputs: Mapping[str, str | Path | None] | None = None,
                options: Mapping[str, str] | None = None, command: str = "", crs: Mapping[str, str] | None = None,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The record of a proposal made with ``config`` from these files.

    Parameters
    ----------
    config : Config
        The whole config of the run; kept as ``parameters.toml`` (:meth:`~zy_geo.config.Config.to_toml`).
    inputs : mapping, optional
        ``city``, ``ledger``, ``config``, ``edits`` → the file read (None: not used); each is hashed.
    options : mapping, optional
        Options of the run outside the config (``coord_frame``, ``metric_crs``, ``frames``), as text.
    command : str
        The command line or Python call.
    crs : mapping, optional
        The record of the frames (:func:`zy_geo.io.read.crs_record`).
    extra : mapping, optional
        Further entries (``rerun_of.*``, ``accepted_changed_inputs``).

    Returns
    -------
    dict of str to str
    """
    import zy_geo  # the package imports this module while it loads: read its version when called

    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    record = {"zy_geo_version": zy_geo.__version__, "created_utc": now, "command": command}
    for kind in INPUTS_ZH:
        path = (inputs or {}).get(kind)
        if path is not None:
            record |= file_entry(kind, path)
    record |= {f"option.{k}": str(v) for k, v in (options or {}).items()}
    record |= {f"crs.{k}": str(v) for k, v in (crs or {}).items() if k in CRS_RECORD_KEYS}
    record |= dict(extra or {})
    record[PARAMETERS_KEY] = config.to_toml(changed_only=False)
    return record


def _name_zh(key: str) -> str:
    kind, _, part = key.partition(".")
    if kind in INPUTS_ZH and part in _FILE_FIELDS_ZH:
        return f"{INPUTS_ZH[kind]}{_FILE_FIELDS_ZH[part]}"
    return _KEYS_ZH.get(key, "")


def _relative(path: str, folder: Path) -> str:
    """``path`` relative to ``folder`` (POSIX separators); only its name when there is no relative path."""
    try:
        return Path(os.path.relpath(Path(path).expanduser().resolve(), folder)).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).name


def portable_record(record: Mapping[str, str], folder: str | Path) -> dict[str, str]:
    """The record as written beside ``folder``'s files: no absolute path of this machine in it.

    Every ``*.path`` entry becomes relative to ``folder`` (the folder of the GeoPackage written), and so does
    every absolute path in the ``command`` line, so that a proposal handed round does not carry its author's
    folder names (a home folder is often a person's name). :func:`rerun_inputs` reads such a path relative to
    the proposal's folder.

    Examples
    --------
    >>> rec = {"city.name": "city.gpkg", "city.path": "/home/zhang/ziyang/data/city.gpkg",
    ...        "command": "zy-geo propose /home/zhang/ziyang/data/city.gpkg --out=/home/zhang/ziyang/out/p.gpkg"}
    >>> portable = portable_record(rec, "/home/zhang/ziyang/out")
    >>> portable["city.path"]
    '../data/city.gpkg'
    >>> portable["command"]
    'zy-geo propose ../data/city.gpkg --out=p.gpkg'
    """
    base = Path(folder).expanduser().resolve()
    out = dict(record)
    for key, value in record.items():
        if key.endswith(".path") and value and Path(value).is_absolute():
            out[key] = _relative(value, base)
    if record.get("command"):
        try:
            words = shlex.split(record["command"])
        except ValueError:  # not a command line we wrote: keep only the program
            out["command"] = record["command"].split(" ", 1)[0]
        else:
            out["command"] = shlex.join([_portable_word(w, base) for w in words])
    return out


def _portable_word(word: str, base: Path) -> str:
    option, eq, value = word.partition("=") if word.startswith("-") else ("", "", word)
    if value and Path(value).is_absolute():
        return f"{option}{eq}{_relative(value, base)}"
    return word


def record_table(record: Mapping[str, str]) -> pd.DataFrame:
    """The record as the GeoPackage's ``zy_geo_record`` table: one row per entry (``key``, ``value``, ``名称``)."""
    return pd.DataFrame({"key": list(record), "value": [str(v) for v in record.values()],
                         "名称": [_name_zh(k) for k in record]}, columns=["key", "value", "名称"])


def record_from_table(table: pd.DataFrame) -> dict[str, str]:
    """The record back from its table (an empty value read as None is ``""``)."""
    return {str(k): "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
            for k, v in zip(table["key"], table["value"], strict=True)}


def read_record(path: str | Path) -> dict[str, str]:
    """The record of a proposal GeoPackage; empty when it has none (written before proposals were recorded).

    Raises
    ------
    InputError
        When the file cannot be read as a GeoPackage, or its record table lacks ``key``/``value``.
    """
    path = Path(path)
    try:
        with gdal_reading(path) as source:
            names = [str(n) for n in pyogrio.list_layers(source)[:, 0]]
            if RECORD_TABLE not in names:
                return {}
            table = pyogrio.read_dataframe(source, layer=RECORD_TABLE, read_geometry=False)
    except Exception as exc:
        msg = f"`{path}` cannot be read as a GeoPackage ({exc}); give a proposal written by zy-geo propose."
        raise InputError(msg) from exc
    missing = [c for c in ("key", "value") if c not in table.columns]
    if missing:
        msg = (f"`{path.name}` has a table {RECORD_TABLE} without the column(s) {missing} (it has "
               f"{sorted(map(str, table.columns))}); it was changed by hand or by another tool. Propose again to "
               "get a proposal with a readable record.")
        raise InputError(msg)
    return record_from_table(table)


def record_parameters(record: Mapping[str, str]) -> pd.DataFrame:
    """The rows of the 参数 sheet that say which files, version and command a proposal came from.

    Columns 适用范围, 类别, 参数, 名称, 取值, 来源 (as :meth:`~zy_geo.areas.propose.ProposalResult.parameters`).
    """
    rows = [("全市", "record", key, _KEYS_ZH[key], record.get(key, ""), "本次运行")
            for key in ("zy_geo_version", "created_utc")]
    for kind, zh in INPUTS_ZH.items():
        if f"{kind}.sha256" in record:
            size = record.get(f"{kind}.size_bytes", "")
            size_text = f"{int(size):,} 字节" if size.isdigit() else size
            rows.append(("全市", "record", f"{kind}.sha256", f"{zh}文件 SHA-256", record[f"{kind}.sha256"],
                         f"{record.get(f'{kind}.name', '')}，{size_text}"))
    for key in ("command", "rerun_of.name", "rerun_of.sha256", "accepted_changed_inputs"):
        if record.get(key):
            rows.append(("全市", "record", key, _KEYS_ZH[key], record[key], "本次运行"))
    return pd.DataFrame(rows, columns=["适用范围", "类别", "参数", "名称", "取值", "来源"])


# --- re-running -----------------------------------------------------------------------------------------------

@dataclass
class RerunInputs:
    """The inputs of a re-run, found and checked against the record (:func:`rerun_inputs`).

    Attributes
    ----------
    paths : dict of str to Path
        ``city``, ``ledger``, ``edits`` (those the proposal used) → the file to read.
    changed : dict of str to tuple of str
        Inputs whose SHA-256 differs from the record → (recorded, found); only with ``accept_changed``.
    """

    paths: dict[str, Path] = field(default_factory=dict)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)

    def accepted(self) -> str:
        """The ``accepted_changed_inputs`` entry of the new record ("" when nothing changed)."""
        # hashes shortened to 12 hex digits in messages: a full sha256 may hold a run of 16 digits, which the
        # personal-data mask would hide; the record keeps the full hashes in its <input>.sha256 entries
        return "; ".join(f"{kind} `{self.paths[kind].name}`: recorded sha256 {old[:12]}…, found {new[:12]}…"
                         for kind, (old, new) in self.changed.items())


def _no_record(proposal: Path) -> str:
    return (f"`{proposal.name}` holds no record of how it was made (no {RECORD_TABLE} table: it was written by "
            "zy_geo before proposals were recorded, or by another tool), so it cannot be re-run. Propose it again "
            "from its files — zy-geo propose CITY.gpkg [--survey LEDGER] [--config CONFIG.toml] [--edits EDITED.gpkg] "
            "--out NEW.gpkg — and the new proposal carries its record.")


def rerun_inputs(record: Mapping[str, str], proposal: str | Path, *,
                 given: Mapping[str, str | Path | None] | None = None,
                 accept_changed: bool = False) -> RerunInputs:
    """Find the inputs a recorded proposal came from and check each against its recorded SHA-256.

    Each input is the file given (``given``: ``city``, ``ledger``, ``edits``), else the file at its recorded
    path, else a file of its recorded name beside the proposal (a folder moved or copied whole).

    Parameters
    ----------
    record : mapping
        The proposal's record (:func:`read_record`).
    proposal : str or Path
        The proposal GeoPackage (named in messages; its folder is searched).
    given : mapping, optional
        Files given for the re-run.
    accept_changed : bool
        Re-run on inputs whose SHA-256 differs (listed in :attr:`RerunInputs.changed`) instead of refusing.

    Returns
    -------
    RerunInputs

    Raises
    ------
    InputError
        A proposal without a record; a given file the proposal did not use; a city that is not recorded;
        inputs that are missing or changed — all named in one report, each with its fix.
    """
    proposal = Path(proposal)
    if not record:
        raise InputError(_no_record(proposal))
    files = {k: Path(v) for k, v in (given or {}).items() if v is not None}
    name = proposal.name
    report = ProblemReport()
    for kind, path in files.items():
        if f"{kind}.sha256" not in record:
            report.add("error", f"{RERUN_FLAGS[kind]} `{path.name}` given, but `{name}` was proposed without a "
                       f"{INPUTS_ZH[kind]} ({kind})", source=name, layer=RECORD_TABLE, code="not_an_input",
                       fix=f"drop {RERUN_FLAGS[kind]} (a re-run takes the inputs of the original), or propose anew "
                           "with it: zy-geo propose CITY.gpkg ... --out NEW.gpkg")
    if "city.sha256" not in record:
        report.add("error", f"the record of `{name}` names no city file: it was proposed in Python from layers in "
                   "memory (zy_geo.propose_areas)", source=name, layer=RECORD_TABLE, code="no_city",
                   fix="propose it again from a city GeoPackage: zy-geo propose CITY.gpkg --out NEW.gpkg")
    out = RerunInputs()
    for kind in RERUN_FLAGS:
        if f"{kind}.sha256" not in record:
            continue
        recorded = record.get(f"{kind}.path", "")
        # a relative path is relative to the proposal's folder (portable_record); an old record's is absolute
        recorded_path = (proposal.resolve().parent / recorded).resolve() if recorded else Path()
        beside = proposal.resolve().parent / record.get(f"{kind}.name", "")
        if kind in files:
            found = files[kind]
            if not found.is_file():
                report.add("error", f"{RERUN_FLAGS[kind]} `{found}` does not exist", source=str(found), code="missing",
                           fix=f"give the {INPUTS_ZH[kind]} `{name}` was proposed from")
                continue
        else:
            candidates = [p for p in (recorded_path, beside) if str(p) not in ("", ".") and p.is_file()]
            if not candidates:
                report.add("error", f"the {kind} file `{record.get(f'{kind}.name', '')}` ({INPUTS_ZH[kind]}) that "
                           f"`{name}` was proposed from is missing: not at its recorded path `{recorded_path}` nor "
                           f"beside `{name}`", source=record.get(f"{kind}.name", ""), value=str(recorded_path),
                           code="missing", fix=f"pass it with {RERUN_FLAGS[kind]} PATH (sha256 "
                                               f"{record[f'{kind}.sha256']})")
                continue
            found = candidates[0]
        sha = sha256_of(found)
        if sha != record[f"{kind}.sha256"]:
            if accept_changed:
                out.changed[kind] = (record[f"{kind}.sha256"], sha)
            else:
                report.add("error", f"the {kind} file `{found}` is not the one `{name}` was proposed from: recorded "
                           f"sha256 {record[f'{kind}.sha256'][:12]}… ({record.get(f'{kind}.name', '')}, "
                           f"{record.get(f'{kind}.size_bytes', '?')} bytes), found {sha[:12]}… "
                           f"({found.stat().st_size} bytes)", source=str(found), value=sha[:12], code="changed",
                           fix=f"pass the file it was proposed from with {RERUN_FLAGS[kind]} PATH, or add "
                               "--accept-changed-inputs to re-run on this one (the new proposal records that)")
        out.paths[kind] = found
    if not report.ok:
        lines = [f"- {p.message}; fix: {p.fix}" for p in report.errors]
        msg = (f"cannot re-run `{name}`:\n" + "\n".join(lines)) if len(lines) > 1 else \
            f"cannot re-run `{name}`: {lines[0][2:]}"
        raise InputError(msg, report)
    return out


def config_from_record(record: Mapping[str, str], proposal: str | Path) -> Config:
    """The :class:`~zy_geo.config.Config` a proposal was made with, read back from its ``parameters.toml``.

    The text is read as a file of the original config's name (so the outputs say "config `name`" as before).

    Raises
    ------
    InputError
        When the record has no parameters, or this zy_geo cannot read them (a newer version wrote them).
    """
    proposal = Path(proposal)
    text = record.get(PARAMETERS_KEY)
    if not text:
        msg = (f"the record of `{proposal.name}` holds no parameters ({PARAMETERS_KEY}); it was changed by hand or "
               "by another tool. Propose again from its files to get a proposal that can be re-run.")
        raise InputError(msg)
    name = Path(record.get("config.name") or "parameters.toml").name
    with tempfile.TemporaryDirectory(prefix="zy_geo-rerun-") as scratch:
        path = Path(scratch) / name
        path.write_text(text, encoding="utf-8")
        try:
            return load_config(path)
        except InputError as exc:
            msg = (f"the parameters recorded in `{proposal.name}` (by zy_geo {record.get('zy_geo_version', '?')}) "
                   f"cannot be read by this zy_geo: {exc}. Re-run it with the version that wrote it, or propose "
                   "again with a config this version reads.")
            raise InputError(msg, exc.report) from None


def options_from_record(record: Mapping[str, str]) -> tuple[str, str | None, dict[str, str]]:
    """``coord_frame``, ``metric_crs`` (None: the config's) and ``frames`` of the recorded run."""
    frames = json.loads(record.get("option.frames") or "{}")
    return (record.get("option.coord_frame") or "gcj02", record.get("option.metric_crs") or None,
            {str(k): str(v) for k, v in frames.items()})
