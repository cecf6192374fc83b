"""What it takes to enclose a group of units: boundary, new fence, gates, cameras and cost.

The boundary is a tight (concave) hull around the members, clipped to their enclosure so it
never crosses a barrier. New fence is the part of that boundary not already formed by a member's
existing wall (``walled`` compounds) or by a building façade. Gates go where crossable roads and
paths cut the boundary (at least one: the main gate); cameras cover every gate and the perimeter.
Unit prices come from :class:`zy_geo.settings.Prices` (defaults, marked as such: override them).

Examples
--------
A 100 m × 50 m open compound with a local road entering from the south; the fence stands
2 m outside it (104 m × 54 m = 316 m), one barrier gate, 2 gate cameras + 6 along the fence:

>>> import geopandas as gpd
>>> from shapely.geometry import LineString, box
>>> from zy_geo.settings import Settings
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

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from .settings import Settings

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
    union = shapely.union_all(geoms)
    if len(geoms) == 1 and shapely.get_type_id(union) == 3:
        hull = union
    else:
        hull = shapely.concave_hull(union, ratio=hull_ratio)
        hull = shapely.union_all([hull, union])
        if shapely.get_type_id(hull) != 3:  # members not reached by the hull: fall back to convex
            hull = shapely.convex_hull(union)
    out = shapely.buffer(hull, pad_m, join_style="mitre")
    if within is not None:
        clipped = shapely.intersection(out, within)
        parts = shapely.get_parts(clipped)
        parts = parts[shapely.get_type_id(parts) == 3]
        if len(parts):
            clipped = parts[np.argmax(shapely.area(parts))] if len(parts) > 1 else parts[0]
            # keep members whole even when a sliver of a member pokes out of the enclosure
            out = shapely.union_all([clipped, union]) if not shapely.covers(clipped, union) else clipped
    out = shapely.make_valid(out)
    if shapely.get_type_id(out) != 3:
        parts = shapely.get_parts(out)
        parts = parts[shapely.get_type_id(parts) == 3]
        out = parts[np.argmax(shapely.area(parts))] if len(parts) else shapely.convex_hull(union)
    return shapely.Polygon(shapely.get_exterior_ring(out))


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
        self.buildings = (np.asarray(buildings.geometry.values, dtype=object)
                          if buildings is not None and len(buildings) else np.array([], dtype=object))
        self._b_tree = shapely.STRtree(self.buildings) if len(self.buildings) else None
        if roads is not None and len(roads) and "road_class" in roads.columns:
            roads = roads[roads["road_class"].isin(set(crossable))]
        self.roads = RoadSet.of(roads)
        self._r_tree = shapely.STRtree(self.roads.geoms) if self.roads is not None else None

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
        return b, RoadSet(self.roads.geoms[hit], self.roads.classes[hit])


def _length_near(line: shapely.Geometry, zone: shapely.Geometry | None) -> float:
    if zone is None:
        return 0.0
    return float(shapely.length(shapely.intersection(line, zone)))


def _zone(targets: np.ndarray, tolerance_m: float) -> shapely.Geometry | None:
    """The band within ``tolerance_m`` of the target lines (``None`` when there are none)."""
    if len(targets) == 0:
        return None
    return shapely.union_all(shapely.buffer(targets, tolerance_m))


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
    ring = shapely.get_exterior_ring(boundary)
    shapely.prepare(ring)
    hit = shapely.intersects(ring, roads.geoms)
    out = []
    for group in (VEHICLE_ROADS, PEDESTRIAN_ROADS):
        idx = hit & np.isin(roads.classes, group)
        if not idx.any():
            out.append(0)
            continue
        pts = shapely.get_parts(shapely.intersection(ring, roads.geoms[idx]))
        pts = pts[~shapely.is_empty(pts)]
        # overlapping stretches count as one crossing each; crossings closer than GATE_MERGE_M as one
        out.append(_crossings(shapely.get_coordinates(shapely.centroid(pts)), GATE_MERGE_M))
    return out[0], out[1]


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
    boundary = area_boundary(geoms, within=within, hull_ratio=hull_ratio, pad_m=pad_m)
    ring = shapely.get_exterior_ring(boundary)
    perimeter = float(shapely.length(ring))
    tol = pad_m + WALL_TOLERANCE_M
    walls = _zone(shapely.boundary(geoms[np.asarray(walled, dtype=bool)]), tol)
    wall = _length_near(ring, walls)
    facade = 0.0
    if buildings is not None and len(buildings):
        near = buildings[shapely.dwithin(buildings, ring, tol)]
        if len(near):
            rest = shapely.difference(ring, walls) if walls is not None else ring
            facade = _length_near(rest, _zone(shapely.boundary(near), tol))
    new_fence = max(perimeter - wall - facade, 0.0)
    vehicle, pedestrian = count_gates(boundary, roads)
    if vehicle + pedestrian == 0:
        vehicle = 1  # the main gate, where the area meets its access road
    cameras = cameras_per_gate * (vehicle + pedestrian) + math.ceil(perimeter / camera_spacing_m)
    p = settings.prices
    items = {
        "fence": round(new_fence * p.fence_per_m_yuan, 2),
        "gate_house": p.gate_house_yuan,
        "barrier_gates": vehicle * p.barrier_gate_yuan,
        "pedestrian_gates": pedestrian * p.pedestrian_gate_yuan,
        "cameras": cameras * p.camera_yuan,
    }
    return Enclosure(boundary, perimeter, wall, facade, new_fence, vehicle, pedestrian, cameras,
                     float(round(sum(items.values()), 2)), items)
