"""Join the survey ledger to compound polygons: by id, by name within the street, by point.

Three passes, each over the ledger rows still unmatched:

1. **id** — ``compound_id`` after :func:`zy_geo.ledger._names.norm_id` (full-width digits and dashes
   fixed; ``512002001-12`` ≡ ``512002001-0012``: the serial is zero-padded to 4 digits);
2. **name** — within the same street, first the normalised name (:func:`~zy_geo.ledger._names.norm_name`:
   spaces, full/half width, brackets), then the looser key (:func:`~zy_geo.ledger._names.name_key`:
   小区/院/苑 … dropped, 号院 ≡ 号). A name that fits two polygons of the street is **not
   guessed**: it is reported and the row goes on to the point pass;
3. **point** — the ledger's ``lon``/``lat`` (GCJ-02 when picked on Amap: ``coord_frame``) made
   WGS84 with :mod:`zy_geo.crs`, projected to the compounds' CRS (EPSG:4544) and placed with
   ``geopandas.sjoin(predicate="within")``; a point in two polygons is ambiguous and reported.
   With ``max_snap_m > 0`` a point that lies in no polygon takes the nearest one within that
   distance (ties are ambiguous).

A candidate compound that an earlier pass already gave to another row, or that two rows claim
in the same pass, is not given twice: the rows are reported together (``double_match``) and the
later/contending ones stay unmatched. Every ledger row ends in ``matches`` or in
``unmatched_ledger`` with its reason. Compounds the ledger does not describe are listed in
``unmatched_compounds``: not an error, since managed compounds are usually absent from a ledger
of unmanaged ones. Personal-data columns (:data:`zy_geo.schema.PII_COLUMNS`) never reach
``joined``.

Examples
--------
>>> import geopandas as gpd, pandas as pd
>>> from shapely.geometry import box
>>> polys = gpd.GeoDataFrame({"compound_id": ["512002001-0001", "512002001-0002"],
...     "name": ["锦华小区", "建设路12号院"], "street": ["莲花街道"] * 2, "households": [100, 20]},
...     geometry=[box(0, 0, 50, 50), box(100, 0, 150, 50)], crs="EPSG:4544")
>>> ledger = pd.DataFrame({"compound_id": ["512002001-1", None], "name": ["锦华小区", "建设路１２号"],
...     "street": ["莲花街道"] * 2, "households": [120, 24], "sheet": "莲花街道", "source_row": [5, 6]})
>>> r = join_ledger(polys, ledger)
>>> r.matches["method"].tolist(), r.joined["households"].tolist()
(['id', 'name'], [120, 24])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from ..crs import assert_metric, bd09_to_wgs84, gcj02_to_wgs84, in_china
from ..errors import InputError, ProblemReport
from ..schema import LEDGER_COLUMNS, PII_COLUMNS
from ._names import name_key, norm_id, norm_name

#: Ledger columns that describe the row, not the compound: never copied over polygon values.
_ROW_COLUMNS = ("compound_id", "name", "lon", "lat", "sheet", "source_row")
_SHIFTED = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_METHODS = ("id", "name", "point")
_UNKNOWN = "（未填）"
_FIXES = {
    "unmatched": "add the 小区编号, correct the name, or add coordinates picked on the map",
    "ambiguous": "add the 小区编号 or coordinates picked on the map to tell the compounds apart",
    "double_match": "delete the duplicate row, or correct its 小区编号/名称 if it is another compound",
    "bad_coordinates": "enter 经度 (≈104.6) and 纬度 (≈30.1) each in its own column",
}


@dataclass
class JoinResult:
    """Compounds with ledger attributes, and the reconciliation of both sides.

    Attributes
    ----------
    joined : GeoDataFrame
        Every compound polygon, with the matched ledger row's attributes merged in;
        ``match_method`` (``id``/``name``/``point``/``none``), ``ledger_sheet`` and
        ``ledger_row`` (the sheet and Excel row of the ledger row), ``ledger_name`` (the name
        as the ledger wrote it).
    matches : DataFrame
        One row per matched ledger row: ``ledger_index`` (the ledger's index label),
        ``sheet``, ``source_row``, ``street``, ``compound_id``, ``method``, ``detail``.
    unmatched_ledger : DataFrame
        Ledger rows matched to no polygon, with a ``reason``.
    unmatched_compounds : GeoDataFrame
        Polygons no ledger row describes (the rows of ``joined`` with ``match_method == "none"``).
    problems : ProblemReport
        Ambiguities, double claims, disagreements and unmatched rows, each with the ledger's
        sheet and row.
    """

    joined: gpd.GeoDataFrame
    matches: pd.DataFrame
    unmatched_ledger: pd.DataFrame
    unmatched_compounds: gpd.GeoDataFrame
    problems: ProblemReport

    def reconciliation(self) -> pd.DataFrame:
        """Counts per street and a 合计 row: matches by method, unmatched rows on both sides.

        Returns
        -------
        DataFrame
            ``street, compounds, ledger_rows, matched_by_id, matched_by_name, matched_by_point,
            ledger_unmatched, compounds_without_ledger``. ``ledger_rows`` = the three matched
            counts + ``ledger_unmatched`` on every line.

        Examples
        --------
        >>> import geopandas as gpd, pandas as pd
        >>> from shapely.geometry import box
        >>> polys = gpd.GeoDataFrame({"compound_id": ["a", "b"], "name": ["甲", "乙"],
        ...     "street": ["莲花街道"] * 2}, geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1)], crs=4544)
        >>> r = join_ledger(polys, pd.DataFrame({"name": ["甲", "丙"], "street": ["莲花街道"] * 2}))
        >>> r.reconciliation()[["street", "ledger_rows", "matched_by_name", "ledger_unmatched",
        ...                     "compounds_without_ledger"]].to_numpy().tolist()
        [['莲花街道', 2, 1, 1, 1], ['合计', 2, 1, 1, 1]]
        """

        def count(df: pd.DataFrame) -> pd.Series:
            return df["street"].astype("string").fillna(_UNKNOWN).value_counts()

        streets = sorted(
            set(count(self.joined).index) | set(count(self.matches).index)
            | set(count(self.unmatched_ledger).index)
        )
        out = pd.DataFrame(index=pd.Index(streets, name="street"))
        out["compounds"] = count(self.joined)
        for method in _METHODS:
            out[f"matched_by_{method}"] = count(self.matches[self.matches["method"] == method])
        out["ledger_unmatched"] = count(self.unmatched_ledger)
        out["compounds_without_ledger"] = count(self.unmatched_compounds)
        out = out.fillna(0).astype(int)
        out.insert(1, "ledger_rows", out[[f"matched_by_{m}" for m in _METHODS]].sum(axis=1)
                   + out["ledger_unmatched"])
        out = out.reset_index()
        total = pd.DataFrame([{"street": "合计", **out.drop(columns="street").sum().to_dict()}])
        return pd.concat([out, total], ignore_index=True)

    def _repr_html_(self) -> str:
        head = (f"<p><b>台账—图斑匹配</b>：{len(self.matches)} 行已匹配，{len(self.unmatched_ledger)} "
                f"行台账未匹配，{len(self.unmatched_compounds)} 个小区图斑无台账</p>")
        rec = self.reconciliation().to_html(index=False, escape=True)
        shown = [c for c in ("sheet", "source_row", "name", "street", "reason") if c in self.unmatched_ledger]
        rest = self.unmatched_ledger[shown].head(30).to_html(index=False, escape=True) \
            if len(self.unmatched_ledger) else ""
        return head + rec + rest + self.problems._repr_html_()


def _frame(coord_frame: str) -> tuple[str, CRS | None]:
    """``("gcj02"|"bd09", None)`` for the shifted frames, ``("crs", CRS)`` otherwise."""
    key = str(coord_frame).strip().lower().replace("-", "").replace("_", "")
    if key in _SHIFTED:
        return key, None
    try:
        return "crs", CRS.from_user_input(coord_frame)
    except PyprojCRSError as exc:
        msg = (f"coord_frame={coord_frame!r} is neither 'gcj02', 'bd09' nor a CRS; use 'gcj02' for "
               "points picked on Amap/Tencent, 'bd09' for Baidu, 'EPSG:4326'/'EPSG:4490' for GPS.")
        raise InputError(msg) from exc


class _Matcher:
    """The three passes over one ledger and one set of polygons (positions, not labels)."""

    def __init__(self, comp: gpd.GeoDataFrame, ledger: pd.DataFrame, source: str | None):
        self.comp, self.ledger, self.source = comp, ledger, source
        self.problems = ProblemReport()
        self.matched: dict[int, tuple[int, str, str]] = {}  # ledger pos → (compound pos, method, detail)
        self.owner: dict[int, int] = {}  # compound pos → ledger pos
        self.notes: dict[int, list[str]] = {}  # ledger pos → why a pass did not match it
        self.codes: dict[int, str] = {}  # ledger pos → strongest reason code
        self.rivals: dict[int, set[int]] = {}  # ledger pos → rows that claimed the same compound

    # -- where a ledger row is, for problems --------------------------------------------
    def where(self, i: int, column: str | None = None) -> dict[str, Any]:
        row = self.ledger.iloc[i]
        sheet = row.get("sheet")
        src = row.get("source_row")
        return {
            "source": self.source,
            "layer": None if sheet is None or pd.isna(sheet) else str(sheet),
            "row": int(src) if src is not None and pd.notna(src) else None,
            "column": column,
        }

    def label(self, i: int) -> str:
        w = self.where(i)
        return " ".join(p for p in (w["layer"] and f"sheet {w['layer']}", w["row"] is not None
                                    and f"row {w['row']}") if p) or f"ledger index {self.ledger.index[i]}"

    def cid(self, c: int) -> str:
        return str(self.comp["compound_id"].iat[c])

    def note(self, i: int, text: str, code: str | None = None) -> None:
        self.notes.setdefault(i, []).append(text)
        if code and self.codes.get(i, "unmatched") == "unmatched":
            self.codes[i] = code

    def free(self) -> list[int]:
        return [i for i in range(len(self.ledger)) if i not in self.matched]

    # -- one pass: candidates → matches, conflicts, ambiguities ---------------------------
    def assign(self, candidates: dict[int, list[int]], method: str, detail: Callable[[int, int], str],
               what: str) -> None:
        claims: dict[int, list[int]] = {}
        for i, cands in candidates.items():
            cands = sorted(set(cands))
            if len(cands) > 1:
                ids = "、".join(self.cid(c) for c in cands)
                self.note(i, f"{what} fits {len(cands)} compounds ({ids}); not guessed", f"ambiguous_{method}")
            elif len(cands) == 1 and cands[0] in self.owner:
                j = self.owner[cands[0]]
                self.note(i, f"{what} points to {self.cid(cands[0])}, already matched to {self.label(j)}",
                          "double_match")
                self.rivals.setdefault(i, set()).add(j)
                self.rivals.setdefault(j, set()).add(i)
            elif len(cands) == 1:
                claims.setdefault(cands[0], []).append(i)
        for c, rows in claims.items():
            if len(rows) == 1:
                self.matched[rows[0]] = (c, method, detail(rows[0], c))
                self.owner[c] = rows[0]
                continue
            for i in rows:
                others = "、".join(self.label(j) for j in rows if j != i)
                self.note(i, f"{what} points to {self.cid(c)}, as does {others}; not guessed", "double_match")
                self.rivals.setdefault(i, set()).update(j for j in rows if j != i)

    def by_id(self) -> None:
        if "compound_id" not in self.ledger.columns:
            return
        index: dict[str, list[int]] = {}
        for c, v in enumerate(self.comp["compound_id"]):
            if norm_id(v):
                index.setdefault(norm_id(v), []).append(c)
        candidates = {}
        for i in self.free():
            key = norm_id(self.ledger["compound_id"].iat[i])
            if not key:
                continue
            candidates[i] = index.get(key, [])
            if not candidates[i]:
                self.note(i, f"id {self.ledger['compound_id'].iat[i]} names no compound polygon")
        self.assign(candidates, "id", lambda i, c: f"id {self.cid(c)}", "the id")

    def by_name(self) -> None:
        if "name" not in self.ledger.columns or "street" not in self.ledger.columns:
            return
        streets_c = [norm_name(s) for s in self.comp["street"]]
        streets_l = [norm_name(s) for s in self.ledger["street"]]
        todo = []
        for i in self.free():
            if not norm_name(self.ledger["name"].iat[i]):
                self.note(i, "no name")
            elif not streets_l[i]:
                self.note(i, "no street, so its name is not compared")
            else:
                todo.append(i)
        for key_fn, kind in ((norm_name, "name"), (name_key, "loose name")):
            index: dict[tuple[str, str], list[int]] = {}
            for c, name in enumerate(self.comp["name"]):
                index.setdefault((streets_c[c], key_fn(name)), []).append(c)
            candidates = {i: index.get((streets_l[i], key_fn(self.ledger["name"].iat[i])), []) for i in todo}
            found = {i: cands for i, cands in candidates.items() if cands}

            def detail(i: int, c: int, kind: str = kind) -> str:
                return f"{kind} {self.ledger['name'].iat[i]!s} = {self.comp['name'].iat[c]!s}"

            self.assign(found, "name", detail, f"the {kind}")
            todo = [i for i in todo if not found.get(i)]  # only rows the exact name did not find
        for i in todo:
            self.note(i, f"name {self.ledger['name'].iat[i]} is not a compound of {self.ledger['street'].iat[i]}")

    def points(self, coord_frame: str) -> tuple[np.ndarray, gpd.GeoSeries]:
        """Positions of rows with usable coordinates and their points in the compounds' CRS."""
        if not {"lon", "lat"} <= set(self.ledger.columns):
            return np.array([], dtype=int), gpd.GeoSeries([], crs=self.comp.crs)
        kind, crs = _frame(coord_frame)
        lon = pd.to_numeric(self.ledger["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        lat = pd.to_numeric(self.ledger["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        have = ~(np.isnan(lon) | np.isnan(lat))
        if kind in _SHIFTED or (crs is not None and crs.is_geographic):
            china = in_china(lon, lat)
            for i in np.flatnonzero(have & ~china):
                self.note(int(i), f"coordinates ({lon[i]}, {lat[i]}) are not in China; are 经度 and 纬度 "
                          "swapped?", "bad_coordinates")
            have &= china
        pos = np.flatnonzero(have)
        if kind in _SHIFTED:
            x, y = _SHIFTED[kind](lon[pos], lat[pos])
            src: Any = "EPSG:4326"
        else:
            x, y, src = lon[pos], lat[pos], crs
        pts = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=src).to_crs(self.comp.crs)
        return pos, pts

    def by_point(self, pos: np.ndarray, pts: gpd.GeoSeries, coord_frame: str, max_snap_m: float) -> None:
        free = set(self.free())
        keep = np.array([p in free for p in pos], dtype=bool)
        if not keep.any():
            return
        left = gpd.GeoDataFrame({"_pos": pos[keep]}, geometry=pts.values[keep], crs=self.comp.crs)
        right = gpd.GeoDataFrame({"_c": np.arange(len(self.comp))}, geometry=self.comp.geometry.values,
                                 crs=self.comp.crs)
        hits = gpd.sjoin(left, right, how="left", predicate="within")
        candidates = {int(p): [int(c) for c in g["_c"].dropna()] for p, g in hits.groupby("_pos")}
        detail = {i: f"{coord_frame} point inside" for i in candidates}
        missing = [i for i, c in candidates.items() if not c]
        if missing and max_snap_m > 0:
            near = gpd.sjoin_nearest(left[left["_pos"].isin(missing)], right, max_distance=max_snap_m,
                                     distance_col="_d")
            for p, g in near.groupby("_pos"):
                closest = g[g["_d"] <= g["_d"].min() + 1e-6]
                candidates[int(p)] = [int(c) for c in closest["_c"]]
                detail[int(p)] = f"{coord_frame} point snapped {g['_d'].min():.1f} m"
        for i, c in candidates.items():
            if not c:
                snap = f" or within {max_snap_m:g} m of one" if max_snap_m > 0 else ""
                self.note(i, f"its point lies in no compound polygon{snap}")
        self.assign({i: c for i, c in candidates.items() if c}, "point", lambda i, c: detail[i], "its point")

    def cross_check(self, pos: np.ndarray, pts: gpd.GeoSeries) -> None:
        """Warn where the matched polygon disagrees with the row's point, street or id."""
        point_of = dict(zip(pos.tolist(), pts.values, strict=True))
        for i, (c, method, _) in sorted(self.matched.items()):
            if method != "point" and i in point_of and not self.comp.geometry.iat[c].buffer(1.0).contains(
                    point_of[i]):
                dist = self.comp.geometry.iat[c].distance(point_of[i])
                self.problems.add("warning", f"matched to {self.cid(c)} by {method}, but its point lies "
                                  f"{dist:,.0f} m outside that polygon", code="point_elsewhere",
                                  fix="check the id/name and the coordinates", value=None, **self.where(i, "经度/纬度"))
            s_l, s_c = self.ledger["street"].iat[i] if "street" in self.ledger else None, self.comp["street"].iat[c]
            if method == "id" and norm_name(s_l) and norm_name(s_c) and norm_name(s_l) != norm_name(s_c):
                self.problems.add("warning", f"matched by id to {self.cid(c)}, which lies in {s_c}, not {s_l}",
                                  value=s_l, code="street_mismatch", fix="check the street or the id",
                                  **self.where(i, "街道（镇）"))
            lid = self.ledger["compound_id"].iat[i] if "compound_id" in self.ledger else None
            if method != "id" and norm_id(lid):
                self.problems.add("warning", f"matched by {method} to {self.cid(c)}, but the row's id is {lid}",
                                  value=lid, code="id_mismatch", fix=f"correct the id to {self.cid(c)}",
                                  **self.where(i, "小区编号"))

    def report(self) -> list[str]:
        """Problems for rivals and unmatched rows; the reason of each unmatched row."""
        for i, others in sorted(self.rivals.items()):
            if i in self.matched:
                names = "、".join(self.label(j) for j in sorted(others))
                self.problems.add("warning", f"matched to {self.cid(self.matched[i][0])}, which {names} also "
                                  "claims (left unmatched)", code="double_match",
                                  fix="delete the duplicate row or correct its id/name", **self.where(i))
        reasons = []
        for i in self.free():
            why = "; ".join(self.notes.get(i, [])) or "no id, name or coordinates to match"
            reasons.append(why)
            code = self.codes.get(i, "unmatched")
            name = self.ledger["name"].iat[i] if "name" in self.ledger else None
            what = f"ledger row {name!r}" if name is not None and pd.notna(name) else "ledger row"
            if self.where(i)["row"] is None:
                what += f" ({self.label(i)})"
            self.problems.add("warning", f"{what} matches no compound polygon: {why}", code=code,
                              fix=_FIXES.get(code.removesuffix("_id").removesuffix("_name").removesuffix(
                                  "_point"), _FIXES["unmatched"]), **self.where(i))
        return reasons


def _merge(joined: gpd.GeoDataFrame, ledger: pd.DataFrame, ci: np.ndarray, li: np.ndarray,
           prefer: str) -> None:
    """Copy ledger values (rows ``li``) onto polygons (rows ``ci``), in place."""
    for col in ledger.columns:
        if col in _ROW_COLUMNS or col == joined.geometry.name:
            continue
        values = ledger[col].iloc[li]
        dtype = ledger[col].dtype if col not in LEDGER_COLUMNS else LEDGER_COLUMNS[col][0]
        incoming = pd.Series(pd.array(values.to_numpy(), dtype=values.dtype), index=joined.index[ci])
        if col not in joined.columns:
            joined[col] = pd.Series(pd.NA, index=joined.index, dtype=incoming.dtype)
        try:
            base = joined[col].astype(dtype)
            incoming = incoming.astype(dtype)
        except (TypeError, ValueError):
            base, incoming = joined[col].astype(object), incoming.astype(object)
        take = incoming.notna()
        if prefer != "ledger":
            take &= base.loc[incoming.index].isna() | _estimated(joined, col).loc[incoming.index]
        base.loc[incoming.index[take.to_numpy()]] = incoming[take]
        joined[col] = base
        if col == "households" and "households_estimated" in joined.columns:
            counted = incoming.index[take.to_numpy()]  # a ledger figure always replaces an estimate
            joined.loc[counted, "households_estimated"] = False
            if "households_method" in joined.columns:
                joined.loc[counted, "households_method"] = "ledger"
        if col == "mode" and "managed" in joined.columns:
            mode = joined["mode"].astype("string")
            managed = joined["managed"].astype("boolean")
            joined["managed"] = managed.mask(mode.notna(), mode != "none")


def _estimated(joined: pd.DataFrame, col: str) -> pd.Series:
    """Rows whose ``col`` is an estimate (only ``households`` has estimates: ``households_estimated``)."""
    if col != "households" or "households_estimated" not in joined.columns:
        return pd.Series(False, index=joined.index)
    return joined["households_estimated"].astype("boolean").fillna(False).astype(bool)


def _check_unmatched_share(m: _Matcher, max_share: float) -> None:
    """An error when most ledger rows match nothing: a wrong file, not a few typos."""
    n, free = len(m.ledger), len(m.free())
    if not n or free / n <= max_share:
        return
    m.problems.add(
        "error", f"{free} of {n} ledger rows ({free / n:.0%}) match no compound polygon, more than "
        f"{max_share:.0%}: the ledger and the compounds layer probably do not describe the same place, or their "
        "ids, names and coordinates do not agree", source=m.source, code="mostly_unmatched",
        fix="check that the ledger belongs to this city file; compare its 小区编号 with the compounds' compound_id "
        "and its 街道（镇）/小区名称 with theirs; if 经度/纬度 were picked on another map, pass the right coord_frame "
        "('gcj02' Amap, 'bd09' Baidu, 'EPSG:4326' GPS)")


def join_ledger(
    compounds: gpd.GeoDataFrame,
    ledger: pd.DataFrame | Any,
    *,
    coord_frame: str = "gcj02",
    max_snap_m: float = 0.0,
    prefer: Literal["ledger", "polygons"] = "ledger",
    max_unmatched_share: float = 0.5,
) -> JoinResult:
    """Match ledger rows to compound polygons and merge their attributes.

    Parameters
    ----------
    compounds : GeoDataFrame
        Compound polygons in a metric CRS (EPSG:4544) with ``compound_id``, ``name``, ``street``.
    ledger : DataFrame or LedgerResult
        The normalised ledger (``zy_geo.ledger.read.read_ledger(path).table``, or the result itself,
        whose file name then appears in problems): canonical columns, any of them may be absent
        except that a row needs an id, a name + street, or ``lon``/``lat`` to be matched.
    coord_frame : str
        Frame of the ledger's ``lon``/``lat``: ``"gcj02"`` (Amap, Tencent; default),
        ``"bd09"`` (Baidu) or a CRS such as ``"EPSG:4326"``/``"EPSG:4490"`` (GPS).
    max_snap_m : float
        A point in no polygon takes the nearest polygon within this distance (0: never).
    prefer : {"ledger", "polygons"}
        Whose value wins where both have one. ``"ledger"`` (default): the survey is newer than
        the map. ``"polygons"``: ledger values only fill what the polygons lack. When the
        ledger sets ``mode``, ``managed`` is set to ``mode != "none"`` to stay consistent.
    max_unmatched_share : float
        When more than this share of the ledger's rows match no polygon, ``problems`` holds an
        *error* (``mostly_unmatched``): the ledger and the polygons probably do not describe the
        same place, or disagree on ids, names and coordinates. Each unmatched row is a warning anyway.

    Returns
    -------
    JoinResult

    Raises
    ------
    InputError
        A required polygon column is missing, or ``coord_frame``/``prefer`` is unknown.
    CRSError
        The polygons are not in a metric CRS (or are shifted to GCJ-02 for display).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> from zy_geo.crs import wgs84_to_gcj02
    >>> polys = gpd.GeoDataFrame({"compound_id": ["512002001-0001"], "name": ["锦华小区"],
    ...     "street": ["莲花街道"]}, geometry=[box(462000, 3334000, 462100, 3334100)], crs="EPSG:4544")
    >>> centre = polys.to_crs(4326).geometry.iloc[0].centroid
    >>> lon, lat = wgs84_to_gcj02(centre.x, centre.y)   # as picked on Amap
    >>> ledger = pd.DataFrame({"name": ["未知名称"], "street": ["莲花街道"], "lon": [lon], "lat": [lat]})
    >>> join_ledger(polys, ledger).matches[["compound_id", "method"]].values.tolist()
    [['512002001-0001', 'point']]
    >>> len(join_ledger(polys, ledger, coord_frame="EPSG:4326").unmatched_ledger)  # ~390 m off
    1
    """
    source = getattr(ledger, "source", None)
    table = ledger.table if hasattr(ledger, "table") and isinstance(ledger.table, pd.DataFrame) else ledger
    if not isinstance(table, pd.DataFrame):
        msg = f"ledger must be a DataFrame or the result of read_ledger(), found {type(ledger).__name__}."
        raise InputError(msg)
    if not isinstance(compounds, gpd.GeoDataFrame):
        msg = f"compounds must be a GeoDataFrame of polygons, found {type(compounds).__name__}."
        raise InputError(msg)
    need = [c for c in ("compound_id", "name", "street") if c not in compounds.columns]
    if need:
        msg = (f"compounds lack column(s) {need} needed to join the ledger; the city GeoPackage layer "
               "`compounds` has them: read it with zy_geo.io.read or add the columns.")
        raise InputError(msg)
    if prefer not in ("ledger", "polygons"):
        msg = f"prefer={prefer!r}: expected 'ledger' or 'polygons'."
        raise InputError(msg)
    if not 0 <= max_unmatched_share <= 1:
        msg = f"max_unmatched_share={max_unmatched_share!r}: expected a share between 0 and 1 (default 0.5)."
        raise InputError(msg)
    if max_snap_m < 0:
        msg = f"max_snap_m={max_snap_m!r} is negative; give a distance in metres (0 = no snapping)."
        raise InputError(msg)
    assert_metric(compounds, what="compounds")
    _frame(coord_frame)  # validate early, even when the ledger has no coordinates

    led = table.drop(columns=[c for c in PII_COLUMNS if c in table.columns])
    comp = compounds.reset_index(drop=True)
    m = _Matcher(comp, led, source)
    m.by_id()
    m.by_name()
    pos, pts = m.points(coord_frame)
    m.by_point(pos, pts, coord_frame, max_snap_m)
    m.cross_check(pos, pts)
    reasons = m.report()
    _check_unmatched_share(m, max_unmatched_share)

    done = sorted(m.matched.items())
    li = np.array([i for i, _ in done], dtype=int)
    ci = np.array([c for _, (c, _, _) in done], dtype=int)

    def col(name: str, rows: np.ndarray) -> Any:
        return led[name].to_numpy()[rows] if name in led.columns else [pd.NA] * len(rows)

    matches = pd.DataFrame({
        "ledger_index": led.index.to_numpy()[li],
        "sheet": pd.array(col("sheet", li), dtype="string"),
        "source_row": pd.array(col("source_row", li), dtype="Int64"),
        "street": pd.array(col("street", li), dtype="string"),
        "compound_id": comp["compound_id"].to_numpy()[ci],
        "method": [meth for _, (_, meth, _) in done],
        "detail": [det for _, (_, _, det) in done],
    })
    free = m.free()
    unmatched = led.iloc[free].assign(reason=pd.Series(reasons, index=led.index[free], dtype="string"))

    joined = comp.copy()
    joined["match_method"] = "none"
    joined.loc[ci, "match_method"] = matches["method"].to_numpy()
    joined["ledger_sheet"] = pd.Series(pd.NA, index=joined.index, dtype="string")
    joined["ledger_row"] = pd.Series(pd.NA, index=joined.index, dtype="Int64")
    joined["ledger_name"] = pd.Series(pd.NA, index=joined.index, dtype="string")
    joined.loc[ci, "ledger_sheet"] = matches["sheet"].to_numpy()
    joined.loc[ci, "ledger_row"] = matches["source_row"].to_numpy()
    joined.loc[ci, "ledger_name"] = pd.array(col("name", li), dtype="string")
    _merge(joined, led, ci, li, prefer)
    joined = joined.drop(columns=[c for c in PII_COLUMNS if c in joined.columns])
    joined.index = compounds.index
    return JoinResult(joined, matches, unmatched, joined[joined["match_method"] == "none"], m.problems)
