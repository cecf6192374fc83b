"""Milestones of the notice (§一): which deadline each compound falls under, and where it stands.

* 2023-06-30: compounds that finished old-compound renovation (老旧小区改造) and independent
  enclosed compounds (独立封闭小区) reach the six-haves;
* 2023-12-31: every other compound; coverage 100 %.

A compound is **done** when it is under management (mode not ``none``) and has all six haves.
Otherwise, as of a date, it is **on time** (deadline more than ``due_days`` away), **due**
(deadline within ``due_days``) or **overdue** (deadline passed).

Examples
--------
>>> import pandas as pd
>>> c = pd.DataFrame({"renovated": [True, False, False], "kind": ["open", "enclosed", "open"],
...                   "mode": ["none", "professional", "none"]} | {k: [False, True, False] for k in
...                   ["gate", "cleaning", "maintenance", "greening", "security", "parking"]})
>>> milestone_batch(c).tolist()
['2023-06-30', '2023-06-30', '2023-12-31']
>>> milestone_status(c, as_of="2023-07-15").tolist()
['overdue', 'done', 'on_time']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .labels import STATUS_ZH
from .schema import SIX_HAVES

EARLY, FINAL = "2023-06-30", "2023-12-31"


def milestone_batch(compounds: pd.DataFrame) -> pd.Series:
    """Deadline of each compound: renovated or independent enclosed → 2023-06-30, else 2023-12-31."""
    early = pd.Series(False, index=compounds.index)
    for col in ("renovated", "enclosed"):
        if col in compounds.columns:
            early |= compounds[col].astype("boolean").fillna(False).astype(bool)
    if "kind" in compounds.columns:
        early |= compounds["kind"].astype("string").eq("enclosed").fillna(False).astype(bool)
    return pd.Series(np.where(early, EARLY, FINAL), index=compounds.index)


def is_done(compounds: pd.DataFrame) -> pd.Series:
    """Under management and all six haves known and present."""
    managed = compounds["mode"].astype("string").fillna("none").ne("none") if "mode" in compounds.columns \
        else pd.Series(False, index=compounds.index)
    six = pd.Series(True, index=compounds.index)
    for k in SIX_HAVES:
        six &= compounds[k].astype("boolean").fillna(False).astype(bool) if k in compounds.columns else False
    return managed & six


def milestone_status(compounds: pd.DataFrame, *, as_of: str | pd.Timestamp, due_days: int = 30) -> pd.Series:
    """``done`` / ``on_time`` / ``due`` / ``overdue`` per compound as of a date."""
    as_of = pd.Timestamp(as_of)
    deadline = pd.to_datetime(milestone_batch(compounds))
    left = (deadline - as_of).dt.days
    status = np.where(left < 0, "overdue", np.where(left <= due_days, "due", "on_time"))
    return pd.Series(np.where(is_done(compounds), "done", status), index=compounds.index)


def milestone_table(compounds: pd.DataFrame, *, as_of: str, by: Sequence[str] = ("body", "street"),
                    due_days: int = 30) -> pd.DataFrame:
    """Compounds and households per batch and status, per group, with a 合计 row.

    Examples
    --------
    >>> c = pd.DataFrame({"street": ["甲", "甲"], "households": [10, 20], "mode": ["none", "none"],
    ...                   "renovated": [True, False]})
    >>> t = milestone_table(c, as_of="2023-07-01", by=["street"])
    >>> t.loc[t.street == "合计", ["2023-06-30_overdue_households", "2023-12-31_on_time_households"]].values.tolist()
    [[10, 20]]
    """
    by = list(by)
    df = compounds[by].astype("string").fillna("（未填）").copy()
    df["households"] = pd.to_numeric(compounds.get("households"), errors="coerce").fillna(0).astype(int)
    df["batch"] = milestone_batch(compounds)
    df["status"] = milestone_status(compounds, as_of=as_of, due_days=due_days)
    cols = [f"{b}_{s}" for b in (EARLY, FINAL) for s in STATUS_ZH]

    def summarise(g: pd.DataFrame) -> dict:
        out: dict = {"compounds": len(g), "households": int(g["households"].sum())}
        key = g["batch"] + "_" + g["status"]
        for c in cols:
            sel = key == c
            out[f"{c}_compounds"] = int(sel.sum())
            out[f"{c}_households"] = int(g.loc[sel, "households"].sum())
        return out

    rows = [{**dict(zip(by, k if isinstance(k, tuple) else (k,), strict=True)), **summarise(g)}
            for k, g in df.groupby(by, sort=True)]
    rows.append({**dict.fromkeys(by, "合计"), **summarise(df)})
    return pd.DataFrame(rows)
