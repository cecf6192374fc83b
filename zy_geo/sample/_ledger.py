"""The sample's survey ledger (摸底台账), written the way street offices fill them in.

One sheet per street/town; two title rows; a two-level merged header; realistic mess in the
values (numbers as text, full-width digits, units, 万, yes/no in six vocabularies, street names
with 办事处, blank ids, GCJ-02 coordinates from Amap, fake personal data, a duplicated row, a few
values nobody can read); a 小计 row per sheet, a 合计 row on the last, a footnote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..schema import COMPOUND_KINDS, SIX_HAVES, SIX_HAVES_SHORT

#: (group, header) of each ledger column; group None = single-level header merged over 2 rows.
LEDGER_SHEET_COLUMNS: list[tuple[str | None, str]] = [
    (None, "序号"),
    (None, "小区编号"),
    (None, "小区名称"),
    (None, "地址"),
    (None, "责任主体"),
    (None, "街道（镇）"),
    (None, "社区"),
    (None, "小区类型"),
    ("基本情况", "户数（户）"),
    ("基本情况", "楼栋数（栋）"),
    ("基本情况", "建筑面积（㎡）"),
    ("基本情况", "建成年份"),
    *[("“六有”现状", SIX_HAVES_SHORT[k]) for k in SIX_HAVES],
    (None, "是否完成老旧小区改造"),
    (None, "是否独立封闭"),
    (None, "管理方式"),
    (None, "有无党组织"),
    (None, "有无业委会"),
    ("坐标（高德）", "经度"),
    ("坐标（高德）", "纬度"),
    (None, "联系人"),
    (None, "联系电话"),
    (None, "身份证号"),
    (None, "备注"),
]
_YESNO = [("有", "无"), ("是", "否"), ("√", "×"), ("Y", "N"), ("y", "n"), (1, 0), ("✓", "✗")]
_FULLWIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
_MODE_TEXT = {
    "professional": ["专业化物业管理", "物业公司"],
    "community_center": ["社区物业服务中心"],
    "self_managed": ["自行管理", "自管"],
    "none": ["无", "无物业"],
}
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


_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_BODY_FULL = {
    "雁江区": "雁江区人民政府",
    "高新区": "高新区管委会",
    "临空经济区": "临空经济区管委会",
}
FIRST_ROW = 5  # first data row of every sheet (two title rows, two header rows)


def fake_id_number(rng: np.random.Generator, region: str = "512002") -> str:
    """An 18-digit resident-ID-shaped string (region, birth date, serial, GB 11643 check digit); fake."""
    birth = np.datetime64("1940-01-01") + int(rng.integers(0, 365 * 60))
    body = f"{region}{str(birth).replace('-', '')}{int(rng.integers(0, 1000)):03d}"
    check = "10X98765432"[int(np.dot(_ID_WEIGHTS, [int(ch) for ch in body])) % 11]
    return body + check


def _street_text(street: str, u: float) -> str:
    """How the office wrote its own name: 莲花街道, 莲花街道办事处 or 莲花办事处."""
    if street.endswith("街道") and u < 0.03:
        return street + "办事处"
    if street.endswith("街道") and u < 0.05:
        return street.removesuffix("街道") + "办事处"
    return street


def ledger_rows(compounds, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ledger rows (display values, Chinese headers) and the answer key (clean canonical values).

    The rows are the compounds the notice targets: no management, or not all six haves. The
    answer key has one row per ledger row, in the same order, with ``sheet`` and ``source_row``
    (the Excel row), the clean values (six-haves ``None`` where the cell was left blank), the
    coordinates as written (``gcj_lon/gcj_lat``) and as WGS84 (``lon/lat``), and ``expect``:
    ``ok``; ``rejected`` (households unreadable: 约120户, 不详); ``duplicate`` (a second copy).
    """
    from ..crs import wgs84_to_gcj02

    c = compounds[(compounds["mode"] == "none") | ~compounds[list(SIX_HAVES)].all(axis=1)].reset_index(drop=True)
    n = len(c)
    pts = shapely.get_coordinates(c.to_crs("EPSG:4326").geometry.representative_point().values)
    glon, glat = wgs84_to_gcj02(pts[:, 0], pts[:, 1])
    rows, truth = [], []
    records = pd.DataFrame(c.drop(columns=c.geometry.name)).to_dict("records")
    for i, r in enumerate(records):
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
            area = round(area / 1000) * 1000.0  # "7.3万": the office rounded
            area_text: object = f"{area / 10000:g}万"
        else:
            area_text = _number_text(round(area, 1), rng.random(), unit="㎡", integer=False)
        year = int(r["built_year"])
        decade_only = False
        if u[2] < 0.10:
            year_text: object = f"{year}年"
        elif u[2] < 0.15:
            year_text = f"{year}.0"
        elif u[2] < 0.20 and 1990 <= year < 2000:
            year_text, year, decade_only = "90年代", 1990, True
        else:
            year_text = year
        yes, no = _YESNO[int(rng.integers(len(_YESNO)))]
        haves = {k: (None if rng.random() < 0.03 else bool(r[k])) for k in SIX_HAVES}
        body = _BODY_FULL.get(r["body"], r["body"]) if u[4] < 0.3 else r["body"]
        kind = _KIND_SHORT[r["kind"]] if u[5] < 0.1 else COMPOUND_KINDS[r["kind"]]
        modes = _MODE_TEXT[r["mode"]]
        cid = None if u[6] < 0.10 else r["compound_id"]
        has_xy = bool(u[7] < 0.15 or (cid is None and u[7] < 0.5))
        gx, gy = (round(float(glon[i]), 6), round(float(glat[i]), 6)) if has_xy else (None, None)
        contact = f"{_SURNAMES[int(rng.integers(len(_SURNAMES)))]}某某"
        phone = f"138{int(rng.integers(0, 10**8)):08d}"
        id_number = fake_id_number(rng)
        rows.append(
            {
                "小区编号": cid,
                "小区名称": r["name"],
                "地址": r["address"],
                "责任主体": body,
                "街道（镇）": _street_text(r["street"], u[3]),
                "社区": r["community"],
                "小区类型": kind,
                "户数（户）": hh_text,
                "楼栋数（栋）": int(r["buildings"]),
                "建筑面积（㎡）": area_text,
                "建成年份": year_text,
                **{SIX_HAVES_SHORT[k]: ("" if v is None else (yes if v else no)) for k, v in haves.items()},
                "是否完成老旧小区改造": yes if r["renovated"] else no,
                "是否独立封闭": yes if r["enclosed"] else no,
                "管理方式": modes[int(rng.integers(len(modes)))],
                "有无党组织": yes if r["party_org"] else no,
                "有无业委会": yes if r["owners_committee"] else no,
                "经度": gx,
                "纬度": gy,
                "联系人": contact,
                "联系电话": phone,
                "身份证号": id_number,
                "备注": "",
                "_street": r["street"],
            }
        )
        truth.append(
            {
                "compound_id": r["compound_id"],
                "id_given": cid is not None,
                "name": r["name"],
                "address": r["address"],
                "body": r["body"],
                "street": r["street"],
                "street_code": r["street_code"],
                "community": r["community"],
                "kind": r["kind"],
                "households": hh,
                "buildings": int(r["buildings"]),
                "floor_area_m2": area,
                "built_year": year,
                "decade_only": decade_only,
                **haves,
                "renovated": bool(r["renovated"]),
                "enclosed": bool(r["enclosed"]),
                "mode": r["mode"],
                "party_org": bool(r["party_org"]),
                "owners_committee": bool(r["owners_committee"]),
                "has_xy": has_xy,
                "lon": float(pts[i, 0]) if has_xy else np.nan,
                "lat": float(pts[i, 1]) if has_xy else np.nan,
                "gcj_lon": gx if has_xy else np.nan,
                "gcj_lat": gy if has_xy else np.nan,
                "contact_name": contact,
                "contact_phone": phone,
                "id_number": id_number,
                "expect": expect,
            }
        )
    # two duplicated rows (a second copy filled in by another office worker)
    with_id = [k for k in range(n) if rows[k]["小区编号"] is not None]
    for k in sorted(rng.choice(with_id, size=min(2, len(with_id)), replace=False).tolist()):
        rows.append({**rows[k], "备注": "重复填报"})
        truth.append({**truth[k], "expect": "duplicate"})
    ledger = pd.DataFrame(rows)
    order = np.argsort(ledger["_street"].to_numpy(), kind="stable")
    ledger = ledger.iloc[order].reset_index(drop=True)
    key = pd.DataFrame(truth).iloc[order].reset_index(drop=True)
    key.insert(0, "sheet", ledger["_street"])
    key.insert(
        1,
        "source_row",
        (ledger.groupby("_street", sort=False).cumcount() + FIRST_ROW).astype("int64"),
    )
    return ledger, key


def ledger_workbook(ledger: pd.DataFrame, *, date: str = "2023年2月18日") -> Workbook:
    """The ledger as an office fills it in.

    One sheet per street with title rows, merged two-level headers and 小计/合计 rows; save it with
    :meth:`zy_geo.write.OutputFolder.write_workbook`.
    """
    wb = Workbook()
    wb.remove(wb.active)
    ncol = len(LEDGER_SHEET_COLUMNS)
    bold = Font(bold=True)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    streets = list(pd.unique(ledger["_street"]))
    totals = dict.fromkeys(_SUMMED, 0.0)
    for s_i, street in enumerate(streets):
        part = ledger[ledger["_street"] == street]
        ws = wb.create_sheet(street)
        ws.cell(1, 1, f"资阳市中心城区住宅小区物业管理摸底台账（{street}）").font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.cell(
            2,
            1,
            f"填报单位：{street}{'办事处' if street.endswith('街道') else '人民政府'}　　　填报日期：{date}",
        )
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
        col = 1
        while col <= ncol:
            group, head = LEDGER_SHEET_COLUMNS[col - 1]
            if group is None:
                ws.cell(3, col, head)
                ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
                col += 1
                continue
            span = sum(1 for g, _ in LEDGER_SHEET_COLUMNS[col - 1 :] if g == group)
            ws.cell(3, col, group)
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + span - 1)
            for k in range(span):
                ws.cell(4, col + k, LEDGER_SHEET_COLUMNS[col - 1 + k][1])
            col += span
        for r in (3, 4):
            for c in range(1, ncol + 1):
                ws.cell(r, c).font, ws.cell(r, c).alignment = bold, centre
        row = FIRST_ROW
        sums = dict.fromkeys(_SUMMED, 0.0)
        for seq, (_, rec) in enumerate(part.iterrows(), start=1):
            for c, (_, head) in enumerate(LEDGER_SHEET_COLUMNS, start=1):
                value = seq if head == "序号" else rec.get(head)
                if value is not None and not (isinstance(value, float) and np.isnan(value)) and value != "":
                    ws.cell(row, c, value)
            for head in _SUMMED:
                sums[head] += _office_number(rec[head])
            row += 1
        _total_row(ws, row, "小计", sums)
        for head in _SUMMED:
            totals[head] += sums[head]
        row += 1
        if s_i == len(streets) - 1:
            row += 1  # a blank row before the grand total, as often seen
            _total_row(ws, row, "合计", totals)
            row += 1
        ws.cell(
            row,
            1,
            "注：1. 本表由街道办事处（镇政府）填报；2. “六有”现状填“有/无”；3. 坐标在高德地图拾取。",
        )
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)
        for c in range(1, ncol + 1):
            ws.column_dimensions[get_column_letter(c)].width = 12
    return wb


_SUMMED = ("户数（户）", "楼栋数（栋）", "建筑面积（㎡）")
_COL = {head: i for i, (_, head) in enumerate(LEDGER_SHEET_COLUMNS, start=1)}


def _total_row(ws, row: int, label: str, sums: dict[str, float]) -> None:
    ws.cell(row, 1, label)
    for head, value in sums.items():
        ws.cell(row, _COL[head], round(value, 1) if head == "建筑面积（㎡）" else int(value))


def _office_number(value: object) -> float:
    """The number an office worker adds up for the 小计 (unreadable values count 0)."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value).translate(str.maketrans("０１２３４５６７８９，．", "0123456789,."))
    text = text.replace(",", "").removesuffix("户").removesuffix("㎡")
    factor = 10000.0 if text.endswith("万") else 1.0
    try:
        return float(text.removesuffix("万")) * factor
    except ValueError:
        return 0.0
