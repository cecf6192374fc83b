"""Edits made to a proposal in QGIS come back as locks: tiny cities whose answer can be said in a sentence."""

import contextlib
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Polygon, box

from zy_geo import InputError, ZyGeoWarning
from zy_geo.areas import Apart, Decisions, propose_areas
from zy_geo.areas.edits import geometry_sha, read_edits
from zy_geo.cli import cli
from zy_geo.config import Settings
from zy_geo.diff import diff_proposals
from zy_geo.errors import DataRepairWarning

from .tiny_city import CRS, area_of, check_one_outcome_each, compounds, river, street, u

CITY = Path(__file__).resolve().parents[1] / "outputs" / "bench" / "scale_1" / "city.gpkg"


def _written(tmp_path, c, name="proposals.gpkg", **kw):
    """Propose on the compounds and write the GeoPackage a planner would open in QGIS."""
    r = propose_areas(c, streets=kw.pop("streets", street()), **kw)
    return r, r.to_gpkg(tmp_path / name)


def _edit(path, layer, change):
    """What a planner does in QGIS: change a layer and save it (the other layers stay)."""
    gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    gdf = change(gdf)
    gdf.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def _setting(key_col, key, col, value):
    """A planner's edit in QGIS: ``col`` set to ``value`` on the feature whose ``key_col`` is ``key``."""
    def change(gdf):
        gdf.loc[gdf[key_col] == key, col] = value
        return gdf
    return change


def _move(unit, area):
    return _setting("unit_id", unit, "area_id", area)


# --- what a planner edits stays edited ----------------------------------------------------------------------------

def test_a_unit_moved_in_the_edited_file_stays_moved_after_re_solve(tmp_path):
    # a and b 20 m apart form one area; c stands alone 300 m away. The planner moves b into c's area.
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (400, 0, 460, 60)], [100, 100, 100])
    first, path = _written(tmp_path, c)
    assert first.areas["unit_ids"].tolist() == [[u(1), u(2)], [u(3)]]
    ab, cc = first.areas["area_id"].tolist()
    _edit(path, "members", _move(u(2), cc))
    r = propose_areas(c, streets=street(), edits=read_edits(path))
    assert area_of(r) == {u(1): ab, u(2): cc, u(3): cc}
    areas = r.areas.set_index("area_id")
    assert areas.loc[cc, "unit_ids"] == [u(2), u(3)] and areas.loc[ab, "unit_ids"] == [u(1)]
    assert set(areas["origin"]) == {"planner"} and set(r.members["origin"]) == {"planner"}
    assert areas.loc[cc, "decision"] == areas.loc[ab, "decision"] == "edit: unit moved"
    assert "edit:moved" in areas.loc[cc, "bound_by"].split(",")
    members = r.members.set_index("unit_id")
    assert members.loc[u(2), "decision"] == "edit: unit moved" and members.loc[u(3), "decision"] == "edit: locked"
    assert areas.loc[cc, "geometry"].covers(c.geometry.iloc[1])  # the boundary follows the members again
    assert areas.loc[cc, "households"] == 200
    check_one_outcome_each(r, c)
    # the diff of the two proposals counts the moved unit
    d = diff_proposals(first, r)
    assert d.moved["unit_id"].tolist() == [u(2)]


def test_an_untouched_file_locks_every_area_with_the_same_figures(tmp_path):
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (400, 0, 460, 60), (900, 0, 920, 20)], [100, 100, 100, 20])
    first, path = _written(tmp_path, c)
    r = propose_areas(c, streets=street(), edits=path)
    cols = ["area_id", "unit_ids", "perimeter_m", "new_fence_m", "gates", "cameras", "cost_yuan"]
    pd.testing.assert_frame_equal(r.areas[cols], first.areas[cols])
    assert set(r.areas["origin"]) == {"planner"} and set(r.areas["decision"]) == {"edit: locked"}
    assert r.members.set_index("unit_id").loc[u(4), ["outcome", "origin"]].tolist() == ["remainder", "zy_geo"]
    assert not diff_proposals(first, r).has_changes


def test_a_deleted_areas_units_are_solved_again_and_new_ids_do_not_clash(tmp_path):
    # {a, b} and {c, d} are two areas; the planner deletes the second; zy_geo solves c and d again, and the
    # area it makes of them may not take the id the planner's area keeps (A001)
    c = compounds([(400, 0, 460, 60), (480, 0, 540, 60), (0, 0, 60, 60), (80, 0, 140, 60)], [60] * 4)
    first, path = _written(tmp_path, c)
    assert first.areas["unit_ids"].tolist() == [[u(1), u(2)], [u(3), u(4)]]
    kept, gone = first.areas["area_id"].tolist()
    assert kept == "512002001-A001"
    _edit(path, "areas", lambda a: a[a["area_id"] != gone])
    edits = read_edits(path)
    assert edits.deleted == {gone: (u(3), u(4))} and edits.free == {u(3): "area_deleted", u(4): "area_deleted"}
    assert [p.code for p in edits.problems] == ["area_deleted"]
    r = propose_areas(c, streets=street(), edits=edits)
    areas = r.areas.set_index("area_id")
    assert areas.loc[kept, "unit_ids"] == [u(1), u(2)] and areas.loc[kept, "origin"] == "planner"
    solved = areas[areas["origin"] == "zy_geo"]
    assert solved["unit_ids"].tolist() == [[u(3), u(4)]] and solved.index.tolist() == ["512002001-A002"]
    assert solved["decision"].tolist() == [""]
    assert r.members.set_index("unit_id").loc[u(3), "origin"] == "zy_geo"
    assert "编辑" in r.xlsx_sheets()
    check_one_outcome_each(r, c)


def test_an_area_left_without_members_is_deleted_with_a_warning(tmp_path):
    c = compounds([(0, 0, 60, 60), (400, 0, 460, 60)], [100, 100])
    first, path = _written(tmp_path, c)
    a1, a2 = first.areas["area_id"].tolist()
    _edit(path, "members", _move(u(2), a1))
    with pytest.warns(ZyGeoWarning, match=rf"area {a2} \(feature fid 2\) has no member unit left: treated as deleted"):
        edits = read_edits(path)
    assert edits.deleted == {a2: ()} and [a.area_id for a in edits.areas] == [a1]


# --- a redrawn boundary -----------------------------------------------------------------------------------------

def _redraw(area_id, geometry):
    return _setting("area_id", area_id, "geometry", geometry)


def test_a_square_boundary_redrawn_10m_wider_is_priced_to_the_hand_computed_fence(tmp_path):
    # an open 100 m square compound, no roads, no walls: zy_geo's fence stands 2 m out (104 m square, 416 m)
    c = compounds([(0, 0, 100, 100)], [300])
    first, path = _written(tmp_path, c)
    assert first.areas["perimeter_m"].tolist() == [416.0]
    wider = first.areas.geometry.iloc[0].buffer(10, join_style="mitre")  # the 124 m square
    _edit(path, "areas", _redraw(first.areas["area_id"].iloc[0], wider))
    edits = read_edits(path)
    assert edits.areas[0].redrawn is True
    r = propose_areas(c, streets=street(), edits=edits)
    area = r.areas.iloc[0]
    assert area["perimeter_m"] == area["new_fence_m"] == 496.0  # 4 × 124 m
    assert (area["vehicle_gates"], area["pedestrian_gates"], area["cameras"]) == (1, 0, 11)  # 2 at the gate + ⌈496/60⌉
    p = Settings().prices
    assert area["cost_yuan"] == pytest.approx(496 * p.fence_per_m_yuan + p.gate_house_yuan + p.barrier_gate_yuan
                                              + 11 * p.camera_yuan) == 76_180
    assert area.geometry.equals(wider)
    assert area["decision"] == "edit: boundary redrawn" and area["edit_problem"] == ""
    assert {"edit:locked", "edit:redrawn"} <= set(area["bound_by"].split(","))
    assert area["over_cap"]


def test_a_redrawn_boundary_along_a_wall_and_across_a_local_road_gets_the_wall_and_a_gate(tmp_path):
    # a walled compound: where the drawn line runs along its wall no fence is needed; a local road makes a gate
    c = compounds([(0, 0, 100, 100)], [300])
    c["walled"] = True
    roads = gpd.GeoDataFrame({"road_class": ["local"]}, geometry=[shapely.LineString([(150, -50), (150, 150)])],
                             crs=CRS)
    first, path = _written(tmp_path, c, roads=roads, params=None)
    drawn = box(-2, -2, 200, 102)  # the wall's west, south and north sides, then out east across the road
    _edit(path, "areas", _redraw(first.areas["area_id"].iloc[0], drawn))
    from zy_geo.areas.config import ProposalParams

    r = propose_areas(c, streets=street(), roads=roads, params=ProposalParams(crossable=("local", "path")),
                      edits=path)
    area = r.areas.iloc[0]
    assert area["perimeter_m"] == pytest.approx(2 * 202 + 2 * 104)
    # along the west wall, and the south and north sides as far as they run within 3.5 m of the wall
    assert area["existing_wall_m"] == pytest.approx(104 + 2 * (102 + np.sqrt(3.5**2 - 2**2)), abs=0.1)
    assert area["vehicle_gates"] == 2  # the road crosses the drawn line twice (south and north), 104 m apart


def test_the_command_line_says_a_warning_in_one_line_without_python_source(tmp_path):
    x0, y0 = 462_000, 3_330_000  # in Ziyang: a city file is checked against its CRS
    c, water, streets = (g.set_geometry(g.translate(x0, y0)) for g in (compounds([(0, 0, 100, 100)], [300]),
                                                                         river(130, 170), street()))
    city = tmp_path / "city.gpkg"
    for layer, gdf in (("compounds", c), ("streets", streets), ("rivers", water)):
        gdf.to_file(city, layer=layer, engine="pyogrio")
    first, path = _written(tmp_path, c, rivers=water, streets=streets)
    over_the_river = box(x0 - 12, y0 - 12, x0 + 200, y0 + 112)
    _edit(path, "areas", _redraw(first.areas["area_id"].iloc[0], over_the_river))
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # as outside the test suite, which turns warnings into errors
        res = CliRunner().invoke(cli, ["propose", str(city), "--edits", str(path), "--out", str(tmp_path / "n.gpkg")])
    assert res.exit_code == 0, res.output
    assert "warning: the edited proposal `proposals.gpkg` was taken with 1 warning(s)" in res.output
    assert "crosses a river" in res.output
    assert ".py:" not in res.output and "ZyGeoWarning" not in res.output and "_bind_edits" not in res.output


def test_a_redrawn_boundary_across_a_river_is_reported_not_fixed(tmp_path):
    c = compounds([(0, 0, 100, 100)], [300])
    water = river(130, 170)
    first, path = _written(tmp_path, c, rivers=water)
    drawn = box(-12, -12, 200, 112)  # over the river
    _edit(path, "areas", _redraw(first.areas["area_id"].iloc[0], drawn))
    with pytest.warns(ZyGeoWarning, match=r"redrawn boundary of area 512002001-A001 \(layer areas, feature fid 1\) "
                                          r"crosses a river"):
        r = propose_areas(c, streets=street(), rivers=water, edits=path)
    area = r.areas.iloc[0]
    assert area.geometry.equals(drawn)  # as drawn, not clipped
    assert area["perimeter_m"] == pytest.approx(2 * 212 + 2 * 124)
    assert "河流" in area["edit_problem"] and "edit:problem" in area["bound_by"]
    assert [p.code for p in r.problems if p.severity == "warning"] == ["boundary_across"]
    book = openpyxl.load_workbook(r.to_xlsx(tmp_path / "new_summary.xlsx"))
    sheet = book["编辑问题"]
    assert [c.value for c in sheet[1]][:3] == ["级别", "文件", "图层"] and sheet["A2"].value == "警告"
    assert book["管理区域"]["A1"].value == "区域编号"


def test_a_redrawn_boundary_that_leaves_a_member_outside_is_reported(tmp_path):
    c = compounds([(0, 0, 100, 100), (110, 0, 160, 100)], [100, 100])
    first, path = _written(tmp_path, c)
    assert len(first.areas) == 1
    _edit(path, "areas", _redraw(first.areas["area_id"].iloc[0], box(-2, -2, 140, 102)))
    with pytest.warns(ZyGeoWarning, match=rf"leaves members outside: {u(2)} \(60% inside\)"):
        r = propose_areas(c, streets=street(), edits=path)
    assert "成员未全部在重绘边界内" in r.areas["edit_problem"].iloc[0]


def test_a_boundary_that_is_not_a_valid_polygon_is_repaired_with_a_warning_or_refused(tmp_path):
    c = compounds([(0, 0, 100, 100), (400, 0, 500, 100)], [300, 300])
    first, path = _written(tmp_path, c)
    a1, a2 = first.areas["area_id"].tolist()
    spike = Polygon([(-12, -12), (112, -12), (112, 112), (50, 112), (50, 150), (50, 112), (-12, 112)])
    assert not spike.is_valid
    _edit(path, "areas", _redraw(a1, spike))
    with pytest.warns(DataRepairWarning, match=rf"boundary of area {a1} \(feature fid 1\) was not a valid polygon"):
        edits = read_edits(path)
    assert edits.areas[0].geometry.is_valid and edits.areas[0].redrawn
    bowtie = Polygon([(390, -10), (510, 110), (510, -10), (390, 110)])  # two triangles meeting in a point
    _edit(path, "areas", _redraw(a2, bowtie))
    with pytest.raises(InputError, match=rf"area {a2} \(feature fid 2\) has a boundary in 2 separate parts"):
        read_edits(path)
    _edit(path, "areas", _redraw(a2, None))
    with pytest.raises(InputError, match=rf"area {a2} \(feature fid 2\) has no boundary.*delete the feature"):
        read_edits(path)


def test_a_file_without_hashes_is_compared_within_the_tolerance(tmp_path):
    # an older file: no geom_sha. Unchanged boundaries are no redraw; one drawn 10 m wider is
    c = compounds([(0, 0, 100, 100), (400, 0, 500, 100)], [300, 300])
    first, path = _written(tmp_path, c)
    _edit(path, "areas", lambda a: a.drop(columns="geom_sha"))
    r = propose_areas(c, streets=street(), edits=path)
    assert r.areas["decision"].tolist() == ["edit: locked"] * 2
    a2 = first.areas["area_id"].iloc[1]
    _edit(path, "areas", _redraw(a2, first.areas.geometry.iloc[1].buffer(10, join_style="mitre")))
    r = propose_areas(c, streets=street(), edits=path)
    assert r.areas["decision"].tolist() == ["edit: locked", "edit: boundary redrawn"]
    assert read_edits(path, original=first).areas[1].redrawn is True  # with the original: compared with it


def test_geometry_hash_survives_the_round_trip_and_tells_a_moved_vertex():
    g = box(0, 0, 104.123456, 50)
    assert geometry_sha(g) == geometry_sha(shapely.from_wkb(shapely.to_wkb(g)))
    assert geometry_sha(g) == geometry_sha(shapely.reverse(g))  # vertex order does not matter
    assert geometry_sha(g) != geometry_sha(box(0, 0, 104.13, 50))
    assert geometry_sha(np.array([g, None], dtype=object)).tolist()[1] is None


# --- bad input ----------------------------------------------------------------------------------------------

def test_a_unit_placed_in_two_areas_is_an_error_naming_both_features(tmp_path):
    c = compounds([(0, 0, 60, 60), (400, 0, 460, 60)], [100, 100])
    first, path = _written(tmp_path, c)
    a1, a2 = first.areas["area_id"].tolist()

    def twice(m):
        extra = m[m["unit_id"] == u(1)].assign(area_id=a2)
        return pd.concat([m, extra], ignore_index=True)

    _edit(path, "members", twice)
    with pytest.raises(InputError, match=rf"unit {u(1)} is placed in two areas: features fid 1 \({a1}\) and fid 3 "
                                         rf"\({a2}\).*keep one feature"):
        read_edits(path)


def test_a_lock_that_contradicts_a_decision_is_an_error_naming_both(tmp_path):
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [50, 50])
    first, path = _written(tmp_path, c)
    assert first.areas["unit_ids"].tolist() == [[u(1), u(2)]]
    d = Decisions(apart=[Apart((u(1), u(2)), reason="居民不同意合并")])
    with pytest.raises(InputError, match=r"area 512002001-A001 \(layer areas, feature fid 1\) holds .* but a decision "
                                         r"keeps them apart \(apart: 居民不同意合并\).*\[\[proposal.apart\]\]"):
        propose_areas(c, streets=street(), edits=path, decisions=d)
    with pytest.raises(InputError, match=r"exclude takes it out of the programme \(拟拆迁\)"):
        propose_areas(c, streets=street(), edits=path, decisions=Decisions(exclude={u(2): "拟拆迁"}))
    c3 = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (600, 0, 660, 60)], [50, 50, 100])
    with pytest.raises(InputError, match=r"holds 512002001-0001 but not 512002001-0003 free, while a decision puts"):
        propose_areas(c3, streets=street(), edits=path, decisions=Decisions(together=[[u(1), u(3)]]))


def test_another_citys_file_is_refused(tmp_path):
    c = compounds([(0, 0, 60, 60), (400, 0, 460, 60)], [100, 100])
    _, path = _written(tmp_path, c)
    # other ids
    other = c.assign(compound_id=["510100-1", "510100-2"])
    with pytest.raises(InputError, match=r"is not a proposal of this city: 2 of its 2 units .* are not units of it"):
        propose_areas(other, streets=street(), edits=path)
    # the same ids, elsewhere
    far = c.set_geometry(c.translate(5000, 0))
    with pytest.raises(InputError, match=r"only 0 of its 2 units lie where this city has the units of those ids"):
        propose_areas(far, streets=street(-500, -500, 7000, 500), edits=path)
    # another CRS
    for layer in ("areas", "members"):
        _edit(path, layer, lambda g: g.set_crs("EPSG:4549", allow_override=True))
    with pytest.raises(InputError, match=r"is in EPSG:4549 but the city is read in EPSG:4544.*--metric-crs EPSG:4549"):
        propose_areas(c, streets=street(), edits=path)


def test_a_file_of_another_tool_or_version_names_the_layer_and_column(tmp_path):
    c = compounds([(0, 0, 60, 60)], [100])
    _, path = _written(tmp_path, c)
    _edit(path, "members", lambda m: m.drop(columns="area_id"))
    with pytest.raises(InputError, match=r"layer members has no column area_id .* not written by this version"):
        read_edits(path)
    city = tmp_path / "city.gpkg"
    c.to_file(city, layer="compounds")
    street().to_file(city, layer="streets")
    with pytest.raises(InputError, match=r"missing \['areas', 'members'\]\). It is a city GeoPackage"):
        read_edits(city)
    with pytest.raises(InputError, match="does not exist"):
        read_edits(tmp_path / "nowhere.gpkg")


def test_ids_that_no_longer_exist_in_the_city_are_named_with_the_closest(tmp_path):
    c = compounds([(0, 0, 60, 60), (80, 0, 140, 60), (400, 0, 460, 60)], [50, 50, 100])
    _, path = _written(tmp_path, c)
    gone = c[c["compound_id"] != u(2)]
    with pytest.raises(InputError, match=rf"feature fid 2: unit {u(2)} of area 512002001-A001 is no longer a unit of "
                                         rf"this city \(closest: .*{u(1)}"):
        propose_areas(gone, streets=street(), edits=path)


def test_an_area_id_missing_or_drawn_twice_is_named(tmp_path):
    c = compounds([(0, 0, 60, 60), (400, 0, 460, 60)], [100, 100])
    _, path = _written(tmp_path, c)
    _edit(path, "areas", lambda a: pd.concat([a, a.iloc[[0]], a.iloc[[1]].assign(area_id=None)], ignore_index=True))
    with pytest.raises(InputError) as err:
        read_edits(path)
    assert "area 512002001-A001 is drawn twice: features fid 1 and fid 3" in str(err.value)
    assert "feature fid 4 has no area_id" in str(err.value)


def test_every_unit_ends_in_exactly_one_outcome_whatever_is_deleted_or_moved(tmp_path):
    rng = np.random.default_rng(7)
    boxes = [(x, y, x + 40, y + 40) for x in range(0, 600, 60) for y in (0, 60, 300)]
    c = compounds(boxes, rng.integers(20, 120, len(boxes)).tolist())
    first, path = _written(tmp_path, c)
    ids = first.areas["area_id"].tolist()
    units = first.members["unit_id"].tolist()
    for seed in range(4):
        r = np.random.default_rng(seed)
        drop = set(r.choice(ids, size=len(ids) // 3, replace=False))
        keep = [a for a in ids if a not in drop]
        moved = {u: r.choice(keep) for u in r.choice(units, size=5, replace=False)}
        edited = tmp_path / f"edited_{seed}.gpkg"
        edited.write_bytes(path.read_bytes())
        _edit(edited, "areas", lambda a, drop=drop: a[~a["area_id"].isin(drop)])
        _edit(edited, "members", lambda m, moved=moved: m.assign(area_id=[moved.get(u, a) for u, a in
                                                                            zip(m["unit_id"], m["area_id"],
                                                                                strict=True)]))
        with pytest.warns(ZyGeoWarning) if _empties(edited) else contextlib.nullcontext():
            res = propose_areas(c, streets=street(-500, -500, 1500, 800), edits=edited)
        check_one_outcome_each(res, c)
        area = area_of(res)
        assert all(area[u] == a for u, a in moved.items())


def _empties(path):
    a = gpd.read_file(path, layer="areas", engine="pyogrio")
    m = gpd.read_file(path, layer="members", engine="pyogrio")
    return bool(set(a["area_id"]) - set(m["area_id"].dropna()))


# --- the sample, through the command line ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_city(tmp_path_factory):
    if CITY.exists():
        return CITY
    from zy_geo import generate_sample

    return generate_sample(tmp_path_factory.mktemp("edits_city"), scale=1)["city"]


def test_the_round_trip_on_the_sample_through_the_cli(sample_city, tmp_path):
    runner = CliRunner()
    first = tmp_path / "proposals.gpkg"
    res = runner.invoke(cli, ["propose", str(sample_city), "--out", str(first)])
    assert res.exit_code == 0, res.output
    areas = gpd.read_file(first, layer="areas", engine="pyogrio")
    members = gpd.read_file(first, layer="members", engine="pyogrio")
    # edit as a planner would: move a unit of a two-unit area to a neighbouring area of its street
    multi = areas[areas["n_units"] >= 2].iloc[0]
    unit = multi["unit_ids"].split("；")[0]
    near = areas[(areas["enclosure_id"] == multi["enclosure_id"]) & (areas["area_id"] != multi["area_id"])]
    target = near.iloc[near.distance(multi.geometry).argmin()]["area_id"]
    deleted = areas[(areas["street"] == multi["street"]) & ~areas["area_id"].isin([multi["area_id"], target])].iloc[0]
    redrawn = areas[~areas["area_id"].isin([multi["area_id"], target, deleted["area_id"]])
                    & (areas["n_units"] == 1)].iloc[0]
    edited = tmp_path / "edited.gpkg"
    edited.write_bytes(first.read_bytes())
    _edit(edited, "members", _move(unit, target))
    drawn = redrawn.geometry.buffer(5, join_style="mitre")
    _edit(edited, "areas", lambda a: _redraw(redrawn["area_id"], drawn)(a[a["area_id"] != deleted["area_id"]]))
    # --out may not be the edited file
    res = runner.invoke(cli, ["propose", str(sample_city), "--edits", str(edited), "--out", str(edited)])
    assert res.exit_code == 2 and "edited.gpkg" in res.output
    new = tmp_path / "new.gpkg"
    res = runner.invoke(cli, ["propose", str(sample_city), "--edits", str(edited), "--out", str(new)])
    assert res.exit_code == 0, res.output
    assert f"{len(areas) - 1} areas kept as the planner left them" in res.output
    assert edited.read_bytes() != new.read_bytes()
    out_areas = gpd.read_file(new, layer="areas", engine="pyogrio").set_index("area_id")
    out_members = gpd.read_file(new, layer="members", engine="pyogrio").set_index("unit_id")
    # the locks hold
    assert out_members.loc[unit, "area_id"] == target and out_members.loc[unit, "origin"] == "planner"
    assert unit in out_areas.loc[target, "unit_ids"].split("；")
    assert "edit: unit moved" in out_areas.loc[target, "decision"]
    assert "edit: boundary redrawn" in out_areas.loc[redrawn["area_id"], "decision"]
    assert out_areas.loc[redrawn["area_id"], "geometry"].equals_exact(drawn, 1e-6)
    assert out_areas.loc[redrawn["area_id"], "perimeter_m"] > redrawn["perimeter_m"]
    # the deleted area's units were solved again by zy_geo; every unit once
    freed = deleted["unit_ids"].split("；")
    assert set(out_members.loc[freed, "origin"]) == {"zy_geo"}
    assert len(out_members) == len(members) and out_members.index.is_unique
    kept = set(areas["area_id"]) - {deleted["area_id"]}
    assert set(out_areas.index[out_areas["origin"] == "planner"]) == kept
    # the diff of the two proposals counts the moved unit
    res = runner.invoke(cli, ["diff", str(first), str(new), "--out", str(tmp_path / "diff.xlsx")])
    assert res.exit_code == 0, res.output
    d = diff_proposals(first, new)
    assert unit in set(d.moved["unit_id"])
    assert set(d.moved["unit_id"]) <= {unit, *freed}


def test_the_enclosures_of_an_edited_proposal_serve_again_with_the_same_result(sample_city, tmp_path, monkeypatch):
    import dataclasses

    from geopandas.testing import assert_geodataframe_equal

    import zy_geo.areas.propose as propose_module
    from zy_geo import ProposalParams
    from zy_geo.io.read import read_city

    layers = read_city(sample_city)
    city = {k: layers.get(k) for k in ("streets", "buildings", "roads", "rivers", "rail")}
    first = propose_areas(layers["compounds"], **city)
    path = first.to_gpkg(tmp_path / "proposals.gpkg")
    gone = set(first.areas["area_id"].iloc[::3])  # the planner deletes one area in three
    _edit(path, "areas", lambda a: a[~a["area_id"].isin(gone)])
    computed = []
    real = propose_module.enclosures
    monkeypatch.setattr(propose_module, "enclosures", lambda *a, **k: computed.append(1) or real(*a, **k))

    reused = propose_areas(layers["compounds"], **city, edits=path)
    assert computed == []  # read back from the file
    again = propose_areas(layers["compounds"], **city, edits=dataclasses.replace(read_edits(path), path=None))
    assert computed  # computed as a fresh proposal does
    for a, b in ((reused.areas, again.areas), (reused.members, again.members), (reused.enclosures, again.enclosures)):
        assert_geodataframe_equal(a, b)
    assert reused.record["enclosures.digest"] == again.record["enclosures.digest"] == first.record["enclosures.digest"]

    # other rules, or the layer changed in QGIS: computed again
    computed.clear()
    propose_areas(layers["compounds"], **city, params=ProposalParams(crossable=("path", "local")), edits=path)
    assert computed
    computed.clear()
    _edit(path, "enclosures", lambda e: e.set_geometry(e.geometry.translate(0.01, 0)))
    propose_areas(layers["compounds"], **city, edits=path)
    assert computed
