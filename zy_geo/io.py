"""Readers for what a street office sends: GeoPackage, GeoJSON, Shapefile, CSV and plain Excel.

Every reader names the file, layer, row and column of what it could not use, and says how to
fix it. Text is decoded correctly (GBK shapefiles without ``.cpg``, CSV in UTF-8, UTF-8-BOM or
GBK); codes stay strings; layers must declare a CRS; swapped coordinates are caught; invalid
polygons are repaired with a warning naming the feature. The survey ledger has its own reader
(:mod:`zy_geo.ledger`).

Examples
--------
>>> import geopandas as gpd, tempfile, pathlib
>>> from shapely.geometry import Point
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> gpd.GeoDataFrame({"名称": ["莲花小区"]}, geometry=[Point(104.627, 30.131)],
...                  crs="EPSG:4326").to_file(d / "a.gpkg")
>>> read_layer(d / "a.gpkg").crs.to_string()
'EPSG:4326'
>>> read_city(d / "a.gpkg")["a"].crs.to_string()
'EPSG:4544'
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from ._encoding import detect_bytes_encoding, mojibake_encoding
from ._errors import CRSError, CRSWarning, DataRepairWarning, InputError, ProblemReport
from .crs import FRAMES, from_frame, to_metric

_ID_COLUMNS = ("compound_id", "building_id", "id", "编号", "小区编号", "name", "名称", "小区名称")


def _feature_label(gdf: pd.DataFrame, pos: int) -> str:
    for col in _ID_COLUMNS:
        if col in gdf.columns and pd.notna(gdf[col].iat[pos]):
            return f"FID {pos} ({col}={gdf[col].iat[pos]!r})"
    return f"FID {pos}"


def _strings(df: pd.DataFrame) -> list[str]:
    out = [str(c) for c in df.columns]
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            out += [v for v in df[col].head(500).tolist() if isinstance(v, str)]
    return out


def check_axis_order(bounds: np.ndarray | tuple, crs: Any, *, where: str) -> str | None:
    """Describe swapped or misplaced coordinates for ``bounds`` in ``crs`` (None when plausible).

    Examples
    --------
    >>> check_axis_order((30.1, 104.6, 30.2, 104.7), "EPSG:4326", where="a.csv")
    'a.csv: coordinates look like (lat, lon): x is 30.1…30.2 and y is 104.6…104.7, but China has lon 73–135, lat 18–54. Swap the columns, or read with swap_xy=True'
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        return None
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        lon_ok = 73 <= minx and maxx <= 135
        lat_ok = 3 <= miny and maxy <= 54
        if lon_ok and lat_ok:
            return None
        if 3 <= minx and maxx <= 54 and 73 <= miny and maxy <= 135:
            return (f"{where}: coordinates look like (lat, lon): x is {minx:g}…{maxx:g} and y is {miny:g}…{maxy:g}, "
                    "but China has lon 73–135, lat 18–54. Swap the columns, or read with swap_xy=True")
        return (f"{where}: coordinates {minx:g}…{maxx:g}, {miny:g}…{maxy:g} are not in China as lon/lat; "
                f"the declared CRS {crs.to_string()} is probably wrong (metres? then declare EPSG:4544)")
    epsg = crs.to_epsg()
    if epsg in (4544, 4523) or (crs.is_projected and "CGCS2000" in crs.name):
        zone_prefix = epsg == 4523
        e_lo, e_hi = (35_000_000 + 100_000, 35_000_000 + 900_000) if zone_prefix else (100_000, 900_000)
        if e_lo <= minx and maxx <= e_hi and 2_000_000 <= miny and maxy <= 6_000_000:
            return None
        if 2_000_000 <= minx and maxx <= 6_000_000 and e_lo <= miny and maxy <= e_hi:
            return (f"{where}: coordinates look like (northing, easting) — Chinese survey tables list X = northing "
                    f"first: x is {minx:,.0f}…{maxx:,.0f} and y is {miny:,.0f}…{maxy:,.0f}. "
                    "Swap the columns, or read with swap_xy=True")
        if not zone_prefix and 35_000_000 < minx < 36_000_000:
            return (f"{where}: eastings {minx:,.0f}… carry the zone number 35: the data are EPSG:4523, "
                    "not EPSG:4544; declare crs='EPSG:4523'")
        return (f"{where}: coordinates {minx:,.0f}…{maxx:,.0f}, {miny:,.0f}…{maxy:,.0f} do not fall in "
                f"{crs.to_string()}'s area (easting {e_lo:,}–{e_hi:,}, northing 2,000,000–6,000,000)")
    return None


def _swap(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1]))


def read_layer(
    path: str | Path,
    layer: str | None = None,
    *,
    crs: Any = None,
    frame: str | None = None,
    encoding: str | None = None,
    swap_xy: bool = False,
    repair: bool = True,
    report: ProblemReport | None = None,
) -> gpd.GeoDataFrame:
    """Read a GIS layer (GeoPackage, GeoJSON, Shapefile …) the way offices send them.

    Parameters
    ----------
    path : str or Path
        The file.
    layer : str, optional
        Layer name (GeoPackage with several layers).
    crs : optional
        CRS to assume when the file declares none (e.g. ``"EPSG:4544"``). When the file declares
        another one, the file wins and a :class:`CRSWarning` says so.
    frame : {"gcj02", "bd09"}, optional
        The lon/lat were picked on Amap/Baidu: converted to WGS84 on read.
    encoding : str, optional
        Attribute encoding; by default detected (GBK shapefiles without ``.cpg`` are fixed).
    swap_xy : bool
        Swap x and y of every coordinate (lat/lon tables, X=northing survey tables).
    repair : bool
        Repair invalid polygons with ``shapely.make_valid`` (warning per feature); if False,
        they are reported as errors.
    report : ProblemReport, optional
        Where to add problems; features that cannot be used are listed there and left out.

    Returns
    -------
    GeoDataFrame
        In the file's CRS (EPSG:4326 after ``frame`` conversion).
    """
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path."
        raise InputError(msg)
    where = f"`{path.name}`" + (f" layer {layer}" if layer else "")
    kw: dict[str, Any] = {"layer": layer} if layer else {}
    if encoding:
        kw["encoding"] = encoding
    try:
        gdf = pyogrio.read_dataframe(path, **kw)
    except Exception as exc:  # pyogrio raises DataSourceError/DataLayerError subclasses
        msg = f"{where} cannot be read as a GIS layer: {exc}. Is it a GeoPackage, GeoJSON or Shapefile?"
        raise InputError(msg) from exc
    if encoding is None and path.suffix.lower() == ".shp":
        enc = mojibake_encoding(_strings(gdf))
        if enc:
            gdf = pyogrio.read_dataframe(path, encoding=enc.upper(), **kw)
            cpg = "its .cpg says another encoding" if path.with_suffix(".cpg").exists() else "it has no .cpg file"
            warnings.warn(f"{where}: attributes are {enc.upper()} but {cpg}; decoded as {enc.upper()}. "
                          f"Add a .cpg containing 'GBK' (or save as GeoPackage) to silence this.",
                          DataRepairWarning, stacklevel=2)
    gdf = _declare_crs(gdf, crs, where)
    if swap_xy:
        gdf = _swap(gdf)
    problem = check_axis_order(gdf.total_bounds, gdf.crs, where=where) if len(gdf) else None
    if problem:
        raise CRSError(problem)
    if frame is not None:
        if frame not in FRAMES:
            msg = f"frame must be one of {FRAMES}, found {frame!r}."
            raise InputError(msg)
        gdf = from_frame(gdf, frame)
    return _clean_geometry(gdf, where, path.name, layer, repair, report)


def _declare_crs(gdf: gpd.GeoDataFrame, crs: Any, where: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        if crs is None:
            msg = (f"{where} has no coordinate reference system. Declare it: "
                   "read_layer(..., crs='EPSG:4544') for CGCS2000 metres (3-degree zone, CM 105E), "
                   "crs='EPSG:4326' for lon/lat degrees; or fix the .prj / set it in QGIS (Layer → Set CRS).")
            raise CRSError(msg)
        return gdf.set_crs(crs)
    if crs is not None and not gdf.crs.equals(CRS.from_user_input(crs)):
        warnings.warn(f"{where} declares {gdf.crs.to_string()} but crs={crs!r} was passed; the file's CRS is used. "
                      f"If the file is wrong, fix it; to convert, use gdf.to_crs({crs!r}).", CRSWarning, stacklevel=3)
    return gdf


def _clean_geometry(gdf, where, source, layer, repair, report) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad_ids = []
    for pos in np.flatnonzero(missing):
        label = _feature_label(gdf, int(pos))
        bad_ids.append(label)
        if report is not None:
            report.add("error", "feature has no geometry and was left out", source=source, layer=layer, row=int(pos),
                       code="no_geometry", fix="draw the feature or delete the row")
    if bad_ids and report is None:
        warnings.warn(f"{where}: {len(bad_ids)} feature(s) without geometry left out: {', '.join(bad_ids[:10])}",
                      DataRepairWarning, stacklevel=3)
    invalid = ~missing & ~shapely.is_valid(geoms)
    polygonal = shapely.get_type_id(geoms) >= 3
    for pos in np.flatnonzero(invalid):
        label = _feature_label(gdf, int(pos))
        why = shapely.is_valid_reason(geoms[pos])
        if not repair:
            if report is not None:
                report.add("error", f"invalid geometry ({why})", source=source, layer=layer, row=int(pos),
                           code="invalid_geometry", fix="repair it in QGIS (Vector → Geometry → Fix geometries)")
            continue
        fixed = shapely.make_valid(geoms[pos])
        if polygonal[pos]:
            parts = shapely.get_parts(fixed)
            parts = parts[shapely.get_type_id(parts) >= 3]
            fixed = shapely.union_all(parts) if len(parts) else shapely.Polygon()
        geoms[pos] = fixed
        msg = f"{where} {label}: invalid geometry ({why}) repaired with make_valid"
        warnings.warn(msg, DataRepairWarning, stacklevel=3)
        if report is not None:
            report.add("warning", f"invalid geometry ({why}) repaired", source=source, layer=layer, row=int(pos),
                       code="repaired_geometry")
    out = gdf.set_geometry(geoms)
    if not repair:
        missing |= invalid
    return out[~missing]


def read_table(path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a plain CSV (UTF-8, UTF-8-BOM or GBK, detected) or Excel sheet; every column as text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_bytes("编号,户数\\n0012,120\\n".encode("gbk"))
    >>> read_table(p).to_dict("records")
    [{'编号': '0012', '户数': '120'}]
    """
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path."
        raise InputError(msg)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
    if suffix == ".xls":
        msg = f"`{path.name}` is an old .xls workbook; save it as .xlsx (Excel: File → Save As → .xlsx)."
        raise InputError(msg)
    raw = path.read_bytes()
    enc = encoding or detect_bytes_encoding(raw)
    from io import StringIO

    return pd.read_csv(StringIO(raw.decode(enc)), dtype=str, keep_default_na=False, na_values=[""])


def points_from_table(
    df: pd.DataFrame,
    *,
    x: str = "lon",
    y: str = "lat",
    crs: Any = "EPSG:4326",
    frame: str | None = None,
    swap_check: bool = True,
    where: str = "table",
) -> gpd.GeoDataFrame:
    """Points from coordinate columns, checking the axis order (X=northing survey tables).

    Rows without both coordinates get an empty geometry (kept, aligned to ``df``).
    """
    xs = pd.to_numeric(df[x], errors="coerce").to_numpy(dtype=float)
    ys = pd.to_numeric(df[y], errors="coerce").to_numpy(dtype=float)
    pts = shapely.points(xs, ys)
    gdf = gpd.GeoDataFrame(df.copy(), geometry=pts, crs=crs)
    valid = ~np.isnan(xs) & ~np.isnan(ys)
    if swap_check and valid.any():
        b = (xs[valid].min(), ys[valid].min(), xs[valid].max(), ys[valid].max())
        problem = check_axis_order(b, crs, where=f"{where} columns {x}/{y}")
        if problem:
            raise CRSError(problem)
    if frame is not None:
        gdf = from_frame(gdf, frame)
    return gdf


def read_city(path: str | Path, *, report: ProblemReport | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every spatial layer of a city GeoPackage, each converted to EPSG:4544.

    Layers named in :data:`zy_geo.schema.CITY_LAYERS` are the ones the analyses use; others are
    read too. Non-spatial tables are skipped.
    """
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path (generate a sample with `zy-geo sample --out DIR`)."
        raise InputError(msg)
    layers = {}
    for name, geom_type in pyogrio.list_layers(path):
        if geom_type is None:
            continue
        layers[str(name)] = to_metric(read_layer(path, str(name), report=report))
    if not layers:
        msg = f"`{path}` has no spatial layer."
        raise InputError(msg)
    return layers
