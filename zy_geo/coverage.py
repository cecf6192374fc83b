"""Coverage of property management and the six-haves, by responsible body, street and community.

Notice 资府办函〔2023〕9号 sets two targets: every residential compound under management
(coverage 100 % by 2023-12-31) and every compound with the six-haves (六有). This module counts
both per group, by compounds **and** by households.

Rules (stated once, applied everywhere):

* A compound is **managed** when its ``mode`` is ``professional``, ``community_center`` or
  ``self_managed``; ``none`` is unmanaged. Where ``mode`` is blank the ``managed`` column
  decides coverage, when there is one; otherwise the compound is not counted as covered,
  because coverage needs evidence. Blank modes are counted in ``mode_unknown`` either way, so
  the ``mode_<mode>`` columns and ``mode_unknown`` add up to ``compounds``.
  ``coverage_*`` shares are over **all** compounds / households of the group.
* A six-have left blank (NA) is **unknown**, neither "has" nor "has not": it is counted in
  ``<item>_unknown`` and left out of that item's share, whose denominator is the compounds
  (households) whose answer is known. ``all_six`` is yes when all six are true, no when any
  is false, and unknown otherwise (``all_six_unknown``); ``all_six_share`` is over the known.
  A six-have column that is missing altogether is unknown for every compound.
* Blank ``households`` or ``floor_area_m2`` add 0 to the sums (``households_unknown`` counts them).
* Households estimated from footprints or land area (``households_estimated``, an imported city
  before its survey) are summed in ``households`` and shown again in ``households_estimated``, so a
  table says how much of its figure nobody has counted yet.

Shares are floats in 0–1 (NaN when the denominator is 0). Counts of the 合计 row (and of the
小计 row of each body) are the sums of the rows above; their shares are recomputed.

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"body": ["雁江区"] * 4, "street": ["莲花街道"] * 2 + ["资溪街道"] * 2,
...                   "mode": ["professional", "none", "none", "community_center"],
...                   "households": [300, 100, 50, 50], "gate": [True, False, None, True]})
>>> t = coverage_table(c, by="street")
>>> t[["street", "compounds", "households", "coverage_compounds", "coverage_households"]].values.tolist()
[['莲花街道', 2, 400, 0.5, 0.75], ['资溪街道', 2, 100, 0.5, 0.5], ['合计', 4, 500, 0.5, 0.7]]
>>> t["gate_share"].tolist(), t["gate_unknown"].tolist()  # 资溪街道: one unknown, one has it
([0.5, 1.0, 0.6666666666666666], [0, 1, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .errors import InputError
from .labels import COLUMNS_ZH
from .milestones import milestone_batch, milestone_status, milestone_table  # noqa: F401  (coverage API)
from .schema import MODES, SIX_HAVES
from .write import OutputFolder, writing

TOTAL = "合计"
SUBTOTAL = "小计"
_BLANK = "（未填）"
_MANAGED_MODES = [m for m in MODES if m != "none"]

_SHARE_ZH = {v for k, v in COLUMNS_ZH.items() if k.endswith("_share") or k.startswith("coverage_")}


def _boolean(compounds: pd.DataFrame, col: str) -> pd.Series:
    if col not in compounds.columns:
        return pd.Series(pd.NA, index=compounds.index, dtype="boolean")
    try:
        return compounds[col].astype("boolean")
    except (TypeError, ValueError) as exc:
        bad = compounds[col][~compounds[col].isin([True, False]) & compounds[col].notna()]
        msg = (f"column {col} ({SIX_HAVES.get(col, col)}) must be true/false/blank; row {bad.index[0]!r} "
               f"holds {bad.iloc[0]!r}. Read the ledger with zy_geo.ledger.read.read_ledger, which turns "
               "有/无/是/否/√/× into booleans.")
        raise InputError(msg) from exc


def _modes(compounds: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Mode per compound (a key of MODES, NA when blank) and whether it is managed."""
    if "mode" in compounds.columns:
        mode = compounds["mode"].astype("string").str.strip()
        odd = mode.notna() & ~mode.isin(list(MODES))
        if odd.any():
            where = ", ".join(f"row {i!r}: {v!r}" for i, v in mode[odd].head(5).items())
            msg = (f"column mode holds values that are not management modes ({where}); expected one of "
                   f"{', '.join(MODES)}. Read the ledger with zy_geo.ledger.read.read_ledger, which maps "
                   "专业化物业管理/社区物业服务中心/自行管理/无 to them.")
            raise InputError(msg)
    else:
        mode = pd.Series(pd.NA, index=compounds.index, dtype="string")
    managed = mode.isin(_MANAGED_MODES).astype("boolean").mask(mode.isna())
    if "managed" in compounds.columns:
        managed = managed.fillna(_boolean(compounds, "managed"))
    return mode, managed.fillna(False).astype(bool)


def _counts(compounds: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per compound of summable 0/1 and household counts (helpers start with ``_``)."""
    df = pd.DataFrame({c: compounds[c].astype("string").fillna(_BLANK) for c in by})
    hh_raw = pd.to_numeric(compounds["households"], errors="coerce") if "households" in compounds.columns \
        else pd.Series(np.nan, index=compounds.index)
    hh = hh_raw.fillna(0).astype("int64")
    area = pd.to_numeric(compounds["floor_area_m2"], errors="coerce") if "floor_area_m2" in compounds.columns \
        else pd.Series(0.0, index=compounds.index)
    mode, managed = _modes(compounds)
    df["compounds"] = 1
    df["households"] = hh
    df["households_unknown"] = hh_raw.isna().astype(int)
    if "households_estimated" in compounds.columns:  # an imported city before (or without) its survey
        estimated = compounds["households_estimated"].astype("boolean").fillna(False).astype(bool)
        df["households_estimated"] = hh.where(estimated, 0)
    df["floor_area_m2"] = area.fillna(0.0).astype(float)
    df["managed_compounds"] = managed.astype(int)
    df["managed_households"] = hh.where(managed, 0)
    for m in MODES:
        df[f"mode_{m}"] = (mode == m).fillna(False).astype(int)
    df["mode_unknown"] = mode.isna().astype(int)
    all_yes = pd.Series(True, index=compounds.index)
    any_no = pd.Series(False, index=compounds.index)
    for k in SIX_HAVES:
        v = _boolean(compounds, k)
        yes, no = v.fillna(False).astype(bool), (~v).fillna(False).astype(bool)
        df[f"{k}_yes"] = yes.astype(int)
        df[f"{k}_unknown"] = v.isna().astype(int)
        df[f"_{k}_yes_hh"] = hh.where(yes, 0)
        df[f"_{k}_known_hh"] = hh.where(v.notna(), 0)
        all_yes &= yes
        any_no |= no
    known = all_yes | any_no
    df["all_six"] = all_yes.astype(int)
    df["all_six_unknown"] = (~known).astype(int)
    df["_all_six_hh"] = hh.where(all_yes, 0)
    df["_all_six_known_hh"] = hh.where(known, 0)
    return df


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype(float), den.astype(float)
    return (num / den.where(den > 0)).astype(float)


def _finish(sums: pd.DataFrame, by: list[str], as_households: bool) -> pd.DataFrame:
    """Shares from the summed counts; helper columns dropped."""
    out = sums.copy()
    out["coverage_compounds"] = _ratio(out["managed_compounds"], out["compounds"])
    out["coverage_households"] = _ratio(out["managed_households"], out["households"])
    for k in SIX_HAVES:
        out[f"{k}_share"] = _ratio(out[f"{k}_yes"], out["compounds"] - out[f"{k}_unknown"])
        out[f"{k}_households_share"] = _ratio(out[f"_{k}_yes_hh"], out[f"_{k}_known_hh"])
    out["all_six_share"] = _ratio(out["all_six"], out["compounds"] - out["all_six_unknown"])
    out["all_six_households_share"] = _ratio(out["_all_six_hh"], out["_all_six_known_hh"])
    order = ["compounds", "households", "households_unknown", "floor_area_m2", "managed_compounds",
             "managed_households", "coverage_compounds", "coverage_households",
             *[f"mode_{m}" for m in MODES], "mode_unknown"]
    for k in SIX_HAVES:
        order += [f"{k}_yes", f"{k}_unknown", f"{k}_share", f"{k}_households_share"]
    order += ["all_six", "all_six_unknown", "all_six_share", "all_six_households_share"]
    if "households_estimated" in out.columns:
        order.insert(order.index("households_unknown") + 1, "households_estimated")
    if not as_households:
        order = [c for c in order if c not in ("managed_households", "coverage_households", "households_estimated",
                                               "households_unknown") and not c.endswith("households_share")]
    return out[by + order]


def coverage_table(
    compounds: pd.DataFrame,
    *,
    by: Sequence[str] | str = ("body", "street"),
    as_households: bool = True,
    totals: bool = True,
    labels: Literal["en", "zh"] = "en",
) -> pd.DataFrame:
    """Coverage and six-haves completion per group, with body subtotals and a 合计 row.

    Parameters
    ----------
    compounds : DataFrame or GeoDataFrame
        One row per compound (e.g. :attr:`zy_geo.ledger.join.JoinResult.joined`) with ``mode`` and/or
        ``managed``, ``households``, optionally ``floor_area_m2`` and the six-haves columns
        (:data:`zy_geo.schema.SIX_HAVES`), and the ``by`` columns.
    by : str or sequence of str
        Grouping columns: ``("body", "street")`` (default), ``"community"``, ``("street",
        "community")``, any columns. Blank group values are shown as （未填）.
    as_households : bool
        Also count households: ``managed_households``, ``coverage_households``,
        ``<item>_households_share``, ``all_six_households_share``.
    totals : bool
        Add a 合计 row, and a 小计 row after each body when grouping by ``body`` and more.
    labels : {"en", "zh"}
        Column names: English identifiers, or Chinese labels for export (:func:`to_chinese`).

    Returns
    -------
    DataFrame
        The ``by`` columns, then counts (``compounds``, ``households``, ``floor_area_m2``,
        ``managed_compounds``, ``mode_<mode>`` and ``mode_unknown``, ``<item>_yes``,
        ``<item>_unknown``, ``all_six``, ``all_six_unknown`` …) and shares in 0–1
        (``coverage_compounds``, ``coverage_households``, ``<item>_share``, ``all_six_share`` …).
        The rules for unknown values are in the module docstring.

    Raises
    ------
    InputError
        A ``by`` column is missing, ``mode`` holds an unknown value, or a six-have column
        holds something other than true/false/blank.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"body": ["雁江区", "雁江区", "高新区"], "street": ["莲花街道", "资溪街道", "松涛镇"],
    ...                   "managed": [True, False, False], "households": [300, 100, 100]})
    >>> t = coverage_table(c, as_households=False)
    >>> t["street"].tolist()
    ['莲花街道', '资溪街道', '小计', '松涛镇', '小计', '合计']
    >>> t["compounds"].tolist(), t["managed_compounds"].tolist()
    ([1, 1, 2, 1, 1, 3], [1, 0, 1, 0, 0, 1])
    >>> coverage_table(c, by="body", labels="zh").columns[:3].tolist()
    ['责任主体', '小区数', '户数']
    """
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        msg = "by is empty; give at least one grouping column, e.g. by='street'."
        raise InputError(msg)
    missing = [c for c in by if c not in compounds.columns]
    if missing:
        msg = (f"coverage needs column(s) {missing} to group by; the compounds have "
               f"{', '.join(map(str, compounds.columns[:20]))}. Join the survey ledger or add them.")
        raise InputError(msg)
    if "households" not in compounds.columns:
        msg = "coverage needs a `households` column (户数); join the survey ledger or add it."
        raise InputError(msg)
    if "mode" not in compounds.columns and "managed" not in compounds.columns:
        msg = "coverage needs a `mode` (管理方式) or `managed` column to tell covered compounds."
        raise InputError(msg)
    if labels not in ("en", "zh"):
        msg = f"labels={labels!r}: expected 'en' or 'zh'."
        raise InputError(msg)
    counts = _counts(compounds, by)
    groups = counts.groupby(by, sort=True).sum(numeric_only=True).reset_index()
    parts = [groups]
    if totals and len(by) > 1 and by[0] == "body":
        parts = []
        for body, g in groups.groupby("body", sort=True):
            sub = g.drop(columns=by).sum().to_frame().T.assign(body=body, **dict.fromkeys(by[1:], SUBTOTAL))
            parts += [g, sub]
    if totals:
        parts.append(counts.drop(columns=by).sum().to_frame().T.assign(**dict.fromkeys(by, TOTAL)))
    sums = pd.concat(parts, ignore_index=True)
    num = [c for c in sums.columns if c not in by]
    sums[num] = sums[num].apply(pd.to_numeric)
    ints = [c for c in num if c != "floor_area_m2"]
    sums[ints] = sums[ints].astype("int64")
    out = _finish(sums, by, as_households)
    return to_chinese(out) if labels == "zh" else out


def to_chinese(table: pd.DataFrame) -> pd.DataFrame:
    """Rename the columns of a coverage table to Chinese labels (unknown columns kept as they are).

    Parameters
    ----------
    table : DataFrame
        A table from :func:`coverage_table`.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> to_chinese(pd.DataFrame(columns=["street", "coverage_households", "gate_share"])).columns.tolist()
    ['街道（镇）', '户数覆盖率', '门岗：有的比例（小区）']
    """
    return table.rename(columns=COLUMNS_ZH)


def write_coverage_xlsx(table: pd.DataFrame, path: str | Path, *, sheet: str = "覆盖情况",
                        extra: dict[str, pd.DataFrame] | None = None, folder: OutputFolder | None = None,
                        force: bool = False) -> Path:
    """Write a coverage table to .xlsx: Chinese headers, shares as percentages, totals in bold.

    Parameters
    ----------
    table : DataFrame
        From :func:`coverage_table` (English or Chinese labels).
    path : str or Path
        The workbook to write (its folder is created).
    sheet : str
        Sheet name.
    extra : dict of str to DataFrame, optional
        Further sheets written after it as they are (e.g. deadline progress).
    folder : OutputFolder, optional
        The command's output folder (``path`` is then relative to it); see :mod:`zy_geo.write`.
    force : bool
        Overwrite a workbook zy_geo did not write.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, openpyxl, pandas as pd
    >>> c = pd.DataFrame({"street": ["莲花街道", "资溪街道"], "mode": ["none", "professional"],
    ...                   "households": [100, 300]})
    >>> p = write_coverage_xlsx(coverage_table(c, by="street"), Path(tempfile.mkdtemp()) / "c.xlsx")
    >>> ws = openpyxl.load_workbook(p).active
    >>> header = [cell.value for cell in ws[1]]
    >>> header[:3], ws.cell(4, 1).value
    (['街道（镇）', '小区数', '户数'], '合计')
    >>> total = ws.cell(4, header.index("户数覆盖率") + 1)
    >>> total.value, total.number_format
    (0.75, '0.0%')
    """
    zh = to_chinese(table)
    sheets = {sheet: zh, **(extra or {})}
    with writing(path, folder, suffixes=(".xlsx",), what="coverage workbook", force=force) as (out, name):
        return out.write_xlsx(sheets, name, style=lambda ws, wanted, df: _style_coverage(ws, df)
                              if wanted == sheet else _style_plain(ws))


def _style_plain(ws) -> None:
    ws.freeze_panes = "A2"
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col[:60])
        ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.6), 24)


def _style_coverage(ws, zh: pd.DataFrame) -> None:
    """Shares as percentages, totals in bold, key columns frozen."""
    from openpyxl.styles import Alignment, Font

    keys = sum(1 for c in zh.columns if c in {COLUMNS_ZH.get(k, k) for k in ("body", "street", "community")}
               or zh[c].dtype == object or pd.api.types.is_string_dtype(zh[c]))
    ws.freeze_panes = ws.cell(2, max(keys, 1) + 1)
    share_cols = {i + 1 for i, c in enumerate(zh.columns) if c in _SHARE_ZH}
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in ws.iter_rows(min_row=2):
        total = any(str(c.value) in (TOTAL, SUBTOTAL) for c in row[: max(keys, 1)])
        for cell in row:
            if cell.column in share_cols:
                cell.number_format = "0.0%"
            elif isinstance(cell.value, float):
                cell.number_format = "#,##0.0"
            if total:
                cell.font = Font(bold=True)
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col[:60])
        ws.column_dimensions[col[0].column_letter].width = min(max(8, width * 1.6), 24)
