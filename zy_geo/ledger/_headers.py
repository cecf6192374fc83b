"""Sheet grids and header recognition for survey ledgers.

A sheet becomes a *grid* (list of rows; merged cells carry their top-left value in every cell
they cover, as a person reads them). :func:`find_header` locates the header row(s) below any
title rows, including two-level headers (a group cell such as “六有”现状 above sub-headers),
and :func:`layout` names every column: canonical name (or None), header as written, group.

Examples
--------
>>> canonical("户数（户）"), canonical("住户数"), canonical(" 建筑面积(㎡) "), canonical("房屋面积（平方米）")
('households', 'households', 'floor_area_m2', 'floor_area_m2')
>>> canonical("门岗", group="“六有”现状"), canonical("是否有门岗"), canonical("*小区名称")
('gate', 'gate', 'name')
>>> canonical("姓名", group="联系人"), canonical("联系电话"), canonical("随便写的")
('contact_name', 'contact_phone', None)
>>> grid = [["台账"] * 3, ["小区名称", "基本情况", "基本情况"], ["小区名称", "户数", "楼栋数"], ["甲", 1, 2]]
>>> find_header(grid)
(1, 2)
>>> [(c.name, c.written) for c in layout(grid, 1, 2)]
[('name', '小区名称'), ('households', '户数'), ('buildings', '楼栋数')]
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: canonical column → header variants (compared after :func:`norm_header`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号序号", "No", "No.", "序"),
    "compound_id": ("小区编号", "小区代码", "编号", "小区编码", "小区ID", "id", "compound_id"),
    "name": ("小区名称", "小区名", "名称", "住宅小区名称", "小区(院落)名称", "院落名称", "小区(楼栋)名称", "name"),
    "address": ("地址", "小区地址", "详细地址", "坐落", "坐落地址", "address"),
    "body": ("责任主体", "责任单位", "所属区", "区(管委会)", "所属区(管委会)", "body"),
    "street": ("街道(镇)", "街道", "街道镇", "所属街道", "街道办事处", "镇(街道)", "乡镇街道", "街镇", "所属街道(镇)",
               "street"),
    "street_code": ("街道代码", "街道编码", "street_code"),
    "community": ("社区", "所属社区", "社区(村)", "community"),
    "kind": ("小区类型", "类型", "小区性质", "小区类别", "kind"),
    "households": ("户数", "住户数", "总户数", "住户", "户数合计", "住户户数", "households"),
    "buildings": ("楼栋数", "栋数", "楼栋", "幢数", "楼栋数量", "buildings"),
    "floor_area_m2": ("建筑面积", "房屋面积", "总建筑面积", "面积", "住宅面积", "floor_area_m2"),
    "built_year": ("建成年份", "建成年代", "建成时间", "竣工年份", "建设年代", "建成年度", "built_year"),
    "gate": ("门岗", "门岗管理", "有门岗管理", "有门岗", "gate"),
    "cleaning": ("保洁", "清扫保洁", "有清扫保洁", "有保洁", "cleaning"),
    "maintenance": ("维修", "物业维修", "有物业维修", "有维修", "maintenance"),
    "greening": ("绿化", "绿化养护", "有绿化养护", "有绿化", "greening"),
    "security": ("安防", "安全防范", "有安全防范", "有安防", "security"),
    "parking": ("停车", "停车管理", "有停车管理", "有停车", "parking"),
    "renovated": ("是否完成老旧小区改造", "已完成老旧小区改造", "完成老旧小区改造", "老旧小区改造", "是否已改造",
                  "完成改造", "已改造", "renovated"),
    "enclosed": ("是否独立封闭", "独立封闭", "是否封闭", "封闭情况", "enclosed"),
    "mode": ("管理方式", "管理模式", "物业管理方式", "物业服务方式", "物业管理模式", "mode"),
    "party_org": ("有无党组织", "党组织", "有党组织", "是否建立党组织", "小区党组织", "party_org"),
    "owners_committee": ("有无业委会", "业委会", "有业委会", "是否成立业委会", "业主委员会", "owners_committee"),
    "consent_merge": ("同意合并", "是否同意合并", "业主同意合并", "同意合并管理", "consent_merge"),
    "owners_consent_share": ("业主同意比例", "同意比例", "同意合并比例", "业主同意率", "同意率",
                             "owners_consent_share"),
    "lon": ("经度", "lon", "lng", "longitude", "东经"),
    "lat": ("纬度", "lat", "latitude", "北纬"),
    "contact_name": ("联系人", "负责人", "联系人姓名", "小区负责人", "楼栋长", "contact_name"),
    "contact_phone": ("联系电话", "电话", "手机", "手机号", "联系方式", "手机号码", "电话号码", "contact_phone"),
    "id_number": ("身份证号", "身份证号码", "身份证", "证件号码", "公民身份号码", "id_number"),
}
#: Sub-header words that mean something only under their group: (group pattern, {sub: canonical}).
GROUP_WORDS: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile("联系人|负责人"), {"姓名": "contact_name", "名字": "contact_name", "电话": "contact_phone",
                              "手机": "contact_phone", "身份证": "id_number", "身份证号": "id_number"}),
    (re.compile("坐标|位置|定位"), {"x": "lon", "y": "lat", "经": "lon", "纬": "lat"}),
)
SIX_GROUP = re.compile("六有")
PII = ("contact_name", "contact_phone", "id_number")
_STRIP = str.maketrans("", "", "“”\"'‘’*※★:、")
_LOOKUP: dict[str, str] = {}
for _canon, _spellings in SYNONYMS.items():
    for _v in _spellings:
        _LOOKUP[re.sub(r"\s+", "", unicodedata.normalize("NFKC", _v)).translate(_STRIP).lower()] = _canon


def norm_header(text: object) -> str:
    """NFKC, no whitespace, quotes, stars or colons, lower case: ' “六有”现状 ' → '六有现状'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).translate(_STRIP).lower()


def _variants(key: str) -> list[str]:
    """The header, then without a trailing bracket ('户数(户)' → '户数'), then without 是否/有无."""
    out = [key]
    bare = re.sub(r"\([^()]*\)$", "", key)
    out.append(bare)
    for k in (key, bare):
        stripped = re.sub(r"^(是否有|是否|有无|有否)", "", k)
        out += [stripped, "有" + stripped]
    return out


def canonical(header: object, *, group: object = None) -> str | None:
    """Canonical name of a header (optionally under a group header), or None if unknown.

    Under a “六有” group only six-haves names count; under a 联系人 or 坐标 group the short
    sub-headers 姓名/电话 and X/Y/经/纬 are read too.
    """
    if header is None or str(header).strip() == "":
        return None
    keys = _variants(norm_header(header))
    if group is not None:
        g = norm_header(group)
        for pattern, words in GROUP_WORDS:
            if pattern.search(g):
                found = next((words[k] for k in keys if k in words), None)
                if found:
                    return found
    found = next((_LOOKUP[k] for k in keys if k in _LOOKUP), None)
    if group is not None and SIX_GROUP.search(norm_header(group)) and found not in SIX_HAVES_KEYS:
        return None
    return found


SIX_HAVES_KEYS = ("gate", "cleaning", "maintenance", "greening", "security", "parking")


def header_score(cells: list[Any]) -> int:
    """How many distinct canonical columns a row names (to find the header row)."""
    return len({c for c in (canonical(x) for x in cells if isinstance(x, str)) if c is not None})


def find_header(grid: list[list[Any]], *, search_rows: int = 30) -> tuple[int, int] | None:
    """(index of the first header row, number of header rows: 1 or 2), or None.

    The header is the row naming the most known columns among the first ``search_rows``: at
    least three, or 小区名称 and 户数. The row above it is the top level of a two-level header when a known header
    cell is merged over both rows (same value in both) or when it names two known columns
    itself; the row itself is the top level when the row below names at least two known columns
    that it does not (sub-headers written under group cells).
    """
    scores = [header_score(row) for row in grid[:search_rows]]
    if not scores:
        return None
    h = scores.index(max(scores))
    names = {canonical(x) for x in grid[h] if isinstance(x, str)}
    if scores[h] < 3 and not {"name", "households"} <= names:
        return None
    if h >= 1 and grid[h - 1] != grid[h]:
        above, here = grid[h - 1], grid[h]
        shared = any(isinstance(a, str) and a == b and canonical(a) for a, b in zip(above, here, strict=False))
        if shared or scores[h - 1] >= 2:  # cells merged over both rows, or a top row naming columns itself
            return h - 1, 2
    if h + 1 < len(grid):
        new = [s for s, t in zip(grid[h + 1], grid[h], strict=False) if isinstance(s, str) and s != t]
        if len({canonical(s) for s in new} - {None}) >= 2:
            return h, 2
    return h, 1


@dataclass(frozen=True)
class Column:
    """One ledger column: position, canonical name (None if unknown), header as written, group."""

    index: int
    name: str | None
    written: str
    group: str | None = None


def layout(grid: list[list[Any]], h: int, n_header_rows: int) -> list[Column]:
    """Name every column of the header found at row index ``h``."""
    top = list(grid[h])
    sub = list(grid[h + 1]) if n_header_rows == 2 else [None] * len(top)
    width = max(len(top), len(sub))
    top += [None] * (width - len(top))
    sub += [None] * (width - len(sub))
    raw: list[tuple[int, Any, Any]] = []
    group_open: Any = None
    for c in range(width):
        t, s = top[c], sub[c]
        blank_t = t is None or str(t).strip() == ""
        blank_s = s is None or str(s).strip() == ""
        if blank_t and not blank_s and group_open is not None:
            t = group_open  # CSV: the group's name is written over its first sub-column only
        elif not blank_t and not blank_s and s != t:
            group_open = t
        else:
            group_open = None
        raw.append((c, t, None if blank_s or s == t else s))
    subs = [str(s).strip() for _, _, s in raw if s is not None]
    cols = []
    for c, t, s in raw:
        if s is not None:
            sub_text = str(s).strip()
            written = f"{str(t).strip()}/{sub_text}" if t is not None and subs.count(sub_text) > 1 else sub_text
            cols.append(Column(c, canonical(s, group=t), written, str(t).strip() if t is not None else None))
        elif t is not None and str(t).strip():
            cols.append(Column(c, canonical(t), str(t).strip()))
        else:
            cols.append(Column(c, None, f"第{c + 1}列"))
    return cols


def grids_xlsx(path: Path) -> list[tuple[str, list[list[Any]]]]:
    """(sheet name, grid) of every sheet; merged cells carry their top-left value everywhere."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    out = []
    for ws in wb.worksheets:
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row - 1, min(rng.max_row, len(grid))):
                for c in range(rng.min_col - 1, min(rng.max_col, len(grid[r]))):
                    grid[r][c] = value
        out.append((ws.title, grid))
    wb.close()
    return out


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode a text file as UTF-8 (with or without BOM) or GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    msg = "is neither UTF-8 nor GBK/GB18030 text"
    raise ValueError(msg)


def grid_csv(text: str) -> list[list[Any]]:
    """Rows of a CSV text; the delimiter (, ; tab) is sniffed; empty cells become None."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": a CR or LF ends a row wherever it stands, as in Excel (the default raised csv.Error on a
    # bare CR inside an unquoted cell); quoted cells keep theirs
    rows = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [[None if cell.strip() == "" else cell for cell in row] for row in rows]
    except csv.Error as exc:
        msg = f"is not readable as CSV ({exc})"
        raise ValueError(msg) from exc
