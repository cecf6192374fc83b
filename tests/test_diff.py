"""What changed between two proposals, on tiny hand-built cities whose answer can be said in a sentence."""

import dataclasses
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from zy_geo import InputError, ProposalParams, ProposalResult, ZyGeoWarning, propose_areas
from zy_geo.areas import Decisions
from zy_geo.cli import cli
from zy_geo.diff import diff_proposals

from ._browser import chromium, open_page

CRS = "EPSG:4544"
STREET_A = "<b>甲</b>街道"  # markup in a name: escaped on the map, plain text in the workbook
FORMULA_ID = '=HYPERLINK("http://x","c")'  # a unit id that a spreadsheet would run


def _city(*, ids=None, dx=0.0, households=(100,) * 5):
    """Four compounds in a row (5 m, 40 m, 5 m apart) in street 甲, one more in street 乙 (100 households each)."""
    sq = [box(x + dx, 0, x + dx + 60, 60) for x in (0, 65, 165, 230, 600)]
    compounds = gpd.GeoDataFrame({"compound_id": ids or list("abcde"), "households": list(households),
                                  "mode": ["none"] * 5, "kind": ["open"] * 5}, geometry=sq, crs=CRS)
    streets = gpd.GeoDataFrame({"street": [STREET_A, "乙街道"], "street_code": ["1", "2"], "body": ["雁江区"] * 2},
                               geometry=[box(-100 + dx, -100, 450 + dx, 200), box(450 + dx, -100, 900 + dx, 200)],
                               crs=CRS)
    return compounds, streets


def _propose(gap, **city):
    compounds, streets = _city(**city)
    return propose_areas(compounds, streets=streets, params=ProposalParams(max_gap_m=gap))


@pytest.fixture(scope="module")
def one_area():
    """max_gap_m 60: a, b, c and d form one area 1-A001; e is 2-A001 alone."""
    return _propose(60)


@pytest.fixture(scope="module")
def two_areas():
    """max_gap_m 10: the 40 m gap keeps {a, b} and {c, d} apart; e is alone as before."""
    return _propose(10)


def test_the_two_fixtures_are_what_the_sentences_say(one_area, two_areas):
    assert one_area.areas["unit_ids"].tolist() == [list("abcd"), ["e"]]
    assert two_areas.areas["unit_ids"].tolist() == [["a", "b"], ["c", "d"], ["e"]]


def test_a_proposal_compared_with_itself_or_its_rerun_has_no_changes(one_area, tmp_path):
    one_area.to_gpkg(tmp_path / "p.gpkg")
    for old, new in ((one_area, one_area), (one_area, _propose(60)), (tmp_path / "p.gpkg", one_area)):
        d = diff_proposals(old, new)
        assert not d.has_changes
        assert d.areas["change"].eq("unchanged").all() and len(d.areas) == 2
        assert d.units["status"].eq("unchanged").all() and len(d.units) == 5
        assert d.moved.empty and d.added.empty and d.removed.empty and d.changed.empty
        assert (d.deltas.filter(like="_delta") == 0).all().all()


def test_a_split_is_one_changed_area_and_one_added_with_the_moved_units_counted(one_area, two_areas):
    d = diff_proposals(one_area, two_areas)
    changed, added = d.changed.iloc[0], d.added.iloc[0]
    assert len(d.changed) == 1 and len(d.added) == 1 and d.removed.empty
    assert (changed.kind, changed.old_area_id, changed.new_area_id, changed.related) == ("split", "1-A001", "1-A001",
                                                                                        ["1-A002"])
    assert (added.kind, added.new_area_id, added.related) == ("split", "1-A002", ["1-A001"])
    assert "拆分" in changed.note and added.note == "由原区域 1-A001 拆分而来"
    # the unit's new area was added: its id alone could be taken for an old one
    assert d.moved[["unit_id", "from", "to", "households"]].values.tolist() == [
        ["c", "1-A001", "1-A002（新增区域）", 100], ["d", "1-A001", "1-A002（新增区域）", 100]]
    n = d.counts()
    assert (n["moved_units"], n["moved_households"], n["split"], n["unchanged"]) == (2, 200, 1, 1)
    assert d.areas.loc[d.areas["old_area_id"] == "2-A001", "change"].item() == "unchanged"


def test_the_same_split_read_backwards_is_a_merge(one_area, two_areas):
    d = diff_proposals(two_areas, one_area)
    assert d.changed[["kind", "old_area_id", "new_area_id"]].values.tolist() == [["merge", "1-A001", "1-A001"]]
    assert d.removed[["kind", "old_area_id", "related"]].values.tolist() == [["merge", "1-A002", ["1-A001"]]]
    assert d.removed["note"].item() == "并入新区域 1-A001"
    assert sorted(d.moved["unit_id"]) == ["c", "d"]


def test_a_unit_taken_out_of_its_area_in_the_members_table_moved_to_remainder(two_areas):
    members = two_areas.members.copy()
    members.loc[members["unit_id"] == "d", ["outcome", "area_id"]] = ["remainder", np.nan]
    edited = dataclasses.replace(two_areas, members=members)
    d = diff_proposals(two_areas, edited)
    assert d.moved[["unit_id", "from", "to"]].values.tolist() == [["d", "1-A002", "待处理"]]
    row = d.changed.iloc[0]
    assert (row.kind, row.old_area_id, row.new_area_id, row.n_units_old, row.n_units_new) == (
        "units", "1-A002", "1-A002", 2, 1)
    total = d.deltas.set_index("street").loc["合计"]
    assert (total.households_in_areas_delta, total.households_remaining_delta) == (-100, 100)


def test_a_unit_a_decision_excluded_moved_out_of_its_area_and_its_households_are_counted_apart(one_area, tmp_path):
    # the same city and parameters, with a decision: d is to be demolished (拟拆迁), outside this programme
    compounds, streets = _city()
    excluded = propose_areas(compounds, streets=streets, params=ProposalParams(max_gap_m=60),
                             decisions=Decisions(exclude={"d": "拟拆迁"}))
    one_area.to_gpkg(tmp_path / "old.gpkg")
    excluded.to_gpkg(tmp_path / "new.gpkg")
    d = diff_proposals(tmp_path / "old.gpkg", tmp_path / "new.gpkg")  # through the files: the outcome survives
    assert d.moved[["unit_id", "from", "to", "households", "decision"]].values.tolist() == [
        ["d", "1-A001", "不纳入本次方案", 100, "exclude: 拟拆迁"]]
    assert d.moved[["from_outcome", "to_outcome"]].values.tolist() == [["area", "excluded"]]
    row = d.changed.iloc[0]
    assert (row.kind, row.old_area_id, row.new_area_id, row.n_units_old, row.n_units_new) == (
        "units", "1-A001", "1-A001", 4, 3)
    t = d.deltas.set_index("street")
    assert t.loc[[STREET_A, "合计"], "households_excluded_delta"].tolist() == [100, 100]
    assert t.loc["合计", ["households_in_areas_delta", "households_remaining_delta"]].tolist() == [-100, 0]
    assert t.loc["乙街道", "households_excluded_new"] == 0
    sheets = d.xlsx_sheets()
    assert sheets["单元变动"][["单元编号", "新方案去向", "决定（新方案）"]].values.tolist() == [
        ["d", "不纳入本次方案", "exclude: 拟拆迁"]]
    total = sheets["汇总"].set_index("街道（镇）").loc["合计"]
    assert (total["不纳入方案户数（原方案）"], total["不纳入方案户数（新方案）"], total["不纳入方案户数（增减）"]) == (
        0, 100, 100)
    # read backwards, the unit comes back into the area
    back = diff_proposals(excluded, one_area)
    assert back.moved[["unit_id", "from", "to", "decision"]].values.tolist() == [["d", "不纳入本次方案", "1-A001", ""]]


def test_deltas_are_new_minus_old_per_street_and_add_up_to_the_total(one_area, two_areas):
    d = diff_proposals(one_area, two_areas)
    t = d.deltas.set_index("street")
    so, sn = one_area.summary().set_index("street"), two_areas.summary().set_index("street")
    for k in ("areas", "households_in_areas", "new_fence_m", "cost_yuan", "areas_over_cap"):
        assert t[f"{k}_delta"].tolist() == pytest.approx((t[f"{k}_new"] - t[f"{k}_old"]).tolist())
        assert t[f"{k}_delta"].drop("合计").sum() == pytest.approx(t.loc["合计", f"{k}_delta"])
        assert t.loc["合计", f"{k}_delta"] == pytest.approx(sn.loc["合计", k] - so.loc["合计", k], abs=0.01)
    assert t.loc["乙街道"].filter(like="_delta").eq(0).all()  # street 乙 did not change
    assert t.loc[STREET_A, "areas_delta"] == 1 and t.loc[STREET_A, "moved_units"] == 2
    area_fence = d.areas["new_fence_m_delta"].sum()
    assert t.loc["合计", "new_fence_m_delta"] == pytest.approx(area_fence, abs=0.05)


def test_cli_writes_the_workbook_in_chinese_without_formulas_and_an_offline_map(tmp_path):
    # c has an id a spreadsheet would run; a and b have more households, so {a, b} keeps the old area's place
    ids, hh = ["a", "b", FORMULA_ID, "d", "e"], (120, 120, 100, 100, 100)
    old, new = _propose(60, ids=ids, households=hh), _propose(10, ids=ids, households=hh)
    old.to_gpkg(tmp_path / "old.gpkg")
    new.to_gpkg(tmp_path / "new.gpkg")
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "old.gpkg"), str(tmp_path / "new.gpkg"),
                                   "--out", str(tmp_path / "diff.xlsx"), "--map", str(tmp_path / "diff.html")])
    assert res.exit_code == 0, res.output
    assert "1 added, 0 removed, 1 changed (1 split, 0 merged), 1 unchanged" in res.output
    assert "2 moved (200 households)" in res.output
    wb = openpyxl.load_workbook(tmp_path / "diff.xlsx")
    assert wb.sheetnames == ["汇总", "区域变化", "单元变动", "说明"]
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}
    assert headers["汇总"][:4] == ["街道（镇）", *(f"拟划管理区域数（{t}）" for t in ("原方案", "新方案", "增减"))]
    assert {"变化", "类型", "原方案区域编号", "新方案区域编号", "说明"} <= set(headers["区域变化"])
    assert headers["单元变动"][:5] == ["单元编号", "街道（镇）", "变动", "原方案去向", "新方案去向"]
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    moved = [[c.value for c in row] for row in wb["单元变动"].iter_rows(min_row=2)]
    assert sorted(r[0] for r in moved) == sorted(["d", FORMULA_ID])
    # {a, b} is numbered 1-A002 now (the formula id sorts first): the old area's id names its new one
    assert {r[3] for r in moved} == {"1-A001（新方案 1-A002）"} and {r[4] for r in moved} == {"1-A001（新增区域）"}
    total = [c.value for c in list(wb["汇总"].iter_rows())[-1]]
    assert total[:4] == ["合计", 2, 3, 1]
    assert STREET_A in [c.value for c in wb["汇总"]["A"]]  # plain text in the workbook
    page = (tmp_path / "diff.html").read_text(encoding="utf-8")
    assert "图例" in page and "新增区域" in page and "变动单元" in page and "管理区域方案对比" in page
    # the layers are JSON in a script; what the browser decodes from it is HTML with every name escaped
    decoded = page.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    assert STREET_A not in decoded and "&lt;b&gt;甲&lt;/b&gt;街道" in decoded
    assert "HYPERLINK(&quot;" in decoded and 'HYPERLINK("http' not in decoded
    assert "unpkg.com" not in page and "cdn.jsdelivr" not in page  # opens offline


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="chromium not installed (python3 dev.py test installs it)")
def test_the_diff_map_opens_in_headless_chromium_with_every_change_drawn(one_area, two_areas, tmp_path):
    path = diff_proposals(one_area, two_areas).save_map(tmp_path / "diff.html")
    run = open_page(path, screenshot=tmp_path / "diff.png")
    assert run.console_errors == []
    m = re.search(r'data-zy-layers="([^"]+)"', run.dom)
    assert m, "the page's scripts did not run"
    counts = json.loads(m.group(1).replace("&quot;", '"'))
    assert counts["新增区域"] == 1 and counts["调整区域（新边界）"] == 1 and counts["调整前边界"] == 1
    assert counts["未变区域"] == 1 and counts["变动单元"] == 2 and counts["新方案单元"] == 5
    assert "撤销区域" not in counts  # nothing removed: no empty layer
    assert "zy-legend" in run.dom and run.screenshot is not None


def test_proposals_of_two_different_cities_are_refused_naming_both_files(one_area, tmp_path):
    one_area.to_gpkg(tmp_path / "ziyang.gpkg")
    _propose(60, ids=list("vwxyz")).to_gpkg(tmp_path / "other_ids.gpkg")
    _propose(60, dx=300_000).to_gpkg(tmp_path / "far_away.gpkg")
    moved = {f.name: getattr(one_area, f.name).to_crs("EPSG:4545")
             for f in dataclasses.fields(one_area) if f.name in ("areas", "members", "remainders", "enclosures")}
    dataclasses.replace(one_area, **moved).to_gpkg(tmp_path / "other_crs.gpkg")
    cases = {"other_ids.gpkg": "share no unit id", "far_away.gpkg": "extents do not overlap",
             "other_crs.gpkg": "EPSG:4544.*EPSG:4545.*--metric-crs"}
    for name, why in cases.items():
        with pytest.raises(InputError, match=rf"`ziyang\.gpkg`.*`{re.escape(name)}`") as err:
            diff_proposals(tmp_path / "ziyang.gpkg", tmp_path / name)
        assert re.search(why, str(err.value)) and "zy-geo propose CITY.gpkg --out" in str(err.value)
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "ziyang.gpkg"), str(tmp_path / "other_ids.gpkg"),
                                   "--out", str(tmp_path / "d.xlsx")])
    assert res.exit_code == 1 and "share no unit id" in res.output and not (tmp_path / "d.xlsx").exists()


def test_a_file_that_is_not_a_proposal_is_refused_with_the_fix(one_area, tmp_path):
    compounds, streets = _city()
    compounds.to_file(tmp_path / "city.gpkg", layer="compounds")
    streets.to_file(tmp_path / "city.gpkg", layer="streets")
    (tmp_path / "notes.gpkg").write_text("not a GeoPackage", encoding="utf-8")
    with pytest.raises(InputError, match=r"`.*city\.gpkg` is not a zy_geo proposal.*propose on it first"):
        diff_proposals(tmp_path / "city.gpkg", one_area)
    with pytest.raises(InputError, match=r"`.*notes\.gpkg` is not a zy_geo proposal: GDAL cannot read it"):
        diff_proposals(one_area, tmp_path / "notes.gpkg")
    with pytest.raises(InputError, match=r"`.*nowhere\.gpkg` does not exist"):
        diff_proposals(one_area, tmp_path / "nowhere.gpkg")


def test_a_unit_in_two_places_or_an_area_without_members_is_named(two_areas):
    members = pd.concat([two_areas.members, two_areas.members.iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="layer members row 5, column unit_id: unit_id a appears twice"):
        diff_proposals(two_areas, dataclasses.replace(two_areas, members=members))
    members = two_areas.members.copy()
    members.loc[members["unit_id"] == "e", ["outcome", "area_id"]] = ["remainder", np.nan]
    with pytest.raises(InputError, match="layer areas row 2, column area_id: area 2-A001 has no member unit"):
        diff_proposals(dataclasses.replace(two_areas, members=members), two_areas)


def test_few_shared_units_warn_that_the_city_file_changed(one_area):
    other = _propose(60, ids=["a", "v", "w", "x", "y"])
    with pytest.warns(ZyGeoWarning, match="share only 1 of their 5 and 5 units"):
        d = diff_proposals(one_area, other)
    assert d.counts()["units_added"] == 4 and d.counts()["units_removed"] == 4


def test_the_workbook_is_not_written_over_a_file_zy_geo_did_not_write(one_area, two_areas, tmp_path):
    one_area.to_gpkg(tmp_path / "old.gpkg")
    two_areas.to_gpkg(tmp_path / "new.gpkg")
    (tmp_path / "mine.xlsx").write_bytes(b"a planner's own workbook")
    args = ["diff", str(tmp_path / "old.gpkg"), str(tmp_path / "new.gpkg"), "--out", str(tmp_path / "mine.xlsx")]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 2 and "not written by zy_geo" in res.output
    assert (tmp_path / "mine.xlsx").read_bytes() == b"a planner's own workbook"
    assert CliRunner().invoke(cli, [*args, "--force"]).exit_code == 0


# -- property: any two hand-made groupings of the same units -------------------------------------------------
_UNITS = [box(i * 100, 0, i * 100 + 60, 60) for i in range(6)]
_STREET = ["甲街道"] * 3 + ["乙街道"] * 3


def _hand_made(groups, order):
    """A proposal: unit i in group groups[i] of its street (-1: 待处理); area ids numbered in ``order``."""
    members = gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(6)], "street": _STREET,
                                "households": [10 * (i + 1) for i in range(6)]}, geometry=_UNITS, crs=CRS)
    keys = sorted({(s, g) for s, g in zip(_STREET, groups, strict=True) if g >= 0}, key=lambda k: order.index(k[1]))
    ids = {k: f"{'1' if k[0] == '甲街道' else '2'}-A{n:03d}" for n, k in enumerate(keys, 1)}
    members["outcome"] = ["area" if g >= 0 else "remainder" for g in groups]
    members["area_id"] = [ids.get((s, g)) for s, g in zip(_STREET, groups, strict=True)]
    members["absorbed_by"] = None
    rows = []
    for k, aid in ids.items():
        m = members[members["area_id"] == aid]
        geom = m.union_all().convex_hull
        rows.append({"area_id": aid, "street": k[0], "unit_ids": m["unit_id"].tolist(),
                     "households": int(m["households"].sum()), "new_fence_m": round(geom.length, 1), "gates": 1,
                     "cameras": len(m), "cost_yuan": round(geom.length * 100, 2), "over_cap": False, "geometry": geom})
    areas = gpd.GeoDataFrame(rows, columns=["area_id", "street", "unit_ids", "households", "new_fence_m", "gates",
                                            "cameras", "cost_yuan", "over_cap", "geometry"], geometry="geometry",
                             crs=CRS)
    empty = members.iloc[:0]
    return ProposalResult(areas, members, empty, empty, ProposalParams())


_grouping = st.lists(st.integers(-1, 2), min_size=6, max_size=6)
_order = st.permutations([0, 1, 2])


@given(_grouping, _order, _grouping, _order)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_unit_is_once_unchanged_moved_added_or_removed_and_areas_pair_one_to_one(g_old, o_old, g_new, o_new):
    old, new = _hand_made(g_old, o_old), _hand_made(g_new, o_new)
    d = diff_proposals(old, new)
    assert sorted(d.units["unit_id"]) == [f"u{i}" for i in range(6)]
    assert set(d.units["status"]) <= {"unchanged", "moved"}
    paired = d.areas.dropna(subset=["old_area_id", "new_area_id"])
    assert sorted(d.areas["old_area_id"].dropna()) == sorted(old.areas["area_id"])
    assert sorted(d.areas["new_area_id"].dropna()) == sorted(new.areas["area_id"])
    pair = dict(zip(paired["old_area_id"], paired["new_area_id"], strict=True))
    for u in d.units.itertuples():
        before, after = old.members.set_index("unit_id").loc[u.unit_id], new.members.set_index("unit_id").loc[u.unit_id]
        same = (before.outcome == after.outcome == "remainder"
                or (before.outcome == after.outcome == "area" and pair.get(before.area_id) == after.area_id))
        assert (u.status == "unchanged") == same
    # the same groupings under other ids: nothing changed
    assert not diff_proposals(old, _hand_made(g_old, o_new)).has_changes
    # figures: the total deltas are the difference of the two summaries
    total = d.deltas.set_index("street").loc["合计"]
    so, sn = old.summary().iloc[-1], new.summary().iloc[-1]
    for k in ("areas", "households_in_areas", "households_remaining", "new_fence_m", "cost_yuan"):
        assert total[f"{k}_delta"] == pytest.approx(sn[k] - so[k], abs=0.01)
    into = d.units[(d.units["to_outcome"] == "area")]["households"].sum()
    out_of = d.units[(d.units["from_outcome"] == "area")]["households"].sum()
    assert total["households_in_areas_delta"] == into - out_of


# -- the sample: default proposal against max_households = 600 ------------------------------------------------
@pytest.fixture(scope="module")
def sample_pair(tmp_path_factory):
    from zy_geo import generate_sample
    from zy_geo.pipeline import propose

    tmp = tmp_path_factory.mktemp("diff_sample")
    city = Path("outputs/bench/scale_1/city.gpkg")
    if not city.exists():
        city = generate_sample(tmp / "city", scale=1)["city"]
    (tmp / "600.toml").write_text("[proposal]\nmax_households = 600\n", encoding="utf-8")
    old = propose(city, out=tmp / "default.gpkg")
    new = propose(city, config=tmp / "600.toml", out=tmp / "600.gpkg")
    return tmp, old, new


@pytest.mark.slow
def test_on_the_sample_every_unit_is_accounted_for_and_the_deltas_are_the_summaries_difference(sample_pair):
    tmp, old, new = sample_pair
    res = CliRunner().invoke(cli, ["diff", str(tmp / "default.gpkg"), str(tmp / "600.gpkg"), "--out",
                                   str(tmp / "diff.xlsx"), "--map", str(tmp / "diff.html")])
    assert res.exit_code == 0, res.output
    d = diff_proposals(tmp / "default.gpkg", tmp / "600.gpkg")
    u = d.units
    assert u["unit_id"].is_unique and set(u["unit_id"]) == set(old.members["unit_id"]) | set(new.members["unit_id"])
    in_old = u[u["unit_id"].isin(old.members["unit_id"])]
    assert len(in_old) == len(old.members) and in_old["status"].isin(["unchanged", "moved", "removed"]).all()
    assert sorted(d.areas["old_area_id"].dropna()) == sorted(old.areas["area_id"])
    assert sorted(d.areas["new_area_id"].dropna()) == sorted(new.areas["area_id"])
    n = d.counts()
    assert n["split"] >= 1 and n["added"] >= 1 and n["moved_units"] >= 1  # smaller areas: some split
    assert n["moved_units"] == len(d.moved) and "moved" in res.output
    # an unchanged area keeps every one of its units
    unchanged = d.areas[d.areas["change"] == "unchanged"]
    kept = set(old.members.loc[old.members["area_id"].isin(unchanged["old_area_id"]), "unit_id"])
    assert u.loc[u["unit_id"].isin(kept), "status"].eq("unchanged").all()
    # deltas: per street and total, new − old of the two summaries
    t = d.deltas.set_index("street")
    so, sn = old.summary().set_index("street"), new.summary().set_index("street")
    for k in ("areas", "households_in_areas", "households_absorbed", "households_remaining", "new_fence_m",
              "cost_yuan", "areas_over_cap"):
        assert t[f"{k}_delta"].tolist() == pytest.approx((sn[k] - so[k]).reindex(t.index).tolist(), abs=0.01)
        assert t[f"{k}_delta"].drop("合计").sum() == pytest.approx(t.loc["合计", f"{k}_delta"], abs=0.05)
    into = u.loc[u["to_outcome"] == "area", "households_new"].sum()
    out_of = u.loc[u["from_outcome"] == "area", "households_old"].sum()
    assert t.loc["合计", "households_in_areas_delta"] == into - out_of
    wb = openpyxl.load_workbook(tmp / "diff.xlsx")
    total = [c.value for c in list(wb["汇总"].iter_rows())[-1]]
    cost = [c.value for c in wb["汇总"][1]].index("估算造价（元）（增减）")
    assert total[0] == "合计" and total[cost] == pytest.approx(t.loc["合计", "cost_yuan_delta"])
    assert len(list(wb["单元变动"].iter_rows())) == n["moved_units"] + 1


def test_the_planners_loop_is_reachable_from_the_package_and_named_in_the_cli_docstring():
    import zy_geo
    import zy_geo.cli

    assert {"diff_proposals", "Decisions"} <= set(zy_geo.__all__)
    assert zy_geo.diff_proposals is diff_proposals and zy_geo.Decisions is Decisions
    assert [name for name in cli.commands if f"``{name}``" not in zy_geo.cli.__doc__] == []
