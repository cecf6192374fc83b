"""Barriers and enclosures: the faces of the city that no management area may straddle.

An enclosure (封闭围合单元) is a piece of one street/town's territory cut out by lines an
enclosure fence can never cross: rivers, railways, arterial roads (and any road class the
planner does not allow to be crossed), and the street/town boundary itself, so every area stays
in one jurisdiction. Two units can share a management area only if they lie in the same
enclosure. Compare ``momepy.enclosures`` (same idea); here river *polygons* are removed
instead of becoming enclosures (momepy#270), and the street boundary is a hard limit.

Examples
--------
Two blocks of one street, split by a river running north–south:

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> streets = gpd.GeoDataFrame({"street": ["甲街道"], "street_code": ["1"], "body": ["雁江区"]},
...                            geometry=[box(0, 0, 1000, 500)], crs="EPSG:4544")
>>> rivers = gpd.GeoDataFrame({"name": ["沱江"]}, geometry=[box(480, -10, 520, 510)], crs="EPSG:4544")
>>> enc = enclosures(streets, rivers=rivers)
>>> len(enc), sorted(enc.area.round().tolist())
(2, [240000.0, 240000.0])
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import InputError

#: Road classes an enclosure can never cross, whatever the planner allows.
HARD_ROAD_CLASSES = ("arterial",)


def _lines_of(gdf: gpd.GeoDataFrame | None) -> list[shapely.Geometry]:
    if gdf is None or len(gdf) == 0:
        return []
    geoms = gdf.geometry.values
    polys = shapely.get_type_id(geoms) >= 3  # polygonal: use the outline
    out = list(shapely.boundary(geoms[polys])) + list(geoms[~polys])
    return [g for g in out if g is not None and not g.is_empty]


def _check_crs(name: str, gdf: gpd.GeoDataFrame | None, crs) -> None:
    if gdf is None:
        return
    if gdf.crs is None or not gdf.crs.equals(crs):
        msg = (
            f"layer {name!r} is in {gdf.crs} but the streets are in {crs}; "
            f"convert it first: {name} = {name}.to_crs({crs.to_string()!r})"
        )
        raise InputError(msg)


def barrier_lines(
    *,
    rivers: gpd.GeoDataFrame | None = None,
    rail: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    crossable: Iterable[str] = ("secondary", "local", "path"),
) -> gpd.GeoSeries:
    """Collect the lines no enclosure may cross.

    Parameters
    ----------
    rivers, rail : GeoDataFrame, optional
        Water polygons (their outlines count) and railway lines.
    roads : GeoDataFrame, optional
        Road lines with a ``road_class`` column (see :data:`zy_geo.schema.ROAD_CLASSES`).
    crossable : iterable of str
        Road classes an area may span (each crossing costs a gate). Arterials are never
        crossable.

    Returns
    -------
    GeoSeries
        Barrier lines, with a ``kind`` name per line in ``.attrs["kinds"]``.
    """
    crossable = set(crossable)
    bad = crossable & set(HARD_ROAD_CLASSES)
    if bad:
        msg = f"road class(es) {sorted(bad)} can never be crossed by a management area; remove them from `crossable`."
        raise InputError(msg)
    parts: list[shapely.Geometry] = []
    kinds: list[str] = []
    for kind, gdf in (("river", rivers), ("rail", rail)):
        lines = _lines_of(gdf)
        parts += lines
        kinds += [kind] * len(lines)
    if roads is not None and len(roads):
        if "road_class" not in roads.columns:
            msg = "the roads layer has no `road_class` column; add one with values arterial/secondary/local/path."
            raise InputError(msg)
        hard = roads[~roads["road_class"].isin(crossable)]
        lines = _lines_of(hard)
        parts += lines
        kinds += [f"road:{c}" for c in hard["road_class"]]
    crs = next((g.crs for g in (rivers, rail, roads) if g is not None), None)
    out = gpd.GeoSeries(parts, crs=crs)
    out.attrs["kinds"] = kinds
    return out


def enclosures(
    streets: gpd.GeoDataFrame,
    *,
    rivers: gpd.GeoDataFrame | None = None,
    rail: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    crossable: Iterable[str] = ("secondary", "local", "path"),
    min_area_m2: float = 1.0,
) -> gpd.GeoDataFrame:
    """Cut each street/town into the faces its barriers enclose.

    Parameters
    ----------
    streets : GeoDataFrame
        Jurisdiction polygons (metric CRS) with a ``street`` column; ``street_code`` and ``body``
        are carried along when present.
    rivers, rail, roads, crossable
        See :func:`barrier_lines`.
    min_area_m2 : float
        Slivers smaller than this (noding artefacts) are dropped.

    Returns
    -------
    GeoDataFrame
        ``enclosure_id`` (``"<street>#<n>"``, stable for the same input), ``street`` (and
        ``street_code``, ``body``), geometry; river water removed.
    """
    if streets.crs is None or not streets.crs.is_projected:
        msg = (
            f"streets must be in a metric CRS (EPSG:4544), found {streets.crs}; "
            "use zy_geo.crs.to_metric(streets)."
        )
        raise InputError(msg)
    for name, gdf in (("rivers", rivers), ("rail", rail), ("roads", roads)):
        _check_crs(name, gdf, streets.crs)
    barriers = barrier_lines(rivers=rivers, rail=rail, roads=roads, crossable=crossable)
    tree = shapely.STRtree(barriers.values) if len(barriers) else None
    water = shapely.union_all(rivers.geometry.values) if rivers is not None and len(rivers) else None

    keep = [c for c in ("street", "street_code", "body") if c in streets.columns]
    records: list[dict] = []
    geoms: list[shapely.Geometry] = []
    for _, street in streets.iterrows():
        poly = street.geometry
        if poly is None or poly.is_empty:
            continue
        cut = [shapely.boundary(poly)]
        if tree is not None:
            hits = tree.query(poly, predicate="intersects")
            cut += list(shapely.intersection(barriers.values[np.sort(hits)], poly))
        noded = shapely.union_all(cut)
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        if water is not None:
            faces = shapely.get_parts(shapely.difference(faces, water))
        faces = faces[shapely.area(faces) >= min_area_m2]
        # keep faces inside the street (polygonize may close loops of outside barrier pieces)
        faces = faces[shapely.within(shapely.point_on_surface(faces), poly)]
        order = np.lexsort((shapely.get_coordinates(shapely.centroid(faces))[:, 0],
                            shapely.get_coordinates(shapely.centroid(faces))[:, 1]))
        for n, face in enumerate(faces[order]):
            rec = {c: street[c] for c in keep}
            rec["enclosure_id"] = f"{street.get('street_code', street.get('street'))}#{n}"
            records.append(rec)
            geoms.append(face)
    out = gpd.GeoDataFrame(pd.DataFrame.from_records(records, columns=["enclosure_id", *keep]),
                           geometry=geoms, crs=streets.crs)
    return out


def assign_enclosure(units: gpd.GeoDataFrame, encl: gpd.GeoDataFrame) -> pd.Series:
    """Enclosure of each unit: the one holding the largest share of its area (or its point).

    Returns
    -------
    Series
        ``enclosure_id`` aligned to ``units.index``; NA where a unit lies in no enclosure
        (e.g. in the river).
    """
    rep = shapely.point_on_surface(units.geometry.values)
    tree = shapely.STRtree(encl.geometry.values)
    result = pd.Series(pd.NA, index=units.index, dtype="string")
    idx_u, idx_e = tree.query(units.geometry.values, predicate="intersects")
    if len(idx_u) == 0:
        return result
    share = shapely.area(shapely.intersection(units.geometry.values[idx_u], encl.geometry.values[idx_e]))
    # points for zero-area units (e.g. lines/points): rely on containment of the representative point
    inside = shapely.contains(encl.geometry.values[idx_e], rep[idx_u])
    df = pd.DataFrame({"u": idx_u, "e": idx_e, "share": share, "inside": inside})
    df = df.sort_values(["u", "share", "inside", "e"], ascending=[True, False, False, True])
    best = df.drop_duplicates("u")
    result.iloc[best["u"].to_numpy()] = encl["enclosure_id"].to_numpy()[best["e"].to_numpy()]
    return result
