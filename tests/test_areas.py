"""Management-area rules on tiny hand-built cities whose answer can be said in a sentence."""

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from zy_geo import InputError, ProposalParams, load_proposal_config
from zy_geo.areas.enclosures import enclosures
from zy_geo.areas.fencing import area_boundary, enclose
from zy_geo.areas.propose import propose_areas
from zy_geo.settings import Settings

CRS = "EPSG:4544"


def _compounds(boxes, hh, *, mode=None, walled=None, ids=None):
    n = len(boxes)
    return gpd.GeoDataFrame(
        {
            "compound_id": ids or [f"c{i}" for i in range(n)],
            "households": hh,
            "mode": mode or ["none"] * n,
            "kind": ["open"] * n,
            "walled": walled or [False] * n,
        },
        geometry=[box(*b) for b in boxes],
        crs=CRS,
    )


def _streets(*boxes, names=None):
    names = names or [f"街道{i}" for i in range(len(boxes))]
    return gpd.GeoDataFrame(
        {"street": names, "street_code": [f"S{i}" for i in range(len(boxes))], "body": ["雁江区"] * len(boxes)},
        geometry=[box(*b) for b in boxes],
        crs=CRS,
    )


def _partition_ok(result, compounds):
    m = result.members
    assert sorted(m["unit_id"]) == sorted(compounds.loc[compounds["mode"] == "none", "compound_id"])
    assert m["outcome"].isin(["area", "absorbed", "remainder"]).all()
    in_areas = [u for ids in result.areas["unit_ids"] for u in ids]
    assert len(in_areas) == len(set(in_areas))
    assert set(in_areas) == set(m.loc[m["outcome"] == "area", "unit_id"])
    assert result.areas["households"].sum() == m.loc[m["outcome"] == "area", "households"].sum()


def test_river_keeps_two_clusters_apart():
    # two pairs of squares 20 m apart within each pair; a 60 m river between the pairs
    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60), (200, 0, 260, 60), (280, 0, 340, 60)], [60] * 4)
    rivers = gpd.GeoDataFrame({"name": ["沱江"]}, geometry=[box(150, -200, 190, 300)], crs=CRS)
    r = propose_areas(c, streets=_streets((-100, -100, 450, 200)), rivers=rivers,
                      params=ProposalParams(max_gap_m=100))
    assert r.areas["unit_ids"].tolist() == [["c0", "c1"], ["c2", "c3"]]
    assert "barrier" in r.areas["bound_by"].iloc[0]
    assert not r.areas.geometry.intersects(rivers.geometry.iloc[0].buffer(-0.01)).any()
    _partition_ok(r, c)


def test_street_line_is_never_crossed():
    # identical squares 20 m apart, but the street boundary runs between them at x=70
    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [100, 100])
    streets = _streets((-100, -100, 70, 200), (70, -100, 300, 200))
    r = propose_areas(c, streets=streets)
    assert len(r.areas) == 2
    assert sorted(r.areas["street"]) == ["街道0", "街道1"]
    for _, a in r.areas.iterrows():
        s = streets.loc[streets["street"] == a["street"]].geometry.iloc[0]
        assert s.buffer(0.01).covers(a.geometry)


def test_arterial_is_a_barrier_but_a_crossable_local_road_costs_a_gate():
    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [60, 60])
    road = LineString([(70, -100), (70, 200)])
    for road_class, n_areas in (("arterial", 0), ("local", 1)):
        roads = gpd.GeoDataFrame({"road_class": [road_class]}, geometry=[road], crs=CRS)
        params = ProposalParams(crossable=("path", "local"))
        r = propose_areas(c, streets=_streets((-100, -100, 300, 200)), roads=roads, params=params)
        assert len(r.areas) == n_areas, road_class
        if n_areas:
            assert r.areas["vehicle_gates"].iloc[0] == 2  # the local road enters and leaves
        else:
            assert set(r.members["outcome"]) == {"remainder"}
            assert all("隔开" in s for s in r.remainders["reason"])


def test_group_over_household_maximum_is_split():
    # a row of six 100-household compounds 10 m apart; max 300 per area → two areas of 300
    boxes = [(i * 70, 0, i * 70 + 60, 60) for i in range(6)]
    c = _compounds(boxes, [100] * 6)
    r = propose_areas(c, streets=_streets((-50, -50, 500, 150)),
                      params=ProposalParams(max_households=300, min_households=50, respect_cost_cap=False))
    assert sorted(r.areas["households"]) == [300, 300]
    assert all("max_households" in b for b in r.areas["bound_by"])
    _partition_ok(r, c)


def test_exact_partition_covers_what_nearest_first_strands():
    # A (100 households), B (40), C (40) in a row, A–B 10 m apart, B–C 12 m; at most 150 per area.
    # Nearest first pairs A+B (140) and strands C (40, too small); A alone + B+C (80) covers everyone.
    c = _compounds([(0, 0, 60, 60), (70, 0, 100, 30), (112, 0, 142, 30)], [100, 40, 40])
    kw = {"streets": _streets((-100, -100, 400, 200))}
    limits = {"max_households": 150, "min_households": 80, "respect_cost_cap": False}
    exact = propose_areas(c, **kw, params=ProposalParams(**limits))
    greedy = propose_areas(c, **kw, params=ProposalParams(**limits, exact_max_units=0))
    assert sorted(map(tuple, exact.areas["unit_ids"])) == [("c0",), ("c1", "c2")]
    assert exact.remainders.empty
    assert greedy.areas["unit_ids"].tolist() == [["c0", "c1"]]
    assert greedy.remainders["unit_id"].tolist() == ["c2"]
    _partition_ok(exact, c)


def test_coverage_weight_zero_leaves_out_a_neighbour_that_costs_more_fence_to_join():
    # a 10-household building 50 m from a 100-household compound: bridging the gap needs more fence
    # than enclosing the building on its own
    c = _compounds([(0, 0, 60, 60), (110, 0, 120, 10)], [100, 10])
    kw = {"streets": _streets((-100, -100, 400, 200))}
    joined = propose_areas(c, **kw)
    assert joined.areas["unit_ids"].tolist() == [["c0", "c1"]]
    fence_first = propose_areas(c, **kw, params=ProposalParams(coverage_weight_m=0))
    assert fence_first.areas["unit_ids"].tolist() == [["c0"]]
    reason = fence_first.remainders.set_index("unit_id").loc["c1", "reason"]
    assert "围挡多于单独围合" in reason
    alone = enclose([c.geometry.iloc[1]], walled=[False], settings=Settings()).new_fence_m
    assert joined.areas["new_fence_m"].iloc[0] > fence_first.areas["new_fence_m"].iloc[0] + alone


def _objective(r):
    """(households in areas, new fence of the areas + of every remainder enclosed alone)."""
    enc = r.enclosures.set_index("enclosure_id").geometry
    rem = r.remainders
    alone = sum(enclose([g], walled=[w], settings=Settings(), within=enc.get(e)).new_fence_m
                for g, w, e in zip(rem.geometry, rem["walled"], rem["enclosure_id"], strict=True))
    return int(r.areas["households"].sum()), float(r.areas["new_fence_m"].sum() + alone)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.floats(0, 400), st.floats(0, 400), st.integers(5, 150)), min_size=2, max_size=9),
       st.integers(100, 300))
def test_exact_partition_is_never_worse_than_nearest_first(spec, max_hh):
    c = _compounds([(x, y, x + 25, y + 25) for x, y, _ in spec], [h for *_, h in spec])
    kw = {"streets": _streets((-50, -50, 500, 500))}
    limits = {"max_households": max_hh, "min_households": 80, "respect_cost_cap": False}
    covered_e, fence_e = _objective(propose_areas(c, **kw, params=ProposalParams(**limits)))
    covered_g, fence_g = _objective(propose_areas(c, **kw, params=ProposalParams(**limits, exact_max_units=0)))
    assert covered_e >= covered_g
    if covered_e == covered_g:
        assert fence_e <= fence_g + 0.5  # areas' figures are rounded to 0.1 m


def test_two_areas_under_the_cap_are_not_merged_into_one_over_it():
    # two 40 m squares 5 m apart, 100 households each: each alone costs ~41,600 yuan (under the 50,000 cap),
    # together ~51,800 (over it) although together they need less fence (266 m against 2 × 176 m)
    c = _compounds([(0, 0, 40, 40), (45, 0, 85, 40)], [100, 100])
    kw = {"streets": _streets((-100, -100, 300, 200))}
    apart = propose_areas(c, **kw)
    assert sorted(map(tuple, apart.areas["unit_ids"])) == [("c0",), ("c1",)]
    assert (apart.areas["cost_yuan"] <= 50_000).all()
    assert all("cost_cap" in b for b in apart.areas["bound_by"])
    together = propose_areas(c, **kw, params=ProposalParams(respect_cost_cap=False))
    assert together.areas["unit_ids"].tolist() == [["c0", "c1"]]
    assert together.areas["cost_yuan"].iloc[0] > 50_000
    assert together.areas["new_fence_m"].iloc[0] < apart.areas["new_fence_m"].sum()


def test_isolated_building_is_flagged_with_reason():
    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60), (1000, 1000, 1012, 1030)], [70, 70, 12])
    r = propose_areas(c, streets=_streets((-100, -100, 1200, 1200)))
    assert len(r.areas) == 1
    rem = r.remainders.set_index("unit_id")
    assert list(rem.index) == ["c2"]
    assert "孤立" in rem.loc["c2", "reason"]
    assert rem.loc["c2", "suggested_mode"] == "self_managed"
    _partition_ok(r, c)


def test_small_neighbour_absorbed_by_managed_compound():
    # a strip of houses along the managed compound's east wall, 10 m away
    c = _compounds([(0, 0, 100, 100), (110, 0, 125, 100)], [400, 20], mode=["professional", "none"],
                   walled=[True, False])
    r = propose_areas(c, streets=_streets((-100, -100, 500, 500)))
    assert r.members.set_index("unit_id").loc["c1", "absorbed_by"] == "c0"
    assert r.members["outcome"].tolist() == ["absorbed"]
    # moving the compound's fence out around the strip (north, east, south: ~160 m) needs less new
    # fence than enclosing the strip on its own (~250 m)
    m = r.members.iloc[0]
    own = enclose([c.geometry.iloc[1]], walled=[False], settings=Settings()).new_fence_m
    assert m["absorb_how"] == "extend"
    assert 0 < m["absorb_fence_m"] < own
    assert "外扩已管理小区围挡" in m["reason"]


def test_a_walled_neighbour_is_absorbed_inside_its_own_wall():
    c = _compounds([(0, 0, 100, 100), (150, 0, 170, 30)], [400, 20], mode=["professional", "none"],
                   walled=[True, True])
    m = propose_areas(c, streets=_streets((-100, -100, 500, 500))).members.iloc[0]
    assert m["outcome"] == "absorbed"
    assert (m["absorb_how"], m["absorb_fence_m"]) == ("own", 0)


def test_orphan_buildings_become_units():
    c = _compounds([(0, 0, 60, 60)], [90])
    b = gpd.GeoDataFrame({"building_id": ["b1", "b2", "b3"], "compound_id": [None, None, None],
                          "households": [12, 12, 12]},
                         geometry=[box(80, 0, 92, 30), box(100, 0, 112, 30), box(900, 900, 912, 930)], crs=CRS)
    r = propose_areas(c, streets=_streets((-100, -100, 1000, 1000)), buildings=b)
    assert r.areas["unit_ids"].tolist() == [["B:b1", "c0"]]
    assert r.remainders["unit_id"].tolist() == ["B:b3"]
    assert "孤立" in r.remainders["reason"].iloc[0]  # an isolated orphan building, flagged with its reason
    # façades of the grouped buildings on the boundary save fence
    assert r.areas["facade_m"].iloc[0] > 0


def test_existing_walls_reduce_new_fence():
    g = [box(0, 0, 100, 100)]
    s = Settings()
    open_ = enclose(g, walled=[False], settings=s)
    walled = enclose(g, walled=[True], settings=s)
    assert open_.new_fence_m == pytest.approx(416, abs=1)
    assert walled.new_fence_m < 0.05 * open_.new_fence_m
    assert walled.cost_yuan < open_.cost_yuan


def test_boundary_covers_members_and_stays_in_enclosure():
    members = [box(0, 0, 50, 50), box(60, 0, 110, 50), box(0, 60, 50, 110)]
    within = box(-3, -3, 200, 200)
    b = area_boundary(members, within=within)
    assert b.covers(box(0, 0, 50, 50)) and b.covers(box(60, 0, 110, 50))
    assert within.buffer(1e-6).covers(b)
    assert b.area < box(-2, -2, 112, 112).area  # tighter than the padded box


def test_deterministic_for_same_inputs():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 2000, size=(80, 2))
    c = _compounds([(x, y, x + 30, y + 30) for x, y in xy], rng.integers(10, 200, 80).tolist())
    kw = {"streets": _streets((-100, -100, 2200, 2200))}
    a, b = propose_areas(c, **kw), propose_areas(c, **kw)
    assert a.areas.drop(columns="geometry").equals(b.areas.drop(columns="geometry"))
    assert a.members["outcome"].tolist() == b.members["outcome"].tolist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.floats(0, 1500), st.floats(0, 1500), st.integers(1, 400)), min_size=1, max_size=40),
    st.integers(50, 300), st.floats(10, 120),
)
def test_every_unmanaged_household_has_exactly_one_outcome(spec, max_hh, gap):
    c = _compounds([(x, y, x + 25, y + 25) for x, y, _ in spec], [h for *_, h in spec])
    params = ProposalParams(max_gap_m=gap, max_households=max(max_hh, 400), min_households=50)
    r = propose_areas(c, streets=_streets((-50, -50, 800, 1600), (800, -50, 1600, 1600)), params=params)
    _partition_ok(r, c)
    assert r.areas["households"].le(params.max_households).all()
    assert r.members["households"].sum() == c["households"].sum()


def test_config_per_street_and_errors(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[proposal]\nmax_gap_m = 40\ncrossable = ["path", "local"]\n'
                 '[proposal.streets."莲花街道"]\nmax_households = 800\n[prices]\nfence_per_m_yuan = 200\n',
                 encoding="utf-8")
    params, per_street, s = load_proposal_config(f)
    assert params.max_gap_m == 40.0 and params.crossable == ("path", "local")
    assert per_street["莲花街道"].max_households == 800 and per_street["莲花街道"].max_gap_m == 40.0
    assert s.prices.fence_per_m_yuan == 200.0
    f.write_text('[proposal]\nmax_gapm = 40\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[proposal\]: max_gapm is an unknown setting \(did you mean max_gap_m\?\)"):
        load_proposal_config(f)
    with pytest.raises(InputError, match="arterial roads can never be crossed"):
        ProposalParams(crossable=("arterial",))


@pytest.mark.parametrize(
    ("text", "match"),
    [("[proposals]\nmax_gap_m = 40\n", r"\[proposals\]: unknown section \(did you mean \[proposal\]\?\)"),
     ("[price]\nfence_per_m_yuan = 1\n", r"\[price\]: unknown section \(did you mean \[prices\]\?\)"),
     ('[proposal]\ncrossable = ["lcoal", "path"]\n', r"unknown road class\(es\) \['lcoal'\]"),
     ("[proposal]\nmin_households = -5\n", r"\[proposal\]: min_households must be ≥ 1, found -5"),
     ("[proposal]\nabsorb_max_households = -1\n", "absorb_max_households must be ≥ 0"),
     ("[proposal]\nhull_ratio = 7\n", "hull_ratio must be between 0"),
     ("[prices]\nfence_per_m_yuan = -80\n", r"\[prices\]: fence_per_m_yuan must be ≥ 0, found -80\."),
     ('[proposal.streets."莲花街道"]\nmin_households = 2000\n',
      r'\[proposal.streets."莲花街道"\]: min_households \(2000\) is above max_households'),
     ('[proposal.streets."莲花街道"]\norphan_gap_m = 500\n', r"apply to the whole city.*\[proposal\] instead")],
)
def test_config_mistakes_are_errors_that_say_where(tmp_path, text, match):
    # each of these used to be ignored or to give the default result (or a GEOS traceback)
    f = tmp_path / "p.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match) as err:
        load_proposal_config(f)
    assert "p.toml" in str(err.value)


def test_enclosures_drop_river_and_split_by_rail():
    streets = _streets((0, 0, 1000, 1000))
    rivers = gpd.GeoDataFrame({"name": ["沱江"]}, geometry=[box(450, 0, 550, 1000)], crs=CRS)
    rail = gpd.GeoDataFrame({"name": ["成渝铁路"]}, geometry=[LineString([(0, 500), (1000, 500)])], crs=CRS)
    enc = enclosures(streets, rivers=rivers, rail=rail)
    assert len(enc) == 4
    assert enc.area.sum() == pytest.approx(900_000)
    assert enc["enclosure_id"].is_unique


def test_exports_gpkg_layers_and_chinese_summary(tmp_path):
    import openpyxl
    import pyogrio

    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60), (1000, 1000, 1012, 1030)], [70, 70, 12])
    r = propose_areas(c, streets=_streets((-100, -100, 1200, 1200)))
    path = r.to_gpkg(tmp_path / "p.gpkg")
    layers = dict(pyogrio.list_layers(path))
    # + QGIS styles and the record of how the proposal was made
    assert set(layers) == {"areas", "members", "remainders", "enclosures", "layer_styles", "zy_geo_record"}
    areas = gpd.read_file(path, layer="areas")
    assert areas.crs.to_epsg() == 4544 and areas["unit_ids"].tolist() == ["c0；c1"]
    x = r.to_xlsx(tmp_path / "p.xlsx")
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["汇总", "管理区域", "单元去向", "待处理", "参数"]
    header = [c.value for c in wb["汇总"][1]]
    assert header[:3] == ["街道（镇）", "单元数", "无物业户数"]
    last = [c.value for c in wb["汇总"][wb["汇总"].max_row]]
    assert last[0] == "合计" and last[2] == 152
    assert "<table>" in r._repr_html_() or "<table" in r._repr_html_()


def test_units_outside_every_street_are_flagged_not_crashing():
    # one unit in the street, an anchor and a unit outside every street polygon
    c = _compounds([(0, 0, 60, 60), (500, 0, 560, 60), (570, 0, 600, 30)], [100, 300, 20],
                   mode=["none", "professional", "none"])
    r = propose_areas(c, streets=_streets((-50, -50, 200, 200)))
    rem = r.remainders.set_index("unit_id")
    assert "c2" in rem.index and "不在任何街道" in rem.loc["c2", "reason"]
    _partition_ok(r, c)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 1000)), min_size=5, max_size=9),
       st.floats(350, 650), st.floats(-60, 60))
def test_an_arterial_across_an_irregular_street_always_cuts_it_in_two(corners, y, tilt):
    """A road that crosses a slanted street outline splits the street (no dangle a hair short of it)."""
    from shapely import convex_hull, multipoints

    poly = convex_hull(multipoints(np.asarray(corners, dtype=float) + 0.1234))
    road = LineString([(-100, y - tilt), (1100, y + tilt)])
    if poly.geom_type != "Polygon" or poly.area < 1e4 or len(poly.boundary.intersection(road).geoms if hasattr(
            poly.boundary.intersection(road), "geoms") else []) != 2:
        return  # the road must cross the outline twice
    halves = poly.difference(road.buffer(1e-6))
    if min(g.area for g in halves.geoms) < 10:
        return
    streets = gpd.GeoDataFrame({"street": ["甲街道"]}, geometry=[poly], crs="EPSG:4544")
    roads = gpd.GeoDataFrame({"road_class": ["arterial"]}, geometry=[road], crs="EPSG:4544")
    enc = enclosures(streets, roads=roads)
    assert len(enc) == 2
    assert enc.area.sum() == pytest.approx(poly.area, rel=1e-9)


def test_tiled_noding_gives_the_same_enclosures(monkeypatch):
    """A big street is noded tile by tile; the faces must be exactly those of noding it whole,
    also where a road runs exactly along a tile edge."""
    from shapely.geometry import Polygon

    from zy_geo.areas import enclosures as enclosures_module

    rng = np.random.default_rng(7)
    poly = Polygon([(0, 0), (1000, 40), (980, 1000), (30, 950)])
    lines = [LineString(rng.uniform(-50, 1050, (2, 2))) for _ in range(40)]
    n_side = 3  # what 40 lines + 4 outline pieces give with TILE_LINES = 5
    x_edge = np.linspace(0, 1000, n_side + 1)[1] + 0.1372
    lines.append(LineString([(x_edge, 100), (x_edge, 900)]))  # along a tile edge
    streets = gpd.GeoDataFrame({"street": ["甲街道"]}, geometry=[poly], crs=CRS)
    roads = gpd.GeoDataFrame({"road_class": ["arterial"] * len(lines)}, geometry=lines, crs=CRS)
    whole = enclosures(streets, roads=roads)
    monkeypatch.setattr(enclosures_module, "TILE_LINES", 5)
    tiled = enclosures(streets, roads=roads)
    assert len(whole) > 40
    assert len(tiled) == len(whole)
    assert sorted(tiled.area.round(3)) == sorted(whole.area.round(3))
    assert tiled["enclosure_id"].tolist() == whole["enclosure_id"].tolist()


def test_pricing_many_areas_at_once_equals_pricing_each():
    """enclose_many (one vectorised pass) gives each group the figures enclose gives it alone."""
    from zy_geo.areas.fencing import Surroundings, enclose_many

    groups = [[box(0, 0, 60, 40), box(70, 0, 130, 40)],            # two open compounds 10 m apart
              [box(300, 0, 380, 80)],                               # one walled compound
              [box(0, 200, 20, 230), box(25, 200, 45, 230), box(0, 240, 45, 260)]]  # orphan blocks
    walled = [[False, False], [True], [False, False, False]]
    within = [box(-50, -50, 200, 150), None, box(-50, 150, 200, 400)]
    buildings = np.array([box(10, 43, 50, 55), box(5, 5, 20, 35)], dtype=object)
    roads = gpd.GeoDataFrame({"road_class": ["local", "path"]},
                             geometry=[LineString([(100, -60), (100, 100)]), LineString([(22, 150), (22, 300)])],
                             crs=CRS)
    s = Settings()
    one_by_one = [enclose(g, walled=w, settings=s, within=e, roads=roads, buildings=buildings)
                  for g, w, e in zip(groups, walled, within, strict=True)]
    geoms = np.array([g for grp in groups for g in grp], dtype=object)
    group_of = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    at_once = enclose_many(geoms, group_of, walled=np.concatenate(walled), settings=s,
                           within=np.array(within, dtype=object), around=Surroundings.of_arrays(buildings, roads))
    for a, b in zip(one_by_one, at_once, strict=True):
        assert b.boundary.equals_exact(a.boundary, 1e-6)
        assert (b.perimeter_m, b.existing_wall_m, b.facade_m, b.new_fence_m) == pytest.approx(
            (a.perimeter_m, a.existing_wall_m, a.facade_m, a.new_fence_m))
        assert (b.vehicle_gates, b.pedestrian_gates, b.cameras, b.cost_yuan) == (
            a.vehicle_gates, a.pedestrian_gates, a.cameras, a.cost_yuan)
    assert at_once[0].vehicle_gates == 2  # each road crosses in and out
    assert at_once[2].pedestrian_gates == 2
    assert at_once[1].new_fence_m == 0  # a walled compound
    assert at_once[0].facade_m > 0  # a façade on the fence line


def test_a_unit_outside_every_street_is_never_an_area():
    # 200 households, enough for an area, but drawn outside the streets layer
    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60), (2000, 0, 2060, 60)], [60, 60, 200])
    r = propose_areas(c, streets=_streets((-100, -100, 500, 500)))
    assert r.areas["unit_ids"].tolist() == [["c0", "c1"]]
    rem = r.remainders.set_index("unit_id")
    assert "不在任何街道" in rem.loc["c2", "reason"]
    _partition_ok(r, c)


def test_neighbours_too_small_together_are_told_so():
    # two 28-household compounds 2 m apart: neighbours, but 56 < 80 households together
    c = _compounds([(0, 0, 30, 30), (32, 0, 62, 30)], [28, 28])
    r = propose_areas(c, streets=_streets((-100, -100, 500, 500)))
    assert r.areas.empty
    reason = r.remainders.set_index("unit_id").loc["c0", "reason"]
    assert "合计仅 56 户" in reason
    assert "最近 c1" in reason


def test_a_single_compound_over_the_maximum_says_so():
    c = _compounds([(0, 0, 200, 200)], [2500])
    r = propose_areas(c, streets=_streets((-100, -100, 500, 500)))
    a = r.areas.iloc[0]
    assert "max_households" in a["bound_by"]
    assert "超过上限 1200 户" in a["explanation"]


def test_area_ids_start_with_the_street_code_and_bad_streets_are_named():
    # a file's `code` column is named street_code at the door (read_city; see test_contracts), not here
    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60)], [60, 60])
    streets = _streets((-100, -100, 500, 500))
    r = propose_areas(c, streets=streets)
    assert r.areas["area_id"].tolist() == ["S0-A001"]
    assert r.members["street_code"].eq("S0").all()
    with pytest.raises(InputError, match="not in the streets layer"):
        propose_areas(c, streets=streets, street_params={"莲花街": ProposalParams()})
    with pytest.raises(InputError, match="no `street` column"):
        propose_areas(c, streets=streets.drop(columns="street"))
    with pytest.raises(InputError, match=r"no `street_code` column.*read_city"):
        propose_areas(c, streets=streets.rename(columns={"street_code": "code"}))


def test_summary_xlsx_speaks_chinese_and_lists_the_prices_used(tmp_path):
    import pandas as pd

    c = _compounds([(0, 0, 60, 60), (80, 0, 140, 60), (1000, 1000, 1012, 1030)], [70, 70, 12])
    r = propose_areas(c, streets=_streets((-100, -100, 1200, 1200)),
                      settings=Settings().replace(prices=Settings().prices.__class__(fence_per_m_yuan=120.0)))
    x = pd.read_excel(r.to_xlsx(tmp_path / "p.xlsx"), sheet_name=None)
    rem = x["待处理"].iloc[0]
    assert (rem["去向"], rem["建议管理方式"], rem["类型"], rem["来源"]) == ("暂不能合并（需另行处理）", "自行管理",
                                                                     "开放式小区", "小区图斑")
    assert x["管理区域"]["约束条件"].iloc[0] == "附近再无可合并单元"
    prices = x["参数"].set_index("参数")
    assert prices.loc["fence_per_m_yuan", "来源"] == "已修改"
    assert prices.loc["camera_yuan", "来源"].startswith("默认")
    assert prices.loc["max_households", "名称"] == "区域最多户数"


def test_an_empty_areas_layer_is_still_a_polygon_layer(tmp_path):
    import pyogrio

    c = _compounds([(0, 0, 30, 30)], [20])
    r = propose_areas(c, streets=_streets((-100, -100, 500, 500)))
    assert r.areas.empty
    layers = dict(pyogrio.list_layers(r.to_gpkg(tmp_path / "p.gpkg")))
    assert layers["areas"] == "MultiPolygon"


def test_an_area_crossed_only_by_a_footpath_still_has_its_vehicle_gate():
    roads = gpd.GeoDataFrame({"road_class": ["path"]}, geometry=[LineString([(-50, 50), (150, 50)])], crs=CRS)
    e = enclose([box(0, 0, 100, 100)], walled=[False], settings=Settings(), roads=roads)
    assert (e.vehicle_gates, e.pedestrian_gates) == (1, 2)  # main gate + the path in and out
