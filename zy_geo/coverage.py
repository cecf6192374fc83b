"""Coverage of property management and the six-haves, by responsible body, street and community.

Coverage counts compounds **and** households: a compound is covered when its management mode
is not ``none``. Six-haves completion is the share of compounds (and of households) that have
each item, and all six. An item recorded as unknown (NA: left blank in the ledger) is neither
"has" nor "has not": it is counted in ``<item>_unknown`` and left out of that item's share.

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"body": ["雁江区"] * 4, "street": ["莲花街道"] * 2 + ["资溪街道"] * 2,
...                   "mode": ["professional", "none", "none", "community_center"],
...                   "households": [300, 100, 50, 50], "gate": [True, False, None, True]})
>>> t = coverage_table(c, by=("street",))
>>> t[["street", "compounds", "households", "coverage_compounds", "coverage_households"]].values.tolist()
[['莲花街道', 2, 400, 0.5, 0.75], ['资溪街道', 2, 100, 0.5, 0.5], ['合计', 4, 500, 0.5, 0.7]]
>>> t["gate_share"].tolist()  # 资溪街道: one unknown, one has it
[0.5, 1.0, 0.6666666666666666]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError
from .schema import MODES, SIX_HAVES

#: Chinese column labels for exports.
COLUMNS_ZH: dict[str, str] = {
    "body": "责任主体", "street": "街道（镇）", "community": "社区", "compounds": "小区数", "households": "户数",
    "floor_area_m2": "建筑面积（㎡）", "managed_compounds": "已覆盖小区数", "managed_households": "已覆盖户数",
    "coverage_compounds": "小区覆盖率", "coverage_households": "户数覆盖率",
    **{f"mode_{k}": f"{v}（户）" for k, v in MODES.items()},
    **{f"{k}_share": f"{v}比例" for k, v in SIX_HAVES.items()},
    **{f"{k}_unknown": f"{v}未填" for k, v in SIX_HAVES.items()},
    "all_six": "“六有”全部达标小区数", "all_six_share": "“六有”达标率", "all_six_households_share": "“六有”达标户数比例",
}


def _bool(s: pd.Series) -> pd.Series:
    return s.astype("boolean")


def coverage_table(compounds: pd.DataFrame, *, by: Sequence[str] | str = ("body", "street"),
                   totals: bool = True) -> pd.DataFrame:
    """Coverage and six-haves completion per group, with body subtotals and a 合计 row.

    Parameters
    ----------
    compounds : DataFrame
        One row per compound with ``mode`` (or ``managed``), ``households``; optional
        ``floor_area_m2`` and the six-haves columns; and the ``by`` columns.
    by : str or sequence of str
        Grouping columns, e.g. ``("body", "street")``, ``"community"``.
    totals : bool
        Add a 合计 row (and a 小计 row per body when grouping by body and something else).

    Returns
    -------
    DataFrame
        Counts, shares in 0–1 (``coverage_compounds``, ``coverage_households``,
        ``<item>_share``, ``all_six_share``), ``mode_<mode>`` households.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, "households"] if c not in compounds.columns]
    if missing:
        msg = f"coverage needs column(s) {missing}; join the survey ledger or add them to the compounds."
        raise InputError(msg)
    df = pd.DataFrame({c: compounds[c].astype("string").fillna("（未填）").to_numpy() for c in by})
    df["households"] = pd.to_numeric(compounds["households"], errors="coerce").fillna(0).astype(int).to_numpy()
    area = compounds["floor_area_m2"] if "floor_area_m2" in compounds.columns else pd.Series(0.0, index=compounds.index)
    df["floor_area_m2"] = pd.to_numeric(area, errors="coerce").fillna(0.0).to_numpy()
    if "mode" in compounds.columns:
        mode = compounds["mode"].astype("string").fillna("none")
    elif "managed" in compounds.columns:
        mode = pd.Series(np.where(_bool(compounds["managed"]).fillna(False), "professional", "none"),
                         index=compounds.index)
    else:
        msg = "coverage needs a `mode` (or `managed`) column."
        raise InputError(msg)
    df["mode"] = mode.to_numpy()
    haves = [k for k in SIX_HAVES if k in compounds.columns]
    for k in haves:
        df[k] = _bool(compounds[k]).to_numpy()
    all_six = pd.Series(True, index=compounds.index, dtype="boolean")
    for k in SIX_HAVES:
        all_six &= _bool(compounds[k]) if k in compounds.columns else pd.Series(pd.NA, index=compounds.index,
                                                                              dtype="boolean")
    df["all_six"] = all_six.fillna(False).to_numpy()

    def summarise(g: pd.DataFrame) -> dict:
        managed = g["mode"] != "none"
        hh = g["households"]
        row = {
            "compounds": len(g), "households": int(hh.sum()), "floor_area_m2": float(g["floor_area_m2"].sum()),
            "managed_compounds": int(managed.sum()), "managed_households": int(hh[managed].sum()),
        }
        row["coverage_compounds"] = row["managed_compounds"] / row["compounds"] if len(g) else np.nan
        row["coverage_households"] = row["managed_households"] / row["households"] if row["households"] else np.nan
        for m in MODES:
            row[f"mode_{m}"] = int(hh[g["mode"] == m].sum())
        for k in haves:
            known = g[k].notna()
            row[f"{k}_share"] = float(g.loc[known, k].astype(bool).mean()) if known.any() else np.nan
            row[f"{k}_unknown"] = int((~known).sum())
        row["all_six"] = int(g["all_six"].sum())
        row["all_six_share"] = row["all_six"] / len(g) if len(g) else np.nan
        row["all_six_households_share"] = float(hh[g["all_six"]].sum() / hh.sum()) if hh.sum() else np.nan
        return row

    rows = []
    for key, g in df.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key, strict=True)), **summarise(g)})
    out = pd.DataFrame(rows)
    if totals and len(by) > 1 and by[0] == "body":
        parts = []
        for body, g in out.groupby("body", sort=True):
            parts.append(g)
            sub = {"body": body, **dict.fromkeys(by[1:], "小计"), **summarise(df[df["body"] == body])}
            parts.append(pd.DataFrame([sub]))
        out = pd.concat(parts, ignore_index=True)
    if totals:
        out = pd.concat([out, pd.DataFrame([{**dict.fromkeys(by, "合计"), **summarise(df)}])], ignore_index=True)
    return out


def to_chinese(table: pd.DataFrame) -> pd.DataFrame:
    """Rename columns to Chinese labels for reports."""
    return table.rename(columns=COLUMNS_ZH)


def write_coverage_xlsx(table: pd.DataFrame, path: str | Path, *, sheet: str = "覆盖情况") -> Path:
    """Write the coverage table with Chinese headers, percentages formatted, totals rows in bold."""
    from openpyxl.styles import Font

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    zh = to_chinese(table)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        zh.to_excel(xl, sheet_name=sheet, index=False)
        ws = xl.sheets[sheet]
        ws.freeze_panes = "C2"
        shares = {i + 1 for i, c in enumerate(table.columns) if c.endswith("_share") or c.startswith("coverage_")}
        for row in ws.iter_rows(min_row=2):
            is_total = any(str(c.value) in ("合计", "小计") for c in row[:3])
            for cell in row:
                if cell.column in shares:
                    cell.number_format = "0.0%"
                if is_total:
                    cell.font = Font(bold=True)
        for col in ws.columns:
            width = max(len(str(c.value or "")) for c in col[:60])
            ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.5), 40)
    return path
