import openpyxl
import pandas as pd
import pytest

from zy_geo import InputError
from zy_geo.coverage import coverage_table, write_coverage_xlsx


@pytest.fixture
def compounds():
    return pd.DataFrame({
        "body": ["雁江区", "雁江区", "雁江区", "高新区"],
        "street": ["莲花街道", "莲花街道", "资溪街道", "狮子山街道"],
        "mode": ["professional", "none", "community_center", "none"],
        "households": [300, 100, 60, 40],
        "floor_area_m2": [30000.0, 8000.0, 5000.0, 3000.0],
        **{k: [True, False, True, None] for k in ["gate", "cleaning", "maintenance", "greening", "security"]},
        "parking": [True, False, False, None],
    })


def test_shares_by_body_and_street_with_subtotals(compounds):
    t = coverage_table(compounds)
    assert t["street"].tolist() == ["莲花街道", "资溪街道", "小计", "狮子山街道", "小计", "合计"]
    total = t.iloc[-1]
    assert total["compounds"] == 4 and total["households"] == 500
    assert total["coverage_compounds"] == 0.5
    assert total["coverage_households"] == pytest.approx(360 / 500)
    assert total["mode_professional"] == 300 and total["mode_none"] == 140
    lianhua = t.iloc[0]
    assert lianhua["coverage_households"] == 0.75
    yanjiang = t.iloc[2]
    assert yanjiang["households"] == 460 and yanjiang["managed_households"] == 360
    # totals equal the sum of the groups
    groups = t[~t["street"].isin(["小计", "合计"])]
    assert groups["households"].sum() == total["households"]
    assert groups["managed_compounds"].sum() == total["managed_compounds"]


def test_unknown_six_haves_are_not_counted_as_missing(compounds):
    t = coverage_table(compounds, by="street").set_index("street")
    assert t.loc["狮子山街道", "gate_unknown"] == 1 and pd.isna(t.loc["狮子山街道", "gate_share"])
    assert t.loc["合计", "gate_share"] == pytest.approx(2 / 3)
    assert t.loc["合计", "all_six"] == 1  # only the first compound has all six known and true


def test_xlsx_has_chinese_headers_and_percentages(compounds, tmp_path):
    path = write_coverage_xlsx(coverage_table(compounds), tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["责任主体", "街道（镇）", "小区数", "户数"]
    col = header.index("户数覆盖率") + 1
    assert ws.cell(2, col).number_format == "0.0%"
    assert ws.cell(ws.max_row, 2).value == "合计" and ws.cell(ws.max_row, 4).value == 500


def test_missing_columns_named(compounds):
    with pytest.raises(InputError, match=r"\['community'\]"):
        coverage_table(compounds, by="community")
