"""What it takes to enclose a group of units: boundary, new fence, gates, cameras and cost.

The boundary is a tight (concave) hull around the members, clipped to their enclosure so it
never crosses a barrier. New fence is the part of that boundary not already formed by a member's
existing wall (``walled`` compounds) or by a building façade. Gates go where crossable roads and
paths cut the boundary (at least one: the main gate); cameras cover every gate and the perimeter.
Unit prices come from :class:`zy_geo.config.Prices` (defaults, marked as such: override them).

Examples
--------
A 100 m × 50 m open compound with a local road entering from the south; the fence stands
2 m outside it (104 m × 54 m = 316 m), one barrier gate, 2 gate cameras + 6 along the fence:

>>> import geopandas as gpd
>>> from shapely.geometry import LineString, box
>>> from zy_geo.config import Settings
>>> members = gpd.GeoSeries([box(0, 0, 100, 50)], crs="EPSG:4544")
>>> roads = gpd.GeoDataFrame({"road_class": ["local"]}, geometry=[LineString([(50, -30), (50, 25)])],
...                          crs="EPSG:4544")
>>> e = enclose(members.values, walled=[False], roads=roads, settings=Settings())
>>> round(e.perimeter_m), round(e.new_fence_m), e.vehicle_gates, e.pedestrian_gates, e.cameras
(316, 316, 1, 0, 8)
>>> e.cost_yuan  # 316 m × 80 + gate house 12,000 + barrier gate 8,000 + 8 × 1,500
57280.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from ..config import Settings

#: Tolerance (m) within which a boundary segment counts as an existing wall or façade.
WALL_TOLERANCE_M = 1.5
#: Gap (m) between road crossings that still count as one gate.
GATE_MERGE_M = 15.0
#: Road classes entered by vehicles (barrier gate) vs on foot (pedestrian gate).
VEHICLE_ROADS = ("secondary", "local")
PEDESTRIAN_ROADS = ("path",)


@dataclass(frozen=True)
class Enclosure:
    """Enclosure figures of one proposed area."""

    boundary: shapely.Geometry
    perimeter_m: float
    existing_wall_m: float
    facade_m: float
    new_fence_m: float
    vehicle_gates: int
    pedestrian_gates: int
    cameras: int
    cost_yuan: float
    cost_items: dict[str, float]

    @property
    def gates(self) -> int:
        """All gates."""
        return self.vehicle_gates + self.pedestrian_gates


def area_boundary(
    members: Sequence[shapely.Geometry] | np.ndarray,
    *,
    within: shapely.Geometry | None = None,
    hull_ratio: float = 0.35,
    pad_m: float = 2.0,
) -> shapely.Geometry:
    """A tight polygon around the members that stays inside ``within``.

    Parameters
    ----------
    members : sequence of geometry
        Member polygons (metric CRS).
    within : geometry, optional
        The enclosure: the result is clipped to it, so it crosses no barrier.
    hull_ratio : float
        ``shapely.concave_hull`` ratio (0 = tightest, 1 = convex hull).
    pad_m : float
        Margin around members so the fence stands outside their walls.

    Returns
    -------
    shapely.Polygon
        Always a single polygon that covers every member.
    """
    geoms = np.asarray(members, dtype=object)
    return area_boundaries(geoms, np.zeros(len(geoms), dtype=np.intp), within=np.array([within], dtype=object),
                           hull_ratio=hull_ratio, pad_m=pad_m)[0]


def _largest_polygon(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest polygonal part of each geometry, and whether it had one."""
    parts, of = shapely.get_parts(geoms, return_index=True)
    poly = shapely.get_type_id(parts) == 3
    parts, of = parts[poly], of[poly]
    best = np.empty(len(geoms), dtype=object)
    found = np.zeros(len(geoms), dtype=bool)
    if len(parts):
        order = np.lexsort((-shapely.area(parts), of))
        first = np.unique(of[order], return_index=True)[1]
        best[of[order][first]] = parts[order][first]
        found[of[order][first]] = True
    return best, found


def area_boundaries(
    geoms: np.ndarray,
    group_of: np.ndarray,
    *,
    within: np.ndarray | None = None,
    hull_ratio: float | np.ndarray = 0.35,
    pad_m: float = 2.0,
) -> np.ndarray:
    """:func:`area_boundary` for many groups at once (vectorised; same result per group).

    Parameters
    ----------
    geoms : ndarray of geometry
        All members, of all groups.
    group_of : ndarray of int
        Group of each member, ``0 … n_groups-1`` (every group has at least one member).
    within : ndarray of geometry or None, optional
        Enclosure of each group (``None``: not clipped).
    hull_ratio : float or ndarray
        Per group or for all.
    pad_m : float
        Margin around members.

    Returns
    -------
    ndarray of Polygon
    """
    geoms = np.asarray(geoms, dtype=object)
    group_of = np.asarray(group_of, dtype=np.intp)
    n = int(group_of.max()) + 1 if len(group_of) else 0
    counts = np.bincount(group_of, minlength=n)
    order = np.argsort(group_of, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    union = np.empty(n, dtype=object)
    single = counts == 1
    union[single] = geoms[order[starts[single]]]
    if (~single).any():
        # members of a group as one multipolygon, repaired into their union (one vectorised call)
        parts, of = shapely.get_parts(geoms, return_index=True)
        g = group_of[of]
        keep = ~single[g] & (shapely.get_type_id(parts) == 3)
        by = np.argsort(g[keep], kind="stable")
        uniq, inv = np.unique(g[keep][by], return_inverse=True)
        if len(uniq):
            multi = shapely.multipolygons(parts[keep][by], indices=inv)
            union[uniq] = shapely.make_valid(multi, method="structure")
        for k in np.flatnonzero(~single & shapely.is_missing(union)):  # groups without polygon members
            union[k] = shapely.union_all(geoms[order[starts[k]:starts[k] + counts[k]]])
    ratio = np.broadcast_to(np.asarray(hull_ratio, dtype=float), (n,))
    hull = union.copy()
    need = ~(single & (shapely.get_type_id(union) == 3))
    if need.any():
        h = np.empty(int(need.sum()), dtype=object)
        for r in np.unique(ratio[need]):  # shapely takes one ratio per call
            sel = ratio[need] == r
            h[sel] = shapely.concave_hull(union[need][sel], ratio=float(r))
        # the hull of the vertices may cut a corner off a member: add what it misses
        miss = ~shapely.covers(h, union[need])
        h[miss] = shapely.union(h[miss], union[need][miss])
        bad = shapely.get_type_id(h) != 3  # members not reached by the hull: fall back to convex
        h[bad] = shapely.convex_hull(union[need][bad])
        hull[need] = h
    out = shapely.buffer(hull, pad_m, join_style="mitre")
    if within is not None:
        w = np.flatnonzero(~shapely.is_missing(np.asarray(within, dtype=object)))
        if len(w):
            clipped, found = _largest_polygon(shapely.intersection(out[w], np.asarray(within, dtype=object)[w]))
            w, clipped = w[found], clipped[found]
            # keep members whole even when a sliver of a member pokes out of the enclosure
            covered = shapely.covers(clipped, union[w])
            out[w] = np.where(covered, clipped, shapely.union(clipped, union[w]))
    out = shapely.make_valid(out)
    bad = shapely.get_type_id(out) != 3
    if bad.any():
        best, found = _largest_polygon(out[bad])
        best[~found] = shapely.convex_hull(union[bad][~found])
        out[bad] = best
    return shapely.polygons(shapely.get_exterior_ring(out))


@dataclass(frozen=True)
class RoadSet:
    """Crossable road lines and their classes as plain arrays (what gate counting needs).

    Parameters
    ----------
    geoms : ndarray of LineString
    classes : ndarray of str
        ``road_class`` of each line (see :data:`zy_geo.schema.ROAD_CLASSES`).
    """

    geoms: np.ndarray
    classes: np.ndarray

    def __len__(self) -> int:
        return len(self.geoms)

    @classmethod
    def of(cls, roads: gpd.GeoDataFrame | RoadSet | None) -> RoadSet | None:
        """Roads as a :class:`RoadSet` (``None`` when there are none); a missing class counts as local."""
        if roads is None or isinstance(roads, RoadSet):
            return roads if roads is not None and len(roads) else None
        if len(roads) == 0:
            return None
        classes = (roads["road_class"].astype(str).to_numpy(dtype=object) if "road_class" in roads.columns
                   else np.full(len(roads), "local", dtype=object))
        return cls(np.asarray(roads.geometry.values, dtype=object), classes)


class Surroundings:
    """Building footprints and crossable roads of a city, indexed once, looked up per area.

    Parameters
    ----------
    buildings : GeoDataFrame, optional
        Building footprints (façades, free land).
    roads : GeoDataFrame, optional
        Roads with ``road_class``; only the ``crossable`` classes are kept (they make gates).
    crossable : iterable of str
        Road classes an area may span.
    """

    def __init__(self, buildings: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None,
                 crossable: Sequence[str] | set[str]):
        footprints = (np.asarray(buildings.geometry.values, dtype=object)
                      if buildings is not None and len(buildings) else np.array([], dtype=object))
        if roads is not None and len(roads) and "road_class" in roads.columns:
            roads = roads[roads["road_class"].isin(set(crossable))]
        self._set(footprints, RoadSet.of(roads))

    def _set(self, buildings: np.ndarray, roads: RoadSet | None) -> None:
        self.buildings = buildings
        self._b_tree = shapely.STRtree(buildings) if len(buildings) else None
        self.roads = roads
        self._r_tree = shapely.STRtree(roads.geoms) if roads is not None else None

    @classmethod
    def of_arrays(cls, buildings: np.ndarray | None, roads: gpd.GeoDataFrame | RoadSet | None) -> Surroundings:
        """Surroundings from footprints and roads already selected (every road class given is used)."""
        self = cls.__new__(cls)
        self._set(np.asarray(buildings if buildings is not None else [], dtype=object), RoadSet.of(roads))
        return self

    def near(self, members: Sequence[shapely.Geometry] | np.ndarray, *, margin_m: float = 10.0
             ) -> tuple[np.ndarray, RoadSet | None]:
        """Buildings and crossable roads within ``margin_m`` of the members' convex hull.

        The hull covers any boundary :func:`area_boundary` draws (its pad is smaller than the margin).
        """
        hull = shapely.convex_hull(shapely.geometrycollections(np.asarray(members, dtype=object)))
        env = shapely.buffer(hull, margin_m, quad_segs=2)
        b = self.buildings[np.sort(self._b_tree.query(env, predicate="intersects"))] \
            if self._b_tree is not None else self.buildings
        if self._r_tree is None:
            return b, None
        hit = np.sort(self._r_tree.query(env, predicate="intersects"))
        assert self.roads is not None  # a road tree is built only from roads
        return b, RoadSet(self.roads.geoms[hit], self.roads.classes[hit])


def _crossings(points: np.ndarray, merge_m: float) -> int:
    """Number of crossing clusters: points closer than ``merge_m`` (chained) count once."""
    k = len(points)
    if k <= 1:
        return k
    d = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    parent = list(range(k))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(*np.nonzero(np.triu(d <= merge_m, 1)), strict=True):
        parent[find(int(a))] = find(int(b))
    return len({find(a) for a in range(k)})


def count_gates(boundary: shapely.Geometry, roads: gpd.GeoDataFrame | RoadSet | None) -> tuple[int, int]:
    """Vehicle and pedestrian gates: where crossable roads cut the boundary.

    Crossings closer than :data:`GATE_MERGE_M` count once. Returns ``(vehicle, pedestrian)``.
    """
    roads = RoadSet.of(roads)
    if roads is None:
        return 0, 0
    vehicle, pedestrian = _gates(shapely.get_exterior_ring(np.array([boundary], dtype=object)), roads,
                                 shapely.STRtree(roads.geoms), 1)
    return int(vehicle[0]), int(pedestrian[0])


def enclose(
    members: Sequence[shapely.Geometry] | np.ndarray,
    *,
    walled: Sequence[bool],
    settings: Settings,
    within: shapely.Geometry | None = None,
    roads: gpd.GeoDataFrame | RoadSet | None = None,
    buildings: np.ndarray | None = None,
    camera_spacing_m: float = 60.0,
    cameras_per_gate: int = 2,
    hull_ratio: float = 0.35,
    pad_m: float = 2.0,
) -> Enclosure:
    """Boundary, fence, gates, cameras and cost of enclosing ``members`` as one area.

    Parameters
    ----------
    members : sequence of geometry
        Member polygons (metric CRS).
    walled : sequence of bool
        Whether each member already has a wall/fence along its outline.
    settings : Settings
        Unit prices (``settings.prices``).
    within : geometry, optional
        The enclosure the area must stay in.
    roads : GeoDataFrame or RoadSet, optional
        Crossable roads (``road_class``); where they cut the boundary, gates are needed.
    buildings : array of geometry, optional
        Building footprints; their façades on the boundary need no fence.
    camera_spacing_m : float
        One perimeter camera per this many metres of boundary (a default; override).
    cameras_per_gate : int
        Cameras at each gate (in and out).
    hull_ratio, pad_m : float
        See :func:`area_boundary`. Walls and façades within ``pad_m`` + :data:`WALL_TOLERANCE_M`
        of the boundary count as already enclosing it.

    Returns
    -------
    Enclosure
    """
    geoms = np.asarray(members, dtype=object)
    return enclose_many(geoms, np.zeros(len(geoms), dtype=np.intp), walled=walled, settings=settings,
                        within=np.array([within], dtype=object), around=Surroundings.of_arrays(buildings, roads),
                        camera_spacing_m=camera_spacing_m, cameras_per_gate=cameras_per_gate,
                        hull_ratio=hull_ratio, pad_m=pad_m)[0]


def _per_group(lines: np.ndarray, group: np.ndarray, tol: float, n: int) -> np.ndarray:
    """Band within ``tol`` of each group's lines (``None`` for a group without lines)."""
    zone = np.full(n, None, dtype=object)
    if len(lines) == 0:
        return zone
    parts, of = shapely.get_parts(lines, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, g = parts[keep], group[of[keep]]
    uniq, inv = np.unique(g, return_inverse=True)
    multi = shapely.multilinestrings(parts, indices=inv)
    zone[uniq] = shapely.buffer(multi, tol)
    return zone


def _band_length(rings: np.ndarray, zone: np.ndarray) -> np.ndarray:
    out = np.zeros(len(rings))
    has = ~shapely.is_missing(zone)
    if has.any():
        out[has] = shapely.length(shapely.intersection(rings[has], zone[has]))
    return out


def enclose_many(
    geoms: np.ndarray,
    group_of: np.ndarray,
    *,
    walled: Sequence[bool] | np.ndarray,
    settings: Settings,
    within: np.ndarray | None = None,
    around: Surroundings | None = None,
    camera_spacing_m: float = 60.0,
    cameras_per_gate: int = 2,
    hull_ratio: float | np.ndarray = 0.35,
    pad_m: float = 2.0,
) -> list[Enclosure]:
    """:func:`enclose` for many groups at once (vectorised; same figures per group).

    Parameters
    ----------
    geoms, group_of : ndarray
        All members and the group (``0 … n_groups-1``) of each.
    walled : array of bool
        Per member.
    within : ndarray of geometry or None, optional
        Enclosure of each group.
    around : Surroundings, optional
        Buildings (façades) and crossable roads (gates) of the city.
    settings, camera_spacing_m, cameras_per_gate, hull_ratio, pad_m
        See :func:`enclose`.

    Returns
    -------
    list of Enclosure
        One per group, in group order.
    """
    geoms = np.asarray(geoms, dtype=object)
    group_of = np.asarray(group_of, dtype=np.intp)
    boundary = area_boundaries(geoms, group_of, within=within, hull_ratio=hull_ratio, pad_m=pad_m)
    return _priced(boundary, shapely.get_exterior_ring(boundary), geoms, group_of, walled=walled, settings=settings,
                   around=around, camera_spacing_m=camera_spacing_m, cameras_per_gate=cameras_per_gate, pad_m=pad_m)


def enclose_outlines(
    outlines: np.ndarray,
    geoms: np.ndarray,
    group_of: np.ndarray,
    *,
    walled: Sequence[bool] | np.ndarray,
    settings: Settings,
    around: Surroundings | None = None,
    camera_spacing_m: float = 60.0,
    cameras_per_gate: int = 2,
    pad_m: float = 2.0,
) -> list[Enclosure]:
    """Price given outlines (e.g. boundaries a planner redrew in QGIS) as :func:`enclose_many` prices its own.

    The fence runs along each outline as drawn: every ring of it (a hole in the drawn polygon is fenced
    too), nothing clipped or padded. Stretches within ``pad_m`` + :data:`WALL_TOLERANCE_M` of a walled
    member's outline or of a building façade need no new fence; crossable roads that cut the outline make
    gates (at least the main vehicle gate); cameras and cost as in :func:`enclose`.

    Parameters
    ----------
    outlines : ndarray of Polygon
        One outline per group, in group order.
    geoms, group_of : ndarray
        The members of each group (their walls), as in :func:`enclose_many`.
    walled : array of bool
        Per member.
    settings, around, camera_spacing_m, cameras_per_gate, pad_m
        See :func:`enclose_many`.

    Returns
    -------
    list of Enclosure
        One per outline; ``boundary`` is the outline itself.

    Examples
    --------
    An open 100 m square compound whose boundary a planner drew 10 m outside it: 124 m × 4 = 496 m of
    new fence, one main gate, 2 + ⌈496 / 60⌉ = 11 cameras:

    >>> from shapely.geometry import box
    >>> e = enclose_outlines(np.array([box(-12, -12, 112, 112)]), np.array([box(0, 0, 100, 100)]), np.array([0]),
    ...                      walled=[False], settings=Settings())[0]
    >>> e.new_fence_m, e.vehicle_gates, e.cameras, e.cost_yuan  # 496 × 80 + 12,000 + 8,000 + 11 × 1,500
    (496.0, 1, 11, 76180.0)
    """
    outlines = np.asarray(outlines, dtype=object)
    return _priced(outlines, shapely.boundary(outlines), np.asarray(geoms, dtype=object),
                   np.asarray(group_of, dtype=np.intp), walled=walled, settings=settings, around=around,
                   camera_spacing_m=camera_spacing_m, cameras_per_gate=cameras_per_gate, pad_m=pad_m,
                   n=len(outlines))


def _priced(boundary: np.ndarray, rings: np.ndarray, geoms: np.ndarray, group_of: np.ndarray, *,
            walled: Sequence[bool] | np.ndarray, settings: Settings, around: Surroundings | None,
            camera_spacing_m: float, cameras_per_gate: int, pad_m: float, n: int | None = None) -> list[Enclosure]:
    """Fence, gates, cameras and cost along the fence lines ``rings`` of each group's ``boundary``."""
    walled = np.asarray(walled, dtype=bool)
    if n is None:
        n = int(group_of.max()) + 1 if len(group_of) else 0
    perimeter = shapely.length(rings)
    tol = pad_m + WALL_TOLERANCE_M
    walls = _per_group(shapely.boundary(geoms[walled]), group_of[walled], tol, n)
    wall = _band_length(rings, walls)
    facade = np.zeros(n)
    vehicle = np.zeros(n, dtype=np.int64)
    pedestrian = np.zeros(n, dtype=np.int64)
    if around is not None and around._b_tree is not None:
        gi, bi = around._b_tree.query(rings, predicate="dwithin", distance=tol)
        if len(gi):
            has_wall = ~shapely.is_missing(walls)
            rest = rings.copy()
            rest[has_wall] = shapely.difference(rings[has_wall], walls[has_wall])
            fac = _per_group(shapely.boundary(around.buildings[bi]), gi, tol, n)
            facade = _band_length(rest, fac)
    if around is not None and around._r_tree is not None and around.roads is not None:
        vehicle, pedestrian = _gates(rings, around.roads, around._r_tree, n)
    new_fence = np.maximum(perimeter - wall - facade, 0.0)
    # the main vehicle gate, where the area meets its road, also when only footpaths cross its boundary
    # (paths make pedestrian gates; an area of hundreds of households still needs a gate for vehicles)
    vehicle = np.maximum(vehicle, 1)
    cameras = cameras_per_gate * (vehicle + pedestrian) + np.ceil(perimeter / camera_spacing_m).astype(np.int64)
    p = settings.prices
    out = []
    for k in range(n):
        items = {
            "fence": round(float(new_fence[k]) * p.fence_per_m_yuan, 2),
            "gate_house": p.gate_house_yuan,
            "barrier_gates": int(vehicle[k]) * p.barrier_gate_yuan,
            "pedestrian_gates": int(pedestrian[k]) * p.pedestrian_gate_yuan,
            "cameras": int(cameras[k]) * p.camera_yuan,
        }
        out.append(Enclosure(boundary[k], float(perimeter[k]), float(wall[k]), float(facade[k]),
                             float(new_fence[k]), int(vehicle[k]), int(pedestrian[k]), int(cameras[k]),
                             float(round(sum(items.values()), 2)), items))
    return out


def _gates(rings: np.ndarray, roads: RoadSet, tree: shapely.STRtree, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Vehicle and pedestrian gates of each ring (see :func:`count_gates`)."""
    counts = []
    gi, ri = tree.query(rings, predicate="intersects")
    for group in (VEHICLE_ROADS, PEDESTRIAN_ROADS):
        c = np.zeros(n, dtype=np.int64)
        sel = np.isin(roads.classes[ri], group)
        if sel.any():
            pts, of = shapely.get_parts(shapely.intersection(rings[gi[sel]], roads.geoms[ri[sel]]), return_index=True)
            keep = ~shapely.is_empty(pts)
            g = gi[sel][of[keep]]
            # overlapping stretches count as one crossing each; crossings closer than GATE_MERGE_M as one
            xy = shapely.get_coordinates(shapely.centroid(pts[keep]))
            order = np.argsort(g, kind="stable")
            g, xy = g[order], xy[order]
            uniq, start, size = np.unique(g, return_index=True, return_counts=True)
            c[uniq[size == 1]] = 1
            for u, s0, k in zip(uniq[size > 1], start[size > 1], size[size > 1], strict=True):
                c[u] = _crossings(xy[s0:s0 + k], GATE_MERGE_M)
        counts.append(c)
    return counts[0], counts[1]


@dataclass(frozen=True)
class FenceLayout:
    """Where an area's boundary runs along walls, along façades and as new fence; where its gates are.

    The same split :func:`enclose_many` measures, as geometry to draw (plan figures, maps).
    """

    wall: shapely.Geometry
    facade: shapely.Geometry
    new_fence: shapely.Geometry
    vehicle_gates: np.ndarray
    pedestrian_gates: np.ndarray
    cameras: np.ndarray


def _cluster_points(points: np.ndarray, merge_m: float) -> np.ndarray:
    """One point per cluster of crossings closer than ``merge_m`` (as :func:`_crossings` counts them)."""
    if len(points) <= 1:
        return points
    xy = shapely.get_coordinates(points)
    done = np.zeros(len(xy), dtype=bool)
    out = []
    for i in range(len(xy)):
        if done[i]:
            continue
        near = np.hypot(*(xy - xy[i]).T) <= merge_m
        done |= near
        out.append(shapely.Point(xy[near].mean(axis=0)))
    return np.asarray(out, dtype=object)


def fence_layout(boundary: shapely.Geometry, members: np.ndarray, walled: np.ndarray, *,
                 buildings: np.ndarray | None = None, roads: RoadSet | None = None, pad_m: float = 2.0,
                 camera_spacing_m: float = 60.0) -> FenceLayout:
    """Split an area's boundary into wall, façade and new fence, and place its gates and cameras.

    Parameters
    ----------
    boundary : Polygon
        The area (an :class:`Enclosure`'s ``boundary``).
    members : ndarray of geometry
        Member polygons; ``walled`` ones lend their walls.
    walled : ndarray of bool
        Per member.
    buildings : ndarray of geometry, optional
        Footprints near the area (façades).
    roads : RoadSet, optional
        Crossable roads near the area (gates).
    pad_m : float
        As in :func:`area_boundary`.
    camera_spacing_m : float
        One camera per this many metres of boundary (as in :func:`enclose_many`).

    Returns
    -------
    FenceLayout

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lay = fence_layout(box(-2, -2, 102, 102), np.array([box(0, 0, 100, 100)]), np.array([False]))
    >>> round(lay.new_fence.length), len(lay.vehicle_gates)
    (416, 1)
    """
    ring = shapely.get_exterior_ring(boundary)
    tol = pad_m + WALL_TOLERANCE_M
    members = np.asarray(members, dtype=object)
    walled = np.asarray(walled, dtype=bool)
    empty = shapely.LineString()
    wall_zone = (shapely.buffer(shapely.union_all(shapely.boundary(members[walled])), tol)
                 if walled.any() else None)
    wall = shapely.intersection(ring, wall_zone) if wall_zone is not None else empty
    rest = shapely.difference(ring, wall_zone) if wall_zone is not None else ring
    facade = empty
    if buildings is not None and len(buildings):
        near = np.asarray(buildings, dtype=object)[shapely.dwithin(np.asarray(buildings, dtype=object), ring, tol)]
        if len(near):
            zone = shapely.buffer(shapely.union_all(shapely.boundary(near)), tol)
            facade = shapely.intersection(rest, zone)
            rest = shapely.difference(rest, zone)
    vehicle = pedestrian = np.array([], dtype=object)
    if roads is not None and len(roads):
        for group in (VEHICLE_ROADS, PEDESTRIAN_ROADS):
            sel = np.isin(roads.classes, group) & shapely.intersects(roads.geoms, ring)
            pts = shapely.get_parts(shapely.intersection(ring, roads.geoms[sel])) if sel.any() else np.array([])
            pts = _cluster_points(shapely.centroid(pts[~shapely.is_empty(pts)]) if len(pts) else pts, GATE_MERGE_M)
            if group is VEHICLE_ROADS:
                vehicle = pts
            else:
                pedestrian = pts
    if len(vehicle) == 0:  # the main vehicle gate: where the area comes closest to a road, or its lowest point
        target = (shapely.union_all(roads.geoms) if roads is not None and len(roads) else
                  shapely.Point(shapely.bounds(boundary)[0], shapely.bounds(boundary)[1]))
        vehicle = np.array([shapely.shortest_line(ring, target).interpolate(0)], dtype=object)
    perimeter = shapely.length(ring)
    n_cams = int(np.ceil(perimeter / camera_spacing_m))
    cameras = np.asarray([ring.interpolate((k + 0.5) * perimeter / n_cams) for k in range(n_cams)], dtype=object)
    return FenceLayout(wall, facade, rest, vehicle, pedestrian, cameras)
