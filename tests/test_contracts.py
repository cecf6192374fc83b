"""The door in: every city layer and the ledger are checked once, against their contract, where they enter.

Each fixture is a tiny GeoPackage or CSV written in a tmp folder; the answer is in the test's name.
"""

import dataclasses

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from zy_geo.areas.propose import propose_areas
from zy_geo.contracts import CITY_CONTRACTS, LEDGER_CONTRACT, Bounds, check_layer
from zy_geo.errors import DataRepairWarning, InputError, Problem, ProblemReport
from zy_geo.io.read import read_city
from zy_geo.ledger.read import read_ledger
from zy_geo.schema import CITY_LAYERS, LEDGER_COLUMNS

CRS = "EPSG:4544"
X, Y = 462000, 3334000  # Ziyang's centre in EPSG:4544 metres
PHONE, ID_NUMBER = "13812345678", "51200219900101123X"


def _squares(n):
    return [box(X + 80 * i, Y, X + 80 * i + 60, Y + 60) for i in range(n)]


def _compounds(ids=("a", "b"), households=None, geometry=None, **extra):
    n = len(ids)
    households = [60] * n if households is None else list(households)
    return gpd.GeoDataFrame({"compound_id": list(ids), "name": [f"小区{i}" for i in range(n)],
                             "street": ["莲花街道"] * n, "households": households, "mode": ["none"] * n,
                             "kind": ["open"] * n, **extra},
                            geometry=geometry or _squares(n), crs=CRS)


def _streets(**columns):
    data = {"code": ["512002001"], "street": ["莲花街道"], "body": ["雁江区"]} | columns
    return gpd.GeoDataFrame(data, geometry=[box(X - 500, Y - 500, X + 1500, Y + 500)], crs=CRS)


def _city(tmp_path, name="city", **layers):
    """A GeoPackage with a streets layer and the given layers (compounds default: two squares)."""
    path = tmp_path / f"{name}.gpkg"
    layers = {"streets": _streets(), "compounds": _compounds()} | layers
    for layer, gdf in layers.items():
        gdf.to_file(path, layer=layer)
    return path


def _errors(exc_info, code):
    return [p for p in exc_info.value.report.errors if p.code == code]


# --- one contract per layer ------------------------------------------------------------------------------------


def test_every_city_layer_and_every_ledger_column_has_a_contract():
    assert set(CITY_CONTRACTS) == set(CITY_LAYERS)
    assert [c.name for c in LEDGER_CONTRACT.columns] == list(LEDGER_COLUMNS)
    assert {n: c.geometry for n, c in CITY_CONTRACTS.items() if n in ("compounds", "roads", "rail", "rivers")} == {
        "compounds": "polygon", "roads": "line", "rail": "line", "rivers": "polygon"}
    assert CITY_CONTRACTS["compounds"].required == ["compound_id"]
    assert CITY_CONTRACTS["streets"].required == ["street_code", "street"]


def test_the_sample_city_passes_its_contracts_unchanged_but_for_the_street_code(tmp_path):
    from zy_geo.sample.generate import make_sample, write_sample

    city = make_sample(scale=0.05, seed=1)
    report = ProblemReport()
    layers = read_city(write_sample(city, tmp_path)["city"], report=report)
    assert not [p for p in report if p.severity != "info"]
    assert "street_code" in layers["streets"]
    assert "code" not in layers["streets"]
    assert layers["compounds"].drop(columns="geometry").equals(
        city.layers["compounds"].drop(columns="geometry").reset_index(drop=True))


# --- defect: duplicate or missing compound_id ----------------------------------------------------------------


def test_a_duplicate_compound_id_is_an_error_naming_both_features_and_the_fix(tmp_path):
    path = _city(tmp_path, compounds=_compounds(ids=("a", "a", "b")))
    with pytest.raises(InputError, match=r"compounds row 2, column compound_id: FID 2 .* has compound_id 'a', "
                       r"already used by FID 1 .*Fix: give this feature its own compound_id") as exc:
        read_city(path)
    assert [(p.layer, p.row, p.column) for p in _errors(exc, "duplicate_id")] == [("compounds", 2, "compound_id")]


def test_a_compound_without_id_is_an_error_not_a_key_error(tmp_path):
    path = _city(tmp_path, compounds=_compounds(ids=("a", None, "  ")))
    with pytest.raises(InputError, match=r"FID 2 \(name='小区1'\) has no compound_id \(小区编号\)"
                       r".*Fix: fill in a unique compound_id") as exc:
        read_city(path)
    assert [p.row for p in _errors(exc, "missing_id")] == [2, 3]


def test_duplicate_street_codes_are_refused_too(tmp_path):
    streets = pd.concat([_streets(), _streets(street=["三贤祠街道"])], ignore_index=True)
    with pytest.raises(InputError, match=r"streets row 2, column code: .*has street_code '512002001'"):
        read_city(_city(tmp_path, streets=streets))


def test_a_compounds_layer_without_compound_id_names_the_column_and_what_it_has(tmp_path):
    path = _city(tmp_path, compounds=_compounds().drop(columns="compound_id"))
    with pytest.raises(InputError, match=r"no column compound_id \(小区编号\), which every plan, area and join needs; "
                       r"the layer has: name, street"):
        read_city(path)


# --- defect: implausible numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("households", "message"), [
    (-500, "households -500 is outside the plausible range 0–20,000"),
    (1e12, "households 1000000000000 is outside the plausible range 0–20,000"),
    ("很多", "'很多' is not a number"),
    (float("inf"), "inf is not a finite number"),
    (12.5, "12.5 is not a whole number"),
])
def test_implausible_households_are_errors_naming_the_feature_and_column(tmp_path, households, message):
    hh = [households, "60"] if isinstance(households, str) else [households, 60.0]
    path = _city(tmp_path, compounds=_compounds(households=hh))
    with pytest.raises(InputError, match=rf"compounds row 1, column households: FID 1 \(compound_id='a'\): {message}"):
        read_city(path)


def test_numbers_written_as_text_are_read_and_bounds_can_be_widened(tmp_path):
    path = _city(tmp_path, compounds=_compounds(households=["1,200", "25000户"]))
    with pytest.raises(InputError, match="households 25000 is outside"):
        read_city(path)
    compounds = read_city(path, bounds=Bounds(households=(0, 40_000)))["compounds"]
    assert compounds["households"].tolist() == [1200, 25000]
    assert compounds["households"].dtype == "int64"


def test_built_year_and_floor_area_have_bounds_too(tmp_path):
    path = _city(tmp_path, compounds=_compounds(built_year=[1850, 2003], floor_area_m2=[-1.0, 500.0]))
    with pytest.raises(InputError) as exc:
        read_city(path)
    assert {(p.row, p.column) for p in _errors(exc, "out_of_range")} == {(1, "built_year"), (1, "floor_area_m2")}


def test_bounds_refuse_a_range_upside_down():
    with pytest.raises(InputError, match=r"Bounds.households=\(100, 0\): expected \(lowest, highest\)"):
        Bounds(households=(100, 0))
    assert dataclasses.replace(Bounds(), built_year=(1950, 2025)).built_year == (1950, 2025)


# --- defect: points or lines as compounds ----------------------------------------------------------------------


@pytest.mark.parametrize("geometry", [Point(X, Y), LineString([(X, Y), (X + 60, Y)])])
def test_points_and_lines_are_not_compounds(tmp_path, geometry):
    path = _city(tmp_path, compounds=_compounds(geometry=[geometry, _squares(2)[1]]))
    with pytest.raises(InputError, match=rf"FID 1 \(compound_id='a'\) is a {geometry.geom_type}, but compounds must "
                       r"be polygons"):
        read_city(path)


def test_polygons_are_not_roads(tmp_path):
    roads = gpd.GeoDataFrame({"road_class": ["local"]}, geometry=[box(X, Y, X + 10, Y + 200)], crs=CRS)
    with pytest.raises(InputError, match="is a Polygon, but roads must be lines"):
        read_city(_city(tmp_path, roads=roads))


# --- every violation, in one report; warnings pass --------------------------------------------------------------


def test_every_violation_of_every_layer_is_in_the_one_report(tmp_path):
    roads = gpd.GeoDataFrame({"name": ["人民路"]}, geometry=[LineString([(X, Y), (X, Y + 100)])], crs=CRS)
    compounds = _compounds(ids=("a", "a", None), households=(-1, 60, 70),
                           geometry=[Point(X, Y), *_squares(3)[1:]])
    report = ProblemReport()
    with pytest.raises(InputError, match="breaks its contract") as exc:
        read_city(_city(tmp_path, roads=roads, compounds=compounds), report=report)
    assert exc.value.report is report
    found = {(p.layer, p.row, p.code) for p in report.errors}
    assert found == {("roads", None, "missing_column"), ("compounds", 1, "wrong_geometry"),
                     ("compounds", 2, "duplicate_id"), ("compounds", 3, "missing_id"),
                     ("compounds", 1, "out_of_range")}
    assert all(p.source == "city.gpkg" and p.fix for p in report.errors)


def test_an_unreadable_yes_no_is_a_warning_and_the_read_goes_on(tmp_path):
    path = _city(tmp_path, compounds=_compounds(walled=["有", "也许"]))
    with pytest.warns(DataRepairWarning, match=r"compounds row 2, column walled: .*'也许' is not yes/no"):
        compounds = read_city(path)["compounds"]
    assert compounds["walled"].tolist() == [True, pd.NA]


def test_chinese_modes_and_road_classes_are_read_as_their_keys(tmp_path):
    roads = gpd.GeoDataFrame({"road_class": ["主干路"]}, geometry=[LineString([(X, Y), (X, Y + 100)])], crs=CRS)
    compounds = _compounds()
    compounds["mode"] = ["专业化物业管理", "none"]
    layers = read_city(_city(tmp_path, roads=roads, compounds=compounds))
    assert layers["compounds"]["mode"].tolist() == ["professional", "none"]
    assert layers["roads"]["road_class"].tolist() == ["arterial"]
    compounds["mode"] = ["物管", "none"]
    with pytest.raises(InputError, match="'物管' is not a known 管理方式"):
        check_layer(compounds, "compounds")


# --- defect: names normalised once at the door -----------------------------------------------------------------


def test_the_streets_code_becomes_street_code_at_the_door_and_area_ids_start_with_it(tmp_path):
    layers = read_city(_city(tmp_path))
    assert layers["streets"].columns.tolist() == ["street_code", "street", "body", "geometry"]
    r = propose_areas(layers["compounds"], streets=layers["streets"])
    assert r.areas["area_id"].tolist() == ["512002001-A001"]
    assert r.members["street_code"].eq("512002001").all()


def test_a_compound_layer_with_chinese_headers_is_read_under_canonical_names(tmp_path):
    compounds = _compounds().rename(columns={"compound_id": "小区编号", "households": "户数"})
    layers = read_city(_city(tmp_path, compounds=compounds))
    assert {"compound_id", "households"} <= set(layers["compounds"].columns)


# --- defect: personal data typed into free text ----------------------------------------------------------------


def test_phone_and_id_numbers_in_city_layer_text_are_masked(tmp_path):
    compounds = _compounds(address=[f"建设路1号 身份证{ID_NUMBER}", "建设路2号"], 备注=[f"联系王{PHONE}", None])
    compounds["name"] = ["锦华小区 0832-2345678", "建设路12号院"]
    report = ProblemReport()
    c = read_city(_city(tmp_path, compounds=compounds), report=report)["compounds"]
    assert c["name"].tolist() == ["锦华小区 0832-***5678", "建设路12号院"]
    assert c["address"].iloc[0] == "建设路1号 身份证5120**********123X"
    assert c["备注"].iloc[0] == "联系王138****5678"
    assert c["compound_id"].tolist() == ["a", "b"]  # ids are not free text
    masked = {(p.row, p.column) for p in report if p.code == "pii_masked"}
    assert masked == {(1, "name"), (1, "address"), (1, "备注")}


def test_phone_and_id_numbers_in_ledger_text_are_masked(tmp_path):
    p = tmp_path / "莲花街道.csv"
    p.write_text(f"小区名称,户数,地址,社区\n锦华小区 王{PHONE},50,身份证{ID_NUMBER},红旗社区\n", encoding="utf-8")
    led = read_ledger(p)
    row = led.table.iloc[0]
    assert (row["name"], row["address"]) == ("锦华小区 王138****5678", "身份证5120**********123X")
    assert {(q.row, q.column) for q in led.problems if q.code == "pii_masked"} == {(2, "小区名称"), (2, "地址")}


def test_a_phone_typed_into_the_households_cell_is_refused_and_never_echoed(tmp_path):
    p = tmp_path / "莲花街道.csv"
    p.write_text(f"小区名称,户数\n甲小区,{PHONE}\n乙小区,电话{PHONE}\n丙小区,1000000000000\n", encoding="utf-8")
    led = read_ledger(p)
    assert led.table.empty
    text = led.report() + led.problems.to_frame().to_csv()
    assert PHONE not in text
    assert "'138****5678' looks like a phone or ID number" in text
    assert "'电话138****5678' is not a number" in text
    assert "'1000000000000' is outside the plausible range 0–20,000" in text


def test_a_problem_masks_what_it_quotes():
    p = Problem("error", f"{PHONE!r} is not a number", column="户数", value=int(PHONE), fix=f"call {PHONE}")
    assert PHONE not in str(p)
    assert p.value == "138****5678"
    assert PHONE not in ProblemReport([p]).to_frame().to_csv()


def test_an_id_number_run_together_with_other_digits_is_masked_too():
    # a CSV row split by a line break in a name glued 身份证号 to the next row's 小区编号 in a problem message
    from zy_geo._pii import redact_pii

    masked = redact_pii(",139****5670,512002198001014321512002005-0001,")
    assert "198001014321" not in masked and masked.endswith("2005-0001,")
    assert redact_pii("6222021234567890123") == "6222***********0123"  # a bank card number
    assert redact_pii("512002001-0001, 2023, 120") == "512002001-0001, 2023, 120"  # codes and counts stay


def test_a_csv_ledger_with_a_bare_cr_inside_a_cell_is_read_not_a_traceback(tmp_path):
    from zy_geo.ledger import read_ledger

    p = tmp_path / "莲花街道.csv"
    p.write_bytes("小区名称,户数,门岗\n莲花\r小区,120,有\n宝莲小区,80,有\n".encode())
    r = read_ledger(p)  # the CR ends a row, as in Excel; before: csv.Error traceback
    assert "宝莲小区" in r.table["name"].tolist()
