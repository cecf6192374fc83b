"""Propose management areas (合理划定管理区域): group nearby units into enclosable areas.

Notice §四(一): open-type compounds, scattered residential buildings and small residential
areas near each other are combined into one compound and enclosed. :func:`propose_areas`
groups the unmanaged units of each enclosure (see :mod:`zy_geo.areas.enclosures`) by proximity under
household, extent and cost limits, prices the enclosure of each group (:mod:`zy_geo.areas.fencing`),
lets managed compounds absorb a small leftover neighbour (扩围), and flags what remains with
the reason. Every unmanaged household ends in exactly one outcome.

Units linked within ``max_gap_m`` inside one enclosure form clusters. A cluster of up to
``exact_max_units`` units (every cluster of the sample city up to scale 10) is partitioned exactly: of all groupings
into connected groups within ``max_households`` and ``max_extent_m``, the one that puts the most
households into viable areas and, among those, needs the least new fence, every candidate group
priced as the reported areas are (``coverage_weight_m`` trades the two instead); with
``respect_cost_cap`` a group over the subsidy cap is not used when it splits into two viable groups
under it. Larger clusters fall back to a constrained single-linkage (Kruskal) pass: pairs are merged
nearest first, a merge is refused when it would exceed ``max_households`` or ``max_extent_m``; when
both parts could stand alone, it is also refused if it needs more new fence than enclosing them
apart, or (``respect_cost_cap``) if it pushes an area over the cap while both parts are under it.
What kept neighbouring groups apart is recorded to explain which constraint bound. Ties break on
unit ids, so results are deterministic.

Decisions of planners and residents (:class:`~zy_geo.areas.decisions.Decisions`: ``together``, ``apart``,
``no_merge``, ``exclude``, and a ledger's consent columns) bind both passes: a together group is one area
whatever the limits (flagged when over them), an apart pair never shares an area, a no_merge unit is
alone, an excluded unit leaves the proposal (outcome ``excluded``). Every area's ``decision`` column
names the decisions that bound it ("" where zy_geo grouped on its own).

Edits a planner made to a proposal in QGIS (:class:`~zy_geo.areas.edits.Edits`, ``edits=``) are locks: every
area still in the edited file keeps its members and takes part in no merger (``origin`` ``planner``), a
redrawn boundary is priced as drawn, and only the free units are solved (``origin`` ``zy_geo``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from tqdm.auto import tqdm

from .._gdal import gdal_reading
from ..config import STREETS, Config, ProposalParams, Settings
from ..errors import InputError, ProblemReport
from ..io.read import CRS_RECORD_KEYS, crs_parameters, crs_record
from ..labels import (
    ABSORB_HOW_ZH,
    AREA_ZH,
    DEFAULT_ZH,
    MEMBER_ZH,
    OUTCOMES,
    REASONS_ZH,
    SEVERITY_ZH,
    SOURCE_ZH,
    SUMMARY_ZH,
)
from ..schema import COMPOUND_KINDS, MODES
from ..write import OutputFolder, writing
from ._enclosure_cache import DIGEST as ENCLOSURE_DIGEST
from ._enclosure_cache import KEY as ENCLOSURE_KEY
from ._enclosure_cache import enclosure_digest, enclosure_key, saved_enclosures
from ._solve import solve
from .decisions import Binding, Decisions, barrier_finder, bind_decisions, consent_refusals
from .edits import EDIT_COLUMNS_ZH, EDIT_REASONS_ZH, ORIGIN_ZH, SHA_COLUMN, Edits, bind_edits, geometry_sha, read_edits
from .enclosures import assign_enclosure, barrier_lines, enclosures
from .fencing import area_boundaries
from .record import (
    RECORD_TABLE,
    invoked_command,
    make_record,
    portable_record,
    read_record,
    record_parameters,
    record_table,
)
from .units import build_units


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "、".join(map(str, value))
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return str(value)


_YES_NO = {True: "是", False: "否"}
_PROBLEM_ZH = {"severity": "级别", "source": "文件", "layer": "图层", "row": "要素编号（fid）", "column": "字段",
               "value": "值", "code": "类型", "message": "问题", "fix": "如何修改"}
_KIND_ZH = {"": "settings", STREETS: "proposal"}


def _areas_zh(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Areas for a Chinese sheet: constraint names and yes/no in Chinese, lists joined."""
    out = _flat(areas.drop(columns=[c for c in ("geometry", SHA_COLUMN) if c in areas.columns]))
    reasons = {**REASONS_ZH, **EDIT_REASONS_ZH}
    out["bound_by"] = out["bound_by"].map(lambda v: "、".join(reasons.get(x, x) for x in str(v).split(",")))
    out["over_cap"] = out["over_cap"].map(_YES_NO)
    if "origin" in out.columns:
        out["origin"] = out["origin"].map(lambda v: ORIGIN_ZH.get(v, v))
    return out.rename(columns={**AREA_ZH, **EDIT_COLUMNS_ZH})


def _members_zh(members: gpd.GeoDataFrame) -> pd.DataFrame:
    """Unit outcomes for a Chinese sheet: outcome, source, kind, mode and yes/no in Chinese."""
    out = _flat(members.drop(columns="geometry"))
    for col, names in (("outcome", OUTCOMES), ("absorb_how", ABSORB_HOW_ZH), ("source", SOURCE_ZH),
                       ("kind", COMPOUND_KINDS), ("suggested_mode", MODES), ("walled", _YES_NO),
                       ("origin", ORIGIN_ZH)):
        if col in out.columns:
            out[col] = out[col].map(lambda v, names=names: names.get(v, v) if not pd.isna(v) else v)
    return out.rename(columns={**MEMBER_ZH, **EDIT_COLUMNS_ZH})


def _style_sheet(ws: Any, name: str, df: pd.DataFrame) -> None:
    """Header row frozen, columns as wide as their first 50 values."""
    ws.freeze_panes = "A2"
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col[:50])
        ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.6), 60)


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    """Lists → '；'-joined text, for files."""
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, list | tuple)).any():
            out[col] = out[col].map(lambda v: "；".join(map(str, v)) if isinstance(v, list | tuple) else v)
    return out


@dataclass
class ProposalResult:
    """Proposed areas, the outcome of every unit, and what remains.

    Attributes
    ----------
    areas : GeoDataFrame
        One row per proposed area: members, households, boundary geometry, fence, gates, cameras,
        cost, whether over the subsidy cap, which constraint bound and an explanation.
    members : GeoDataFrame
        One row per unit (unmanaged compound or orphan-building group): ``outcome`` ∈
        area/absorbed/remainder/excluded, ``area_id`` or ``absorbed_by``, ``decision``.
    remainders : GeoDataFrame
        Units that could not be placed, with ``reason`` and ``suggested_mode``.
    enclosures : GeoDataFrame
        The enclosures used.
    params : ProposalParams
        Parameters used (per street in ``street_params``).
    provenance : dict of str to str
        The frames the proposal was computed in (:func:`zy_geo.io.read.crs_record`: ``metric_crs``, how it
        was chosen, layers converted from GCJ-02/BD-09); written into the GeoPackage's layer metadata and
        the 参数 sheet. Empty: the layers' own CRS.
    decisions : Decisions
        The decisions the proposal honoured (the 决定 sheet).
    edits : Edits or None
        The planner's edits the proposal took as locks (the 编辑 sheet), if any.
    problems : ProblemReport
        Warnings and notes of the edits: a redrawn boundary across a barrier or leaving a member outside,
        a lock across a barrier, a deleted area (also in each area's ``edit_problem``).
    record : dict of str to str
        How the proposal was made (:mod:`zy_geo.areas.record`): the name, path, size and SHA-256 of the city
        file, ledger, config and edits, the whole config as TOML (``parameters.toml``), the options outside it,
        the metric CRS and frames, the zy_geo version and the command line. Written as the GeoPackage's
        ``zy_geo_record`` table and in the 参数 sheet; :func:`zy_geo.pipeline.rerun` proposes again from it.
        Empty for a proposal read from a file written before proposals were recorded.
    """

    areas: gpd.GeoDataFrame
    members: gpd.GeoDataFrame
    remainders: gpd.GeoDataFrame
    enclosures: gpd.GeoDataFrame
    params: ProposalParams
    street_params: dict[str, ProposalParams] = field(default_factory=dict)
    settings: Settings = field(default_factory=Settings)
    provenance: dict[str, str] = field(default_factory=dict)
    decisions: Decisions = field(default_factory=Decisions)
    edits: Edits | None = None
    problems: ProblemReport = field(default_factory=ProblemReport)
    record: dict[str, str] = field(default_factory=dict)

    def crs_info(self) -> dict[str, str]:
        """:attr:`provenance`, or what the areas' own CRS says when it is empty."""
        if self.provenance:
            return dict(self.provenance)
        return crs_record({"areas": self.areas})

    def summary(self) -> pd.DataFrame:
        """Figures per street and in total (households by outcome, fence, cost).

        ``covered_share`` is the share of the programme's households (excluded units left out) in areas or
        absorbed.
        """
        m = self.members
        rows = []
        for street, grp in [*m.groupby("street", sort=True), ("合计", m)]:
            a = self.areas[self.areas["street"] == street] if street != "合计" else self.areas
            hh = grp.groupby("outcome")["households"].sum()
            total = int(grp["households"].sum())
            rows.append({
                "street": street,
                "units": len(grp),
                "households": total,
                "areas": len(a),
                "households_in_areas": int(hh.get("area", 0)),
                "households_absorbed": int(hh.get("absorbed", 0)),
                "households_remaining": int(hh.get("remainder", 0)),
                "households_excluded": int(hh.get("excluded", 0)),
                "covered_share": ((hh.get("area", 0) + hh.get("absorbed", 0)) / (total - hh.get("excluded", 0))
                                  if total - hh.get("excluded", 0) else np.nan),
                "new_fence_m": float(a["new_fence_m"].sum()),
                "fence_per_household_m": float(a["new_fence_m"].sum() / max(a["households"].sum(), 1)),
                "cost_yuan": float(a["cost_yuan"].sum()),
                "areas_over_cap": int(a["over_cap"].sum()),
            })
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        s = self.summary()
        total = s.iloc[-1]
        head = (
            f"<p><b>管理区域方案</b>：{len(self.areas)} 个区域，覆盖 {int(total.households_in_areas)} 户；"
            f"扩围并入 {int(total.households_absorbed)} 户；待处理 {int(total.households_remaining)} 户"
            f"（{len(self.remainders)} 个单元）。新建围挡 {total.new_fence_m:,.0f} 米，"
            f"估算 {total.cost_yuan:,.0f} 元，超 5 万元上限 {int(total.areas_over_cap)} 个。"
            + (f"不纳入本次方案 {int(total.households_excluded)} 户；" if total.households_excluded else "")
            + (f"遵循决定 {len(self.decisions)} 项。" if self.decisions else "")
            + (f"规划人员锁定 {int((self.areas['origin'] == 'planner').sum())} 个区域。" if self.edits else "")
            + "</p>"
        )
        cols = ["area_id", "street", "n_units", "households", "new_fence_m", "gates", "cameras",
                "cost_yuan", "bound_by"]
        table = self.areas[cols].head(15).to_html(index=False, escape=True, float_format="{:,.0f}".format)
        return head + table + (f"<p>… {len(self.areas) - 15} more</p>" if len(self.areas) > 15 else "")

    def xlsx_sheets(self, *, relative_to: str | Path | None = None) -> dict[str, pd.DataFrame]:
        """The summary workbook's sheets with Chinese headers: 汇总, 管理区域, 单元去向, 待处理, 参数 (决定 if any).

        ``relative_to``: the folder the workbook goes into; paths in the command line are made relative to it.
        """
        sheets = {
            "汇总": self.summary().rename(columns=SUMMARY_ZH),
            "管理区域": _areas_zh(self.areas),
            "单元去向": _members_zh(self.members),
            "待处理": _members_zh(self.remainders),
            "参数": self.parameters(relative_to=relative_to),
        }
        if self.decisions:
            sheets["决定"] = self.decisions.table()
        if self.edits is not None:
            sheets["编辑"] = self.edits.table()
        if len(self.problems):
            table = self.problems.to_frame()
            table["severity"] = table["severity"].map(SEVERITY_ZH)
            sheets["编辑问题"] = table.rename(columns=_PROBLEM_ZH)
        return sheets

    def to_xlsx(self, path: str | Path, *, folder: OutputFolder | None = None, force: bool = False) -> Path:
        """Write the summary workbook with Chinese headers and values; return the path.

        Sheets: summary (汇总), areas (管理区域), unit outcomes (单元去向), remainders (待处理) and the
        parameters and prices used (参数, defaults marked).

        Written through :mod:`zy_geo.write` (``folder``: the command's output folder, ``path`` relative
        to it): no cell is a live formula, and a workbook zy_geo did not write is not overwritten
        without ``force``.
        """
        with writing(path, folder, suffixes=(".xlsx",), what="proposal summary", force=force) as (out, name):
            sheets = self.xlsx_sheets(relative_to=(out.root / name).parent)
            return out.write_xlsx(sheets, name, style=_style_sheet)

    def parameters(self, *, relative_to: str | Path | None = None) -> pd.DataFrame:
        """The proposal parameters, per-street overrides and unit prices used, each marked 默认 or 已修改.

        Costs in this proposal rest on these figures; the defaults are planning defaults (the notice
        sets no prices), so a planner replaces them from the local price list. Then the frames the proposal
        was computed in and, from :attr:`record`, the zy_geo version, the command and the SHA-256 of every
        input file (with ``relative_to``, paths in the command line relative to that folder).
        """
        table = Config(settings=self.settings, proposal=self.params, streets=self.street_params).options()
        parts = [table[table["section"] == "proposal"], table[table["section"] == STREETS],
                 table[(table["section"] == "") & (table["key"] == "subsidy_cap_yuan")],
                 table[table["section"] == "prices"]]
        rows = [(r.street if r.section == STREETS else "全市", _KIND_ZH.get(r.section, r.section), r.key, r.zh,
                 _show(r.value), DEFAULT_ZH[r.basis] if r.is_default else "已修改")
                for r in pd.concat(parts).itertuples()]
        table = pd.DataFrame(rows, columns=["适用范围", "类别", "参数", "名称", "取值", "来源"])
        record = portable_record(self.record, relative_to) if relative_to is not None else self.record
        return pd.concat([table, crs_parameters(self.crs_info()), *([record_parameters(record)] if record else [])],
                         ignore_index=True)

    def gpkg_layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The layers of the proposal GeoPackage: ``areas``, ``members``, ``remainders``, ``enclosures``.

        The areas carry ``geom_sha``, a hash of each boundary as written
        (:func:`~zy_geo.areas.edits.geometry_sha`): a boundary redrawn in QGIS is told by it exactly.
        """
        layers = {name: gpd.GeoDataFrame(_flat(gdf), geometry="geometry", crs=gdf.crs)
                  for name, gdf in (("areas", self.areas), ("members", self.members),
                                    ("remainders", self.remainders), ("enclosures", self.enclosures))}
        layers["areas"][SHA_COLUMN] = geometry_sha(layers["areas"].geometry.to_numpy())
        return layers

    def to_gpkg(self, path: str | Path, *, folder: OutputFolder | None = None, force: bool = False) -> Path:
        """Write layers ``areas``, ``members``, ``remainders`` and ``enclosures`` (QGIS-readable).

        The :attr:`record` goes into the non-spatial table ``zy_geo_record`` (rows ``key``, ``value``, ``名称``),
        which QGIS lists beside the layers. Written through :mod:`zy_geo.write`: never over an input of the
        command (``folder``), nor over a file zy_geo did not write without ``force``.
        """
        layers = self.gpkg_layers()
        meta = {name: self.crs_info() for name in layers}
        about = {RECORD_TABLE: "zy_geo：本方案的来源文件（SHA-256）、全部参数与版本，可用 zy-geo propose --rerun 重算"}
        with writing(path, folder, suffixes=(".gpkg",), what="proposal", force=force) as (out, name):
            # paths relative to the GeoPackage's folder: no one's home folder in a file handed round
            record = portable_record(self.record, (out.root / name).parent)
            tables = {RECORD_TABLE: record_table(record)} if record else None
            return out.write_gpkg(layers, name, metadata=meta, tables=tables, descriptions=about)

    @classmethod
    def from_gpkg(cls, path: str | Path, *, params: ProposalParams | None = None) -> ProposalResult:
        """Read a proposal written by :meth:`to_gpkg` (e.g. after a planner edited it in QGIS).

        Its :attr:`record` is read from the ``zy_geo_record`` table (empty when the file has none, or when the
        table was damaged: :func:`zy_geo.areas.record.read_record` says what is wrong).
        """
        path = Path(path)
        if not path.exists():
            msg = f"`{path}` does not exist; write one with `zy-geo propose CITY.gpkg --out {path.name}`."
            raise InputError(msg)
        try:
            with gdal_reading(path) as source:
                layers = {n: gpd.read_file(source, layer=n, engine="pyogrio")
                          for n in ("areas", "members", "remainders", "enclosures")}
                meta = pyogrio.read_info(source, layer="areas").get("layer_metadata") or {}
        except Exception as exc:
            msg = f"`{path}` is not a zy_geo proposal (layers areas, members, remainders, enclosures): {exc}"
            raise InputError(msg) from exc

        def split(v: object) -> list[str]:
            return [] if v is None or (isinstance(v, float) and pd.isna(v)) else str(v).split("；")

        layers["areas"]["unit_ids"] = layers["areas"]["unit_ids"].map(split)
        for n in ("members", "remainders"):
            layers[n]["member_ids"] = layers[n]["member_ids"].map(split)
            layers[n]["enclosure_id"] = layers[n]["enclosure_id"].fillna("")
        provenance = {k: str(v) for k, v in meta.items() if k in CRS_RECORD_KEYS}
        try:
            record = read_record(path)
        except InputError:
            record = {}
        return cls(layers["areas"], layers["members"], layers["remainders"], layers["enclosures"],
                   params or ProposalParams(), provenance=provenance, record=record)


def _checked_streets(streets: gpd.GeoDataFrame, street_params: dict[str, ProposalParams]) -> gpd.GeoDataFrame:
    """The streets layer, or an error saying what to fix.

    Its columns are named at the door (:func:`zy_geo.io.read.read_city` takes a file's ``code`` as
    ``street_code``); here only what a hand-made layer may lack is checked. Per-street parameters
    must name streets of this layer.
    """
    if streets is None or len(streets) == 0:
        msg = "the streets layer is missing or empty; areas stay inside one street, so add the street/town polygons."
        raise InputError(msg)
    missing = [c for c in ("street", "street_code") if c not in streets.columns]
    if missing:
        msg = (f"the streets layer has no {' or '.join(f'`{c}`' for c in missing)} column (it has "
               f"{sorted(map(str, streets.columns))}); add the street/town name as `street` and its code as "
               "`street_code` (area ids start with it), or read the city with zy_geo.read_city, which names "
               "them so.")
        raise InputError(msg)
    unknown = sorted(set(street_params) - set(streets["street"].astype(str)))
    if unknown:
        msg = (f"per-street parameters name street(s) {unknown} that are not in the streets layer; "
               f"use one of {sorted(streets['street'].astype(str).unique())}.")
        raise InputError(msg)
    return streets


def propose_areas(
    compounds: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    rail: gpd.GeoDataFrame | None = None,
    params: ProposalParams | None = None,
    street_params: dict[str, ProposalParams] | None = None,
    settings: Settings | None = None,
    decisions: Decisions | None = None,
    edits: Edits | str | Path | None = None,
    progress: bool = False,
) -> ProposalResult:
    """Propose management areas for the unmanaged compounds and orphan buildings.

    Parameters
    ----------
    compounds : GeoDataFrame
        Compound polygons in a metric CRS (the city's zone, :func:`zy_geo.read_city`; EPSG:4544 in Ziyang)
        with ``compound_id``, ``households``, ``mode`` (or ``managed``), and optionally ``walled``, ``kind``.
    streets : GeoDataFrame
        Street/town polygons (``street``, ``street_code``, ``body``): areas never cross them.
    buildings, roads, rivers, rail : GeoDataFrame, optional
        Buildings (orphans become units; façades save fence), roads (``road_class``), rivers
        (polygons) and railways.
    params : ProposalParams, optional
        Limits and distances (defaults: :class:`ProposalParams`).
    street_params : dict, optional
        Per-street overrides, keyed by street name.
    settings : Settings, optional
        Unit prices and subsidy cap.
    decisions : Decisions, optional
        Decisions of planners and residents that bind the proposal (``Config.decisions`` from a config
        file): together, apart, no_merge, exclude (:mod:`zy_geo.areas.decisions`). Compounds with
        ``consent_merge`` False or ``owners_consent_share`` below ``merge_consent_min`` are no_merge too.
    edits : Edits, str or Path, optional
        A proposal GeoPackage a planner edited in QGIS (:func:`~zy_geo.areas.edits.read_edits`): every area
        still in it keeps its members (``origin`` ``planner``; a redrawn boundary priced as drawn), the other
        units are solved. Checked against the units and the decisions (:func:`~zy_geo.areas.edits.bind_edits`).
    progress : bool
        Show a progress bar over the steps (units, enclosures, grouping and pricing).

    Returns
    -------
    ProposalResult

    Examples
    --------
    Two pairs of open compounds, 20 m apart within each pair, a river between the pairs:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> sq = [box(0, 0, 60, 60), box(80, 0, 140, 60), box(260, 0, 320, 60), box(340, 0, 400, 60)]
    >>> compounds = gpd.GeoDataFrame({"compound_id": list("abcd"), "households": [60] * 4,
    ...     "mode": ["none"] * 4, "kind": ["open"] * 4}, geometry=sq, crs="EPSG:4544")
    >>> streets = gpd.GeoDataFrame({"street": ["甲街道"], "street_code": ["1"], "body": ["雁江区"]},
    ...     geometry=[box(-100, -100, 500, 200)], crs="EPSG:4544")
    >>> rivers = gpd.GeoDataFrame({"name": ["沱江"]}, geometry=[box(170, -100, 230, 200)], crs="EPSG:4544")
    >>> r = propose_areas(compounds, streets=streets, rivers=rivers)
    >>> r.areas["unit_ids"].tolist()
    [['a', 'b'], ['c', 'd']]

    Residents of b and c agreed to be one area across the river, a refused any merger, d is to be
    demolished:

    >>> from zy_geo.areas import Decisions, Together
    >>> d = Decisions(together=[Together(("b", "c"), reason="业主大会同意", allow_across=True)],
    ...               no_merge=["a"], exclude={"d": "拟拆迁"})
    >>> r = propose_areas(compounds, streets=streets, rivers=rivers, decisions=d)
    >>> r.areas[["unit_ids", "bound_by", "decision"]].values.tolist()
    [[['b', 'c'], 'decision:together-across', 'together: 业主大会同意']]
    >>> r.members[["unit_id", "outcome", "decision"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['a', 'remainder', 'no_merge'], ['b', 'area', 'together: 业主大会同意'],
     ['c', 'area', 'together: 业主大会同意'], ['d', 'excluded', 'exclude: 拟拆迁']]
    """
    params = params or ProposalParams()
    street_params = street_params or {}
    settings = settings or Settings()
    crs = compounds.crs
    streets = _checked_streets(streets, street_params)
    bar = tqdm(total=3, desc="proposal", unit="step", disable=not progress)
    bar.set_postfix_str("units")
    units = build_units(compounds, buildings, orphan_gap_m=params.orphan_gap_m)
    bar.update()
    bar.set_postfix_str("enclosures")
    edits_path = Path(edits) if isinstance(edits, str | Path) else None
    if edits is not None:
        edits = edits if isinstance(edits, Edits) else read_edits(edits)

    # enclosures per set of crossable classes (streets may differ); those of an edited proposal of the same
    # city and rules are read back instead (_enclosure_cache)
    crossable_of = {s: street_params.get(s, params).crossable for s in streets["street"]}
    key = enclosure_key(streets, rivers=rivers, rail=rail, roads=roads, crossable=crossable_of)
    encl = (saved_enclosures(edits.path, key)
            if isinstance(edits, Edits) and edits.path is not None else None)
    if encl is None:
        enc_parts = []
        for crossable in sorted(set(crossable_of.values())):
            names = [s for s, c in crossable_of.items() if c == crossable]
            enc_parts.append(enclosures(streets[streets["street"].isin(names)], rivers=rivers, rail=rail,
                                        roads=roads, crossable=crossable))
        encl = gpd.GeoDataFrame(pd.concat(enc_parts, ignore_index=True), geometry="geometry", crs=crs)
    units["enclosure_id"] = assign_enclosure(units, encl)
    street_of = encl.set_index("enclosure_id")
    units["street"] = units["enclosure_id"].map(street_of["street"]).astype(object)
    units["street_code"] = units["enclosure_id"].map(street_of["street_code"]).astype(object)
    if "body" in street_of.columns:
        units["body"] = units["enclosure_id"].map(street_of["body"]).astype(object)

    binding = _bind(decisions or Decisions(), units, compounds, params=params, street_params=street_params,
                    rivers=rivers, rail=rail, roads=roads)
    locks, problems = [], ProblemReport()
    if isinstance(edits, Edits):
        binding = binding or Binding()
        locks, problems = _bind_edits(edits, units, encl, binding, params=params, street_params=street_params,
                                      streets=streets, rivers=rivers, rail=rail, roads=roads)

    bar.update()
    bar.set_postfix_str("grouping and pricing")
    areas, members, remainders = solve(
        units, encl, params=params, street_params=street_params, settings=settings,
        roads=roads, buildings=buildings, binding=binding, locks=locks,
    )
    bar.update()
    bar.close()
    decisions = decisions or Decisions()
    record = make_record(Config(settings=settings, proposal=params, streets=street_params, decisions=decisions),
                         inputs={"edits": edits_path}, crs=crs_record({"compounds": compounds}),
                         command=invoked_command() or "zy_geo.propose_areas(...) on layers in memory",
                         extra={ENCLOSURE_KEY: key, ENCLOSURE_DIGEST: enclosure_digest(encl)})
    return ProposalResult(areas, members, remainders, encl, params, street_params, settings,
                          decisions=decisions, edits=edits, problems=problems, record=record)


def _bind_edits(edits: Edits, units: gpd.GeoDataFrame, encl: gpd.GeoDataFrame, binding: Binding, *,
                params: ProposalParams, street_params: dict[str, ProposalParams], streets: gpd.GeoDataFrame,
                rivers: gpd.GeoDataFrame | None, rail: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None):
    """The edits checked against the units and decisions: (locks, problems)."""
    by_crossable: dict[tuple[str, ...], gpd.GeoSeries] = {}  # streets allowed to cross the same roads share lines

    def lines(street: str) -> gpd.GeoSeries:
        crossable = street_params.get(street, params).crossable
        if crossable not in by_crossable:
            by_crossable[crossable] = barrier_lines(rivers=rivers, rail=rail, roads=roads, crossable=crossable)
        return by_crossable[crossable]

    looked_up: dict[str, Any] = {}  # built on first use: only a file without geom_sha needs it

    def boundary_of(ids: list[str]):
        """The boundary zy_geo draws around these units (as :class:`~zy_geo.areas._solve._GroupPricer` does)."""
        if not looked_up:
            looked_up.update(row=dict(zip(units["unit_id"].astype(str), range(len(units)), strict=True)),
                             enc_geom=dict(zip(encl["enclosure_id"], encl.geometry.to_numpy(), strict=True)),
                             enc=units["enclosure_id"].astype("string").fillna("").to_numpy(dtype=object),
                             geoms=units.geometry.to_numpy())
        row, enc_geom, enc, geoms = (looked_up[k] for k in ("row", "enc_geom", "enc", "geoms"))
        at = sorted(row[u] for u in ids)
        street = units["street"].iat[at[0]]
        ratio = street_params.get(street, params).hull_ratio if isinstance(street, str) else params.hull_ratio
        within = enc_geom.get(enc[at[0]]) if len({enc[i] for i in at}) == 1 else None
        return area_boundaries(geoms[at], np.zeros(len(at), dtype=np.intp), within=np.array([within], dtype=object),
                               hull_ratio=ratio)[0]

    return bind_edits(edits, units, binding, lines=lines, streets=streets, boundary_of=boundary_of)


def _bind(decisions: Decisions, units: gpd.GeoDataFrame, compounds: gpd.GeoDataFrame, *, params: ProposalParams,
          street_params: dict[str, ProposalParams], rivers: gpd.GeoDataFrame | None, rail: gpd.GeoDataFrame | None,
          roads: gpd.GeoDataFrame | None):
    """Decisions and the compounds' consent, checked against the units (None when there are none)."""
    has_consent = any(c in compounds.columns for c in ("consent_merge", "owners_consent_share"))
    if not decisions and not has_consent:
        return None
    refusals = {}
    if has_consent:
        street = dict(zip(units["unit_id"].astype(str), units["street"], strict=True))
        need = {cid: street_params.get(s, params).merge_consent_min if isinstance(s, str) else params.merge_consent_min
                for cid, s in street.items()}
        refusals = consent_refusals(compounds, need)
        if not decisions and not refusals:
            return None

    def lines(street: str) -> gpd.GeoSeries:
        return barrier_lines(rivers=rivers, rail=rail, roads=roads,
                             crossable=street_params.get(street, params).crossable)

    return bind_decisions(decisions, units, barriers=barrier_finder(lines), refusals=refusals)
