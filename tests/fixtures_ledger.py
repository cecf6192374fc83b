"""A small, deliberately messy ledger whose right reading is known cell by cell."""

from openpyxl import Workbook

HEADER_TOP = ["序号", "小区编号", "小区名称", "街道（镇）", "基本情况", "基本情况", "基本情况", "“六有”现状", "“六有”现状",
              "管理方式", "联系人", "联系电话", "身份证号", "备注"]
HEADER_SUB = [None, None, None, None, "住户数", "建筑面积(㎡)", "建成年份", "门岗", "停车", None, None, None, None, None]
PHONE = "13812345678"
ID_NUMBER = "512002199001011234"

ROWS = [  # (excel row, values) — expectations in EXPECTED
    [1, 512002001.0, "莲花小区", "莲花街道", "1,200", "12,345.6㎡", "2003年", "有", "无", "无", "张某某", PHONE, ID_NUMBER, ""],
    [2, "512002001-0002", "三贤苑", "莲花街道办事处", "１２０", "1.2万", 2001, "√", "×", "物业公司", "李某某", "13900000000", "", ""],
    [3, None, "资溪花园", "莲花街道", "120户", 8000, "90年代", "Y", None, "社区物业服务中心", "", "", "", "无编号"],
    [4, "512002001-0004", "宝莲家园", "莲花街道", "约120户", 5000, 2010, "是", "否", "", "", "", "", "bad households"],
    [5, "512002001-0002", "重复小区", "莲花街道", 50, 3000, 2005, 1, 0, "自管", "", "", "", "duplicate id"],
    [6, "512002001-0006", None, "莲花街道", 30, 1000, 2000, "有", "有", "", "", "", "", "no name"],
    [7, "512002001-0007", "外地小区", "某某街道", 30, 1000, 2000, "有", "有", "", "", "", "", "unknown street"],
]
EXPECTED = {  # canonical values of kept rows, by name
    "莲花小区": {"compound_id": "512002001", "households": 1200, "floor_area_m2": 12345.6, "built_year": 2003,
                 "gate": True, "parking": False, "mode": "none", "source_row": 5},
    "三贤苑": {"compound_id": "512002001-0002", "households": 120, "floor_area_m2": 12000.0, "built_year": 2001,
               "gate": True, "parking": False, "mode": "professional", "street": "莲花街道", "source_row": 6},
    "资溪花园": {"households": 120, "built_year": 1990, "gate": True, "mode": "community_center", "source_row": 7},
}
REJECTED_ROWS = {9: "住户数", 10: "小区编号", 11: "小区名称", 12: "街道（镇）"}


def write_messy_ledger(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "莲花街道"
    ncol = len(HEADER_TOP)
    ws.cell(1, 1, "资阳市中心城区住宅小区物业管理摸底台账")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(2, 1, "填报单位：莲花街道办事处　填报日期：2023年2月18日")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    col = 1
    while col <= ncol:
        top = HEADER_TOP[col - 1]
        if HEADER_SUB[col - 1] is None:
            ws.cell(3, col, top)
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            col += 1
            continue
        span = sum(1 for t in HEADER_TOP[col - 1:] if t == top)
        ws.cell(3, col, top)
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + span - 1)
        for k in range(span):
            ws.cell(4, col + k, HEADER_SUB[col - 1 + k])
        col += span
    row = 5
    for values in ROWS[:3]:
        for c, v in enumerate(values, start=1):
            if v is not None and v != "":
                ws.cell(row, c, v)
        row += 1
    row += 1  # records on rows 5–7, row 8 left blank, then rows 9–12
    for values in ROWS[3:]:
        for c, v in enumerate(values, start=1):
            if v is not None and v != "":
                ws.cell(row, c, v)
        row += 1
    ws.cell(row, 1, "小计")
    ws.cell(row, 5, 1440)
    row += 1
    ws.cell(row, 1, "注：“六有”现状填有/无。")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)
    wb.save(path)
    return path
