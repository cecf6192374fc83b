"""Tiny cities for the proposal tests: boxes of open compounds on one street, whose answers can be said in a sentence.

Coordinates are metres in EPSG:4544 (the tests place them near the origin; the solver needs no real place).
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

CRS = "EPSG:4544"
ID = "512002001-000"  # unit ids as the sample writes them: 512002001-0001 …


def u(i: int) -> str:
    """The id of the ``i``-th compound (from 1)."""
    return f"{ID}{i}"


def compounds(boxes, hh, **extra) -> gpd.GeoDataFrame:
    """Open, unmanaged, unwalled compounds ``u(1)``, ``u(2)`` … on the boxes, with ``hh`` households each."""
    n = len(boxes)
    return gpd.GeoDataFrame(
        {"compound_id": [u(i + 1) for i in range(n)], "households": hh, "mode": ["none"] * n,
         "kind": ["open"] * n, "walled": [False] * n, **extra},
        geometry=[box(*b) for b in boxes], crs=CRS)


def street(*bounds) -> gpd.GeoDataFrame:
    """One street, 莲花街道, over ``bounds`` (default: a 2 km × 1 km box around the compounds)."""
    return gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                            geometry=[box(*(bounds or (-500, -500, 1500, 500)))], crs=CRS)


def river(x0: float, x1: float) -> gpd.GeoDataFrame:
    """The 沱江 running north–south between ``x0`` and ``x1``."""
    return gpd.GeoDataFrame({"name": ["沱江"]}, geometry=[box(x0, -600, x1, 600)], crs=CRS)


def outcomes(r) -> dict[str, str]:
    """Unit id → its outcome in proposal ``r``."""
    return dict(zip(r.members["unit_id"], r.members["outcome"], strict=True))


def area_of(r) -> dict[str, str]:
    """Unit id → the area it is in (empty when not in one)."""
    return dict(zip(r.members["unit_id"], r.members["area_id"], strict=True))


def check_one_outcome_each(r, city: gpd.GeoDataFrame) -> None:
    """Every unmanaged compound has exactly one outcome, every area unit is in one area, households add up."""
    m = r.members
    assert sorted(m["unit_id"]) == sorted(city.loc[city["mode"] == "none", "compound_id"])
    assert m["unit_id"].is_unique
    assert m["outcome"].isin(["area", "absorbed", "remainder", "excluded"]).all()
    in_areas = [unit for ids in r.areas["unit_ids"] for unit in ids]
    assert len(in_areas) == len(set(in_areas))
    assert set(in_areas) == set(m.loc[m["outcome"] == "area", "unit_id"])
    assert r.areas["area_id"].is_unique
    total = r.summary().iloc[-1]
    assert total["households"] == total["households_in_areas"] + total["households_absorbed"] + \
        total["households_remaining"] + total["households_excluded"] == m["households"].sum()
