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

import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import InputError

#: Road classes an enclosure can never cross, whatever the planner allows.
HARD_ROAD_CLASSES = ("arterial",)


def _lines_of(gdf: gpd.GeoDataFrame | None) -> list[shapely.Geometry]:
    if gdf is None or len(gdf) == 0:
        return []
    geoms = gdf.geometry.to_numpy()
    polys = shapely.get_type_id(geoms) >= 3  # polygonal: use the outline
    out = np.concatenate([shapely.boundary(geoms[polys]), geoms[~polys]])
    return list(out[~(shapely.is_missing(out) | shapely.is_empty(out))])


def _check_crs(name: str, gdf: gpd.GeoDataFrame | None, crs) -> None:
    if gdf is None:
        return
    if gdf.crs is None or not gdf.crs.equals(crs):
        msg = (
            f"layer {name!r} is in {gdf.crs} but the streets are in {crs}; "
            f"convert it first: {name} = {name}.to_crs({crs.to_string()!r})"
        )
        raise InputError(msg)


def _on_ground(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lines that cut the ground: without those on a bridge or in a tunnel (``bridge``/``tunnel`` True)."""
    if not len(gdf):
        return gdf
    up = np.zeros(len(gdf), dtype=bool)
    for col in ("bridge", "tunnel"):
        if col in gdf.columns:
            up |= gdf[col].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return gdf[~up] if up.any() else gdf


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
        Road lines with a ``road_class`` column (see :data:`zy_geo.schema.ROAD_CLASSES`). Roads and
        railways with ``bridge`` or ``tunnel`` True do not cut the ground under them: they are no barrier.
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
    for kind, gdf in (("river", rivers), ("rail", None if rail is None else _on_ground(rail))):
        lines = _lines_of(gdf)
        parts += lines
        kinds += [kind] * len(lines)
    if roads is not None and len(roads):
        if "road_class" not in roads.columns:
            msg = "the roads layer has no `road_class` column; add one with values arterial/secondary/local/path."
            raise InputError(msg)
        hard = _on_ground(roads[~roads["road_class"].isin(crossable)])
        lines = _lines_of(hard)
        parts += lines
        kinds += ("road:" + hard["road_class"].astype(str)).tolist()  # vectorised: 10⁵ roads at scale 100
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
            f"streets must be in a metric CRS (the CGCS2000 zone of the city, EPSG:4544 in Ziyang), found "
            f"{streets.crs}; use zy_geo.crs.to_metric(streets), or read the city with zy_geo.read_city."
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
        xy = np.round(shapely.get_coordinates(shapely.centroid(faces)), 2)  # ids immune to float noise
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
    return shapely.get_parts(shapely.polygonize([shapely.union_all(lines)]))


#: Barrier pieces per tile when a big street is noded tile by tile (GEOS noding and polygonising
#: grow faster than linearly with the number of lines; tiles of this size keep them near-linear).
TILE_LINES = 3000


def _faces(poly: shapely.Geometry, pieces: np.ndarray, min_area_m2: float) -> np.ndarray:
    """Faces of ``poly`` cut by ``pieces`` (barrier lines near it).

    A street with more than :data:`TILE_LINES` pieces is cut into square tiles, each noded and
    polygonised on its own; faces that meet across a tile edge (and not along a barrier) are
    merged again, so the result is the same as noding the street in one piece.
    """
    n_side = math.ceil(math.sqrt(len(pieces) / TILE_LINES)) if len(pieces) > TILE_LINES else 1
    if n_side == 1:
        return _inside(_polygonize(np.concatenate([shapely.get_parts(shapely.boundary(poly)), pieces])),
                       poly, min_area_m2)
    x0, y0, x1, y1 = poly.bounds
    # tile edges off round coordinates, so a road rarely runs exactly along one (one that does is handled)
    xs = np.linspace(x0, x1, n_side + 1)
    ys = np.linspace(y0, y1, n_side + 1)
    xs[1:-1] += 0.1372
    ys[1:-1] += 0.1372
    tree = shapely.STRtree(pieces)
    faces, tile = [], []
    for ix in range(n_side):
        for iy in range(n_side):
            rect = (xs[ix], ys[iy], xs[ix + 1], ys[iy + 1])
            cell = shapely.clip_by_rect(poly, *rect)
            if cell.is_empty:
                continue
            cut = shapely.clip_by_rect(pieces[np.sort(tree.query(shapely.box(*rect)))], *rect)
            f = _inside(_polygonize(np.concatenate([shapely.get_parts(shapely.boundary(cell)),
                                                    cut[~shapely.is_empty(cut)]])), poly, 1e-6)
            faces.append(f)
            tile.append(np.full(len(f), ix * n_side + iy))
    merged = _merge_across_edges(np.concatenate(faces), np.concatenate(tile), xs[1:-1], ys[1:-1], pieces, tree)
    return merged[shapely.area(merged) >= min_area_m2]  # slivers only after merging: a tile's sliver may
    # be the end of a face in the next tile


def _merge_across_edges(faces: np.ndarray, tile: np.ndarray, gx: np.ndarray, gy: np.ndarray,
                        pieces: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Union faces of neighbouring tiles that share a stretch of tile edge (gx, gy) not on a barrier."""
    # only faces reaching a tile edge can continue in the next tile
    b = shapely.bounds(faces)
    edge = np.flatnonzero(((b[:, [0]] <= gx + 1e-6) & (b[:, [2]] >= gx - 1e-6)).any(axis=1)
                          | ((b[:, [1]] <= gy + 1e-6) & (b[:, [3]] >= gy - 1e-6)).any(axis=1))
    i, j = shapely.STRtree(faces[edge]).query(faces[edge])
    i, j = edge[i], edge[j]
    pair = (i < j) & (tile[i] != tile[j])
    i, j = i[pair], j[pair]
    shared = shapely.line_merge(shapely.intersection(shapely.boundary(faces[i]), shapely.boundary(faces[j])))
    join = shapely.length(shared) > 1e-6
    # two faces that share any stretch of tile edge not covered by a barrier are one face (rare check:
    # only where a barrier touches the shared edge)
    idx = np.flatnonzero(join)
    along = np.unique(np.concatenate([tree.query(shared[idx], predicate=pr)[0]
                                      for pr in ("overlaps", "contains", "within")]))
    for k in idx[along]:
        near = pieces[tree.query(shared[k], predicate="intersects")]
        free = shapely.difference(shared[k], shapely.buffer(shapely.union_all(near), 1e-6, quad_segs=1))
        join[k] = shapely.length(free) > 1e-6
    keep = np.flatnonzero(join)
    n = len(faces)
    _, label = connected_components(coo_matrix((np.ones(len(keep)), (i[keep], j[keep])), shape=(n, n)),
                                    directed=False)
    order = np.argsort(label, kind="stable")
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    groups = np.split(order, bounds)
    merged = [faces[g[0]] if len(g) == 1 else shapely.union_all(faces[g]) for g in groups]
    return shapely.get_parts(np.asarray(merged, dtype=object))


def _inside(faces: np.ndarray, poly: shapely.Geometry, min_area_m2: float) -> np.ndarray:
    """Drop noding slivers and the loops barriers close outside the street."""
    faces = faces[shapely.area(faces) >= min_area_m2]
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
    ug, eg = units.geometry.to_numpy(), encl.geometry.to_numpy()
    # most units touch one enclosure only: their share needs no overlay
    n_hit = np.bincount(idx_u, minlength=len(ug))
    share = np.ones(len(idx_u))
    many = n_hit[idx_u] > 1
    share[many] = shapely.area(shapely.intersection(ug[idx_u[many]], eg[idx_e[many]]))
    # points for zero-area units (e.g. lines/points): rely on containment of the representative point
    inside = shapely.contains(encl.geometry.to_numpy()[idx_e], rep[idx_u])
    df = pd.DataFrame({"u": idx_u, "e": idx_e, "share": share, "inside": inside})
    df = df.sort_values(["u", "share", "inside", "e"], ascending=[True, False, False, True])
    best = df.drop_duplicates("u")
    result.iloc[best["u"].to_numpy()] = encl["enclosure_id"].to_numpy()[best["e"].to_numpy()]
    return result
