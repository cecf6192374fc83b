import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from zy_geo._encoding import fix_mojibake
from zy_geo._errors import CRSError, CRSWarning, DataRepairWarning, InputError, ProblemReport
from zy_geo.io import points_from_table, read_city, read_layer, read_table

NAMES = ["莲花小区", "三贤祠苑", "资溪街道零星住宅"]


def _gbk_shapefile(tmp_path, *, cpg):
    g = gpd.GeoDataFrame({"名称": NAMES, "户数": [120, 80, 12]},
                         geometry=[Point(462000 + i, 3334000) for i in range(3)], crs="EPSG:4544")
    path = tmp_path / "小区.shp"
    pyogrio.write_dataframe(g, path, encoding="GBK")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    assert "莲花小区".encode("gbk") in path.with_suffix(".dbf").read_bytes()
    return path


def test_gbk_shapefile_without_cpg_reads_correctly(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg=False)
    with pytest.warns(DataRepairWarning, match=r"GB18030.*no \.cpg"):
        g = read_layer(path)
    assert list(g.columns[:2]) == ["名称", "户数"]
    assert g["名称"].tolist() == NAMES


def test_gbk_shapefile_with_cpg_reads_without_warning(tmp_path):
    g = read_layer(_gbk_shapefile(tmp_path, cpg=True))
    assert g["名称"].tolist() == NAMES


def test_utf8_shapefile_unchanged(tmp_path):
    g = gpd.GeoDataFrame({"名称": NAMES}, geometry=[Point(i, i) for i in range(3)], crs="EPSG:4326")
    g["geometry"] = [Point(104.6 + i / 100, 30.1) for i in range(3)]
    pyogrio.write_dataframe(g, tmp_path / "u.shp", encoding="UTF-8")
    assert read_layer(tmp_path / "u.shp")["名称"].tolist() == NAMES


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2, max_size=12))
def test_mojibake_round_trip(text):
    garbled = text.encode("gb18030").decode("latin-1")
    assert fix_mojibake(garbled)[0] == text
    assert fix_mojibake(text) == (text, None)


def test_layer_without_crs_says_how_to_declare(tmp_path):
    g = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(462000, 3334000)])
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio agrees it is a bad file
        pyogrio.write_dataframe(g, tmp_path / "n.shp")
    with pytest.raises(CRSError, match=r"no coordinate reference system.*crs='EPSG:4544'"):
        read_layer(tmp_path / "n.shp")
    assert read_layer(tmp_path / "n.shp", crs="EPSG:4544").crs.to_epsg() == 4544


def test_declared_crs_conflict_warns_and_trusts_file(tmp_path):
    gpd.GeoDataFrame(geometry=[Point(104.6, 30.1)], crs="EPSG:4326").to_file(tmp_path / "a.gpkg")
    with pytest.warns(CRSWarning, match=r"declares EPSG:4326.*to_crs"):
        g = read_layer(tmp_path / "a.gpkg", crs="EPSG:4544")
    assert g.crs.to_epsg() == 4326


def test_swapped_lat_lon_detected_and_fixable(tmp_path):
    gpd.GeoDataFrame(geometry=[Point(30.13, 104.62), Point(30.14, 104.63)], crs="EPSG:4326").to_file(tmp_path / "s.gpkg")
    with pytest.raises(CRSError, match=r"look like \(lat, lon\).*swap_xy=True"):
        read_layer(tmp_path / "s.gpkg")
    g = read_layer(tmp_path / "s.gpkg", swap_xy=True)
    assert g.geometry.x.tolist() == [104.62, 104.63]


def test_northing_easting_swap_and_zone_prefix_detected():
    df = pd.DataFrame({"X": ["3334000.5", "3334100"], "Y": ["462000", "462050.2"]})
    with pytest.raises(CRSError, match=r"\(northing, easting\)"):
        points_from_table(df, x="X", y="Y", crs="EPSG:4544", where="survey.csv")
    ok = points_from_table(df, x="Y", y="X", crs="EPSG:4544")
    assert ok.geometry.x.tolist() == [462000.0, 462050.2]
    zoned = pd.DataFrame({"E": ["35462000"], "N": ["3334000"]})
    with pytest.raises(CRSError, match="EPSG:4523"):
        points_from_table(zoned, x="E", y="N", crs="EPSG:4544")


def test_gcj02_frame_converted_on_read(tmp_path):
    gpd.GeoDataFrame(geometry=[Point(104.6294027859, 30.1281521760)], crs="EPSG:4326").to_file(tmp_path / "g.gpkg")
    g = read_layer(tmp_path / "g.gpkg", frame="gcj02")
    assert g.geometry.x.iloc[0] == pytest.approx(104.627, abs=1e-9)


def test_bowtie_repaired_with_warning_naming_feature(tmp_path):
    bowtie = Polygon([(462000, 3334000), (462100, 3334100), (462100, 3334000), (462000, 3334100)])
    g = gpd.GeoDataFrame({"compound_id": ["ok", "bow"]}, geometry=[box(462000, 3334200, 462050, 3334250), bowtie],
                         crs="EPSG:4544")
    g.to_file(tmp_path / "b.gpkg")
    report = ProblemReport()
    with pytest.warns(DataRepairWarning, match=r"FID 1 \(compound_id='bow'\).*Self-intersection"):
        out = read_layer(tmp_path / "b.gpkg", report=report)
    assert out.is_valid.all() and len(out) == 2
    assert out.geometry.iloc[1].area == pytest.approx(5000)
    assert report.warnings[0].row == 1


def test_missing_geometry_reported_not_silently_dropped(tmp_path):
    g = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[box(462000, 3334000, 462010, 3334010), None], crs="EPSG:4544")
    g.to_file(tmp_path / "m.gpkg")
    report = ProblemReport()
    out = read_layer(tmp_path / "m.gpkg", report=report)
    assert len(out) == 1 and report.errors[0].row == 1 and report.errors[0].code == "no_geometry"
    with pytest.warns(DataRepairWarning, match=r"without geometry left out: FID 1 \(name='b'\)"):
        read_layer(tmp_path / "m.gpkg")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_encodings_read_the_same_and_codes_stay_strings(tmp_path, encoding):
    text = "街道代码,小区编号,名称,户数\n512002001,0012,莲花小区,\"1,200\"\n"
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode(encoding))
    df = read_table(p)
    assert df.to_dict("records") == [{"街道代码": "512002001", "小区编号": "0012", "名称": "莲花小区", "户数": "1,200"}]


def test_read_city_puts_every_layer_in_metres(tmp_path):
    p = tmp_path / "c.gpkg"
    gpd.GeoDataFrame(geometry=[Point(104.627, 30.131)], crs="EPSG:4326").to_file(p, layer="compounds")
    gpd.GeoDataFrame(geometry=[box(462000, 3334000, 462010, 3334010)], crs="EPSG:4544").to_file(p, layer="streets")
    layers = read_city(p)
    assert set(layers) == {"compounds", "streets"}
    assert all(g.crs.to_epsg() == 4544 for g in layers.values())
    with pytest.raises(InputError, match="does not exist"):
        read_city(tmp_path / "nope.gpkg")
