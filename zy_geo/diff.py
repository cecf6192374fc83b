"""What changed between two proposals (方案对比): areas added, removed and changed, units moved, deltas.

A planner proposes, meets residents, changes the config or the ledger (or edits the proposal in QGIS)
and proposes again; :func:`diff_proposals` says what changed, for the next meeting.

Area ids are renumbered between runs, so areas are matched by their member units, never by id. Two
areas with the same units are the same area (changed when its fence, cost or boundary was recomputed
differently). The other areas are paired one to one by the largest unit overlap (Jaccard index; a
tie goes to the pair that keeps more households together, then to the smaller ids) and reported as
changed: a split when an old area's units went to several new areas, a merge when a new area's units
came from several old ones. Areas left unpaired were added or removed (the pieces of a split and the
partners of a merge say so). A unit moved when its place in the new proposal — an area, absorbed by a
managed compound (扩围), 待处理, or 不纳入本次方案 when a decision excluded it
(:mod:`zy_geo.areas.decisions`) — is not the paired place of its old one; its row carries the new
proposal's ``decision`` for it. Households (in areas, absorbed, remaining, excluded), new fence and
cost are compared per street and in total from the two proposals' own summaries
(:meth:`~zy_geo.areas.propose.ProposalResult.summary`).

Examples
--------
Four compounds in a row (5 m, 40 m and 5 m apart) and one more in another street. With ``max_gap_m``
60 the four form one area; with 10 the 40 m gap keeps them apart, and the area splits in two:

>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> from zy_geo import ProposalParams, propose_areas
>>> sq = [box(0, 0, 60, 60), box(65, 0, 125, 60), box(165, 0, 225, 60), box(230, 0, 290, 60),
...       box(600, 0, 660, 60)]
>>> compounds = gpd.GeoDataFrame({"compound_id": list("abcde"), "households": [100] * 5,
...     "mode": ["none"] * 5, "kind": ["open"] * 5}, geometry=sq, crs="EPSG:4544")
>>> streets = gpd.GeoDataFrame({"street": ["甲街道", "乙街道"], "street_code": ["1", "2"],
...     "body": ["雁江区"] * 2}, geometry=[box(-100, -100, 450, 200), box(450, -100, 900, 200)], crs="EPSG:4544")
>>> old = propose_areas(compounds, streets=streets, params=ProposalParams(max_gap_m=60))
>>> new = propose_areas(compounds, streets=streets, params=ProposalParams(max_gap_m=10))
>>> d = diff_proposals(old, new)
>>> print(d.areas[["change", "kind", "old_area_id", "new_area_id"]].fillna("").to_string(index=False))
   change  kind old_area_id new_area_id
  changed split      1-A001      1-A001
    added split                  1-A002
unchanged            2-A001      2-A001
>>> print(d.moved[["unit_id", "from", "to", "households"]].to_string(index=False))
unit_id   from           to  households
      c 1-A001 1-A002（新增区域）         100
      d 1-A001 1-A002（新增区域）         100
>>> d.deltas.set_index("street").loc["合计", ["areas_old", "areas_new", "areas_delta"]].tolist()
[2, 3, 1]
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ._diff_map import diff_map
from ._gdal import gdal_reading
from .areas.propose import ProposalResult
from .errors import InputError, ProblemReport, ZyGeoWarning
from .labels import DIFF_VALUES_ZH, DIFF_ZH, OUTCOMES, SUMMARY_ZH
from .maps import _esc, save_map
from .write import OutputFolder, writing

__all__ = ["ProposalDiff", "diff_map", "diff_proposals"]

#: The layers every proposal GeoPackage has (:meth:`ProposalResult.to_gpkg`).
PROPOSAL_LAYERS = ("areas", "members", "remainders", "enclosures")
#: Columns the comparison reads, per layer.
REQUIRED = {
    "areas": ("area_id", "street", "households", "new_fence_m", "gates", "cameras", "cost_yuan", "over_cap"),
    "members": ("unit_id", "street", "households", "outcome", "area_id", "absorbed_by"),
}
#: Summary figures compared per street and in total (old, new, Δ).
METRICS = ("areas", "households_in_areas", "households_absorbed", "households_remaining", "households_excluded",
           "new_fence_m", "cost_yuan", "areas_over_cap")

_FIX = ("compare two files written by `zy-geo propose CITY.gpkg --out p.gpkg` for the same city (change the "
        "config or the ledger between the two runs)")


def _by_id(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """The frame indexed by its id column as text."""
    return df.set_index(df[col].astype(str))


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# -- reading and checking (the door in) -----------------------------------------------------------------------
def _read(source: str | Path | ProposalResult, default: str) -> tuple[ProposalResult, str, Path | None]:
    """The proposal, the name messages use for it, and its path (None for an object in memory)."""
    if isinstance(source, ProposalResult):
        return source, default, None
    path = Path(source)
    if not path.is_file():
        msg = f"`{path}` does not exist; {_FIX}."
        raise InputError(msg)
    try:
        with gdal_reading(path) as src:
            layers = [str(n) for n in pyogrio.list_layers(src)[:, 0]]
    except Exception as exc:
        msg = f"`{path}` is not a zy_geo proposal: GDAL cannot read it as a GeoPackage ({exc}); {_FIX}."
        raise InputError(msg) from exc
    missing = [n for n in PROPOSAL_LAYERS if n not in layers]
    if missing:
        city = {"compounds", "streets"} <= set(layers)
        hint = (f" It looks like a city GeoPackage: propose on it first, `zy-geo propose {path.name} --out "
                "p.gpkg`, and compare two such proposals." if city else "")
        msg = (f"`{path}` is not a zy_geo proposal: it has layers {layers}, a proposal has "
               f"{list(PROPOSAL_LAYERS)} (missing {missing}).{hint} Otherwise {_FIX}.")
        raise InputError(msg)
    return ProposalResult.from_gpkg(path), path.name, path


def _check(p: ProposalResult, name: str) -> None:
    """Every problem of one proposal that the comparison cannot work around, in one report."""
    report = ProblemReport()
    for layer, cols in REQUIRED.items():
        have = getattr(p, layer).columns
        for col in (c for c in cols if c not in have):
            report.add("error", f"column {col} is missing", source=name, layer=layer, column=col, code="no_column",
                       fix="compare proposals written by zy-geo propose, with every column kept")
    report.raise_if_errors(f"`{name}` (proposal)")
    a, m = p.areas, p.members
    for layer, df, col in (("areas", a, "area_id"), ("members", m, "unit_id")):
        for i in np.flatnonzero(df[col].duplicated(keep="first").to_numpy()).tolist():
            report.add("error", f"{col} {df[col].iat[i]} appears twice", source=name, layer=layer, row=i,
                       column=col, code="duplicate",
                       fix="each unit is in one place and each area once; delete the duplicate feature")
    known = set(a["area_id"].astype(str))
    in_area = m["outcome"].eq("area").to_numpy()
    for i in np.flatnonzero(in_area).tolist():
        aid = m["area_id"].iat[i]
        if _missing(aid) or str(aid) not in known:
            report.add("error", f"unit {m['unit_id'].iat[i]} is in area {aid!r}, which the areas layer does not have",
                       source=name, layer="members", row=i, column="area_id", value=aid, code="unknown_area",
                       fix="give it the id of an area of the areas layer, or re-run zy-geo propose")
    used = set(m.loc[in_area, "area_id"].astype(str))
    for i, aid in enumerate(a["area_id"].astype(str)):
        if aid not in used:
            report.add("error", f"area {aid} has no member unit", source=name, layer="areas", row=i,
                       column="area_id", value=aid, code="empty_area",
                       fix="delete the area, or set members.area_id of its units to it")
    bad = sorted(set(m["outcome"].astype(str)) - set(OUTCOMES))
    if bad:
        report.add("error", f"outcomes {bad} are not one of {sorted(OUTCOMES)}", source=name, layer="members",
                   column="outcome", code="bad_outcome", fix=f"use one of {sorted(OUTCOMES)}")
    report.raise_if_errors(f"`{name}` (proposal)")


def _check_same_city(old: ProposalResult, new: ProposalResult, names: tuple[str, str]) -> None:
    """Refuse two proposals of different cities: other CRS, no shared unit, or extents apart."""
    a, b = names
    ca, cb = old.members.crs, new.members.crs
    if ca is not None and cb is not None and not ca.equals(cb):
        msg = (f"`{a}` is in {ca.to_string()} and `{b}` in {cb.to_string()}: proposals are compared in one CRS. If "
               f"both are of one city, propose both with the same --metric-crs (e.g. `zy-geo propose CITY.gpkg "
               f"--metric-crs {ca.to_string()} --out {b}`); otherwise {_FIX}.")
        raise InputError(msg)
    ua, ub = set(old.members["unit_id"].astype(str)), set(new.members["unit_id"].astype(str))
    if ua and ub and not ua & ub:
        msg = (f"`{a}` and `{b}` share no unit id ({len(ua)} units such as {min(ua)} against {len(ub)} such as "
               f"{min(ub)}): they are proposals of different cities (or of differently numbered city files); {_FIX}.")
        raise InputError(msg)
    if len(old.members) and len(new.members):
        ba, bb = old.members.total_bounds, new.members.total_bounds
        if not shapely.box(*ba).intersects(shapely.box(*bb)):
            span = "{:,.0f}–{:,.0f} E, {:,.0f}–{:,.0f} N".format
            msg = (f"`{a}` covers {span(ba[0], ba[2], ba[1], ba[3])} and `{b}` {span(bb[0], bb[2], bb[1], bb[3])} "
                   f"({ca}): the extents do not overlap, so these are proposals of different cities although unit "
                   f"ids such as {min(ua & ub)} repeat; {_FIX}.")
            raise InputError(msg)
    shared = len(ua & ub)
    if shared < 0.5 * min(len(ua), len(ub)):
        msg = (f"`{a}` and `{b}` share only {shared} of their {len(ua)} and {len(ub)} units: were they proposed "
               "on different versions of the city file? The other units are reported as added or removed.")
        warnings.warn(msg, ZyGeoWarning, stacklevel=3)


# -- matching --------------------------------------------------------------------------------------------------
def _place(row: Any) -> tuple[str, str]:
    """Where a unit is in one proposal: ("area", area_id), ("absorbed", managed compound) or (outcome, "")."""
    if row.outcome == "area":
        return "area", str(row.area_id)
    if row.outcome == "absorbed":
        return "absorbed", "" if _missing(row.absorbed_by) else str(row.absorbed_by)
    return str(row.outcome), ""


def _place_zh(kind: str, ident: str, counterpart: str | None = None, side: str = "") -> str:
    """Where a unit is, in Chinese.

    An area's id alone can mislead, as ids are renumbered between runs: an area paired with one of
    another id names it (``A004（新方案 A005）``), an unpaired one says it was added or removed
    (``counterpart`` "": no pair; None: not asked).
    """
    if kind == "area":
        if counterpart is None or counterpart == ident:
            return ident
        if counterpart:
            return f"{ident}（{side} {counterpart}）"
        return f"{ident}（{DIFF_VALUES_ZH['added' if side == '原方案' else 'removed']}区域）"
    if kind == "absorbed":
        return f"{DIFF_VALUES_ZH['absorbed']}（并入 {ident}）" if ident else DIFF_VALUES_ZH["absorbed"]
    return DIFF_VALUES_ZH.get(kind) or OUTCOMES.get(kind, kind)


def _pair(old_sets: dict[str, frozenset[str]], new_sets: dict[str, frozenset[str]],
          households: dict[str, int]) -> dict[str, str]:
    """Old area → new area: same unit sets first, then the largest overlap, one to one.

    Overlap is the Jaccard index of the unit sets; a tie goes to the pair that keeps more households
    together, then more units, then the smaller ids.
    """
    by_set = {s: aid for aid, s in new_sets.items()}
    pairs = {o: by_set[s] for o, s in old_sets.items() if s in by_set}
    taken = set(pairs.values())
    unit_new = {u: n for n, s in new_sets.items() if n not in taken for u in s}
    candidates = []
    for o, s in old_sets.items():
        if o in pairs:
            continue
        for n in sorted({unit_new[u] for u in s if u in unit_new}):
            both = s & new_sets[n]
            candidates.append((-len(both) / len(s | new_sets[n]), -sum(households.get(u, 0) for u in both),
                               -len(both), o, n))
    for *_, o, n in sorted(candidates):
        if o not in pairs and n not in taken:
            pairs[o] = n
            taken.add(n)
    return pairs


def _boundary_changed(a: Any, b: Any) -> bool:
    """Two boundaries differ by more than 1 m² (or 0.1 % of the area)."""
    if a is None or b is None or a.is_empty or b.is_empty:
        return (a is None or a.is_empty) != (b is None or b.is_empty)
    return bool(a.symmetric_difference(b).area > max(1.0, 1e-3 * max(a.area, b.area)))


def _area_rows(old: ProposalResult, new: ProposalResult, old_sets: dict[str, frozenset[str]],
               new_sets: dict[str, frozenset[str]], pairs: dict[str, str],
               unit_new_area: dict[str, str], unit_old_area: dict[str, str]) -> pd.DataFrame:
    """One row per area pairing, added or removed area (geometry-free)."""
    oa, na = _by_id(old.areas, "area_id"), _by_id(new.areas, "area_id")
    dest = {o: sorted({unit_new_area[u] for u in s if u in unit_new_area}) for o, s in old_sets.items()}
    src = {n: sorted({unit_old_area[u] for u in s if u in unit_old_area}) for n, s in new_sets.items()}
    rows = []

    def figures(tag: str, area: Any) -> dict[str, Any]:
        if area is None:
            return {f"{k}_{tag}": np.nan for k in ("households", "new_fence_m", "cost_yuan")} | {
                f"gates_{tag}": np.nan, f"cameras_{tag}": np.nan, f"over_cap_{tag}": pd.NA}
        return {f"households_{tag}": int(area["households"]), f"new_fence_m_{tag}": float(area["new_fence_m"]),
                f"cost_yuan_{tag}": float(area["cost_yuan"]), f"gates_{tag}": int(area["gates"]),
                f"cameras_{tag}": int(area["cameras"]), f"over_cap_{tag}": bool(area["over_cap"])}

    def row(o: str | None, n: str | None) -> dict[str, Any]:
        ao, an = (oa.loc[o] if o else None), (na.loc[n] if n else None)
        so, sn = old_sets.get(o or "", frozenset()), new_sets.get(n or "", frozenset())
        street = an["street"] if an is not None else ao["street"]  # type: ignore[index]
        out: dict[str, Any] = {"old_area_id": o, "new_area_id": n, "street": street, "n_units_old": len(so) if o else 0,
                               "n_units_new": len(sn) if n else 0, "shared_units": len(so & sn),
                               "jaccard": len(so & sn) / len(so | sn) if o and n else np.nan}
        out |= figures("old", ao) | figures("new", an)
        boundary = _boundary_changed(ao.geometry if ao is not None else None,
                                     an.geometry if an is not None else None)
        out["boundary_changed"] = boundary if (o and n) else pd.NA
        if o and n:
            split, merge = len(dest[o]) >= 2, len(src[n]) >= 2
            if so != sn:
                change, kind = "changed", ("split_merge" if split and merge else "split" if split
                                           else "merge" if merge else "units")
            else:
                same = (out["households_old"] == out["households_new"] and out["gates_old"] == out["gates_new"]
                        and out["cameras_old"] == out["cameras_new"]
                        and abs(out["new_fence_m_new"] - out["new_fence_m_old"]) < 0.05
                        and abs(out["cost_yuan_new"] - out["cost_yuan_old"]) < 0.5 and not boundary)
                change, kind = ("unchanged", "") if same else ("changed", "recomputed")
            related = [x for x in dest[o] if x != n] if split else []
            related += [x for x in src[n] if x != o] if merge else []
        elif n:
            change, related = "added", src[n]
            kind = "merge" if len(related) >= 2 else "split" if related else ""
        else:
            assert o is not None
            change, related = "removed", dest[o]
            kind = "split" if len(related) >= 2 else "merge" if related else ""
        out |= {"change": change, "kind": kind, "related": related}
        return out

    for o in sorted(old_sets):
        if o in pairs:
            rows.append(row(o, pairs[o]))
    paired_new = set(pairs.values())
    rows += [row(None, n) for n in sorted(new_sets) if n not in paired_new]
    rows += [row(o, None) for o in sorted(old_sets) if o not in pairs]
    df = pd.DataFrame(rows)
    for k, digits in (("households", 0), ("new_fence_m", 1), ("cost_yuan", 2)):
        df[f"{k}_delta"] = (df[f"{k}_new"].fillna(0) - df[f"{k}_old"].fillna(0)).round(digits)
    for k in ("households", "n_units_old", "n_units_new", "gates", "cameras"):
        for c in ([f"{k}_old", f"{k}_new", f"{k}_delta"] if k in ("households", "gates", "cameras") else [k]):
            if c in df.columns:
                df[c] = df[c].astype("Int64")
    df["note"] = [_note(r) for r in df.itertuples()]
    order = {"changed": 0, "added": 1, "removed": 2, "unchanged": 3}
    df = df.sort_values(["change", "street", "new_area_id", "old_area_id"], key=lambda s: s.map(order).fillna(s)
                        if s.name == "change" else s.astype("string").fillna(""), kind="stable")
    lead = ["change", "kind", "old_area_id", "new_area_id", "street", "n_units_old", "n_units_new", "shared_units",
            "jaccard", "related"]
    figs = [f"{k}_{t}" for k in ("households", "new_fence_m", "cost_yuan") for t in ("old", "new", "delta")]
    rest = ["gates_old", "gates_new", "cameras_old", "cameras_new", "over_cap_old", "over_cap_new",
            "boundary_changed", "note"]
    return df[lead + figs + rest].reset_index(drop=True)


def _note(r: Any) -> str:
    """A sentence for the planner: what happened to the area."""
    rel = "、".join(r.related)
    if r.change == "added":
        return {"split": f"由原区域 {rel} 拆分而来", "merge": f"由原区域 {rel} 的单元合并而成"}.get(
            r.kind, "新增区域（其单元原为扩围、待处理或不纳入方案）")
    if r.change == "removed":
        return {"split": f"单元分入新区域 {rel}", "merge": f"并入新区域 {rel}"}.get(
            r.kind, "撤销区域（其单元转为扩围、待处理或不纳入方案）")
    if r.change == "unchanged":
        return ""
    parts = []
    if r.kind == "split":
        parts.append(f"拆分：部分单元分入 {rel}")
    elif r.kind == "merge":
        parts.append(f"合并：并入原区域 {rel} 的单元")
    elif r.kind == "split_merge":
        parts.append(f"拆分并合并：与 {rel} 交换单元")
    elif r.kind == "units":
        parts.append(f"单元增减：{int(r.n_units_old)} → {int(r.n_units_new)} 个")
    else:
        parts.append("单元不变，重新计价")
    if r.boundary_changed is True:
        parts.append("边界变化")
    if abs(r.new_fence_m_delta) >= 0.05:
        parts.append(f"新建围挡 {r.new_fence_m_delta:+,.0f} 米")
    if abs(r.cost_yuan_delta) >= 0.5:
        parts.append(f"造价 {r.cost_yuan_delta:+,.0f} 元")
    return "；".join(parts)


def _unit_rows(old: ProposalResult, new: ProposalResult, pairs: dict[str, str]) -> pd.DataFrame:
    """One row per unit of either proposal: where it was, where it is, and whether it moved."""
    mo, mn = _by_id(old.members, "unit_id"), _by_id(new.members, "unit_id")
    po = {u: _place(r) for u, r in zip(mo.index, mo.itertuples(), strict=True)}
    back = {n: o for o, n in pairs.items()}
    pn = {u: _place(r) for u, r in zip(mn.index, mn.itertuples(), strict=True)}
    decision = mn["decision"] if "decision" in mn.columns else pd.Series("", index=mn.index)  # before decisions
    rows = []
    for u in sorted(set(po) | set(pn)):
        a, b = po.get(u, ("absent", "")), pn.get(u, ("absent", ""))
        if a[0] == "absent":
            status = "added"
        elif b[0] == "absent":
            status = "removed"
        elif a[0] == "area":
            status = "unchanged" if b == ("area", pairs.get(a[1], "\0")) else "moved"
        else:
            status = "unchanged" if a == b else "moved"
        hh_old = int(mo.loc[u, "households"]) if u in po else pd.NA
        hh_new = int(mn.loc[u, "households"]) if u in pn else pd.NA
        rows.append({"unit_id": u, "street": (mn if u in pn else mo).loc[u, "street"], "status": status,
                     "from": _place_zh(*a, pairs.get(a[1], ""), "新方案"),
                     "to": _place_zh(*b, back.get(b[1], ""), "原方案"), "households": hh_new if u in pn else hh_old,
                     "households_old": hh_old, "households_new": hh_new,
                     "decision": "" if u not in pn or _missing(decision.loc[u]) else str(decision.loc[u]),
                     "from_outcome": a[0], "from_area_id": a[1] if a[0] == "area" else pd.NA,
                     "to_outcome": b[0], "to_area_id": b[1] if b[0] == "area" else pd.NA})
    cols = ["unit_id", "street", "status", "from", "to", "households", "households_old", "households_new", "decision",
            "from_outcome", "from_area_id", "to_outcome", "to_area_id"]
    df = pd.DataFrame(rows, columns=cols)
    for c in ("households", "households_old", "households_new"):
        df[c] = df[c].astype("Int64")
    return df


def _deltas(old: ProposalResult, new: ProposalResult, units: pd.DataFrame) -> pd.DataFrame:
    """The two summaries side by side per street and in total (old, new, Δ), with the units that moved."""
    so, sn = old.summary().set_index("street"), new.summary().set_index("street")
    metrics = [k for k in METRICS if k in so.columns or k in sn.columns]
    so, sn = so.reindex(columns=metrics), sn.reindex(columns=metrics)
    streets = [*sorted((set(so.index) | set(sn.index)) - {"合计"}), "合计"]
    so, sn = so.reindex(streets).fillna(0), sn.reindex(streets).fillna(0)
    out = pd.DataFrame({"street": streets})
    for k in metrics:
        digits = {"new_fence_m": 1, "cost_yuan": 2}.get(k)  # as the areas layer rounds them; sums drift by 1e-9
        for tag, s in (("old", so), ("new", sn)):
            out[f"{k}_{tag}"] = s[k].astype(float).round(digits).to_numpy() if digits else s[k].astype(int).to_numpy()
        out[f"{k}_delta"] = (out[f"{k}_new"] - out[f"{k}_old"]).round(digits or 0)
    moved = units[units["status"] == "moved"]
    counts = moved.groupby("street")["households"].agg(["size", "sum"])
    out["moved_units"] = [len(moved) if s == "合计" else int(counts["size"].get(s, 0)) for s in streets]
    out["moved_households"] = [int(moved["households"].sum()) if s == "合计" else int(counts["sum"].get(s, 0))
                               for s in streets]
    return out


# -- the result ------------------------------------------------------------------------------------------------
@dataclass
class ProposalDiff:
    """What changed between two proposals of one city (:func:`diff_proposals`).

    Attributes
    ----------
    areas : DataFrame
        One row per area: ``change`` (changed, added, removed, unchanged), ``kind`` (split, merge,
        split_merge, units, recomputed, or the split/merge an added or removed area took part in),
        ``old_area_id``, ``new_area_id``, ``street``, unit counts and overlap (``shared_units``,
        ``jaccard``), the areas on the other side of a split or merge (``related``), households, new fence
        and cost old/new/delta, gates, cameras, ``over_cap``, ``boundary_changed`` and a Chinese ``note``.
    units : DataFrame
        One row per unit of either proposal: ``status`` (unchanged, moved, added, removed), ``from``
        and ``to`` (area id, 扩围（并入 …）, 待处理 or 不纳入本次方案; 不在方案中 when absent; an area renumbered
        between the runs names its id on the other side, ``A004（新方案 A005）``, an unpaired one says
        （新增区域）/（撤销区域））, households,
        ``decision`` (the new proposal's decisions for the unit, "" for none).
    deltas : DataFrame
        Per street and 合计: ``<figure>_old``, ``<figure>_new``, ``<figure>_delta`` for the areas, households
        in areas, absorbed, remaining and excluded, new fence, cost and areas over the cap; ``moved_units`` and
        ``moved_households``.
    old, new : ProposalResult
        The two proposals.
    names : tuple of str
        Their file names (or "old"/"new" for objects in memory), for messages, the workbook and the map.
    paths : tuple of Path or None
        Their files: outputs are never written over them.
    """

    areas: pd.DataFrame
    units: pd.DataFrame
    deltas: pd.DataFrame
    old: ProposalResult = field(repr=False)
    new: ProposalResult = field(repr=False)
    names: tuple[str, str] = ("old", "new")
    paths: tuple[Path | None, Path | None] = (None, None)

    @property
    def added(self) -> pd.DataFrame:
        """Areas only in the new proposal."""
        return self.areas[self.areas["change"] == "added"]

    @property
    def removed(self) -> pd.DataFrame:
        """Areas only in the old proposal."""
        return self.areas[self.areas["change"] == "removed"]

    @property
    def changed(self) -> pd.DataFrame:
        """Areas paired between the two with other units, fence, cost or boundary."""
        return self.areas[self.areas["change"] == "changed"]

    @property
    def moved(self) -> pd.DataFrame:
        """Units of both proposals whose place changed (``unit_id``, ``from``, ``to``, ``households``)."""
        return self.units[self.units["status"] == "moved"].reset_index(drop=True)

    @property
    def has_changes(self) -> bool:
        """True when any area or unit changed."""
        return bool((self.areas["change"] != "unchanged").any() or (self.units["status"] != "unchanged").any())

    def counts(self) -> dict[str, int]:
        """Areas by change, splits and merges, units by status, households of the moved units."""
        c = self.areas["change"].value_counts()
        k = self.areas.loc[self.areas["change"] == "changed", "kind"].value_counts()
        s = self.units["status"].value_counts()
        return {"added": int(c.get("added", 0)), "removed": int(c.get("removed", 0)),
                "changed": int(c.get("changed", 0)), "unchanged": int(c.get("unchanged", 0)),
                "split": int(k.get("split", 0) + k.get("split_merge", 0)),
                "merge": int(k.get("merge", 0) + k.get("split_merge", 0)),
                "moved_units": int(s.get("moved", 0)), "moved_households": int(self.moved["households"].sum()),
                "units_added": int(s.get("added", 0)), "units_removed": int(s.get("removed", 0))}

    def summary_lines(self) -> list[str]:
        """What changed, in a few lines (the CLI prints them)."""
        n = self.counts()
        t = self.deltas.iloc[-1]
        lines = [f"{self.names[0]} → {self.names[1]}: areas {n['added']} added, {n['removed']} removed, "
                 f"{n['changed']} changed ({n['split']} split, {n['merge']} merged), {n['unchanged']} unchanged",
                 f"units: {n['moved_units']} moved ({n['moved_households']:,} households), {n['units_added']} added, "
                 f"{n['units_removed']} removed",
                 f"households in areas {int(t.households_in_areas_delta):+,}; new fence {t.new_fence_m_delta:+,.0f} m; "
                 f"cost {t.cost_yuan_delta:+,.0f} yuan"]
        return lines

    def _repr_html_(self) -> str:
        n = self.counts()
        t = self.deltas.iloc[-1]
        head = (f"<p><b>方案对比</b> {_esc(self.names[0])} → {_esc(self.names[1])}：新增区域 {n['added']} 个，"
                f"撤销 {n['removed']} 个，调整 {n['changed']} 个（拆分 {n['split']}，合并 {n['merge']}），"
                f"不变 {n['unchanged']} 个；变动单元 {n['moved_units']} 个（{n['moved_households']:,} 户）。"
                f"纳入区域户数 {int(t.households_in_areas_delta):+,}，新建围挡 {t.new_fence_m_delta:+,.0f} 米，"
                f"造价 {t.cost_yuan_delta:+,.0f} 元。</p>")
        sheets = self.xlsx_sheets()
        parts = [head]
        for name in ("区域变化", "单元变动"):
            df = sheets[name].copy()
            if DIFF_ZH["jaccard"] in df.columns:
                df[DIFF_ZH["jaccard"]] = df[DIFF_ZH["jaccard"]].map(lambda v: "" if _missing(v) else f"{v:.2f}")
            parts.append(f"<p><b>{name}</b></p>" + df.head(15).to_html(index=False, escape=True, na_rep="",
                                                                       float_format="{:,.0f}".format))
            if len(df) > 15:
                parts.append(f"<p>… {len(df) - 15} more</p>")
        parts.append("<p><b>汇总</b></p>" + sheets["汇总"].to_html(index=False, escape=True,
                                                                   float_format="{:,.0f}".format))
        return "".join(parts)

    def xlsx_sheets(self) -> dict[str, pd.DataFrame]:
        """The workbook's sheets, Chinese headers and values: 汇总, 区域变化, 单元变动, 说明."""
        deltas = self.deltas.rename(columns=_delta_headers())
        areas = self.areas[self.areas["change"] != "unchanged"].copy()
        areas["change"] = areas["change"].map(DIFF_VALUES_ZH)
        areas["kind"] = areas["kind"].map(lambda v: DIFF_VALUES_ZH.get(v, v))
        areas["related"] = areas["related"].map("、".join)
        for col in ("over_cap_old", "over_cap_new", "boundary_changed"):
            areas[col] = areas[col].map(lambda v: "" if _missing(v) else "是" if v else "否")
        areas["jaccard"] = areas["jaccard"].round(3)
        areas = areas.rename(columns=DIFF_ZH)
        units = self.units[self.units["status"] != "unchanged"].copy()
        units["status"] = units["status"].map(lambda v: DIFF_VALUES_ZH[v if v == "moved" else f"unit_{v}"])
        units = units[["unit_id", "street", "status", "from", "to", "households", "households_old",
                       "households_new", "decision"]].rename(columns=DIFF_ZH)
        n = self.counts()
        about = pd.DataFrame([
            ("原方案", self.names[0]), ("新方案", self.names[1]),
            ("区域：新增 / 撤销 / 调整 / 不变", f"{n['added']} / {n['removed']} / {n['changed']} / {n['unchanged']}"),
            ("其中拆分 / 合并", f"{n['split']} / {n['merge']}"),
            ("变动单元（户数）", f"{n['moved_units']}（{n['moved_households']} 户）"),
            ("新增 / 移除单元", f"{n['units_added']} / {n['units_removed']}"),
            ("区域如何对应", "按包含的单元对应，不按编号（两次运行编号会重排）：单元相同即同一区域；"
                        "否则按单元重合度（交集/并集）最大者一一对应，并列时取共有户数多者"),
            ("单元变动", "单元所在区域（或扩围、待处理、不纳入本次方案）不再是原区域的对应区域"),
            ("去向中的括注", "两次运行的区域编号会重排：“A004（新方案 A005）”指原方案 A004 在新方案中对应 A005；"
                        "“（新增区域）”“（撤销区域）”指该区域在另一方案中没有对应区域"),
        ], columns=["项目", "内容"])
        return {"汇总": deltas, "区域变化": areas, "单元变动": units, "说明": about}

    def to_xlsx(self, path: str | Path, *, folder: OutputFolder | None = None, force: bool = False) -> Path:
        """Write the workbook (汇总, 区域变化, 单元变动, 说明); return its path.

        Written through :mod:`zy_geo.write`: never over either proposal, no live formulas, and a workbook
        zy_geo did not write is not overwritten without ``force``.
        """
        with writing(path, folder, suffixes=(".xlsx",), what="diff workbook", force=force,
                     inputs=[p for p in self.paths if p]) as (out, name):
            return out.write_xlsx(self.xlsx_sheets(), name, style=_style_sheet)

    def to_map(self, *, title: str = "管理区域方案对比") -> folium.Map:
        """The changes over the new proposal (:func:`diff_map`)."""
        return diff_map(self, title=title)

    def save_map(self, path: str | Path, *, folder: OutputFolder | None = None, force: bool = False,
                 offline: bool = True) -> Path:
        """Write the map of the changes (offline by default: opens with no network); return its path."""
        fmap = self.to_map()
        if folder is not None:
            return save_map(fmap, path, offline=offline, folder=folder)
        with writing(path, None, suffixes=(".html", ".htm"), what="diff map", force=force,
                     inputs=[p for p in self.paths if p]) as (out, name):
            return save_map(fmap, name, offline=offline, folder=out)


def _delta_headers() -> dict[str, str]:
    out = {"street": SUMMARY_ZH["street"]}
    for k in METRICS:
        for tag in ("old", "new", "delta"):
            out[f"{k}_{tag}"] = f"{SUMMARY_ZH.get(k, k)}{DIFF_ZH[tag]}"
    return out | {"moved_units": DIFF_ZH["moved_units"], "moved_households": DIFF_ZH["moved_households"]}


def _style_sheet(ws: Any, name: str, df: pd.DataFrame) -> None:
    """Header row frozen and wrapped, columns as wide as their first 50 values, thousands separators."""
    from openpyxl.styles import Alignment, Font

    ws.freeze_panes = "B2" if name in ("汇总", "区域变化", "单元变动") else "A2"
    for cell in ws[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col[1:50]) if len(col) > 1 else 4
        ws.column_dimensions[col[0].column_letter].width = min(max(10, width * 1.3, len(str(col[0].value)) * 0.9), 60)
        for c in col[1:]:
            if isinstance(c.value, float):
                c.number_format = "#,##0.0" if "jaccard" not in str(col[0].value) else "0.000"
            elif isinstance(c.value, int):
                c.number_format = "#,##0"
    if name == "汇总" and ws.max_row > 1:
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)


# -- the entry point -------------------------------------------------------------------------------------------
def diff_proposals(old: str | Path | ProposalResult, new: str | Path | ProposalResult) -> ProposalDiff:
    """Compare two proposals of one city: areas added, removed and changed, units moved, deltas.

    Parameters
    ----------
    old, new : str, Path or ProposalResult
        Proposal GeoPackages written by ``zy-geo propose`` (read with
        :meth:`~zy_geo.areas.propose.ProposalResult.from_gpkg`) or proposals in memory.

    Returns
    -------
    ProposalDiff

    Raises
    ------
    InputError
        A file that is not a zy_geo proposal, a proposal whose members and areas disagree (a unit in
        two places, an area without members, a member in an unknown area), or two proposals of
        different cities (another CRS, no shared unit id, extents that do not overlap); the message
        names the file(s) and the fix.

    Warns
    -----
    ZyGeoWarning
        When the two share fewer than half of the units of the smaller.

    Examples
    --------
    A proposal compared with itself has no changes:

    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> from zy_geo import propose_areas
    >>> compounds = gpd.GeoDataFrame({"compound_id": ["a", "b"], "households": [60, 60], "mode": ["none"] * 2,
    ...     "kind": ["open"] * 2}, geometry=[box(0, 0, 60, 60), box(80, 0, 140, 60)], crs="EPSG:4544")
    >>> streets = gpd.GeoDataFrame({"street": ["甲街道"], "street_code": ["1"], "body": ["雁江区"]},
    ...     geometry=[box(-100, -100, 300, 200)], crs="EPSG:4544")
    >>> p = propose_areas(compounds, streets=streets)
    >>> diff_proposals(p, p).has_changes
    False
    """
    po, name_old, path_old = _read(old, "old")
    pn, name_new, path_new = _read(new, "new")
    if name_old == name_new and path_old != path_new:
        name_old, name_new = str(path_old or name_old), str(path_new or name_new)
    _check(po, name_old)
    _check(pn, name_new)
    _check_same_city(po, pn, (name_old, name_new))

    def sets(p: ProposalResult) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
        m = p.members[p.members["outcome"] == "area"]
        unit_area = dict(zip(m["unit_id"].astype(str), m["area_id"].astype(str), strict=True))
        groups: dict[str, set[str]] = {str(a): set() for a in p.areas["area_id"]}
        for u, a in unit_area.items():
            groups[a].add(u)
        return {a: frozenset(s) for a, s in groups.items()}, unit_area

    old_sets, unit_old_area = sets(po)
    new_sets, unit_new_area = sets(pn)
    households = dict(zip(pn.members["unit_id"].astype(str), pn.members["households"].astype(int), strict=True))
    pairs = _pair(old_sets, new_sets, households)
    areas = _area_rows(po, pn, old_sets, new_sets, pairs, unit_new_area, unit_old_area)
    units = _unit_rows(po, pn, pairs)
    return ProposalDiff(areas, units, _deltas(po, pn, units), po, pn, (name_old, name_new), (path_old, path_new))
