"""Internal lanes (road class ``path``) of the sample city, noded onto the street network.

A lane runs along the gap between two parcels of a block, from the road on one side to the
road on the other. Where a lane ends on a road, the road is split there and both share the
exact end point, so that the network stays noded (``polygonize`` and graph builders see the
junction). Lanes never touch a compound, the river or the railway.
"""

from __future__ import annotations

import numpy as np
import shapely

#: Lanes shorter than this are dropped (a stub between two buildings is not a lane).
MIN_LANE_M = 30.0
#: How far beyond its block a lane may reach to meet the road centreline (road half-width + 4 m ≤ 19 m).
REACH_M = 25.0
#: A lane end this close to a road is snapped onto it and noded.
SNAP_M = 0.5
_LINESTRING = 1
_SAME_M = 1e-6  # points closer than this are one node


def internal_paths(
    cuts: np.ndarray,
    faces: np.ndarray,
    pieces: np.ndarray,
    *,
    compounds: np.ndarray,
    roads: np.ndarray,
    avoid: shapely.Geometry,
) -> np.ndarray:
    """Lanes along the parcel cuts: clipped to the block's face, clear of compounds and ``avoid``.

    Parameters
    ----------
    cuts : ndarray of LineString
        One long line per parcel cut (across the block piece, beyond its bounds).
    faces : ndarray of Polygon
        The face (bounded by road centrelines) of each cut's block.
    pieces : ndarray of Polygon
        The block piece each cut splits.
    compounds : ndarray of Polygon
        Every compound; a lane that touches one is dropped.
    roads : ndarray of LineString
        The road network; a lane that crosses a road (a dead end inside the block) is dropped,
        and so are two lanes that cross each other.
    avoid : Geometry
        Where no lane may go (river and railway corridors).

    Returns
    -------
    ndarray of LineString
        The lanes, in the order of the cuts.
    """
    region = shapely.intersection(faces, shapely.buffer(pieces, REACH_M))
    lines = shapely.difference(shapely.intersection(cuts, region), avoid)
    parts, src = shapely.get_parts(lines, return_index=True)
    keep = shapely.get_type_id(parts) == _LINESTRING
    parts, src = parts[keep], src[keep]
    keep = (shapely.length(parts) >= MIN_LANE_M) & shapely.intersects(parts, pieces[src])
    parts = parts[keep]
    keep = np.ones(len(parts), dtype=bool)
    keep[shapely.STRtree(compounds).query(parts, predicate="intersects")[0]] = False
    keep[shapely.STRtree(roads).query(parts, predicate="crosses")[0]] = False
    keep[shapely.STRtree(parts).query(parts, predicate="crosses")[0]] = False
    return parts[keep]


def node_paths(
    paths: np.ndarray, roads: list[tuple[shapely.LineString, str, str, bool]]
) -> tuple[list[shapely.LineString], list[tuple[shapely.LineString, str, str, bool]]]:
    """Snap lane ends onto nearby roads and split those roads at the shared points.

    Parameters
    ----------
    paths : ndarray of LineString
        Lanes from :func:`internal_paths`.
    roads : list of (LineString, road_class, name, bridge)
        The noded road network.

    Returns
    -------
    tuple
        The lanes with snapped ends, and the roads split at every lane junction
        (same attributes, order kept, each road's pieces in line order).
    """
    if len(paths) == 0:
        return [], list(roads)
    road_geoms = np.array([g for g, *_ in roads], dtype=object)
    ends = np.concatenate([shapely.get_point(paths, 0), shapely.get_point(paths, -1)])
    which, road_of = shapely.STRtree(road_geoms).query_nearest(ends, max_distance=SNAP_M, all_matches=False)
    dist = shapely.line_locate_point(road_geoms[road_of], ends[which])
    snapped = shapely.get_coordinates(shapely.line_interpolate_point(road_geoms[road_of], dist))
    # gather the junctions of each road; a junction at one of its vertices reuses that vertex
    cuts: dict[int, list[tuple[float, np.ndarray]]] = {}
    end_xy = shapely.get_coordinates(ends)
    for k, r, d, q in zip(which, road_of, dist, snapped, strict=True):
        coords = np.asarray(road_geoms[r].coords)
        near = np.flatnonzero(np.hypot(*(coords - q).T) < _SAME_M)
        q_exact = coords[near[0]] if len(near) else q
        end_xy[k] = q_exact
        cuts.setdefault(int(r), []).append((float(d), q_exact))
    n = len(paths)
    lanes = []
    for i, lane in enumerate(paths):
        coords = np.asarray(lane.coords).copy()
        coords[0], coords[-1] = end_xy[i], end_xy[n + i]
        lanes.append(shapely.LineString(coords))
    out: list[tuple[shapely.LineString, str, str, bool]] = []
    for r, (geom, cls, name, bridge) in enumerate(roads):
        if r not in cuts:
            out.append((geom, cls, name, bridge))
            continue
        out.extend((piece, cls, name, bridge) for piece in _split_line(geom, cuts[r]))
    return lanes, out


def _split_line(line: shapely.LineString, at: list[tuple[float, np.ndarray]]) -> list[shapely.LineString]:
    """Split ``line`` at the given (distance along, exact point) pairs; pieces share the points."""
    coords = np.asarray(line.coords)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    pieces, current, v = [], [coords[0]], 1
    for d, q in sorted(at, key=lambda t: t[0]):
        while v < len(coords) and along[v] < d - 1e-9:
            current.append(coords[v])
            v += 1
        if v < len(coords) and np.hypot(*(coords[v] - q)) < _SAME_M:
            q = coords[v]  # the junction is this vertex
            v += 1
        if np.hypot(*(current[-1] - q)) < _SAME_M:
            continue  # at the start of the current piece (or a second lane at the same point)
        current.append(q)
        pieces.append(current)
        current = [q]
    current.extend(coords[v:])
    if len(current) >= 2:
        pieces.append(current)
    return [shapely.LineString(p) for p in pieces]
