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
    geoms = gdf.geometry.to_numpy()
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
    lines = barriers.to_numpy()
    tree = shapely.STRtree(lines) if len(lines) else None
    water = rivers.geometry.to_numpy() if rivers is not None and len(rivers) else np.array([], dtype=object)
    water = shapely.get_parts(water[~shapely.is_empty(water)])
    w_tree = shapely.STRtree(water) if len(water) else None

    keep = [c for c in ("street", "street_code", "body") if c in streets.columns]
    cols: dict[str, list] = {"enclosure_id": [], **{c: [] for c in keep}}
    geoms: list[np.ndarray] = []
    for _, street in streets.iterrows():
        poly = street.geometry
        if poly is None or poly.is_empty:
            continue
        shapely.prepare(poly)
        # whole barrier lines (cut to the street's bounding box), not their intersection with the street:
        # a line that runs past the street outline crosses it cleanly, so noding never leaves a dangle
        # a hair short of the outline
        near = lines[np.sort(tree.query(poly, predicate="intersects"))] if tree is not None else lines[:0]
        near = shapely.clip_by_rect(near, *poly.bounds)
        faces = _faces(poly, near[~shapely.is_empty(near)], min_area_m2)
        if w_tree is not None:
            wet = np.unique(w_tree.query(faces, predicate="intersects")[0])
            if len(wet):
                # cut the river to the face's box first: the river of a big city is one long polygon
                dry = [shapely.get_parts(shapely.difference(faces[k], shapely.union_all(shapely.clip_by_rect(
                    water[w_tree.query(faces[k], predicate="intersects")], *_grow(faces[k].bounds, 1.0)))))
                    for k in wet]
                faces = np.concatenate([np.delete(faces, wet), *dry])
        faces = faces[shapely.area(faces) >= min_area_m2]
        xy = shapely.get_coordinates(shapely.centroid(faces))
        faces = faces[np.lexsort((xy[:, 0], xy[:, 1]))]
        prefix = street.get("street_code", street.get("street"))
        cols["enclosure_id"] += [f"{prefix}#{n}" for n in range(len(faces))]
        for c in keep:
            cols[c] += [street[c]] * len(faces)
        geoms.append(faces)
    geometry = np.concatenate(geoms) if geoms else np.array([], dtype=object)
    return gpd.GeoDataFrame(pd.DataFrame(cols, columns=["enclosure_id", *keep]), geometry=geometry,
                            crs=streets.crs)


def _grow(bounds: tuple[float, float, float, float], d: float) -> tuple[float, float, float, float]:
    return bounds[0] - d, bounds[1] - d, bounds[2] + d, bounds[3] + d


def _polygonize(lines: np.ndarray) -> np.ndarray:
    """Faces of a set of lines: node them (union) and polygonize."""
    noded = shapely.union_all(lines)
    return shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))


def _faces(poly: shapely.Geometry, pieces: np.ndarray, min_area_m2: float) -> np.ndarray:
    """Faces of ``poly`` cut by ``pieces`` (barrier lines near it): node, polygonise, keep those inside."""
    faces = _polygonize(np.concatenate([shapely.get_parts(shapely.boundary(poly)), pieces]))
    faces = faces[shapely.area(faces) >= min_area_m2]  # noding slivers
    # polygonize also closes loops of barriers outside the street: keep the street's own faces
    return faces[shapely.within(shapely.point_on_surface(faces), poly)]


def assign_enclosure(units: gpd.GeoDataFrame, encl: gpd.GeoDataFrame) -> pd.Series:
    """Enclosure of each unit: the one holding the largest share of its area (or its point).

    Returns
    -------
    Series
        ``enclosure_id`` aligned to ``units.index``; NA where a unit lies in no enclosure
        (e.g. in the river).
    """
    rep = shapely.point_on_surface(units.geometry.to_numpy())
    tree = shapely.STRtree(encl.geometry.to_numpy())
    result = pd.Series(pd.NA, index=units.index, dtype="string")
    idx_u, idx_e = tree.query(units.geometry.to_numpy(), predicate="intersects")
    if len(idx_u) == 0:
        return result
    share = shapely.area(shapely.intersection(units.geometry.to_numpy()[idx_u], encl.geometry.to_numpy()[idx_e]))
    # points for zero-area units (e.g. lines/points): rely on containment of the representative point
    inside = shapely.contains(encl.geometry.to_numpy()[idx_e], rep[idx_u])
    df = pd.DataFrame({"u": idx_u, "e": idx_e, "share": share, "inside": inside})
    df = df.sort_values(["u", "share", "inside", "e"], ascending=[True, False, False, True])
    best = df.drop_duplicates("u")
    result.iloc[best["u"].to_numpy()] = encl["enclosure_id"].to_numpy()[best["e"].to_numpy()]
    return result
