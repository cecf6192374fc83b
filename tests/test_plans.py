"""Plans and the funding ledger on a tiny city with an obvious answer."""

import io
import shutil
import subprocess
import warnings

import docx
import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from zy_geo.areas.propose import ProposalResult, propose_areas
from zy_geo.config import Settings
from zy_geo.plans.build import build_plans
from zy_geo.plans.modes import ModeRules, load_mode_rules, recommend_modes

CRS = "EPSG:4544"
SIX = ["gate", "cleaning", "maintenance", "greening", "security", "parking"]


@pytest.fixture(scope="module")
def city():
    # river at x 300..340; Tuoxi = Yanjiang land west of it
    compounds = gpd.GeoDataFrame({
        "compound_id": ["w1", "w2", "e1", "x1"],
        "name": ["西一小区", "西二苑", "东一花园", "跨界院"],
        "street": ["莲花街道"] * 4, "street_code": ["512002001"] * 4, "body": ["雁江区"] * 4,
        "community": ["红旗社区"] * 4, "kind": ["open", "open", "open", "small_area"],
        "mode": ["none"] * 4, "households": [200, 150, 400, 90], "floor_area_m2": [15000.0, 11000.0, 36000.0, 6000.0],
        "walled": [False] * 4, "renovated": [True, True, False, False],
        **{k: [False, False, True, False] for k in SIX},
        "party_org": [True, False, True, False], "owners_committee": [False, False, True, False],
    }, geometry=[box(0, 0, 100, 100), box(120, 0, 220, 100), box(600, 0, 700, 100), box(250, 400, 290, 440)],
        crs=CRS)
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(-100, -100, 900, 600)], crs=CRS)
    rivers = gpd.GeoDataFrame({"name": ["沱江"]}, geometry=[box(300, -100, 340, 380)], crs=CRS)
    tuoxi = gpd.GeoDataFrame(geometry=[box(-100, -100, 270, 600)], crs=CRS)  # x1 straddles its edge (50 %)
    return compounds, streets, rivers, tuoxi


@pytest.fixture(scope="module")
def plans(city):
    compounds, streets, rivers, tuoxi = city
    r = propose_areas(compounds, streets=streets, rivers=rivers)
    return r, build_plans(r, compounds, tuoxi=tuoxi)


def test_one_plan_per_area_and_leftover(plans):
    r, ps = plans
    assert len(ps.plans) == len(r.areas) + len(r.remainders)
    covered = sorted(u for ids in ps.plans["unit_ids"] for u in ids)
    assert covered == sorted(r.members.loc[r.members["outcome"] != "absorbed", "unit_id"])


def test_tuoxi_rule_west_east_and_straddling(plans):
    _, ps = plans
    by_unit = {u: row for _, row in ps.plans.iterrows() for u in row["unit_ids"]}
    assert by_unit["w1"]["rule"] == "tuoxi_50_50" and by_unit["w1"]["city_yuan"] == by_unit["w1"]["body_yuan"]
    assert by_unit["e1"]["rule"] == "body" and by_unit["e1"]["city_yuan"] == 0
    x = by_unit["x1"]
    assert x["straddles"] and x["tuoxi_share"] == pytest.approx(0.5, abs=0.05)


def test_cap_and_totals_add_up(plans, tmp_path):
    _, ps = plans
    p = ps.plans
    assert (p["subsidy_yuan"] <= 50000).all()
    assert (p["subsidy_yuan"] == p["facility_cost_yuan"].clip(upper=50000)).all()
    path = ps.write_ledger(tmp_path / "ledger.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["雁江区"]
    header = [c.value for c in ws[1]]
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "合计"
    assert last[header.index("奖补资金（元）")] == pytest.approx(p["subsidy_yuan"].sum())
    summary = pd.read_excel(path, sheet_name="汇总")
    assert summary.iloc[-1]["奖补资金（元）"] == pytest.approx(p["subsidy_yuan"].sum())


def test_documents_have_figure_and_cost_table(plans, tmp_path):
    _, ps = plans
    files = ps.write_documents(tmp_path)
    assert set(files) == set(ps.plans["plan_id"]) | {"index"}
    d = docx.Document(files[ps.plans["plan_id"].iloc[0]])
    text = "\n".join(par.text for par in d.paragraphs)
    assert "一、基本情况" in text and "六、管理方式" in text
    assert "长度按 EPSG:4544（CGCS2000 / 3-degree Gauss-Kruger CM 105E）量算" in text  # the frame of the metres
    assert len(d.inline_shapes) == 1
    assert any(t.rows[0].cells[0].text == "设施" for t in d.tables)
    index = files["index"].read_text(encoding="utf-8")
    assert all(f"{pid}.docx" in index for pid in ps.plans["plan_id"])


@pytest.mark.skipif(shutil.which("libreoffice") is None and shutil.which("soffice") is None,
                    reason="LibreOffice not installed")
def test_libreoffice_converts_a_plan(plans, tmp_path):
    _, ps = plans
    files = ps.write_documents(tmp_path, figures=False)
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    doc = files[ps.plans["plan_id"].iloc[0]]
    subprocess.run([exe, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(doc)],
                   check=True, capture_output=True, timeout=180)
    assert doc.with_suffix(".pdf").stat().st_size > 1000


def test_mode_rules_and_overrides(tmp_path):
    df = pd.DataFrame({"households": [600, 40, 40, 150], "floor_area_m2": [60000.0, 3000.0, 3000.0, 9000.0],
                       "owners_committee": [False, True, False, False], "party_org": [True, True, True, True]})
    out = recommend_modes(df)
    assert out["mode"].tolist() == ["professional", "self_managed", "community_center", "community_center"]
    assert "业委会" in out.loc[2, "reason"] and out.loc[3, "operating_gap_yuan"] != 0
    f = tmp_path / "m.toml"
    f.write_text("[modes]\nself_max_households = 30\n", encoding="utf-8")
    assert recommend_modes(df, rules=load_mode_rules(f))["mode"].tolist()[1] == "community_center"
    assert recommend_modes(df.assign(consent_share=[1, 0.5, 1, 1]))["mode"].tolist()[1] == "community_center"
    assert ModeRules().professional_min_households == 300


def test_proposal_round_trip_through_gpkg(plans, tmp_path):
    r, _ = plans
    back = ProposalResult.from_gpkg(r.to_gpkg(tmp_path / "p.gpkg"))
    assert back.areas["unit_ids"].tolist() == r.areas["unit_ids"].tolist()
    assert back.members["member_ids"].tolist() == r.members["member_ids"].tolist()


def test_cli_plan_on_the_sample(tmp_path):
    from zy_geo.cli import cli
    from zy_geo.sample.generate import generate_sample

    f = generate_sample(tmp_path / "city", scale=0.2, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as outside the suite: a ledger with errors is a warning here
        res = CliRunner().invoke(cli, ["plan", str(f["city"]), "--survey", str(f["ledger"]), "--no-figures",
                                       "--out", str(tmp_path / "plans")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "plans" / "funding_ledger.xlsx").exists()
    assert "extensions (扩围);" in res.output


def test_index_says_how_an_absorbed_unit_is_enclosed(tmp_path):
    compounds = gpd.GeoDataFrame({
        "compound_id": ["m1", "s1"], "name": ["已管小区", "<b>小院</b>"], "street": ["莲花街道"] * 2,
        "street_code": ["512002001"] * 2, "body": ["雁江区"] * 2, "community": ["红旗社区"] * 2,
        "kind": ["enclosed", "open"], "mode": ["professional", "none"], "households": [400, 20],
        "floor_area_m2": [30000.0, 1500.0], "walled": [True, True], "renovated": [False, False],
        **{k: [True, False] for k in SIX},
    }, geometry=[box(0, 0, 100, 100), box(150, 0, 170, 30)], crs=CRS)
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(-100, -100, 500, 500)], crs=CRS)
    r = propose_areas(compounds, streets=streets)
    ps = build_plans(r, compounds, tuoxi=gpd.GeoDataFrame(geometry=[box(-100, -100, 50, 500)], crs=CRS))
    assert ps.absorbed["unit_id"].tolist() == ["s1"]
    index = ps.write_documents(tmp_path, figures=False)["index"].read_text(encoding="utf-8")
    # walled already: it keeps its own wall and comes under the neighbour's management, no new fence
    assert "s1 → 并入 m1（保留自身围合、纳入其管理，新建围挡约 0 米，按组）" in index


def test_absorbing_compound_extension_is_in_the_funding_ledger(tmp_path):
    # two strips along a managed compound's east wall, too small to be an area together: both absorbed,
    # and the compound's ledger row carries the new fence of both
    compounds = gpd.GeoDataFrame({
        "compound_id": ["m1", "s1", "s2"], "name": ["已管小区", "北条", "南条"], "street": ["莲花街道"] * 3,
        "street_code": ["512002001"] * 3, "body": ["雁江区"] * 3, "community": ["红旗社区"] * 3,
        "kind": ["enclosed", "open", "open"], "mode": ["professional", "none", "none"], "households": [400, 20, 20],
        "floor_area_m2": [30000.0, 1500.0, 1500.0], "walled": [True, False, False], "renovated": [False] * 3,
        **{k: [True, False, False] for k in SIX},
    }, geometry=[box(0, 0, 100, 100), box(110, 55, 125, 100), box(110, 0, 125, 45)], crs=CRS)
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(-100, -100, 500, 500)], crs=CRS)
    r = propose_areas(compounds, streets=streets)
    absorbed = r.members[r.members["outcome"] == "absorbed"]
    assert sorted(absorbed["unit_id"]) == ["s1", "s2"]
    assert (absorbed["absorbed_by"] == "m1").all()
    fence = float(absorbed.drop_duplicates("absorb_group")["absorb_fence_m"].sum())
    assert fence > 0
    ps = build_plans(r, compounds, tuoxi=gpd.GeoDataFrame(geometry=[box(-100, -100, 50, 500)], crs=CRS))
    assert ps.plans.empty
    ext = ps.extensions
    assert len(ext) == 1
    assert (ext.iloc[0]["absorbed_by"], ext.iloc[0]["households"]) == ("m1", 40)
    assert ext.iloc[0]["new_fence_m"] == pytest.approx(fence, abs=0.1)
    assert ext.iloc[0]["facility_cost_yuan"] == pytest.approx(fence * 80, abs=10)
    assert ext.iloc[0]["rule"] == "body"  # the strips lie east of the Tuoxi polygon (x < 50)
    path = ps.write_ledger(tmp_path / "ledger.xlsx")
    sheet = pd.read_excel(path, sheet_name="雁江区")
    assert (sheet.iloc[0]["名称"], sheet.iloc[0]["管理方式"]) == ("已管小区（扩围）", "并入已管理小区（扩围）")
    assert pd.read_excel(path, sheet_name="汇总").iloc[-1]["设施估算（元）"] == pytest.approx(fence * 80, abs=10)


def test_a_group_absorbed_together_is_fenced_once():
    from zy_geo.plans.build import _extensions
    from zy_geo.settings import Settings

    members = gpd.GeoDataFrame({
        "unit_id": ["a", "b", "c"], "absorbed_by": ["m1"] * 3, "households": [10, 10, 10],
        "absorb_fence_m": [50.0, 50.0, 30.0], "absorb_how": ["extend", "extend", "own"],
        "absorb_group": ["a", "a", "c"], "body": ["高新区"] * 3, "street": ["狮子山街道"] * 3,
    }, geometry=[box(0, 0, 10, 10), box(12, 0, 22, 10), box(40, 0, 50, 10)], crs=CRS)
    comp = pd.DataFrame({"name": ["某小区"]}, index=["m1"])
    tuoxi = gpd.GeoDataFrame(geometry=[box(-100, -100, 100, 100)], crs=CRS)
    ext = _extensions(members, comp, tuoxi=tuoxi, settings=Settings())
    assert ext[["new_fence_m", "facility_cost_yuan", "households"]].iloc[0].tolist() == [80.0, 6400.0, 30]
    assert ext.iloc[0]["rule"] == "body"  # Tuoxi's 50/50 is for 雁江区 only
    # a proposal written before groups were recorded: units sharing compound, way and fence are one group
    assert _extensions(members.drop(columns="absorb_group"), comp, tuoxi=tuoxi,
                       settings=Settings()).iloc[0]["new_fence_m"] == 80.0


def _doc_content(path):
    d = docx.Document(str(path))
    images = sorted(r.target_part.blob for r in d.part.rels.values() if "image" in r.reltype)
    return [p.text for p in d.paragraphs], images


def test_documents_drawn_in_parallel_are_the_same_as_drawn_here(plans, tmp_path):
    _, ps = plans
    one = ps.write_documents(tmp_path / "one", workers=1)
    two = ps.write_documents(tmp_path / "two", workers=2)
    assert set(one) == set(two)
    for pid in ps.plans["plan_id"]:
        assert _doc_content(one[pid]) == _doc_content(two[pid])


def test_a_plan_figure_shows_context_fence_and_gates_and_draws_without_roads(city):
    from zy_geo.plans._figure import PlanContext, plan_figure, plan_layout

    compounds, streets, rivers, tuoxi = city
    r = propose_areas(compounds, streets=streets, rivers=rivers)
    ps = build_plans(r, compounds, tuoxi=tuoxi, rivers=rivers)
    assert isinstance(ps.context, PlanContext) and ps.sample is False
    row = ps.plans.iloc[0]
    png = plan_figure(row, ps.members[row.plan_id], context=ps.context).getvalue()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    lay = plan_layout(row, ps.members[row.plan_id], ps.context, None)
    # no road near: the new fence is the whole ring, and the area still gets its main vehicle gate
    assert lay.new_fence.length == pytest.approx(ps.facilities[row.plan_id].enclosure.new_fence_m, rel=0.02)
    assert len(lay.vehicle_gates) == 1 and len(lay.pedestrian_gates) == 0
    alone = plan_figure(row, ps.members[row.plan_id], context=None).getvalue()  # no context at all
    assert alone[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_walled_member_lends_its_wall_to_the_fence_layout():
    from zy_geo.areas.fencing import enclose, fence_layout

    members = np.array([box(0, 0, 100, 100), box(100, 0, 160, 100)], dtype=object)
    walled = np.array([True, False])
    enc = enclose(members, walled=walled, settings=Settings())
    lay = fence_layout(enc.boundary, members, walled)
    assert lay.wall.length == pytest.approx(enc.existing_wall_m, rel=0.02)
    assert lay.new_fence.length == pytest.approx(enc.new_fence_m, rel=0.02)


def test_a_compound_whose_kind_is_blank_gets_a_plan(city):
    # a compound layer edited in QGIS with 小区类型 left blank: build_plans raised
    # TypeError: sequence item 0: expected str instance, float found
    compounds, streets, rivers, tuoxi = city
    blank = compounds.assign(kind=pd.Series(["open", None, "open", None], dtype="str"))
    ps = build_plans(propose_areas(blank, streets=streets, rivers=rivers), blank, tuoxi=tuoxi)
    by_unit = {u: row for _, row in ps.plans.iterrows() for u in row["unit_ids"]}
    assert by_unit["x1"]["kinds"] == ""
    assert "nan" not in "".join(ps.plans["kinds"])


def test_a_figure_drawn_after_another_plan_is_the_same_as_drawn_first(city):
    # one figure is reused plan after plan: nothing of the previous plan may stay on it
    from PIL import Image

    from zy_geo.plans import _figure

    compounds, streets, rivers, tuoxi = city
    r = propose_areas(compounds, streets=streets, rivers=rivers)
    ps = build_plans(r, compounds, tuoxi=tuoxi, rivers=rivers)
    first, second = ps.plans.iloc[0], ps.plans.iloc[1]

    def pixels(row):
        png = _figure.plan_figure(row, ps.members[row.plan_id], context=ps.context).getvalue()
        return np.asarray(Image.open(io.BytesIO(png)))

    _figure._CANVAS.__dict__.pop("canvas", None)  # a fresh figure
    alone = pixels(first)
    pixels(second)
    again = pixels(first)
    assert alone.shape == again.shape == (928, 1344, 4)
    assert (alone == again).all()
    assert len(_figure._CANVAS.canvas.ax.collections) == 0  # cleared after each plan


def test_png_bytes_keeps_every_pixel_and_the_resolution():
    from PIL import Image

    from zy_geo._cartography import png_bytes

    rgba = np.random.default_rng(0).integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    im = Image.open(io.BytesIO(png_bytes(rgba, 160)))
    assert im.mode == "RGBA" and im.info["dpi"] == pytest.approx((160, 160), abs=0.01)
    assert (np.asarray(im) == rgba).all()


def test_plan_tables_are_the_xml_python_docx_writes_cell_by_cell():
    # the plan tables are built in one piece; they must equal python-docx's own add_table/cell.text,
    # also for tabs, line breaks, edge spaces, markup characters and empty cells
    from lxml import etree

    from zy_geo.plans._docx import _package, _table

    header = ["项目", "内容"]
    rows = [["a\tb", "第一行\n第二行"], [" 前后空格 ", ""], ["<b>&amp;", "x\r\ny"], ["合计", "12,345"]]
    package = _package()
    package.clear()
    _table(package.document, header, rows)
    ours = docx.Document(io.BytesIO(package.save()))
    package.clear()
    ref = docx.Document()
    t = ref.add_table(rows=1, cols=2)
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = text
    for r in rows:
        for cell, text in zip(t.add_row().cells, r, strict=True):
            cell.text = text
    assert etree.tostring(ours.tables[0]._tbl) == etree.tostring(t._tbl)
