import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from zy_geo.errors import CRSError, CRSWarning, DataRepairWarning, InputError, ProblemReport
from zy_geo.io._checks import coordinate_problem
from zy_geo.io._encoding import detect_bytes_encoding, fix_mojibake, mojibake_encoding
from zy_geo.io.read import points_from_table, read_city, read_layer, read_table

NAMES = ["莲花小区", "三贤祠苑", "资溪街道零星住宅"]
# the 6,763 characters of GB2312 (rows 16–87), the ones compound names are written with
GB2312 = [bytes([hi, lo]).decode("gb2312") for hi in range(0xB0, 0xF8) for lo in range(0xA1, 0xFF)
          if not (hi == 0xD7 and lo > 0xF9)]
chinese = st.text(alphabet=st.sampled_from(GB2312), min_size=1, max_size=10)


def _write_quiet(gdf, path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns about a missing CRS, which is what we want to write
        pyogrio.write_dataframe(gdf, path, **kw)


def _gbk_shapefile(tmp_path, *, cpg):
    g = gpd.GeoDataFrame({"名称": NAMES, "户数": [120, 80, 12]},
                         geometry=[Point(462000 + i, 3334000) for i in range(3)], crs="EPSG:4544")
    path = tmp_path / "小区.shp"
    pyogrio.write_dataframe(g, path, encoding="GBK")
    if cpg is None:
        path.with_suffix(".cpg").unlink()
    else:
        path.with_suffix(".cpg").write_text(cpg)
    assert "莲花小区".encode("gbk") in path.with_suffix(".dbf").read_bytes()  # really GBK bytes on disk
    return path


# --- text encodings -----------------------------------------------------------------------


def test_gbk_shapefile_without_cpg_reads_correctly(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg=None)
    assert "Ãû³Æ" in pyogrio.read_dataframe(path).columns  # what GDAL alone gives
    report = ProblemReport()
    with pytest.warns(DataRepairWarning, match=r"`小区.shp`.*GB18030 but it has no \.cpg.*containing 'GBK'"):
        g = read_layer(path, report=report)
    assert list(g.columns[:2]) == ["名称", "户数"]
    assert g["名称"].tolist() == NAMES
    assert g["户数"].tolist() == [120, 80, 12]
    assert report.warnings[0].code == "text_encoding"


def test_gbk_shapefile_with_cpg_reads_without_warning(tmp_path):
    g = read_layer(_gbk_shapefile(tmp_path, cpg="GBK"))
    assert g["名称"].tolist() == NAMES


def test_gbk_shapefile_with_wrong_utf8_cpg_is_decoded_and_the_cpg_blamed(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg="UTF-8")
    with pytest.warns(DataRepairWarning, match=r"\.cpg says 'UTF-8'; decoded as GB18030"):
        g = read_layer(path)
    assert g["名称"].tolist() == NAMES


def test_explicit_encoding_is_honoured_without_warning(tmp_path):
    g = read_layer(_gbk_shapefile(tmp_path, cpg=None), encoding="GBK")
    assert g["名称"].tolist() == NAMES
    with pytest.raises(InputError, match=r"not UTF-8.*encoding="):
        read_layer(_gbk_shapefile(tmp_path, cpg=None), encoding="UTF-8")


def test_utf8_shapefile_with_cpg_reads_unchanged(tmp_path):
    g = gpd.GeoDataFrame({"名称": NAMES}, geometry=[Point(104.6 + i / 100, 30.1) for i in range(3)], crs="EPSG:4326")
    pyogrio.write_dataframe(g, tmp_path / "u.shp", encoding="UTF-8")
    assert (tmp_path / "u.cpg").read_text().upper().startswith("UTF")
    assert read_layer(tmp_path / "u.shp")["名称"].tolist() == NAMES


def test_mojibake_stored_in_a_geopackage_is_repaired(tmp_path):
    garbled = [n.encode("gbk").decode("latin-1") for n in NAMES]
    g = gpd.GeoDataFrame({"Ãû³Æ": garbled, "code": ["a", "b", "c"]},
                         geometry=[Point(104.6, 30.1)] * 3, crs="EPSG:4326")
    g.to_file(tmp_path / "m.gpkg")
    with pytest.warns(DataRepairWarning, match="latin-1 mojibake"):
        out = read_layer(tmp_path / "m.gpkg")
    assert out["名称"].tolist() == NAMES
    assert out["code"].tolist() == ["a", "b", "c"]


@given(chinese, st.sampled_from(["", "1号楼", "-A", "（二期）"]))
def test_mojibake_round_trip(text, suffix):
    text += suffix
    for enc, name in (("gbk", "gb18030"), ("utf-8", "utf-8")):
        garbled = text.encode(enc).decode("latin-1")
        assert fix_mojibake(garbled) == (text, name)
    assert fix_mojibake(text) == (text, None)


def test_western_text_is_not_repaired():
    assert fix_mojibake("Müller") == ("Müller", None)
    assert mojibake_encoding(["Café", "Zoë", "naïve", "Müller"]) is None


@settings(max_examples=50)
@given(chinese)
def test_short_gbk_bytes_are_detected_where_charset_normalizer_guesses(text):
    # charset-normalizer alone calls 2-8 GBK characters Big5/CP932/CP949; the direct test does not
    assert detect_bytes_encoding(text.encode("gbk")) == "gb18030"
    assert detect_bytes_encoding(text.encode("utf-8")) == "utf-8"


def test_long_non_chinese_text_falls_back_to_charset_normalizer():
    raw = ("name;city\n" + "Café Müller;Zoë Straße\n" * 20).encode("latin-1")
    enc = detect_bytes_encoding(raw)
    assert enc not in ("utf-8", "gb18030")
    assert raw.decode(enc).startswith("name;city\nCafé Müller")


# --- CRS --------------------------------------------------------------------------------


def test_shapefile_without_prj_says_how_to_declare(tmp_path):
    _write_quiet(gpd.GeoDataFrame({"a": [1]}, geometry=[Point(462000, 3334000)]), tmp_path / "n.shp")
    assert not (tmp_path / "n.prj").exists()
    with pytest.raises(CRSError, match=r"`n.shp` has no coordinate reference system.*crs='EPSG:4544'.*\.prj"):
        read_layer(tmp_path / "n.shp")
    assert read_layer(tmp_path / "n.shp", crs="EPSG:4544").crs.to_epsg() == 4544


def test_geopackage_with_undefined_srs_names_the_layer(tmp_path):
    _write_quiet(gpd.GeoDataFrame({"a": [1]}, geometry=[Point(462000, 3334000)]), tmp_path / "n.gpkg", layer="楼栋")
    with pytest.raises(CRSError, match=r"`n.gpkg` layer 楼栋 has no coordinate reference system"):
        read_layer(tmp_path / "n.gpkg", "楼栋")


def test_missing_layer_lists_the_layers(tmp_path):
    gpd.GeoDataFrame(geometry=[Point(104.6, 30.1)], crs="EPSG:4326").to_file(tmp_path / "a.gpkg", layer="roads")
    with pytest.raises(InputError, match="layers are: roads"):
        read_layer(tmp_path / "a.gpkg", "compounds")


def test_declared_crs_conflict_warns_and_trusts_file(tmp_path):
    gpd.GeoDataFrame(geometry=[Point(104.6, 30.1)], crs="EPSG:4326").to_file(tmp_path / "a.gpkg")
    with pytest.warns(CRSWarning, match=r"declares EPSG:4326 but crs='EPSG:4490'.*to_crs\('EPSG:4490'\)"):
        g = read_layer(tmp_path / "a.gpkg", crs="EPSG:4490")
    assert g.crs.to_epsg() == 4326


def test_wrong_prj_is_overridden_when_only_the_given_crs_fits(tmp_path):
    gpd.GeoDataFrame(geometry=[Point(462000, 3334000)], crs="EPSG:4326").to_file(tmp_path / "w.gpkg")
    with pytest.raises(CRSError, match=r"declared EPSG:4326.*without zone number.*EPSG:4544 for 105° E"):
        read_layer(tmp_path / "w.gpkg")
    with pytest.warns(CRSWarning, match="only fit the crs='EPSG:4544'"):
        assert read_layer(tmp_path / "w.gpkg", crs="EPSG:4544").crs.to_epsg() == 4544


def test_swapped_lat_lon_detected_and_fixable(tmp_path):
    pts = [Point(30.13, 104.62), Point(30.14, 104.63)]
    gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326").to_file(tmp_path / "s.gpkg")
    with pytest.raises(CRSError, match=r"look like \(lat, lon\): x is 30.13…30.14.*swap_xy=True"):
        read_layer(tmp_path / "s.gpkg")
    g = read_layer(tmp_path / "s.gpkg", swap_xy=True)
    assert g.geometry.x.tolist() == [104.62, 104.63]


def test_one_swapped_feature_is_named(tmp_path):
    g = gpd.GeoDataFrame({"name": ["好", "反"]}, geometry=[Point(104.62, 30.13), Point(30.14, 104.63)],
                         crs="EPSG:4326")
    g.to_file(tmp_path / "p.gpkg")
    with pytest.raises(CRSError, match=r"1 of 2 features: FID 2 \(name='反'\).*only they are swapped"):
        read_layer(tmp_path / "p.gpkg")
    g.set_geometry([Point(104.62, 30.13), Point(2.35, 48.85)], crs="EPSG:4326").to_file(tmp_path / "q.gpkg")
    with pytest.raises(CRSError, match=r"1 of 2 features: FID 2 \(name='反'\)\). Fix: correct or delete"):
        read_layer(tmp_path / "q.gpkg")


def test_northing_easting_swapped_shapefile_detected(tmp_path):
    poly = box(3334000, 462000, 3334100, 462100)  # X = northing, as a survey table lists it
    gpd.GeoDataFrame({"id": [1]}, geometry=[poly], crs="EPSG:4544").to_file(tmp_path / "ne.shp")
    with pytest.raises(CRSError, match=r"\(northing, easting\).*x is 3,334,000…3,334,100.*swap_xy=True"):
        read_layer(tmp_path / "ne.shp")
    assert read_layer(tmp_path / "ne.shp", swap_xy=True).total_bounds.tolist() == [462000, 3334000, 462100, 3334100]


def test_northing_easting_swap_and_zone_prefix_in_tables():
    df = pd.DataFrame({"X": ["3334000.5", "3334100"], "Y": ["462000", "462050.2"]})
    with pytest.raises(CRSError, match=r"survey.csv columns X/Y: coordinates look like \(northing, easting\)"):
        points_from_table(df, x="X", y="Y", crs="EPSG:4544", where="survey.csv")
    ok = points_from_table(df, x="Y", y="X", crs="EPSG:4544")
    assert ok.geometry.x.tolist() == [462000.0, 462050.2]
    zoned = pd.DataFrame({"E": ["35462000"], "N": ["3334000"]})
    with pytest.raises(CRSError, match=r"fit EPSG:4523.*declare crs='EPSG:4523'"):
        points_from_table(zoned, x="E", y="N", crs="EPSG:4544")
    with pytest.raises(CRSError, match="nor any usual Chinese CRS"):
        points_from_table(pd.DataFrame({"lon": [2.35], "lat": [48.85]}))
    # metres without a zone number declared as degrees: every 3-degree zone fits, so none is guessed
    with pytest.raises(CRSError, match=r"without zone number \(EPSG:4534–4554.*metric_crs_for\(longitude\)") as err:
        points_from_table(pd.DataFrame({"E": [462000.0], "N": [3334000.0]}), x="E", y="N", crs="EPSG:4490")
    assert "crs='EPSG:4544'" not in str(err.value)


ziyang = st.tuples(st.floats(104.3, 104.9), st.floats(29.9, 30.4))


@settings(max_examples=60)
@given(ziyang, st.sampled_from(["EPSG:4326", "EPSG:4490", "EPSG:4544", "EPSG:4523"]))
def test_swap_check_never_flags_good_points_and_always_flags_swapped(pt, crs):
    x, y = gpd.GeoSeries([Point(*pt)], crs="EPSG:4326").to_crs(crs).get_coordinates().to_numpy()[0]
    assert coordinate_problem(np.array([x]), np.array([y]), crs, where="t") is None
    assert "swap_xy=True" in coordinate_problem(np.array([y]), np.array([x]), crs, where="t")


def test_gcj02_frame_converted_on_read_and_said(tmp_path):
    _write_quiet(gpd.GeoDataFrame(geometry=[Point(104.6294027859, 30.1281521760)]), tmp_path / "g.shp")
    report = ProblemReport()
    g = read_layer(tmp_path / "g.shp", frame="gcj02", report=report)  # no .prj: Amap picks are lon/lat
    assert g.crs.to_epsg() == 4326
    assert g.attrs["zy_source_frame"] == "gcj02"
    assert (g.geometry.x.iloc[0], g.geometry.y.iloc[0]) == pytest.approx((104.627, 30.131), abs=1e-9)
    assert report.problems[-1].code == "frame_converted"
    with pytest.raises(InputError, match="frame must be one of"):
        read_layer(tmp_path / "g.shp", frame="wgs")


# --- geometry -------------------------------------------------------------------------


def _bowtie_file(tmp_path):
    bowtie = Polygon([(462000, 3334000), (462100, 3334100), (462100, 3334000), (462000, 3334100)])
    g = gpd.GeoDataFrame({"compound_id": ["ok", "bow"]}, geometry=[box(462000, 3334200, 462050, 3334250), bowtie],
                         crs="EPSG:4544")
    g.to_file(tmp_path / "b.gpkg", layer="compounds")
    return tmp_path / "b.gpkg"


def test_bowtie_repaired_with_warning_naming_feature(tmp_path):
    report = ProblemReport()
    with pytest.warns(DataRepairWarning, match=r"(?s)`b.gpkg` layer compounds: 1 invalid geometry.*"
                                               r"FID 2 \(compound_id='bow'\): Self-intersection"):
        out = read_layer(_bowtie_file(tmp_path), "compounds", report=report)
    assert out.is_valid.all()
    assert len(out) == 2
    assert out.geometry.iloc[1].geom_type == "MultiPolygon"
    assert out.geometry.iloc[1].area == pytest.approx(5000)
    assert report.warnings[0].row == 2
    assert report.warnings[0].code == "repaired_geometry"


def test_bowtie_without_repair_is_an_error_or_a_listed_problem(tmp_path):
    with pytest.raises(InputError, match=r"(?s)repair=False.*FID 2 \(compound_id='bow'\): invalid geometry"):
        read_layer(_bowtie_file(tmp_path), repair=False)
    report = ProblemReport()
    out = read_layer(_bowtie_file(tmp_path), repair=False, report=report)
    assert out["compound_id"].tolist() == ["ok"]
    assert report.errors[0].row == 2
    assert report.errors[0].code == "invalid_geometry"


def test_missing_geometry_reported_not_silently_dropped(tmp_path):
    g = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[box(462000, 3334000, 462010, 3334010), None],
                         crs="EPSG:4544")
    g.to_file(tmp_path / "m.gpkg")
    report = ProblemReport()
    out = read_layer(tmp_path / "m.gpkg", report=report)
    assert out["name"].tolist() == ["a"]
    assert report.errors[0].row == 2
    assert report.errors[0].code == "no_geometry"
    with pytest.warns(DataRepairWarning, match=r"(?s)1 feature\(s\) left out.*FID 2 \(name='b'\): has no geometry"):
        read_layer(tmp_path / "m.gpkg")


# --- tables ---------------------------------------------------------------------------

EXPECTED = [{"街道代码": "512002001", "小区编号": "0012", "名称": "莲花小区", "户数": "1,200"},
            {"街道代码": "512002004", "小区编号": "0103", "名称": "狮子山小区", "户数": np.nan}]


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","),
                                               ("gb18030", ";"), ("utf-16", "\t")])
def test_csv_encodings_read_the_same_and_codes_stay_strings(tmp_path, encoding, sep):
    rows = [["街道代码", "小区编号", "名称", "户数"], ["512002001", "0012", "莲花小区", '"1,200"'],
            ["512002004", "0103", "狮子山小区", ""]]
    text = "\n".join(sep.join(r) for r in rows) + "\n"
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode(encoding))
    df = read_table(p)
    assert df.to_dict("records") == EXPECTED
    assert df.attrs["encoding"] == {"gbk": "gb18030", "utf-16": "utf-16"}.get(encoding, encoding)


def test_xlsx_sheet_keeps_codes_as_strings(tmp_path):
    p = tmp_path / "t.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as w:
        pd.DataFrame({"x": [1]}).to_excel(w, sheet_name="说明", index=False)
        sheet = pd.DataFrame({"街道代码": [512002001], "小区编号": ["0012"], "户数": [120]})
        sheet.to_excel(w, sheet_name="小区", index=False)
    df = read_table(p, sheet="小区")
    assert df.to_dict("records") == [{"街道代码": "512002001", "小区编号": "0012", "户数": "120"}]
    with pytest.raises(InputError, match="no sheet '台账'; its sheets are: 说明, 小区"):
        read_table(p, sheet="台账")
    (tmp_path / "old.xls").write_bytes(b"")
    with pytest.raises(InputError, match=r"save it as .xlsx"):
        read_table(tmp_path / "old.xls")


def test_points_from_table_reads_messy_numbers_and_lists_bad_ones():
    df = pd.DataFrame({"lon": ["１０４.６２７", "104.63", "", "约104.6"], "lat": ["30.131", "30.13", "", "30.1"]})
    with pytest.raises(InputError, match=r"row 4, column lon: '约104.6' is not a coordinate"):
        points_from_table(df, where="picks.csv")
    report = ProblemReport()
    g = points_from_table(df, report=report, where="picks.csv")
    assert g.geometry.x.iloc[0] == pytest.approx(104.627)
    assert g.geometry.iloc[2] is None
    assert g.geometry.iloc[3] is None
    assert list(g.index) == [0, 1, 2, 3]
    assert [(p.severity, p.row, p.code) for p in report] == [("error", 4, "not_a_number"),
                                                             ("warning", 3, "no_coordinates")]
    with pytest.raises(InputError, match="no column 'x'"):
        points_from_table(df, x="x")


def test_points_from_table_in_gcj02():
    g = points_from_table(pd.DataFrame({"lon": [104.6294027859], "lat": [30.1281521760]}), frame="gcj02")
    assert (g.geometry.x.iloc[0], g.geometry.y.iloc[0]) == pytest.approx((104.627, 30.131), abs=1e-9)


def test_read_city_puts_every_layer_in_metres(tmp_path):
    p = tmp_path / "c.gpkg"
    gpd.GeoDataFrame(geometry=[box(462000, 3334000, 462010, 3334010)], crs="EPSG:4544").to_file(p, layer="extra")
    gpd.GeoDataFrame({"compound_id": ["a"]}, geometry=[Point(104.627, 30.131).buffer(0.0001)],
                     crs="EPSG:4326").to_file(p, layer="compounds")
    gpd.GeoDataFrame({"street_code": ["1"], "street": ["甲街道"]}, geometry=[box(462000, 3334000, 462010, 3334010)],
                     crs="EPSG:4544").to_file(p, layer="streets")
    layers = read_city(p)
    assert list(layers) == ["streets", "compounds", "extra"]  # CITY_LAYERS order first
    assert all(g.crs.to_epsg() == 4544 for g in layers.values())
    with pytest.raises(InputError, match="does not exist"):
        read_city(tmp_path / "nope.gpkg")


@pytest.mark.parametrize(("folder", "name"), [("ok", "a!b.gpkg"), ("ok", "a;b.gpkg"), ("x!y", "city.gpkg"),
                                              ("ok", "zip:city.gpkg"), ("x!y", "小区.shp")])
def test_a_file_is_read_by_its_name_even_with_characters_gdal_paths_treat_specially(tmp_path, monkeypatch,
                                                                                    folder, name):
    # pyogrio reads '!' as archive!member, ';' as URL parameters and 'zip:' as a scheme: the file named
    # 'a!b.gpkg' was looked for as 'b.gpkg', and 'http:x.gpkg' was fetched from the network
    g = gpd.GeoDataFrame({"compound_id": ["c0", "c1", "c2"], "名称": NAMES},
                         geometry=[box(462000 + 200 * i, 3334000, 462100 + 200 * i, 3334100) for i in range(3)],
                         crs="EPSG:4544")
    if not name.endswith(".gpkg"):
        g = g.drop(columns="compound_id")  # a shapefile field name holds 10 characters; read_layer needs no id
    (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / folder)
    pyogrio.write_dataframe(g, tmp_path / "plain.gpkg" if name.endswith(".gpkg") else tmp_path / "plain.shp",
                            layer="compounds" if name.endswith(".gpkg") else None)
    for plain in tmp_path.glob("plain.*"):
        plain.rename(tmp_path / folder / (name.rsplit(".", 1)[0] + plain.suffix))
    got = read_city(name)["compounds"] if name.endswith(".gpkg") else read_layer(tmp_path / folder / name)
    assert got["name" if "name" in got.columns else "名称"].tolist() == NAMES  # read_city names it at the door
