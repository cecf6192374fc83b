"""``zy-geo import aoi`` / ``import parcels``: Amap/Baidu AOI exports and 三调 parcels on hand-built files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Polygon, box

from zy_geo.cli import cli
from zy_geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from zy_geo.errors import DataRepairWarning, InputError
from zy_geo.importers import import_aoi, import_parcels, load_profile

#: Ziyang's central city, metres in its zone (EPSG:4544, CGCS2000 3-degree CM 105E).
X0, Y0 = 462_000.0, 3_334_000.0
ZONE = "EPSG:4544"


def _square(dx: float, dy: float, size: float = 100.0) -> Polygon:
    return box(X0 + dx, Y0 + dy, X0 + dx + size, Y0 + dy + size)


def _lonlat(poly: Polygon) -> Polygon:
    """A polygon in metres of the zone → WGS84 lon/lat (the truth an AOI export shifts)."""
    return gpd.GeoSeries([poly], crs=ZONE).to_crs(4326).iloc[0]


def _shifted(poly: Polygon, frame: str) -> Polygon:
    """The WGS84 truth as Amap (gcj02) or Baidu (bd09) would export it."""
    forward = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}[frame]
    return shapely.transform(_lonlat(poly), lambda c: pd.DataFrame(forward(c[:, 0], c[:, 1])).T.to_numpy())


def _pairs(poly: Polygon) -> str:
    """Amap's ``"lng,lat;lng,lat;…"``."""
    return ";".join(f"{x:.8f},{y:.8f}" for x, y in poly.exterior.coords)


def _geojson(path: Path, rows: list[dict], frame: str = "gcj02") -> Path:
    feats = [{"type": "Feature", "properties": {k: v for k, v in r.items() if k != "poly"},
              "geometry": shapely.geometry.mapping(_shifted(r["poly"], frame))} for r in rows]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False),
                    encoding="utf-8")
    return path


def _off_by_m(compound: Polygon, truth: Polygon) -> float:
    """How far an imported outline (in the zone) lies from the truth (Hausdorff distance, metres)."""
    return float(shapely.hausdorff_distance(shapely.normalize(compound), shapely.normalize(truth)))


def _codes(city) -> list[str]:
    return [p.code for p in city.problems]


def _rows_accounted(city, n_rows: int, first: int = 0) -> None:
    """Every input row is in a layer (``source_row``) or named by a problem — never dropped silently."""
    used = set()
    for name in ("compounds", "buildings"):
        if name in city.layers:
            used |= set(city.layers[name]["source_row"].astype(int))
    listed = {int(p.row) for p in city.problems if p.row is not None}
    assert used | listed >= set(range(first, first + n_rows))


# --- Amap / Baidu AOI ------------------------------------------------------------------------------------------

def test_an_amap_geojson_in_gcj02_lands_within_a_metre_of_its_wgs84_truth(tmp_path):
    truth = _square(0, 0, 150)
    path = _geojson(tmp_path / "amap.geojson", [
        {"id": "B0FFGWI4UP", "name": "莲花小区", "type": "商务住宅;住宅区;住宅小区", "typecode": "120302",
         "address": "资阳市雁江区莲花北路1号", "poly": truth},
        {"id": "B025003NG4", "name": "松霖科技园", "type": "商务住宅;产业园区;产业园区", "typecode": "120100",
         "poly": _square(400, 0)},
    ])
    city = import_aoi(path, source="amap")
    comp = city.layers["compounds"]
    assert city.metric_crs == ZONE and comp.crs.to_string() == ZONE
    assert comp[["compound_id", "name", "address"]].values.tolist() == \
        [["AMAP-B0FFGWI4UP", "莲花小区", "资阳市雁江区莲花北路1号"]]
    assert _off_by_m(comp.geometry.iloc[0], truth) < 1.0  # not ~400 m east, as GCJ-02 taken for WGS84 would be
    assert comp["households_estimated"].all() and comp["households_method"].tolist() == ["land_area"]
    assert city.metadata["source_frame"] == "gcj02" and "gcj02 → WGS84" in city.metadata["frame_note"]
    other = next(p for p in city.problems if p.code == "not_residential")
    assert (other.row, other.column, other.value) == (1, "typecode", "120100") and "松霖科技园" in other.message
    _rows_accounted(city, 2)


def test_the_same_export_read_as_wgs84_is_hundreds_of_metres_off_and_the_choice_is_recorded(tmp_path):
    truth = _square(0, 0)
    path = _geojson(tmp_path / "amap.geojson", [{"id": "a", "name": "甲", "typecode": "120302", "poly": truth}])
    city = import_aoi(path, source="amap", frame="WGS-84")
    assert 200 < _off_by_m(city.layers["compounds"].geometry.iloc[0], truth) < 800
    assert city.metadata["source_frame"] == "wgs84" and "frame_given" in _codes(city)


def test_a_csv_with_an_amap_polygon_string_column(tmp_path):
    truth, other = _square(0, 0), _square(300, 0)
    path = tmp_path / "aoi.csv"
    pd.DataFrame({"id": ["B001", "B002", "B003"], "name": ["金鹰花园", "资阳中学", "教师宿舍"],
                  "typecode": ["120302", "141202", "120303"],
                  "shape": [_pairs(_shifted(truth, "gcj02")), _pairs(_shifted(other, "gcj02")),
                            _pairs(_shifted(_square(600, 0), "gcj02"))]}).to_csv(path, index=False)
    city = import_aoi(path)
    comp = city.layers["compounds"].set_index("name")
    assert sorted(comp.index) == ["教师宿舍", "金鹰花园"]  # 120303 宿舍 is housing, 141202 a school is not
    assert _off_by_m(comp.loc["金鹰花园"].geometry, truth) < 1.0
    school = next(p for p in city.problems if p.code == "not_residential")
    assert school.row == 2 and school.column == "typecode"  # the 2nd data line of the CSV
    _rows_accounted(city, 3, first=1)


def test_an_xlsx_with_wkt_and_a_multi_part_amap_string(tmp_path):
    a, b = _square(0, 0), _square(200, 0)
    hole = _square(25, 25, 50)
    two = _pairs(_shifted(a, "gcj02")) + "|" + _pairs(_shifted(b, "gcj02"))
    with_hole = _pairs(_shifted(_square(0, 400), "gcj02")) + "|" + _pairs(_shifted(box(X0 + 25, Y0 + 425, X0 + 75,
                                                                                       Y0 + 475), "gcj02"))
    path = tmp_path / "aoi.xlsx"
    pd.DataFrame({"名称": ["双区小区", "天井小区", "WKT小区"], "typecode": ["120302"] * 3,
                  "边界": [two, with_hole, _shifted(_square(600, 0), "gcj02").wkt]}).to_excel(path, index=False)
    comp = import_aoi(path).layers["compounds"].set_index("name")
    assert comp.loc["双区小区"].geometry.area == pytest.approx(2 * 10_000, rel=1e-3)
    assert comp.loc["天井小区"].geometry.area == pytest.approx(10_000 - hole.area, rel=1e-3)
    assert comp.loc["WKT小区"].geometry.area == pytest.approx(10_000, rel=1e-3)
    assert comp["compound_id"].str.startswith("AMAP-row").all()  # no id column: the sheet row names it


def test_a_baidu_export_in_bd09_lands_within_a_metre(tmp_path):
    truth = _square(0, 0)
    path = tmp_path / "baidu.csv"
    pd.DataFrame({"uid": ["ba9b506a87e4f43cf32d8314", "c0ffee"], "name": ["振业泊公馆", "万达广场"],
                  "tag": ["房地产;住宅区", "购物;购物中心"],
                  "geometry": [_shifted(truth, "bd09").wkt, _shifted(_square(300, 0), "bd09").wkt]}).to_csv(
        path, index=False)
    city = import_aoi(path, source="baidu")
    comp = city.layers["compounds"]
    assert comp["compound_id"].tolist() == ["BAIDU-ba9b506a87e4f43cf32d8314"]
    assert _off_by_m(comp.geometry.iloc[0], truth) < 1.0
    assert city.metadata["source_frame"] == "bd09"
    assert [p.value for p in city.problems if p.code == "not_residential"] == ["购物;购物中心"]


def test_every_non_residential_aoi_is_counted_and_a_profile_can_take_more_types(tmp_path):
    codes = ["120300", "120301", "120302", "120303", "120304", "120100", "141201", "060100"]
    rows = [{"id": f"B{i}", "name": f"AOI{i}", "typecode": c, "poly": _square(200 * i, 0)} for i, c in enumerate(codes)]
    path = _geojson(tmp_path / "amap.geojson", rows)
    city = import_aoi(path)
    assert len(city.layers["compounds"]) == 4  # 住宅区, 别墅, 住宅小区, 宿舍
    others = [p for p in city.problems if p.code == "not_residential"]
    assert sorted(p.value for p in others) == sorted(["120304", "120100", "141201", "060100"])
    assert all(p.severity == "info" and p.fix and "--profile" in p.fix for p in others)
    _rows_accounted(city, len(codes))
    text = (Path(__file__).parents[1] / "zy_geo" / "data" / "profiles" / "amap_aoi.toml").read_text(encoding="utf-8")
    (tmp_path / "p.toml").write_text(text.replace('"120303"]', '"120303", "120304"]'), encoding="utf-8")
    assert len(import_aoi(path, profile=tmp_path / "p.toml").layers["compounds"]) == 5


def test_nested_and_repeated_aois_do_not_overlap(tmp_path):
    path = _geojson(tmp_path / "amap.geojson", [
        {"id": "big", "name": "莲花新村", "typecode": "120300", "poly": _square(0, 0, 300)},
        {"id": "one", "name": "莲花新村一期", "typecode": "120302", "poly": _square(0, 0, 100)},
        {"id": "one", "name": "莲花新村一期", "typecode": "120302", "poly": _square(0, 0, 100)},  # fetched twice
        {"id": "dup", "name": "甲", "typecode": "120302", "poly": _square(1000, 0)},
        {"id": "dup2", "name": "甲（重复）", "typecode": "120302", "poly": _square(1000, 0)},
    ])
    city = import_aoi(path)
    comp = city.layers["compounds"].set_index("name")
    assert comp.loc["莲花新村一期"].geometry.area == pytest.approx(10_000, rel=2e-3)
    assert comp.loc["莲花新村"].geometry.area == pytest.approx(90_000 - 10_000, rel=2e-3)
    assert len(comp) == 3
    assert {"duplicate_id", "nested_compound", "overlap_removed"} <= set(_codes(city))
    _rows_accounted(city, 5)


def test_an_aoi_too_large_to_be_one_compound_is_residential_land(tmp_path):
    path = _geojson(tmp_path / "amap.geojson", [
        {"id": "huge", "name": "城东片区", "typecode": "120300", "poly": _square(0, 0, 800)},  # 64 ha
        {"id": "a", "name": "甲", "typecode": "120302", "poly": _square(2000, 0)},
    ])
    city = import_aoi(path)
    assert city.layers["compounds"]["name"].tolist() == ["甲"]
    assert city.layers["residential_landuse"]["name"].tolist() == ["城东片区"]
    assert "large_residential" in _codes(city)


def test_streets_file_and_jurisdictions_place_the_compounds(tmp_path):
    path = _geojson(tmp_path / "amap.geojson", [{"id": "a", "name": "甲", "typecode": "120302",
                                                 "poly": _square(0, 0)}])
    gpd.GeoDataFrame({"街道": ["莲花街道"], "代码": ["512002001"]}, geometry=[_square(-500, -500, 2000)],
                     crs=ZONE).to_file(tmp_path / "streets.gpkg")
    (tmp_path / "j.csv").write_text("code,street,kind,body,body_full\n512002001,莲花街道,街道,雁江区,雁江区人民政府\n",
                                    encoding="utf-8")
    city = import_aoi(path, streets=tmp_path / "streets.gpkg", jurisdictions=tmp_path / "j.csv")
    assert city.layers["compounds"][["street_code", "street", "body"]].values.tolist() == \
        [["512002001", "莲花街道", "雁江区"]]
    assert "no_streets" not in _codes(city)


# --- 三调 parcels --------------------------------------------------------------------------------------------------

def _parcels(tmp_path: Path, *, cpg: bool = True, crs: str = ZONE, dx: float = 0.0) -> Path:
    rows = [("1001", "0701", "城镇住宅用地", "0011", "莲花社区", _square(0, 0)),
            ("1002", "070101", "城镇住宅用地", "0012", "莲花社区", _square(200, 0)),
            ("1003", "0702", "农村宅基地", "0013", "临江村", box(X0 + 400, Y0, X0 + 440, Y0 + 50)),  # 2,000 m²
            ("1004", "0101", "水田", "0014", "临江村", _square(600, 0)),
            ("1005", "1101", "河流水面", "0015", "临江村", box(X0, Y0 + 300, X0 + 700, Y0 + 340))]
    gdf = gpd.GeoDataFrame({"BSM": [r[0] for r in rows], "DLBM": [r[1] for r in rows],
                            "DLMC": [r[2] for r in rows], "TBBH": [r[3] for r in rows],
                            "ZLDWMC": [r[4] for r in rows]},
                           geometry=[shapely.affinity.translate(r[5], dx, 0) for r in rows], crs=crs)
    path = tmp_path / "DLTB.shp"
    gdf.to_file(path, encoding="GBK")
    assert (tmp_path / "DLTB.cpg").read_text().strip() == "GBK"
    if not cpg:
        (tmp_path / "DLTB.cpg").unlink()
    return path


def _check_parcels(city) -> None:
    comp = city.layers["compounds"]
    assert comp[["compound_id", "name", "community"]].values.tolist() == [
        ["TDSC-1001", "莲花社区 0011号图斑", "莲花社区"], ["TDSC-1002", "莲花社区 0012号图斑", "莲花社区"]]
    assert comp["households_method"].eq("land_area").all()
    assert comp["street"].eq("全域（未分街道）").all() and comp["body"].eq("未指定责任主体").all()
    homes = city.layers["buildings"]
    assert homes["compound_id"].isna().all() and homes["name"].tolist() == ["临江村 0013号图斑"]
    assert homes[["households", "households_estimated", "households_method"]].values.tolist() == \
        [[10, True, "homestead"]]  # 2,000 m² ÷ 200 m² a household
    assert city.layers["rivers"]["name"].tolist() == ["河流水面"]
    paddy = [p for p in city.problems if p.code == "not_residential"]
    assert [(p.row, p.column, p.value) for p in paddy] == [(3, "DLBM", "0101")] and "水田" in paddy[0].message
    _rows_accounted(city, 4)  # the water parcel (row 4) is in the rivers layer


def test_land_survey_parcels_in_gbk_with_a_cpg(tmp_path):
    city = import_parcels(_parcels(tmp_path))
    _check_parcels(city)
    assert city.metric_crs == ZONE and city.metadata["source_crs"] == ZONE
    assert "text_encoding" not in _codes(city)


def test_land_survey_parcels_in_gbk_without_a_cpg_are_decoded_and_the_repair_is_said(tmp_path):
    with pytest.warns(DataRepairWarning, match="no .cpg"):
        city = import_parcels(_parcels(tmp_path, cpg=False))
    _check_parcels(city)
    assert "text_encoding" in _codes(city)


def test_parcels_in_the_zone_with_its_number_prefix(tmp_path):
    city = import_parcels(_parcels(tmp_path, crs="EPSG:4523", dx=35_000_000))  # zone 35, CM 105E
    assert city.metric_crs == ZONE
    assert _off_by_m(city.layers["compounds"].geometry.iloc[0], _square(0, 0)) < 1e-3


def test_codes_stored_as_numbers_get_their_zero_back_and_the_rural_factor_is_a_profile_value(tmp_path):
    gpd.GeoDataFrame({"BSM": [1, 2], "DLBM": [701, 702], "DLMC": ["城镇住宅用地", "农村宅基地"]},
                     geometry=[_square(0, 0), _square(300, 0)], crs=ZONE).to_file(tmp_path / "n.gpkg")
    text = (Path(__file__).parents[1] / "zy_geo" / "data" / "profiles" / "tdsc_parcels.toml").read_text(
        encoding="utf-8").replace("homestead_m2_per_household = 200.0", "homestead_m2_per_household = 125.0")
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    city = import_parcels(tmp_path / "n.gpkg", profile=tmp_path / "p.toml")
    assert city.layers["compounds"]["compound_id"].tolist() == ["TDSC-1"]
    assert city.layers["buildings"]["households"].tolist() == [80]  # 10,000 m² ÷ 125 m²
    assert "code_as_number" in _codes(city)


def test_a_bad_source_section_is_one_clear_message(tmp_path):
    (tmp_path / "p.toml").write_text('[source]\nframe = "mars"\nresidential_codes = [120302]\n'
                                     "homestead_m2_per_household = 0\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_profile(tmp_path / "p.toml")
    text = str(exc.value)
    assert "3 problems" in text and "frame" in text and "residential_codes" in text and "homestead" in text


# --- bad input -------------------------------------------------------------------------------------------------

def test_a_source_without_a_known_frame_needs_one(tmp_path):
    path = _geojson(tmp_path / "tencent.geojson", [{"id": "a", "name": "甲", "typecode": "120302",
                                                    "poly": _square(0, 0)}])
    with pytest.raises(InputError, match="--frame gcj02, --frame bd09 or --frame wgs84"):
        import_aoi(path, source="other")
    assert len(import_aoi(path, source="other", frame="gcj02").layers["compounds"]) == 1
    with pytest.raises(InputError, match="'utm' is not one zy_geo converts"):
        import_aoi(path, frame="utm")
    assert import_aoi(path, source="other", frame="火星").metadata["source_frame"] == "gcj02"
    with pytest.raises(InputError, match="source must be one of amap, baidu, other"):
        import_aoi(path, source="google")


def test_a_file_with_no_residential_rows_says_which_codes_were_looked_for(tmp_path):
    path = _geojson(tmp_path / "amap.geojson", [
        {"id": "a", "name": "万达广场", "typecode": "060101", "poly": _square(0, 0)},
        {"id": "b", "name": "资阳中学", "typecode": "141202", "poly": _square(300, 0)}])
    with pytest.raises(InputError) as exc:
        import_aoi(path)
    text = str(exc.value)
    assert "typecode in 120300, 120301, 120302, 120303" in text and "060101 ×1" in text and "--profile" in text
    assert len([p for p in exc.value.report if p.code == "not_residential"]) == 2
    gpd.GeoDataFrame({"DLBM": ["0101"]}, geometry=[_square(0, 0)], crs=ZONE).to_file(tmp_path / "t.gpkg")
    with pytest.raises(InputError, match="DLBM in 0701"):
        import_parcels(tmp_path / "t.gpkg")


@pytest.mark.parametrize(("shape", "says"), [
    ("104.63,30.13;104.64", "'104.64' is not a lng,lat pair"),
    ("hello", "'hello' is not a lng,lat pair"),
    ("104.63,30.13;104.64,30.13", "encloses nothing"),
    ("30.13,104.63;30.13,104.64;30.14,104.64", "lat,lng"),
    ("12139329,4047084;12139428,4046881;12139454,4046851", "bd09mc"),
    ("POINT (104.63 30.13)", "not a polygon"),
    ("POLYGON ((104.63 30.13, 104.64", "not a polygon of lng,lat points"),
])
def test_an_outline_that_is_not_a_polygon_names_its_row(tmp_path, shape, says):
    good = _pairs(_shifted(_square(0, 0), "gcj02"))
    path = tmp_path / "aoi.csv"
    pd.DataFrame({"id": ["a", "b"], "name": ["好小区", "坏小区"], "typecode": ["120302", "120302"],
                  "shape": [good, shape]}).to_csv(path, index=False)
    city = import_aoi(path)
    assert city.layers["compounds"]["name"].tolist() == ["好小区"]
    bad = next(p for p in city.problems if p.code == "not_a_polygon")
    assert (bad.severity, bad.row, bad.column) == ("error", 2, "shape")
    assert says in bad.message and "坏小区" in bad.message and bad.fix
    _rows_accounted(city, 2, first=1)


def test_a_table_without_an_outline_column_and_a_file_of_only_bad_outlines(tmp_path):
    (tmp_path / "poi.csv").write_text("id,name,typecode,lng,lat\na,甲,120302,104.63,30.13\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column with the AOI outline.*lng, lat.*points"):
        import_aoi(tmp_path / "poi.csv")
    (tmp_path / "bad.csv").write_text('id,name,typecode,shape\na,甲,120302,"1,2"\n', encoding="utf-8")
    with pytest.raises(InputError, match="none of its residential AOI has a usable outline") as exc:
        import_aoi(tmp_path / "bad.csv")
    assert [p.row for p in exc.value.report if p.code == "not_a_polygon"] == [1]


def test_aoi_points_instead_of_outlines_are_named(tmp_path):
    pts = gpd.GeoDataFrame({"id": ["a", "b"], "name": ["甲", "乙"], "typecode": ["120302", "120302"]},
                           geometry=[_lonlat(_square(0, 0)).centroid, _lonlat(_square(300, 0))], crs=4326)
    pts.to_file(tmp_path / "mixed.geojson")
    city = import_aoi(tmp_path / "mixed.geojson", frame="wgs84")
    assert city.layers["compounds"]["name"].tolist() == ["乙"]
    point = next(p for p in city.problems if p.code == "not_a_polygon")
    assert point.row == 0 and "Point" in point.message


# --- command line ----------------------------------------------------------------------------------------------

def test_cli_imports_an_aoi_city_that_propose_plans(tmp_path):
    rows = [{"id": f"B{i}", "name": f"小区{i}", "typecode": "120302", "poly": _square(130 * (i % 4), 130 * (i // 4))}
            for i in range(8)]
    rows.append({"id": "S", "name": "学校", "typecode": "141202", "poly": _square(0, 600)})
    path = _geojson(tmp_path / "amap.geojson", rows)
    out = tmp_path / "city.gpkg"
    runner = CliRunner()
    res = runner.invoke(cli, ["import", "aoi", str(path), "--out", str(out), "--source", "amap"])
    assert res.exit_code == 0, res.output
    assert "compounds: 8" in res.output and "gcj02 → WGS84" in res.output and "not_residential" in res.output
    meta = pyogrio.read_info(out, layer="compounds")["layer_metadata"]
    assert meta["source"] == "amap.geojson" and meta["source_frame"] == "gcj02" and "高德" in meta["licence"]
    res = runner.invoke(cli, ["propose", str(out), "--out", str(tmp_path / "proposals.gpkg")])
    assert res.exit_code == 0, res.output
    assert "areas for" in res.output


def test_cli_imports_parcels_and_names_bad_options(tmp_path):
    src = _parcels(tmp_path, cpg=False)
    runner = CliRunner()
    res = runner.invoke(cli, ["import", "parcels", str(src), "--out", str(tmp_path / "c.gpkg"), "--encoding", "GBK"])
    assert res.exit_code == 0, res.output
    assert "compounds: 2" in res.output and "buildings: 1 residential (1 outside any compound)" in res.output
    names = gpd.read_file(tmp_path / "c.gpkg", layer="compounds")["name"].tolist()
    assert names == ["莲花社区 0011号图斑", "莲花社区 0012号图斑"]
    geo = _geojson(tmp_path / "x.geojson", [{"id": "a", "name": "甲", "typecode": "120302", "poly": _square(0, 0)}])
    res = runner.invoke(cli, ["import", "aoi", str(geo), "--out", str(tmp_path / "d.gpkg"), "--source", "other"])
    assert res.exit_code == 1 and "--frame" in res.output and "Traceback" not in res.output
    res = runner.invoke(cli, ["import", "aoi", str(geo), "--out", str(tmp_path / "d.gpkg"), "--frame", "bd09mc"])
    assert res.exit_code == 2 and "gcj02" in res.output
