"""The survey ledger (摸底台账): read it the way offices fill it in, and account for every row.

:func:`read_ledger` finds the header itself (title rows above, two-level merged headers,
Chinese header variants), reads numbers written as text, yes/no in any of the usual
vocabularies, street names with or without 办事处, and codes that must stay text. It returns
the canonical table (:data:`zy_geo.schema.LEDGER_COLUMNS`) and a problems report that names
sheet, row and column.

What happens to a row:

* **kept** — in ``table``. Values that could not be read become NA with a *warning*
  (yes/no, area, year, coordinates, kind, mode, body).
* **rejected** — listed as an *error*, not in ``table``: no compound name; households missing
  or not a number (coverage counts households, so a guess would be wrong); a street/town that
  is not in the jurisdictions table; a compound id already used by an earlier row.
* **skipped** — listed as *info*: 小计/合计/总计 rows (checked against the rows they sum),
  blank rows, note rows (注：…).

So rows read = kept + rejected + skipped, always (:meth:`LedgerResult.accounting`).
Personal data (contact names, phones, ID numbers) are recognised and withheld unless
``keep_pii=True``. Coordinates are returned as written; the sample's (and Amap's) are GCJ-02,
and :func:`zy_geo.join.join_ledger` converts them.

Examples
--------
>>> from zy_geo.sample import make_sample, write_sample
>>> import tempfile
>>> files = write_sample(make_sample(scale=0.05, seed=3), tempfile.mkdtemp())
>>> led = read_ledger(files["ledger"])
>>> acc = led.accounting()
>>> acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]
True
>>> "contact_phone" in led.table.columns
False
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._encoding import detect_bytes_encoding
from ._errors import InputError, ProblemReport
from ._ledger_headers import PII, SIX_GROUP, canonical, header_score
from ._ledger_values import is_blank, norm_text, parse_bool, parse_code, parse_int, parse_number, parse_year
from .schema import COMPOUND_KINDS, LEDGER_COLUMNS, MODES, PII_COLUMNS, SIX_HAVES, load_jurisdictions

_KIND_WORDS = {"封闭": "enclosed", "开放": "open", "零星": "scattered", "小规模": "small_area", "小区域": "small_area"}
_MODE_WORDS = [("专业", "professional"), ("物业公司", "professional"), ("物业服务中心", "community_center"),
               ("社区", "community_center"), ("自管", "self_managed"), ("自行", "self_managed"),
               ("自治", "self_managed"), ("无", "none"), ("未", "none")]
_BOOL_COLS = (*SIX_HAVES, "renovated", "enclosed", "party_org", "owners_committee")
_TOTAL_WORDS = ("小计", "合计", "总计")


@dataclass
class LedgerResult:
    """The normalised ledger and everything learnt while reading it."""

    table: pd.DataFrame
    problems: ProblemReport
    source: str
    pii_columns: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    extra: pd.DataFrame | None = None
    pii: pd.DataFrame | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no error was found (warnings allowed)."""
        return self.problems.ok

    @property
    def rows_read(self) -> int:
        """Rows below the header(s), on every sheet."""
        return self.counts.get("read", 0)

    def accounting(self) -> dict[str, int]:
        """Rows read = kept + rejected + skipped (totals, blank and note rows)."""
        return {k: self.counts.get(k, 0) for k in ("read", "kept", "rejected", "skipped")}

    def _repr_html_(self) -> str:
        acc = ", ".join(f"{k} {v}" for k, v in self.accounting().items())
        cmap = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                       for k, v in self.column_map.items())
        head = self.table.head(8).to_html(index=False, escape=True)
        return (f"<p><b>摸底台账</b> {html.escape(self.source)}：{html.escape(acc)}；"
                f"个人信息列已隐去：{html.escape('、'.join(self.pii_columns) or '无')}</p>"
                f"{self.problems._repr_html_()}<details><summary>列对应</summary><table>{cmap}</table></details>{head}")


def _grid_xlsx(path: Path, sheets: list[str] | None) -> list[tuple[str, list[list[Any]]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    out = []
    for ws in wb.worksheets:
        if sheets is not None and ws.title not in sheets:
            continue
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        for rng in ws.merged_cells.ranges:  # merged cells: every cell carries the top-left value
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                for c in range(rng.min_col - 1, rng.max_col):
                    if c < len(grid[r]):
                        grid[r][c] = value
        out.append((ws.title, grid))
    return out


def _grid_csv(path: Path) -> list[tuple[str, list[list[Any]]]]:
    raw = path.read_bytes()
    text = raw.decode(detect_bytes_encoding(raw))
    return [(path.stem, [row for row in csv.reader(io.StringIO(text))])]


def _find_header(grid: list[list[Any]]) -> tuple[int, int] | None:
    """(first header row index, number of header rows) or None."""
    scores = [header_score(row) for row in grid[:20]]
    if not scores or max(scores) < 3:
        return None
    h = int(np.argmax(scores))
    if h + 1 < len(grid):
        below = grid[h + 1]
        distinct = [c for c, top in zip(below, grid[h], strict=False) if c is not None and c != top]
        if sum(canonical(c) is not None for c in distinct) >= 2:
            return h, 2
    return h, 1


def _columns(grid, h, nrows) -> list[tuple[str | None, str]]:
    """(canonical name or None, header as written) per column."""
    top = grid[h]
    sub = grid[h + 1] if nrows == 2 else [None] * len(top)
    cols = []
    for c in range(max(len(top), len(sub))):
        t = top[c] if c < len(top) else None
        s = sub[c] if c < len(sub) else None
        written = str(s if s is not None else t) if (s is not None or t is not None) else f"列{c + 1}"
        if s is not None and s != t:
            written = f"{t}/{s}" if t is not None else str(s)
            name = canonical(s, group=t) or canonical(t)
            if t is not None and SIX_GROUP.search(str(t)) and name is None:
                name = None
        else:
            name = canonical(t)
        cols.append((name, written))
    return cols


def read_ledger(
    path: str | Path,
    *,
    sheets: list[str] | None = None,
    jurisdictions: pd.DataFrame | None = None,
    keep_pii: bool = False,
    strict: bool = False,
) -> LedgerResult:
    """Read a survey ledger (.xlsx or .csv) into canonical columns with a full problems report.

    Parameters
    ----------
    path : str or Path
        The ledger workbook (every sheet is read) or CSV (UTF-8, UTF-8-BOM or GBK).
    sheets : list of str, optional
        Only these sheets.
    jurisdictions : DataFrame, optional
        Known streets/towns and their bodies (default: :func:`zy_geo.schema.load_jurisdictions`).
    keep_pii : bool
        Keep contact names, phones and ID numbers in ``result.pii`` (never in ``table``).
    strict : bool
        Treat warnings as errors (rows with warnings are then rejected too).

    Returns
    -------
    LedgerResult
    """
    path = Path(path)
    if not path.exists():
        msg = f"`{path}` does not exist; check the path."
        raise InputError(msg)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        grids = _grid_xlsx(path, sheets)
    elif suffix in (".csv", ".txt"):
        grids = _grid_csv(path)
    else:
        msg = f"`{path.name}`: a ledger must be .xlsx or .csv (save old .xls files as .xlsx)."
        raise InputError(msg)
    j = jurisdictions if jurisdictions is not None else load_jurisdictions()
    reader = _Reader(path.name, j, strict=strict)
    for sheet, grid in grids:
        reader.read_sheet(sheet, grid)
    if not reader.rows and not reader.problems.errors:
        reader.problems.add("error", "no data rows found", source=path.name, code="empty",
                            fix="check that the sheet has a header row (小区名称, 户数 …) and rows below it")
    table = pd.DataFrame(reader.rows)
    for col, (dtype, _) in LEDGER_COLUMNS.items():
        if col not in table.columns:
            table[col] = pd.NA
    table = table[[*LEDGER_COLUMNS, "sheet"] if len(table) else [*LEDGER_COLUMNS]] if len(table) else \
        pd.DataFrame({c: pd.Series(dtype=d) for c, (d, _) in LEDGER_COLUMNS.items()} | {"sheet": pd.Series(dtype="string")})
    for col, (dtype, _) in LEDGER_COLUMNS.items():
        table[col] = table[col].astype(dtype)
    if "sheet" in table.columns:
        table["sheet"] = table["sheet"].astype("string")
    pii_cols = sorted(reader.pii_written)
    for written in pii_cols:
        reader.problems.add("info", f"personal data column {written} found and withheld"
                            + ("" if keep_pii else "; pass keep_pii=True to keep it"), source=path.name,
                            column=written, code="pii_withheld")
    pii = pd.DataFrame(reader.pii_rows, index=table.index) if keep_pii and reader.pii_rows else None
    extra = pd.DataFrame(reader.extra_rows, index=table.index) if reader.extra_rows else None
    for written in sorted(reader.extra_written):
        reader.problems.add("info", f"column {written} is not one zy_geo knows; kept in result.extra",
                            source=path.name, column=written, code="extra_column")
    counts = {"read": reader.n_read, "kept": len(table), "rejected": reader.n_rejected, "skipped": reader.n_skipped}
    return LedgerResult(table.reset_index(drop=True), reader.problems, path.name, pii_cols, reader.column_map,
                        extra, pii, counts)


class _Reader:
    def __init__(self, source: str, j: pd.DataFrame, *, strict: bool):
        self.source, self.j, self.strict = source, j, strict
        self.problems = ProblemReport()
        self.rows: list[dict[str, Any]] = []
        self.pii_rows: list[dict[str, Any]] = []
        self.extra_rows: list[dict[str, Any]] = []
        self.pii_written: set[str] = set()
        self.extra_written: set[str] = set()
        self.column_map: dict[str, str] = {}
        self.n_read = self.n_rejected = self.n_skipped = 0
        self.ids: dict[str, tuple[str, int]] = {}
        self.streets = dict(zip(j["street"], j["code"], strict=True))
        self.body_of = dict(zip(j["street"], j["body"], strict=True))
        self.bodies = {**{b: b for b in j["body"]}, **dict(zip(j["body_full"], j["body"], strict=True))}

    def add(self, severity, message, **where):
        if self.strict and severity == "warning":
            severity = "error"
        self.problems.add(severity, message, source=self.source, **where)
        return severity

    def street_of(self, text: str) -> tuple[str | None, bool]:
        t = norm_text(text)
        if t in self.streets:
            return t, False
        base = t
        for suffix in ("办事处", "人民政府", "政府", "街办"):
            base = base.removesuffix(suffix)
        for s in self.streets:
            stem = s.removesuffix("街道").removesuffix("镇")
            if base in (s, stem, stem + "街道", stem + "镇"):
                return s, True
        return None, False

    def read_sheet(self, sheet: str, grid: list[list[Any]]) -> None:
        found = _find_header(grid)
        if found is None:
            if any(not is_blank(c) for row in grid for c in row):
                self.add("error", "no header row found (expected columns such as 小区名称, 户数, 街道（镇）)",
                         layer=sheet, code="no_header", fix="add a header row above the data")
                self.n_read += sum(1 for row in grid if any(not is_blank(c) for c in row))
                self.n_rejected += sum(1 for row in grid if any(not is_blank(c) for c in row))
            return
        h, nh = found
        cols = _columns(grid, h, nh)
        names = [n for n, _ in cols]
        for n, w in cols:
            if n is not None and n not in ("seq", "note"):
                self.column_map.setdefault(w, n)
        if "name" not in names:
            self.add("error", "no compound-name column; headers found: " + "、".join(w for _, w in cols if w),
                     layer=sheet, row=h + 1, code="missing_column", fix="name the column 小区名称")
        if "households" not in names:
            self.add("error", "no households column (户数)", layer=sheet, row=h + 1, code="missing_column",
                     fix="add a 户数 column")
        sheet_street, _ = self.street_of(sheet)
        if "street" not in names and sheet_street is None:
            self.add("error", "no street column and the sheet name is not a known street/town", layer=sheet,
                     code="missing_column", fix="add a 街道（镇） column or name the sheet after the street")
        if {"name", "households"} - set(names):
            data_rows = [r for r in range(h + nh, len(grid)) if any(not is_blank(c) for c in grid[r])]
            self.n_read += len(data_rows)
            self.n_rejected += len(data_rows)
            return
        first_data = len(self.rows)
        for r in range(h + nh, len(grid)):
            self.n_read += 1
            row = grid[r]
            excel_row = r + 1
            values = {}
            for c, (n, w) in enumerate(cols):
                v = row[c] if c < len(row) else None
                values.setdefault(n if n is not None else f"?{w}", v)
            nonblank = [v for v in row if not is_blank(v)]
            if not nonblank:
                self.n_skipped += 1
                self.add("info", "blank row skipped", layer=sheet, row=excel_row, code="blank_row")
                continue
            first = norm_text(nonblank[0])
            merged_line = len({str(v) for v in nonblank}) == 1  # one text merged across the row
            if first.startswith(("注", "说明", "备注:", "填表说明")) and (merged_line or len(nonblank) <= 2):
                self.n_skipped += 1
                self.add("info", "note row skipped", layer=sheet, row=excel_row, code="note_row")
                continue
            label = " ".join(norm_text(values.get(k) or "") for k in ("seq", "name", "compound_id"))
            if any(w in label for w in _TOTAL_WORDS):
                self.n_skipped += 1
                self._check_total(sheet, excel_row, values, label, first_data)
                continue
            self._read_row(sheet, excel_row, values, cols, row, sheet_street)

    def _check_total(self, sheet, excel_row, values, label, first_data) -> None:
        grand = "合计" in label or "总计" in label
        rows = self.rows if grand else self.rows[first_data:]
        self.add("info", f"{'合计' if grand else '小计'} row skipped", layer=sheet, row=excel_row, code="total_row")
        try:
            stated = parse_int(values.get("households"))
        except (ValueError, TypeError):
            return
        summed = sum(int(r["households"]) for r in rows)
        if stated != summed:
            self.add("warning", f"the {'合计' if grand else '小计'} row says {stated} households but the rows "
                     f"read sum to {summed} (rows rejected above, or a formula that missed rows)",
                     layer=sheet, row=excel_row, column="户数", code="total_mismatch",
                     fix="check the rejected rows and the total's formula")

    def _read_row(self, sheet, excel_row, values, cols, row, sheet_street) -> None:
        written = {n: w for n, w in cols if n is not None}
        errors: list[str] = []
        out: dict[str, Any] = {"sheet": sheet, "source_row": excel_row}

        def problem(severity, col, message, value, fix="", code="bad_value"):
            sev = self.add(severity, message, layer=sheet, row=excel_row, column=written.get(col, col), value=value,
                           fix=fix, code=code)
            if sev == "error":
                errors.append(col)

        name = values.get("name")
        if is_blank(name):
            problem("error", "name", "compound name is missing; the row cannot be matched or counted", None,
                    "enter the 小区名称", "missing_name")
        else:
            out["name"] = str(name).strip()
        cid = parse_code(values.get("compound_id"))
        out["compound_id"] = cid
        if cid is not None and cid in self.ids:
            s0, r0 = self.ids[cid]
            problem("error", "compound_id", f"compound id {cid} is already used in sheet {s0} row {r0}; "
                    "this row is left out", cid, "delete the duplicate or correct the id", "duplicate_id")
        for col, parse in (("households", parse_int),):
            v = values.get(col)
            if is_blank(v):
                problem("error", col, "households missing; coverage counts households", None,
                        "enter the number of households", "missing_households")
            else:
                try:
                    out[col] = parse(v)
                except ValueError as exc:
                    problem("error", col, f"{v!r} {exc}", v, "enter an integer", "not_a_number")
        for col, parse in (("buildings", parse_int), ("floor_area_m2", parse_number), ("lon", parse_number),
                           ("lat", parse_number)):
            v = values.get(col)
            if not is_blank(v):
                try:
                    out[col] = parse(v)
                except ValueError as exc:
                    problem("warning", col, f"{v!r} {exc}; left empty", v, "enter a number")
        v = values.get("built_year")
        if not is_blank(v):
            try:
                out["built_year"], note = parse_year(v)
                if note:
                    problem("warning", "built_year", f"{v!r}: {note}", v, "enter the exact year if known", "approx_year")
            except ValueError as exc:
                problem("warning", "built_year", f"{v!r} {exc}; left empty", v, "enter four digits")
        for col in _BOOL_COLS:
            v = values.get(col)
            try:
                out[col] = parse_bool(v)
            except ValueError as exc:
                problem("warning", col, f"{v!r} {exc}; read as unknown", v, "enter 有 or 无")
        street_text = values.get("street")
        street = None
        if is_blank(street_text):
            street = sheet_street
            if street is None:
                problem("error", "street", "street/town missing and the sheet name is not one", None,
                        "enter the 街道（镇）", "unknown_street")
        else:
            street, variant = self.street_of(str(street_text))
            if street is None:
                problem("error", "street", f"{street_text!r} is not a known street/town (known: "
                        f"{'、'.join(self.streets)})", street_text,
                        "use one of the known names, or pass your own jurisdictions table", "unknown_street")
            elif variant:
                self.add("info", f"street written {street_text!r}, read as {street}", layer=sheet, row=excel_row,
                         column=written.get("street"), code="street_variant")
        if street is not None:
            out["street"], out["street_code"], out["body"] = street, self.streets[street], self.body_of[street]
            b = values.get("body")
            if not is_blank(b):
                body = self.bodies.get(norm_text(b))
                if body is None or body != out["body"]:
                    problem("warning", "body", f"responsible body {b!r} does not match {street}'s body "
                            f"{out['body']}; {out['body']} is used", b, "check the street or the body")
        for col, words, vocab in (("kind", _KIND_WORDS, COMPOUND_KINDS), ("mode", None, MODES)):
            v = values.get(col)
            if is_blank(v):
                continue
            t = norm_text(v)
            found = next((k for k, label in vocab.items() if t in (k, label)), None)
            if found is None and words:
                found = next((k for w, k in words.items() if w in t), None)
            if found is None and col == "mode":
                found = next((k for w, k in _MODE_WORDS if w in t), None)
            if found is None:
                problem("warning", col, f"{v!r} is not a known {'compound kind' if col == 'kind' else 'mode'}; "
                        "left empty", v, "use one of " + "、".join(vocab.values()))
            else:
                out[col] = found
        for col in ("address", "community"):
            if not is_blank(values.get(col)):
                out[col] = str(values[col]).strip()
        if errors:
            self.n_rejected += 1
            return
        if cid is not None:
            self.ids[cid] = (sheet, excel_row)
        self.rows.append(out)
        pii = {k: values.get(k) for k in PII if k in values}
        for k in pii:
            self.pii_written.add(written.get(k, PII_COLUMNS.get(k, k)))
        self.pii_rows.append({k: (None if is_blank(v) else str(v)) for k, v in pii.items()})
        extra = {w.removeprefix("?"): v for w, v in values.items() if w and str(w).startswith("?")}
        if extra:
            self.extra_written.update(extra)
            self.extra_rows.append(extra)


def write_clean(result: LedgerResult, path: str | Path, *, chinese_headers: bool = False,
                include_pii: bool = False) -> Path:
    """Write the normalised table to .csv (UTF-8 with BOM, opens in Excel) or .xlsx; no personal data
    unless ``include_pii`` and the ledger was read with ``keep_pii=True``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = result.table.copy()
    if include_pii and result.pii is not None:
        table = table.join(result.pii)
    if chinese_headers:
        labels = {k: label for k, (_, label) in LEDGER_COLUMNS.items()} | {"sheet": "工作表"} | PII_COLUMNS
        table = table.rename(columns=labels)
    if path.suffix.lower() == ".xlsx":
        table.to_excel(path, index=False)
    else:
        table.to_csv(path, index=False, encoding="utf-8-sig")
    return path
