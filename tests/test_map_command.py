"""`zy-geo map`: the meeting map alone, offline by default, with clear messages for what cannot be drawn."""

import geopandas as gpd
import pyogrio
import pytest
from click.testing import CliRunner

from zy_geo.cli import cli


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("m")
    r = CliRunner()
    assert r.invoke(cli, ["sample", "--scale", "0.05", "--seed", "5", "--out", str(d / "a")]).exit_code == 0
    assert r.invoke(cli, ["sample", "--scale", "0.05", "--seed", "6", "--out", str(d / "b")]).exit_code == 0
    res = r.invoke(cli, ["propose", str(d / "a" / "city.gpkg"), "--out", str(d / "a" / "p.gpkg")])
    assert res.exit_code == 0, res.output
    return d


def _map(*args):
    return CliRunner().invoke(cli, ["map", *map(str, args)])


def test_map_of_the_sample_with_its_proposal_opens_offline(files, tmp_path):
    a = files / "a"
    res = _map(a / "city.gpkg", "--survey", a / "survey_ledger.xlsx", "--keep-going", "--proposals", a / "p.gpkg",
               "--as-of", "2023-06-30", "--out", tmp_path / "m.html")
    assert res.exit_code == 0, res.output
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert "拟划管理区域" in page and "截至 2023-06-30" in page
    assert "cdn.jsdelivr" not in page and "unpkg.com" not in page  # inlined: opens with no network
    assert "1380" not in page or "contact" not in page  # personal data stays out (no contact column drawn)
    assert "联系电话" not in page


def test_a_ledger_with_errors_needs_keep_going(files, tmp_path):
    a = files / "a"
    res = _map(a / "city.gpkg", "--survey", a / "survey_ledger.xlsx", "--out", tmp_path / "m.html")
    assert res.exit_code == 1 and "--keep-going" in res.output


def test_a_proposal_of_another_city_is_refused(files, tmp_path):
    res = _map(files / "b" / "city.gpkg", "--proposals", files / "a" / "p.gpkg", "--out", tmp_path / "m.html")
    assert res.exit_code == 1 and "does not belong" in res.output
    assert not (tmp_path / "m.html").exists()


@pytest.mark.parametrize(("args", "code", "says"), [
    (["--basemap", "bing"], 2, "bing"),
    (["--basemap", "gaode"], 2, "--online"),
    (["--basemap", "tianditu", "--online"], 1, "TIANDITU_KEY"),
    (["--as-of", "2023/06/30"], 2, "YYYY-MM-DD"),
])
def test_bad_options_say_what_to_do(files, tmp_path, monkeypatch, args, code, says):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    res = _map(files / "a" / "city.gpkg", *args, "--out", tmp_path / "m.html")
    assert res.exit_code == code, res.output
    assert says in res.output


def test_a_city_with_no_compounds_says_so(files, tmp_path):
    city = tmp_path / "empty.gpkg"
    streets = gpd.read_file(files / "a" / "city.gpkg", layer="streets")
    compounds = gpd.read_file(files / "a" / "city.gpkg", layer="compounds").iloc[:0]
    pyogrio.write_dataframe(streets, city, layer="streets")
    pyogrio.write_dataframe(compounds, city, layer="compounds", geometry_type="Polygon")
    res = _map(city, "--out", tmp_path / "m.html")
    assert res.exit_code == 1 and "empty" in res.output and "Traceback" not in res.output
