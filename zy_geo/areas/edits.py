"""Edits a planner made to a proposal in QGIS, taken back as locks (the QGIS round trip, issue 13 item 2).

A planner opens ``proposals.gpkg`` (written by :meth:`~zy_geo.areas.propose.ProposalResult.to_gpkg`) in QGIS
and edits it: moves a unit into another area (``members.area_id``), deletes an area (its units become
free), or redraws an area's boundary polygon. :func:`read_edits` reads the edited file as the planner's
intent and :func:`~zy_geo.areas.propose.propose_areas` (``edits=``) takes it as locks:

- every area still in the ``areas`` layer with member units (``members.area_id``) is a lock: it keeps
  exactly those members, takes part in no merger, and is priced again (``origin`` ``planner``);
- a unit whose area was deleted, or with no ``area_id``, is free and solved as in a fresh proposal
  (``origin`` ``zy_geo``), like every unit of the city the file does not list;
- a boundary is *redrawn* when its geometry differs from the one zy_geo wrote: ``to_gpkg`` records a
  hash of each area's geometry (column ``geom_sha``, :func:`geometry_sha`), so a redraw is detected
  exactly; a file without the hash (an older zy_geo) is compared within :data:`REDRAW_TOLERANCE_M` with
  the original proposal (``original=``), else with the boundary zy_geo computes from the area's
  ``unit_ids``. A redrawn boundary is the area's fence line as drawn
  (:func:`~zy_geo.areas.fencing.enclose_outlines`: walls, façades, gates where roads cross it, cameras,
  cost); where it crosses a river, railway, arterial road or street line, or leaves a member less than
  :data:`INSIDE_SHARE` inside, the proposal reports it (``problems``, column ``edit_problem``) and does
  not fix it.

Locks are checked against the city and the decisions when the proposal is made (:func:`bind_edits`):
a lock holding two units kept apart, part of a together group, a no_merge unit with others or an
excluded unit is an error naming both the edit and the decision.

Every problem names the file, layer, feature (fid and area or unit id) and the fix; the errors of a
file come in one report (:class:`~zy_geo.errors.InputError`), the warnings in one
:class:`~zy_geo.errors.ZyGeoWarning` and in :attr:`Edits.problems`.

Examples
--------
Two open compounds proposed as two areas; the planner moves ``b`` into ``a``'s area in QGIS:

>>> import tempfile, warnings
>>> from pathlib import Path
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from zy_geo.areas import propose_areas
>>> compounds = gpd.GeoDataFrame({"compound_id": ["a", "b"], "households": [300, 300], "mode": ["none"] * 2},
...     geometry=[box(0, 0, 100, 100), box(300, 0, 400, 100)], crs="EPSG:4544")
>>> streets = gpd.GeoDataFrame({"street": ["甲街道"], "street_code": ["1"]}, geometry=[box(-100, -100, 600, 200)],
...     crs="EPSG:4544")
>>> first = propose_areas(compounds, streets=streets)
>>> first.areas["unit_ids"].tolist()
[['a'], ['b']]
>>> folder = Path(tempfile.mkdtemp())
>>> _ = first.to_gpkg(folder / "proposals.gpkg")
>>> members = gpd.read_file(folder / "proposals.gpkg", layer="members")
>>> members.loc[members["unit_id"] == "b", "area_id"] = "1-A001"
>>> members.to_file(folder / "proposals.gpkg", layer="members", driver="GPKG")
>>> with warnings.catch_warnings():  # "area 1-A002 has no member unit left: treated as deleted"
...     warnings.simplefilter("ignore")
...     edits = read_edits(folder / "proposals.gpkg")
>>> [(a.area_id, a.units, a.moved_in) for a in edits.areas]
[('1-A001', ('a', 'b'), ('b',))]
>>> again = propose_areas(compounds, streets=streets, edits=edits)
>>> again.areas[["area_id", "unit_ids", "origin", "decision"]].values.tolist()
[['1-A001', ['a', 'b'], 'planner', 'edit: unit moved']]
"""

from __future__ import annotations

import difflib
import hashlib
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .._gdal import gdal_reading
from ..errors import DataRepairWarning, InputError, ProblemReport, Severity, ZyGeoWarning
from .decisions import BARRIER_ZH, Binding

if TYPE_CHECKING:
    from .propose import ProposalResult

__all__ = ["Edits", "LockedArea", "bind_edits", "geometry_sha", "read_edits"]

#: The layers an edited proposal must have, and the columns read from each.
EDIT_LAYERS = {"areas": ("area_id",), "members": ("unit_id", "area_id")}
#: Distance (m) within which a boundary without a recorded hash counts as not redrawn.
REDRAW_TOLERANCE_M = 0.5
#: Share of a member's polygon that must lie inside a redrawn boundary.
INSIDE_SHARE = 0.99
#: How many members' polygons are read to check that the file is of the city (spread over the layer).
SAMPLE_UNITS = 500
#: Where the geometry hash lives in the areas layer (written by ``ProposalResult.to_gpkg``).
SHA_COLUMN = "geom_sha"
#: ``origin`` of an area or unit: locked by a planner's edit, or proposed by zy_geo.
ORIGIN_ZH = {"planner": "规划人员锁定", "zy_geo": "系统提出"}
#: Chinese headers of the columns edits add to the areas and members sheets.
EDIT_COLUMNS_ZH = {"origin": "划定方式", "edit_problem": "编辑问题"}
#: ``bound_by`` marks of locked areas, in Chinese.
EDIT_REASONS_ZH = {"edit:locked": "规划人员锁定", "edit:moved": "规划人员调整单元", "edit:redrawn": "规划人员重绘边界",
                   "edit:problem": "编辑存在问题（见编辑问题）"}
#: Area-level ``decision`` labels of the edits.
LOCKED, MOVED, REDRAWN = "edit: locked", "edit: unit moved", "edit: boundary redrawn"

_FIX_FILE = ("propose again on this city (`zy-geo propose CITY.gpkg --out proposals.gpkg`), make the edits in QGIS in "
             "that file, and pass it with --edits")


def geometry_sha(geoms: Any) -> Any:
    """A short hash of each geometry as written (coordinates to the millimetre), to tell a redraw exactly.

    A one-part MultiPolygon hashes like its Polygon (QGIS may save either); vertex order and start do not
    matter (the geometry is normalised). ``None`` for a missing or empty geometry.

    Parameters
    ----------
    geoms : geometry or array of geometry

    Returns
    -------
    str or None, or an ndarray of them

    Examples
    --------
    >>> from shapely.geometry import MultiPolygon, box
    >>> a = geometry_sha(box(0, 0, 10, 10))
    >>> a == geometry_sha(MultiPolygon([box(0, 0, 10, 10)])), a == geometry_sha(box(0, 0, 10, 10.01)), len(a)
    (True, False, 16)
    """
    scalar = not isinstance(geoms, np.ndarray | list | tuple | gpd.GeoSeries)
    arr = np.asarray([geoms] if scalar else geoms, dtype=object)
    out = np.full(len(arr), None, dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if ok.any():
        g = arr[ok]
        single = shapely.get_num_geometries(g) == 1
        multi = shapely.get_type_id(g) >= 4
        g = np.where(single & multi, shapely.get_geometry(g, 0), g)
        g = shapely.normalize(shapely.transform(g, lambda xy: np.round(xy, 3)))
        wkb = shapely.to_wkb(g, output_dimension=2, byte_order=1)
        out[ok] = [hashlib.sha256(w).hexdigest()[:16] for w in wkb]
    return out[0] if scalar else out


@dataclass(frozen=True)
class LockedArea:
    """An area of the edited file that binds the next proposal.

    Attributes
    ----------
    area_id : str
        Its id (kept in the new proposal).
    units : tuple of str
        Its member units (``members.area_id``), sorted.
    fid : int
        Its feature id in the areas layer (named in messages).
    geometry : shapely.Geometry
        Its boundary as it stands in the file (repaired when it was not valid).
    redrawn : bool or None
        The boundary differs from the one zy_geo wrote; ``None``: the file records no hash and no original
        was given, so :func:`bind_edits` compares it with the boundary computed from ``original_units``.
    original_units : tuple of str or None
        The units zy_geo put in it (the original proposal, or the areas layer's ``unit_ids``); ``None``: unknown.
    """

    area_id: str
    units: tuple[str, ...]
    fid: int
    geometry: shapely.Geometry
    redrawn: bool | None
    original_units: tuple[str, ...] | None = None

    @property
    def moved_in(self) -> tuple[str, ...]:
        """Units the planner moved into this area."""
        return () if self.original_units is None else tuple(u for u in self.units if u not in self.original_units)

    @property
    def moved_out(self) -> tuple[str, ...]:
        """Units zy_geo had put in this area that the planner moved out (to another area, or freed)."""
        return () if self.original_units is None else tuple(u for u in self.original_units if u not in self.units)


@dataclass
class Edits:
    """A planner's edits of a proposal GeoPackage (:func:`read_edits`): what binds the next proposal.

    Attributes
    ----------
    areas : tuple of LockedArea
        The locks: areas still present with their members.
    free : dict of str to str
        Units the file lists that are free again, and why (their area deleted, or no ``area_id``).
    deleted : dict of str to tuple of str
        Areas the members layer names that the areas layer no longer has (or that lost every member) →
        the units that named them.
    unit_fids : dict of str to int
        Every unit of the members layer → its feature id (named in messages).
    unit_geoms : dict of str to geometry
        The polygons of up to :data:`SAMPLE_UNITS` units as the file holds them (to check the file belongs to
        the city).
    crs : pyproj.CRS or None
        The file's CRS.
    source : str
        The file's name.
    problems : ProblemReport
        Warnings and notes found while reading (the errors are raised).
    path : Path or None
        The file read (its enclosures may serve the next proposal: :mod:`zy_geo.areas._enclosure_cache`).
    """

    areas: tuple[LockedArea, ...] = ()
    free: dict[str, str] = field(default_factory=dict)
    deleted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unit_fids: dict[str, int] = field(default_factory=dict)
    unit_geoms: dict[str, Any] = field(default_factory=dict)
    crs: Any = None
    source: str = ""
    problems: ProblemReport = field(default_factory=ProblemReport)
    path: Path | None = None

    def __len__(self) -> int:
        """Number of locked areas."""
        return len(self.areas)

    def locked_units(self) -> dict[str, str]:
        """Unit → the id of the locked area that holds it."""
        return {u: a.area_id for a in self.areas for u in a.units}

    def table(self) -> pd.DataFrame:
        """The edits as a sheet with Chinese headers (the 编辑 sheet of the summary workbook)."""
        rows: list[tuple[str, str, int | None, str, str]] = []
        for a in self.areas:
            what = [x for x, on in (("调入单元 " + "、".join(a.moved_in), a.moved_in),
                                    ("调出单元 " + "、".join(a.moved_out), a.moved_out),
                                    ("重绘边界", a.redrawn)) if on] or ["保留"]
            rows.append(("锁定区域", a.area_id, a.fid, "、".join(a.units), "；".join(what)))
        for aid, units in self.deleted.items():
            rows.append(("删除区域（单元重新划分）", aid, None, "、".join(units), ""))
        loose = [u for u, why in self.free.items() if why == "no_area"]
        if loose:
            rows.append(("未指定区域（重新划分）", "", None, "、".join(loose), ""))
        out = pd.DataFrame(rows, columns=["类型", "区域编号", "要素编号（fid）", "单元", "编辑"])
        out["要素编号（fid）"] = out["要素编号（fid）"].astype("Int64")
        return out

    def _repr_html_(self) -> str:
        moved = sum(len(a.moved_in) for a in self.areas)
        redrawn = sum(bool(a.redrawn) for a in self.areas)
        head = (f"<p><b>QGIS 编辑</b>（{self.source}）：锁定 {len(self.areas)} 个区域（调入单元 {moved} 个，重绘边界 "
                f"{redrawn} 个）；删除 {len(self.deleted)} 个区域；重新划分单元 {len(self.free)} 个。</p>")
        return head + self.table().head(30).to_html(index=False, escape=True)


# --- reading the edited file ---------------------------------------------------------------------------------

def _text(value: object) -> str | None:
    """An id cell as text, or None when empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _split(value: object) -> tuple[str, ...] | None:
    """The ``unit_ids`` cell as written by ``to_gpkg`` ("；"-joined), or a list."""
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(sorted(str(v) for v in value))
    text = _text(value)
    return None if text is None else tuple(sorted(t.strip() for t in text.split("；") if t.strip()))


def _read_layers(path: Path) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, list[str]]]:
    """The areas and members layers (only the columns edits read) and every column each layer has."""
    name = path.name
    if not path.is_file():
        msg = f"the edited proposal `{path}` does not exist; {_FIX_FILE}."
        raise InputError(msg)
    try:
        with gdal_reading(path) as source:
            layers = [str(n) for n in pyogrio.list_layers(source)[:, 0]]
            missing = [n for n in EDIT_LAYERS if n not in layers]
            if missing:
                city = {"compounds", "streets"} <= set(layers)
                hint = (" It is a city GeoPackage, not a proposal: propose on it first and edit the proposal."
                        if city else " It was not written by zy-geo propose, or by a version without them.")
                msg = (f"the edited proposal `{name}` has layers {layers}; a proposal has layers areas and members "
                       f"(missing {missing}).{hint} Fix: {_FIX_FILE}.")
                raise InputError(msg)
            fields = {n: [str(f) for f in pyogrio.read_info(source, layer=n)["fields"]] for n in EDIT_LAYERS}
            wanted = {"areas": ("area_id", "unit_ids", SHA_COLUMN), "members": ("unit_id", "area_id")}
            areas = gpd.read_file(source, layer="areas", engine="pyogrio", fid_as_index=True,
                                  columns=[c for c in wanted["areas"] if c in fields["areas"]])
            # the members' polygons serve only to check the file is of this city: a sample of them is enough
            members = gpd.read_file(source, layer="members", engine="pyogrio", fid_as_index=True, read_geometry=False,
                                    columns=[c for c in wanted["members"] if c in fields["members"]])
            fids = members.index.to_numpy()
            sample = np.unique(fids[np.linspace(0, len(fids) - 1, min(len(fids), SAMPLE_UNITS)).astype(int)])
            placed = gpd.read_file(source, layer="members", engine="pyogrio", fid_as_index=True,
                                   columns=[c for c in ("unit_id",) if c in fields["members"]],
                                   fids=sample) if len(sample) else gpd.GeoDataFrame(geometry=[], crs=areas.crs)
            members = gpd.GeoDataFrame(members, geometry=placed.geometry.reindex(members.index), crs=placed.crs)
            return {"areas": areas, "members": members}, fields
    except InputError:
        raise
    except Exception as exc:
        msg = f"the edited proposal `{name}` cannot be read as a GeoPackage ({exc}); {_FIX_FILE}."
        raise InputError(msg) from exc


def _original(original: str | Path | ProposalResult | None) -> tuple[dict[str, tuple[str, ...]], dict[str, Any]]:
    """Units and boundary of each area of the original proposal (empty without one)."""
    if original is None:
        return {}, {}
    from .propose import ProposalResult

    p = original if isinstance(original, ProposalResult) else ProposalResult.from_gpkg(original)
    ids = p.areas["area_id"].astype(str).tolist()
    units = [_split(v) or () for v in p.areas["unit_ids"]]
    return dict(zip(ids, units, strict=True)), dict(zip(ids, p.areas.geometry.to_numpy(), strict=True))


def _polygon(geom: Any) -> tuple[Any, str]:
    """The boundary as one valid polygon, and what was wrong ("" when it was fine; "empty"/"parts:N"/other)."""
    if geom is None or geom.is_empty:
        return None, "empty"
    if shapely.get_type_id(geom) not in (3, 6):
        return None, f"type:{geom.geom_type}"
    fixed, why = geom, ""
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
    parts = shapely.get_parts(fixed)
    polys = parts[shapely.get_type_id(parts) == 3]
    polys = polys[shapely.area(polys) > 0]
    if len(polys) == 0:
        return None, "empty"
    joined = shapely.union_all(polys) if len(polys) > 1 else polys[0]
    if shapely.get_type_id(joined) != 3:
        return None, f"parts:{shapely.get_num_geometries(joined)}"
    return joined, why


def read_edits(path: str | Path, *, original: str | Path | ProposalResult | None = None) -> Edits:
    """Read a proposal GeoPackage a planner edited in QGIS: which areas are locked, which units are free.

    The areas and members as they stand in the file are the planner's intent (see :mod:`zy_geo.areas.edits`).
    Here the file is checked on its own; against the city (unit ids, CRS, decisions, barriers) it is checked
    when the proposal is made (:func:`bind_edits`, called by :func:`~zy_geo.areas.propose.propose_areas`),
    because the units are known only then.

    Parameters
    ----------
    path : str or Path
        The edited GeoPackage (layers ``areas`` and ``members`` of ``zy-geo propose``). Only read.
    original : str, Path or ProposalResult, optional
        The proposal as zy_geo wrote it, before the edits: which units each area had (a moved unit is
        named so) and its boundary (a file without ``geom_sha`` is compared with it).

    Returns
    -------
    Edits

    Raises
    ------
    InputError
        Not a proposal (missing layers or columns: another tool or version), no CRS, an area without
        ``area_id`` or listed twice, a unit without ``unit_id`` or placed in two areas, a boundary that
        is empty or falls in several parts: every such problem of the file in one report.

    Warns
    -----
    ZyGeoWarning
        One warning listing what was taken with a doubt: an area left with no members (treated as
        deleted), a unit listed twice in one area, a boundary that was not a valid polygon (repaired),
        a unit naming an area the original proposal did not have.
    """
    path = Path(path)
    name = path.name
    layers, fields = _read_layers(path)
    areas, members = layers["areas"], layers["members"]
    report = ProblemReport()
    for layer, cols in EDIT_LAYERS.items():
        have = fields[layer]
        for col in (c for c in cols if c not in have):
            report.add("error", f"layer {layer} has no column {col} (it has {have}): "
                       "the file was not written by this version of zy-geo propose, or the column was deleted in "
                       "QGIS", source=name, layer=layer, column=col, code="no_column", fix=_FIX_FILE)
    report.raise_if_errors(f"the edited proposal `{name}`")
    for layer, gdf in layers.items():
        if gdf.crs is None:
            report.add("error", f"layer {layer} has no CRS", source=name, layer=layer, code="no_crs",
                       fix="set the layer's CRS in QGIS to the one zy-geo propose wrote (Layer → Set CRS), or "
                           + _FIX_FILE)
    if areas.crs is not None and members.crs is not None and not areas.crs.equals(members.crs):
        report.add("error", f"layer areas is in {areas.crs.to_string()} but members in {members.crs.to_string()}",
                   source=name, layer="members", code="crs_mismatch",
                   fix="save both layers in the CRS zy-geo propose wrote them in")
    report.raise_if_errors(f"the edited proposal `{name}`")

    orig_units, orig_geoms = _original(original)
    # areas: one feature per id
    a_fid = areas.index.to_numpy()
    a_id = [_text(v) for v in areas["area_id"]]
    seen: dict[str, int] = {}
    for fid, aid in zip(a_fid.tolist(), a_id, strict=True):
        if aid is None:
            report.add("error", f"feature fid {fid} has no area_id", source=name, layer="areas", row=fid,
                       column="area_id", code="no_area_id",
                       fix="give it the id of the area it draws, or delete the feature (its units are then solved "
                           "again); a new area of several units is a [[proposal.together]] decision")
        elif aid in seen:
            report.add("error", f"area {aid} is drawn twice: features fid {seen[aid]} and fid {fid}", source=name,
                       layer="areas", row=fid, column="area_id", value=aid, code="duplicate_area",
                       fix="delete one of the two features (an area has one boundary)")
        else:
            seen[aid] = fid
    # members: one feature per unit, in at most one area
    m_fid = members.index.to_numpy().tolist()
    m_uid = [_text(v) for v in members["unit_id"]]
    m_aid = [_text(v) for v in members["area_id"]]
    m_geom = members.geometry.to_numpy()
    rows_of: dict[str, list[int]] = {}
    for k, (fid, uid) in enumerate(zip(m_fid, m_uid, strict=True)):
        if uid is None:
            report.add("error", f"feature fid {fid} has no unit_id", source=name, layer="members", row=fid,
                       column="unit_id", code="no_unit_id",
                       fix="write the unit's id back (the compound_id, or B:<first building id>), or delete the "
                           "feature if it was added by mistake")
            continue
        rows_of.setdefault(uid, []).append(k)
    area_of: dict[str, str | None] = {}
    unit_fids: dict[str, int] = {}
    unit_geoms: dict[str, Any] = {}
    for uid, ks in rows_of.items():
        places = list(dict.fromkeys(m_aid[k] for k in ks))
        fids = [m_fid[k] for k in ks]
        unit_fids[uid] = fids[0]
        if m_geom[ks[0]] is not None:
            unit_geoms[uid] = m_geom[ks[0]]
        if len(places) > 1:
            shown = " and ".join(f"fid {m_fid[k]} ({m_aid[k] or 'no area'})" for k in ks)
            report.add("error", f"unit {uid} is placed in two areas: features {shown}", source=name, layer="members",
                       row=fids[1], column="area_id", value=uid, code="unit_in_two_areas",
                       fix=f"keep one feature of {uid} (the area it belongs to) and delete the other")
            continue
        if len(ks) > 1:
            report.add("warning", f"unit {uid} is listed {len(ks)} times in area {places[0] or '(none)'} (features "
                       f"fid {', '.join(map(str, fids))}): counted once", source=name, layer="members", row=fids[1],
                       column="unit_id", value=uid, code="duplicate_unit", fix="delete the extra features")
        area_of[uid] = places[0]

    present = {aid for aid in a_id if aid is not None}
    units_of: dict[str, list[str]] = {}
    for uid, aid in area_of.items():
        if aid is not None:
            units_of.setdefault(aid, []).append(uid)
    free: dict[str, str] = {}
    deleted: dict[str, tuple[str, ...]] = {}
    for aid, units in sorted(units_of.items()):
        if aid in present:
            continue
        deleted[aid] = tuple(sorted(units))
        free.update({u: "area_deleted" for u in units})
        if orig_units and aid not in orig_units:
            report.add("warning", f"units {', '.join(sorted(units))} name area {aid}, which neither this file nor the "
                       "original proposal has: taken as free and solved again", source=name, layer="members",
                       row=unit_fids[sorted(units)[0]], column="area_id", value=aid, code="unknown_area",
                       fix="write the area_id of an area of the areas layer to move a unit there")
    gone = [aid for aid in deleted if not orig_units or aid in orig_units]
    if gone:  # one note for all (a planner may delete hundreds): the 编辑 sheet lists each with its units
        shown = ", ".join(gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
        report.add("info", f"{len(gone)} area(s) are not in the areas layer (deleted): {shown}; their "
                   f"{sum(len(deleted[a]) for a in gone)} units are solved again", source=name, layer="areas",
                   code="area_deleted")
    free.update({u: "no_area" for u, aid in area_of.items() if aid is None})

    locks = []
    has_sha = SHA_COLUMN in areas.columns
    has_ids = "unit_ids" in areas.columns
    shas = geometry_sha(areas.geometry.to_numpy())
    for k, (fid, aid) in enumerate(zip(a_fid.tolist(), a_id, strict=True)):
        if aid is None or seen.get(aid) != fid:
            continue
        if aid not in units_of:
            deleted[aid] = ()
            report.add("warning", f"area {aid} (feature fid {fid}) has no member unit left: treated as deleted",
                       source=name, layer="areas", row=fid, column="area_id", value=aid, code="empty_area",
                       fix="delete the feature, or set members.area_id of its units to it")
            continue
        raw = areas.geometry.iat[k]
        poly, why = _polygon(raw)
        if poly is None:
            found = ("no boundary" if why == "empty" else f"a {why[5:]}, not a polygon" if why.startswith("type:")
                     else f"a boundary in {why[6:]} separate parts")
            report.add("error", f"area {aid} (feature fid {fid}) has {found}", source=name, layer="areas", row=fid,
                       value=aid, code="bad_boundary",
                       fix="draw the area's boundary as one polygon in QGIS, or delete the feature (its units are "
                           "then solved again)")
            continue
        if why:
            report.add("warning", f"the boundary of area {aid} (feature fid {fid}) was not a valid polygon ({why}): "
                       "repaired (shapely.make_valid) and used", source=name, layer="areas", row=fid, value=aid,
                       code="repaired", fix="check the boundary in QGIS (Vector → Geometry Tools → Check Validity)")
        stored = _text(areas[SHA_COLUMN].iat[k]) if has_sha else None
        redrawn: bool | None
        if stored is not None:
            redrawn = bool(shas[k] != stored)
        elif aid in orig_geoms and orig_geoms[aid] is not None:
            redrawn = bool(shapely.hausdorff_distance(poly, orig_geoms[aid]) > REDRAW_TOLERANCE_M)
        else:
            redrawn = None
        before = orig_units.get(aid) if orig_units else (_split(areas["unit_ids"].iat[k]) if has_ids else None)
        locks.append(LockedArea(aid, tuple(sorted(units_of[aid])), fid, poly, redrawn, before))
    report.raise_if_errors(f"the edited proposal `{name}`")
    edits = Edits(tuple(locks), free, deleted, unit_fids, unit_geoms, members.crs, name, report, path)
    _warn(report, name, stacklevel=3)
    return edits


def _warn(report: ProblemReport, name: str, *, stacklevel: int) -> None:
    """One warning listing the warnings of a report (none when it has none)."""
    found = report.warnings
    if not found:
        return
    repaired = any(p.code == "repaired" for p in found)
    lines = "\n".join(f"  {p}" for p in found[:20]) + (f"\n  … and {len(found) - 20} more" if len(found) > 20 else "")
    msg = f"the edited proposal `{name}` was taken with {len(found)} warning(s):\n{lines}"
    warnings.warn(msg, DataRepairWarning if repaired else ZyGeoWarning, stacklevel=stacklevel)


# --- against the city ----------------------------------------------------------------------------------------

@dataclass
class Lock:
    """A locked area resolved against the city's units: what the solver builds (see :func:`bind_edits`)."""

    area_id: str
    units: list[str]
    outline: Any  # the drawn boundary when redrawn, else None (zy_geo draws it around the members)
    labels: list[str]  # area-level edit labels (the ``decision`` column)
    problem: str = ""  # what is wrong with it, in Chinese (the ``edit_problem`` column)
    across: bool = False  # its units lie in different enclosures: priced unclipped
    moved: bool = False


#: The barrier lines of a street with their kinds (``lines(street)`` → GeoSeries, ``.attrs["kinds"]``).
LinesOf = Callable[[str], gpd.GeoSeries]
#: The boundary zy_geo draws around some units (unit ids → polygon).
BoundaryOf = Callable[[list[str]], Any]
_KIND_EN = {"river": "a river", "rail": "a railway", "street": "a street line", "road:arterial": "an arterial road"}


def _kinds_en(kinds: Iterable[str]) -> str:
    return " and ".join(_KIND_EN.get(k, k.replace("road:", "a road of class ")) for k in kinds)


def bind_edits(
    edits: Edits,
    units: gpd.GeoDataFrame,
    binding: Binding,
    *,
    lines: LinesOf | None = None,
    streets: gpd.GeoDataFrame | None = None,
    boundary_of: BoundaryOf | None = None,
) -> tuple[list[Lock], ProblemReport]:
    """Check edits against the units of a city and the decisions, and resolve them for the solver.

    Parameters
    ----------
    edits : Edits
        From :func:`read_edits`.
    units : GeoDataFrame
        Units of :func:`zy_geo.areas.units.build_units` with ``enclosure_id`` and ``street`` assigned.
    binding : Binding
        The decisions resolved against the same units (:func:`~zy_geo.areas.decisions.bind_decisions`).
        Updated in place: together groups a lock holds whole leave it (the lock is their area), and every
        locked unit's ``labels`` gets its edit label (``edit: locked`` or ``edit: unit moved``).
    lines : callable, optional
        Barrier lines of a street (rivers, railways, roads it may not cross): a drawn boundary across them is
        reported, and so are the barriers between the units of a lock in different enclosures.
    streets : GeoDataFrame, optional
        Street polygons: a drawn boundary across a street line is reported.
    boundary_of : callable, optional
        The boundary zy_geo draws around units: compared with a boundary the file records no hash for.

    Returns
    -------
    (list of Lock, ProblemReport)
        The locks, and the warnings and notes of the edits (those of :attr:`Edits.problems` included).

    Raises
    ------
    InputError
        The file is of another city (other CRS, unit ids not of this city, units elsewhere), a locked unit
        is no longer a unit of the city (with the closest ids) or is managed now, a lock contradicts a
        decision, a lock lies in no street: all in one report.
    """
    if edits.crs is not None and units.crs is not None and not edits.crs.equals(units.crs):
        name, theirs = edits.source or "edits", edits.crs.to_string()
        msg = (f"the edited proposal `{name}` is in {theirs} but the city is read in {units.crs.to_string()}: edit a "
               f"proposal of this city. If it is one, propose in its CRS: `zy-geo propose CITY.gpkg --metric-crs "
               f"{theirs} --edits {name} --out new.gpkg` (or convert both layers in QGIS).")
        raise InputError(msg)
    b = _Binder(edits, units)
    b.check_city()
    b.check_decisions(binding)
    finder = _LineIndex(lines, streets)
    locks = [lk for a in edits.areas if (lk := b.lock(a, binding, finder, boundary_of)) is not None]
    b.errors.raise_if_errors(f"the edited proposal `{b.name}` against this city")
    _warn(b.report, b.name, stacklevel=4)
    every = ProblemReport()
    every.extend(edits.problems)
    every.extend(b.report)
    return locks, every


class _Binder:
    """The edits against one city's units: the errors (raised together) and warnings found on the way."""

    def __init__(self, edits: Edits, units: gpd.GeoDataFrame):
        self.edits, self.name = edits, edits.source or "edits"
        self.report = ProblemReport()  # the warnings and notes found here
        self.errors = ProblemReport()
        self.uid = units["unit_id"].astype(str).to_numpy()
        self.row = {u: i for i, u in enumerate(self.uid)}
        n = len(units)
        self.role = units["role"].to_numpy() if "role" in units.columns else np.full(n, "unit", dtype=object)
        self.enc = units["enclosure_id"].astype("string").fillna("").to_numpy(dtype=object)
        self.street = units["street"].to_numpy(dtype=object) if "street" in units.columns else np.full(n, None)
        self.hh = units["households"].to_numpy() if "households" in units.columns else np.ones(n)
        self.geoms = units.geometry.to_numpy()
        self.lock_of = {u: a for a in edits.areas for u in a.units}

    def _add(self, severity: Severity, message: str, layer: str, fid: int | None, value: str, code: str, fix: str,
             column: str | None = None) -> None:
        target = self.errors if severity == "error" else self.report
        target.add(severity, message, source=self.name, layer=layer, row=fid, column=column, value=value, code=code,
                   fix=fix)

    def check_city(self) -> None:
        """The file's units are this city's: ids known, where the city has them, not managed now."""
        edits, row = self.edits, self.row
        listed = list(edits.unit_fids)
        unknown = [u for u in listed if u not in row]
        if listed and len(unknown) > len(listed) / 2:
            msg = (f"the edited proposal `{self.name}` is not a proposal of this city: {len(unknown)} of its "
                   f"{len(listed)} units (e.g. {', '.join(unknown[:3])}) are not units of it (layer members, column "
                   f"unit_id). Fix: {_FIX_FILE}.")
            raise InputError(msg)
        # ids alone do not tell two cities apart (samples share ids): the units must lie where the city has them
        known = [u for u in listed if u in row and edits.unit_geoms.get(u) is not None]
        if known:
            pts = shapely.point_on_surface(np.asarray([edits.unit_geoms[u] for u in known], dtype=object))
            on = shapely.dwithin(self.geoms[[row[u] for u in known]], pts, 1.0)
            if on.mean() < 0.5:
                msg = (f"the edited proposal `{self.name}` is not a proposal of this city: only {int(on.sum())} of "
                       f"its {len(known)} units lie where this city has the units of those ids (another city, or "
                       f"another edition of this city file). Fix: {_FIX_FILE}.")
                raise InputError(msg)
        candidates = [u for u, r in zip(self.uid, self.role, strict=True) if r == "unit"]
        locked = edits.locked_units()
        for u in unknown:
            fid = edits.unit_fids[u]
            near = difflib.get_close_matches(u, candidates, n=3, cutoff=0.6)
            hint = f" (closest: {', '.join(near)})" if near else ""
            if u in locked:
                self._add("error", f"feature fid {fid}: unit {u} of area {locked[u]} is no longer a unit of this "
                          f"city{hint}", "members", fid, u, "unknown_unit", "delete the feature, or correct its "
                          "unit_id", "unit_id")
            else:
                self._add("warning", f"feature fid {fid}: unit {u} is no longer a unit of this city{hint}; it had no "
                          "area in the file, so nothing is locked by it", "members", fid, u, "unknown_unit",
                          "delete the feature", "unit_id")
        absent = [u for u in candidates if u not in edits.unit_fids]
        if absent:
            self.report.add("info", f"{len(absent)} units of this city are not in the file (e.g. "
                            f"{', '.join(absent[:3])}; new since the proposal was written?): solved as free units",
                            source=self.name, layer="members", code="unit_not_in_file")
        for u, aid in locked.items():
            if u in row and self.role[row[u]] != "unit":
                self._add("error", f"feature fid {edits.unit_fids[u]}: unit {u} of area {aid} is now a compound under "
                          "property management (an anchor, never combined into an area)", "members",
                          edits.unit_fids[u], u, "managed", "clear its area_id, or correct the compound's management "
                          "mode in the ledger or city file", "area_id")

    def check_decisions(self, binding: Binding) -> None:
        """The decisions still bind: a lock contradicting one is an error naming both.

        Together groups a lock holds whole leave ``binding.groups`` (the lock is their area).
        """
        lock_of, fids = self.lock_of, self.edits.unit_fids
        for u, v in binding.apart:
            if u in lock_of and lock_of[u] is lock_of.get(v):
                self._add("error", f"{_where(lock_of[u])} holds {u} and {v}, but a decision keeps them apart "
                          f"({_label(binding, u, v, 'apart')})", "members", fids[v], v, "contradiction",
                          "move one of them out of the area in QGIS (members.area_id), or remove the pair from the "
                          "[[proposal.apart]] decision", "area_id")
        kept = []
        for g in binding.groups:
            holders = {id(lock_of[u]) if u in lock_of else None for u in g.units}
            if holders == {None}:
                kept.append(g)
                continue
            if len(holders) == 1:  # the whole group in one lock: the lock is its area
                continue
            first = next(u for u in g.units if u in lock_of)
            a = lock_of[first]
            held = ", ".join(f"{u} in area {lock_of[u].area_id}" if u in lock_of else f"{u} free"
                             for u in g.units if lock_of.get(u) is not a)
            self._add("error", f"{_where(a)} holds {', '.join(u for u in g.units if lock_of.get(u) is a)} but not "
                      f"{held}, while a decision puts {', '.join(g.units)} in one area ({g.label})", "members",
                      fids.get(first), first, "contradiction", "put every unit of the group in one area in QGIS "
                      "(members.area_id), or change the [[proposal.together]] decision", "area_id")
        binding.groups = kept
        for u, label in binding.no_merge.items():
            holder = lock_of.get(u)
            if holder is not None and len(holder.units) > 1:
                self._add("error", f"{_where(holder)} puts {u} with {', '.join(x for x in holder.units if x != u)}, "
                          f"but {u} "
                          f"may merge with no unit ({label})", "members", fids[u], u, "contradiction",
                          f"take {u} out of the area in QGIS (clear its area_id), or remove it from no_merge (or "
                          "correct the ledger's consent)", "area_id")
        for u, why in binding.exclude.items():
            if (holder := lock_of.get(u)) is not None:
                self._add("error", f"{_where(holder)} holds {u}, but exclude takes it out of the programme ({why})",
                          "members", fids[u], u, "contradiction",
                          f"clear the area_id of {u} in QGIS, or remove it from exclude", "area_id")

    def lock(self, a: LockedArea, binding: Binding, finder: _LineIndex, boundary_of: BoundaryOf | None) -> Lock | None:
        """One locked area for the solver, its problems reported (None after an error)."""
        row, enc, street = self.row, self.enc, self.street
        if any(u not in row or self.role[row[u]] != "unit" for u in a.units):
            return None  # reported by check_city
        at = [row[u] for u in a.units]
        if not any(enc[i] for i in at):
            self._add("error", f"{_where(a)}: its units {', '.join(a.units)} lie in no street (in the river, or "
                      "outside the streets layer), so no area can hold them", "areas", a.fid, a.area_id,
                      "no_enclosure", "check the units' polygons against the streets layer, or delete the area")
            return None
        redrawn = a.redrawn
        if redrawn is None:  # no hash in the file: compare with the boundary zy_geo draws around its units
            before = [u for u in (a.original_units or a.units) if u in row]
            redrawn = bool(boundary_of is not None and before
                           and shapely.hausdorff_distance(boundary_of(before), a.geometry) > REDRAW_TOLERANCE_M)
        problems: list[str] = []
        across = len({enc[i] for i in at if enc[i]}) > 1
        if across:
            base, kinds = at[0], []
            for i in at[1:]:
                if enc[i] and enc[i] != enc[base]:
                    found = ["street"] if street[i] != street[base] else []
                    found += [k for k in finder.between(self.geoms[base], self.geoms[i], str(street[base]))
                              if k not in found]
                    kinds += [k for k in (found or ["barrier"]) if k not in kinds]
            self._add("warning", f"{_where(a)} holds units on both sides of {_kinds_en(kinds)} "
                      f"({', '.join(a.units)}): kept as the planner put them, fenced around the whole group", "areas",
                      a.fid, a.area_id, "lock_across",
                      "move the units on the other side out of the area in QGIS if that was not meant")
            problems.append("单元分处" + "、".join(BARRIER_ZH.get(k, k) for k in kinds) + "两侧")
        if redrawn:
            problems += self._outline_problems(a, at, finder)
        moved_in = set(a.moved_in)
        for u in a.units:
            text = MOVED if u in moved_in else LOCKED
            binding.labels.setdefault(u, [])
            if text not in binding.labels[u]:
                binding.labels[u].insert(0, text)
        labels = ([MOVED] if a.moved_in or a.moved_out else []) + ([REDRAWN] if redrawn else [])
        return Lock(a.area_id, list(a.units), a.geometry if redrawn else None, labels or [LOCKED], "；".join(problems),
                    across, bool(a.moved_in or a.moved_out))

    def _outline_problems(self, a: LockedArea, at: list[int], finder: _LineIndex) -> list[str]:
        """A drawn boundary across a barrier or street line, or leaving a member outside: reported, not fixed."""
        by_street: dict[str, float] = {}
        for i in at:
            by_street[str(self.street[i])] = by_street.get(str(self.street[i]), 0) + float(self.hh[i])
        home = sorted(by_street, key=lambda s: (-by_street[s], s))[0]  # the street holding most households
        out = []
        crossed = finder.crossed(a.geometry, home)
        if crossed:
            self._add("warning", f"the redrawn boundary of {_where(a)} crosses {_kinds_en(crossed)}: priced as "
                      "drawn", "areas", a.fid, a.area_id, "boundary_across",
                      "redraw the boundary in QGIS so that it stays on one side of the barrier")
            out.append("重绘边界跨越" + "、".join(BARRIER_ZH.get(k, k) for k in crossed))
        members = self.geoms[at]
        share = shapely.area(shapely.intersection(members, a.geometry)) / np.maximum(shapely.area(members), 1e-9)
        outside = [(u, s) for u, s in zip(a.units, share.tolist(), strict=True) if s < INSIDE_SHARE]
        if outside:
            shown = ", ".join(f"{u} ({s:.0%} inside)" for u, s in outside)
            self._add("warning", f"the redrawn boundary of {_where(a)} leaves members outside: {shown}", "areas",
                      a.fid, a.area_id, "member_outside",
                      "redraw the boundary in QGIS around every member, or move the unit out of the area")
            out.append("成员未全部在重绘边界内：" + "、".join(f"{u}（{s:.0%}）" for u, s in outside))
        return out


def _where(a: LockedArea) -> str:
    return f"area {a.area_id} (layer areas, feature fid {a.fid})"


def _label(binding: Binding, u: str, v: str, kind: str) -> str:
    """The label of the decision of ``kind`` naming both units (for messages)."""
    both = [x for x in binding.labels.get(u, []) if x.startswith(kind) and x in binding.labels.get(v, [])]
    return both[0] if both else kind


class _LineIndex:
    """Barrier lines per street and the street outlines, indexed once: what a drawn boundary may not cross."""

    def __init__(self, lines: LinesOf | None, streets: gpd.GeoDataFrame | None):
        self.lines = lines
        self.cache: dict[str, tuple[np.ndarray, list[str], shapely.STRtree | None]] = {}
        outlines = (shapely.boundary(streets.geometry.to_numpy()) if streets is not None and len(streets)
                    else np.array([], dtype=object))
        self.streets = outlines
        self.street_tree = shapely.STRtree(outlines) if len(outlines) else None

    def _of(self, street: str) -> tuple[np.ndarray, list[str], shapely.STRtree | None]:
        if street not in self.cache:
            s = self.lines(street) if self.lines is not None else None
            shared = next((v for k, v in self.cache.items() if k == f"id:{id(s)}"), None) if s is not None else None
            if shared is None:  # streets given the same lines share one index
                g = s.to_numpy() if s is not None else np.array([], dtype=object)
                kinds = list(s.attrs.get("kinds", [])) if s is not None else []
                shared = (g, kinds, shapely.STRtree(g) if len(g) else None)
                if s is not None:
                    self.cache[f"id:{id(s)}"] = shared
            self.cache[street] = shared
        return self.cache[street]

    def between(self, a: Any, b: Any, street: str) -> list[str]:
        """Barrier kinds the shortest line between two units crosses."""
        _, kinds, tree = self._of(street)
        if tree is None:
            return []
        hit = tree.query(shapely.shortest_line(a, b), predicate="intersects")
        return list(dict.fromkeys(kinds[i] for i in sorted(hit)))

    def crossed(self, outline: Any, street: str) -> list[str]:
        """Barrier kinds (and ``street``) that run through the inside of a drawn outline (not just along it)."""
        inner = shapely.buffer(outline, -0.5, join_style="mitre")
        if inner.is_empty:
            return []
        _, kinds, tree = self._of(street)
        found = [] if tree is None else [kinds[i] for i in sorted(tree.query(inner, predicate="intersects"))]
        if self.street_tree is not None and len(self.street_tree.query(inner, predicate="intersects")):
            found.append("street")
        return list(dict.fromkeys(found))

