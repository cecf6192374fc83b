import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from zy_geo.coverage import coverage_table, to_chinese, write_coverage_xlsx
from zy_geo.errors import InputError
from zy_geo.schema import MODES, SIX_HAVES

FIVE = ["gate", "cleaning", "maintenance", "greening", "security"]


@pytest.fixture
def compounds():
    """4 squares: 2 of 4 managed, 360 of 500 households; the 高新区 one has blank six-haves."""
    return gpd.GeoDataFrame({
        "body": ["雁江区", "雁江区", "雁江区", "高新区"],
        "street": ["莲花街道", "莲花街道", "资溪街道", "狮子山街道"],
        "community": ["东风社区", "和平社区", "和平社区", "东风社区"],
        "mode": ["professional", "none", "community_center", "none"],
        "households": [300, 100, 60, 40],
        "floor_area_m2": [30000.0, 8000.0, 5000.0, 3000.0],
        **{k: pd.array([True, False, True, None], dtype="boolean") for k in FIVE},
        "parking": pd.array([True, False, False, None], dtype="boolean"),
    }, geometry=[box(i * 100, 0, i * 100 + 50, 50) for i in range(4)], crs="EPSG:4544")


def test_shares_by_body_and_street_with_subtotals(compounds):
    t = coverage_table(compounds)
    assert list(zip(t["body"], t["street"], strict=True)) == [
        ("雁江区", "莲花街道"), ("雁江区", "资溪街道"), ("雁江区", "小计"),
        ("高新区", "狮子山街道"), ("高新区", "小计"), ("合计", "合计")]
    total = t.iloc[-1]
    assert total["compounds"] == 4
    assert total["households"] == 500
    assert total["floor_area_m2"] == 46000.0
    assert total["managed_compounds"] == 2
    assert total["coverage_compounds"] == 0.5
    assert total["managed_households"] == 360
    assert total["coverage_households"] == pytest.approx(0.72)
    assert total["mode_professional"] == 1
    assert total["mode_none"] == 2
    assert total["mode_unknown"] == 0
    lianhua = t.iloc[0]
    assert lianhua["coverage_compounds"] == 0.5
    assert lianhua["coverage_households"] == 0.75
    yanjiang = t.iloc[2]
    assert yanjiang["households"] == 460
    assert yanjiang["managed_households"] == 360
    assert yanjiang["coverage_households"] == pytest.approx(360 / 460)


def test_totals_are_sums_of_groups(compounds):
    t = coverage_table(compounds)
    groups = t[~t["street"].isin(["小计", "合计"])]
    counts = [c for c in t.columns if c not in ("body", "street") and not c.endswith("share")
              and not c.startswith("coverage")]
    assert groups[counts].sum().tolist() == t.iloc[-1][counts].tolist()
    subtotals = t[t["street"] == "小计"]
    assert subtotals[counts].sum().tolist() == t.iloc[-1][counts].tolist()


def test_unknown_six_haves_are_not_counted_as_missing(compounds):
    t = coverage_table(compounds, by="street").set_index("street")
    assert t.loc["狮子山街道", "gate_unknown"] == 1
    assert pd.isna(t.loc["狮子山街道", "gate_share"])
    assert t.loc["合计", "gate_yes"] == 2
    assert t.loc["合计", "gate_unknown"] == 1
    assert t.loc["合计", "gate_share"] == pytest.approx(2 / 3)  # 2 of the 3 known
    assert t.loc["合计", "gate_households_share"] == pytest.approx(360 / 460)
    assert t.loc["合计", "parking_share"] == pytest.approx(1 / 3)
    # all six: #0 yes; #1 and #2 no (a False); #3 unknown (all blank)
    assert t.loc["合计", "all_six"] == 1
    assert t.loc["合计", "all_six_unknown"] == 1
    assert t.loc["合计", "all_six_share"] == pytest.approx(1 / 3)
    assert t.loc["合计", "all_six_households_share"] == pytest.approx(300 / 460)


def test_missing_six_have_column_is_unknown_everywhere(compounds):
    t = coverage_table(compounds.drop(columns="parking"), by="body").set_index("body")
    assert t.loc["合计", "parking_unknown"] == 4
    assert pd.isna(t.loc["合计", "parking_share"])
    assert t.loc["合计", "all_six"] == 0
    assert t.loc["合计", "all_six_unknown"] == 3


def test_managed_column_when_mode_is_blank(compounds):
    compounds["mode"] = pd.array(["professional", None, None, None], dtype="string")
    compounds["managed"] = pd.array([True, True, None, False], dtype="boolean")
    t = coverage_table(compounds, by="body").set_index("body")
    assert t.loc["合计", "managed_compounds"] == 2  # #0 by mode, #1 by managed; #2 unknown: not covered
    assert t.loc["合计", "mode_unknown"] == 3
    assert sum(t.loc["合计", f"mode_{m}"] for m in MODES) + t.loc["合计", "mode_unknown"] == 4


def test_by_community_and_households_off(compounds):
    t = coverage_table(compounds, by="community", as_households=False)
    assert t["community"].tolist() == ["东风社区", "和平社区", "合计"]
    assert t["coverage_compounds"].tolist() == [0.5, 0.5, 0.5]
    assert not [c for c in t.columns if "households" in c and c != "households"]


def test_chinese_labels(compounds):
    zh = coverage_table(compounds, labels="zh")
    assert zh.columns[:4].tolist() == ["责任主体", "街道（镇）", "小区数", "户数"]
    assert "户数覆盖率" in zh.columns
    assert "门岗：未填（小区数）" in zh.columns
    assert zh.columns.is_unique
    assert to_chinese(coverage_table(compounds)).columns.tolist() == zh.columns.tolist()
    assert all(not c.isascii() for c in zh.columns)


def test_xlsx_has_chinese_headers_percentages_and_totals(compounds, tmp_path):
    path = write_coverage_xlsx(coverage_table(compounds), tmp_path / "out" / "c.xlsx")
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["责任主体", "街道（镇）", "小区数", "户数"]
    col = header.index("户数覆盖率") + 1
    assert ws.cell(2, col).number_format == "0.0%"
    assert ws.cell(2, col).value == 0.75
    assert ws.cell(ws.max_row, 2).value == "合计"
    assert ws.cell(ws.max_row, 4).value == 500
    assert ws.cell(ws.max_row, 1).font.bold
    assert not ws.cell(2, 1).font.bold
    back = pd.read_excel(path)
    assert back.columns.tolist() == to_chinese(coverage_table(compounds)).columns.tolist()


def test_bad_inputs_named(compounds):
    with pytest.raises(InputError, match=r"\['district'\]"):
        coverage_table(compounds, by="district")
    bad = compounds.assign(mode=["professional", "物业公司", "none", "none"])
    with pytest.raises(InputError, match="row 1: '物业公司'"):
        coverage_table(bad)
    with pytest.raises(InputError, match="gate"):
        coverage_table(compounds.assign(gate=["有", "无", "有", None]))
    with pytest.raises(InputError, match="households"):
        coverage_table(compounds.drop(columns="households"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["莲花街道", "资溪街道", "松涛镇"]), st.sampled_from(list(MODES)),
                          st.integers(0, 2000), st.sampled_from([True, False, None])),
                min_size=1, max_size=15))
def test_totals_and_bounds_hold_for_any_compounds(rows):
    df = pd.DataFrame({"street": [r[0] for r in rows], "mode": [r[1] for r in rows],
                       "households": [r[2] for r in rows],
                       **{k: pd.array([r[3] for r in rows], dtype="boolean") for k in SIX_HAVES}})
    t = coverage_table(df, by="street")
    groups, total = t.iloc[:-1], t.iloc[-1]
    assert total["compounds"] == len(rows)
    assert groups["compounds"].sum() == len(rows)
    assert groups["managed_households"].sum() == total["managed_households"]
    assert total["managed_compounds"] == sum(r[1] != "none" for r in rows)
    shares = t[[c for c in t.columns if c.endswith("share") or c.startswith("coverage")]]
    assert ((shares >= 0) & (shares <= 1) | shares.isna()).all().all()
    for k in SIX_HAVES:
        assert (t[f"{k}_yes"] + t[f"{k}_unknown"] <= t["compounds"]).all()


def test_estimated_households_are_shown_apart():
    import pandas as pd

    from zy_geo.coverage import coverage_table

    c = pd.DataFrame({"body": ["甲区"] * 3, "street": ["一街道", "一街道", "二街道"], "mode": ["none"] * 3,
                      "households": [100, 40, 60], "households_estimated": [True, False, True]})
    t = coverage_table(c).set_index("street")
    assert t.loc["一街道", "households"] == 140 and t.loc["一街道", "households_estimated"] == 100
    assert t.loc["合计", "households_estimated"] == 160
    assert "其中估算户数" in coverage_table(c, labels="zh").columns
    assert "households_estimated" not in coverage_table(c.drop(columns="households_estimated")).columns
