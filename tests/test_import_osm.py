"""``zy-geo import osm``: each tag rule on tiny hand-written extracts, then the real fixtures (tests/data/osm)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from pyproj import Geod

from tests.osm_builder import Osm
from zy_geo.cli import cli
from zy_geo.errors import InputError
from zy_geo.importers import import_osm, load_profile

DATA = Path(__file__).parent / "data" / "osm"
GEOD = Geod(ellps="GRS80")


def _city(tmp_path: Path, osm: Osm, **kw):
    return import_osm(osm.write(tmp_path / "t.osm"), **kw)


def _codes(city) -> list[str]:
    return [p.code for p in city.problems]


# --- compounds -------------------------------------------------------------------------------------------------

def test_residential_landuse_becomes_a_compound_named_in_chinese(tmp_path):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "Fuyuan", "name:zh": "富园小区"})
    o.box(300, 0, 400, 100, {"landuse": "retail", "name": "商场"})
    comp = _city(tmp_path, o).layers["compounds"]
    assert comp["name"].tolist() == ["富园小区"]
    assert comp["compound_id"].iloc[0].startswith("OSM-w")
    assert comp.crs.to_epsg() == 4549  # CGCS2000 zone of 120° E (121.07° E)
    assert comp.geometry.area.iloc[0] == pytest.approx(10_000, rel=2e-3)


def test_housing_estate_drawn_as_a_multipolygon_keeps_its_courtyard_hole(tmp_path):
    o = Osm()
    outer = o.way([(0, 0), (200, 0), (200, 200), (0, 200)], closed=True)
    inner = o.way([(50, 50), (150, 50), (150, 150), (50, 150)], closed=True)
    o.relation([("way", outer, "outer"), ("way", inner, "inner")],
               {"type": "multipolygon", "landuse": "residential", "name": "学士居"})
    comp = _city(tmp_path, o).layers["compounds"]
    assert comp["name"].tolist() == ["学士居"]
    assert comp["compound_id"].iloc[0].startswith("OSM-r")
    assert comp.geometry.area.iloc[0] == pytest.approx(40_000 - 10_000, rel=2e-3)


def test_a_broken_multipolygon_is_listed_not_dropped_silently(tmp_path):
    o = Osm()
    o.box(400, 0, 500, 100, {"landuse": "residential", "name": "好小区"})
    half = o.way([(0, 0), (200, 0), (200, 200)])  # the other half of the ring is missing from the extract
    rid = o.relation([("way", half, "outer"), ("way", 999_999, "outer")],
                     {"type": "multipolygon", "landuse": "residential", "name": "断小区"})
    city = _city(tmp_path, o)
    broken = [p for p in city.problems if p.code == "broken_multipolygon"]
    assert [p.row for p in broken] == [rid]
    assert "断小区" in broken[0].message and broken[0].fix
    assert city.layers["compounds"]["name"].tolist() == ["好小区"]


def test_rural_residential_is_not_a_compound_and_district_scale_landuse_is_set_apart(tmp_path):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "residential": "rural", "name": "村"})
    o.box(1000, 0, 1800, 800, {"landuse": "residential", "name": "大片居住用地"})  # 64 ha > 40 ha
    o.box(1100, 100, 1130, 130, {"building": "yes"})
    o.box(2000, 0, 2100, 100, {"landuse": "residential", "name": "小区"})
    city = _city(tmp_path, o)
    assert city.layers["compounds"]["name"].tolist() == ["小区"]
    assert city.layers["residential_landuse"]["name"].tolist() == ["大片居住用地"]
    assert "large_residential" in _codes(city)
    b = city.layers["buildings"]  # a building of unknown use on residential land is housing, scattered
    assert len(b) == 1 and b["compound_id"].isna().all()


def test_nested_residential_areas_do_not_overlap(tmp_path):
    o = Osm()
    o.box(0, 0, 300, 300, {"landuse": "residential", "name": "生活区"})
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "一号院"})
    o.box(500, 0, 600, 100, {"landuse": "residential", "name": "甲"})
    o.box(500, 0, 600, 100, {"landuse": "residential", "name": "甲（重复）"})
    city = _city(tmp_path, o)
    comp = city.layers["compounds"].set_index("name")
    assert comp.loc["一号院"].geometry.area == pytest.approx(10_000, rel=2e-3)
    assert comp.loc["生活区"].geometry.area == pytest.approx(90_000 - 10_000, rel=2e-3)
    assert len(comp) == 3  # the duplicate is reported, not kept twice
    assert "nested_compound" in _codes(city) and "overlap_removed" in _codes(city)
    assert not comp.geometry.iloc[0].overlaps(comp.geometry.iloc[1])


# --- buildings and households ----------------------------------------------------------------------------------

def test_buildings_attach_to_their_compound_and_other_uses_stay_apart(tmp_path):
    o = Osm()
    o.box(0, 0, 200, 200, {"landuse": "residential", "name": "甲小区"})
    o.box(10, 10, 40, 40, {"building": "yes", "building:levels": "6"})  # unknown use inside: housing
    o.box(60, 10, 90, 40, {"building": "school"})  # inside, but a school
    o.box(400, 0, 430, 30, {"building": "yes"})  # unknown use outside any compound: kept apart
    o.box(500, 0, 530, 30, {"building": "apartments", "building:levels": "3"})  # housing outside: scattered
    city = _city(tmp_path, o)
    b, other = city.layers["buildings"], city.layers["other_buildings"]
    assert sorted(b["use"]) == ["apartments", "yes"]
    assert b.set_index("use").loc["yes", "compound_id"] == city.layers["compounds"]["compound_id"].iloc[0]
    assert pd.isna(b.set_index("use").loc["apartments", "compound_id"])
    assert sorted(other["use"]) == ["school", "yes"]


def test_households_from_footprint_levels_height_and_mapped_flats(tmp_path):
    o = Osm()
    o.box(0, 0, 400, 100, {"landuse": "residential", "name": "甲小区"})
    o.box(10, 10, 40, 40, {"building": "residential", "building:levels": "6"})  # 900 m² × 6 ÷ 90 = 60
    o.box(60, 10, 90, 40, {"building": "residential", "height": "30 m"})  # 10 floors → 100
    o.box(110, 10, 140, 40, {"building": "residential"})  # default 6 floors → 60
    o.box(160, 10, 190, 40, {"building": "residential", "building:flats": "48"})  # mapped → 48
    o.box(210, 10, 213, 13, {"building": "residential"})  # 9 m²: a shed, nobody lives there
    o.box(1000, 0, 1100, 100, {"landuse": "residential", "name": "乙小区"})  # no buildings: 10,000 × 1.5 ÷ 90
    city = _city(tmp_path, o)
    b = city.layers["buildings"]
    b = b.iloc[b.geometry.bounds["minx"].argsort()]
    assert b["households"].tolist() == pytest.approx([60, 100, 60, 48, 0], abs=1)
    assert b["households_method"].tolist() == ["footprint", "footprint", "footprint", "mapped", "footprint"]
    assert b["floors_source"].tolist() == ["levels", "height", "default", "default", "default"]
    comp = city.layers["compounds"].set_index("name")
    assert comp.loc["甲小区", "households"] == pytest.approx(268, abs=2)
    assert comp.loc["甲小区", "households_method"] == "buildings"
    assert comp.loc["乙小区", "households"] == pytest.approx(167, abs=1)
    assert comp.loc["乙小区", "households_method"] == "land_area"
    assert comp["households_estimated"].all()


def test_household_parameters_come_from_the_config(tmp_path):
    from zy_geo.config import Config, HouseholdEstimate, Settings

    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.box(10, 10, 40, 40, {"building": "residential", "building:levels": "6"})
    cfg = Config(settings=Settings(households=HouseholdEstimate(floor_area_per_household_m2=60.0)))
    assert _city(tmp_path, o, config=cfg).layers["compounds"]["households"].iloc[0] == 90


# --- roads, water, rail, streets -------------------------------------------------------------------------------

@pytest.mark.parametrize(("highway", "expected"), [
    ("motorway", "arterial"), ("trunk_link", "arterial"), ("primary", "arterial"), ("primary_link", "arterial"),
    ("secondary", "secondary"), ("tertiary", "secondary"), ("residential", "local"), ("unclassified", "local"),
    ("living_street", "local"), ("service", "local"), ("footway", "path"), ("path", "path"),
    ("pedestrian", "path"), ("steps", "path"), ("cycleway", "path"), ("proposed", None), ("bus_stop", None),
])
def test_road_classes(tmp_path, highway, expected):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.way([(0, 150), (300, 150)], {"highway": highway, "name": "某路"})
    roads = _city(tmp_path, o).layers["roads"]
    assert roads["road_class"].tolist() == ([expected] if expected else [])


def test_bridges_and_tunnels_are_marked_and_do_not_cut_the_ground(tmp_path):
    from zy_geo.areas.enclosures import barrier_lines

    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.way([(0, 150), (300, 150)], {"highway": "primary", "bridge": "yes"})
    o.way([(0, 170), (300, 170)], {"highway": "primary", "tunnel": "yes"})
    o.way([(0, 190), (300, 190)], {"highway": "primary", "bridge": "no"})
    o.way([(0, 210), (300, 210)], {"railway": "rail", "bridge": "viaduct"})
    roads, rail = (_city(tmp_path, o).layers[k] for k in ("roads", "rail"))
    assert roads[["bridge", "tunnel"]].values.tolist() == [[True, False], [False, True], [False, False]]
    assert rail["bridge"].tolist() == [True]
    assert len(barrier_lines(roads=roads, rail=rail)) == 1  # only the primary road on the ground


def test_water_areas_and_rivers_drawn_as_lines(tmp_path):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.box(0, 300, 200, 400, {"natural": "water", "water": "river", "name": "沱江"})
    o.way([(0, 600), (1000, 600)], {"waterway": "river", "name": "小月河", "width": "30"})
    o.way([(0, 800), (1000, 800)], {"waterway": "river", "name": "无宽河"})
    o.way([(0, 900), (1000, 900)], {"waterway": "stream"})
    o.box(20, 20, 30, 30, {"natural": "water", "water": "pond"})
    rivers = _city(tmp_path, o).layers["rivers"].set_index("name")
    assert sorted(rivers.index) == ["小月河", "无宽河", "沱江"]
    assert rivers.loc["小月河"].geometry.area == pytest.approx(1000 * 30, rel=5e-3)
    assert rivers.loc["无宽河"].geometry.area == pytest.approx(1000 * 20, rel=5e-3)  # profile default
    assert "default" in rivers.loc["无宽河", "drawn_as"]


@pytest.mark.parametrize(("tags", "barrier"), [
    ({"railway": "rail"}, True), ({"railway": "light_rail"}, True), ({"railway": "subway"}, False),
    ({"railway": "rail", "tunnel": "yes"}, False), ({"railway": "disused"}, False),
    ({"railway": "abandoned"}, False), ({"railway": "rail", "service": "siding"}, False),
])
def test_rail_rules(tmp_path, tags, barrier):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.way([(0, 150), (300, 150)], tags)
    assert len(_city(tmp_path, o).layers.get("rail", [])) == int(barrier)


def _admin(o: Osm, x0, y0, x1, y1, level: int, name: str) -> int:
    ring = o.way([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], closed=True)
    return o.relation([("way", ring, "outer")], {"type": "boundary", "boundary": "administrative",
                                                 "admin_level": str(level), "name": name})


def test_the_finest_admin_boundaries_become_streets_with_their_body(tmp_path):
    o = Osm()
    o.box(10, 10, 100, 100, {"landuse": "residential", "name": "甲"})
    o.box(610, 10, 700, 100, {"landuse": "residential", "name": "乙"})
    _admin(o, -100, -100, 1300, 300, 6, "崇川区")
    _admin(o, -50, -50, 500, 250, 8, "大街道（8级）")
    _admin(o, -50, -50, 500, 250, 9, "和平街道")
    _admin(o, 500, -50, 1200, 250, 9, "城东街道")
    city = _city(tmp_path, o)
    st = city.layers["streets"]
    assert sorted(st["street"]) == ["和平街道", "城东街道"]
    assert set(st["body"]) == {"崇川区"}
    comp = city.layers["compounds"].set_index("name")
    assert comp.loc["甲", "street"] == "和平街道" and comp.loc["乙", "street"] == "城东街道"
    assert "no_streets" not in _codes(city)


def test_without_boundaries_the_extent_is_one_street_with_a_warning_that_says_how(tmp_path):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    city = _city(tmp_path, o)
    assert city.layers["streets"]["street"].tolist() == ["全域（未分街道）"]
    problem = next(p for p in city.problems if p.code == "no_streets")
    assert "--streets" in problem.fix


def test_streets_file_and_jurisdictions_table(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    osm = o.write(tmp_path / "t.osm")
    lon, lat = 121.07, 31.96
    gpd.GeoDataFrame({"街道": ["港闸街道"], "代码": ["320611001"]},
                     geometry=[box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)],
                     crs="EPSG:4326").to_file(tmp_path / "streets.gpkg")
    (tmp_path / "j.csv").write_text("code,street,kind,body,body_full\n320611001,港闸街道,街道,港闸区,港闸区人民政府\n",
                                    encoding="utf-8")
    city = import_osm(osm, streets=tmp_path / "streets.gpkg", jurisdictions=tmp_path / "j.csv")
    comp = city.layers["compounds"]
    assert comp[["street_code", "street", "body"]].values.tolist() == [["320611001", "港闸街道", "港闸区"]]


# --- profiles --------------------------------------------------------------------------------------------------

def test_a_profile_changes_the_mapping_without_code(tmp_path):
    text = (Path(__file__).parents[1] / "zy_geo" / "data" / "profiles" / "osm.toml").read_text(encoding="utf-8")
    text = text.replace('local = ["residential", "unclassified", "living_street", "service", "road"]',
                        'local = ["residential", "unclassified", "living_street", "road"]')
    text = text.replace('path = ["footway",', 'path = ["service", "footway",')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.way([(0, 150), (300, 150)], {"highway": "service"})
    assert _city(tmp_path, o).layers["roads"]["road_class"].tolist() == ["local"]
    assert _city(tmp_path, o, profile=tmp_path / "p.toml").layers["roads"]["road_class"].tolist() == ["path"]


def test_a_bad_profile_is_one_clear_message(tmp_path):
    (tmp_path / "p.toml").write_text('[compounds]\nmatch = ["landuse"]\nmax_area_ha = "big"\n[roadz]\n',
                                     encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_profile(tmp_path / "p.toml")
    text = str(exc.value)
    assert "3 problems" in text and "[roadz]" in text and "max_area_ha" in text and "'landuse'" in text


# --- bad input -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "says"), [
    ("page.osm", b"<html><body>Too many requests</body></html>", "not OpenStreetMap XML"),
    ("empty.osm", b"", "is empty"),
    ("table.csv", b"a,b\n1,2\n", "not named like an OSM extract"),
    ("cut.osm", b'<?xml version="1.0"?><osm version="0.6"><node id="1" lat="3', "cannot be read"),
    ("fake.osm.pbf", b"PK\x03\x04 not a pbf at all", "cannot be read"),
])
def test_a_file_that_is_not_osm_gets_a_message(tmp_path, name, content, says):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=says):
        import_osm(tmp_path / name)


def test_no_residential_areas_says_which_tags_were_looked_for_and_what_else_to_do(tmp_path):
    o = Osm()
    o.way([(0, 150), (300, 150)], {"highway": "primary"})
    with pytest.raises(InputError) as exc:
        _city(tmp_path, o)
    assert "landuse=residential" in str(exc.value) and "import aoi" in str(exc.value)


def test_bbox_keeps_what_lies_in_it_and_a_box_outside_is_refused(tmp_path):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.box(5000, 0, 5100, 100, {"landuse": "residential", "name": "乙"})
    path = o.write(tmp_path / "t.osm")
    city = import_osm(path, bbox=(121.069, 31.959, 121.072, 31.962))
    assert city.layers["compounds"]["name"].tolist() == ["甲"]
    with pytest.raises(InputError, match="lies outside the data"):
        import_osm(path, bbox="100,20,100.1,20.1")
    with pytest.raises(InputError, match="W,S,E,N"):
        import_osm(path, bbox="31.96,121.07,31.97,121.08")


def test_an_extract_wider_than_its_zone_is_warned_about(tmp_path):
    o = Osm(base=(119.0, 31.0))
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    o.box(400_000, 0, 400_100, 100, {"landuse": "residential", "name": "乙"})  # ≈ 4.2° further east
    with pytest.warns(UserWarning, match="touches the zones EPSG:4549.*--metric-crs"):
        _city(tmp_path, o)


# --- the real fixtures -----------------------------------------------------------------------------------------

def test_fixtures_are_the_published_files():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "ODbL" in readme
    for name in ("beijing_haidian.osm", "nantong.osm", "west_oakland.osm.bz2", "kouvola_test.osm.pbf"):
        digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
        assert digest[:8] in readme, name


def test_beijing_haidian():
    city = import_osm(DATA / "beijing_haidian.osm")
    comp = city.layers["compounds"]
    assert city.metric_crs == "EPSG:4548"  # CGCS2000 zone of 117° E
    assert {"富润家园", "静淑苑", "学士居", "双泉嘉苑"} <= set(comp["name"].dropna())
    assert comp["households"].gt(0).all() and comp["households_estimated"].all()
    assert "rail" not in city.layers  # four subway lines, all underground: no barrier
    assert "小月河" in set(city.layers["rivers"]["name"])
    assert {"arterial", "secondary", "local", "path"} <= set(city.layers["roads"]["road_class"])
    # the one relation whose members the export cut off is listed
    assert any(p.code == "broken_multipolygon" and "双泉堡甲2号院" in p.message for p in city.problems)
    # measured in the zone, a compound's area is its geodesic area to 0.1 %
    wgs = comp.to_crs(4326)
    for geom, metric in zip(wgs.geometry, comp.geometry, strict=True):
        geodesic = abs(GEOD.geometry_area_perimeter(geom)[0])
        assert metric.area == pytest.approx(geodesic, rel=1e-3)


@pytest.mark.parametrize(("name", "epsg"), [("nantong.osm", 4549), ("west_oakland.osm.bz2", 32610),
                                            ("kouvola_test.osm.pbf", 32635)])
def test_other_fixtures_read_in_every_format(name, epsg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        city = import_osm(DATA / name)
    assert city.metric_crs == f"EPSG:{epsg}"
    assert len(city.layers["roads"]) > 20
    assert len(city.layers["compounds"]) >= 1


def test_cli_writes_a_city_with_provenance_that_propose_reads(tmp_path):
    runner = CliRunner()
    out = tmp_path / "city.gpkg"
    res = runner.invoke(cli, ["import", "osm", str(DATA / "beijing_haidian.osm"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "compounds: 10" in res.output and (tmp_path / "city_problems.csv").exists()
    info = pyogrio.read_info(out, layer="compounds")
    meta = info["layer_metadata"]
    assert meta["source"] == "beijing_haidian.osm"
    assert meta["source_sha256"] == hashlib.sha256((DATA / "beijing_haidian.osm").read_bytes()).hexdigest()
    assert "ODbL" in meta["licence"] and meta["metric_crs"] == "EPSG:4548"
    assert info["crs"] == "EPSG:4548"
    again = runner.invoke(cli, ["import", "osm", str(DATA / "beijing_haidian.osm"), "--out", str(out)])
    assert again.exit_code == 0, again.output  # our own file: rewritten
    res = runner.invoke(cli, ["propose", str(out), "--out", str(tmp_path / "proposals.gpkg")])
    assert res.exit_code == 0, res.output
    assert "areas for" in res.output


def test_cli_refuses_to_overwrite_the_source_and_names_a_bad_file(tmp_path):
    runner = CliRunner()
    bad = tmp_path / "x.osm"
    bad.write_text("<html/>")
    res = runner.invoke(cli, ["import", "osm", str(bad), "--out", str(tmp_path / "c.gpkg")])
    assert res.exit_code == 1 and "x.osm" in res.output and "Traceback" not in res.output
    res = runner.invoke(cli, ["import", "osm", str(DATA / "nantong.osm"), "--out", str(tmp_path / "c.txt")])
    assert res.exit_code == 2 and ".gpkg" in res.output


@pytest.mark.parametrize("prefer", ["ledger", "polygons"])
def test_a_ledger_figure_always_replaces_an_estimate(tmp_path, prefer):
    from zy_geo.ledger.join import join_ledger

    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲小区"})
    o.box(300, 0, 400, 100, {"landuse": "residential", "name": "乙小区"})
    comp = _city(tmp_path, o).layers["compounds"]
    assert comp["households_estimated"].all()
    ledger = pd.DataFrame({"compound_id": [None], "name": ["甲小区"], "street": ["全域（未分街道）"],
                           "households": [321], "sheet": "台账", "source_row": [3]})
    joined = join_ledger(comp, ledger, prefer=prefer).joined.set_index("name")
    assert joined.loc["甲小区", ["households", "households_estimated", "households_method"]].tolist() == \
        [321, False, "ledger"]
    assert joined.loc["乙小区", "households_estimated"] and joined.loc["乙小区", "households_method"] == "land_area"


def test_plans_and_coverage_of_an_imported_city_say_which_households_are_estimates(tmp_path):
    import zipfile

    o = Osm()
    o.box(0, 0, 80, 80, {"landuse": "residential", "name": "甲小区"})
    o.box(100, 0, 180, 80, {"landuse": "residential", "name": "乙小区"})
    o.box(10, 10, 40, 40, {"building": "residential", "building:levels": "6"})
    o.way([(-50, 90), (300, 90)], {"highway": "residential", "name": "某路"})
    osm = o.write(tmp_path / "t.osm")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "osm", str(osm), "--out", str(tmp_path / "city.gpkg")]).exit_code == 0
    res = runner.invoke(cli, ["plan", str(tmp_path / "city.gpkg"), "--out", str(tmp_path / "plans")])
    assert res.exit_code == 0, res.output
    docs = sorted((tmp_path / "plans").glob("*.docx"))
    assert docs
    text = zipfile.ZipFile(docs[0]).read("word/document.xml").decode("utf-8")
    assert "估算，待台账核实" in text
    res = runner.invoke(cli, ["run", str(tmp_path / "city.gpkg"), "--out", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    cov = pd.read_excel(tmp_path / "run" / "coverage.xlsx", sheet_name=0)
    assert "其中估算户数" in cov.columns


def test_a_survey_of_another_city_is_checked_against_its_own_streets(tmp_path):
    o = Osm()
    o.box(10, 10, 100, 100, {"landuse": "residential", "name": "甲小区"})
    o.box(200, 10, 300, 100, {"landuse": "residential", "name": "乙小区"})
    o.way([(-50, 150), (400, 150)], {"highway": "residential", "name": "某路"})
    _admin(o, -100, -100, 500, 300, 9, "和平街道")
    osm = o.write(tmp_path / "t.osm")
    (tmp_path / "ledger.csv").write_text("序号,小区名称,街道（镇）,社区,户数,管理方式,有门岗管理\n"
                                         "1,甲小区,和平街道,和平社区,321,无物业管理,否\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "osm", str(osm), "--out", str(tmp_path / "city.gpkg")]).exit_code == 0
    res = runner.invoke(cli, ["run", str(tmp_path / "city.gpkg"), "--survey", str(tmp_path / "ledger.csv"),
                              "--out", str(tmp_path / "run")])
    assert res.exit_code == 0, res.output
    assert "ledger: 0 errors" in res.output and "join: name 1" in res.output
    cov = pd.read_excel(tmp_path / "run" / "coverage.xlsx", sheet_name=0)
    total = cov[cov.iloc[:, 0].astype(str).str.contains("合计")].iloc[0]
    assert total["户数"] == 321 + 150 and total["其中估算户数"] == 150  # 乙: 100 m × 90 m × 1.5 ÷ 90 m²


def test_hostile_names_in_an_extract_stay_harmless_in_every_output(tmp_path):
    from tests.test_hostile import ID_CARD, PHONE, _formulas_found, _output_texts, _pii_found

    o = Osm()
    o.box(0, 0, 80, 80, {"landuse": "residential", "name": '<img src=x onerror=alert(1)>小区'})
    o.box(100, 0, 180, 80, {"landuse": "residential", "name": '=HYPERLINK("http://x","点我")'})
    o.box(200, 0, 280, 80, {"landuse": "residential", "name": f"联系{PHONE}小区\u202e"})  # XML bars \x1b
    o.box(300, 0, 380, 80, {"landuse": "residential", "name": f"身份证{ID_CARD}"})
    o.way([(-50, 90), (400, 90)], {"highway": "residential", "name": "@SUM(1+1)"})
    osm = o.write(tmp_path / "t.osm")
    out = tmp_path / "out"
    out.mkdir()
    runner = CliRunner()
    res = runner.invoke(cli, ["import", "osm", str(osm), "--out", str(out / "city.gpkg")])
    assert res.exit_code == 0, res.output
    assert "\u202e" not in res.output
    res = runner.invoke(cli, ["run", str(out / "city.gpkg"), "--out", str(out / "run")])
    assert res.exit_code == 0, res.output
    texts = _output_texts(out)
    assert not _pii_found(texts)
    assert not _formulas_found(out)
    page = texts["run/coverage_map.html"]
    assert "<img src=x" not in page
    assert not [rel for rel, text in texts.items() if "\u202e" in text]


def test_the_metric_crs_can_be_named_on_the_command_line_or_in_the_config(tmp_path):
    o = Osm()
    o.box(0, 0, 100, 100, {"landuse": "residential", "name": "甲"})
    osm = o.write(tmp_path / "t.osm")
    (tmp_path / "c.toml").write_text('metric_crs = "EPSG:4550"\n', encoding="utf-8")
    runner = CliRunner()
    for extra, epsg in (([], "EPSG:4549"), (["--metric-crs", "EPSG:4548"], "EPSG:4548"),
                        (["--config", str(tmp_path / "c.toml")], "EPSG:4550")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a zone next door is warned about (lengths off > 0.1 %)
            res = runner.invoke(cli, ["import", "osm", str(osm), "--out", str(tmp_path / "c.gpkg"), *extra])
        assert res.exit_code == 0, res.output
        assert pyogrio.read_info(tmp_path / "c.gpkg", layer="compounds")["crs"] == epsg
