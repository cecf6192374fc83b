"""The grouping pass behind :func:`zy_geo.areas.propose.propose_areas` (private)."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..config import ProposalParams, Settings
from ..labels import ABSORB_HOW_ZH, REASONS_ZH
from ._exact import EXACT_LIMIT, partition_exactly
from .decisions import BARRIER_ZH, Binding
from .edits import Lock
from .fencing import Enclosure, Surroundings, enclose_many, enclose_outlines

_LIMITS = ("max_households", "max_extent", "cost_cap")


class _GroupPricer:
    """Exact enclosure of groups of units, one vectorised :func:`zy_geo.areas.fencing.enclose_many` pass per call.

    Each group is clipped to the enclosure of its first unit, with that unit's street's hull ratio; a group
    whose first unit is ``unclipped`` (a together group allowed across a barrier) is not clipped.
    """

    def __init__(self, geoms: np.ndarray, walled: np.ndarray, enc_of: np.ndarray, enc_geom: dict,
                 p_of: list[ProposalParams], around: Surroundings, settings: Settings,
                 unclipped: np.ndarray | None = None):
        self.geoms, self.walled, self.enc_of, self.enc_geom = geoms, walled, enc_of, enc_geom
        self.p_of, self.around, self.settings = p_of, around, settings
        self.unclipped = unclipped if unclipped is not None else np.zeros(len(geoms), dtype=bool)

    def __call__(self, groups: list[np.ndarray]) -> list:
        """Groups given as unit positions."""
        return self.enclose([self.geoms[g] for g in groups], [self.walled[g] for g in groups], [g[0] for g in groups])

    def enclose(self, geom_groups: list[np.ndarray], walled_groups: list[np.ndarray], units: list[int]) -> list:
        """Groups given as geometries and walls (a managed neighbour may be among them).

        ``units``: a unit of each group, whose enclosure and street limits apply.
        """
        if not geom_groups:
            return []
        of = np.repeat(np.arange(len(geom_groups)), [len(g) for g in geom_groups])
        within = np.array([self.enc_geom.get(self.enc_of[u]) if self.enc_of[u] and not self.unclipped[u] else None
                           for u in units], dtype=object)
        return enclose_many(np.concatenate(geom_groups), of, walled=np.concatenate(walled_groups),
                            settings=self.settings, within=within, around=self.around,
                            hull_ratio=np.array([self.p_of[u].hull_ratio for u in units]))


def _absorption_fence(
    absorbed_by: dict[int, str], members_of: dict[int, np.ndarray], anchors: gpd.GeoDataFrame, price: _GroupPricer,
) -> dict[int, tuple[float, str]]:
    """New fence to bring each absorbed group in, and how: the cheaper way.

    Either the managed neighbour's fence moves out around the group (``extend``: the enlarged outline
    less the neighbour's own) or the group keeps an enclosure of its own (``own``); both are priced
    like the areas, in one vectorised pass.
    """
    if not absorbed_by:
        return {}
    roots = sorted(absorbed_by)
    a_row = dict(zip(anchors["unit_id"].astype(str), range(len(anchors)), strict=True))
    a_geoms = anchors.geometry.to_numpy()
    a_walled = anchors["walled"].to_numpy(dtype=bool)
    g_list, w_list = [], []
    for r in roots:
        a, m = a_row[absorbed_by[r]], members_of[r]
        # three groups per absorption: anchor + group, the anchor alone, the group alone
        g_list += [np.concatenate([a_geoms[a:a + 1], price.geoms[m]]), a_geoms[a:a + 1], price.geoms[m]]
        w_list += [np.concatenate([a_walled[a:a + 1], price.walled[m]]), a_walled[a:a + 1], price.walled[m]]
    priced = price.enclose(g_list, w_list, [r for r in roots for _ in range(3)])
    out = {}
    for k, r in enumerate(roots):
        grown, anchor, own = priced[3 * k:3 * k + 3]
        extend = max(grown.new_fence_m - anchor.new_fence_m, 0.0)
        out[r] = (extend, "extend") if extend <= own.new_fence_m else (own.new_fence_m, "own")
    return out


class _Clusters:
    """Union-find over units with the running totals the merge checks need."""

    def __init__(self, hh: np.ndarray, bounds: np.ndarray, hulls: list[np.ndarray], walled_m: np.ndarray):
        self.parent = np.arange(len(hh))
        self.hh = hh.astype(np.int64).copy()
        self.bounds = bounds.astype(float).copy()
        self.hulls: list[Any] = hulls  # hull points per root; None once a root is settled by the exact partition
        self.walled_m = walled_m.astype(float).copy()
        self.refused: dict[int, set[str]] = {}
        self.apart: dict[int, set[int]] = {}  # root → units its members may never share an area with

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int, pts: np.ndarray | None) -> int:
        keep, drop = (a, b) if a < b else (b, a)
        self.parent[drop] = keep
        self.hh[keep] += self.hh[drop]
        self.bounds[keep, :2] = np.minimum(self.bounds[keep, :2], self.bounds[drop, :2])
        self.bounds[keep, 2:] = np.maximum(self.bounds[keep, 2:], self.bounds[drop, 2:])
        self.walled_m[keep] += self.walled_m[drop]
        self.hulls[keep] = pts
        self.refused[keep] = self.refused.get(keep, set()) | self.refused.pop(drop, set())
        if drop in self.apart:
            self.apart[keep] = self.apart.get(keep, set()) | self.apart.pop(drop)
        return keep

    def kept_apart(self, a: int, b: int) -> bool:
        """Whether roots ``a`` and ``b`` hold the two units of an apart decision."""
        return any(self.find(v) == b for v in self.apart.get(a, ()))

    def refuse(self, a: int, b: int, reason: str) -> None:
        self.refused.setdefault(a, set()).add(reason)
        self.refused.setdefault(b, set()).add(reason)


def _hull(pts: np.ndarray) -> tuple[np.ndarray, float]:
    hull = shapely.convex_hull(shapely.multipoints(pts))
    return shapely.get_coordinates(hull), float(shapely.length(hull))


def _fence_estimate(perimeter_m: float, walled_m: float) -> float:
    """New fence of a group while merging: its hull perimeter less (about half) its members' walls."""
    return max(perimeter_m - 0.5 * walled_m, 0.0)


def _estimate_cost(perimeter_m: float, walled_m: float, settings: Settings) -> float:
    """Quick cost estimate while merging (the reported cost is computed exactly afterwards)."""
    p = settings.prices
    fence = _fence_estimate(perimeter_m, walled_m)
    cameras = 2 + math.ceil(perimeter_m / 60.0)
    return fence * p.fence_per_m_yuan + p.gate_house_yuan + p.barrier_gate_yuan + cameras * p.camera_yuan


def _edges(units: gpd.GeoDataFrame, gap_m: np.ndarray) -> pd.DataFrame:
    """Candidate pairs: within the larger of the two units' gaps, in the same enclosure."""
    geoms = units.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=float(gap_m.max(initial=0)))
    keep = i < j
    i, j = i[keep], j[keep]
    enc = units["enclosure_id"].to_numpy()
    same = (enc[i] == enc[j]) & (enc[i] != "")
    d = shapely.distance(geoms[i], geoms[j])
    ok = same & (d <= np.minimum(gap_m[i], gap_m[j]))
    uid = units["unit_id"].to_numpy()
    e = pd.DataFrame({"i": i[ok], "j": j[ok], "d": np.round(d[ok], 6), "ui": uid[i[ok]], "uj": uid[j[ok]]})
    return e.sort_values(["d", "ui", "uj"], kind="mergesort").reset_index(drop=True)


class _Neighbours:
    """Nearest other unit within each unit's gap: in its own enclosure, and across a barrier.

    Computed for all units at once (one tree query), used for the explanations.
    """

    def __init__(self, geoms: np.ndarray, enc: np.ndarray, uid: np.ndarray, gap_m: np.ndarray):
        n = len(geoms)
        self.same: list[tuple[str, float] | None] = [None] * n
        self.other: list[tuple[str, float] | None] = [None] * n
        if n == 0:
            return
        i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=float(gap_m.max()))
        keep = i != j
        i, j = i[keep], j[keep]
        d = shapely.distance(geoms[i], geoms[j])
        ok = d <= gap_m[i]
        df = pd.DataFrame({"i": i[ok], "d": d[ok], "uj": uid[j[ok]].astype(str), "same": enc[i[ok]] == enc[j[ok]]})
        df = df.sort_values(["i", "d", "uj"], kind="mergesort")
        for flag, out in ((True, self.same), (False, self.other)):
            first = df[df["same"] == flag].drop_duplicates("i")
            for a, u, dist in zip(first["i"].tolist(), first["uj"].tolist(), first["d"].tolist(), strict=True):
                out[a] = (u, float(dist))
        self.has_other = np.array([o is not None for o in self.other], dtype=bool)


def solve(
    units: gpd.GeoDataFrame,
    encl: gpd.GeoDataFrame,
    *,
    params: ProposalParams,
    street_params: dict[str, ProposalParams],
    settings: Settings,
    roads: gpd.GeoDataFrame | None,
    buildings: gpd.GeoDataFrame | None,
    binding: Binding | None = None,
    locks: list[Lock] | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Group units into areas; return (areas, members, remainders).

    ``binding``: decisions resolved against these units (:func:`zy_geo.areas.decisions.bind_decisions`).
    ``locks``: areas a planner's edits fixed (:func:`zy_geo.areas.edits.bind_edits`): each is one area with
    exactly its units, linked to no other unit, keeps its id and is priced along its drawn outline if redrawn.
    """
    crs = units.crs
    bind = binding if binding is not None else Binding()
    # enclosure ids as plain text, "" where a unit lies in no enclosure (NA-free comparisons)
    units = units.assign(enclosure_id=units["enclosure_id"].astype("string").fillna("").to_numpy(dtype=object))
    anchors = units[units["role"] == "anchor"].reset_index(drop=True)
    is_unit = (units["role"] == "unit").to_numpy()
    out_of = units["unit_id"].astype(str).isin(list(bind.exclude)).to_numpy() & is_unit
    excluded = units[out_of]
    cand = units[is_unit & ~out_of].reset_index(drop=True)
    n = len(cand)
    p_of = [street_params.get(s, params) if isinstance(s, str) else params for s in cand["street"]]
    gap = np.array([p.max_gap_m for p in p_of])
    hh = cand["households"].to_numpy(dtype=np.int64)
    geoms = cand.geometry.to_numpy()
    bounds = shapely.bounds(geoms)
    hulls = [shapely.get_coordinates(shapely.convex_hull(g)) for g in geoms]
    walled_m = np.where(cand["walled"].to_numpy(dtype=bool), shapely.length(shapely.boundary(geoms)), 0.0)
    cl = _Clusters(hh, bounds, hulls, walled_m)
    cap = settings.subsidy_cap_yuan
    enc_of = cand["enclosure_id"].to_numpy(dtype=object)
    walled = cand["walled"].to_numpy(dtype=bool)
    uid = cand["unit_id"].to_numpy(dtype=object)
    enc_geom = dict(zip(encl["enclosure_id"], encl.geometry.to_numpy(), strict=True))
    crossable = set().union(*(p.crossable for p in [params, *street_params.values()]))
    around = Surroundings(buildings, roads, crossable)

    # decisions as unit positions: together groups (across a barrier or not), apart pairs, units alone
    at = {u: k for k, u in enumerate(uid.tolist())}  # unit id → position
    groups = [np.array(sorted(at[u] for u in g.units), dtype=np.int64) for g in bind.groups]
    across = [bool(g.across) for g in bind.groups]
    no_merge = np.zeros(n, dtype=bool)
    no_merge[[at[u] for u in bind.no_merge]] = True
    spans = np.zeros(n, dtype=bool)  # units of a together group allowed across a barrier
    for g, acr in zip(groups, across, strict=True):
        spans[g] |= acr
    locks = locks or []
    lock_pos = [np.array(sorted(at[u] for u in lk.units), dtype=np.int64) for lk in locks]
    locked = np.zeros(n, dtype=bool)
    for g, lock in zip(lock_pos, locks, strict=True):
        locked[g] = True
        spans[g] |= lock.across  # a lock across a barrier is fenced around the whole group, unclipped
    alone = no_merge | spans | locked  # linked to nothing: no other unit joins them
    for u, v in bind.apart:
        cl.apart.setdefault(at[u], set()).add(at[v])
        cl.apart.setdefault(at[v], set()).add(at[u])
    price = _GroupPricer(geoms, walled, enc_of, enc_geom, p_of, around, settings, unclipped=spans)

    edges = _edges(cand, gap)
    if alone.any():
        edges = edges[~(alone[edges["i"].to_numpy()] | alone[edges["j"].to_numpy()])].reset_index(drop=True)
    # clusters: units linked within the gap in one enclosure (and together groups); small ones are partitioned
    # exactly
    chain = [(g[k], g[k + 1]) for g, acr in zip(groups, across, strict=True) if not acr for k in range(len(g) - 1)]
    li = np.concatenate([edges["i"].to_numpy(), np.array([a for a, _ in chain], dtype=np.int64)])
    lj = np.concatenate([edges["j"].to_numpy(), np.array([c for _, c in chain], dtype=np.int64)])
    link = coo_matrix((np.ones(len(li)), (li, lj)), shape=(n, n))
    comp = connected_components(link, directed=False)[1] if n else np.zeros(0, dtype=np.int64)
    size = np.bincount(comp, minlength=n)[comp]
    limit = np.array([min(p.exact_max_units, EXACT_LIMIT) for p in p_of], dtype=np.int64)
    exact = (size >= 2) & (size <= limit)
    clusters = []
    if exact.any():
        order = np.lexsort((uid[exact].astype(str), comp[exact]))
        pos = np.flatnonzero(exact)[order]
        clusters = np.split(pos, np.flatnonzero(np.diff(comp[pos])) + 1)

    priced_by_members: dict[tuple[int, ...], Enclosure] = {}  # candidates priced once, reused for the areas

    def figures(groups: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        priced = price(groups)
        priced_by_members.update(zip((tuple(sorted(g.tolist())) for g in groups), priced, strict=True))
        return np.array([e.new_fence_m for e in priced]), np.array([e.cost_yuan for e in priced])

    in_exact = exact[edges["i"].to_numpy()] if len(edges) else np.zeros(0, dtype=bool)
    for members, reasons in partition_exactly(
            clusters, (edges["i"].to_numpy()[in_exact], edges["j"].to_numpy()[in_exact]), hh=hh, bounds=bounds,
            params=[p_of[c[0]] for c in clusters], price=figures, cap=cap,
            together=[g for g in groups if exact[g[0]]],
            apart=[(at[u], at[v]) for u, v in bind.apart if exact[at[u]] and comp[at[u]] == comp[at[v]]]):
        root = cl.find(int(members[0]))
        for m in members[1:]:
            root = cl.union(root, cl.find(int(m)), None)
        if reasons:
            cl.refused.setdefault(root, set()).update(reasons)

    # together groups outside the exact partition are merged before the greedy pass, whatever the limits
    for g in groups:
        if exact[g[0]]:
            continue
        pts = _hull(np.vstack([cl.hulls[cl.find(int(k))] for k in g]))[0]
        root = cl.find(int(g[0]))
        for k in g[1:]:
            root = cl.union(root, cl.find(int(k)), pts)

    # locked areas: exactly their units, whatever the limits (they take part in no merger)
    lock_root: dict[int, int] = {}
    for k, g in enumerate(lock_pos):
        root = cl.find(int(g[0]))
        for m in g[1:]:
            root = cl.union(root, cl.find(int(m)), None)
        lock_root[root] = k

    for e in edges[~in_exact].itertuples(index=False):
        a, b = cl.find(e.i), cl.find(e.j)
        if a == b:
            continue
        p = p_of[e.i]
        if cl.apart and cl.kept_apart(a, b):
            cl.refuse(a, b, "decision:apart")
            continue
        if cl.hh[a] + cl.hh[b] > p.max_households:
            cl.refuse(a, b, "max_households")
            continue
        lo = np.minimum(cl.bounds[a, :2], cl.bounds[b, :2])
        hi = np.maximum(cl.bounds[a, 2:], cl.bounds[b, 2:])
        if float(np.hypot(*(hi - lo))) / 2 > p.max_extent_m:
            cl.refuse(a, b, "max_extent")
            continue
        pts, perim = _hull(np.vstack([cl.hulls[a], cl.hulls[b]]))
        walled_ab = cl.walled_m[a] + cl.walled_m[b]
        both_viable = cl.hh[a] >= p.min_households and cl.hh[b] >= p.min_households
        if both_viable:
            # two parts that could each be an area merge only if that needs no more new fence
            # (same households, so fence per household falls or stays)
            pa, pb = _hull(cl.hulls[a])[1], _hull(cl.hulls[b])[1]
            if _fence_estimate(perim, walled_ab) > _fence_estimate(pa, cl.walled_m[a]) + _fence_estimate(
                    pb, cl.walled_m[b]):
                cl.refuse(a, b, "fence")
                continue
            if p.respect_cost_cap and _estimate_cost(perim, walled_ab, settings) > cap and \
                    _estimate_cost(pa, cl.walled_m[a], settings) <= cap and \
                    _estimate_cost(pb, cl.walled_m[b], settings) <= cap:
                cl.refuse(a, b, "cost_cap")
                continue
        cl.union(a, b, pts)

    roots = np.array([cl.find(i) for i in range(n)], dtype=np.int64)
    # members of every group at once (one sort instead of a scan of all units per area)
    order = np.argsort(roots, kind="stable")
    uniq, first = np.unique(roots[order], return_index=True)
    members_of = dict(zip(uniq.tolist(), np.split(order, first[1:]), strict=True)) if n else {}
    cand["_root"] = roots
    min_hh = np.array([p.min_households for p in p_of])
    # a unit outside every enclosure (in the river, outside the streets) is never an area: it has no street
    viable_root = {r: bool(cl.hh[r] >= min_hh[r] and enc_of[r]) for r in np.unique(roots)}
    # a together group is one area whatever its size (the decision is the residents')
    together_root: dict[int, list[int]] = {}  # root → the together groups it holds
    for gi, g in enumerate(groups):
        together_root.setdefault(cl.find(int(g[0])), []).append(gi)
    viable_root.update({r: True for r in together_root})
    viable_root.update({r: True for r in lock_root})
    # households of each unit's whole cluster (all units linked within the gap in its enclosure)
    cluster_hh = np.bincount(comp, weights=hh, minlength=n)[comp].astype(np.int64) if n else np.zeros(0, np.int64)

    # plain arrays for the per-group loops below (no pandas lookups inside them)
    street_of = cand["street"].to_numpy(dtype=object)
    code_of = cand["street_code"].to_numpy(dtype=object)
    body_of = cand["body"].to_numpy(dtype=object) if "body" in cand.columns else np.full(n, None, dtype=object)
    nbrs = _Neighbours(geoms, enc_of, uid, gap)

    # absorption (扩围) of small leftover groups by a managed neighbour in the same enclosure
    absorbed_by: dict[int, str] = {}
    if len(anchors):
        a_geoms = anchors.geometry.to_numpy()
        a_enc = anchors["enclosure_id"].to_numpy(dtype=object)
        a_uid = anchors["unit_id"].to_numpy(dtype=object)
        small = [r for r in sorted(r for r, ok in viable_root.items() if not ok)
                 if cl.hh[r] <= p_of[r].absorb_max_households and enc_of[r] and not no_merge[r]]
        if small:
            m_idx = np.concatenate([members_of[r] for r in small])
            m_root = np.repeat(small, [len(members_of[r]) for r in small])
            gap_of = np.array([p_of[r].max_gap_m for r in m_root])
            mi, ai = shapely.STRtree(a_geoms).query(geoms[m_idx], predicate="dwithin", distance=float(gap_of.max()))
            d = shapely.distance(geoms[m_idx[mi]], a_geoms[ai])  # distance to a group = to its nearest member
            ok = (d <= gap_of[mi]) & (a_enc[ai] == enc_of[m_root[mi]])
            hits = pd.DataFrame({"r": m_root[mi[ok]], "d": d[ok], "a": a_uid[ai[ok]].astype(str)})
            best = hits.sort_values(["r", "d", "a"], kind="mergesort").drop_duplicates("r")
            absorbed_by = dict(zip(best["r"].tolist(), best["a"].tolist(), strict=True))
    absorb_fence = _absorption_fence(absorbed_by, members_of, anchors, price)

    # price every viable group exactly
    area_rows, area_geoms = [], []
    area_of_root: dict[int, str] = {}
    viable = sorted((r for r, ok in viable_root.items() if ok), key=lambda r: str(uid[r]))
    counters: dict[str, int] = {}
    taken = {lk.area_id for lk in locks}  # ids the planner's areas keep
    # every viable group priced at once (vectorised); a lock redrawn by the planner along its drawn outline
    member_lists = [members_of[r] for r in viable]
    keys = [tuple(sorted(m.tolist())) for m in member_lists]
    drawn = [k for k, r in enumerate(viable) if r in lock_root and locks[lock_root[r]].outline is not None]
    todo = [k for k, (r, key) in enumerate(zip(viable, keys, strict=True))
            if (r in lock_root and locks[lock_root[r]].outline is None)
            or (r not in lock_root and key not in priced_by_members)]
    priced: list[Enclosure | None] = [priced_by_members.get(key) if r not in lock_root else None
                                      for r, key in zip(viable, keys, strict=True)]
    for k, e in zip(todo, price([member_lists[k] for k in todo]), strict=True):
        priced[k] = e
    if drawn:
        outlines = np.array([locks[lock_root[viable[k]]].outline for k in drawn], dtype=object)
        idx = np.concatenate([member_lists[k] for k in drawn])
        of = np.repeat(np.arange(len(drawn)), [len(member_lists[k]) for k in drawn])
        for k, e in zip(drawn, enclose_outlines(outlines, geoms[idx], of, walled=walled[idx], settings=settings,
                                                around=around), strict=True):
            priced[k] = e
    partners: dict[int, list[str]] = {}
    for u, v in bind.apart:
        partners.setdefault(at[u], []).append(v)
        partners.setdefault(at[v], []).append(u)
    for r, members, enc in zip(viable, member_lists, priced, strict=True):
        assert enc is not None  # every viable group was priced just above
        encl_id = enc_of[r]
        street, code, body = street_of[r], code_of[r], body_of[r]
        gis = together_root.get(r, [])
        lk = locks[lock_root[r]] if r in lock_root else None
        if any(across[gi] for gi in gis) or (lk is not None and lk.across):  # the street holding most households
            encl_id = "+".join(sorted(set(enc_of[members])))
            by_street = pd.Series(hh[members]).groupby(street_of[members].astype(str)).sum()
            k = members[list(street_of[members].astype(str)).index(
                sorted(by_street.index, key=lambda s: (-by_street[s], s))[0])]
            street, code, body = street_of[k], code_of[k], body_of[k]
        if lk is not None:
            area_id = lk.area_id
        else:
            counters[code] = counters.get(code, 0) + 1
            while f"{code}-A{counters[code]:03d}" in taken:
                counters[code] += 1
            area_id = f"{code}-A{counters[code]:03d}"
        area_of_root[r] = area_id
        bound = set(cl.refused.get(r, set()))
        if nbrs.has_other[members].any():
            bound.add("barrier")
        unit_ids = sorted(uid[members].tolist())
        over = enc.cost_yuan > settings.subsidy_cap_yuan
        alone_over_max = len(members) == 1 and cl.hh[r] > p_of[r].max_households
        if alone_over_max:
            bound.add("max_households")
        labels = list(dict.fromkeys(x for m in sorted(members, key=lambda m: str(uid[m]))
                                    for x in bind.labels.get(str(uid[m]), [])))
        if lk is not None:  # the planner's area: the edits and the decisions on its units
            bound = {"edit:locked"} | ({"edit:moved"} if lk.moved else set()) | \
                ({"edit:redrawn"} if lk.outline is not None else set()) | ({"edit:problem"} if lk.problem else set())
            labels = list(dict.fromkeys([*lk.labels, *(x for x in labels if not x.startswith("edit:"))]))
            area_rows.append(_lock_row(lk, area_id, street, code, body, encl_id, unit_ids, int(cl.hh[r]), enc, over,
                                       settings.subsidy_cap_yuan, bound, labels))
            area_geoms.append(enc.boundary)
            continue
        lead, notes = _decision_notes(bound, members, r, gis, bind, cl, p_of[r], uid, partners)
        area_rows.append({
            "area_id": area_id,
            "street": street,
            "street_code": code,
            "body": body,
            "enclosure_id": encl_id,
            "n_units": len(members),
            "unit_ids": unit_ids,
            "households": int(cl.hh[r]),
            "perimeter_m": round(enc.perimeter_m, 1),
            "existing_wall_m": round(enc.existing_wall_m, 1),
            "facade_m": round(enc.facade_m, 1),
            "new_fence_m": round(enc.new_fence_m, 1),
            "fence_per_household_m": round(enc.new_fence_m / max(int(cl.hh[r]), 1), 3),
            "vehicle_gates": enc.vehicle_gates,
            "pedestrian_gates": enc.pedestrian_gates,
            "gates": enc.gates,
            "cameras": enc.cameras,
            "cost_yuan": enc.cost_yuan,
            "subsidy_yuan": min(enc.cost_yuan, settings.subsidy_cap_yuan),
            "over_cap": bool(over),
            "bound_by": ",".join(sorted(bound)) if bound else "proximity",
            "decision": "；".join(labels),
            "origin": "zy_geo",
            "edit_problem": "",
            "explanation": _explain(bound, len(members), over, alone_over_max=alone_over_max,
                                    max_households=p_of[r].max_households, lead=lead, notes=notes),
        })
        area_geoms.append(enc.boundary)
    areas = gpd.GeoDataFrame(pd.DataFrame(area_rows, columns=_AREA_COLUMNS), geometry=area_geoms, crs=crs)

    # outcome of every unit: (outcome, area_id, absorbed_by, reason, suggested_mode)
    rows: list[tuple[str, str | None, str | None, str | None, str | None]] = []
    for i in range(n):
        r = roots[i]
        if r in area_of_root:
            rows.append(("area", area_of_root[r], None, None, None))
        elif r in absorbed_by:
            fence_m, how = absorb_fence[r]
            how_zh = ABSORB_HOW_ZH[how]
            rows.append(("absorbed", None, absorbed_by[r],
                         f"并入相邻已管理小区 {absorbed_by[r]}（扩围，{how_zh}，新建围挡约 {fence_m:.0f} 米）", None))
        else:
            why = (_no_merge_reason(bind.no_merge[str(uid[i])], int(cl.hh[r]), p_of[i]) if no_merge[i] and enc_of[i]
                   else _remainder_reason(enc_of[i], nbrs, i, r, cl, p_of[i], int(cluster_hh[i])))
            rows.append(("remainder", None, None, why, "self_managed" if cl.hh[r] < 30 else "community_center"))
    outcome, area_ids, absorbed, reason, mode = (list(col) for col in zip(*rows, strict=True)) if rows else \
        ([], [], [], [], [])
    cand["street"] = cand["street"].where(cand["enclosure_id"] != "", "（不在任何街道内）")
    members_gdf = cand.drop(columns=["_root", "role"]).assign(
        outcome=outcome, area_id=area_ids, absorbed_by=absorbed, reason=reason, suggested_mode=mode,
        group_households=[int(cl.hh[r]) for r in roots],
        absorb_fence_m=[round(absorb_fence[r][0], 1) if r in absorb_fence else np.nan for r in roots],
        absorb_how=[absorb_fence[r][1] if r in absorb_fence else None for r in roots],
        absorb_group=[str(uid[r]) if r in absorb_fence else None for r in roots],  # units fenced as one
        decision=["；".join(bind.labels.get(str(u), [])) for u in uid],
        origin=np.where(locked, "planner", "zy_geo"),
    )
    if len(excluded):  # outside the programme: listed with the reason, in the units' order
        out = excluded.drop(columns="role").assign(
            street=excluded["street"].where(excluded["enclosure_id"] != "", "（不在任何街道内）"),
            outcome="excluded", area_id=None, absorbed_by=None,
            reason=[f"{REASONS_ZH['exclude']}：{bind.exclude[str(u)]}" for u in excluded["unit_id"]],
            suggested_mode=None, group_households=excluded["households"].astype(int).to_numpy(),
            absorb_fence_m=np.nan, absorb_how=None, absorb_group=None,
            decision=["；".join(bind.labels.get(str(u), [])) for u in excluded["unit_id"]], origin="zy_geo")
        place = np.concatenate([np.flatnonzero(is_unit & ~out_of), np.flatnonzero(out_of)])
        both = pd.concat([members_gdf, out.reset_index(drop=True)], ignore_index=True)
        members_gdf = gpd.GeoDataFrame(both.iloc[np.argsort(place, kind="stable")].reset_index(drop=True),
                                       geometry="geometry", crs=crs)
    remainders = members_gdf[members_gdf["outcome"] == "remainder"].reset_index(drop=True)
    return areas, members_gdf, remainders


_AREA_COLUMNS = [
    "area_id", "street", "street_code", "body", "enclosure_id", "n_units", "unit_ids", "households",
    "perimeter_m", "existing_wall_m", "facade_m", "new_fence_m", "fence_per_household_m",
    "vehicle_gates", "pedestrian_gates", "gates", "cameras", "cost_yuan", "subsidy_yuan", "over_cap",
    "bound_by", "decision", "origin", "edit_problem", "explanation",
]


def _lock_row(lk: Lock, area_id: str, street: Any, code: Any, body: Any, encl_id: str, unit_ids: list[str],
              households: int, enc: Enclosure, over: bool, cap: float, bound: set[str], labels: list[str]) -> dict:
    """The areas row of an area a planner locked in QGIS."""
    text = f"规划人员在 QGIS 中锁定的区域（{len(unit_ids)} 个单元），保留其成员、不参与合并，重新计价"
    if lk.moved:
        text += "；单元经规划人员调整"
    text += "；围挡按规划人员重绘的边界计价" if lk.outline is not None else "；边界按成员重新生成"
    if lk.problem:
        text += f"；注意：{lk.problem}"
    if over:
        text += "；估算造价超过每小区5万元奖补上限，超出部分需另筹"
    return {
        "area_id": area_id, "street": street, "street_code": code, "body": body, "enclosure_id": encl_id,
        "n_units": len(unit_ids), "unit_ids": unit_ids, "households": households,
        "perimeter_m": round(enc.perimeter_m, 1), "existing_wall_m": round(enc.existing_wall_m, 1),
        "facade_m": round(enc.facade_m, 1), "new_fence_m": round(enc.new_fence_m, 1),
        "fence_per_household_m": round(enc.new_fence_m / max(households, 1), 3),
        "vehicle_gates": enc.vehicle_gates, "pedestrian_gates": enc.pedestrian_gates, "gates": enc.gates,
        "cameras": enc.cameras, "cost_yuan": enc.cost_yuan, "subsidy_yuan": min(enc.cost_yuan, cap),
        "over_cap": bool(over), "bound_by": ",".join(sorted(bound)), "decision": "；".join(labels),
        "origin": "planner", "edit_problem": lk.problem, "explanation": text,
    }
#: ``bound_by`` marks of decisions (explained by :func:`_decision_notes`, not as limits that bound a merger).
_DECISION_MARKS = ("decision:together", "decision:together-across", "decision:apart", "decision:no_merge",
                   "over_max_households", "over_max_extent", "under_min_households")


def _decision_notes(bound: set[str], members: np.ndarray, r: int, gis: list[int], bind: Binding, cl: _Clusters,
                    p: ProposalParams, uid: np.ndarray, partners: dict[int, list[str]]) -> tuple[str | None, list[str]]:
    """Marks added to ``bound`` for the decisions that bound an area, and (lead, notes) for its explanation.

    ``gis``: the together groups (positions in ``bind.groups``) the area holds.
    """
    notes: list[str] = []
    lead = None
    if gis:
        labels = [x for gi in gis for x in bind.groups[gi].label.split("；")]
        reasons = list(dict.fromkeys(x.split(": ", 1)[1] for x in labels if ": " in x))
        crossed = list(dict.fromkeys(k for gi in gis for k in bind.groups[gi].across))
        lead = f"{len(members)} 个单元按决定合为一个区域" + (f"（{'；'.join(reasons)}）" if reasons else "")
        bound.add("decision:together-across" if crossed else "decision:together")
        if crossed:
            kinds = "、".join(BARRIER_ZH.get(k, k) for k in crossed)
            notes.append(f"按决定跨越{kinds}合为一区（allow_across），新建围挡按整组外围计价，跨越处的通道另需设门岗或监控")
        hh = int(cl.hh[r])
        extent = float(np.hypot(*(cl.bounds[r, 2:] - cl.bounds[r, :2]))) / 2
        if hh > p.max_households and len(members) > 1:
            bound.add("over_max_households")
            notes.append(f"户数 {hh} 超过上限 {p.max_households} 户（按决定合并，未拆分）")
        if extent > p.max_extent_m:
            bound.add("over_max_extent")
            notes.append(f"范围半径约 {extent:.0f} 米，超过上限 {p.max_extent_m:g} 米（按决定合并）")
        if hh < p.min_households:
            bound.add("under_min_households")
            notes.append(f"户数 {hh} 低于最低 {p.min_households} 户（按决定仍自成一区）")
    mine = set(uid[members].astype(str).tolist())
    away = sorted({v for m in members for v in partners.get(int(m), []) if v not in mine})
    if away:
        bound.add("decision:apart")
        notes.append("按决定不与 " + "、".join(away) + " 同区")
    elif "decision:apart" in bound:
        bound.discard("decision:apart")
    if any(str(uid[m]) in bind.no_merge for m in members):
        bound.add("decision:no_merge")
        why = bind.no_merge[str(uid[members[0]])].split(": ", 1)
        notes.append(REASONS_ZH["no_merge"] + (f"（{why[1]}）" if len(why) > 1 else "") + "，单独成区")
    return lead, notes


def _explain(bound: set[str], n_units: int, over_cap: bool, *, alone_over_max: bool = False,
             max_households: int = 0, lead: str | None = None, notes: list[str] | tuple[str, ...] = ()) -> str:
    if alone_over_max:  # one compound bigger than the maximum: its own area, not split
        text = f"单个单元户数已超过上限 {max_households} 户，自成一个管理区域（不拆分小区）"
    else:
        text = lead or (f"{n_units} 个单元就近合并" if n_units > 1 else "单个单元自成一个管理区域")
        limits = sorted(x for x in bound if x not in _DECISION_MARKS)
        if limits:
            text += "；受" + "、".join(REASONS_ZH[x] for x in limits) + "约束"
        elif lead is None and not notes:
            text += "；周边再无可合并单元"
    text += "".join(f"；{x}" for x in notes)
    if over_cap:
        text += "；估算造价超过每小区5万元奖补上限，超出部分需另筹"
    return text


def _remainder_reason(enclosure_id: str, nbrs: _Neighbours, i: int, r: int, cl: _Clusters,
                      p: ProposalParams, cluster_hh: int) -> str:
    hh = int(cl.hh[r])
    if not enclosure_id:
        return "不在任何街道（镇）围合单元内（可能位于河道或辖区外），请核对图斑位置"
    same, other = nbrs.same[i], nbrs.other[i]
    small = f"户数 {hh} 户低于最低 {p.min_households} 户"
    if same is None and other is None:
        return f"{small}，且 {p.max_gap_m:g} 米内无其他可合并单元（孤立）"
    if same is None and other is not None:
        uid, d = other
        return f"{small}；{p.max_gap_m:g} 米内的单元 {uid}（{d:.0f} 米）被河流/铁路/主干路/街道界线隔开"
    refused = cl.refused.get(r, set())
    if refused:
        parts = []
        limits = [REASONS_ZH[x] for x in sorted(refused) if x in _LIMITS]
        if limits:
            parts.append("与相邻单元合并会超出" + "、".join(limits))
        if "fence" in refused:
            parts.append("与相邻单元合并所需新建围挡多于单独围合")
        if "decision:apart" in refused:
            parts.append("按决定不得与相邻单元合并")
        return f"{small}；" + "；".join(parts)
    absorb = (f"超过扩围上限 {p.absorb_max_households} 户，无法并入相邻已管理小区" if hh > p.absorb_max_households
              else f"{p.max_gap_m:g} 米内无同一围合单元的已管理小区可扩围并入")
    if same is not None and cluster_hh < p.min_households:
        uid, d = same
        return (f"{small}；与 {p.max_gap_m:g} 米内相邻单元（最近 {uid}，{d:.0f} 米）合计仅 {cluster_hh} 户，"
                f"仍低于最低 {p.min_households} 户；{absorb}")
    return f"{small}；{absorb}"


def _no_merge_reason(label: str, hh: int, p: ProposalParams) -> str:
    """Why a unit that may merge with nothing is left as it is."""
    why = label.split(": ", 1)
    told = f"（{why[1]}）" if len(why) > 1 else ""
    return (f"{REASONS_ZH['no_merge']}{told}：户数 {hh} 户低于最低 {p.min_households} 户，不能单独成区；"
            "按决定不与其他单元合并，也不并入相邻已管理小区，保持现状")
