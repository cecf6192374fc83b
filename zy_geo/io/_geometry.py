"""Geometry hygiene on read: name features, repair invalid ones, list the unusable ones.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Polygon
>>> bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
>>> g = gpd.GeoDataFrame({"name": ["蝴蝶"]}, geometry=[bowtie], crs="EPSG:4544")
>>> import warnings
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     out = clean_geometry(g, [7], feature_labels(g, [7]), where="`a.gpkg`", source="a.gpkg",
...                          layer=None, repair=True, report=None)
>>> float(out.area.iloc[0]), str(w[0].message).splitlines()[1].strip()
(2.0, "FID 7 (name='蝴蝶'): Self-intersection[1 1]")
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import DataRepairWarning, InputError, ProblemReport

#: Columns that name a feature in messages, first found wins.
ID_COLUMNS = ("compound_id", "building_id", "area_id", "id", "编号", "小区编号", "name", "名称", "小区名称")
_MAX_LISTED = 10


def feature_labels(gdf: pd.DataFrame, fids: Sequence[object]) -> list[str]:
    """``"FID 3 (name='莲花小区')"`` for each feature: its FID and first id/name column value.

    Examples
    --------
    >>> feature_labels(pd.DataFrame({"名称": ["莲花小区", None]}), [1, 2])
    ["FID 1 (名称='莲花小区')", 'FID 2']
    """
    cols = [c for c in ID_COLUMNS if c in gdf.columns]
    out = []
    for pos, fid in enumerate(fids):
        label = f"FID {fid}"
        for col in cols:
            value = gdf[col].iat[pos]
            if pd.notna(value) and str(value).strip():
                label += f" ({col}={value!r})"
                break
        out.append(label)
    return out


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(parts) if len(parts) else shapely.Polygon()


def _listing(items: list[str]) -> str:
    shown = "\n  ".join(items[:_MAX_LISTED])
    more = f"\n  … and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else ""
    return f"\n  {shown}{more}"


def clean_geometry(
    gdf: gpd.GeoDataFrame,
    fids: Sequence[object],
    labels: Sequence[str],
    *,
    where: str,
    source: str,
    layer: str | None,
    repair: bool,
    report: ProblemReport | None,
) -> gpd.GeoDataFrame:
    """Repair invalid geometries and leave out unusable features, saying which.

    Parameters
    ----------
    gdf : GeoDataFrame
        Positional index 0…n-1.
    fids, labels : sequence
        Each feature's FID and label (:func:`feature_labels`).
    where, source, layer : str
        For messages and problems.
    repair : bool
        ``shapely.make_valid`` invalid geometries (polygons keep their polygonal parts), with one
        :class:`DataRepairWarning` listing them. If False, invalid features are unusable.
        Warnings point at the caller of the function that calls this one (``read_layer``).
    report : ProblemReport or None
        Gets one problem per feature (``row`` = FID). Unusable features are errors there;
        without a report they are listed in a warning — or, for invalid geometry with
        ``repair=False``, an :class:`InputError`.

    Returns
    -------
    GeoDataFrame
        The usable features, repaired.
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object).copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    unusable: list[tuple[int, str, str]] = [(int(p), "has no geometry", "no_geometry") for p in np.flatnonzero(missing)]
    repaired: list[str] = []
    for pos in np.flatnonzero(invalid).tolist():
        why = shapely.is_valid_reason(geoms[pos])
        if not repair:
            unusable.append((int(pos), f"invalid geometry ({why})", "invalid_geometry"))
            continue
        fixed = shapely.make_valid(geoms[pos])
        if shapely.get_type_id(geoms[pos]) in (3, 6):
            fixed = _polygonal(fixed)
        if shapely.is_empty(fixed):
            unusable.append((int(pos), f"invalid geometry ({why}) with no area left after repair", "invalid_geometry"))
            continue
        geoms[pos] = fixed
        repaired.append(f"{labels[pos]}: {why}")
        if report is not None:
            report.add("warning", f"invalid geometry ({why}) repaired with make_valid", source=source, layer=layer,
                       row=_row(fids[pos]), code="repaired_geometry",
                       fix="check the outline in QGIS (Vector → Geometry Tools → Check Validity)")
    if repaired:
        warnings.warn(f"{where}: {len(repaired)} invalid geometr{'y' if len(repaired) == 1 else 'ies'} repaired with "
                      f"shapely.make_valid:{_listing(repaired)}", DataRepairWarning, stacklevel=3)
    if unusable:
        _report_unusable(unusable, fids, labels, where=where, source=source, layer=layer, repair=repair,
                         report=report)
    keep = np.ones(len(geoms), dtype=bool)
    keep[[pos for pos, _, _ in unusable]] = False
    out = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs))
    return out[keep]


def _row(fid: object) -> int | None:
    try:
        return int(fid)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _report_unusable(unusable: list[tuple[int, str, str]], fids: Sequence[object], labels: Sequence[str], *,
                     where: str, source: str, layer: str | None, repair: bool, report: ProblemReport | None) -> None:
    items = [f"{labels[pos]}: {why}" for pos, why, _ in unusable]
    if report is not None:
        for pos, why, code in unusable:
            fix = ("draw the feature or delete the row" if code == "no_geometry" else
                   "repair it in QGIS (Vector → Geometry Tools → Fix Geometries) or read with repair=True")
            report.add("error", f"{why}; the feature was left out", source=source, layer=layer, row=_row(fids[pos]),
                       code=code, fix=fix)
        return
    if not repair and any(code == "invalid_geometry" for _, _, code in unusable):
        msg = (f"{where}: {len(items)} feature(s) cannot be used as they are (repair=False):{_listing(items)}\n"
               "Fix: repair them in QGIS (Vector → Geometry Tools → Fix Geometries), read with repair=True, "
               "or pass report= to leave them out and list them.")
        raise InputError(msg)
    warnings.warn(f"{where}: {len(items)} feature(s) left out:{_listing(items)}\nFix: draw them or delete the rows; "
                  "pass report= to collect them.", DataRepairWarning, stacklevel=4)
