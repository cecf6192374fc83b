"""A metric frame true at any longitude, and a display frame per layer on the command line.

Each city is a tiny GeoPackage written in EPSG:4326 at a known longitude: a ~500 m square compound and
a ~1 km road. Read back, their areas and lengths must match the geodesic ones (pyproj.Geod on GRS80,
CGCS2000's ellipsoid) to 0.1 % — which EPSG:4544 everywhere (the old behaviour) misses by 3–6 % in Shanghai.
"""

import logging
import math

import geopandas as gpd
import openpyxl
import pyogrio
import pytest
from click.testing import CliRunner
from pyproj import CRS, Geod
from shapely.geometry import LineString, box

from zy_geo.cli import cli
from zy_geo.config import Settings, load_config
from zy_geo.crs import (
    FRAME_ATTR,
    GK_MERIDIANS,
    check_metric_crs,
    choose_metric_crs,
    metric_crs_for,
    to_frame,
    to_metric,
    zone_crs,
)
from zy_geo.errors import CRSError, CRSWarning, InputError
from zy_geo.io.read import crs_record, read_city
from zy_geo.pipeline import run

GEOD = Geod(ellps="GRS80")
#: (name, centre lon, centre lat, the zone read_city must choose)
CITIES = [
    ("Ziyang", 104.627, 30.131, "EPSG:4544"),
    ("Shanghai", 121.47, 31.23, "EPSG:4549"),  # People's Square; CM 120E (zone 40 covers 118.5–121.5 E)
    ("Urumqi", 87.62, 43.83, "EPSG:4538"),  # CM 87E, not 90E: 87.6 is 0.6° from 87 and 2.4° from 90
]


def _square(lon, lat, side_m=500.0):
    dlat = side_m / 111_320.0
    dlon = side_m / (111_320.0 * math.cos(math.radians(lat)))
    return box(lon, lat, lon + dlon, lat + dlat)


def _road(lon, lat):
    return LineString([(lon, lat - 0.004), (lon + 0.004, lat), (lon + 0.008, lat + 0.002)])  # ~1 km, two bends


def _write_city(path, lon, lat, *, compounds=None):
    """A GeoPackage in EPSG:4326: one street, the compounds (default one ~500 m square), one road."""
    compounds = compounds if compounds is not None else gpd.GeoDataFrame(
        {"compound_id": ["c1"], "name": ["一号小区"], "street": ["甲街道"], "body": ["甲区"], "households": [300],
         "mode": ["none"], "kind": ["open"]}, geometry=[_square(lon, lat)], crs="EPSG:4326")
    streets = gpd.GeoDataFrame({"code": ["310101001"], "street": ["甲街道"], "body": ["甲区"]},
                               geometry=[box(lon - 0.02, lat - 0.02, lon + 0.03, lat + 0.03)], crs="EPSG:4326")
    roads = gpd.GeoDataFrame({"road_id": ["r1"], "road_class": ["local"]}, geometry=[_road(lon, lat)],
                             crs="EPSG:4326")
    for name, gdf in (("streets", streets), ("compounds", compounds), ("roads", roads)):
        gdf.to_file(path, layer=name)
    return path


def _geodesic(geom):
    """Area (m², 0 for a line) and length (m: a polygon's perimeter) on the GRS80 ellipsoid."""
    area, _ = GEOD.geometry_area_perimeter(geom)
    return abs(area), GEOD.geometry_length(geom)


# --- the zone of a longitude -------------------------------------------------------------------------------------


def test_every_zone_code_is_the_cgcs2000_3_degree_zone_of_its_meridian_without_the_zone_prefix():
    for cm in GK_MERIDIANS:
        crs = CRS.from_user_input(metric_crs_for(cm + 0.3, 35.0))
        assert crs.name == f"CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"
        params = {p.name: p.value for p in crs.coordinate_operation.params}
        assert params["Longitude of natural origin"] == cm
        assert params["False easting"] == 500_000  # not 35 500 000: no zone number in the easting


@pytest.mark.parametrize(("lon", "lat", "expected"), [
    (104.6, 30.1, "EPSG:4544"),  # Ziyang stays in CM 105E
    (121.47, 31.23, "EPSG:4549"),
    (121.5, 31.2, "EPSG:4549"),  # on the boundary of two zones: the western one
    (121.51, 31.2, "EPSG:4550"),
    (87.6, 43.8, "EPSG:4538"),
    (-122.27, 37.80, "EPSG:32610"),  # Oakland, California: WGS84 UTM 10N
    (26.70, 60.87, "EPSG:32635"),  # Kouvola, Finland: UTM 35N
    (151.21, -33.87, "EPSG:32756"),  # Sydney: a southern UTM zone
])
def test_the_zone_of_a_longitude(lon, lat, expected):
    assert metric_crs_for(lon, lat) == expected


def test_a_city_outside_china_is_measured_in_utm_and_the_log_says_so(caplog):
    with caplog.at_level(logging.INFO, logger="zy_geo.crs"):
        choice = choose_metric_crs((-122.30, 37.79, -122.25, 37.82), what="`oakland.gpkg`")
    assert choice.crs == "EPSG:32610"
    assert "outside China" in choice.note and "UTM" in choice.note
    assert "`oakland.gpkg`" in caplog.text and "EPSG:32610" in caplog.text


# --- read_city measures true at three longitudes --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "lon", "lat", "zone"), CITIES, ids=[c[0] for c in CITIES])
def test_read_city_measures_lengths_and_areas_within_a_thousandth_of_the_geodesic(tmp_path, name, lon, lat, zone):
    layers = read_city(_write_city(tmp_path / "city.gpkg", lon, lat))
    assert {g.crs.to_string() for g in layers.values()} == {zone}
    assert layers["compounds"].attrs["zy_metric_crs"] == zone
    assert layers["compounds"].attrs["zy_metric_crs_how"] == "auto"
    true_area, true_perimeter = _geodesic(_square(lon, lat))
    _, true_length = _geodesic(_road(lon, lat))
    assert true_area == pytest.approx(250_000, rel=0.01)  # the fixture is what its name says
    assert true_length == pytest.approx(1_000, rel=0.1)
    assert layers["compounds"].area.iloc[0] == pytest.approx(true_area, rel=1e-3)
    assert layers["compounds"].length.iloc[0] == pytest.approx(true_perimeter, rel=1e-3)
    assert layers["roads"].length.iloc[0] == pytest.approx(true_length, rel=1e-3)


def test_forcing_ziyang_s_zone_in_shanghai_is_off_by_more_than_one_percent_and_says_so(tmp_path):
    _, lon, lat, _ = CITIES[1]
    path = _write_city(tmp_path / "city.gpkg", lon, lat)
    with pytest.warns(CRSWarning, match=r"EPSG:4544 you gave .* lengths \+3\.1% and areas \+6\.3% off.*"
                                        r"--metric-crs EPSG:4549"):
        layers = read_city(path, metric_crs="EPSG:4544")
    true_area, _ = _geodesic(_square(lon, lat))
    _, true_length = _geodesic(_road(lon, lat))
    assert layers["compounds"].crs.to_epsg() == 4544
    assert layers["compounds"].area.iloc[0] / true_area - 1 > 0.01
    assert layers["roads"].length.iloc[0] / true_length - 1 > 0.01
    assert layers["compounds"].attrs["zy_metric_crs_how"] == "given"


def test_a_given_zone_near_the_data_is_used_quietly(tmp_path):
    layers = read_city(_write_city(tmp_path / "city.gpkg", 121.47, 31.23), metric_crs="EPSG:4550")
    assert layers["roads"].crs.to_epsg() == 4550
    assert crs_record(layers, source="--metric-crs")["metric_crs_how"] == "--metric-crs"


def test_to_metric_takes_the_zone_of_the_layer():
    shanghai = gpd.GeoDataFrame(geometry=[_square(121.47, 31.23)], crs="EPSG:4326")
    assert to_metric(shanghai).crs.to_epsg() == 4549
    assert to_metric(to_frame(shanghai, "gcj02")).crs.to_epsg() == 4549
    assert to_metric(shanghai, crs="EPSG:4550").crs.to_epsg() == 4550


# --- too wide for one zone ----------------------------------------------------------------------------------------


def test_a_city_wider_than_its_zone_is_warned_with_the_extent_the_zones_and_the_fix(tmp_path):
    wide = gpd.GeoDataFrame(
        {"compound_id": ["w", "e"], "households": [100, 100], "mode": ["none"] * 2, "kind": ["open"] * 2},
        geometry=[_square(103.0, 30.0), _square(107.4, 30.0)], crs="EPSG:4326")
    path = tmp_path / "wide.gpkg"
    wide.to_file(path, layer="compounds")
    with pytest.warns(CRSWarning) as caught:
        layers = read_city(path)
    (w,) = caught
    msg = str(w.message)
    assert "`wide.gpkg` spans 103.00° E – 107.41° E" in msg
    assert "EPSG:4543 (3-degree Gauss-Kruger CM 102E), EPSG:4544" in msg and "EPSG:4545" in msg
    assert "--metric-crs EPSG:4543" in msg and 'metric_crs = "EPSG:4543"' in msg
    assert layers["compounds"].crs.to_epsg() == 4544  # nearest the centre (105.2 E)
    assert w.filename == __file__  # stacklevel: the warning points at the caller of read_city


@pytest.mark.parametrize(("east", "warns"), [(106.9, False), (107.2, True)])
def test_the_warning_allows_half_a_degree_beyond_the_zone(east, warns):
    bounds = (104.5, 30.0, east, 30.1)
    if warns:
        with pytest.warns(CRSWarning, match="touches the zones"):
            assert zone_crs(bounds) == "EPSG:4544"
    else:
        assert zone_crs(bounds) == "EPSG:4544"  # no warning (the suite turns warnings into errors)


def test_zone_crs_takes_layers_in_any_crs_or_bounds():
    ziyang = gpd.GeoDataFrame(geometry=[box(462000, 3334000, 463000, 3335000)], crs="EPSG:4544")
    shanghai = gpd.GeoDataFrame(geometry=[_square(121.47, 31.23)], crs="EPSG:4326")
    assert zone_crs({"a": ziyang}) == "EPSG:4544"
    assert zone_crs({"a": shanghai.to_crs(3857)}) == "EPSG:4549"
    assert zone_crs((87.55, 43.78, 87.65, 43.85)) == "EPSG:4538"
    with pytest.raises(CRSError, match="not lon/lat degrees"):
        zone_crs((462000, 3334000, 463000, 3335000))


# --- the config setting -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["auto", "EPSG:4549", "EPSG:32610", "EPSG:4523"])
def test_metric_crs_in_the_config_takes_auto_or_a_projected_crs_in_metres(tmp_path, value):
    f = tmp_path / "c.toml"
    f.write_text(f'metric_crs = "{value}"\n', encoding="utf-8")
    assert load_config(f).settings.metric_crs == value
    assert Settings().metric_crs == "auto"


@pytest.mark.parametrize(("value", "says"), [
    ("EPSG:4326", r'"EPSG:4326" \(WGS 84\) is geographic \(degrees\)'),
    ("EPSG:4490", "is geographic"),
    ("EPSG:2249", "is in US survey foot"),
    ("EPSG:99999", "a CRS that PROJ knows"),
    ("Gauss", "a CRS that PROJ knows"),
])
def test_a_bad_metric_crs_in_the_config_is_an_error_with_the_fix(tmp_path, value, says):
    f = tmp_path / "c.toml"
    f.write_text(f'metric_crs = "{value}"\n', encoding="utf-8")
    with pytest.raises(InputError, match=f"top level: metric_crs must be \"auto\" or .*{says}.*"
                                         r'Fix: write metric_crs = "auto"'):
        load_config(f)
    with pytest.raises(CRSError, match="--metric-crs EPSG:4549"):
        check_metric_crs(value)


def test_the_config_s_metric_crs_reaches_read_city_and_the_record(tmp_path):
    city = _write_city(tmp_path / "city.gpkg", 121.47, 31.23)
    f = tmp_path / "c.toml"
    f.write_text('metric_crs = "EPSG:4550"\n', encoding="utf-8")
    result = run(city, out_dir=None, config=f)
    assert result.compounds.crs.to_epsg() == 4550
    assert result.crs["metric_crs"] == "EPSG:4550"
    assert result.crs["metric_crs_how"] == "config `c.toml`"
    assert result.proposals.members.crs.to_epsg() == 4550
    assert result.proposals.crs_info()["metric_crs_how"] == "config `c.toml`"
    # the command line wins over the config
    assert run(city, out_dir=None, config=f, metric_crs="auto").crs["metric_crs"] == "EPSG:4549"


# --- the command line ----------------------------------------------------------------------------------------------


def _shanghai_city(tmp_path, *, picked_on_amap=False):
    """Two open compounds 20 m apart in Shanghai (one area), optionally saved as picked on Amap (GCJ-02)."""
    lon, lat = 121.47, 31.23
    a = _square(lon, lat, 120)
    b = _square(lon + 140 / (111_320 * math.cos(math.radians(lat))), lat, 120)
    truth = gpd.GeoDataFrame({"compound_id": ["c1", "c2"], "name": ["甲", "乙"], "street": ["甲街道"] * 2,
                              "body": ["甲区"] * 2, "households": [150, 150], "mode": ["none"] * 2,
                              "kind": ["open"] * 2},
                             geometry=[a, b], crs="EPSG:4326")
    compounds = truth
    if picked_on_amap:
        compounds = to_frame(truth, "gcj02")
        compounds.attrs.pop(FRAME_ATTR)  # what a file holds: EPSG:4326 numbers, nothing says GCJ-02
    path = _write_city(tmp_path / ("amap.gpkg" if picked_on_amap else "city.gpkg"), lon, lat, compounds=compounds)
    return path, truth


def _propose(*args):
    return CliRunner().invoke(cli, ["propose", *map(str, args)])


def test_propose_writes_its_layers_in_the_chosen_crs_and_says_how_it_was_chosen(tmp_path):
    city, _ = _shanghai_city(tmp_path)
    res = _propose(city, "--out", tmp_path / "p.gpkg")
    assert res.exit_code == 0, res.output
    assert "metric CRS: EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), chosen automatically" in res.output
    info = pyogrio.read_info(tmp_path / "p.gpkg", layer="areas")
    assert CRS.from_user_input(info["crs"]).to_epsg() == 4549
    assert info["layer_metadata"]["metric_crs"] == "EPSG:4549"
    assert info["layer_metadata"]["metric_crs_how"] == "auto"
    sheet = openpyxl.load_workbook(tmp_path / "p_summary.xlsx")["参数"]
    rows = {r[2]: r for r in sheet.iter_rows(values_only=True)}
    assert rows["metric_crs"][4].startswith("EPSG:4549（CGCS2000") and rows["metric_crs"][5].startswith("自动")

    res = _propose(city, "--metric-crs", "EPSG:4550", "--out", tmp_path / "q.gpkg", "--force")
    assert res.exit_code == 0, res.output
    info = pyogrio.read_info(tmp_path / "q.gpkg", layer="areas")
    assert CRS.from_user_input(info["crs"]).to_epsg() == 4550
    assert info["layer_metadata"]["metric_crs_how"] == "--metric-crs"
    rows = {r[2]: r for r in openpyxl.load_workbook(tmp_path / "q_summary.xlsx")["参数"].iter_rows(values_only=True)}
    assert rows["metric_crs"][5] == "命令行指定（--metric-crs）"


def test_a_layer_picked_on_amap_lands_within_a_metre_of_the_truth_with_frame(tmp_path):
    city, truth = _shanghai_city(tmp_path, picked_on_amap=True)
    true_m = truth.to_crs("EPSG:4549").set_index("compound_id").geometry

    def offsets(out):
        members = gpd.read_file(out, layer="members").set_index("unit_id")
        got = members.geometry.to_crs("EPSG:4549")
        return got.centroid.distance(true_m.reindex(got.index).centroid)

    res = _propose(city, "--frame", "compounds=gcj02", "--out", tmp_path / "p.gpkg")
    assert res.exit_code == 0, res.output
    assert "converted on read: compounds: gcj02 → WGS84" in res.output
    assert (offsets(tmp_path / "p.gpkg") < 1.0).all()
    meta = pyogrio.read_info(tmp_path / "p.gpkg", layer="areas")["layer_metadata"]
    assert meta["frames"] == "compounds: gcj02 → WGS84 (EPSG:4326) on read"
    # without --frame the same file is hundreds of metres off: the test can fail
    res = _propose(city, "--out", tmp_path / "raw.gpkg")
    assert res.exit_code == 0, res.output
    assert (offsets(tmp_path / "raw.gpkg") > 300).all()


def test_run_writes_the_crs_and_the_frames_into_its_outputs(tmp_path):
    city, _ = _shanghai_city(tmp_path, picked_on_amap=True)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["run", str(city), "--frame", "compounds=amap", "--metric-crs", "auto",
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "metric CRS: EPSG:4549" in res.output
    sheet = openpyxl.load_workbook(out / "coverage.xlsx")["参数"]
    values = {r[2]: r[4] for r in sheet.iter_rows(values_only=True)}
    assert values["metric_crs"].startswith("EPSG:4549")
    assert values["frames"] == "compounds: gcj02 → WGS84 (EPSG:4326) on read"
    meta = pyogrio.read_info(out / "proposals.gpkg", layer="members")["layer_metadata"]
    assert meta["metric_crs"] == "EPSG:4549" and meta["frames"].startswith("compounds: gcj02")


@pytest.mark.parametrize(("command", "args", "says"), [
    ("propose", ["--metric-crs", "EPSG:4326"], "is geographic"),
    ("propose", ["--metric-crs", "EPSG:45xx"], "a CRS that PROJ knows"),
    ("propose", ["--frame", "compounds"], "is not LAYER=FRAME"),
    ("run", ["--frame", "compounds=wgs84"], "use gcj02"),
    ("map", ["--frame", "=gcj02"], "e.g. --frame compounds=gcj02"),
    ("plan", ["--frame", "compounds=gcj02", "--frame", "compounds=bd09"], "two frames"),
    ("demo", ["--metric-crs", "EPSG:4490"], "--metric-crs EPSG:4549"),
])
def test_a_bad_metric_crs_or_frame_is_a_usage_error_with_the_fix(tmp_path, command, args, says):
    city, _ = _shanghai_city(tmp_path)
    target = ["--out", str(tmp_path / ("o.gpkg" if command == "propose" else "o.html" if command == "map" else "o"))]
    res = CliRunner().invoke(cli, [command, *([] if command == "demo" else [str(city)]), *args, *target])
    assert res.exit_code == 2, res.output
    assert "Invalid value for '--" in res.output and says in res.output


def test_a_frame_for_a_layer_the_city_has_not_names_the_layers_present(tmp_path):
    city, _ = _shanghai_city(tmp_path)
    res = _propose(city, "--frame", "parcels=gcj02", "--out", tmp_path / "p.gpkg")
    assert res.exit_code == 1
    assert "has no layer 'parcels'" in res.output and "its layers are 'streets', 'roads', 'compounds'" in res.output
    assert "--frame compounds=gcj02" in res.output
    with pytest.raises(InputError, match=r"frame 'wgs' given for layer 'compounds'.*use 'gcj02'"):
        read_city(city, frames={"compounds": "wgs"})


def test_every_command_that_reads_a_city_takes_both_options():
    for command in ("run", "propose", "plan", "map"):
        out = CliRunner().invoke(cli, [command, "--help"]).output
        assert "--metric-crs" in out and "--frame" in out, command
    demo = CliRunner().invoke(cli, ["demo", "--help"]).output
    assert "--metric-crs" in demo
