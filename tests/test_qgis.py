"""QGIS opens every GeoPackage zy_geo writes styled: the layer_styles table, read back and parsed."""

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pytest
from shapely.geometry import box

from zy_geo.areas import Decisions
from zy_geo.areas.propose import propose_areas
from zy_geo.labels import OUTCOMES
from zy_geo.maps import AREA_COLOUR, AREA_OVER_CAP_COLOUR, MODE_COLOURS, REMAINDER_COLOUR
from zy_geo.qgis import EXCLUDED_COLOUR, layer_style, preview, read_layer_styles, style_colours
from zy_geo.sample import make_sample, write_sample

CRS = "EPSG:4544"


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    return write_sample(make_sample(scale=0.05, seed=7), tmp_path_factory.mktemp("city"))["city"]


def _parse(qml):
    return ET.fromstring(qml.split(">", 1)[1])


def test_every_city_layer_has_a_default_style(city):
    styles = read_layer_styles(city)
    assert set(styles) == {"boundary_city", "boundary_district", "streets", "tuoxi", "rivers", "rail", "roads",
                           "compounds", "buildings"}
    for qml in styles.values():
        root = _parse(qml)  # well-formed XML
        assert root.tag == "qgis" and root.find("renderer-v2") is not None
    with sqlite3.connect(city) as con:
        rows = con.execute("SELECT f_table_name, f_geometry_column, useAsDefault FROM layer_styles").fetchall()
        registered = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone()
        geoms = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
    assert all(geom == geoms[name] and default == 1 for name, geom, default in rows)
    assert registered == ("attributes",)


def test_compounds_by_mode_in_the_map_colours_with_chinese_labels(city):
    qml = read_layer_styles(city)["compounds"]
    colours = style_colours(qml)
    assert {k: colours[k] for k in MODE_COLOURS} == MODE_COLOURS
    root = _parse(qml)
    assert root.find("renderer-v2").get("attr") == "mode"
    labels = {c.get("value"): c.get("label") for c in root.iter("category")}
    assert labels["professional"] == "专业化物业管理" and labels["none"] == "无物业管理"
    assert root.find(".//text-style").get("fieldName") == "name"


def test_roads_by_class_wider_for_arterials(city):
    root = _parse(read_layer_styles(city)["roads"])
    widths = {}
    for sym in root.iter("symbol"):
        opts = {o.get("name"): o.get("value") for o in sym.iter("Option")}
        widths[sym.get("name")] = float(opts["line_width"])
    cats = {c.get("value"): widths[c.get("symbol")] for c in root.iter("category")}
    assert cats["arterial"] > cats["secondary"] > cats["local"] > cats["path"]


def test_proposal_layers_styled_over_cap_apart(tmp_path):
    compounds = gpd.GeoDataFrame({"compound_id": ["a", "b"], "name": ["甲", "乙"], "street": ["莲花街道"] * 2,
                                  "street_code": ["512002001"] * 2, "body": ["雁江区"] * 2, "kind": ["open"] * 2,
                                  "mode": ["none"] * 2, "households": [200, 300]},
                                 geometry=[box(0, 0, 100, 100), box(2000, 0, 2100, 100)], crs=CRS)
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(-100, -100, 2200, 300)], crs=CRS)
    path = propose_areas(compounds, streets=streets).to_gpkg(tmp_path / "p.gpkg")
    styles = read_layer_styles(path)
    assert {"areas", "members", "remainders", "enclosures"} <= set(styles)
    areas = style_colours(styles["areas"])
    assert areas == {"0": AREA_COLOUR, "1": AREA_OVER_CAP_COLOUR}
    assert style_colours(styles["remainders"]) == {"*": REMAINDER_COLOUR}
    assert set(style_colours(styles["members"])) == {"area", "absorbed", "remainder", "excluded"}
    preview(path, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 5000


def test_a_unit_a_decision_excluded_is_grey_and_dashed_under_its_chinese_outcome(tmp_path):
    # three squares 20 m apart in one street; a decision excludes c (拟拆迁): a and b form an area, c is excluded
    compounds = gpd.GeoDataFrame({"compound_id": list("abc"), "name": list("甲乙丙"), "street": ["莲花街道"] * 3,
                                  "street_code": ["512002001"] * 3, "body": ["雁江区"] * 3, "kind": ["open"] * 3,
                                  "mode": ["none"] * 3, "households": [200, 200, 200]},
                                 geometry=[box(x, 0, x + 100, 100) for x in (0, 120, 240)], crs=CRS)
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(-100, -100, 500, 300)], crs=CRS)
    result = propose_areas(compounds, streets=streets, decisions=Decisions(exclude={"c": "拟拆迁"}))
    assert result.members.set_index("unit_id")["outcome"].to_dict() == {"a": "area", "b": "area", "c": "excluded"}
    path = result.to_gpkg(tmp_path / "p.gpkg")
    qml = read_layer_styles(path)["members"]
    root = _parse(qml)
    assert root.find("renderer-v2").get("attr") == "outcome"
    labels = {c.get("value"): c.get("label") for c in root.iter("category")}
    assert labels == OUTCOMES  # every outcome a proposal writes has its category and its Chinese label
    assert labels["excluded"] == "不纳入本次方案"
    colours = style_colours(qml)
    assert colours["excluded"] == EXCLUDED_COLOUR and len(set(colours.values())) == 4
    symbol = {c.get("value"): c.get("symbol") for c in root.iter("category")}["excluded"]
    opts = {o.get("name"): o.get("value") for s in root.iter("symbol") if s.get("name") == symbol
            for o in s.iter("Option")}
    assert opts["outline_style"] == "dash"
    preview(path, tmp_path / "p.png", layers=["members"])
    assert (tmp_path / "p.png").stat().st_size > 5000


def test_unknown_layers_get_no_style():
    assert layer_style("my_layer") is None
    # QGIS refuses a style whose geometry type (QgsWkbTypes::GeometryType) is not the layer's
    assert "<layerGeometryType>1</layerGeometryType>" in layer_style("roads", "LineString").qml
    assert "<layerGeometryType>2</layerGeometryType>" in layer_style("compounds", "Polygon").qml
