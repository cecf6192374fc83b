"""Who pays the six-haves facility subsidy (notice §五(二)), and how much.

* The subsidy per compound is ``min(eligible facility cost, 50,000 yuan)``
  (:attr:`Settings.subsidy_cap_yuan`); the rest of the cost is left to other sources.
* It is paid by the responsible body's finance (雁江区 / 高新区管委会 / 临空经济区管委会), **except
  inside Yanjiang's Tuoxi (沱西) central urban area, west of the Tuo River, where the city and the
  district pay 50 % each** (:attr:`Settings.tuoxi_city_share`).
* Which rule applies is a spatial test against the Tuoxi polygon. A compound that straddles its
  edge is resolved by the share of its area inside (≥ 50 % → Tuoxi) and flagged.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> tuoxi = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs="EPSG:4544")
>>> items = gpd.GeoDataFrame({"body": ["雁江区", "雁江区", "高新区"], "cost_yuan": [80000.0, 30000.0, 40000.0]},
...     geometry=[box(10, 10, 50, 50), box(200, 0, 240, 40), box(10, 60, 50, 90)], crs="EPSG:4544")
>>> f = funding_split(items, tuoxi=tuoxi)
>>> f[["subsidy_yuan", "city_yuan", "body_yuan", "rule"]].values.tolist()
[[50000.0, 25000.0, 25000.0, 'tuoxi_50_50'], [30000.0, 0.0, 30000.0, 'body'], [40000.0, 0.0, 40000.0, 'body']]
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import Settings
from ..crs import assert_metric
from ..errors import InputError
from ..labels import PAYER_ZH

#: The responsible body whose Tuoxi area is co-funded by the city (notice §五(二)); ``Settings.cofund_body``.
TUOXI_BODY = "雁江区"


def tuoxi_share(items: gpd.GeoDataFrame, tuoxi: gpd.GeoDataFrame) -> pd.Series:
    """Share (0–1) of each polygon's area inside the Tuoxi area; points count 1 or 0."""
    assert_metric(items, what="items")
    assert_metric(tuoxi, what="tuoxi")
    if not items.crs.equals(tuoxi.crs):
        msg = f"items are in {items.crs} but tuoxi in {tuoxi.crs}; use tuoxi.to_crs(items.crs)."
        raise InputError(msg)
    area = shapely.union_all(tuoxi.geometry.values)
    geoms = items.geometry.values
    a = shapely.area(geoms)
    inside = shapely.area(shapely.intersection(geoms, area))
    point_in = shapely.within(shapely.point_on_surface(geoms), area).astype(float)
    share = np.where(a > 0, inside / np.where(a > 0, a, 1.0), point_in)
    return pd.Series(np.clip(share, 0.0, 1.0), index=items.index, name="tuoxi_share")


def funding_split(
    items: gpd.GeoDataFrame,
    *,
    tuoxi: gpd.GeoDataFrame | None,
    settings: Settings | None = None,
    cost_column: str = "cost_yuan",
    straddle_tolerance: float = 0.01,
) -> pd.DataFrame:
    """Subsidy, who pays it, and what is left, per compound or proposed area.

    Parameters
    ----------
    items : GeoDataFrame
        Compounds or proposed areas (metric CRS) with ``body`` and the eligible facility cost.
    tuoxi : GeoDataFrame or None
        The co-funded area (Ziyang: the Tuoxi central urban area, layer ``tuoxi`` of a city
        GeoPackage; ``Settings.cofund_layer``). None (a city without one): the body pays everything.
    settings : Settings, optional
        Cap, city share and the co-funded body (``cofund_body``; defaults from the notice).
    cost_column : str
        Column holding the eligible cost in yuan.
    straddle_tolerance : float
        Shares within this of 0 or 1 are not reported as straddling (drawing noise).

    Returns
    -------
    DataFrame
        Aligned to ``items``: ``cost_yuan``, ``subsidy_yuan``, ``remaining_yuan``, ``tuoxi_share``,
        ``straddles``, ``rule`` (body / tuoxi_50_50), ``city_yuan``, ``body_yuan``, ``payer``.
    """
    settings = settings or Settings()
    missing = {"body", cost_column} - set(items.columns)
    if missing:
        msg = f"funding needs column(s) {sorted(missing)}; price the facilities first (zy_geo.areas.fencing)."
        raise InputError(msg)
    cost = pd.to_numeric(items[cost_column], errors="coerce")
    if cost.isna().any() or (cost < 0).any():
        bad = list(items.index[cost.isna() | (cost < 0)][:5])
        msg = f"{cost_column} must be a cost ≥ 0 yuan; rows {bad} are not."
        raise InputError(msg)
    if tuoxi is None or not len(tuoxi):
        share = pd.Series(0.0, index=items.index, name="tuoxi_share")
    else:
        share = tuoxi_share(items, tuoxi)
    in_tuoxi = (share >= 0.5) & (items["body"].eq(settings.cofund_body) if settings.cofund_body else True)
    subsidy = np.minimum(cost, settings.subsidy_cap_yuan)
    city = np.where(in_tuoxi, subsidy * settings.tuoxi_city_share, 0.0)
    return pd.DataFrame({
        "body": items["body"],
        "cost_yuan": cost.astype(float),
        "subsidy_yuan": subsidy.astype(float),
        "remaining_yuan": (cost - subsidy).astype(float),
        "tuoxi_share": share.round(4),
        "straddles": share.between(straddle_tolerance, 1 - straddle_tolerance, inclusive="neither"),
        "rule": np.where(in_tuoxi, "tuoxi_50_50", "body"),
        "city_yuan": city.astype(float),
        "body_yuan": (subsidy - city).astype(float),
        "payer": items["body"].map(PAYER_ZH).fillna(items["body"].astype(str) + "财政"),
    }, index=items.index)


def funding_totals(split: pd.DataFrame, *, by: Sequence[str] = ("body",)) -> pd.DataFrame:
    """Sums of cost, subsidy, city and body shares per group, with a 合计 row that equals the sum."""
    by = list(by)
    cols = ["cost_yuan", "subsidy_yuan", "city_yuan", "body_yuan", "remaining_yuan"]
    g = split.groupby(by, sort=True)[cols].sum().reset_index()
    g.insert(len(by), "items", split.groupby(by, sort=True).size().to_numpy())
    total = {**dict.fromkeys(by, "合计"), "items": len(split), **split[cols].sum().to_dict()}
    return pd.concat([g, pd.DataFrame([total])], ignore_index=True)
