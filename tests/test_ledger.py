import html
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zy_geo.errors import InputError
from zy_geo.ledger._headers import canonical, find_header
from zy_geo.ledger._values import parse_bool, parse_code, parse_int, parse_number, parse_year
from zy_geo.ledger.read import read_ledger, validate_ledger, write_clean
from zy_geo.schema import LEDGER_COLUMNS

from .fixtures_ledger import (
    EXPECTED,
    FOOTER_PHONE,
    ID_NUMBER,
    NOTE_PHONE,
    PHONE,
    REJECTED,
    SKIPPED,
    write_messy_ledger,
)

DTYPES = {c: d for c, (d, _) in LEDGER_COLUMNS.items()} | {"sheet": "string"}
FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return write_messy_ledger(tmp_path_factory.mktemp("ledger") / "台账.xlsx")


@pytest.fixture(scope="module")
def result(messy):
    return read_ledger(messy)


def _expected_frame():
    return pd.DataFrame(EXPECTED, columns=list(DTYPES)).astype(DTYPES)


# --- values ---------------------------------------------------------------------------------------

def test_messy_workbook_reads_cell_by_cell(result):
    pd.testing.assert_frame_equal(result.table, _expected_frame())


def test_canonical_columns_order_and_dtypes(result):
    assert list(result.table.columns) == [*LEDGER_COLUMNS, "sheet"]
    assert {c: str(t) for c, t in result.table.dtypes.items()} == DTYPES


def test_column_map_reads_two_level_headers(result):
    cmap = result.column_map
    assert cmap["户数（户）"] == "households"
    assert cmap["建筑面积（㎡）"] == "floor_area_m2"
    assert cmap["门岗"] == "gate"
    assert cmap["停车"] == "parking"
    assert cmap["经度"] == "lon"
    assert cmap["是否完成老旧小区改造"] == "renovated"
    assert cmap["有无业委会"] == "owners_committee"
    assert "序号" not in cmap


# --- zero silent losses ---------------------------------------------------------------------------

def test_every_row_is_kept_rejected_or_skipped(result):
    acc = result.accounting()
    assert acc == {"read": 16, "kept": 5, "rejected": 4, "total_rows": 3, "blank_rows": 2, "note_rows": 2,
                   "skipped": 7}
    assert acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]
    rejected = {p.row: (p.code, p.column) for p in result.problems.errors}
    assert rejected == REJECTED
    skipped = {(p.layer, p.row): p.code for p in result.problems
               if p.code in {"blank_row", "total_row", "note_row"}}
    assert skipped == SKIPPED
    assert not result.ok
    assert not result.usable


def test_rejection_messages_name_file_sheet_row_column(result):
    by_row = {p.row: str(p) for p in result.problems.errors}
    assert by_row[9] == ("[error] `台账.xlsx` sheet 莲花街道 row 9, column 户数（户）: "
                         "'约120户' is not a number. "
                         "Fix: enter the number of households as an integer, e.g. 120.")
    assert "sheet 莲花街道 row 6" in by_row[10]  # the duplicate names the first row too
    assert "莲花街道、三贤祠街道、资溪街道" in by_row[12]  # unknown street lists the known ones


def test_warnings_keep_the_row_with_na(result):
    warnings = {(p.layer, p.row, p.column): p for p in result.problems.warnings}
    assert warnings[("莲花街道", 13, "安防")].value == "部分"
    assert warnings[("莲花街道", 7, "建成年份")].code == "approx_year"
    assert "雁江区 (from the street) is used" in warnings[("三贤祠街道", 5, "责任主体")].message
    subtotal = warnings[("三贤祠街道", 6, "户数（户）")]
    assert subtotal.code == "total_mismatch"
    assert "999" in subtotal.message
    assert "sum to 80" in subtotal.message
    assert warnings[("填表说明", None, None)].code == "no_header"
    assert len(warnings) == 5  # 莲花街道's 小计 and the 合计 agree with their rows: no warning


def test_subtotal_that_agrees_gives_no_warning(tmp_path):
    r = read_ledger(write_messy_ledger(tmp_path / "a.xlsx", subtotal_sanxian=80))
    assert not [p for p in r.problems.warnings if p.code == "total_mismatch"]


def test_strict_rejects_rows_with_warnings(messy):
    r = read_ledger(messy, strict=True)
    assert set(r.table["name"]) == {"莲花小区", "三贤苑"}  # 资溪花园 (90年代), 南门小区 (部分), 三贤祠小区 (body)
    acc = r.accounting()
    assert acc["rejected"] == 7
    assert acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]
    assert not r.problems.warnings


def test_street_variants_reported_once_per_spelling(result):
    notes = [p for p in result.problems if p.code == "street_variant"]
    assert {(p.row, p.value) for p in notes} == {(6, None), (7, None)}
    assert "'莲花街道办事处' on row 6, read as 莲花街道" in notes[0].message


# --- personal data --------------------------------------------------------------------------------

def test_personal_data_withheld_from_table_and_report(result):
    assert result.pii_columns == ["联系人", "联系电话", "身份证号"]
    assert not {"contact_name", "contact_phone", "id_number"} & set(result.table.columns)
    assert result.pii is None
    text = result.problems.format(limit=None) + result.problems.to_frame().to_csv() + result._repr_html_()
    for secret in (PHONE, ID_NUMBER, "张某某", FOOTER_PHONE, NOTE_PHONE):
        assert secret not in text
    assert "personal data column 联系电话 found and withheld" in text


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_clean_leaves_personal_data_out(result, tmp_path, suffix):
    out = write_clean(result, tmp_path / f"clean{suffix}", chinese_headers=True)
    raw = out.read_bytes()
    if suffix == ".xlsx":
        with zipfile.ZipFile(out) as z:
            xml = b"".join(z.read(n) for n in z.namelist()).decode("utf-8", "ignore")
        raw = html.unescape(xml).encode()  # openpyxl with lxml writes 小 as &#23567;
    else:
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel opens it as UTF-8
    for secret in (PHONE, ID_NUMBER, "张某某", "李某某", NOTE_PHONE):
        assert secret.encode() not in raw
    assert "小区名称".encode() in raw
    assert "莲花小区".encode() in raw


def test_keep_pii_holds_it_aside(messy, tmp_path):
    r = read_ledger(messy, keep_pii=True)
    assert r.pii.index.equals(r.table.index)
    assert r.pii.loc[0].tolist() == ["张某某", PHONE, ID_NUMBER]
    assert r.pii.loc[1, "contact_phone"] == "13900000000"  # stored as a number in Excel
    assert r.extra.loc[1, "备注"] == f"业主代表电话{NOTE_PHONE}"
    assert PHONE.encode() not in write_clean(r, tmp_path / "no.csv").read_bytes()
    assert PHONE.encode() in write_clean(r, tmp_path / "pii.csv", include_pii=True).read_bytes()


def test_include_pii_needs_keep_pii(result, tmp_path):
    with pytest.raises(InputError, match="keep_pii=True"):
        write_clean(result, tmp_path / "x.csv", include_pii=True)


def test_unknown_columns_kept_in_extra_with_phone_numbers_masked(result):
    extra = result.extra
    assert extra.index.equals(result.table.index)
    assert extra.loc[0, "物业费（元/㎡·月）"] == 0.8
    assert extra.loc[1, "备注"] == f"业主代表电话{NOTE_PHONE[:3]}****{NOTE_PHONE[-4:]}"
    assert extra.loc[2, "备注"] == "无编号"
    codes = {(p.column, p.code) for p in result.problems if p.severity == "info"}
    assert {("物业费（元/㎡·月）", "extra_column"), ("备注", "extra_column"), ("备注", "pii_masked")} <= codes


# --- CSV, round trip, layouts ---------------------------------------------------------------------

CSV = ("小区名称,街道,户数,门岗,小区编号,建筑面积\n"
       "莲花小区,莲花街道办事处,\"1,200\",有,0012,1.2万\n"
       "三贤苑,莲花街道,１２０,,0013,\"12,345.6㎡\"\n")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_csv_in_any_encoding_reads_like_utf8(tmp_path, encoding):
    (tmp_path / "u.csv").write_bytes(CSV.encode("utf-8"))
    (tmp_path / "o.csv").write_bytes(CSV.encode(encoding))
    a, b = read_ledger(tmp_path / "u.csv").table, read_ledger(tmp_path / "o.csv").table
    pd.testing.assert_frame_equal(a.drop(columns="sheet"), b.drop(columns="sheet"))
    assert a["compound_id"].tolist() == ["0012", "0013"]  # leading zeros kept
    assert a["households"].tolist() == [1200, 120]
    assert a["floor_area_m2"].tolist() == [12000.0, 12345.6]
    assert a["gate"].tolist()[0] is True
    assert pd.isna(a["gate"].iloc[1])


def test_csv_semicolons_and_two_level_header(tmp_path):
    p = tmp_path / "资溪街道.csv"
    p.write_text("序号;小区名称;基本情况;;“六有”现状;\n;;户数;楼栋数;门岗;保洁\n1;资溪小区;45;3;有;无\n",
                 encoding="utf-8")
    r = read_ledger(p)
    row = r.table.iloc[0]
    assert (row["street"], row["households"], row["buildings"], row["gate"], row["cleaning"]) == (
        "资溪街道", 45, 3, True, False)
    assert row["source_row"] == 3


@pytest.mark.parametrize("chinese", [True, False])
def test_clean_output_reads_back_to_the_same_table(result, tmp_path, chinese):
    out = write_clean(result, tmp_path / "clean.csv", chinese_headers=chinese)
    again = read_ledger(out)
    keep = [c for c in LEDGER_COLUMNS if c != "source_row"]
    pd.testing.assert_frame_equal(again.table[keep], result.table[keep])
    assert again.ok


def test_missing_required_column_names_sheet_and_headers(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("名称,地址,社区\n甲,乙,丙\n丁,戊,己\n合计,,\n", encoding="utf-8")
    r = read_ledger(p)
    err = r.problems.errors[0]
    assert err.layer == "x"
    assert err.code == "missing_column"
    assert "户数" in err.message
    assert "街道（镇）" in err.message
    assert "headers found: 名称、地址、社区" in err.message
    assert r.accounting() == {"read": 3, "kept": 0, "rejected": 2, "total_rows": 1, "blank_rows": 0,
                              "note_rows": 0, "skipped": 1}


def test_sheet_named_after_street_without_header_is_an_error(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "松涛镇"
    wb.active.append(["甲", 1])
    wb.save(tmp_path / "a.xlsx")
    r = read_ledger(tmp_path / "a.xlsx")
    assert [p.code for p in r.problems.errors] == ["no_header"]
    assert r.accounting()["rejected"] == 1


def test_rows_with_only_a_sequence_number_are_blank(tmp_path):
    p = tmp_path / "雁江镇.csv"
    p.write_text("序号,小区名称,户数,门岗\n1,甲,10,有\n2,,,\n3,,,\n", encoding="utf-8")
    r = read_ledger(p)
    assert r.ok
    assert r.accounting()["blank_rows"] == 2
    assert len(r.table) == 1


def test_coordinates_swapped_or_outside_china(tmp_path):
    p = tmp_path / "宝莲街道.csv"
    p.write_text("小区名称,户数,经度,纬度\n甲,1,30.13,104.62\n乙,2,3500000,104.6\n丙,3,104.6,\n", encoding="utf-8")
    r = read_ledger(p)
    t = r.table.set_index("name")
    assert (t.loc["甲", "lon"], t.loc["甲", "lat"]) == (104.62, 30.13)
    assert t[["lon", "lat"]].iloc[1:].isna().all().all()
    assert [p.row for p in r.problems.warnings] == [2, 3, 4]


def test_own_jurisdictions_table(tmp_path):
    j = pd.DataFrame({"code": ["512021001"], "street": ["安岳镇"], "body": ["安岳县"]})
    p = tmp_path / "l.csv"
    p.write_text("小区名称,街道,户数\n甲,安岳镇人民政府,10\n乙,莲花街道,20\n", encoding="utf-8")
    r = read_ledger(p, jurisdictions=j)
    assert r.table[["street", "street_code", "body"]].iloc[0].tolist() == ["安岳镇", "512021001", "安岳县"]
    assert [p.code for p in r.problems.errors] == ["unknown_street"]


def test_duplicate_name_without_id_warns(tmp_path):
    p = tmp_path / "莲花街道.csv"
    p.write_text("小区名称,户数\n甲,10\n甲,20\n", encoding="utf-8")
    r = read_ledger(p)
    assert len(r.table) == 2
    assert [w.code for w in r.problems.warnings] == ["duplicate_name"]


def test_input_errors(messy, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_ledger(tmp_path / "none.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf")
    with pytest.raises(InputError, match=r"save old \.xls files as \.xlsx"):
        read_ledger(tmp_path / "old.xls")
    with pytest.raises(InputError, match="its sheets are 莲花街道、三贤祠街道、填表说明"):
        read_ledger(messy, sheets=["宝莲街道"])
    with pytest.raises(InputError, match="needs columns code, street, body"):
        read_ledger(messy, jurisdictions=pd.DataFrame({"street": ["x"]}))


def test_one_sheet_only(messy):
    r = read_ledger(messy, sheets=["三贤祠街道"])
    assert r.table["name"].tolist() == ["三贤祠小区"]
    assert any(p.code == "total_unchecked" and p.row == 8 for p in r.problems)  # 合计 covers unread sheets


def test_html_is_escaped(tmp_path):
    p = tmp_path / "莲花街道.csv"
    p.write_text("小区名称,户数,<b>备注</b>\n<script>x</script>,10,<i>\n", encoding="utf-8")
    page = read_ledger(p)._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<i>" not in page
    assert "列对应" in page


def test_validate_ledger_for_the_cli(messy, tmp_path):
    bad = validate_ledger(messy, out=tmp_path / "c.csv")
    text = bad.report()
    assert not bad.usable
    assert text.endswith("NOT usable: fix the errors above")
    assert text.startswith("台账.xlsx: 3 sheet(s); 16 rows read = 5 kept + 4 rejected + 7 skipped")
    assert (tmp_path / "c.csv").exists()  # the rows that could be read are written all the same
    good = tmp_path / "莲花街道.csv"
    good.write_text("小区名称,户数,建成年份\n莲花小区,120,90年代\n", encoding="utf-8")
    ok = validate_ledger(good, out=tmp_path / "g.xlsx")
    assert ok.usable
    assert ok.report().endswith("usable (warnings allowed)")
    assert not validate_ledger(good, strict=True).usable


# --- headers and parsers --------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "group", "expected"), [
    ("户数", None, "households"), ("户数（户）", None, "households"), ("住户数", None, "households"),
    ("总户数", None, "households"), ("建筑面积", None, "floor_area_m2"), ("建筑面积(㎡)", None, "floor_area_m2"),
    ("房屋面积（平方米）", None, "floor_area_m2"), ("门岗", "“六有”现状", "gate"), ("有门岗管理", None, "gate"),
    ("门岗管理", "六有情况", "gate"), ("户数", "“六有”现状", None), ("街道（镇）", None, "street"),
    ("小区名称\n（全称）", None, "name"), ("负责人", None, "contact_name"), ("手机", None, "contact_phone"),
    ("身份证号码", None, "id_number"), ("电话", "联系人", "contact_phone"), ("X", "坐标（高德）", "lon"),
    ("是否有业委会", None, "owners_committee"), ("物业费", None, None),
])
def test_header_variants(header, group, expected):
    assert canonical(header, group=group) == expected


def test_header_found_below_title_rows():
    grid = [["台账", "台账", "台账"], ["填报单位：莲花街道办事处"] * 3, ["小区名称", "户数", "门岗"], ["甲", 1, "有"]]
    assert find_header(grid) == (2, 1)
    assert find_header([["a", "b"], [1, 2]]) is None


def _office_spellings(n):
    return [str(n), f"{n}户", f"{n:,}", f"{n:,}户", str(n).translate(FULL_WIDTH), f"{n:,}".translate(FULL_WIDTH),
            f" {n} ", f"{n}.0", float(n), n]


@given(st.integers(0, 10**9))
def test_number_parser_reads_every_office_spelling(n):
    for text in _office_spellings(n):
        assert parse_int(text) == n, text


@given(st.integers(1, 9999), st.integers(0, 9))
def test_wan_means_ten_thousand(whole, tenth):
    assert parse_number(f"{whole}.{tenth}万") == pytest.approx((whole + tenth / 10) * 10000)


@given(st.text(max_size=12))
def test_number_parser_reads_or_refuses_never_crashes(text):
    try:
        value = parse_number(text)
    except ValueError:
        return
    assert value == value  # a number, not NaN


@given(st.integers(0, 2**53))
def test_codes_stored_as_numbers_come_back_as_digits(n):
    assert parse_code(float(n)) == str(n) == parse_code(n)


@pytest.mark.parametrize("text", ["约120户", "不详", "12O", "一百二十", "1.5", "1,2,3", "-3", "120人左右"])
def test_number_parser_refuses_guesses(text):
    with pytest.raises(ValueError, match=r"not|negative"):
        parse_int(text)


def test_value_vocabularies():
    values = ["有", "无", "是", "否", "√", "×", "✓", "✗", "Y", "N", "y", "n", 1, 0, "1", "0", "", None, " "]
    assert [parse_bool(v) for v in values] == [True, False] * 8 + [None] * 3
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool("部分")
    assert [parse_year(v)[0] for v in (2003, "2003年", "2003.0", 2003.0, "90年代", "1980年代")] == [
        2003, 2003, 2003, 2003, 1990, 1980]
    with pytest.raises(ValueError, match="plausible"):
        parse_year("1850")


def test_kind_and_mode_spellings():
    from zy_geo.ledger._values import Vocabulary
    from zy_geo.schema import load_jurisdictions

    v = Vocabulary(load_jurisdictions())
    kinds = ["封闭式小区", "封闭", "开放式小区", "开放", "非封闭", "零星住宅", "零星", "小规模住宅区", "别墅"]
    assert [v.kind(k) for k in kinds] == ["enclosed", "enclosed", "open", "open", "open", "scattered",
                                          "scattered", "small_area", None]
    modes = ["专业化物业管理", "物业公司", "社区物业服务中心", "自管", "自行管理", "无"]
    assert [v.mode(m) for m in modes] == ["professional", "professional", "community_center", "self_managed",
                                          "self_managed", "none"]
    bodies = ["雁江区", "雁江区人民政府", "高新区管委会", "临空经济区管委会", "成都市"]
    assert [v.body(b) for b in bodies] == ["雁江区", "雁江区", "高新区", "临空经济区", None]


# --- the generated sample -------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(["ok", "bad", "blank", "note", "total", "noname"]), max_size=15))
def test_any_mix_of_rows_is_fully_accounted_for(tmp_path_factory, kinds):
    lines = {"ok": "甲{i},{i}", "bad": "乙{i},约{i}户", "blank": ",", "note": "注：见说明,", "total": "小计,{i}",
             "noname": ",{i}"}
    text = "小区名称,户数（户）\n" + "".join(lines[k].format(i=i) + "\n" for i, k in enumerate(kinds))
    p = tmp_path_factory.mktemp("h") / "莲花街道.csv"
    p.write_text(text, encoding="utf-8")
    r = read_ledger(p)
    acc = r.accounting()
    last = max((i for i, k in enumerate(kinds) if k != "blank"), default=-1)  # trailing blank lines are not rows
    assert acc["read"] == last + 1 == acc["kept"] + acc["rejected"] + acc["skipped"]
    assert acc["kept"] == kinds.count("ok")
    assert acc["rejected"] == kinds.count("bad") + kinds.count("noname")
    assert sorted(r.table["source_row"]) == [i + 2 for i, k in enumerate(kinds) if k == "ok"]


def test_sample_ledger_against_its_answer_key(tmp_path):
    from zy_geo.sample.generate import make_sample, write_sample

    city = make_sample(scale=0.2, seed=7)
    r = read_ledger(write_sample(city, tmp_path)["ledger"])
    truth = city.ledger_truth
    acc = r.accounting()
    assert acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]
    assert acc["kept"] == int((truth["expect"] == "ok").sum())
    assert acc["rejected"] == int(truth["expect"].isin(["rejected", "duplicate"]).sum())
    assert not [p for p in r.problems.warnings if p.code == "total_mismatch"]  # the offices' sums agree
    ok = truth[truth["expect"] == "ok"].astype({"sheet": str, "source_row": int})
    ok = ok.set_index(["sheet", "source_row"]).sort_index()
    got = r.table.astype({"sheet": str, "source_row": int}).set_index(["sheet", "source_row"]).sort_index()
    assert got.index.equals(ok.index)
    for col in ("name", "street", "street_code", "body", "households", "built_year", "kind", "mode", "gate",
                "parking", "renovated"):
        a = got[col].astype(object).where(got[col].notna(), None).tolist()
        b = ok[col].astype(object).where(ok[col].notna(), None).tolist()
        assert a == b, col
    assert got["floor_area_m2"].to_numpy(float) == pytest.approx(ok["floor_area_m2"].to_numpy(float), abs=0.05)
    assert got["lon"].isna().tolist() == (~ok["has_xy"]).tolist()


def test_cli_exit_codes(messy, tmp_path):
    from click.testing import CliRunner

    from zy_geo.cli import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(messy), "--out", str(tmp_path / "c.csv")]).exit_code == 1
    good = tmp_path / "莲花街道.csv"
    good.write_text("小区名称,户数\n莲花小区,120\n", encoding="utf-8")
    res = runner.invoke(cli, ["validate", str(good), "--out", str(tmp_path / "g.csv")])
    assert res.exit_code == 0
    assert (tmp_path / "g.csv").exists()
