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
        self.buildings = (buildings.geometry.values if buildings is not None and len(buildings)
                          else np.array([], dtype=object))
        self._b_tree = shapely.STRtree(self.buildings) if len(self.buildings) else None
        if roads is not None and len(roads) and "road_class" in roads.columns:
            roads = roads[roads["road_class"].isin(set(crossable))]
        self.roads = roads if roads is not None and len(roads) else None
        self._r_tree = shapely.STRtree(self.roads.geometry.values) if self.roads is not None else None

    def near(self, members: Sequence[shapely.Geometry] | np.ndarray, *, margin_m: float = 10.0
             ) -> tuple[np.ndarray, gpd.GeoDataFrame | None]:
        """Buildings and crossable roads within ``margin_m`` of the members' convex hull.

        The hull covers any boundary :func:`area_boundary` draws (its pad is smaller than the margin).
        """
        env = shapely.buffer(shapely.convex_hull(shapely.union_all(np.asarray(members, dtype=object))), margin_m)
        b = self.buildings[self._b_tree.query(env, predicate="intersects")] if self._b_tree is not None \
            else self.buildings
        r = self.roads.iloc[self._r_tree.query(env, predicate="intersects")] if self._r_tree is not None else None
        return b, r


def _length_near(line: shapely.Geometry, targets: np.ndarray, tolerance_m: float) -> float:
    if len(targets) == 0:
        return 0.0
    zone = shapely.union_all(shapely.buffer(targets, tolerance_m))
    return float(shapely.length(shapely.intersection(line, zone)))


def count_gates(boundary: shapely.Geometry, roads: gpd.GeoDataFrame | None) -> tuple[int, int]:
    """Vehicle and pedestrian gates: where crossable roads cut the boundary.

    Crossings closer than :data:`GATE_MERGE_M` count once. Returns ``(vehicle, pedestrian)``.
    """
    if roads is None or len(roads) == 0:
        return 0, 0
    ring = shapely.get_exterior_ring(boundary)
    vehicle = pedestrian = 0
    cls = roads["road_class"].to_numpy() if "road_class" in roads.columns else np.full(len(roads), "local")
    hits = shapely.STRtree(roads.geometry.values).query(ring, predicate="intersects")
    for group, names in ((VEHICLE_ROADS, "v"), (PEDESTRIAN_ROADS, "p")):
        idx = hits[np.isin(cls[hits], group)]
        if len(idx) == 0:
            continue
        pts = shapely.get_parts(shapely.intersection(ring, shapely.union_all(roads.geometry.values[idx])))
        pts = pts[~shapely.is_empty(pts)]
        if len(pts) == 0:
            continue
        pts = shapely.centroid(pts)  # overlapping stretches count as one crossing each
        merged = shapely.get_parts(shapely.union_all(shapely.buffer(pts, GATE_MERGE_M / 2)))
        if names == "v":
            vehicle = len(merged)
        else:
            pedestrian = len(merged)
    return vehicle, pedestrian


def enclose(
    members: Sequence[shapely.Geometry] | np.ndarray,
    *,
    walled: Sequence[bool],
    settings: Settings,
    within: shapely.Geometry | None = None,
    roads: gpd.GeoDataFrame | None = None,
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
    roads : GeoDataFrame, optional
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
    walled_geoms = geoms[np.asarray(walled, dtype=bool)]
    wall = _length_near(ring, shapely.boundary(walled_geoms), tol) if len(walled_geoms) else 0.0
    facade = 0.0
    if buildings is not None and len(buildings):
        near = buildings[shapely.dwithin(buildings, ring, tol)]
        rest = shapely.difference(ring, shapely.union_all(shapely.buffer(shapely.boundary(walled_geoms), tol))
                                  ) if len(walled_geoms) else ring
        facade = _length_near(rest, shapely.boundary(near), tol)
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
