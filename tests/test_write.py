"""The door out: every output stays in its folder, never overwrites an input, holds no live formula,
and a re-run neither clobbers hand edits nor leaves stale files. Each reproduction of issue 14."""

import hashlib
import re

import docx
import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from zy_geo._gdal import gdal_reading
from zy_geo.areas.propose import propose_areas
from zy_geo.cli import cli
from zy_geo.errors import UsageError
from zy_geo.plans.build import build_plans
from zy_geo.write import MANIFEST, OutputFolder, safe_filename, sheet_names

CRS = "EPSG:4544"
SIX = ["gate", "cleaning", "maintenance", "greening", "security", "parking"]


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _city(ids, names=None, bodies=None):
    n = len(ids)
    compounds = gpd.GeoDataFrame({
        "compound_id": ids, "name": names or [f"小区{i}" for i in range(n)],
        "street": ["莲花街道"] * n, "street_code": ["512002001"] * n, "body": bodies or ["雁江区"] * n,
        "community": ["红旗社区"] * n, "kind": ["open"] * n, "mode": ["none"] * n, "households": [200] * n,
        "floor_area_m2": [15000.0] * n, "walled": [False] * n, "renovated": [False] * n,
        **{k: [False] * n for k in SIX}, "party_org": [False] * n, "owners_committee": [False] * n,
    }, geometry=[box(i * 1000, 0, i * 1000 + 100, 100) for i in range(n)], crs=CRS)
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(-100, -100, n * 1000 + 100, 300)], crs=CRS)
    tuoxi = gpd.GeoDataFrame(geometry=[box(-100, -100, 50, 300)], crs=CRS)
    return compounds, streets, tuoxi


def _plans(ids, **kw):
    compounds, streets, tuoxi = _city(ids, **kw)
    return build_plans(propose_areas(compounds, streets=streets), compounds, tuoxi=tuoxi)


# -- safe names and sheets ------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["../../../x", "a/b", "..\\..\\y", "/etc/passwd", "CON", ".hidden", "", "\x00z"])
def test_an_id_becomes_a_file_name_inside_the_folder(bad):
    name = safe_filename(bad, suffix=".docx")
    assert "/" not in name and "\\" not in name and not name.startswith(".") and name.endswith(".docx")
    assert name == safe_filename(bad, suffix=".docx")  # deterministic


def test_two_ids_never_share_a_file():
    used = set()
    names = [safe_filename(i, used=used, suffix=".docx") for i in ["a/b", "a_b", "a:b", "A_B", "a_b"]]
    assert len({n.lower() for n in names}) == 5


def test_sheet_names_are_valid_and_unique():
    long = "雁江区" * 20
    names = sheet_names(["高新区/管委会", "临空:经济区", long, long + "甲", "'x'", ""])
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.lower() for n in names}) == len(names)


# -- plans: traversal, collisions, stale and hand-edited files --------------------------------------
def test_plan_ids_with_traversal_stay_inside_the_folder(tmp_path):
    plans = _plans(["../../../x", "a/b", "a_b"])
    out = tmp_path / "deep" / "plans"
    files = plans.write_documents(out, figures=False)
    written = {p.resolve() for k, p in files.items() if k != "index"}
    assert len(written) == len(plans.plans)  # none overwrote another
    assert all(out.resolve() in p.parents for p in written)
    assert not list(tmp_path.glob("*.docx")) and not (out / "a").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(p.name in index for p in written)


def test_rerun_removes_stale_plans_and_keeps_hand_edits(tmp_path):
    out = tmp_path / "plans"
    _plans(["p1", "p2", "p3"]).write_documents(out, figures=False)
    stale = {p.name for p in out.glob("*.docx")}
    files = _plans(["p1", "p2"]).write_documents(out, figures=False)
    now = {p.name for p in out.glob("*.docx")}
    assert len(now) == 2 and now < stale  # the plan the index no longer lists is gone
    edited = files[next(k for k in files if k != "index")]
    d = docx.Document(str(edited))
    d.add_paragraph("街道办修改：保留")
    d.save(str(edited))
    with pytest.raises(UsageError, match="edited by hand"):
        _plans(["p1", "p2"]).write_documents(out, figures=False)
    assert "街道办修改" in "\n".join(p.text for p in docx.Document(str(edited)).paragraphs)
    _plans(["p1", "p2"]).write_documents(out, figures=False, force=True)
    assert "街道办修改" not in "\n".join(p.text for p in docx.Document(str(edited)).paragraphs)


def test_a_folder_with_other_files_is_not_reused_without_force(tmp_path):
    (tmp_path / "my_notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError, match=r"my_notes\.txt"):
        OutputFolder(tmp_path)
    folder = OutputFolder(tmp_path, force=True)
    folder.write_text("x", "a.txt")
    folder.finish()
    assert (tmp_path / "my_notes.txt").read_text(encoding="utf-8") == "keep"
    assert (tmp_path / MANIFEST).exists()


def test_a_failed_write_leaves_no_half_written_file(tmp_path):
    folder = OutputFolder(tmp_path / "o")
    folder.write_text("old", "a.txt")

    def fail_half_way():
        with folder.atomic("a.txt") as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        fail_half_way()
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == "old"
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["a.txt"]


# -- formulas, control characters, sheet names in real outputs --------------------------------------
HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)", "-2+3",
           "名\x00称\x1b\u202e反向"]


def test_no_live_formula_and_no_control_character_in_the_funding_ledger(tmp_path):
    plans = _plans([f"c{i}" for i in range(len(HOSTILE))], names=HOSTILE)
    # body names as an office might type them: a slash, a colon, two that agree in their first 31 characters
    plans.plans["body"] = ["高新区/管委会", "临空:经济区", "雁江区" * 20, "雁江区" * 20 + "甲", "雁江区", "雁江区"]
    path = plans.write_ledger(tmp_path / "funding.xlsx")
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 1 + 5  # 汇总 + five distinct bodies, none overwrote another
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(t.startswith("=HYPERLINK") for t in texts)  # kept, as text
    assert not any("\x00" in t or "\x1b" in t or "\u202e" in t for t in texts)
    docs = plans.write_documents(tmp_path / "plans", figures=False)
    text = "\n".join(p.text for k, f in docs.items() if k != "index" for p in docx.Document(str(f)).paragraphs)
    assert "名称反向" in text


def test_csv_cells_that_start_like_a_formula_are_text(tmp_path):
    folder = OutputFolder(tmp_path)
    p = folder.write_csv(pd.DataFrame({"名称": HOSTILE[:5], "户数": [1, -2, 3, 4, 5]}), "x.csv")
    rows = p.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert all(r.startswith("'") or r.startswith('"\'') for r in rows)
    assert rows[4].endswith(",5") and rows[1].endswith(",-2")  # numbers untouched


# -- the CLI: inputs never overwritten, exit codes ----------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    d = tmp_path_factory.mktemp("sample")
    res = CliRunner().invoke(cli, ["sample", "--scale", "0.05", "--seed", "4", "--out", str(d)])
    assert res.exit_code == 0, res.output
    return d / "city.gpkg", d / "survey_ledger.xlsx"


def test_propose_refuses_to_overwrite_its_city(sample):
    city, _ = sample
    before = _sha(city)
    res = CliRunner().invoke(cli, ["propose", str(city), "--out", str(city)])
    assert res.exit_code == 2 and "input" in res.output and _sha(city) == before


def test_propose_refuses_a_workbook_as_out_and_a_file_it_did_not_write(sample, tmp_path):
    city, _ = sample
    res = CliRunner().invoke(cli, ["propose", str(city), "--out", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 2 and ".gpkg" in res.output
    theirs = tmp_path / "theirs.gpkg"
    theirs.write_bytes(b"not ours")
    res = CliRunner().invoke(cli, ["propose", str(city), "--out", str(theirs)])
    assert res.exit_code == 2 and "--force" in res.output and theirs.read_bytes() == b"not ours"


def test_validate_refuses_to_overwrite_the_ledger(sample):
    _, ledger = sample
    before = _sha(ledger)
    res = CliRunner().invoke(cli, ["validate", str(ledger), "--out", str(ledger)])
    assert res.exit_code == 2 and _sha(ledger) == before


def test_validate_writes_problems_into_a_missing_folder(sample, tmp_path):
    _, ledger = sample
    res = CliRunner().invoke(cli, ["validate", str(ledger), "--problems", str(tmp_path / "new" / "p.csv")])
    assert res.exit_code in (0, 1) and (tmp_path / "new" / "p.csv").exists(), res.output


def test_run_stops_on_ledger_errors_unless_told_to_keep_going(sample, tmp_path):
    city, ledger = sample
    res = CliRunner().invoke(cli, ["run", str(city), "--survey", str(ledger), "--out", str(tmp_path / "a")])
    assert res.exit_code == 1 and "--keep-going" in res.output
    assert (tmp_path / "a" / "ledger_problems.csv").exists() and not (tmp_path / "a" / "coverage.xlsx").exists()
    res = CliRunner().invoke(cli, ["run", str(city), "--survey", str(ledger), "--keep-going",
                                   "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a" / "coverage.xlsx").exists()


@pytest.mark.parametrize("as_of", ["2023/06/30", "2023-02-30", "明年"])
def test_a_bad_date_is_a_usage_error(sample, tmp_path, as_of):
    city, _ = sample
    res = CliRunner().invoke(cli, ["run", str(city), "--as-of", as_of, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("args", [["sample", "--scale", "0.0001"], ["demo", "--scale", "-1"],
                                  ["sample", "--scale", "nan"]])
def test_impossible_scales_are_usage_errors(tmp_path, args):
    res = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "Traceback" not in res.output and "scale" in res.output.lower()


def test_an_empty_compounds_layer_is_a_message_not_a_folium_traceback(sample, tmp_path):
    import pyogrio

    city, _ = sample
    empty = tmp_path / "empty.gpkg"
    pyogrio.write_dataframe(gpd.read_file(city, layer="streets"), empty, layer="streets")
    pyogrio.write_dataframe(gpd.read_file(city, layer="compounds").iloc[:0], empty, layer="compounds",
                            geometry_type="Polygon")
    for args in (["run", str(empty), "--out", str(tmp_path / "o")],
                 ["propose", str(empty), "--out", str(tmp_path / "p.gpkg")]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 1, res.output
        assert "compounds" in res.output and "no features" in res.output


@pytest.mark.parametrize("out", ["长" * 100, "notes.txt/out"], ids=["name-too-long", "folder-inside-a-file"])
def test_an_out_that_cannot_be_made_is_a_usage_error_not_a_traceback(sample, tmp_path, out):
    (tmp_path / "notes.txt").write_text("keep", encoding="utf-8")
    city, ledger = sample
    for args in (["sample", "--scale", "0.01", "--out", str(tmp_path / out)],
                 ["propose", str(city), "--out", str(tmp_path / out / "p.gpkg")],
                 ["validate", str(ledger), "--problems", str(tmp_path / out / "p.csv")]):
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 2, (args[0], res.exception)
        assert isinstance(res.exception, SystemExit)
        assert "cannot write" in res.output
        assert "--out" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(("folder", "name"), [("a!b", "p.gpkg"), ("ok", "a;b.gpkg"), ("=cmd|' calc'!A0", "p.gpkg")])
def test_a_geopackage_is_written_where_asked_even_with_characters_gdal_paths_treat_specially(
        tmp_path, monkeypatch, folder, name):
    # pyogrio reads '!' as archive!member and ';' as URL parameters: `--out "a!b"` wrote `b/...` relative to the
    # working folder (or failed with a DataSourceError traceback) and `--out "a;b.gpkg"` wrote a file `.a`
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    compounds, _, _ = _city(["c1"])
    folder_ = OutputFolder(tmp_path / folder)
    path = folder_.write_gpkg({"compounds": compounds}, name)
    folder_.finish()
    assert path == tmp_path / folder / name
    assert not list(work.iterdir())
    assert sorted(p.name for p in (tmp_path / folder).iterdir()) == sorted([name, MANIFEST])
    with gdal_reading(path) as source:
        assert pyogrio.read_dataframe(source, layer="compounds")["compound_id"].tolist() == ["c1"]


def test_no_control_or_bidi_character_reaches_an_html_page(tmp_path):
    # a compound named '莲花\x1b[31m小区' or '莲花\u2066小区' reached plans/index.html and coverage_map.html raw
    from zy_geo.maps import coverage_map, save_map

    names = ["莲花\x1b[31m小区", "宝莲\u2066家园", "资溪\u202e花园"]
    plans = _plans(["c0", "c1", "c2"], names=names)
    index = plans.write_documents(tmp_path / "plans", figures=False)["index"].read_text(encoding="utf-8")
    compounds, _, _ = _city(["c0", "c1", "c2"], names=names)
    compounds = compounds.set_geometry(compounds.geometry.translate(462000, 3334000))
    page = save_map(coverage_map(compounds), tmp_path / "map.html").read_text(encoding="utf-8")
    page = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)  # the GeoJSON's escapes
    for text in (index, page):
        assert not set(text) & {"\x1b", "\u2066", "\u202e"}
        assert "莲花[31m小区" in text
        assert "宝莲家园" in text


def test_header_index_and_categories_are_made_safe_like_cells(tmp_path):
    # found by tests/test_hostile.py: a CSV header '=HYPERLINK(…)' stayed a live formula, an index or a
    # categorical column with a control character raised IllegalCharacterError (or a category ValueError)
    frame = pd.DataFrame({'=HYPERLINK("http://x","y")': pd.Categorical(["莲花\x1b小区", "莲花小区"]),
                          "户数": [120.0, -float("inf")]},
                         index=pd.Index(["=1+1", "a\x00b"], name="@编号"))
    folder = OutputFolder(tmp_path)
    rows = folder.write_csv(frame, "t.csv", index=True).read_text(encoding="utf-8-sig").splitlines()
    assert rows == ["'@编号,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",户数", "'=1+1,莲花小区,120.0",
                    "ab,莲花小区,'-inf"]
    ws = openpyxl.load_workbook(folder.write_xlsx({"t": frame}, "t.xlsx", index=True)).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["@编号", '=HYPERLINK("http://x","y")', "户数"], ["=1+1", "莲花小区", 120], ["ab", "莲花小区", "-inf"]]
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_a_nul_in_an_output_name_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="NUL"):
        OutputFolder(tmp_path).path("a\x00b.csv")


def test_a_carriage_return_cannot_start_a_new_row_with_a_formula(tmp_path):
    # found by tests/test_hostile.py: '莲花\r=cmd|…' was written unquoted, and a spreadsheet reading the CR as
    # a line break began a new row with a live formula
    import csv

    p = OutputFolder(tmp_path).write_csv(pd.DataFrame({"名称": ["莲花\r=cmd|' /C calc'!A0", "\r=1+1"]}), "t.csv")
    raw = p.read_bytes().decode("utf-8-sig")
    assert raw == "名称\r\n\"莲花\r=cmd|' /C calc'!A0\"\r\n\"'\r=1+1\"\r\n"
    for newline in ("", None):  # as csv reads it, and as a reader splitting lines on any CR or LF does
        with p.open(encoding="utf-8-sig", newline=newline) as f:
            cells = [c for row in csv.reader(f) for c in row]
        assert not [c for c in cells if c[:1] in "=+-@"]


def test_the_terminal_gets_no_control_or_bidi_character_from_data(tmp_path):
    # a ledger named '莲花\u202e街道\x1b[2J.csv' holding such a cell: its name and the cell reached the terminal raw
    # (the bidi override reorders the line the planner reads, the escape clears the screen)
    ledger = tmp_path / "莲花\u202e街道\x1b[2J.csv"
    ledger.write_text("小区名称,街道（镇）,户数\n宝莲\x1b[2J家园,莲花街道,约\u202e120户\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(ledger)], color=True)
    assert res.exit_code == 1
    assert "莲花街道[2J.csv" in res.output  # the file named, without its escape and override
    assert not set(res.output) & {"\x1b", "\u202e"}
