"""Join the survey ledger to compound polygons: by id, by name within the street, by point.

Three passes, each over what is still unmatched on both sides:

1. **id** — ``compound_id`` after normalisation (full-width digits, ``512002001-12`` ≡ ``…-0012``);
2. **name** — normalised name within the same street; then a looser key (小区/院/苑 dropped,
   号院 ≡ 号) if it is unambiguous in that street. Ambiguous names are reported, never guessed;
3. **point** — the ledger's coordinates (GCJ-02 when picked on Amap: ``coord_frame``)
   converted to EPSG:4544 and placed in the polygon that contains them (one only).

Every ledger row ends matched or in ``unmatched_ledger`` with its reason; compounds the ledger
does not describe are listed too (managed compounds are often absent from an unmanaged-compounds
ledger: that is not an error). Personal-data columns never reach ``joined``.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> polys = gpd.GeoDataFrame({"compound_id": ["512002001-0001", "512002001-0002"],
...     "name": ["锦华小区", "建设路12号院"], "street": ["莲花街道"] * 2, "households": [100, 20]},
...     geometry=[box(0, 0, 50, 50), box(100, 0, 150, 50)], crs="EPSG:4544")
>>> ledger = pd.DataFrame({"compound_id": ["512002001-1", None], "name": ["锦华小区", "建设路１２号"],
...     "street": ["莲花街道"] * 2, "households": [120, 24], "source_row": [5, 6]})
>>> r = join_ledger(polys, ledger)
>>> r.matches["method"].tolist(), r.joined["households"].tolist()
(['id', 'name'], [120, 24])
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import InputError, ProblemReport
from ._names import name_key, norm_id, norm_name
from .crs import bd09_to_wgs84, gcj02_to_wgs84
from .schema import PII_COLUMNS

_NOT_OVERRIDDEN = {"source_row", "sheet", "lon", "lat"}


@dataclass
class JoinResult:
    """Compounds with ledger attributes, and the reconciliation of both sides."""

    joined: gpd.GeoDataFrame
    matches: pd.DataFrame
    unmatched_ledger: pd.DataFrame
    unmatched_compounds: gpd.GeoDataFrame
    problems: ProblemReport

    def reconciliation(self) -> pd.DataFrame:
        """Counts per street: ledger rows matched by id / name / point, unmatched on each side."""
        m = self.matches.assign(street=self.matches["street"].fillna("（未知）"))
        by = m.pivot_table(index="street", columns="method", values="ledger_index", aggfunc="count", fill_value=0)
        for method in ("id", "name", "point"):
            if method not in by.columns:
                by[method] = 0
        out = pd.DataFrame(index=sorted(set(by.index) | set(self.joined["street"].dropna())))
        out.index.name = "street"
        out["compounds"] = self.joined.groupby("street").size()
        out["matched_by_id"] = by["id"]
        out["matched_by_name"] = by["name"]
        out["matched_by_point"] = by["point"]
        ul = self.unmatched_ledger.assign(street=self.unmatched_ledger["street"].fillna("（未知）"))
        out["ledger_unmatched"] = ul.groupby("street").size()
        out["compounds_without_ledger"] = self.unmatched_compounds.groupby("street").size()
        out = out.fillna(0).astype(int).reset_index()
        total = out.drop(columns="street").sum().to_frame().T.assign(street="合计")
        return pd.concat([out, total[out.columns]], ignore_index=True)

    def _repr_html_(self) -> str:
        rec = self.reconciliation().to_html(index=False, escape=True)
        return (f"<p><b>台账—图斑匹配</b>：{len(self.matches)} 行匹配，{len(self.unmatched_ledger)} 行台账未匹配，"
                f"{len(self.unmatched_compounds)} 个图斑无台账</p>{rec}"
                + (self.unmatched_ledger.head(20).to_html(index=False, escape=True) if len(self.unmatched_ledger)
                   else "")).replace("<script", html.escape("<script"))


def _points_metric(ledger: pd.DataFrame, frame: str, crs) -> np.ndarray:
    lon = pd.to_numeric(ledger.get("lon"), errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(ledger.get("lat"), errors="coerce").to_numpy(dtype=float)
    f = frame.lower().replace("-", "")
    if f == "gcj02":
        lon, lat = gcj02_to_wgs84(lon, lat)
        src = "EPSG:4326"
    elif f == "bd09":
        lon, lat = bd09_to_wgs84(lon, lat)
        src = "EPSG:4326"
    else:
        src = frame
    pts = gpd.GeoSeries(shapely.points(lon, lat), crs=src).to_crs(crs)
    return pts.values


def join_ledger(
    compounds: gpd.GeoDataFrame,
    ledger: pd.DataFrame,
    *,
    coord_frame: str = "gcj02",
    prefer: str = "ledger",
) -> JoinResult:
    """Match ledger rows to compound polygons and merge their attributes.

    Parameters
    ----------
    compounds : GeoDataFrame
        Compound polygons (metric CRS) with ``compound_id``, ``name``, ``street``.
    ledger : DataFrame
        The normalised ledger (:attr:`zy_geo.ledger.LedgerResult.table`).
    coord_frame : {"gcj02", "bd09", "EPSG:4326", "EPSG:4490"}
        Frame of the ledger's ``lon``/``lat``.
    prefer : {"ledger", "polygons"}
        Whose value wins where both have one (the survey is newer than the map by default).

    Returns
    -------
    JoinResult
    """
    need = {"compound_id", "name", "street"} - set(compounds.columns)
    if need:
        msg = f"compounds lack column(s) {sorted(need)} needed to join the ledger."
        raise InputError(msg)
    if compounds.crs is None or not compounds.crs.is_projected:
        msg = f"compounds must be in metres (EPSG:4544), found {compounds.crs}; use zy_geo.crs.to_metric()."
        raise InputError(msg)
    ledger = ledger.drop(columns=[c for c in PII_COLUMNS if c in ledger.columns]).reset_index(drop=True)
    comp = compounds.reset_index(drop=True)
    problems = ProblemReport()
    matched_l: dict[int, tuple[int, str, str]] = {}
    taken: dict[int, int] = {}

    def where(i: int) -> dict:
        row = ledger.iloc[i]
        return {"layer": row.get("sheet") if "sheet" in ledger.columns else None,
                "row": int(row["source_row"]) if "source_row" in ledger.columns and pd.notna(row["source_row"]) else i}

    def take(i: int, c: int, method: str, detail: str) -> None:
        matched_l[i] = (c, method, detail)
        taken[c] = i

    # 1. by id
    cid = {norm_id(v): k for k, v in enumerate(comp["compound_id"]) if pd.notna(v)}
    if "compound_id" in ledger.columns:
        for i, v in enumerate(ledger["compound_id"]):
            if pd.isna(v):
                continue
            c = cid.get(norm_id(v))
            if c is None:
                continue
            if c in taken:
                problems.add("warning", f"compound {comp['compound_id'].iat[c]} already matched by another row",
                             column="小区编号", value=v, code="double_match", **where(i))
                continue
            take(i, c, "id", str(v))

    # 2. by name within street, exact then loose (only when unambiguous on both sides)
    street_l = ledger["street"].astype("string").fillna("")
    street_c = comp["street"].astype("string").fillna("")
    for key_fn, label in ((norm_name, "name"), (name_key, "name_key")):
        free_c = [c for c in range(len(comp)) if c not in taken]
        index: dict[tuple[str, str], list[int]] = {}
        for c in free_c:
            index.setdefault((street_c.iat[c], key_fn(comp["name"].iat[c])), []).append(c)
        free_l = [i for i in range(len(ledger)) if i not in matched_l and pd.notna(ledger["name"].iat[i])]
        wanted: dict[tuple[str, str], list[int]] = {}
        for i in free_l:
            wanted.setdefault((street_l.iat[i], key_fn(ledger["name"].iat[i])), []).append(i)
        for key, rows in wanted.items():
            cands = index.get(key, [])
            if len(cands) == 1 and len(rows) == 1:
                take(rows[0], cands[0], "name", f"{label}: {key[1]}")
            elif cands and (len(cands) > 1 or len(rows) > 1) and label == "name_key":
                for i in rows:
                    problems.add("warning", f"name {ledger['name'].iat[i]!r} is ambiguous in {key[0]}: "
                                 f"{len(cands)} polygon(s), {len(rows)} ledger row(s); not guessed",
                                 column="小区名称", code="ambiguous_name",
                                 fix="add the 小区编号 or coordinates to the ledger row", **where(i))

    # 3. by point in polygon
    if {"lon", "lat"} <= set(ledger.columns):
        free_l = np.array([i for i in range(len(ledger)) if i not in matched_l
                           and pd.notna(ledger["lon"].iat[i]) and pd.notna(ledger["lat"].iat[i])], dtype=int)
        if len(free_l):
            pts = _points_metric(ledger.iloc[free_l], coord_frame, comp.crs)
            p_idx, c_idx = shapely.STRtree(comp.geometry.values).query(pts, predicate="within")
            hits = pd.Series(c_idx).groupby(p_idx).agg(list)
            for p, cs in hits.items():
                i = int(free_l[p])
                if len(cs) > 1:
                    problems.add("warning", f"the point lies in {len(cs)} compound polygons; not guessed",
                                 column="经度/纬度", code="ambiguous_point", **where(i))
                elif cs[0] in taken:
                    problems.add("warning", f"the point lies in {comp['compound_id'].iat[cs[0]]}, already "
                                 "matched by another row", column="经度/纬度", code="double_match", **where(i))
                else:
                    take(i, int(cs[0]), "point", f"{coord_frame} point")

    # assemble
    m = pd.DataFrame([(i, c, meth, det) for i, (c, meth, det) in sorted(matched_l.items())],
                     columns=["ledger_index", "compound_index", "method", "detail"])
    m["compound_id"] = comp["compound_id"].to_numpy()[m["compound_index"].to_numpy(dtype=int)] if len(m) else []
    m["street"] = street_l.to_numpy()[m["ledger_index"].to_numpy(dtype=int)] if len(m) else []
    unmatched_idx = [i for i in range(len(ledger)) if i not in matched_l]
    reasons = []
    for i in unmatched_idx:
        has_xy = {"lon", "lat"} <= set(ledger.columns) and pd.notna(ledger["lon"].iat[i])
        why = ("no polygon with this id or this name in the street"
               + ("; its point lies in no free polygon" if has_xy else "; no coordinates to place it"))
        reasons.append(why)
        problems.add("warning", f"ledger row {ledger['name'].iat[i]!r} matches no compound polygon: {why}",
                     code="unmatched_row", fix="check the name/id, or add coordinates picked on the map", **where(i))
    unmatched = ledger.iloc[unmatched_idx].assign(reason=reasons)
    joined = comp.copy()
    joined["match_method"] = "none"
    joined["ledger_sheet"] = pd.Series(pd.NA, index=joined.index, dtype="string")
    joined["ledger_row"] = pd.Series(pd.NA, index=joined.index, dtype="Int64")
    if len(m):
        ci = m["compound_index"].to_numpy(dtype=int)
        li = m["ledger_index"].to_numpy(dtype=int)
        joined.loc[ci, "match_method"] = m["method"].to_numpy()
        if "sheet" in ledger.columns:
            joined.loc[ci, "ledger_sheet"] = ledger["sheet"].to_numpy()[li]
        if "source_row" in ledger.columns:
            joined.loc[ci, "ledger_row"] = ledger["source_row"].to_numpy()[li]
        for col in ledger.columns:
            if col in _NOT_OVERRIDDEN or col == "compound_id":
                continue
            values = pd.Series(ledger[col].to_numpy()[li], index=ci)
            if col not in joined.columns:
                joined[col] = pd.Series(pd.NA, index=joined.index, dtype=ledger[col].dtype)
                joined.loc[ci, col] = values.to_numpy()
                continue
            have = values.notna()
            if prefer == "ledger":
                target = ci[have.to_numpy()]
            else:
                target = ci[have.to_numpy() & joined.loc[ci, col].isna().to_numpy()]
            if len(target):
                joined[col] = joined[col].astype(object)
                joined.loc[target, col] = values.loc[target].to_numpy()
                joined[col] = joined[col].infer_objects()
    unmatched_c = joined[~joined.index.isin(taken)]
    return JoinResult(joined, m, unmatched.reset_index(drop=True), unmatched_c, problems)
