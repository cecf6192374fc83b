"""Exact grouping of small clusters of units (private; used by :mod:`zy_geo.areas._solve`).

A *cluster* is a connected set of units of one enclosure, linked where two units are within
``max_gap_m``. Most clusters are small (the sample city has at most ten units in a cluster), so the
best partition of each can be found exactly instead of greedily:

1. every connected subset of the cluster within the household and extent limits, with enough
   households to stand as an area, is a candidate; so is every unit alone;
2. all candidates of all clusters are priced in one vectorised pass (:func:`zy_geo.areas.fencing.enclose_many`,
   the same pricing as the reported areas);
3. a dynamic programme over subsets picks, per cluster, the partition that covers the most households
   with viable areas and, among those, needs the least new fence (a unit left alone still counts with
   the fence it needs on its own). With a finite ``coverage_weight_m`` it minimises new fence less that
   many metres per covered household instead. With ``respect_cost_cap``, a candidate over the subsidy
   cap is not used when it splits into two viable candidates that are each under it.

Decisions (:mod:`zy_geo.areas.decisions`) bind the partition: the units of a together group are one
candidate that is always usable, whatever the limits, and no candidate splits it (its members
alone are no candidates); no candidate holds both units of an apart pair.

The constraint that kept two neighbouring groups apart is recorded for the explanations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import cache

import numpy as np

from ..config import ProposalParams

#: Largest cluster solved exactly, whatever ``exact_max_units`` says (the programme grows as 3**n).
EXACT_LIMIT = 12


def _better(a: tuple, b: tuple, weight_m: float) -> bool:
    """Whether partition ``a`` beats ``b``; both are (households in viable areas, new fence m, ...).

    ``weight_m``: metres of new fence one more covered household is worth (``inf``: coverage first).
    """
    if math.isinf(weight_m):
        return a[0] > b[0] or (a[0] == b[0] and a[1] < b[1] - 1e-6)
    return a[1] - weight_m * a[0] < b[1] - weight_m * b[0] - 1e-6


def _with_lowest(mask: int):
    """Submasks of ``mask`` that hold its lowest bit, ``mask`` itself first and the lowest bit alone last."""
    low = mask & -mask
    rest = mask ^ low
    sub = rest
    while True:
        yield sub | low
        if sub == 0:
            return
        sub = (sub - 1) & rest


@cache
def _subsets(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-empty subsets of ``n`` items: their bitmasks and an (subsets × n) membership matrix."""
    masks = np.arange(1, 1 << n, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(n)) & 1
    return masks, bits.astype(bool)


def _connected(bits: np.ndarray, adj: np.ndarray) -> np.ndarray:
    """Whether each subset (row of ``bits``) is connected in the graph ``adj``."""
    n = bits.shape[1]
    first = np.argmax(bits, axis=1)
    reach = np.zeros_like(bits)
    reach[np.arange(len(bits)), first] = True
    a = adj.astype(np.int64)
    for _ in range(n - 1):
        grown = ((reach.astype(np.int64) @ a) > 0) & bits | reach
        if (grown == reach).all():
            break
        reach = grown
    return (reach == bits).all(axis=1)


class _Cluster:
    """Candidates of one cluster and the figures the programme needs."""

    def __init__(self, members: np.ndarray, adj: np.ndarray, hh: np.ndarray, bounds: np.ndarray,
                 p: ProposalParams, locked: list[int] | None = None, apart: list[int] | None = None):
        self.members, self.p = members, p
        self.apart = apart or []
        n = len(members)
        self.full = (1 << n) - 1
        masks, bits = _subsets(n)
        self.hh = bits.astype(np.int64) @ hh
        lo = np.where(bits[:, :, None], bounds[None, :, :2], np.inf).min(axis=1)
        hi = np.where(bits[:, :, None], bounds[None, :, 2:], -np.inf).max(axis=1)
        self.extent = np.hypot(*(hi - lo).T) / 2
        self.adj = adj
        single = bits.sum(axis=1) == 1
        self.ok = single | (_connected(bits, adj) & (self.hh <= p.max_households)
                            & (self.extent <= p.max_extent_m) & (self.hh >= p.min_households))
        for c in locked or []:  # a together group: always a candidate, never split
            self.ok = (self.ok | (masks == c)) & (((masks & c) == 0) | ((masks & c) == c))
        for q in self.apart:  # an apart pair: never in one candidate
            self.ok &= (masks & q) != q
        self.masks, self.bits = masks[self.ok], bits[self.ok]
        # no group of two or more is possible: every unit stays alone, nothing to price
        self.trivial = bool((self.bits.sum(axis=1) == 1).all())
        # coverage first and a pair that can be one area while one of the two cannot stand alone: the pair
        # covers more households than any other split, so it is the answer without pricing
        self.forced = (not self.trivial and n == 2 and math.isinf(p.coverage_weight_m)
                       and bool((self.hh[:2] < p.min_households).any()))
        self.fence: dict[int, float] = {}
        self.cost: dict[int, float] = {}

    def groups(self) -> list[np.ndarray]:
        return [] if self.trivial or self.forced else [self.members[b] for b in self.bits]

    def price(self, fence: np.ndarray, cost: np.ndarray) -> None:
        self.fence = dict(zip(self.masks.tolist(), fence.tolist(), strict=True))
        self.cost = dict(zip(self.masks.tolist(), cost.tolist(), strict=True))

    def households(self, mask: int) -> int:
        return int(self.hh[mask - 1])

    def _splits_under_cap(self, mask: int, cap: float) -> bool:
        """Whether ``mask`` splits into two viable candidates each within ``cap``."""
        for a in _with_lowest(mask):  # every split in two, down to the lowest unit alone
            b = mask ^ a
            if b and self.cost.get(a, np.inf) <= cap and self.cost.get(b, np.inf) <= cap and \
                    self.households(a) >= self.p.min_households and self.households(b) >= self.p.min_households:
                return True
        return False

    def solve(self, cap: float) -> tuple[list[int], dict[int, set[str]]]:
        """Best partition (list of masks) and, per group, what kept it from its neighbours."""
        p = self.p
        if self.trivial:
            chosen = [1 << k for k in range(len(self.members))]
            return chosen, self._reasons(chosen, {}, cap)
        if self.forced:
            return [self.full], {self.full: set()}
        usable = {}
        for m, f in self.fence.items():
            h = self.households(m)
            multi = m & (m - 1)
            if multi and p.respect_cost_cap and self.cost[m] > cap and self._splits_under_cap(m, cap):
                continue
            usable[m] = (h if h >= p.min_households else 0, f)
        # best[mask] = (households in viable groups, new fence, groups) over partitions of mask; None: no
        # partition (a mask that splits a together group)
        best: list[tuple[int, float, tuple[int, ...]] | None] = [(0, 0.0, ())] * (self.full + 1)
        for mask in range(1, self.full + 1):
            top: tuple[int, float, tuple[int, ...]] | None = None
            for s in _with_lowest(mask):  # the group holding the lowest unit, then the rest's best
                if s in usable:
                    rest = best[mask ^ s]
                    if rest is None:
                        continue
                    h, f = usable[s]
                    bh, bf, bg = rest
                    c = (bh + h, bf + f, (*bg, s))
                    if top is None or _better(c, top, p.coverage_weight_m):
                        top = c
            best[mask] = top
        final = best[self.full]
        # free units alone and together groups whole are always usable, so the whole cluster has a partition
        assert final is not None
        chosen = sorted(final[2])
        return chosen, self._reasons(chosen, usable, cap)

    def _reasons(self, chosen: list[int], usable: dict, cap: float) -> dict[int, set[str]]:
        """For each chosen group: the limits that kept it from merging with an adjacent group."""
        p = self.p
        n = len(self.members)
        touch = [sum(1 << j for j in range(n) if self.adj[i, j]) for i in range(n)]
        reach = {m: 0 for m in chosen}
        for m in chosen:
            for i in range(n):
                if m >> i & 1:
                    reach[m] |= touch[i]
        out: dict[int, set[str]] = {m: set() for m in chosen}
        for k, a in enumerate(chosen):
            for b in chosen[k + 1:]:
                if not reach[a] & b:
                    continue
                u = a | b
                h = self.households(u)
                if any((u & q) == q for q in self.apart):
                    why = "decision:apart"
                elif h > p.max_households:
                    why = "max_households"
                elif self.extent[u - 1] > p.max_extent_m:
                    why = "max_extent"
                elif h < p.min_households:
                    continue  # together still too small: nothing to gain
                elif u in self.fence and u not in usable:
                    why = "cost_cap"
                else:
                    why = "fence"
                out[a].add(why)
                out[b].add(why)
        return out


def partition_exactly(
    clusters: list[np.ndarray],
    edges: tuple[np.ndarray, np.ndarray],
    *,
    hh: np.ndarray,
    bounds: np.ndarray,
    params: list[ProposalParams],
    price: Callable[[list[np.ndarray]], tuple[np.ndarray, np.ndarray]],
    cap: float,
    together: list[np.ndarray] | None = None,
    apart: list[tuple[int, int]] | None = None,
) -> list[tuple[np.ndarray, set[str]]]:
    """Best partition of each cluster.

    Parameters
    ----------
    clusters : list of ndarray
        Unit positions of each cluster (at most :data:`EXACT_LIMIT` each), in a fixed order.
    edges : (ndarray, ndarray)
        Pairs of unit positions within ``max_gap_m`` of each other in one enclosure.
    hh, bounds : ndarray
        Households and ``(xmin, ymin, xmax, ymax)`` of every unit.
    params : list of ProposalParams
        Limits of each cluster (its street's).
    price : callable
        Groups of unit positions → (new fence m, cost yuan) of each.
    cap : float
        The subsidy cap (yuan).
    together : list of ndarray, optional
        Unit positions that must form one group (decisions; each within one cluster): linked, never split,
        and a candidate whatever the limits.
    apart : list of (int, int), optional
        Pairs of unit positions never in one group.

    Returns
    -------
    list of (ndarray, set of str)
        Every group (member positions) and what kept it from its neighbours.
    """
    pos: dict[int, tuple[int, int]] = {}
    for c, members in enumerate(clusters):
        for k, u in enumerate(members.tolist()):
            pos[u] = (c, k)
    adj = [np.zeros((len(m), len(m)), dtype=bool) for m in clusters]
    locked: list[list[int]] = [[] for _ in clusters]
    cannot: list[list[int]] = [[] for _ in clusters]
    for group in together or []:
        c, _ = pos[int(group[0])]
        ks = [pos[int(u)][1] for u in group]
        for a, b in itertools.pairwise(ks):  # a together group is linked, whatever the gaps
            adj[c][a, b] = adj[c][b, a] = True
        locked[c].append(sum(1 << k for k in ks))
    for i, j in apart or []:
        (ci, ki), (cj, kj) = pos[int(i)], pos[int(j)]
        if ci == cj:
            cannot[ci].append((1 << ki) | (1 << kj))
    for i, j in zip(*edges, strict=True):
        ci, ki = pos[int(i)]
        cj, kj = pos[int(j)]
        if ci == cj:
            adj[ci][ki, kj] = adj[ci][kj, ki] = True
    solved = [_Cluster(m, a, hh[m], bounds[m], p, lk, ap)
              for m, a, p, lk, ap in zip(clusters, adj, params, locked, cannot, strict=True)]
    groups = [g for s in solved for g in s.groups()]
    fence, cost = price(groups) if groups else (np.zeros(0), np.zeros(0))
    start = 0
    out = []
    for s in solved:
        if not (s.trivial or s.forced):
            k = len(s.masks)
            s.price(fence[start:start + k], cost[start:start + k])
            start += k
        chosen, reasons = s.solve(cap)
        out += [(s.members[s.bits[np.searchsorted(s.masks, m)]], reasons[m]) for m in chosen]
    return out
