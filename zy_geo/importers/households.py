"""Households where nobody has counted them: from footprints × floors, or from land area × floor-area ratio.

Before the survey a planner still needs a household figure per compound and per scattered
building, to size management areas and price them. The estimate is transparent and marked:

- a residential building with a mapped number of dwellings (``building:flats``) keeps it
  (method ``mapped``);
- otherwise ``footprint × floors ÷ floor_area_per_household_m2`` (method ``footprint``), floors
  from ``building:levels``, else height ÷ ``storey_height_m``, else ``default_floors``;
- a compound is the sum of its residential buildings (method ``buildings``), or, with no building
  drawn in it, ``land area × floor_area_ratio ÷ floor_area_per_household_m2`` (method ``land_area``).

Every parameter is in ``[households]`` of the config (:class:`zy_geo.config.HouseholdEstimate`),
all marked as estimates. Figures carry ``households_estimated`` (True) and ``households_method``;
a ledger figure always replaces an estimate when the survey is joined (:mod:`zy_geo.ledger.join`).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> compounds = gpd.GeoDataFrame({"compound_id": ["a", "b"]},
...                              geometry=[box(0, 0, 100, 100), box(200, 0, 300, 100)], crs="EPSG:4544")
>>> buildings = gpd.GeoDataFrame({"building_id": ["x", "y"], "compound_id": ["a", "a"], "floors": [6, 3],
...                               "households": [None, 12]}, geometry=[box(10, 10, 40, 40), box(50, 50, 60, 80)],
...                              crs="EPSG:4544")
>>> c, b = estimate_households(compounds, buildings)
>>> b[["households", "households_estimated", "households_method"]].values.tolist()
[[60, True, 'footprint'], [12, False, 'given']]
>>> c[["households", "households_method"]].values.tolist()   # 10,000 m² × 1.5 ÷ 90 m² for b
[[72, 'buildings'], [167, 'land_area']]
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from ..config import HouseholdEstimate
from ..crs import assert_metric
from ..labels import HOUSEHOLD_METHODS_ZH

#: ``households_method`` values and what they mean (Chinese, for tables, maps and plans).
METHODS: dict[str, str] = HOUSEHOLD_METHODS_ZH

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_number(value: object) -> float:
    """The largest number in a tag value (``"6"``, ``"5;6"``, ``"18 m"``, ``"4-6"``), NaN when none.

    Examples
    --------
    >>> parse_number("18 m"), parse_number("5;7"), parse_number(None), parse_number("高")
    (18.0, 7.0, nan, nan)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    found = [float(v) for v in _NUMBER.findall(str(value).replace(",", "."))]
    return max(found) if found else float("nan")


def floors_from(levels: pd.Series, height: pd.Series, params: HouseholdEstimate) -> tuple[pd.Series, pd.Series]:
    """Floors from a levels figure, else height ÷ storey height, else the default; and where each came from.

    Examples
    --------
    >>> f, src = floors_from(pd.Series([6, None, None]), pd.Series([None, 31.0, None]), HouseholdEstimate())
    >>> f.tolist(), src.tolist()
    ([6, 10, 6], ['levels', 'height', 'default'])
    """
    lv = pd.to_numeric(levels, errors="coerce")
    ht = pd.to_numeric(height, errors="coerce")
    lv = lv.where(lv >= 1)
    by_height = (ht / params.storey_height_m).round().where(ht > 0)
    floors = lv.round().fillna(by_height.clip(lower=1)).fillna(params.default_floors)
    source = np.where(lv.notna(), "levels", np.where(by_height.notna(), "height", "default"))
    return floors.astype(int), pd.Series(source, index=levels.index)


def estimate_households(compounds: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None = None,
                        params: HouseholdEstimate | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Fill missing household figures of residential buildings and compounds with marked estimates.

    Parameters
    ----------
    compounds : GeoDataFrame
        Metric CRS, ``compound_id``; ``households`` where counted (kept, method ``given``).
    buildings : GeoDataFrame, optional
        Residential buildings, metric CRS, ``compound_id`` (None/NaN: scattered), ``floors``
        (levels; else ``height_m``, else the default), ``households`` where counted,
        ``flats`` (a mapped number of dwellings).
    params : HouseholdEstimate, optional
        ``[households]`` of the config (defaults: 90 m² a household, 3 m a storey, 6 floors,
        floor-area ratio 1.5, footprints under 20 m² hold nobody).

    Returns
    -------
    (GeoDataFrame, GeoDataFrame or None)
        Copies with ``households`` (Int64), ``households_estimated`` (bool), ``households_method``
        (:data:`METHODS`) and ``floor_area_m2``; buildings also ``floors`` and ``floors_source``.
    """
    p = params or HouseholdEstimate()
    assert_metric(compounds, what="compounds")
    comp = compounds.copy()
    bld = None
    per_compound = pd.Series(dtype=float)
    area_by_compound = pd.Series(dtype=float)
    if buildings is not None:
        assert_metric(buildings, what="buildings")
        bld = buildings.copy()
        floors, source = floors_from(bld["floors"] if "floors" in bld else pd.Series(np.nan, index=bld.index),
                                     bld["height_m"] if "height_m" in bld else pd.Series(np.nan, index=bld.index), p)
        bld["floors"] = floors
        bld["floors_source"] = source
        footprint = bld.geometry.area
        bld["floor_area_m2"] = (footprint * floors).round(1)
        given = pd.to_numeric(bld["households"], errors="coerce") if "households" in bld else \
            pd.Series(np.nan, index=bld.index)
        flats = pd.to_numeric(bld["flats"], errors="coerce") if "flats" in bld else pd.Series(np.nan, index=bld.index)
        estimate = np.where(footprint < p.min_footprint_m2, 0,
                            np.maximum(1, np.round(footprint * floors / p.floor_area_per_household_m2)))
        hh = given.fillna(flats.where(flats >= 0)).fillna(pd.Series(estimate, index=bld.index))
        bld["households"] = hh.round().astype("Int64")
        bld["households_method"] = np.where(given.notna(), "given", np.where(flats.notna() & (flats >= 0), "mapped",
                                                                              "footprint"))
        bld["households_estimated"] = given.isna().to_numpy()
        key = bld["compound_id"] if "compound_id" in bld else pd.Series(None, index=bld.index)
        inside = key.notna()
        per_compound = bld.loc[inside, "households"].astype(float).groupby(key[inside].astype(str)).sum()
        area_by_compound = bld.loc[inside, "floor_area_m2"].groupby(key[inside].astype(str)).sum()
    ids = comp["compound_id"].astype(str)
    given_c = pd.to_numeric(comp["households"], errors="coerce") if "households" in comp else \
        pd.Series(np.nan, index=comp.index)
    from_buildings = ids.map(per_compound)
    land = comp.geometry.area * p.floor_area_ratio
    from_land = np.round(land / p.floor_area_per_household_m2).clip(lower=1)
    hh_c = given_c.fillna(from_buildings.where(from_buildings > 0)).fillna(from_land)
    comp["households"] = hh_c.round().astype("Int64")
    comp["households_estimated"] = given_c.isna().to_numpy()
    comp["households_method"] = np.where(given_c.notna(), "given",
                                         np.where(from_buildings.fillna(0) > 0, "buildings", "land_area"))
    if "floor_area_m2" not in comp or comp["floor_area_m2"].isna().all():
        comp["floor_area_m2"] = ids.map(area_by_compound).where(lambda s: s > 0).fillna(land.round(1)).round(1)
    return comp, bld


__all__ = ["METHODS", "estimate_households", "floors_from", "parse_number"]
