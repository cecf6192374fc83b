"""Candidate units for management areas: unmanaged compounds, and orphan buildings grouped.

Notice §四(一): open-type compounds (开放式小区), scattered residential buildings (零星住宅) and
small residential areas (小规模住宅区) that lie near each other are combined into one compound.
A *unit* is the smallest thing the proposer moves: one unmanaged compound polygon, or a group of
residential buildings that lie in no compound polygon at all (grouped by proximity first).
Managed compounds are *anchors*: fixed, but they may absorb a small neighbour (扩围).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> compounds = gpd.GeoDataFrame(
...     {"compound_id": ["a", "b"], "kind": ["open", "enclosed"], "mode": ["none", "professional"],
...      "households": [40, 300], "walled": [False, True], "street": ["甲街道", "甲街道"]},
...     geometry=[box(0, 0, 50, 50), box(100, 0, 200, 100)], crs="EPSG:4544")
>>> buildings = gpd.GeoDataFrame(
...     {"building_id": ["x", "y"], "compound_id": [None, None], "households": [12, 8]},
...     geometry=[box(0, 80, 10, 100), box(15, 80, 25, 100)], crs="EPSG:4544")
>>> u = build_units(compounds, buildings, orphan_gap_m=10)
>>> u[["unit_id", "source", "households", "role"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
[{'unit_id': 'a', 'source': 'compound', 'households': 40, 'role': 'unit'},
 {'unit_id': 'b', 'source': 'compound', 'households': 300, 'role': 'anchor'},
 {'unit_id': 'B:x', 'source': 'buildings', 'households': 20, 'role': 'unit'}]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import InputError


def _is_managed(compounds: pd.DataFrame) -> pd.Series:
    if "mode" in compounds.columns:
        mode = compounds["mode"].astype("string").fillna("none")
        return mode.ne("none")
    if "managed" in compounds.columns:
        return compounds["managed"].astype("boolean").fillna(False).astype(bool)
    msg = "compounds need a `mode` (professional/community_center/self_managed/none) or `managed` column."
    raise InputError(msg)


def group_orphan_buildings(buildings: gpd.GeoDataFrame, *, gap_m: float) -> np.ndarray:
    """Label residential buildings so that buildings within ``gap_m`` of each other share a label.

    Returns
    -------
    numpy.ndarray
        Integer group label per building, numbered in order of each group's first building.
    """
    geoms = buildings.geometry.to_numpy()
    n = len(geoms)
    if n == 0:
        return np.zeros(0, dtype=int)
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=gap_m)
    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # renumber by first appearance so labels follow input order (deterministic)
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    return remap[labels]


def build_units(
    compounds: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None = None,
    *,
    orphan_gap_m: float = 25.0,
) -> gpd.GeoDataFrame:
    """Turn compounds and orphan buildings into units (to group) and anchors (managed, fixed).

    Parameters
    ----------
    compounds : GeoDataFrame
        Compound polygons (metric CRS) with ``compound_id``, ``households`` and ``mode`` (or
        ``managed``); ``walled``, ``kind``, ``street`` are used when present.
    buildings : GeoDataFrame, optional
        Residential building footprints with ``households``; those whose ``compound_id`` is
        empty and that lie in no compound polygon become units, grouped by proximity.
    orphan_gap_m : float
        Orphan buildings closer than this form one unit.

    Returns
    -------
    GeoDataFrame
        ``unit_id`` (the compound id, or ``"B:<first building id>"``), ``source``
        (compound/buildings), ``role`` (unit/anchor), ``kind``, ``households``, ``walled``,
        ``member_ids`` (compound id or the building ids), ``street`` when known, geometry.
    """
    need = {"compound_id", "households"} - set(compounds.columns)
    if need:
        msg = f"compounds lack column(s) {sorted(need)}; join the survey ledger or add them."
        raise InputError(msg)
    managed = _is_managed(compounds)
    walled = (compounds["walled"].astype("boolean").fillna(False).astype(bool)
              if "walled" in compounds.columns else pd.Series(False, index=compounds.index))
    hh = pd.to_numeric(compounds["households"], errors="coerce").fillna(0).astype(int)
    comp = pd.DataFrame({
        "unit_id": compounds["compound_id"].astype(str).to_numpy(),
        "source": "compound",
        "role": np.where(managed, "anchor", "unit"),
        "kind": compounds["kind"].astype(str).to_numpy() if "kind" in compounds.columns else "open",
        "households": hh.to_numpy(),
        "walled": walled.to_numpy(),
        "member_ids": compounds["compound_id"].astype(str).map(lambda s: [s]).to_numpy(),
        "street": compounds["street"].astype(str).to_numpy() if "street" in compounds.columns else None,
    })
    frames = [gpd.GeoDataFrame(comp, geometry=compounds.geometry.to_numpy(), crs=compounds.crs)]

    if buildings is not None and len(buildings):
        if buildings.crs != compounds.crs:
            msg = (f"buildings are in {buildings.crs} but compounds in {compounds.crs}; "
                   "use buildings.to_crs(compounds.crs).")
            raise InputError(msg)
        cid = (buildings["compound_id"] if "compound_id" in buildings.columns
               else pd.Series(pd.NA, index=buildings.index))
        no_id = cid.isna() | cid.astype("string").str.strip().eq("")
        cand = buildings[no_id.to_numpy()]
        if len(cand):
            inside = shapely.STRtree(compounds.geometry.to_numpy()).query(
                shapely.point_on_surface(cand.geometry.to_numpy()), predicate="within")[0]
            orphan = cand.drop(cand.index[np.unique(inside)])
            if len(orphan):
                labels = group_orphan_buildings(orphan, gap_m=orphan_gap_m)
                bid = (orphan["building_id"].astype(str) if "building_id" in orphan.columns
                       else pd.Series(orphan.index.astype(str), index=orphan.index))
                ohh = pd.to_numeric(orphan.get("households", 0), errors="coerce").fillna(0).astype(int)
                g = pd.DataFrame({"label": labels, "bid": bid.to_numpy(), "hh": ohh.to_numpy()})
                grouped = g.groupby("label", sort=True)
                geoms = [shapely.union_all(orphan.geometry.to_numpy()[idx]) for idx in grouped.indices.values()]
                units = pd.DataFrame({
                    "unit_id": ["B:" + ids[0] for ids in grouped["bid"].agg(list)],
                    "source": "buildings",
                    "role": "unit",
                    "kind": "scattered",
                    "households": grouped["hh"].sum().to_numpy(),
                    "walled": False,
                    "member_ids": grouped["bid"].agg(list).to_numpy(),
                    "street": None,
                })
                frames.append(gpd.GeoDataFrame(units, geometry=geoms, crs=compounds.crs))
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=compounds.crs)
