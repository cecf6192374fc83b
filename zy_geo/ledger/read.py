r"""The survey ledger (摸底台账): read it the way street offices fill it in, and account for every row.

:func:`read_ledger` finds the header itself (title rows above it, two-level merged headers such
as “六有”现状 → 门岗 | 保洁 …, Chinese header variants), reads numbers written as text, yes/no in
any of the usual vocabularies, street names with or without 办事处, and codes that must stay
text. It returns the canonical table (:data:`zy_geo.schema.LEDGER_COLUMNS` plus ``sheet``) and a
problems report that names file, sheet, Excel row and column as written.

Required columns: 小区名称 (``name``) and 户数 (``households``) on every sheet, and the street
(街道（镇）) either as a column or as the sheet's name (``莲花街道``; a CSV's file name counts as
its sheet name). A sheet without them is an error naming the sheet and listing the headers found.

What happens to a row below the header:

* **kept** — in ``table``. A value that cannot be read (or lies outside its range in
  :class:`~zy_geo.contracts.Bounds`) becomes NA with a *warning*: buildings, floor area, built
  year, the six haves and other yes/no columns, kind, mode, coordinates
  (outside China, or only one of the pair); a responsible body that is unknown or does not
  match the street's (the street's body is used). '90年代' is read as 1990 with a warning. A
  blank yes/no cell is unknown (NA), never "no"; a blank 管理方式 is unknown, not ``none``.
* **rejected** — an *error*, not in ``table``: no compound name; households missing, not a
  number, not a whole number or outside its plausible range (0–20,000 by default, see
  :class:`zy_geo.contracts.Bounds`; coverage counts households: a guess would be wrong); a
  street/town not in the jurisdictions table (the error lists the known ones); a compound id
  already used by an earlier kept row (both rows named). With ``strict=True`` every warning is
  an error, so rows with a warning are rejected too.
* **skipped** — *info*: 小计/合计/总计 rows (checked against the households of the rows they
  cover: a mismatch is a warning), blank rows (also rows holding only a 序号), note rows
  (注：…, 填表人：…) and a header repeated after a page break.

So rows read = kept + rejected + skipped, always (:meth:`LedgerResult.accounting`). Empty rows
after the last filled row are not rows. Sheets without a ledger header (instructions …) are
skipped with a warning, or an error when named after a street.

Personal data (contact names, phone and ID numbers) never reach ``table``: they are held in
``result.pii`` (same index) only with ``keep_pii=True``; phone/ID numbers typed into free text
(小区名称, 地址, 社区) are masked in ``table`` (``138****5678``), and inside unknown columns such as
备注 in ``result.extra``; no problem message repeats them. These rules are the ledger's contract,
:data:`zy_geo.contracts.LEDGER_CONTRACT`. Unknown columns are kept in
``result.extra`` (same index) and listed as info. 序号 is dropped (it is the office's row count).

Coordinates are returned exactly as written: the reader does not shift frames. Those picked on
Amap (高德), like the sample's, are GCJ-02; :func:`zy_geo.ledger.join.join_ledger` converts them.

Examples
--------
>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "莲花街道.csv"
>>> _ = p.write_text("小区名称,户数（户）,门岗,联系电话\n莲花小区,\"1,200\",有,13800000000\n"
...                  "三贤苑,约80户,,\n合计,1280,,\n", encoding="gbk")
>>> led = read_ledger(p)
>>> led.table[["name", "street", "street_code", "body", "households", "gate"]].to_dict("records")
... # doctest: +NORMALIZE_WHITESPACE
[{'name': '莲花小区', 'street': '莲花街道', 'street_code': '512002001', 'body': '雁江区',
  'households': 1200, 'gate': True}]
>>> led.accounting()
{'read': 3, 'kept': 1, 'rejected': 1, 'total_rows': 1, 'blank_rows': 0, 'note_rows': 0, 'skipped': 1}
>>> err = led.problems.errors[0]
>>> err.layer, err.row, err.column, err.message
('莲花街道', 3, '户数（户）', "'约80户' is not a number")
>>> led.pii_columns, "contact_phone" in led.table.columns
(['联系电话'], False)
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..contracts import Bounds
from ..errors import InputError, ProblemReport
from ..schema import LEDGER_COLUMNS, PII_COLUMNS, load_jurisdictions
from ..write import OutputFolder, writing
from ._headers import PII, decode_text, find_header, grid_csv, grids_xlsx, layout
from ._rows import COUNT_KEYS, SheetReader


@dataclass
class LedgerResult:
    r"""The normalised ledger and everything learnt while reading it.

    Attributes
    ----------
    table : DataFrame
        Canonical columns (:data:`zy_geo.schema.LEDGER_COLUMNS`, in that order and with those
        dtypes) plus ``sheet``; one row per kept ledger row, ``source_row`` its Excel row.
    problems : ProblemReport
        Every error (row rejected), warning (row kept, value NA or changed) and note.
    source : str
        File name.
    pii_columns : list of str
        Headers (as written) of personal-data columns withheld from ``table``.
    column_map : dict
        Header as written → canonical column.
    extra : DataFrame
        Unknown columns, indexed like ``table`` (phone/ID numbers masked unless ``keep_pii``).
    pii : DataFrame or None
        ``contact_name, contact_phone, id_number`` indexed like ``table``, only with ``keep_pii``.
    counts : dict
        Row counts behind :meth:`accounting`.
    sheets : list of str
        Sheets read.
    path : Path or None
        The ledger file read (never overwritten by zy_geo's writers).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "松涛镇.csv"
    >>> _ = p.write_text("小区名称,户数\n甲,10\n,5\n\n注：无\n", encoding="utf-8")
    >>> led = read_ledger(p)
    >>> led.accounting()
    {'read': 4, 'kept': 1, 'rejected': 1, 'total_rows': 0, 'blank_rows': 1, 'note_rows': 1, 'skipped': 2}
    >>> led.ok, led.usable, led.rows_read
    (False, False, 4)
    """

    table: pd.DataFrame
    problems: ProblemReport
    source: str
    pii_columns: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    extra: pd.DataFrame | None = None
    pii: pd.DataFrame | None = None
    counts: dict[str, int] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    path: Path | None = None

    @property
    def ok(self) -> bool:
        """True when no error was found (warnings allowed)."""
        return self.problems.ok

    @property
    def usable(self) -> bool:
        """True when there is no error and at least one row in ``table``."""
        return self.ok and len(self.table) > 0

    @property
    def rows_read(self) -> int:
        """Rows below the header(s), on every sheet read."""
        return self.counts.get("read", 0)

    def accounting(self) -> dict[str, int]:
        """Where every row went: ``read == kept + rejected + skipped``.

        ``skipped`` is ``total_rows`` (小计/合计) + ``blank_rows`` + ``note_rows``.
        """
        acc = {k: self.counts.get(k, 0) for k in COUNT_KEYS}
        acc["skipped"] = acc["total_rows"] + acc["blank_rows"] + acc["note_rows"]
        return acc

    def report(self, *, limit: int | None = 40) -> str:
        """Terminal text: the row accounting, the problems (errors first), and the verdict."""
        a = self.accounting()
        head = (f"{self.source}: {len(self.sheets)} sheet(s); {a['read']} rows read = {a['kept']} kept "
                f"+ {a['rejected']} rejected + {a['skipped']} skipped ({a['total_rows']} 小计/合计, "
                f"{a['blank_rows']} blank, {a['note_rows']} notes)")
        verdict = ("usable" + (" (warnings allowed)" if self.problems.warnings else "") if self.usable
                   else "NOT usable: fix the errors above")
        return f"{head}\n{self.problems.format(limit=limit)}\n{verdict}"

    def _repr_html_(self) -> str:
        esc = html.escape
        acc = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>" for k, v in self.accounting().items())
        cmap = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in self.column_map.items())
        head = self.table.head(8).to_html(index=False, escape=True, na_rep="")
        pii = "、".join(self.pii_columns) or "无"
        return (f"<p><b>摸底台账</b> {esc(self.source)}（{esc('、'.join(self.sheets))}）；"
                f"个人信息列已隐去：{esc(pii)}</p>"
                f"<table><thead><tr><th>行</th><th>数</th></tr></thead><tbody>{acc}</tbody></table>"
                f"{self.problems._repr_html_()}"
                f"<details><summary>列对应（{len(self.column_map)}）</summary><table>{cmap}</table></details>"
                f"{head}")


def read_ledger(
    path: str | Path,
    *,
    sheets: list[str] | None = None,
    jurisdictions: pd.DataFrame | None = None,
    keep_pii: bool = False,
    strict: bool = False,
    bounds: Bounds | None = None,
) -> LedgerResult:
    r"""Read a survey ledger (.xlsx or .csv) into canonical columns with a full problems report.

    Parameters
    ----------
    path : str or Path
        The ledger workbook (every sheet is read unless ``sheets`` is given) or a CSV file
        (UTF-8, UTF-8 with BOM, or GBK/GB18030; comma, semicolon or tab separated).
    sheets : list of str, optional
        Read only these sheets of a workbook.
    jurisdictions : DataFrame, optional
        Known streets/towns: columns ``code, street, body`` (``body_full`` optional). Default:
        the seven central-city streets/towns, :func:`zy_geo.schema.load_jurisdictions`.
    keep_pii : bool
        Keep contact names, phones and ID numbers in ``result.pii`` (never in ``table``).
    strict : bool
        Treat warnings as errors: rows with a warning are rejected too.
    bounds : Bounds, optional
        Plausible ranges of households, buildings, floor area and built year (default
        :class:`zy_geo.contracts.Bounds`).

    Returns
    -------
    LedgerResult
        ``table``, ``problems``, ``accounting()`` … (see the module docstring for what is kept,
        rejected or skipped).

    Raises
    ------
    InputError
        The file does not exist, is not .xlsx/.csv, cannot be decoded, or lacks a requested sheet.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "ledger.csv"
    >>> _ = p.write_text("小区编号,小区名称,街道,户数,建筑面积(㎡),建成年份\n"
    ...                  "512002001,莲花小区,莲花办事处,１２０,1.2万,90年代\n", encoding="utf-8-sig")
    >>> cols = ["compound_id", "street", "households", "floor_area_m2", "built_year"]
    >>> read_ledger(p).table[cols].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'compound_id': '512002001', 'street': '莲花街道', 'households': 120, 'floor_area_m2': 12000.0,
      'built_year': 1990}]
    >>> read_ledger(p, strict=True).accounting()["rejected"]  # '90年代' is a warning, an error when strict
    1
    """
    path = Path(path)
    if not path.is_file():
        msg = f"`{path}` does not exist or is not a file; check the path."
        raise InputError(msg)
    grids = _load(path, sheets)
    j = load_jurisdictions() if jurisdictions is None else _check_jurisdictions(jurisdictions)
    reader = SheetReader(path.name, j, strict=strict, keep_pii=keep_pii, all_sheets=sheets is None, bounds=bounds)
    for sheet, grid in grids:
        found = find_header(grid)
        if found is None:
            reader.no_header(sheet, grid)
            continue
        h, n = found
        reader.read_sheet(sheet, grid, h, n, layout(grid, h, n))
    if not reader.records and reader.problems.ok:
        reader.problems.add("error", "no data rows found in any sheet", source=path.name, code="empty",
                            fix="check that the sheet has a header row (小区名称, 户数 …) with rows below it")
    reader.finish()
    table = _table(reader.records)
    extra = pd.DataFrame(reader.extra_rows, index=table.index)
    pii = pd.DataFrame(reader.pii_rows, index=table.index, columns=list(PII), dtype="string") if keep_pii else None
    return LedgerResult(table, reader.problems, path.name, list(reader.pii_written), dict(reader.column_map),
                        extra, pii, dict(reader.counts), [s for s, _ in grids], path)


def _load(path: Path, sheets: list[str] | None) -> list[tuple[str, list[list[Any]]]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if path.stat().st_size == 0:
            msg = f"`{path.name}` is empty (0 bytes); save the ledger again from Excel as .xlsx."
            raise InputError(msg)
        try:
            grids = grids_xlsx(path)
        except Exception as exc:  # a damaged or hostile workbook fails in zipfile, lxml or openpyxl alike
            msg = (f"`{path.name}` cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}); "
                   "open it in Excel and save it again as .xlsx.")
            raise InputError(msg) from exc
    elif suffix in (".csv", ".txt", ".tsv"):
        try:
            text, _ = decode_text(path.read_bytes())
            grids = [(path.stem, grid_csv(text))]
        except ValueError as exc:
            msg = f"`{path.name}` {exc}; save it as CSV UTF-8 (Excel: 另存为 → CSV UTF-8)."
            raise InputError(msg) from exc
    else:
        msg = f"`{path.name}`: a ledger must be .xlsx or .csv; save old .xls files as .xlsx."
        raise InputError(msg)
    if sheets is None:
        return grids
    names = [s for s, _ in grids]
    missing = [s for s in sheets if s not in names]
    if missing:
        msg = (f"`{path.name}` has no sheet {'、'.join(missing)}; its sheets are {'、'.join(names)}. "
               "Pass sheets= with names from that list.")
        raise InputError(msg)
    return [(s, g) for s, g in grids if s in sheets]


def _check_jurisdictions(j: pd.DataFrame) -> pd.DataFrame:
    need = {"code", "street", "body"}
    if not need <= set(j.columns):
        msg = (f"jurisdictions table needs columns code, street, body; it has {', '.join(map(str, j.columns))}. "
               "Use zy_geo.schema.load_jurisdictions(path) to read one.")
        raise InputError(msg)
    return j.astype({c: "string" for c in need})


def _table(records: list[dict[str, Any]]) -> pd.DataFrame:
    cols = [*LEDGER_COLUMNS, "sheet"]
    table = pd.DataFrame(records, columns=cols)
    dtypes = {c: d for c, (d, _) in LEDGER_COLUMNS.items()} | {"sheet": "string"}
    return table.astype(dtypes).reset_index(drop=True)


def write_clean(
    result: LedgerResult,
    path: str | Path,
    *,
    chinese_headers: bool = False,
    include_pii: bool = False,
    folder: OutputFolder | None = None,
    force: bool = False,
) -> Path:
    r"""Write the normalised table to .csv (UTF-8 with BOM, so Excel opens it) or .xlsx.

    Written through :mod:`zy_geo.write`: never over the ledger it came from, no cell a live formula.

    Parameters
    ----------
    result : LedgerResult
        From :func:`read_ledger`.
    path : str or Path
        ``.csv`` or ``.xlsx``.
    chinese_headers : bool
        Use the Chinese labels of :data:`zy_geo.schema.LEDGER_COLUMNS` (for people) instead of
        the canonical names (for scripts). :func:`read_ledger` reads either back.
    include_pii : bool
        Add the personal-data columns; only possible when the ledger was read with
        ``keep_pii=True``. Personal data are never written otherwise.
    folder : OutputFolder, optional
        The command's output folder (``path`` is then relative to it).
    force : bool
        Overwrite a file zy_geo did not write.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "莲花街道.csv").write_text("小区名称,户数,联系电话\n莲花小区,120,13800000000\n", encoding="utf-8")
    >>> out = write_clean(read_ledger(d / "莲花街道.csv"), d / "clean.csv", chinese_headers=True)
    >>> text = out.read_text(encoding="utf-8-sig")
    >>> text.splitlines()[0].split(",")[:3], "13800000000" in text
    (['小区编号', '小区名称', '地址'], False)
    """
    table = result.table.copy()
    if include_pii:
        if result.pii is None:
            msg = "include_pii=True needs a ledger read with read_ledger(..., keep_pii=True); it was read without."
            raise InputError(msg)
        table = table.join(result.pii)
    if chinese_headers:
        labels = {k: label for k, (_, label) in LEDGER_COLUMNS.items()} | {"sheet": "工作表"} | PII_COLUMNS
        table = table.rename(columns=labels)
    suffixes = (".csv", ".xlsx")
    with writing(path, folder, suffixes=suffixes, what="clean ledger", force=force,
                 inputs=[result.path] if result.path else []) as (out, name):
        if name.lower().endswith(".xlsx"):
            return out.write_xlsx({"台账": table}, name)
        return out.write_csv(table, name)


def validate_ledger(
    path: str | Path,
    *,
    out: str | Path | None = None,
    strict: bool = False,
    chinese_headers: bool = False,
) -> LedgerResult:
    r"""Read a ledger, write its normalised table when asked: what ``zy-geo validate`` calls.

    Parameters
    ----------
    path : str or Path
        The ledger (.xlsx or .csv).
    out : str or Path, optional
        Where to write the normalised table (.csv or .xlsx), without personal data. Written
        whenever at least one row was kept, even if the ledger is not usable yet.
    strict : bool
        Treat warnings as errors.
    chinese_headers : bool
        Chinese column labels in ``out``.

    Returns
    -------
    LedgerResult
        ``result.report()`` is the terminal text; ``result.usable`` decides the exit code
        (0 when usable, warnings allowed; 1 when not).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "莲花街道.csv").write_text("小区名称,户数,门岗\n莲花小区,120,有\n", encoding="utf-8")
    >>> result = validate_ledger(d / "莲花街道.csv", out=d / "clean.csv")
    >>> result.usable, (d / "clean.csv").exists()
    (True, True)
    >>> print(result.report().splitlines()[0])
    莲花街道.csv: 1 sheet(s); 1 rows read = 1 kept + 0 rejected + 0 skipped (0 小计/合计, 0 blank, 0 notes)
    """
    result = read_ledger(path, strict=strict)
    if out is not None and len(result.table):
        write_clean(result, out, chinese_headers=chinese_headers)
    return result


__all__ = ["LedgerResult", "read_ledger", "validate_ledger", "write_clean"]
