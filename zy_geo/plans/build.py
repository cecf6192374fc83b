"""One plan per compound (一小区一方案, notice §三(二)) and the funding ledger.

A plan is drafted for every proposed management area and every unit left on its own
(:mod:`zy_geo.areas.propose`): its facts, current six-haves, the area's boundary (with a map figure),
the facilities it needs and their cost (:mod:`zy_geo.plans.facilities`), the funding split
(:mod:`zy_geo.plans.funding`), the management mode and why (:mod:`zy_geo.plans.modes`), and its deadline
(:mod:`zy_geo.milestones`). Units absorbed by a managed neighbour (扩围) join that compound's
existing arrangements and get no plan of their own; the index lists them, and the new fence that
brings them in is one funding-ledger row per absorbing compound (:attr:`PlanSet.extensions`).

:class:`PlanSet` writes the .docx plans (python-docx), an HTML index, and the funding ledger
(.xlsx, a sheet per responsible body, totals that add up). No personal data is used.
"""

from __future__ import annotations

import html
import multiprocessing as mp
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm.auto import tqdm

from .._web_font import FONT_STACK, embed_chinese_font
from ..areas.fencing import Surroundings
from ..areas.propose import ProposalResult
from ..config import ModeRules, Settings
from ..errors import InputError
from ..labels import ABSORB_HOW_ZH, LEDGER_ZH, RULE_ZH
from ..milestones import FINAL, milestone_batch
from ..schema import COMPOUND_KINDS, SIX_HAVES
from ..write import OutputFolder, safe_filename, writing
from ._figure import PlanContext
from .facilities import FacilityNeeds, facility_needs
from .funding import funding_split, funding_totals
from .modes import recommend_modes


@dataclass
class PlanSet:
    """All plans of a city: a table (one row per plan) and each plan's facility list."""

    plans: gpd.GeoDataFrame
    facilities: dict[str, FacilityNeeds]
    members: dict[str, gpd.GeoDataFrame]
    absorbed: pd.DataFrame
    settings: Settings = field(default_factory=Settings)
    buildings: dict[str, np.ndarray] = field(default_factory=dict)
    #: one funding row per managed compound that absorbs neighbours (扩围): the new fence it needs
    extensions: gpd.GeoDataFrame | None = None
    #: the city around the plans (roads, river, neighbouring compounds) for the plan figures
    context: PlanContext | None = None
    #: the data are the generated sample (the documents say so)
    sample: bool = False

    def funded(self) -> pd.DataFrame:
        """Every row of the funding ledger: the plans, then the absorbing compounds' extensions."""
        cols = [*LEDGER_ZH, "kind", "rule", "tuoxi_share"]
        parts = [self.plans[cols]]
        if self.extensions is not None and len(self.extensions):
            parts.append(self.extensions.reindex(columns=cols))
        return pd.concat(parts, ignore_index=True)

    def totals(self, by: tuple[str, ...] = ("body",)) -> pd.DataFrame:
        """Funding totals per group (e.g. ``("body", "street")`` or ``("deadline",)``) with a 合计 row.

        Includes the absorbing compounds' extension fences (:attr:`extensions`), so the totals are
        what every unmanaged household's facilities cost.
        """
        rows = self.funded()
        return funding_totals(rows.assign(cost_yuan=rows["facility_cost_yuan"]), by=by)

    def _repr_html_(self) -> str:
        t = self.totals().to_html(index=False, escape=True, float_format="{:,.0f}".format)
        n_ext = 0 if self.extensions is None else len(self.extensions)
        return (f"<p><b>一小区一方案</b>：{len(self.plans)} 份方案；扩围并入 {len(self.absorbed)} 个单元"
                f"（{n_ext} 个已管理小区扩围，经费列入台账）。</p>{t}"
                + self.plans[["plan_id", "name", "street", "households", "facility_cost_yuan", "subsidy_yuan",
                              "mode_zh"]].head(10).to_html(index=False, escape=True))

    def ledger_sheets(self) -> dict[str, pd.DataFrame]:
        """The funding ledger's sheets: 汇总 by body and street, then one per body with its 合计 row."""
        cols = list(LEDGER_ZH)
        money = ["facility_cost_yuan", "subsidy_yuan", "city_yuan", "body_yuan", "remaining_yuan"]
        sheets = {"汇总": self.totals(by=("body", "street")).rename(columns={
            "body": "责任主体", "street": "街道（镇）", "items": "项数（方案+扩围）", "cost_yuan": "设施估算（元）",
            "subsidy_yuan": "奖补资金（元）", "city_yuan": "市级财政（元）", "body_yuan": "区/管委会财政（元）",
            "remaining_yuan": "超出上限需另筹（元）"})}
        for body, g in self.funded().groupby("body", sort=True):
            rows = pd.DataFrame(g[cols])
            total = {c: "" for c in cols} | {"plan_id": "合计", "households": int(g["households"].sum())} | \
                {c: float(g[c].sum()) for c in money}
            rows = pd.concat([rows, pd.DataFrame([total])], ignore_index=True)
            rows["straddles"] = rows["straddles"].map({True: "是", False: "", "": ""})
            sheets[str(body)] = rows.rename(columns=LEDGER_ZH)
        return sheets

    def write_ledger(self, path: str | Path, *, folder: OutputFolder | None = None, force: bool = False) -> Path:
        """Funding ledger (.xlsx): 汇总 by body and street, then one sheet per body; totals add up.

        Rows are the plans and, after them, one extension row (扩围) per managed compound that absorbs
        neighbours, costed at the new fence it needs. Sheet names are made valid and unique (a body
        name with ``/`` or over 31 characters); no cell is a live formula (:mod:`zy_geo.write`).
        """
        def style(ws, name, df) -> None:
            from openpyxl.styles import Font

            ws.freeze_panes = "B2"
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
            for col in ws.columns:
                ws.column_dimensions[col[0].column_letter].width = 16

        with writing(path, folder, suffixes=(".xlsx",), what="funding ledger", force=force) as (out, name):
            return out.write_xlsx(self.ledger_sheets(), name, style=style)

    def write_documents(self, out_dir: str | Path, *, progress: bool = False, figures: bool = True,
                        folder: OutputFolder | None = None, force: bool = False,
                        workers: int | None = None) -> dict[str, Path]:
        """Write one .docx per plan and ``index.html``; return plan id → path (and "index").

        File names come from the plan ids through :func:`zy_geo.write.safe_filename` (an id such as
        ``../x`` or ``a/b`` cannot leave the folder; two ids never share a file). Without ``folder`` the
        plans folder is an :class:`~zy_geo.write.OutputFolder` of its own: plans an earlier run wrote
        and this one did not are removed, and a plan edited by hand is not overwritten without ``force``.

        Parameters
        ----------
        out_dir : str or Path
            The plans folder (relative to ``folder`` when given).
        progress : bool
            Progress bar.
        figures : bool
            A map figure in each plan.
        folder : OutputFolder, optional
            The command's output folder.
        force : bool
            Overwrite hand-edited plans and reuse a folder holding other files (standalone use).
        workers : int, optional
            Processes that draw and write the documents (default: every core; 1 draws here). The
            documents are the same either way.

        Returns
        -------
        dict of str to Path
        """
        own = folder is None
        out = folder if folder is not None else OutputFolder(out_dir, force=force)
        prefix = Path(".") if own else Path(out_dir)
        files: dict[str, Path] = {}
        used: set[str] = {"index.html"}
        names = {pid: safe_filename(pid, used=used, suffix=".docx") for pid in self.plans["plan_id"]}
        for pid, data in tqdm(_documents(self, figures=figures, workers=workers), total=len(self.plans),
                              desc="writing plans", unit="plan", disable=not progress):
            files[pid] = out.write_bytes(data, prefix / names[pid])
        files["index"] = out.write_text(self._index_html(files), prefix / "index.html")
        if own:
            out.finish()
        return files

    def _index_html(self, files: dict[str, Path]) -> str:
        rows = "".join(
            f"<tr><td><a href=\"{html.escape(files[p.plan_id].name)}\">{html.escape(p.plan_id)}</a></td>"
            f"<td>{html.escape(str(p.name))}</td><td>{html.escape(str(p.body))}</td><td>{html.escape(str(p.street))}</td>"
            f"<td>{int(p.households)}</td><td>{p.facility_cost_yuan:,.0f}</td><td>{p.subsidy_yuan:,.0f}</td>"
            f"<td>{html.escape(p.mode_zh)}</td><td>{html.escape(p.deadline)}</td></tr>"
            for p in self.plans.itertuples()
        )
        absorbed = "".join(f"<li>{html.escape(str(a.unit_id))} → 并入 {html.escape(str(a.absorbed_by))}"
                           f"{_absorb_note(a)}</li>" for a in self.absorbed.itertuples())
        note = "样例数据为生成数据。" if self.sample else ""
        page = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>一小区一方案 索引</title>
<style>body{{font-family:{FONT_STACK};margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 8px}}
td:nth-child(n+5){{text-align:right}}</style></head><body>
<h1>一小区一方案 索引</h1><p>共 {len(self.plans)} 份方案（资府办函〔2023〕9号）。{note}</p>
<table><thead><tr><th>编号</th><th>名称</th><th>责任主体</th><th>街道（镇）</th><th>户数</th><th>设施估算（元）</th>
<th>奖补（元）</th><th>管理方式</th><th>完成时限</th></tr></thead><tbody>{rows}</tbody></table>
<h2>扩围并入已管理小区的单元（无单独方案）</h2><ul>{absorbed or "<li>无</li>"}</ul></body></html>"""
        return embed_chinese_font(page)  # Chinese on a machine without a CJK font too


_WORKER: dict[str, Any] = {}


def _init_worker(plans: PlanSet, figures: bool) -> None:
    """Each process gets the plan set once: inherited when forked, pickled once per process otherwise."""
    _WORKER.update(plans=plans, figures=figures)


def _document_bytes(span: tuple[int, int]) -> list[tuple[str, bytes]]:
    """(plan id, .docx bytes) of the plans at positions ``span[0]`` to ``span[1]`` (exclusive)."""
    from ._docx import plan_docx

    ps: PlanSet = _WORKER["plans"]
    out = []
    for _, plan in ps.plans.iloc[span[0]:span[1]].iterrows():
        pid = plan["plan_id"]
        out.append((str(pid), plan_docx(plan, ps.facilities[pid], ps.members[pid], figure=_WORKER["figures"],
                                        settings=ps.settings, buildings=ps.buildings.get(pid), context=ps.context,
                                        sample=ps.sample)))
    return out


def _documents(plans: PlanSet, *, figures: bool, workers: int | None) -> Iterator[tuple[str, bytes]]:
    """(plan id, .docx bytes) of every plan, drawn here or by a pool of processes, in plan order.

    A task is a run of positions in the plan table, not the plans' data: each process holds the plan
    set (forked with it, or given it once when it starts), so nothing but the finished documents
    crosses between processes.
    """
    total = len(plans.plans)
    # by default a pool only pays off from a few plans per process on; asked for, it is used as asked
    n = workers if workers is not None else min(os.cpu_count() or 1, max(total // 4, 1))
    n = max(1, min(n, total))
    if n <= 1:
        _init_worker(plans, figures)
        try:
            for i in range(total):
                yield from _document_bytes((i, i + 1))
        finally:
            _WORKER.clear()  # do not keep the plan set alive here
        return
    size = max(1, min(4, total // (4 * n)))  # small spans: no process idles long at the end
    spans = [(i, min(i + size, total)) for i in range(0, total, size)]
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ProcessPoolExecutor(n, mp_context=ctx, initializer=_init_worker, initargs=(plans, figures)) as pool:
        for chunk in pool.map(_document_bytes, spans):
            yield from chunk


def _combined(values: pd.DataFrame, key: str) -> bool | None:
    if key not in values.columns or values.empty:
        return None
    v = values[key].astype("boolean")
    if (v == False).any():  # noqa: E712  (nullable booleans)
        return False
    return True if v.notna().all() else None


def _building_table(buildings: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Households, their estimate flag and floor area of each building, by ``building_id``."""
    cols = ["households", "households_estimated", "floor_area_m2"]
    if buildings is None or "building_id" not in buildings.columns:
        return pd.DataFrame(columns=cols)
    t = pd.DataFrame(buildings.drop(columns=buildings.geometry.name)).drop_duplicates("building_id")
    t = t.set_index(t["building_id"].astype(str))
    for c in cols:
        if c not in t.columns:
            t[c] = False if c == "households_estimated" else np.nan
    return t[cols]


def _estimated_households(rows: pd.DataFrame) -> int:
    """Households of ``rows`` that are estimates (``households_estimated``), 0 without the column."""
    if "households_estimated" not in rows.columns or not len(rows):
        return 0
    est = rows["households_estimated"].astype("boolean").fillna(False).astype(bool)
    return int(pd.to_numeric(rows["households"], errors="coerce").fillna(0)[est].sum())


def build_plans(
    proposals: ProposalResult,
    compounds: gpd.GeoDataFrame,
    *,
    tuoxi: gpd.GeoDataFrame | None,
    buildings: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    settings: Settings | None = None,
    rules: ModeRules | None = None,
    progress: bool = False,
) -> PlanSet:
    """Draft the plans: one per proposed area and per unit left on its own.

    Parameters
    ----------
    proposals : ProposalResult
        Output of :func:`zy_geo.areas.propose.propose_areas` on ``compounds``.
    compounds : GeoDataFrame
        The compounds (joined with the ledger), for names and six-haves.
    tuoxi : GeoDataFrame or None
        The co-funded area (Ziyang: Tuoxi; funding rule); None: each body pays all.
    buildings, roads : GeoDataFrame, optional
        For façades, gates and free land, and drawn in each plan's figure.
    rivers : GeoDataFrame, optional
        Drawn in each plan's figure.
    settings : Settings, optional
        Prices, cap, operating figures.
    rules : ModeRules, optional
        Mode thresholds.
    progress : bool
        Progress bar while pricing.

    Returns
    -------
    PlanSet
    """
    settings = settings or Settings()
    if "compound_id" not in compounds.columns:
        msg = "compounds need a compound_id column to draft plans."
        raise InputError(msg)
    comp = compounds.set_index("compound_id")
    m = proposals.members
    enc_geom = proposals.enclosures.set_index("enclosure_id").geometry
    crossable = set(proposals.params.crossable)
    around = Surroundings(buildings, roads, crossable)

    groups: list[tuple[str, str, pd.DataFrame, shapely.Geometry | None]] = []
    by_area = {k: g for k, g in m[m["area_id"].notna()].groupby("area_id", sort=False)}
    by_unit = {k: g for k, g in m.groupby("unit_id", sort=False)}
    empty = m.iloc[0:0]
    for a in proposals.areas.itertuples():
        groups.append((a.area_id, "area", by_area.get(a.area_id, empty), enc_geom.get(a.enclosure_id)))
    for r in proposals.remainders.itertuples():
        within = enc_geom.get(r.enclosure_id) if r.enclosure_id else None
        pid = "U-" + str(r.unit_id).replace(":", "-")  # usable as a file name everywhere
        groups.append((pid, "unit", by_unit.get(r.unit_id, empty), within))

    bld = _building_table(buildings)
    rows, geoms, needs, members, context = [], [], {}, {}, {}
    for pid, kind, mem, within in tqdm(groups, desc="pricing plans", unit="plan", disable=not progress):
        ids = [i for ids in mem["member_ids"] for i in ids] if len(mem) else []
        cids = [i for i in ids if i in comp.index]
        attrs = comp.loc[cids] if cids else comp.iloc[0:0]
        haves = {k: _combined(attrs, k) for k in SIX_HAVES}
        if (mem["source"] == "buildings").any():  # orphan buildings have none of the six
            haves = {k: (False if v is not None else None) for k, v in haves.items()}
        hh = int(mem["households"].sum())
        bids = [i for i in ids if i in bld.index and i not in comp.index]
        estimated = _estimated_households(attrs) + _estimated_households(bld.loc[bids])
        geoms_m = mem.geometry.values
        nb, rd = around.near(geoms_m)
        fac = facility_needs(geoms_m, walled=mem["walled"].to_numpy(dtype=bool), households=hh, haves=haves,
                             settings=settings, within=within, roads=rd, buildings=nb)
        names = attrs["name"].astype(str).tolist() if "name" in attrs.columns else []
        name = (names[0] if len(names) == 1
                else (f"{names[0]}等{len(mem)}个单元" if names else f"零星住宅（{ids[0]}等）"))
        batch = "2023-06-30" if len(attrs) and (milestone_batch(attrs) == "2023-06-30").all() and \
            len(attrs) == len(mem) else "2023-12-31"
        first = mem.iloc[0]
        rows.append({
            "plan_id": pid, "kind": kind, "name": name, "body": first.get("body"), "street": first.get("street"),
            "street_code": first.get("street_code"),
            "community": ("、".join(sorted(set(attrs["community"].dropna().astype(str))))
                          if "community" in attrs else ""),
            "unit_ids": list(mem["unit_id"]), "compound_ids": cids,
            "kinds": "、".join(sorted({COMPOUND_KINDS.get(k, k) for k in mem["kind"].dropna().astype(str)})),
            "households": hh, "households_estimated": min(estimated, hh),
            "floor_area_m2": float(pd.to_numeric(attrs.get("floor_area_m2", pd.Series(dtype=float)),
                                                 errors="coerce").sum()
                                   + pd.to_numeric(bld.loc[bids, "floor_area_m2"], errors="coerce").sum()),
            **{k: v for k, v in haves.items()},
            "party_org": (bool(attrs["party_org"].astype("boolean").fillna(False).any())
                          if "party_org" in attrs else False),
            "owners_committee": bool(attrs["owners_committee"].astype("boolean").fillna(False).any())
            if "owners_committee" in attrs else False,
            "deadline": batch, "facility_cost_yuan": fac.total_cost_yuan,
            "new_fence_m": round(fac.enclosure.new_fence_m, 1), "gates": fac.enclosure.gates,
        })
        geoms.append(fac.enclosure.boundary)
        needs[pid] = fac
        members[pid] = mem
        context[pid] = nb
    columns = ["plan_id", "kind", "name", "body", "street", "street_code", "community", "unit_ids", "compound_ids",
               "kinds", "households", "households_estimated", "floor_area_m2", *SIX_HAVES, "party_org",
               "owners_committee", "deadline", "facility_cost_yuan", "new_fence_m",
               "gates"]  # also when every unit was absorbed (no plan)
    plans = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry=geoms, crs=compounds.crs)
    fund = funding_split(plans.assign(cost_yuan=plans["facility_cost_yuan"]), tuoxi=tuoxi, settings=settings)
    plans = plans.join(fund.drop(columns=["body", "cost_yuan"]))
    plans["rule_zh"] = plans["rule"].map(RULE_ZH)
    plans = plans.join(recommend_modes(plans, rules=rules, settings=settings))
    cols = [c for c in ("unit_id", "absorbed_by", "households", "absorb_fence_m", "absorb_how", "absorb_group")
            if c in m.columns]
    in_neighbour = m[m["outcome"] == "absorbed"]
    absorbed = in_neighbour[cols].reset_index(drop=True)
    extensions = _extensions(in_neighbour, comp, tuoxi=tuoxi, settings=settings)
    city = PlanContext(compounds, roads=roads, rivers=rivers, buildings=buildings,
                       crossable=tuple(proposals.params.crossable))
    sample = "generated" in compounds.columns and bool(compounds["generated"].astype("boolean").fillna(False).all())
    return PlanSet(plans, needs, members, absorbed, settings, context, extensions, city, sample)


_EXTENSION_COLUMNS = ["plan_id", "kind", "name", "body", "street", "street_code", "absorbed_by", "unit_ids",
                      "households", "new_fence_m", "facility_cost_yuan", "deadline", "mode_zh"]


def _extensions(absorbed: gpd.GeoDataFrame, comp: pd.DataFrame, *, tuoxi: gpd.GeoDataFrame | None,
                settings: Settings) -> gpd.GeoDataFrame:
    """One funding row per managed compound that absorbs neighbours (扩围): the new fence it needs.

    A group of absorbed units is fenced once (``absorb_fence_m`` repeats on each of its units), so
    fence is summed over groups, not units. Proposals written before groups were recorded fall back
    to one group per (compound, how, fence) — the figures a group's units share.
    """
    a = absorbed.copy()
    missing = pd.Series(np.nan, index=a.index)  # columns older proposal files lack
    a["absorb_fence_m"] = pd.to_numeric(a.get("absorb_fence_m", missing), errors="coerce").fillna(0.0)
    if "absorb_group" not in a.columns or a["absorb_group"].isna().any():
        a["absorb_group"] = a["absorbed_by"].astype(str) + "|" + a.get("absorb_how", missing).astype(str) + "|" + \
            a["absorb_fence_m"].astype(str)
    rows, geoms = [], []
    for anchor, g in a.groupby(a["absorbed_by"].astype(str), sort=True):
        fence = float(g.drop_duplicates("absorb_group")["absorb_fence_m"].sum())
        name = str(comp["name"].get(anchor, anchor)) if "name" in comp.columns else anchor
        first = g.iloc[0]
        rows.append({
            "plan_id": "K-" + anchor.replace(":", "-"), "kind": "absorb", "name": f"{name}（扩围）",
            "body": first.get("body"), "street": first.get("street"), "street_code": first.get("street_code"),
            "absorbed_by": anchor, "unit_ids": list(g["unit_id"]), "households": int(g["households"].sum()),
            "new_fence_m": round(fence, 1), "facility_cost_yuan": round(fence * settings.prices.fence_per_m_yuan, 2),
            "deadline": FINAL, "mode_zh": "并入已管理小区（扩围）",
        })
        geoms.append(shapely.union_all(g.geometry.values))
    ext = gpd.GeoDataFrame(pd.DataFrame(rows, columns=_EXTENSION_COLUMNS), geometry=geoms, crs=absorbed.crs)
    fund = funding_split(ext.assign(cost_yuan=ext["facility_cost_yuan"]), tuoxi=tuoxi, settings=settings)
    ext = ext.join(fund.drop(columns=["body", "cost_yuan"]))
    ext["rule_zh"] = ext["rule"].map(RULE_ZH)
    return ext


__all__ = ["LEDGER_ZH", "PlanSet", "build_plans"]


def _absorb_note(a) -> str:
    """How an absorbed unit is enclosed, for the index (nothing when the proposal did not say)."""
    how = ABSORB_HOW_ZH.get(getattr(a, "absorb_how", None) or "")
    fence = getattr(a, "absorb_fence_m", None)
    if not how or fence is None or pd.isna(fence):
        return ""
    return f"（{html.escape(how)}，新建围挡约 {float(fence):,.0f} 米，按组）"
