r"""The layers offices hold → a city GeoPackage: Amap/Baidu AOI exports and 三调 land-survey parcels.

Two sources a street office or a planning bureau usually has when OpenStreetMap maps few compounds:

- **AOI exports** (兴趣面) of residential compounds from Amap (高德, GCJ-02) or Baidu (百度, BD-09):
  GeoJSON/Shapefile/GeoPackage polygons, or CSV/XLSX with the outline in one column (WKT, GeoJSON
  text, or Amap's ``"lng,lat;lng,lat;…"`` with parts separated by ``|``). Rows whose type code
  (Amap ``typecode`` 120300 住宅区, 120301 别墅, 120302 住宅小区, 120303 宿舍) or type text
  (Baidu ``tag`` "房地产;住宅区") is residential become compounds (:func:`import_aoi`). The
  coordinates are converted to WGS84 from the frame of the source — a required piece of
  information: ``frame=`` or the source's own (``amap`` → GCJ-02, ``baidu`` → BD-09); the
  metadata of every layer says which frame was converted.
- **Land-survey parcels** (第三次全国国土调查 地类图斑): ``DLBM`` 0701 城镇住宅用地 become
  compounds, 0702 农村宅基地 scattered housing (each parcel a residential "building" outside any
  compound, households = area ÷ ``homestead_m2_per_household``, 200 m² by default, marked
  ``households_method = "homestead"``), 1101–1103 water the rivers layer (:func:`import_parcels`).

Which columns and codes mean what is a profile (``zy_geo/data/profiles/amap_aoi.toml``,
``baidu_aoi.toml``, ``tdsc_parcels.toml``; ``[source]`` section). Every input row ends in a layer or
in :attr:`ImportedCity.problems`, with its file, row, column, what was expected and the fix: rows of
other types are listed (``not_residential``), never dropped silently. Rows are numbered as a person
finds them: the feature position (0-based FID) in a GIS layer, the data line in a CSV, the sheet row
in Excel.

Examples
--------
>>> import tempfile, pathlib
>>> from zy_geo.crs import wgs84_to_gcj02
>>> ring = [(104.627, 30.131), (104.629, 30.131), (104.629, 30.1325), (104.627, 30.1325)]
>>> shape = ";".join("%.7f,%.7f" % wgs84_to_gcj02(x, y) for x, y in ring)
>>> p = pathlib.Path(tempfile.mkdtemp()) / "aoi.csv"
>>> _ = p.write_text(f'id,name,typecode,shape\nB0FF1,莲花小区,120302,"{shape}"\n'
...                  f'B0FF2,资阳中学,141202,"{shape}"\n', encoding="utf-8")
>>> city = import_aoi(p, source="amap")
>>> city.layers["compounds"][["compound_id", "name", "households_method"]].values.tolist()
[['AMAP-B0FF1', '莲花小区', 'land_area']]
>>> city.metric_crs, city.metadata["source_frame"], [p.code for p in city.problems]
('EPSG:4544', 'gcj02', ['not_residential', 'no_streets'])
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Config, HouseholdEstimate
from ..crs import choose_metric_crs, from_frame, normalize_frame
from ..errors import InputError, ProblemReport
from ..schema import load_jurisdictions
from ..write import sha256_of
from .city import (
    UNKNOWN_BODY,
    ImportedCity,
    _apply_jurisdictions,
    _metric,
    _place,
    _polygons,
    _streets_from_file,
    _whole_extent,
    _without_overlaps,
)
from .households import estimate_households
from .profile import SOURCE_FRAMES, Profile, load_profile

#: ``source=`` of :func:`import_aoi` → (shipped profile, frame of its coordinates). ``other`` (Tencent, a
#: consultant's export …) reads like Amap but has no known frame: ``frame=`` is then required.
AOI_SOURCES: dict[str, tuple[str, str | None]] = {"amap": ("amap_aoi", "gcj02"), "baidu": ("baidu_aoi", "bd09"),
                                                 "other": ("amap_aoi", None)}
#: ``households_method`` of a 宅基地 parcel, and its meaning (as :data:`~zy_geo.importers.households.METHODS`).
HOMESTEAD_METHOD = ("homestead", "估算：宅基地面积÷户均宅基地面积")
#: Tables read with :func:`zy_geo.io.read.read_table` (the outline is a text column); all else is a GIS layer.
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
_WGS84_NAMES = {"wgs84", "wgs", "epsg4326", "gps", "cgcs2000", "epsg4490", "tianditu", "osm"}
_ZH_FRAMES = {"火星": "gcj02", "火星坐标": "gcj02", "高德": "gcj02", "腾讯": "gcj02", "百度": "bd09",
              "百度坐标": "bd09", "天地图": "wgs84", "大地2000": "wgs84"}
_FRAME_NAMES = {"gcj02": "GCJ-02 (Amap/Tencent)", "bd09": "BD-09 (Baidu)", "wgs84": "WGS84"}
_SPLIT = re.compile(r"[|;,:/\s]+")
_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*[, ]\s*({_NUMBER})\s*$")
_WKT = re.compile(r"^\s*(?:SRID=\d+;)?\s*(MULTI)?(POLYGON|POINT|LINESTRING|GEOMETRYCOLLECTION)\b", re.IGNORECASE)
#: Columns of the rows as classified: where each value came from is in ``_Rows.columns``.
_KEYS = ("id", "name", "address", "code", "type", "place", "number")


def canonical_frame(value: str) -> str:
    """``gcj02``/``bd09``/``wgs84`` for any usual spelling, else the input.

    Examples
    --------
    >>> canonical_frame("GCJ-02"), canonical_frame("百度"), canonical_frame("EPSG:4326"), canonical_frame("utm")
    ('gcj02', 'bd09', 'wgs84', 'utm')
    """
    canon = normalize_frame(str(value))
    if canon in SOURCE_FRAMES:
        return canon
    key = str(value).strip().lower().replace("-", "").replace("_", "").replace(":", "").replace(" ", "")
    return "wgs84" if key in _WGS84_NAMES else _ZH_FRAMES.get(key, str(value))




def _load(profile: str | Path | Profile | None, shipped: str) -> tuple[Profile, bool]:
    """The profile, and whether the caller gave it."""
    if isinstance(profile, Profile):
        return profile, True
    return load_profile(profile, shipped=shipped), profile is not None


def _column(df: pd.DataFrame, candidates: Sequence[str]) -> str | None:
    """The first candidate present (exact name first, then ignoring case and surrounding blanks)."""
    for c in candidates:
        if c in df.columns:
            return c
    folded = {str(c).strip().lower(): c for c in df.columns if c != "geometry"}
    return next((folded[c.strip().lower()] for c in candidates if c.strip().lower() in folded), None)


def _text(values: pd.Series) -> pd.Series:
    """Stripped text or None; whole floats lose their ``.0`` (codes read as numbers)."""

    def one(v: Any) -> str | None:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).strip()
        return s or None

    return values.map(one).astype(object)


def _codes(value: str | None) -> list[str]:
    """The codes in a cell: ``"120302|120300"`` → both; digits that lost a leading zero get it back."""
    if not value:
        return []
    out = []
    for c in _SPLIT.split(value.upper()):
        if c:
            out.append("0" + c if c.isdigit() and len(c) % 2 else c)
    return out


def _match_code(codes: Sequence[str], listed: Sequence[str]) -> bool:
    return any(c.startswith(str(want).strip().upper()) for c in codes for want in listed if str(want).strip())


def _match_type(text: str | None, listed: Sequence[str]) -> bool:
    parts = {p.strip() for p in re.split(r"[;；|:：,，/]", text or "") if p.strip()}
    return bool(parts & {str(t).strip() for t in listed})


class _Rows:
    """The rows of a source with the values a profile names, and how each row was classified."""

    def __init__(self, table: gpd.GeoDataFrame, rows: np.ndarray, profile: Profile, src: str, layer: str | None,
                 problems: ProblemReport):
        self.src, self.layer, self.profile, self.problems = src, layer, profile, problems
        self.columns: dict[str, str | None] = {}
        data: dict[str, Any] = {"row": rows}
        for key in _KEYS:
            col = _column(table, profile.get("source", f"{key}_columns", []))
            self.columns[key] = col
            data[key] = _text(table[col]).to_numpy() if col is not None else [None] * len(table)
        if "_outline" in table.columns:  # a table's outline text, parsed for the rows that are used
            data["_outline"] = table["_outline"].to_numpy()
        self.table = gpd.GeoDataFrame(data, geometry=table.geometry.to_numpy(), crs=table.crs)
        self.table.index = table.index
        code_col = self.columns["code"]
        if code_col is not None:
            raw = self.table["code"].dropna()
            padded = raw[raw.map(lambda v: any(c.isdigit() and len(c) % 2 for c in _SPLIT.split(v.upper())))]
            if len(padded):
                problems.add("warning", f"{len(padded)} codes in column {code_col} are numbers that lost their "
                             f"leading zero (e.g. {padded.iloc[0]!r}); read as {_codes(padded.iloc[0])[0]!r}",
                             source=src, layer=layer, column=code_col, value=padded.iloc[0], code="code_as_number",
                             fix=f"store {code_col} as text in the file so codes keep their zeros")
        pairs = list(zip(self.table["code"], self.table["type"], strict=True))
        kinds = {pair: self._kind(*pair) for pair in set(pairs)}  # a county holds 10⁵ parcels but few codes
        self.kind = pd.Series([kinds[pair] for pair in pairs], index=self.table.index, dtype=object)

    def _kind(self, code: str | None, type_text: str | None) -> str | None:
        """By the code when the row has one and the profile lists codes; else by the type text."""
        get = self.profile.get
        codes = _codes(code)
        if codes and any(get("source", f"{k}_codes", []) for k in ("residential", "scattered", "water")):
            for kind in ("residential", "scattered", "water"):
                if _match_code(codes, get("source", f"{kind}_codes", [])):
                    return kind
            return None
        for kind in ("residential", "scattered"):
            if _match_type(type_text, get("source", f"{kind}_types", [])):
                return kind
        return None

    def label(self, r: Any) -> str:
        """``"row 3 (id B0FF…, 莲花小区)"`` for messages."""
        bits = [v for v in (r["id"] and f"id {r['id']}", r["name"], r["place"] and r["number"] and
                            f"{r['place']} {r['number']}号图斑") if v]
        return f"row {r['row']}" + (f" ({', '.join(bits)})" if bits else "")

    def looked_for(self) -> str:
        """Which columns and values mean residential, for messages."""
        get = self.profile.get
        parts = []
        if get("source", "residential_codes", []):
            parts.append(f"{self.columns['code'] or ' / '.join(get('source', 'code_columns', [])) or 'code'} "
                         f"in {', '.join(get('source', 'residential_codes', []))}")
        if get("source", "residential_types", []):
            parts.append(f"{self.columns['type'] or ' / '.join(get('source', 'type_columns', [])) or 'type'} "
                         f"(when there is no code) one of {', '.join(get('source', 'residential_types', []))}")
        return " or ".join(parts) or "nothing (the profile lists no residential codes or types)"

    def report_others(self, what: str) -> None:
        """Every row that is none of the kinds wanted: one ``not_residential`` problem each."""
        fix = (f"nothing to do if it is not housing; else list its code in [source] residential_codes of a copy of "
               f"the profile ({self.profile.source}) and pass it with --profile")
        others = self.table.loc[self.kind.index[self.kind.isna()]].drop(columns="geometry")
        for r in others.to_dict("records"):
            code, typ = r["code"], r["type"]
            if code is None and typ is None:
                self.problems.add("warning", f"{self.label(r)} has no type code and no type; not used",
                                  source=self.src, layer=self.layer, row=int(r["row"]),
                                  column=self.columns["code"] or self.columns["type"], code="no_type",
                                  fix=f"fill in its type ({self.looked_for()}) if it is housing")
                continue
            found = " ".join(v for v in (code, typ) if v)
            self.problems.add("info", f"{self.label(r)}: {found} is not {what}; not used", source=self.src,
                              layer=self.layer, row=int(r["row"]),
                              column=self.columns["code"] if code else self.columns["type"], value=code or typ,
                              code="not_residential", fix=fix)


def _ring_set(text: str) -> shapely.Geometry:
    """``"lng,lat;lng,lat;…"`` (parts separated by ``|``, a part inside another a hole) → a polygon.

    A single ring is returned as drawn (perhaps crossing itself: the caller reports and repairs it);
    several are combined even-odd, each repaired first.
    """
    sep = ";" if ";" in text else "_"
    rings: list[shapely.Polygon] = []
    for part in (p for p in text.split("|") if p.strip()):
        coords = []
        for point in (p for p in part.split(sep) if p.strip()):
            m = _PAIR.match(point)
            if not m:
                msg = f"{point.strip()[:40]!r} is not a lng,lat pair"
                raise ValueError(msg)
            coords.append((float(m[1]), float(m[2])))
        if len(set(coords)) < 3:
            msg = f"a ring of {len(set(coords))} distinct point(s) encloses nothing"
            raise ValueError(msg)
        rings.append(shapely.Polygon(coords))
    if len(rings) == 1:
        return rings[0]
    polygon: shapely.Geometry = shapely.Polygon()
    for ring in rings:
        polygon = shapely.symmetric_difference(polygon, shapely.make_valid(ring))
    return polygon


def _outline(text: str) -> shapely.Geometry:
    """The geometry a cell holds: WKT (EWKT), GeoJSON text or ``lng,lat;lng,lat;…``."""
    t = text.strip()
    if t.startswith("{"):
        return shapely.from_geojson(t)
    if _WKT.match(t):
        return shapely.from_wkt(re.sub(r"^\s*SRID=\d+;", "", t, flags=re.IGNORECASE))
    return _ring_set(t)


def _lonlat_problem(geom: shapely.Geometry) -> str | None:
    """Why the coordinates of an outline are not lon/lat in China order, or None."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    if 3 <= x0 <= x1 <= 54 and 73 <= y0 <= y1 <= 136:
        return "the numbers are lat,lng (latitude first); write lng,lat (longitude first), as Amap exports do"
    if -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
        return None
    if 1e6 <= abs(x0) <= 2.1e7 and 1e5 <= abs(y0) <= 1e7:
        return ("the numbers are metres, not degrees — Baidu Mercator (bd09mc) or a projected CRS; convert them to "
                "lng,lat degrees (bd09ll for Baidu) first, or export the layer as GeoJSON/GeoPackage with its CRS")
    return "the numbers are not longitude/latitude degrees; write lng,lat in degrees"


def _table_layer(path: Path, profile: Profile, problems: ProblemReport) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """A CSV/XLSX AOI export → outlines (lon/lat in the source's frame, EPSG:4326), rows as a person counts them."""
    from ..io.read import read_table

    table = read_table(path)
    col = _column(table, profile.get("source", "shape_columns", []))
    if col is None:
        msg = (f"`{path.name}` has no column with the AOI outline; looked for "
               f"{', '.join(profile.get('source', 'shape_columns', []))}, found {', '.join(map(str, table.columns))}. "
               "An AOI export holds each compound's polygon as WKT (POLYGON ((…))) or \"lng,lat;lng,lat;…\"; name "
               "that column `shape`, or list its name in [source] shape_columns of a profile (--profile). A table of "
               "points (lon/lat only) cannot make compounds.")
        raise InputError(msg)
    first = 2 if path.suffix.lower() in (".xlsx", ".xlsm") else 1  # sheet row / 1-based data line
    rows = np.arange(len(table)) + first
    table = table.drop(columns=[col]).assign(_outline=table[col].to_numpy())
    gdf = gpd.GeoDataFrame(table, geometry=[None] * len(table), crs="EPSG:4326")
    gdf.attrs["outline_column"] = col
    return gdf, rows


def _parse_outlines(rows: _Rows, keep: pd.Index, column: str) -> None:
    """Parse the outline text of the rows ``keep`` into ``rows.table.geometry``; problems for the others."""
    geoms: list[shapely.Geometry | None] = []
    for r in rows.table.loc[keep].drop(columns="geometry").to_dict("records"):
        text = r["_outline"]
        where = {"source": rows.src, "layer": rows.layer, "row": int(r["row"]), "column": column}
        if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
            rows.problems.add("error", f"{rows.label(r)} has no outline", **where, code="no_outline",
                              fix="export the AOI with its polygon, or draw the compound in QGIS")
            geoms.append(None)
            continue
        g: shapely.Geometry | None
        try:
            g = _outline(str(text))
            why = None if g is not None and not g.is_empty else "it is empty"
        except (ValueError, shapely.errors.GEOSException) as exc:
            g, why = None, str(exc).splitlines()[0]
        if g is not None and why is None and g.geom_type not in ("Polygon", "MultiPolygon"):
            why = f"it is a {g.geom_type}, not a polygon (an AOI needs the compound's outline)"
            g = None
        if g is not None and why is None:
            why = _lonlat_problem(g)
            g = g if why is None else None
        if g is None:
            shown = str(text).strip()
            rows.problems.add("error", f"{rows.label(r)}: the outline is not a polygon of lng,lat points ({why})",
                              **where, value=shown[:60] + ("…" if len(shown) > 60 else ""), code="not_a_polygon",
                              fix="write it as \"lng,lat;lng,lat;…\" (Amap), WKT POLYGON ((lng lat, …)) or GeoJSON")
        elif not g.is_valid:
            rows.problems.add("warning", f"{rows.label(r)}: the outline crosses itself; repaired (make_valid)",
                              **where, code="repaired_outline", fix="check the outline on a map")
        geoms.append(g)
    rows.table.loc[keep, "geometry"] = gpd.GeoSeries(geoms, index=keep, crs=rows.table.crs)


def _gis_polygons(rows: _Rows, keep: pd.Index) -> None:
    """Features of a GIS layer that are not polygons (POI points, lines) → problems, geometry None."""
    geom = rows.table.geometry
    for idx in keep:
        g = geom.loc[idx]
        if g is not None and g.geom_type not in ("Polygon", "MultiPolygon"):
            r = rows.table.loc[idx]
            rows.problems.add("error", f"{rows.label(r)} is a {g.geom_type}, not a polygon: an AOI (a compound's "
                              "outline) is needed", source=rows.src, layer=rows.layer, row=int(r["row"]),
                              code="not_a_polygon", fix="export the AOI polygons, not the POI points")
            rows.table.loc[idx, "geometry"] = None


def _dedupe(rows: _Rows, keep: pd.Index) -> pd.Index:
    """Rows repeating the id of an earlier row (scrapers fetch an AOI once per search tile) are left out."""
    ids = rows.table.loc[keep, "id"]
    dup = ids.notna() & ids.duplicated(keep="first")
    first = {v: r for v, r in zip(ids[~dup], rows.table.loc[ids[~dup].index, "row"], strict=True)}
    for idx in ids.index[dup]:
        r = rows.table.loc[idx]
        rows.problems.add("warning", f"{rows.label(r)} repeats id {r['id']} of row {first.get(r['id'])}; "
                          "left out", source=rows.src, layer=rows.layer, row=int(r["row"]),
                          column=rows.columns["id"], value=r["id"], code="duplicate_id",
                          fix="nothing to do if it is the same compound; else give it its own id")
    return keep[~dup.to_numpy()]


def _ids(rows: pd.DataFrame, prefix: str) -> np.ndarray:
    return np.asarray([f"{prefix}-{i}" if i is not None else f"{prefix}-row{r}"
                       for i, r in zip(rows["id"], rows["row"], strict=True)], dtype=object)


def _names(rows: pd.DataFrame) -> np.ndarray:
    """The name, else ``坐落单位 图斑编号号图斑`` (land-survey parcels carry no name)."""
    out = []
    for name, place, number in zip(rows["name"], rows["place"], rows["number"], strict=True):
        if name is None and (place or number):
            name = f"{place or ''} {number}号图斑".strip() if number else place
        out.append(name)
    return np.asarray(out, dtype=object)


def _source_type(rows: pd.DataFrame) -> np.ndarray:
    return np.asarray([" ".join(v for v in (c, t) if v) or None for c, t in zip(rows["code"], rows["type"],
                                                                               strict=True)], dtype=object)


def _compounds(rows: _Rows, keep: pd.Index, crs: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Compounds without overlaps, and residential land too large to be one compound."""
    prefix = str(rows.profile.get("source", "id_prefix", "SRC"))
    sel = _metric(rows.table.loc[keep], crs)
    sel = sel.assign(geometry=_polygons(sel.geometry.to_numpy()))
    for idx in sel.index[sel.geometry.isna()]:
        r = sel.loc[idx]
        rows.problems.add("error", f"{rows.label(r)}: nothing of the outline is left after repair (no area)",
                          source=rows.src, layer=rows.layer, row=int(r["row"]), code="no_area",
                          fix="redraw the outline")
    sel = sel[sel.geometry.notna()]
    limit = float(rows.profile.get("compounds", "max_area_ha", 40.0))
    large = sel[sel.geometry.area / 1e4 > limit]
    for _, r in large.iterrows():
        rows.problems.add("warning", f"{rows.label(r)} covers {r.geometry.area / 1e4:,.0f} ha, more than "
                          f"max_area_ha = {limit:g}: taken as residential land, not one compound",
                          source=rows.src, layer=rows.layer, row=int(r["row"]), code="large_residential",
                          fix="supply its compounds separately, or raise [compounds] max_area_ha in the profile")
    landuse = gpd.GeoDataFrame({"landuse_id": _ids(large, prefix), "name": _names(large)},
                               geometry=large.geometry.to_numpy(), crs=crs)
    sel = sel[sel.geometry.area / 1e4 <= limit]
    labels = [rows.label(r) for _, r in sel.iterrows()]
    keep_pos, geoms = _without_overlaps(sel.geometry.to_numpy(), labels, [int(v) for v in sel["row"]], rows.src,
                                        rows.layer, rows.problems)
    sel = sel.iloc[keep_pos]
    comp = gpd.GeoDataFrame({
        "compound_id": _ids(sel, prefix),
        "name": _names(sel),
        "address": sel["address"].to_numpy(),
        "community": sel["place"].to_numpy(),
        "source_type": _source_type(sel),
        "source_row": sel["row"].astype(int).to_numpy(),
    }, geometry=np.asarray(geoms, dtype=object), crs=crs)
    if rows.columns["address"] is None:
        comp = comp.drop(columns="address")
    if rows.columns["place"] is None:
        comp = comp.drop(columns="community")
    return comp.sort_values("compound_id", kind="stable").reset_index(drop=True), landuse


def _homesteads(rows: _Rows, keep: pd.Index, crs: str) -> gpd.GeoDataFrame:
    """宅基地 parcels as scattered residential "buildings": households = area ÷ m² per household (marked)."""
    per_home = float(rows.profile.get("source", "homestead_m2_per_household", 200.0))
    sel = _metric(rows.table.loc[keep], crs)
    sel = sel.assign(geometry=_polygons(sel.geometry.to_numpy()))
    for idx in sel.index[sel.geometry.isna()]:
        r = sel.loc[idx]
        rows.problems.add("error", f"{rows.label(r)}: nothing of the parcel is left after repair (no area)",
                          source=rows.src, layer=rows.layer, row=int(r["row"]), code="no_area", fix="redraw it")
    sel = sel[sel.geometry.notna()]
    area = sel.geometry.area.to_numpy()
    return gpd.GeoDataFrame({
        "building_id": _ids(sel, str(rows.profile.get("source", "id_prefix", "SRC"))),
        "compound_id": pd.Series([None] * len(sel), dtype=object).to_numpy(),
        "name": _names(sel),
        "use": sel["type"].to_numpy(),
        "source_type": _source_type(sel),
        "source_row": sel["row"].astype(int).to_numpy(),
        "land_area_m2": area.round(1),
        "floors": pd.array([pd.NA] * len(sel), dtype="Int64"),
        "households": pd.array(np.maximum(1, np.round(area / per_home)).astype(int), dtype="Int64"),
        "households_estimated": np.ones(len(sel), dtype=bool),
        "households_method": HOMESTEAD_METHOD[0],
    }, geometry=sel.geometry.to_numpy(), crs=crs)


def _water(rows: _Rows, keep: pd.Index, crs: str) -> gpd.GeoDataFrame:
    sel = _metric(rows.table.loc[keep], crs)
    sel = sel.assign(geometry=_polygons(sel.geometry.to_numpy()))
    sel = sel[sel.geometry.notna()]
    return gpd.GeoDataFrame({"water_id": _ids(sel, str(rows.profile.get("source", "id_prefix", "SRC"))),
                             "name": sel["type"].to_numpy(),
                             "drawn_as": ("parcel " + sel["code"].fillna("").astype(str)).to_numpy()},
                            geometry=sel.geometry.to_numpy(), crs=crs)


def _nothing(rows: _Rows, what: str) -> InputError:
    found = rows.table["code"].fillna(rows.table["type"]).value_counts().head(6)
    seen = ", ".join(f"{k} ×{v}" for k, v in found.items()) or "no values"
    msg = (f"`{rows.src}` has no {what}: looked for {rows.looked_for()}; found {seen} in {len(rows.table)} row(s). "
           "Fix: check that this is the right file (and layer), or copy the profile "
           f"({rows.profile.source}), list the codes this file uses for housing and pass it with --profile.")
    return InputError(msg, report=rows.problems)


def _city(rows: _Rows, comp: gpd.GeoDataFrame, landuse: gpd.GeoDataFrame, homes: gpd.GeoDataFrame | None,
          water: gpd.GeoDataFrame | None, crs: str, choice_note: str, *, streets: str | Path | None,
          jurisdictions: str | Path | None, params: HouseholdEstimate | None,
          metadata: dict[str, str]) -> ImportedCity:
    """Streets, households and provenance around the compounds: the city ``propose``/``run``/``plan`` read."""
    src, problems = rows.src, rows.problems
    if streets is not None:
        st = _streets_from_file(streets, crs, problems)
    else:
        problems.add("warning", "no street (街道/乡镇) boundaries: the whole extent is one street, 全域（未分街道）",
                     source=src, layer="streets", code="no_streets",
                     fix="pass --streets FILE (a polygon layer with a `street` name column and ideally `street_code`)")
        st = _whole_extent({"c": comp, "h": homes if homes is not None else comp}, crs).assign(body=UNKNOWN_BODY)
    if jurisdictions is not None:
        st = _apply_jurisdictions(st, load_jurisdictions(jurisdictions), Path(jurisdictions).name, problems)
    if "body" not in st.columns:
        st["body"] = None
    st["body"] = st["body"].where(st["body"].notna(), st["street"])
    if len(comp):
        comp = _place(comp, st, src, problems)
    comp, _ = estimate_households(comp, None, params)
    comp["mode"] = pd.Series([None] * len(comp), dtype=object)  # unknown until surveyed: a candidate for an area
    comp["buildings"] = 0
    layers: dict[str, gpd.GeoDataFrame] = {"streets": st}
    if water is not None and len(water):
        layers["rivers"] = water
    layers["compounds"] = comp
    if homes is not None and len(homes):
        layers["buildings"] = homes
    if len(landuse):
        layers["residential_landuse"] = landuse
    meta = {"imported": _dt.date.today().isoformat(), "licence": str(rows.profile.get("profile", "licence", "")),
            "profile": rows.profile.source, "metric_crs": crs, "metric_crs_note": choice_note, "real_data": "yes",
            "households": "estimated (see households_method); a ledger figure replaces an estimate", **metadata}
    counts = {"rows": len(rows.table), **{str(k): int(v) for k, v in rows.kind.fillna("other").value_counts().items()}}
    return ImportedCity(layers, problems, meta, crs, counts)


def import_aoi(path: str | Path, *, source: str = "amap", frame: str | None = None,
               profile: str | Path | Profile | None = None, streets: str | Path | None = None,
               jurisdictions: str | Path | None = None, config: Config | None = None,
               metric_crs: str | None = None) -> ImportedCity:
    """An Amap/Baidu AOI export of residential compounds → city layers (what ``zy-geo import aoi`` runs).

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage or Shapefile of AOI polygons; or CSV/XLSX with the outline in a column
        (``[source] shape_columns``: WKT, GeoJSON text or ``"lng,lat;lng,lat;…"``, parts separated by ``|``).
    source : {"amap", "baidu", "other"}
        Whose export: chooses the shipped profile (``amap_aoi.toml``, ``baidu_aoi.toml``) and the frame of
        its coordinates (Amap GCJ-02, Baidu BD-09). ``other`` reads like Amap but needs ``frame``.
    frame : {"gcj02", "bd09", "wgs84"}, optional
        The frame the coordinates are in; overrides the profile's ``[source] frame`` and the source's.
    profile : path or Profile, optional
        Columns and residential codes (``[source]``) and ``[compounds] max_area_ha``.
    streets : str or Path, optional
        A polygon layer of street (街道/乡镇) boundaries (columns ``street``, ideally ``street_code``, ``body``).
    jurisdictions : str or Path, optional
        CSV ``code, street, body`` naming each street's responsible body.
    config : Config, optional
        Its ``[households]`` parameters estimate households (defaults otherwise).
    metric_crs : str, optional
        The metric CRS (default: the CGCS2000 3-degree zone of the data's central longitude).

    Returns
    -------
    ImportedCity
        ``compounds`` (id ``AMAP-<id>``/``BAIDU-<uid>``, name, address, ``source_type``, ``source_row``,
        households estimated from land area), ``streets`` and ``residential_landuse`` when an AOI is too
        large; ``.metadata["source_frame"]`` and ``["frame_note"]`` say which frame was converted.

    Raises
    ------
    InputError
        No frame for ``source="other"``, an unknown frame or source, no outline column, no residential
        row (the message says which codes were looked for; ``.report`` lists every row).
    """
    if source not in AOI_SOURCES:
        msg = f"source must be one of {', '.join(AOI_SOURCES)} (whose AOI export this is), found {source!r}."
        raise InputError(msg)
    p = Path(path)
    if not p.exists():
        msg = f"`{p}` does not exist; check the path."
        raise InputError(msg)
    shipped, source_frame = AOI_SOURCES[source]
    prof, given = _load(profile, shipped)
    chosen = frame or (prof.get("source", "frame") if given else None) or source_frame
    if chosen is None:
        msg = (f"`{p.name}`: the coordinate frame of this AOI export is not known (source {source!r}, and the "
               "profile names none). It decides where every compound lands — Amap/Gaode and Tencent are GCJ-02, "
               "Baidu is BD-09, GPS/天地图/OSM are WGS84, hundreds of metres apart. Fix: pass --frame gcj02, "
               "--frame bd09 or --frame wgs84 (frame= in Python), or set frame in the profile's [source].")
        raise InputError(msg)
    fr = canonical_frame(chosen)
    if fr not in SOURCE_FRAMES:
        msg = (f"`{p.name}`: frame {chosen!r} is not one zy_geo converts; use gcj02 (Amap/Gaode, Tencent), bd09 "
               "(Baidu) or wgs84 (GPS, 天地图, OSM; CGCS2000 lon/lat too).")
        raise InputError(msg)
    problems = ProblemReport()
    if source_frame is not None and fr != source_frame:
        problems.add("info", f"frame {fr} given for a {source} export, whose coordinates are "
                     f"{_FRAME_NAMES[source_frame]}: taken as {_FRAME_NAMES[fr]}", source=p.name, code="frame_given",
                     fix=f"if the compounds sit a few hundred metres off on a map, pass --frame {source_frame}")
    if p.suffix.lower() in TABLE_SUFFIXES:
        table, row_numbers = _table_layer(p, prof, problems)
        layer = None
    else:
        from ..io.read import read_layer

        table = read_layer(p, frame=fr if fr != "wgs84" else None, report=problems)
        row_numbers, layer = table.index.to_numpy(), None
    rows = _Rows(table, row_numbers, prof, p.name, layer, problems)
    rows.report_others("a residential type (住宅区)")
    keep = rows.kind.index[rows.kind.eq("residential")]
    if not len(keep):
        raise _nothing(rows, "residential AOI")
    if "_outline" in rows.table.columns:
        _parse_outlines(rows, keep, table.attrs["outline_column"])
        if fr != "wgs84":
            part = rows.table.loc[keep]
            ok = part.index[part.geometry.notna()]
            if len(ok):
                moved = from_frame(gpd.GeoDataFrame(geometry=part.geometry.loc[ok], crs="EPSG:4326"), fr)
                rows.table.loc[ok, "geometry"] = moved.geometry
    else:
        _gis_polygons(rows, keep)
    keep = _dedupe(rows, keep[rows.table.loc[keep].geometry.notna().to_numpy()])
    if not len(keep):
        msg = (f"`{p.name}`: none of its residential AOI has a usable outline; the problems below say why for each "
               "row.")
        raise InputError(msg, report=problems)
    choice = choose_metric_crs(rows.table.loc[keep], metric_crs, what=f"`{p.name}`", stacklevel=3)
    comp, landuse = _compounds(rows, keep, choice.crs)
    note = (f"compounds: {fr} → WGS84 (EPSG:4326) on import" if fr != "wgs84"
            else "compounds: WGS84 as given (no frame converted)")
    meta = {"source": p.name, "source_sha256": sha256_of(p), "source_kind": f"{source} AOI", "source_frame": fr,
            "frame_note": note}
    params = config.settings.households if config is not None else None
    return _city(rows, comp, landuse, None, None, choice.crs, choice.note, streets=streets,
                 jurisdictions=jurisdictions, params=params, metadata=meta)


def _parcel_layer(path: Path) -> str | None:
    """The 地类图斑 layer of a multi-layer file (``DLTB``), else None for the first."""
    import pyogrio

    try:
        names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except Exception:  # read_layer names a file it cannot read
        return None
    return next((n for n in names if n.upper() == "DLTB"), None) if len(names) > 1 else None


def import_parcels(path: str | Path, *, profile: str | Path | Profile | None = None,
                   streets: str | Path | None = None, jurisdictions: str | Path | None = None,
                   config: Config | None = None, metric_crs: str | None = None, encoding: str | None = None,
                   layer: str | None = None, crs: str | None = None) -> ImportedCity:
    """Land-survey parcels (三调 地类图斑) → city layers (what ``zy-geo import parcels`` runs).

    Parameters
    ----------
    path : str or Path
        Shapefile (GBK text is detected with or without ``.cpg``), GeoPackage or FileGDB of 地类图斑,
        in any CRS it declares (CGCS2000 3-degree zones with or without the zone number, e.g. EPSG:4544,
        EPSG:4523).
    profile : path or Profile, optional
        Columns and codes (default ``zy_geo/data/profiles/tdsc_parcels.toml``: ``DLBM`` 0701 → compounds,
        0702 → scattered housing at 200 m² per household, 1101–1103 → rivers).
    streets, jurisdictions, config, metric_crs
        As :func:`import_aoi`.
    encoding : str, optional
        The attribute encoding (``"GBK"``), when detection is wrong.
    layer : str, optional
        The layer (default ``DLTB`` when the file has several, else the first).
    crs : str, optional
        The CRS of a file without ``.prj`` (e.g. ``"EPSG:4544"``).

    Returns
    -------
    ImportedCity
        ``compounds`` (``TDSC-<BSM>``, named by 坐落单位 and 图斑编号, ``community`` = ZLDWMC),
        ``buildings`` (宅基地 parcels, ``compound_id`` None, ``households_method = "homestead"``),
        ``rivers``, ``streets`` and ``residential_landuse``.

    Raises
    ------
    InputError
        No residential parcel (the message says which codes were looked for), a file that cannot be read.
    CRSError
        No CRS (pass ``crs``), or coordinates that do not fit it.
    """
    from ..io.read import read_layer

    p = Path(path)
    if not p.exists():
        msg = f"`{p}` does not exist; check the path."
        raise InputError(msg)
    prof, _ = _load(profile, "tdsc_parcels")
    problems = ProblemReport()
    layer = layer or _parcel_layer(p)
    table = read_layer(p, layer, crs=crs, encoding=encoding, report=problems)
    rows = _Rows(table, table.index.to_numpy(), prof, p.name, layer, problems)
    rows.report_others("城镇住宅用地, 农村宅基地 or water")
    _gis_polygons(rows, rows.kind.index[rows.kind.notna()])
    kinds = {k: rows.kind.index[rows.kind.eq(k) & rows.table.geometry.notna().to_numpy()]
             for k in ("residential", "scattered", "water")}
    if not len(kinds["residential"]) and not len(kinds["scattered"]):
        raise _nothing(rows, "housing land (城镇住宅用地 or 农村宅基地)")
    used = rows.table.loc[kinds["residential"].union(kinds["scattered"])]
    choice = choose_metric_crs(used, metric_crs, what=f"`{p.name}`", stacklevel=3)
    crs_m = choice.crs
    keep = _dedupe(rows, kinds["residential"])
    comp, landuse = _compounds(rows, keep, crs_m) if len(keep) else (
        gpd.GeoDataFrame({"compound_id": pd.Series([], dtype=object), "name": pd.Series([], dtype=object)},
                         geometry=gpd.GeoSeries([], crs=crs_m), crs=crs_m),
        gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs_m), crs=crs_m))
    homes = _homesteads(rows, _dedupe(rows, kinds["scattered"]), crs_m)
    water = _water(rows, kinds["water"], crs_m)
    declared = table.crs.to_string() if table.crs is not None else "?"
    meta = {"source": p.name, "source_sha256": sha256_of(p), "source_kind": "三调 地类图斑", "source_crs": declared,
            "source_frame": "none", "frame_note": f"parcels in {declared}: no display frame converted",
            "homestead_m2_per_household": f"{float(prof.get('source', 'homestead_m2_per_household', 200.0)):g}"}
    params = config.settings.households if config is not None else None
    return _city(rows, comp, landuse, homes, water, crs_m, choice.note, streets=streets, jurisdictions=jurisdictions,
                 params=params, metadata=meta)


__all__ = ["AOI_SOURCES", "HOMESTEAD_METHOD", "canonical_frame", "import_aoi", "import_parcels"]
