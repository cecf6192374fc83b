import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from zy_geo._errors import InputError
from zy_geo._ledger_values import parse_bool, parse_int, parse_number, parse_year
from zy_geo.cli import cli
from zy_geo.ledger import read_ledger, write_clean

from .fixtures_ledger import EXPECTED, ID_NUMBER, PHONE, REJECTED_ROWS, write_messy_ledger


@pytest.fixture
def messy(tmp_path):
    return write_messy_ledger(tmp_path / "台账.xlsx")


def test_messy_ledger_values_read_exactly(messy):
    r = read_ledger(messy)
    t = r.table.set_index("name")
    assert sorted(t.index) == sorted(EXPECTED)
    for name, expected in EXPECTED.items():
        for col, value in expected.items():
            assert t.loc[name, col] == value, (name, col)
    assert pd.isna(t.loc["资溪花园", "compound_id"]) and pd.isna(t.loc["资溪花园", "parking"])  # blank = unknown
    assert (t["street_code"] == "512002001").all() and (t["body"] == "雁江区").all()
    assert str(t["households"].dtype) == "Int64" and str(t["gate"].dtype) == "boolean"


def test_zero_silent_losses(messy):
    r = read_ledger(messy)
    acc = r.accounting()
    assert acc == {"read": 10, "kept": 3, "rejected": 4, "skipped": 3}
    rejected = {p.row: p.column for p in r.problems.errors}
    assert rejected == REJECTED_ROWS
    skipped = sorted(p.row for p in r.problems if p.code in {"blank_row", "total_row", "note_row"})
    assert skipped == [8, 13, 14]
    assert not r.ok


def test_problem_message_names_sheet_row_column(messy):
    r = read_ledger(messy)
    text = str(next(p for p in r.problems.errors if p.row == 9))
    assert text.startswith("[error] `台账.xlsx` layer/sheet 莲花街道 row 9, column 住户数: '约120户' is not a number")
    assert "Fix: enter an integer" in text


def test_pii_withheld_everywhere(messy, tmp_path):
    r = read_ledger(messy)
    assert r.pii_columns == ["联系人", "联系电话", "身份证号"]
    assert not {"contact_name", "contact_phone", "id_number"} & set(r.table.columns)
    out = write_clean(r, tmp_path / "clean.csv", chinese_headers=True)
    raw = out.read_bytes()
    assert PHONE.encode() not in raw and ID_NUMBER.encode() not in raw and "张某某".encode() not in raw
    assert "小区名称".encode("utf-8") in raw
    kept = read_ledger(messy, keep_pii=True)
    assert kept.pii.loc[0, "contact_phone"] == PHONE
    assert PHONE.encode() in write_clean(kept, tmp_path / "pii.csv", include_pii=True).read_bytes()


def test_total_row_mismatch_warns(tmp_path):
    from openpyxl import load_workbook

    p = write_messy_ledger(tmp_path / "a.xlsx")
    wb = load_workbook(p)
    wb.active.cell(13, 5, 9999)
    wb.save(p)
    r = read_ledger(p)
    assert any(w.code == "total_mismatch" and "9999" in w.message for w in r.problems.warnings)


def test_strict_turns_warnings_into_rejections(messy):
    r = read_ledger(messy, strict=True)
    assert "资溪花园" not in set(r.table["name"])  # its '90年代' warning is now an error
    acc = r.accounting()
    assert acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]


def test_csv_gbk_reads_like_utf8(tmp_path):
    text = "小区名称,街道,户数,门岗,小区编号\n莲花小区,莲花街道办事处,\"1,200\",有,0012\n三贤苑,莲花街道,１２０,,0013\n"
    for enc in ("utf-8", "utf-8-sig", "gbk"):
        (tmp_path / f"{enc}.csv").write_bytes(text.encode(enc))
    tables = [read_ledger(tmp_path / f"{enc}.csv").table.drop(columns="sheet") for enc in ("utf-8", "utf-8-sig", "gbk")]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])
    assert tables[0]["compound_id"].tolist() == ["0012", "0013"]
    assert tables[0]["households"].tolist() == [1200, 120]
    assert tables[0]["gate"].tolist()[0] is True and pd.isna(tables[0]["gate"].iloc[1])


def test_missing_required_columns_and_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("名称,地址,社区\n甲,乙,丙\n", encoding="utf-8")
    r = read_ledger(p)
    assert any("households" in e.message for e in r.problems.errors)
    assert r.accounting()["rejected"] == 1
    with pytest.raises(InputError, match="does not exist"):
        read_ledger(tmp_path / "none.xlsx")


@given(st.integers(0, 10_000_000), st.sampled_from(["{n}", "{n}户", "{n:,}", "{n:,}户", "FW"]))
def test_number_parser_reads_every_office_spelling(n, fmt):
    text = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")) if fmt == "FW" else fmt.format(n=n)
    assert parse_int(text) == n


@pytest.mark.parametrize("text", ["约120户", "不详", "12O", "一百二十", "1.5"])
def test_number_parser_refuses_guesses(text):
    with pytest.raises(ValueError, match="not"):
        parse_int(text)


def test_value_vocabularies():
    assert [parse_bool(v) for v in ["有", "无", "是", "否", "√", "×", "✓", "✗", "Y", "n", 1, 0, "", None]] == [
        True, False, True, False, True, False, True, False, True, False, True, False, None, None]
    with pytest.raises(ValueError, match="yes/no"):
        parse_bool("部分")
    assert parse_year("2003年") == (2003, None) and parse_year("90年代")[0] == 1990
    assert parse_number("12,345.6㎡") == 12345.6 and parse_number("1.2万") == 12000.0


def test_sample_ledger_against_its_answer_key(tmp_path):
    from zy_geo.sample import make_sample, write_sample

    city = make_sample(scale=0.3, seed=7)
    files = write_sample(city, tmp_path)
    r = read_ledger(files["ledger"])
    truth = city.ledger_truth
    acc = r.accounting()
    assert acc["read"] == acc["kept"] + acc["rejected"] + acc["skipped"]
    assert acc["kept"] == int((truth["expect"] == "ok").sum())
    assert acc["rejected"] == int(truth["expect"].isin(["rejected", "duplicate"]).sum())
    ok = truth[truth["expect"] == "ok"].set_index(["street", "name"])
    got = r.table.set_index(["street", "name"])
    assert got["households"].astype(int).to_dict() == ok["households"].astype(int).to_dict()
    for col in ("gate", "parking"):
        a = got[col].astype(object).where(got[col].notna(), None).to_dict()
        b = ok[col].astype(object).where(ok[col].notna(), None).to_dict()
        assert a == b, col


def test_validate_cli_exit_codes(messy, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["validate", str(messy), "--out", str(tmp_path / "c.csv")])
    assert res.exit_code == 1 and "NOT usable" in res.output and "row 9" in res.output
    good = tmp_path / "good.csv"
    good.write_text("小区名称,街道,户数\n莲花小区,莲花街道,120\n", encoding="utf-8")
    res = runner.invoke(cli, ["validate", str(good), "--out", str(tmp_path / "g.csv")])
    assert res.exit_code == 0 and "usable" in res.output and (tmp_path / "g.csv").exists()
