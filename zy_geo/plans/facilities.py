"""Facility needs of one compound or proposed area, from its six-haves gaps and its geometry.

Notice §三(二)/§四(三): gate houses (门岗), barrier gates (道闸), CCTV (监控), parking spaces and
charging on idle land or converted green belts, public lighting. Quantities come from geometry:

* fence: new fence of the enclosure (:func:`zy_geo.areas.fencing.enclose`) — always, unless walled;
* gate missing → a gate house, a barrier gate per vehicle entrance, a pedestrian gate per path;
* security missing → cameras (gates and perimeter) and lighting points along the boundary;
* parking missing → spaces that fit on the free land inside the boundary (not covered by
  buildings or their setback), capped by demand (``parking_per_household``), plus EV chargers;
* a barrier gate also serves parking management where the gate exists but parking is missing.

Unit prices are :class:`zy_geo.config.Prices` (defaults; override from a TOML price list).

Examples
--------
>>> from shapely.geometry import box
>>> from zy_geo.config import Settings
>>> needs = facility_needs([box(0, 0, 100, 60)], walled=[False], households=120,
...     haves={"gate": False, "security": False, "parking": False}, settings=Settings(),
...     buildings=[box(10, 10, 90, 22)])
>>> q = needs.items.set_index("item")["quantity"]  # boundary 104 m × 64 m; ≈4,480 m² free × 15 % ÷ 25 m²
>>> q[["fence", "gate_house", "cameras", "parking_spaces"]].tolist()
[336.0, 1.0, 8.0, 26.0]
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..areas.fencing import Enclosure, enclose
from ..config import Settings
from ..labels import ITEMS_ZH

SPACE_M2 = 25.0  # one parking space with its share of aisle
LIGHT_SPACING_M = 30.0


@dataclass
class FacilityNeeds:
    """The facility list of one plan: ``items`` (item, 名称, quantity, unit, unit price, cost, basis)."""

    items: pd.DataFrame
    enclosure: Enclosure
    free_area_m2: float

    @property
    def total_cost_yuan(self) -> float:
        """Sum of the item costs."""
        return float(self.items["cost_yuan"].sum())

    def _repr_html_(self) -> str:
        return self.items.to_html(index=False, escape=True) + \
            f"<p>合计 {html.escape(f'{self.total_cost_yuan:,.0f}')} 元</p>"


def _has(haves: Mapping[str, object], key: str) -> bool:
    v = haves.get(key)
    return bool(v) if v is not None and v is not pd.NA and not (isinstance(v, float) and np.isnan(v)) else False


def facility_needs(
    members: Sequence[shapely.Geometry] | np.ndarray,
    *,
    walled: Sequence[bool],
    households: int,
    haves: Mapping[str, object],
    settings: Settings,
    within: shapely.Geometry | None = None,
    roads: gpd.GeoDataFrame | None = None,
    buildings: Sequence[shapely.Geometry] | np.ndarray | None = None,
    setback_m: float = 6.0,
    idle_share: float = 0.15,
    parking_per_household: float = 0.3,
    ev_share: float = 0.1,
) -> FacilityNeeds:
    """What one compound or area needs to reach the six-haves, with quantities and costs.

    Parameters
    ----------
    members : sequence of geometry
        Member polygons (metric CRS).
    walled : sequence of bool
        Whether each member already has a wall.
    households : int
        Households served (parking demand).
    haves : mapping
        Current six-haves (``gate``, ``security``, ``parking`` … → bool or unknown). Unknown counts
        as missing: the plan provides for it.
    settings : Settings
        Unit prices.
    within, roads, buildings
        Enclosure, crossable roads and building footprints (see :func:`zy_geo.areas.fencing.enclose`).
    setback_m : float
        Land around buildings kept free (fire access, light): not used for parking.
    idle_share : float
        Share of the free land that is idle or convertible green belt (a planning default).
    parking_per_household : float
        Demand cap: spaces per household.
    ev_share : float
        Share of new spaces with a charger.

    Returns
    -------
    FacilityNeeds
    """
    b = np.asarray(list(buildings) if buildings is not None else [], dtype=object)
    enc = enclose(members, walled=walled, settings=settings, within=within, roads=roads,
                  buildings=b if len(b) else None)
    inside = b[shapely.intersects(b, enc.boundary)] if len(b) else b
    built = shapely.union_all(shapely.buffer(inside, setback_m)) if len(inside) else shapely.Polygon()
    free = float(shapely.area(shapely.difference(enc.boundary, built)))
    p = settings.prices
    gate, security, parking = _has(haves, "gate"), _has(haves, "security"), _has(haves, "parking")
    spaces = 0 if parking else int(min(math.floor(free * idle_share / SPACE_M2),
                                       math.ceil(parking_per_household * households)))
    rows = [
        ("fence", enc.new_fence_m, p.fence_per_m_yuan, "新建围挡 = 边界周长 − 已有围墙 − 建筑外墙"),
        ("gate_house", 0 if gate else 1, p.gate_house_yuan, "缺门岗：主出入口设门岗亭"),
        ("barrier_gates", 0 if gate and parking else enc.vehicle_gates, p.barrier_gate_yuan,
         "车行出入口数（门岗/停车管理）"),
        ("pedestrian_gates", 0 if gate else enc.pedestrian_gates, p.pedestrian_gate_yuan, "人行出入口数"),
        ("cameras", 0 if security else enc.cameras, p.camera_yuan, "出入口各2个 + 沿边界每60米1个"),
        ("lighting", 0 if security else math.ceil(enc.perimeter_m / LIGHT_SPACING_M), p.light_point_yuan,
         f"沿边界每{LIGHT_SPACING_M:g}米1盏"),
        ("parking_spaces", spaces, p.parking_space_yuan,
         f"空闲用地 {free:,.0f}㎡ × {idle_share:.0%} ÷ {SPACE_M2:g}㎡，且不超过每户{parking_per_household:g}个"),
        ("ev_chargers", math.ceil(ev_share * spaces), p.ev_charger_yuan, f"新增车位的{ev_share:.0%}"),
    ]
    items = pd.DataFrame([
        {"item": k, "名称": ITEMS_ZH[k][0], "quantity": round(float(q), 1), "unit": ITEMS_ZH[k][1],
         "unit_price_yuan": float(price), "cost_yuan": round(float(q) * float(price), 2), "basis": basis}
        for k, q, price, basis in rows
    ])
    return FacilityNeeds(items, enc, free)
