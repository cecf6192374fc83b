"""A small, deliberately messy survey ledger whose right reading is known cell by cell.

Two street sheets laid out as the offices do (title rows, a two-level merged header) and an
instructions sheet. Sheet 莲花街道, Excel rows:

* 5–7 kept: 莲花小区 (plain values, id stored as a number), 三贤苑 (numbers as text with
  separators and units, √/×, street 莲花街道办事处), 资溪花园 (full-width digits, 1.2万, 90年代,
  blank id, street 莲花办事处);
* 8 blank;
* 9–12 rejected: '约120户', duplicate id of row 6, no name, street 某某街道;
* 13 kept: 南门小区 ('120户', '2003.0', a yes/no cell reading '部分' → warning);
* 14 小计 (agrees with the readable rows above), 15 a note.

Sheet 三贤祠街道: row 5 kept (street left blank: the sheet name says it; body written
高新区管委会, which is not 三贤祠's), row 6 小计 saying 999 (wrong), 7 blank, 8 合计 (right),
9 a footnote carrying a phone number.
"""

from openpyxl import Workbook

PHONE = "13812345678"
ID_NUMBER = "512002199001011234"
NOTE_PHONE = "13712345678"  # written inside a 备注 cell
FOOTER_PHONE = "13600000000"  # written in the 填表人 footer row

#: (group, header) as the template writes them; group None = merged over both header rows.
COLUMNS = [
    (None, "序号"), (None, "小区编号"), (None, "小区名称"), (None, "地址"), (None, "责任主体"),
    (None, "街道（镇）"), (None, "社区"), (None, "小区类型"),
    ("基本情况", "户数（户）"), ("基本情况", "楼栋数（栋）"), ("基本情况", "建筑面积（㎡）"), ("基本情况", "建成年份"),
    ("“六有”现状", "门岗"), ("“六有”现状", "保洁"), ("“六有”现状", "维修"), ("“六有”现状", "绿化"),
    ("“六有”现状", "安防"), ("“六有”现状", "停车"),
    (None, "是否完成老旧小区改造"), (None, "是否独立封闭"), (None, "管理方式"),
    (None, "有无党组织"), (None, "有无业委会"),
    ("坐标（高德）", "经度"), ("坐标（高德）", "纬度"),
    (None, "联系人"), (None, "联系电话"), (None, "身份证号"), (None, "物业费（元/㎡·月）"), (None, "备注"),
]
HEADERS = [h for _, h in COLUMNS]


def _row(**cells):
    unknown = set(cells) - set(HEADERS)
    assert not unknown, unknown
    return [cells.get(h) for h in HEADERS]


LIANHUA = {
    5: _row(序号=1, 小区编号=512002001.0, 小区名称="莲花小区", 地址="莲花路1号", 责任主体="雁江区人民政府",
            **{"街道（镇）": "莲花街道", "户数（户）": 120, "楼栋数（栋）": 6, "建筑面积（㎡）": 12345.6,
               "建成年份": 2003,
               "物业费（元/㎡·月）": 0.8},
            社区="莲花社区", 小区类型="封闭式小区", 门岗="有", 保洁="有", 维修="无", 绿化="有", 安防="无", 停车="无",
            是否完成老旧小区改造="是", 是否独立封闭="是", 管理方式="专业化物业管理", 有无党组织="有", 有无业委会="无",
            经度=104.6294, 纬度=30.1282, 联系人="张某某", 联系电话=PHONE, 身份证号=ID_NUMBER),
    6: _row(序号=2, 小区编号="512002001-0002", 小区名称="三贤苑", 责任主体="雁江区",
            **{"街道（镇）": "莲花街道办事处", "户数（户）": "1,200", "楼栋数（栋）": "12栋",
               "建筑面积（㎡）": "12,345.6㎡",
               "建成年份": "2003年"},
            小区类型="开放", 门岗="√", 保洁="×", 维修="✓", 绿化="✗", 是否完成老旧小区改造="Y", 是否独立封闭="N",
            管理方式="物业公司", 有无党组织=1, 有无业委会=0, 联系人="李某某", 联系电话=13900000000,
            备注=f"业主代表电话{NOTE_PHONE}"),
    7: _row(序号=3, 小区名称="资溪花园",
            **{"街道（镇）": "莲花办事处", "户数（户）": "１２０", "建筑面积（㎡）": "1.2万", "建成年份": "90年代"},
            小区类型="零星住宅", 门岗="y", 保洁="n", 维修=1, 绿化=0, 安防="有", 停车="无", 管理方式="社区物业服务中心",
            备注="无编号"),
    9: _row(序号=4, 小区编号="512002001-0004", 小区名称="宝莲家园",
            **{"街道（镇）": "莲花街道", "户数（户）": "约120户"}),
    10: _row(序号=5, 小区编号="512002001-0002", 小区名称="重复小区", **{"街道（镇）": "莲花街道", "户数（户）": 50},
             备注="重复填报"),
    11: _row(序号=6, 小区编号="512002001-0006", **{"街道（镇）": "莲花街道", "户数（户）": 30}),
    12: _row(序号=7, 小区编号="512002001-0007", 小区名称="外地小区", **{"街道（镇）": "某某街道", "户数（户）": 30}),
    13: _row(序号=8, 小区编号="512002001-0008", 小区名称="南门小区",
             **{"街道（镇）": "莲花街道", "户数（户）": "120户", "建筑面积（㎡）": 5000, "建成年份": "2003.0"},
             小区类型="小规模住宅区", 门岗="是", 保洁="否", 安防="部分", 管理方式="自管"),
}
#: 120 + 1200 + 120 + 50 + 30 + 30 + 120: every readable household above, as an office adds them.
LIANHUA_SUBTOTAL = 1670
SANXIAN = {
    5: _row(序号=1, 小区编号="512002002-0001", 小区名称="三贤祠小区", 责任主体="高新区管委会",
            **{"户数（户）": 80}, 门岗="无", 管理方式="无"),
}
GRAND_TOTAL = LIANHUA_SUBTOTAL + 80

#: Canonical values of the kept rows, in table order.
EXPECTED = [
    {"compound_id": "512002001", "name": "莲花小区", "address": "莲花路1号", "body": "雁江区", "street": "莲花街道",
     "street_code": "512002001", "community": "莲花社区", "kind": "enclosed", "households": 120, "buildings": 6,
     "floor_area_m2": 12345.6, "built_year": 2003, "gate": True, "cleaning": True, "maintenance": False,
     "greening": True, "security": False, "parking": False, "renovated": True, "enclosed": True,
     "mode": "professional", "party_org": True, "owners_committee": False, "lon": 104.6294, "lat": 30.1282,
     "source_row": 5, "sheet": "莲花街道"},
    {"compound_id": "512002001-0002", "name": "三贤苑", "address": None, "body": "雁江区", "street": "莲花街道",
     "street_code": "512002001", "community": None, "kind": "open", "households": 1200, "buildings": 12,
     "floor_area_m2": 12345.6, "built_year": 2003, "gate": True, "cleaning": False, "maintenance": True,
     "greening": False, "security": None, "parking": None, "renovated": True, "enclosed": False,
     "mode": "professional", "party_org": True, "owners_committee": False, "lon": None, "lat": None,
     "source_row": 6, "sheet": "莲花街道"},
    {"compound_id": None, "name": "资溪花园", "address": None, "body": "雁江区", "street": "莲花街道",
     "street_code": "512002001", "community": None, "kind": "scattered", "households": 120, "buildings": None,
     "floor_area_m2": 12000.0, "built_year": 1990, "gate": True, "cleaning": False, "maintenance": True,
     "greening": False, "security": True, "parking": False, "renovated": None, "enclosed": None,
     "mode": "community_center", "party_org": None, "owners_committee": None, "lon": None, "lat": None,
     "source_row": 7, "sheet": "莲花街道"},
    {"compound_id": "512002001-0008", "name": "南门小区", "address": None, "body": "雁江区", "street": "莲花街道",
     "street_code": "512002001", "community": None, "kind": "small_area", "households": 120, "buildings": None,
     "floor_area_m2": 5000.0, "built_year": 2003, "gate": True, "cleaning": False, "maintenance": None,
     "greening": None, "security": None, "parking": None, "renovated": None, "enclosed": None,
     "mode": "self_managed", "party_org": None, "owners_committee": None, "lon": None, "lat": None,
     "source_row": 13, "sheet": "莲花街道"},
    {"compound_id": "512002002-0001", "name": "三贤祠小区", "address": None, "body": "雁江区", "street": "三贤祠街道",
     "street_code": "512002002", "community": None, "kind": None, "households": 80, "buildings": None,
     "floor_area_m2": None, "built_year": None, "gate": False, "cleaning": None, "maintenance": None,
     "greening": None, "security": None, "parking": None, "renovated": None, "enclosed": None,
     "mode": "none", "party_org": None, "owners_committee": None, "lon": None, "lat": None,
     "source_row": 5, "sheet": "三贤祠街道"},
]
#: Rejected rows of sheet 莲花街道 → (problem code, column as written).
REJECTED = {9: ("not_a_number", "户数（户）"), 10: ("duplicate_id", "小区编号"), 11: ("missing_name", "小区名称"),
            12: ("unknown_street", "街道（镇）")}
#: Skipped rows (sheet, row) → problem code.
SKIPPED = {("莲花街道", 8): "blank_row", ("莲花街道", 14): "total_row", ("莲花街道", 15): "note_row",
           ("三贤祠街道", 6): "total_row", ("三贤祠街道", 7): "blank_row", ("三贤祠街道", 8): "total_row",
           ("三贤祠街道", 9): "note_row"}


def _sheet(wb, street, rows, tail):
    ws = wb.create_sheet(street)
    ncol = len(COLUMNS)
    ws.cell(1, 1, f"资阳市中心城区住宅小区物业管理摸底台账（{street}）")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(2, 1, f"填报单位：{street}办事处　　　填报日期：2023年2月18日")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    col = 1
    while col <= ncol:
        group, head = COLUMNS[col - 1]
        if group is None:
            ws.cell(3, col, head)
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            col += 1
            continue
        span = sum(1 for g, _ in COLUMNS[col - 1:] if g == group)
        ws.cell(3, col, group)
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + span - 1)
        for k in range(span):
            ws.cell(4, col + k, COLUMNS[col - 1 + k][1])
        col += span
    for r, values in rows.items():
        for c, v in enumerate(values, start=1):
            if v is not None:
                ws.cell(r, c, v)
    households = HEADERS.index("户数（户）") + 1
    for r, (kind, value) in tail.items():
        if kind in ("小计", "合计"):
            ws.cell(r, 1, kind)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
            ws.cell(r, households, value)
        else:
            ws.cell(r, 1, value)
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
    return ws


def write_messy_ledger(path, *, subtotal_sanxian=999):
    """Write the workbook described in the module docstring; return its path."""
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "莲花街道", LIANHUA, {14: ("小计", LIANHUA_SUBTOTAL), 15: ("note", "注：“六有”现状填有/无。")})
    _sheet(wb, "三贤祠街道", SANXIAN, {6: ("小计", subtotal_sanxian), 8: ("合计", GRAND_TOTAL),
                                  9: ("note", f"填表人：王某某　联系电话：{FOOTER_PHONE}")})
    ws = wb.create_sheet("填表说明")
    ws.cell(1, 1, "1. 每个街道一张表；2. “六有”现状填有/无。")
    wb.save(path)
    return path
