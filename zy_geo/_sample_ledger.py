"""The sample's survey ledger (摸底台账), written the way street offices fill them in.

One sheet per street/town; two title rows; a two-level merged header; realistic mess in the
values (numbers as text, full-width digits, units, 万, yes/no in six vocabularies, street names
with 办事处, blank ids, GCJ-02 coordinates from Amap, fake personal data, a duplicated row, a few
values nobody can read); a 小计 row per sheet, a 合计 row on the last, a footnote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .schema import COMPOUND_KINDS, SIX_HAVES, SIX_HAVES_SHORT

#: (group, header) of each ledger column; group None = single-level header merged over 2 rows.
LEDGER_SHEET_COLUMNS: list[tuple[str | None, str]] = [
    (None, "序号"), (None, "小区编号"), (None, "小区名称"), (None, "地址"), (None, "责任主体"), (None, "街道（镇）"),
    (None, "社区"), (None, "小区类型"),
    ("基本情况", "户数（户）"), ("基本情况", "楼栋数（栋）"), ("基本情况", "建筑面积（㎡）"), ("基本情况", "建成年份"),
    *[("“六有”现状", SIX_HAVES_SHORT[k]) for k in SIX_HAVES],
    (None, "是否完成老旧小区改造"), (None, "是否独立封闭"), (None, "管理方式"), (None, "有无党组织"), (None, "有无业委会"),
    ("坐标（高德）", "经度"), ("坐标（高德）", "纬度"),
    (None, "联系人"), (None, "联系电话"), (None, "身份证号"), (None, "备注"),
]
_YESNO = [("有", "无"), ("是", "否"), ("√", "×"), ("Y", "N"), (1, 0), ("✓", "✗")]
_FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
_MODE_TEXT = {"professional": ["专业化物业管理", "物业公司"], "community_center": ["社区物业服务中心"],
              "self_managed": ["自行管理", "自管"], "none": ["无", "无物业"]}
_KIND_SHORT = {"enclosed": "封闭", "open": "开放", "scattered": "零星", "small_area": "小规模"}


def _number_text(v: float, r: float, *, unit: str, integer: bool) -> object:
    s = f"{int(v)}" if integer else f"{v:.1f}"
    if r < 0.70:
        return int(v) if integer else float(v)
    if r < 0.78:
        return s
    if r < 0.86:
        return f"{int(v):,}" if integer else f"{v:,.1f}{unit}"
    if r < 0.92:
        return s.translate(_FULLWIDTH)
    return f"{s}{unit}"


def ledger_rows(compounds, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ledger rows (display values, Chinese headers) and the answer key (clean canonical values)."""
    from .crs import wgs84_to_gcj02

    c = compounds[(compounds["mode"] == "none") | ~compounds[list(SIX_HAVES)].all(axis=1)].reset_index(drop=True)
    n = len(c)
    pts = shapely.get_coordinates(c.to_crs("EPSG:4326").geometry.representative_point().values)
    glon, glat = wgs84_to_gcj02(pts[:, 0], pts[:, 1])
    rows, truth = [], []
    for i in range(n):
        r = c.iloc[i]
        u = rng.random(12)
        expect = "ok"
        hh = int(r["households"])
        if u[0] < 0.008:
            hh_text: object = f"约{hh}户"
            expect = "rejected"
        elif u[0] < 0.012:
            hh_text = "不详"
            expect = "rejected"
        else:
            hh_text = _number_text(hh, rng.random(), unit="户", integer=True)
        area = float(r["floor_area_m2"])
        if u[1] < 0.05 and area >= 10000:
            area = round(area / 1000) * 1000.0
            area_text: object = f"{area / 10000:g}万"
        else:
            area_text = _number_text(round(area, 1), rng.random(), unit="㎡", integer=False)
        year = int(r["built_year"])
        if u[2] < 0.10:
            year_text: object = f"{year}年"
        elif u[2] < 0.15:
            year_text = f"{year}.0"
        elif u[2] < 0.20 and 1990 <= year < 2000:
            year_text, year = "90年代", 1990
        else:
            year_text = year
        yes, no = _YESNO[int(rng.integers(len(_YESNO)))]
        haves = {}
        for k in SIX_HAVES:
            blank = rng.random() < 0.03
            haves[k] = None if blank else bool(r[k])
        street = r["street"] + ("办事处" if u[3] < 0.05 and r["street"].endswith("街道") else "")
        body_full = {"雁江区": "雁江区人民政府", "高新区": "高新区管委会", "临空经济区": "临空经济区管委会"}
        body = body_full.get(r["body"], r["body"]) if u[4] < 0.3 else r["body"]
        kind = _KIND_SHORT[r["kind"]] if u[5] < 0.1 else COMPOUND_KINDS[r["kind"]]
        modes = _MODE_TEXT[r["mode"]]
        mode_text = modes[int(rng.integers(len(modes)))]
        cid = None if u[6] < 0.10 else r["compound_id"]
        has_xy = u[7] < 0.15 or cid is None and u[7] < 0.5
        surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
        row = {
            "小区编号": cid, "小区名称": r["name"], "地址": r["address"], "责任主体": body, "街道（镇）": street,
            "社区": r["community"], "小区类型": kind, "户数（户）": hh_text, "楼栋数（栋）": int(r["buildings"]),
            "建筑面积（㎡）": area_text, "建成年份": year_text,
            **{SIX_HAVES_SHORT[k]: ("" if v is None else (yes if v else no)) for k, v in haves.items()},
            "是否完成老旧小区改造": yes if r["renovated"] else no, "是否独立封闭": yes if r["enclosed"] else no,
            "管理方式": mode_text, "有无党组织": yes if r["party_org"] else no,
            "有无业委会": yes if r["owners_committee"] else no,
            "经度": round(float(glon[i]), 6) if has_xy else None, "纬度": round(float(glat[i]), 6) if has_xy else None,
            "联系人": f"{surname}某某", "联系电话": f"138{int(rng.integers(0, 10**8)):08d}",
            "身份证号": f"512002{int(rng.integers(10**11, 10**12)):012d}", "备注": "",
            "_street": r["street"],
        }
        rows.append(row)
        truth.append({"compound_id": r["compound_id"], "id_given": cid is not None, "name": r["name"],
                      "street": r["street"], "households": hh, "floor_area_m2": area, "built_year": year,
                      **haves, "mode": r["mode"], "expect": expect, "has_xy": has_xy})
    # two duplicated rows (a second copy filled in by another office worker)
    for k in rng.choice(n, size=min(2, n), replace=False):
        if rows[k]["小区编号"] is None:
            continue
        rows.append({**rows[k], "备注": "重复填报"})
        truth.append({**truth[k], "expect": "duplicate"})
    ledger = pd.DataFrame(rows)
    order = np.argsort(ledger["_street"].to_numpy(), kind="stable")
    return ledger.iloc[order].reset_index(drop=True), pd.DataFrame(truth).iloc[order].reset_index(drop=True)


def write_ledger_xlsx(ledger: pd.DataFrame, path: str | Path, *, date: str = "2023年2月18日") -> Path:
    """Write one sheet per street with title rows, merged two-level headers and 小计/合计 rows."""
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    ncol = len(LEDGER_SHEET_COLUMNS)
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    streets = list(pd.unique(ledger["_street"]))
    total_hh = 0
    for s_i, street in enumerate(streets):
        part = ledger[ledger["_street"] == street]
        ws = wb.create_sheet(street)
        ws.cell(1, 1, f"资阳市中心城区住宅小区物业管理摸底台账（{street}）").font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.cell(2, 1, f"填报单位：{street}{'办事处' if street.endswith('街道') else '人民政府'}　　　填报日期：{date}")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
        col = 1
        while col <= ncol:
            group, head = LEDGER_SHEET_COLUMNS[col - 1]
            if group is None:
                ws.cell(3, col, head)
                ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
                col += 1
                continue
            span = sum(1 for g, _ in LEDGER_SHEET_COLUMNS[col - 1:] if g == group)
            ws.cell(3, col, group)
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + span - 1)
            for k in range(span):
                ws.cell(4, col + k, LEDGER_SHEET_COLUMNS[col - 1 + k][1])
            col += span
        for r in (3, 4):
            for c in range(1, ncol + 1):
                ws.cell(r, c).font, ws.cell(r, c).alignment = bold, centre
        row = 5
        sheet_hh = 0
        for seq, (_, rec) in enumerate(part.iterrows(), start=1):
            for c, (_, head) in enumerate(LEDGER_SHEET_COLUMNS, start=1):
                value = seq if head == "序号" else rec.get(head)
                if value is not None and not (isinstance(value, float) and np.isnan(value)) and value != "":
                    ws.cell(row, c, value)
            hh = rec["户数（户）"]
            sheet_hh += _as_int(hh)
            row += 1
        ws.cell(row, 1, "小计")
        ws.cell(row, 9, sheet_hh)
        total_hh += sheet_hh
        row += 1
        if s_i == len(streets) - 1:
            row += 1  # a blank row before the grand total, as often seen
            ws.cell(row, 1, "合计")
            ws.cell(row, 9, total_hh)
            row += 1
        ws.cell(row, 1, "注：1. 本表由街道办事处（镇政府）填报；2. “六有”现状填“有/无”；3. 坐标在高德地图拾取。")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)
        for c in range(1, ncol + 1):
            ws.column_dimensions[get_column_letter(c)].width = 12
    wb.save(path)
    return path


def _as_int(value: object) -> int:
    """The number an office worker would add up for the 小计 (unreadable values count 0)."""
    if isinstance(value, int | float):
        return int(value)
    text = str(value).translate(str.maketrans("０１２３４５６７８９，", "0123456789,")).replace(",", "").replace("户", "")
    return int(text) if text.isdigit() else 0
