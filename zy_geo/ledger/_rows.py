"""The row reader behind :func:`zy_geo.ledger.read.read_ledger`.

Every row below a header is kept, rejected or skipped, and every decision is a Problem naming
sheet, Excel row and column.

The rules (what is an error, a warning, a note) are documented in :mod:`zy_geo.ledger.read`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from .._pii import has_pii, redact_pii
from ..contracts import LEDGER_CONTRACT, Bounds
from ..errors import ProblemReport
from ..schema import COMPOUND_KINDS, LEDGER_COLUMNS, MODES, SIX_HAVES
from ._headers import PII, Column, header_score
from ._values import (
    Vocabulary,
    is_blank,
    norm_text,
    parse_bool,
    parse_code,
    parse_int,
    parse_number,
    parse_share,
    parse_year,
)

#: Keys of the row accounting (``skipped`` = total + blank + note rows is added by the result).
COUNT_KEYS = ("read", "kept", "rejected", "total_rows", "blank_rows", "note_rows")

_BOOL_COLS = (*SIX_HAVES, "renovated", "enclosed", "party_org", "owners_committee", "consent_merge")
_TOTAL_WORDS = ("小计", "合计", "总计")
_NOTE_STARTS = ("注", "说明", "备注:", "填表说明", "填表人", "填报人", "审核人", "制表", "单位负责人", "联系人:",
                "联系电话:")
_FIX_HOUSEHOLDS = "enter the number of households as an integer, e.g. 120"
_FIX_YESNO = "enter 有 or 无 (是/否, √/×, Y/N, 1/0 are read too)"
_CHINA = ((73.0, 136.0), (3.0, 54.0))  # lon, lat ranges
#: What an unusable value of a bounded column is, and which columns are free text: the ledger's contract.
_SEVERITY = {c.name: c.severity for c in LEDGER_CONTRACT.columns}
_FREE_TEXT = LEDGER_CONTRACT.free_text


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", " ", str(value)).strip()


def _rows_phrase(rows: list[int]) -> str:
    shown = "、".join(map(str, rows[:10]))
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}" + (" …" if len(rows) > 10 else "")


class SheetReader:
    """Reads sheet after sheet into records, counting and reporting every row below the header."""

    def __init__(self, source: str, j: pd.DataFrame, *, strict: bool, keep_pii: bool, all_sheets: bool,
                 bounds: Bounds | None = None):
        self.source, self.strict, self.keep_pii, self.all_sheets = source, strict, keep_pii, all_sheets
        self.bounds = bounds or Bounds()
        self.vocab = Vocabulary(j)
        self.problems = ProblemReport()
        self.records: list[dict[str, Any]] = []
        self.extra_rows: list[dict[str, Any]] = []
        self.pii_rows: list[dict[str, Any]] = []
        self.pii_written: dict[str, None] = {}  # ordered sets
        self.extra_written: dict[str, None] = {}
        self.extra_masked: dict[str, None] = {}
        self.column_map: dict[str, str] = {}
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self.ids: dict[str, tuple[str, int]] = {}
        self.names: dict[tuple[str, str], tuple[str, int]] = {}
        self.hh_all: list[int] = []
        self.unreadable_all = 0

    def add(self, severity: str, message: str, **where: Any) -> str:
        if self.strict and severity == "warning":
            severity = "error"
        self.problems.add(severity, message, source=self.source, **where)  # type: ignore[arg-type]
        return severity

    def no_header(self, sheet: str, grid: list[list[Any]]) -> None:
        filled = [r + 1 for r, row in enumerate(grid) if any(not is_blank(v) for v in row)]
        if not filled:
            self.add("info", "sheet is empty; skipped", layer=sheet, code="empty_sheet")
            return
        where = f"row {filled[0]}" if len(filled) == 1 else f"rows {filled[0]}–{filled[-1]}"
        what = f"its {len(filled)} filled row(s) ({where}) are not read"
        if self.vocab.street(sheet) is None:
            self.add("warning", f"sheet has no ledger header (小区名称, 户数 …); {what}", layer=sheet,
                     code="no_header", fix="if it is a ledger sheet, add the header row; otherwise ignore this")
            return
        self.counts["read"] += len(filled)
        self.counts["rejected"] += len(filled)
        self.add("error", f"no header row found (expected columns such as 小区名称, 户数（户）, 街道（镇）); {what}",
                 layer=sheet, code="no_header", fix="add the header row of the ledger template above the data")

    def read_sheet(self, sheet: str, grid: list[list[Any]], h: int, n: int, cols: list[Column]) -> None:
        width = len(cols)
        last = len(grid)
        while last > h + n and all(is_blank(v) for v in grid[last - 1]):
            last -= 1  # Excel's used range often runs past the table: those are not rows
        rows = [list(grid[r]) + [None] * (width - len(grid[r])) for r in range(h + n, last)]
        used: dict[str, Column] = {}
        extra: list[Column] = []
        for col in cols:
            holds_data = any(not is_blank(row[col.index]) for row in rows)
            if col.name is None:
                if holds_data or not col.written.startswith("第"):
                    extra.append(col)
                    self.extra_written.setdefault(col.written)
            elif col.name in used:
                first = used[col.name]
                self.add("info", f"column {col.written} also reads as {col.name}, like column {first.written}; "
                         "the first one is used, this one is kept in result.extra", layer=sheet, row=h + 1,
                         column=col.written, code="duplicate_column")
                extra.append(col)
                self.extra_written.setdefault(col.written)
            else:
                used[col.name] = col
                if col.name != "seq":
                    self.column_map.setdefault(col.written, col.name)
                if col.name in PII:
                    self.pii_written.setdefault(col.written)
        sheet_street = self.vocab.street(sheet)
        missing = [label for key, label in (("name", "小区名称"), ("households", "户数")) if key not in used]
        if "street" not in used and sheet_street is None:
            missing.append("街道（镇） (or a sheet named after its street)")
        kinds = [self._classify(row, used) for row in rows]
        if missing:
            self._reject_sheet(sheet, h, n, cols, rows, kinds, missing)
            return
        hh_sheet: list[int] = []
        unreadable = 0
        variants: dict[tuple[str, str], list[int]] = {}
        for i, (row, kind) in enumerate(zip(rows, kinds, strict=True)):
            excel_row = h + n + i + 1
            self.counts["read"] += 1
            if kind == "record":
                hh = self._read_row(sheet, excel_row, row, used, extra, sheet_street, variants)
                if hh is None:
                    unreadable += 1
                    self.unreadable_all += 1
                else:
                    hh_sheet.append(hh)
                    self.hh_all.append(hh)
            elif kind.startswith("total:"):
                self._check_total(sheet, excel_row, row, used, kind[6:], hh_sheet, unreadable)
                if kind == "total:小计":
                    hh_sheet, unreadable = [], 0
            else:
                self._skip(sheet, excel_row, kind)
        for (written, street), at in variants.items():
            self.add("info", f"street written {written!r} on {_rows_phrase(at)}, read as {street}", layer=sheet,
                     row=at[0], column=used["street"].written, code="street_variant")

    def _reject_sheet(self, sheet: str, h: int, n: int, cols: list[Column], rows: list[list[Any]],
                      kinds: list[str], missing: list[str]) -> None:
        records = [h + n + i + 1 for i, k in enumerate(kinds) if k == "record"]
        for i, kind in enumerate(kinds):
            self.counts["read"] += 1
            if kind == "record":
                self.counts["rejected"] += 1
            elif not kind.startswith("total:"):
                self._skip(sheet, h + n + i + 1, kind)
            else:
                self.counts["total_rows"] += 1
        found = "、".join(c.written for c in cols if not c.written.startswith("第")) or "none"
        span = f"rows {records[0]}–{records[-1]}" if records else "no rows"
        self.add("error", f"required column(s) {'、'.join(missing)} not found, so its {len(records)} data rows "
                 f"({span}) are not read; headers found: {found}", layer=sheet, row=h + 1, code="missing_column",
                 fix="name the columns as the template does (小区名称, 户数（户）, 街道（镇）) or add them")

    def _classify(self, row: list[Any], used: dict[str, Column]) -> str:
        nonblank = [v for v in row if not is_blank(v)]
        seq = used.get("seq")
        if not nonblank or (seq is not None and all(is_blank(v) for i, v in enumerate(row) if i != seq.index)):
            return "blank"
        labels = [row[used[k].index] for k in ("seq", "name", "compound_id") if k in used] + [nonblank[0]]
        for v in labels:
            text = "" if is_blank(v) else norm_text(v)
            word = next((w for w in _TOTAL_WORDS if text.startswith(w)), None)
            if word:
                return f"total:{word}"
        if len({str(v) for v in nonblank}) <= 2 and norm_text(nonblank[0]).startswith(_NOTE_STARTS):
            return "note"
        if header_score(row) >= 3 and used.get("name") is not None and norm_text(row[used["name"].index]) == \
                norm_text(used["name"].written):
            return "header"
        return "record"

    def _skip(self, sheet: str, excel_row: int, kind: str) -> None:
        if kind == "blank":
            self.counts["blank_rows"] += 1
            self.add("info", "blank row skipped", layer=sheet, row=excel_row, code="blank_row")
        elif kind == "note":
            self.counts["note_rows"] += 1
            self.add("info", "note row skipped", layer=sheet, row=excel_row, code="note_row")
        else:
            self.counts["note_rows"] += 1
            self.add("info", "header repeated (page break?); skipped", layer=sheet, row=excel_row,
                     code="repeated_header")

    def _check_total(self, sheet: str, excel_row: int, row: list[Any], used: dict[str, Column], word: str,
                     hh_sheet: list[int], unreadable: int) -> None:
        self.counts["total_rows"] += 1
        self.add("info", f"{word} row skipped", layer=sheet, row=excel_row, code="total_row")
        grand = word != "小计"
        column = used["households"].written
        value = row[used["households"].index]
        if grand and not self.all_sheets:
            self.add("info", f"{word} row not checked: only some sheets were read", layer=sheet, row=excel_row,
                     column=column, code="total_unchecked")
            return
        if is_blank(value):
            self.add("info", f"{word} row has no households value (a formula Excel never calculated?); not checked",
                     layer=sheet, row=excel_row, column=column, code="total_unchecked")
            return
        try:
            stated = parse_int(value)
        except ValueError as exc:
            self.add("warning", f"{value!r} in the {word} row {exc}; the total is not checked", layer=sheet,
                     row=excel_row, column=column, value=value, code="total_unreadable", fix=_FIX_HOUSEHOLDS)
            return
        covered, bad = (self.hh_all, self.unreadable_all) if grand else (hh_sheet, unreadable)
        if stated != sum(covered):
            note = f"; {bad} row(s) with unreadable households not counted" if bad else ""
            self.add("warning", f"the {word} row says {stated} households but the {len(covered)} row(s) it covers "
                     f"sum to {sum(covered)}{note}", layer=sheet, row=excel_row, column=column, value=value,
                     code="total_mismatch", fix="correct the total or the rows above it")

    def _read_row(self, sheet: str, excel_row: int, row: list[Any], used: dict[str, Column], extra: list[Column],
                  sheet_street: str | None, variants: dict[tuple[str, str], list[int]]) -> int | None:
        def val(key: str) -> Any:
            return row[used[key].index] if key in used else None

        def written(key: str) -> str:
            return used[key].written if key in used else LEDGER_COLUMNS[key][1]

        rejected = False

        def problem(severity: str, key: str, message: str, value: Any = None, fix: str = "",
                    code: str = "bad_value") -> None:
            nonlocal rejected
            sev = self.add(severity, message, layer=sheet, row=excel_row, column=written(key), value=value,
                           fix=fix, code=code)
            rejected |= sev == "error"

        out: dict[str, Any] = {"sheet": sheet, "source_row": excel_row}

        def free_text(key: str) -> str | None:
            if is_blank(val(key)):
                return None
            text = _text(val(key))
            if has_pii(text):
                text = redact_pii(text)
                self.add("info", "phone or ID number in free text masked", layer=sheet, row=excel_row,
                         column=written(key), code="pii_masked",
                         fix="keep contacts in the 联系人/联系电话 columns, which are withheld")
            return text

        name = free_text("name")
        if name is None:
            problem("error", "name", "compound name is empty; the row cannot be matched or counted",
                    fix="enter the 小区名称", code="missing_name")
        out["name"] = name
        v = val("households")
        hh = None
        if is_blank(v):
            problem("error", "households", "households is empty; coverage counts households",
                    fix=_FIX_HOUSEHOLDS, code="missing_households")
        else:
            try:
                hh = out["households"] = parse_int(v)
            except ValueError as exc:
                problem("error", "households", f"{v!r} {exc}", v, _FIX_HOUSEHOLDS, "not_a_number")
            why = None if hh is None else self.bounds.problem("households", hh)
            if why:
                what = ("looks like a phone or ID number, not a count of households" if has_pii(v)
                        else f"{why} (households of one compound)")
                problem(_SEVERITY["households"], "households", f"{v!r} {what}", v, _FIX_HOUSEHOLDS, "out_of_range")
                hh = None
                out.pop("households")
            if hh == 0:
                problem("warning", "households", "0 households; check the count", v, _FIX_HOUSEHOLDS, "zero")
        for key, parse, fix in (("buildings", parse_int, "enter the number of buildings as an integer"),
                                ("floor_area_m2", parse_number, "enter the floor area in ㎡, e.g. 12345.6")):
            v = val(key)
            if is_blank(v):
                continue
            try:
                out[key] = parse(v)
                why = "is negative" if out[key] < 0 else self.bounds.problem(key, out[key])
                if why:
                    out.pop(key)
                    raise ValueError(why)
            except ValueError as exc:
                problem(_SEVERITY[key], key, f"{v!r} {exc}; left empty", v, fix)
        v = val("owners_consent_share")
        if not is_blank(v):
            try:
                out["owners_consent_share"] = parse_share(v)
            except ValueError as exc:
                problem("warning", "owners_consent_share", f"{v!r} {exc}; left empty", v,
                        "enter the share of owners who agree to a merger, e.g. 0.75 or 75%")
        v = val("built_year")
        if not is_blank(v):
            earliest, latest = self.bounds.built_year
            try:
                out["built_year"], note = parse_year(v, earliest=int(earliest), latest=int(latest))
                if note:
                    problem("warning", "built_year", f"{v!r}: {note}", v, "enter the exact year if known",
                            "approx_year")
            except ValueError as exc:
                problem(_SEVERITY["built_year"], "built_year", f"{v!r} {exc}; left empty", v,
                        "enter four digits, e.g. 2003")
        for key in _BOOL_COLS:
            v = val(key)
            try:
                out[key] = parse_bool(v)
            except ValueError as exc:
                problem("warning", key, f"{v!r} {exc}; read as unknown", v, _FIX_YESNO)
        for key, parse_vocab, vocab in (("kind", self.vocab.kind, COMPOUND_KINDS), ("mode", self.vocab.mode, MODES)):
            v = val(key)
            if not is_blank(v):
                out[key] = parse_vocab(v)
                if out[key] is None:
                    what = "compound kind" if key == "kind" else "management mode"
                    problem("warning", key, f"{v!r} is not a known {what}; left empty", v,
                            "use one of " + "、".join(vocab.values()))
        self._coordinates(val("lon"), val("lat"), out, problem)
        street = self._street(val("street"), sheet_street, problem, variants, excel_row)
        if street is not None:
            out["street"], out["street_code"] = street, self.vocab.codes[street]
            out["body"] = self.vocab.bodies_of[street]
            b = val("body")
            if not is_blank(b) and self.vocab.body(b) != out["body"]:
                known = self.vocab.body(b)
                why = "is not a known responsible body" if known is None else f"does not match {street}'s body"
                problem("warning", "body", f"{b!r} {why}; {out['body']} (from the street) is used", b,
                        "check the street or the 责任主体")
        for key in _FREE_TEXT:
            if key != "name" and not is_blank(val(key)):
                out[key] = free_text(key)
        cid = out["compound_id"] = parse_code(val("compound_id"))
        if cid is not None and has_pii(cid):  # a phone or ID number typed into 小区编号: never an id, never output
            problem("error", "compound_id", "looks like a phone or ID number, not a compound id; the row is left out",
                    cid, "enter the compound's id (e.g. 512002001-0001), or leave 小区编号 blank", "pii_in_id")
            cid = out["compound_id"] = redact_pii(cid)
        if cid is not None and cid in self.ids:
            s0, r0 = self.ids[cid]
            problem("error", "compound_id", f"compound id {cid} is already used by sheet {s0} row {r0}; this "
                    "second row is left out", cid, "delete the duplicate row or correct one of the ids",
                    "duplicate_id")
        key2 = (str(street), str(name))
        if not rejected and cid is None and key2 in self.names:
            s0, r0 = self.names[key2]
            problem("warning", "name", f"{name} is already listed for {street} (sheet {s0} row {r0}) and this row "
                    "has no 小区编号: the join by name cannot tell them apart", name,
                    "enter the 小区编号, or delete the duplicate row", "duplicate_name")
        if rejected:
            self.counts["rejected"] += 1
            return hh
        if cid is not None:
            self.ids[cid] = (sheet, excel_row)
        self.names.setdefault(key2, (sheet, excel_row))
        self.records.append(out)
        if self.keep_pii:
            self.pii_rows.append({k: parse_code(val(k)) for k in PII})
        self.extra_rows.append({c.written: self._extra_value(c, row[c.index]) for c in extra})
        return hh

    def _extra_value(self, col: Column, value: Any) -> Any:
        if is_blank(value) or self.keep_pii:
            return None if is_blank(value) else value
        text = parse_code(value) or ""
        if has_pii(text):
            self.extra_masked.setdefault(col.written)
            return redact_pii(text)
        return value

    def _coordinates(self, lon: Any, lat: Any, out: dict[str, Any], problem: Any) -> None:
        if is_blank(lon) and is_blank(lat):
            return
        if is_blank(lon) or is_blank(lat):
            key = "lon" if is_blank(lon) else "lat"
            problem("warning", key, "only one of 经度/纬度 is given; both left empty", None,
                    "pick the point again on the map and enter both")
            return
        try:
            x, y = parse_number(lon), parse_number(lat)
        except ValueError:
            problem("warning", "lon", f"coordinates {lon!r}, {lat!r} are not numbers; left empty", None,
                    "enter decimal degrees, e.g. 104.627, 30.128")
            return
        (x0, x1), (y0, y1) = _CHINA
        if x0 <= x <= x1 and y0 <= y <= y1:
            out["lon"], out["lat"] = x, y
        elif x0 <= y <= x1 and y0 <= x <= y1:
            out["lon"], out["lat"] = y, x
            problem("warning", "lon", f"经度 {x} and 纬度 {y} are swapped; read as 经度 {y}, 纬度 {x}", None,
                    "swap the two cells")
        else:
            problem("warning", "lon", f"coordinates {x}, {y} are not in China (decimal degrees); left empty", None,
                    "enter decimal degrees, e.g. 104.627, 30.128 (not metres, not degrees-minutes)")

    def _street(self, text: Any, sheet_street: str | None, problem: Any, variants: dict, excel_row: int) -> str | None:
        if is_blank(text):
            if sheet_street is None:
                problem("error", "street", "street/town is empty and the sheet's name is not one", None,
                        "enter the 街道（镇）", "unknown_street")
            return sheet_street
        street = self.vocab.street(text)
        if street is None:
            problem("error", "street", f"{text!r} is not a known street/town; known: "
                    f"{'、'.join(self.vocab.street_names)}", text,
                    "use one of the known names, or pass jurisdictions= with your own table", "unknown_street")
            return None
        if norm_text(text) != street:
            variants.setdefault((_text(text), street), []).append(excel_row)
        if sheet_street is not None and street != sheet_street:
            problem("warning", "street", f"street {street} is not the sheet's street {sheet_street}; {street} is used",
                    text, "move the row to its street's sheet, or correct the street", "street_mismatch")
        return street

    def finish(self) -> None:
        self.counts["kept"] = len(self.records)
        for w in self.pii_written:
            how = "kept in result.pii only" if self.keep_pii else "pass keep_pii=True to keep it"
            self.add("info", f"personal data column {w} found and withheld from the table; {how}", column=w,
                     code="pii_withheld")
        for w in self.extra_written:
            self.add("info", f"column {w} is not a ledger column zy_geo knows; kept in result.extra", column=w,
                     code="extra_column")
        for w in self.extra_masked:
            self.add("info", f"column {w} holds phone or ID numbers; masked in result.extra "
                     "(pass keep_pii=True to keep them)", column=w, code="pii_masked")

