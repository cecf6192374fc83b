"""Meeting maps: rendered HTML content, safety, offline, and a real headless-Chromium run."""

import base64
import dataclasses
import html
import io
import json
import re

import geopandas as gpd
import numpy as np
import pytest
from fontTools.ttLib import TTFont
from shapely.geometry import LineString, box

from zy_geo import InputError
from zy_geo._map_offline import external_references
from zy_geo._web_font import FAMILY, FONT_STACK, page_chinese
from zy_geo.areas import Decisions, Together
from zy_geo.areas.propose import propose_areas
from zy_geo.maps import coverage_map, map_html, milestone_batch, save_map

from ._browser import chromium, open_page

XSS = "<img src=x onerror=alert(1)>"
PHONE = "13812345678"


@pytest.fixture(scope="module")
def city():
    x0, y0 = 462000, 3334000
    boxes = [box(x0 + i * 80, y0, x0 + i * 80 + 60, y0 + 60) for i in range(4)]
    compounds = gpd.GeoDataFrame(
        {
            "compound_id": ["c0", "c1", "c2", "c3"],
            "name": [XSS, "乙小区", "丙苑", "丁花园"],
            "street": ["莲花街道", "莲花街道", "狮子山街道", "狮子山街道"],
            "body": ["雁江区", "雁江区", "高新区", "高新区"],
            "kind": ["open", "enclosed", "open", "small_area"],
            "mode": ["none", "professional", "none", "community_center"],
            "households": [100, 300, 120, 80],
            "renovated": [True, False, False, False],
            "gate": [False, True, None, True],
            "contact_phone": [PHONE] * 4,
            "联系人": ["张某某"] * 4,
        },
        geometry=boxes,
        crs="EPSG:4544",
    )
    streets = gpd.GeoDataFrame(
        {"street": ["莲花街道", "狮子山街道"], "street_code": ["512002001", "512002004"], "body": ["雁江区", "高新区"]},
        geometry=[box(x0 - 50, y0 - 50, x0 + 150, y0 + 110), box(x0 + 150, y0 - 50, x0 + 350, y0 + 110)],
        crs="EPSG:4544",
    )
    roads = gpd.GeoDataFrame({"road_class": ["arterial"]},
                             geometry=[LineString([(x0 - 50, y0 - 20), (x0 + 350, y0 - 20)])], crs="EPSG:4544")
    return compounds, streets, roads


def _has(page, text):
    return text in page or json.dumps(text)[1:-1] in page


def _page(city, **kw):
    compounds, streets, roads = city
    return coverage_map(compounds, streets=streets, roads=roads, title="覆盖情况", subtitle="截至 2023-06-30", **kw)


def test_layers_legend_and_title(city):
    page = _page(city).get_root().render()
    for name in ["街道（镇）户数覆盖率", "责任主体户数覆盖率", "住宅小区（按管理方式）", "道路"]:
        assert _has(page, name), name
    assert "户数覆盖率" in page and "专业化物业管理" in page and "截至 2023-06-30" in page
    assert "搜索小区名称" in page and "L.control.fullscreen" in page


def test_data_strings_escaped_and_no_pii(city):
    page = _page(city).get_root().render()
    assert XSS not in page and "<img src=x" not in page
    assert PHONE not in page and "张某某" not in page
    with_pii = _page(city, include_pii=True).get_root().render()
    assert XSS not in with_pii  # escaping does not depend on the PII switch


def test_milestone_batch():
    df = gpd.GeoDataFrame({"renovated": [True, False, None], "kind": ["open", "enclosed", "open"]})
    assert milestone_batch(df).tolist() == ["2023-06-30", "2023-06-30", "2023-12-31"]


def test_offline_file_has_no_external_request(city, tmp_path):
    path = save_map(_page(city), tmp_path / "m.html", offline=True)
    page = path.read_text(encoding="utf-8")
    markup = re.sub(r"<script>.*?</script>", "<script></script>", page, flags=re.S)  # library code aside
    assert external_references(markup) == []
    # outside library code and comments (licence headers), no address at all
    bare = re.sub(r"<script>.*?</script>|/\*.*?\*/", "", page, flags=re.S)
    assert not re.search(r"https?://", bare)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=\"https?:", page)
    assert "vendored" in page


def test_offline_refuses_tiles(city, tmp_path):
    with pytest.raises(InputError, match="cannot use tile basemaps"):
        save_map(_page(city, basemap="osm"), tmp_path / "m.html", offline=True)


def test_tianditu_key_from_environment_only(city, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(InputError, match="TIANDITU_KEY"):
        _page(city, basemap="tianditu")
    monkeypatch.setenv("TIANDITU_KEY", "k-123")
    assert "tk=k-123" in _page(city, basemap="tianditu").get_root().render()


def test_proposals_drawn(city):
    compounds, streets, roads = city
    r = propose_areas(compounds, streets=streets, roads=roads)
    page = _page(city, proposals=r).get_root().render()
    assert len(r.areas) == 2 and len(r.remainders) == 0  # c0 and c2, each viable alone in its street
    assert _has(page, "拟划管理区域") and not _has(page, "待处理单元")


def test_popups_of_areas_and_remainders_say_which_decision_bound_them_escaped():
    # four squares 20 m apart in one street: a and b together by a decision, c refused any merger (a reason
    # with markup), d on its own; a and b make one area, c and d (40 households each) stay remainders
    x0, y0 = 462000, 3334000
    compounds = gpd.GeoDataFrame({"compound_id": list("abcd"), "name": ["甲", "乙", "丙", "丁"],
                                  "street": ["莲花街道"] * 4, "body": ["雁江区"] * 4, "kind": ["open"] * 4,
                                  "mode": ["none"] * 4, "households": [150, 150, 40, 40]},
                                 geometry=[box(x0 + i * 80, y0, x0 + i * 80 + 60, y0 + 60) for i in range(4)],
                                 crs="EPSG:4544")
    streets = gpd.GeoDataFrame({"street": ["莲花街道"], "street_code": ["512002001"], "body": ["雁江区"]},
                               geometry=[box(x0 - 50, y0 - 50, x0 + 400, y0 + 110)], crs="EPSG:4544")
    decisions = Decisions(together=[Together(("a", "b"), reason="两小区业主大会同意合并")],
                          no_merge={"c": XSS})
    r = propose_areas(compounds, streets=streets, decisions=decisions)
    assert r.areas["unit_ids"].tolist() == [["a", "b"]] and sorted(r.remainders["unit_id"]) == ["c", "d"]
    page = coverage_map(compounds, streets=streets, proposals=r).get_root().render()
    # the tooltips are JSON in a script; what the browser decodes from it is HTML with the reason escaped
    decoded = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m.group(1), 16)), page)
    assert "依据：两小区业主大会同意合并（决定合并）" in decoded
    assert f"依据：{html.escape(XSS)}（居民不同意合并）" in decoded and XSS not in decoded
    assert decoded.count("依据：") == 2  # d: zy_geo's own outcome, no line
    # a proposal written before decisions existed (no decision column) draws as before
    old = dataclasses.replace(r, areas=r.areas.drop(columns="decision"),
                              remainders=r.remainders.drop(columns="decision"))
    assert "依据：" not in coverage_map(compounds, streets=streets, proposals=old).get_root().render()


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="chromium not installed (python3 dev.py test installs it)")
def test_offline_map_in_headless_chromium(city, tmp_path):
    compounds, streets, roads = city
    r = propose_areas(compounds, streets=streets, roads=roads)
    path = save_map(_page(city, proposals=r), tmp_path / "m.html", offline=True)
    run = open_page(path, screenshot=tmp_path / "test_map.png")
    assert run.console_errors == []
    m = re.search(r'data-zy-layers="([^"]+)"', run.dom)
    assert m, "the page's scripts did not run"
    counts = json.loads(m.group(1).replace("&quot;", '"'))
    assert counts["住宅小区（按管理方式）"] == 4
    assert counts["街道（镇）户数覆盖率"] == 2
    assert counts["责任主体户数覆盖率"] == 2
    assert counts["道路"] == 1
    assert run.screenshot is not None and run.screenshot.stat().st_size > 10_000


def test_gaode_basemap_shifts_display_only(city):
    compounds, _, _ = city
    plain = _page(city).get_root().render()
    gaode = _page(city, basemap="gaode").get_root().render()
    assert "autonavi" in gaode and _has(gaode, "GCJ-02")
    # the first compound's first vertex moves by the GCJ-02 offset (~0.0024° in lon near Ziyang)
    lon = float(re.search(r'"coordinates": \[\[\[([0-9.]+),', plain).group(1))
    lon_g = float(re.search(r'"coordinates": \[\[\[([0-9.]+),', gaode).group(1))
    assert 0.001 < lon_g - lon < 0.004
    # the analysis data are untouched
    assert compounds.crs.to_epsg() == 4544 and "zy_frame" not in compounds.attrs


def test_large_inputs_are_simplified_with_a_note(city):
    page = _page(city, max_compounds=2, max_roads=0).get_root().render()
    assert _has(page, "以点表示") and _has(page, "仅显示主干路和次干路")
    assert '"type": "Point"' in page


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="chromium not installed (python3 dev.py test installs it)")
def test_compact_layers_decode_in_the_browser_to_the_same_geojson(tmp_path):
    from zy_geo._map_compact import DECODER, _htmlsafe, encode

    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 0, "properties": {"tip": "<b>甲</b>&'\"", "w": 3},
         "geometry": {"type": "LineString", "coordinates": [[104.592296, 30.094814], [104.592288, 30.096776]]}},
        {"type": "Feature", "id": 1, "properties": {"tip": "乙", "w": 1.5},
         "geometry": {"type": "Polygon", "coordinates": [[[104.6, 30.1], [104.600001, 30.1], [104.6, 30.100001],
                                                          [104.6, 30.1]]]}},
        {"type": "Feature", "id": 2, "properties": {"tip": "乙", "w": None},
         "geometry": {"type": "MultiPolygon", "coordinates": [[[[104.7, 30.2], [104.700002, 30.2], [104.7, 30.2]]]]}},
    ]}
    page = tmp_path / "d.html"
    page.write_text(f"<html><head>{DECODER}</head><body><pre id='out'></pre><script>"
                    f"document.getElementById('out').textContent = JSON.stringify(zyDecode({_htmlsafe(encode(fc))}));"
                    "</script></body></html>", encoding="utf-8")
    run = open_page(page)
    text = re.search(r"<pre id=\"out\">(.*?)</pre>", run.dom, re.S).group(1)
    back = json.loads(html.unescape(text))
    assert run.console_errors == []
    assert [f["properties"] for f in back["features"]] == [f["properties"] for f in fc["features"]]
    assert [f["id"] for f in back["features"]] == [0, 1, 2]
    for a, b in zip(back["features"], fc["features"], strict=True):
        assert a["geometry"]["type"] == b["geometry"]["type"]
        assert np.allclose(np.ravel(a["geometry"]["coordinates"]), np.ravel(b["geometry"]["coordinates"]), atol=1e-9)


def test_estimated_households_and_unsurveyed_modes_are_said_on_the_map():
    c = gpd.GeoDataFrame({"compound_id": ["a", "b"], "name": ["甲小区", "乙小区"], "mode": [None, "none"],
                          "households": [150, 40], "households_estimated": [True, False],
                          "households_method": ["land_area", "ledger"]},
                         geometry=[box(462000, 3334000, 462100, 3334100), box(462200, 3334000, 462300, 3334100)],
                         crs="EPSG:4544")
    page = coverage_map(c).get_root().render()
    assert _has(page, "户数：150（估算：用地×容积率÷户均面积）")
    assert _has(page, "户数：40") and "\\uff1a40\\u003cbr" in page  # a counted figure says nothing more
    assert _has(page, "管理方式：未调查") and _has(page, "未调查（管理方式待填）")
    assert '"fill": "#9e9e9e"' in page


def test_a_street_nobody_has_surveyed_has_no_data_not_zero_coverage():
    from zy_geo.maps import household_share

    c = gpd.GeoDataFrame({"street": ["一街道", "一街道", "二街道"], "mode": [None, None, "none"],
                          "households": [10, 20, 30]}, geometry=[box(0, 0, 1, 1)] * 3, crs="EPSG:4544")
    share = household_share(c, "street")
    assert np.isnan(share["一街道"]) and share["二街道"] == 0.0


# --- Chinese on a machine without a Chinese font ---------------------------------------------------------------------

def _embedded_font(page):
    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert m, "no embedded font"
    return TTFont(io.BytesIO(base64.b64decode(m.group(1))))


@pytest.mark.parametrize("offline", [True, False])
def test_the_chinese_of_a_map_is_drawn_with_the_bundled_font_cut_to_the_page(city, offline):
    page = map_html(_page(city, basemap="none"), offline=offline)
    cmap = _embedded_font(page).getBestCmap()
    chars = page_chinese(page)
    assert {"丁", "苑", "覆", "盖", "搜"} <= set(chars)  # names, title, legend and the search box
    assert all(ord(c) in cmap for c in chars), [c for c in chars if ord(c) not in cmap]
    assert ord("鬱") not in cmap and ord("A") not in cmap  # cut to the page's Chinese; Latin stays the browser's
    assert page.count("@font-face") == 1 and page.index("@font-face") < page.index("</head>")
    assert f"font:13px {FONT_STACK}" in page and f"font:14px {FONT_STACK}" in page  # legend and title
    assert FONT_STACK.startswith(f"'{FAMILY}'")


def test_a_name_only_in_a_popup_table_is_in_the_font(city):
    compounds, streets, roads = city
    named = compounds.assign(name=["龘园", "乙小区", "丙苑", "丁花园"])
    page = map_html(coverage_map(named, streets=streets, roads=roads), offline=True)
    assert ord("龘") in _embedded_font(page).getBestCmap()


@pytest.mark.browser
@pytest.mark.skipif(chromium() is None, reason="chromium not installed (python3 dev.py test installs it)")
def test_the_embedded_font_loads_in_the_browser(city, tmp_path):
    page = map_html(_page(city), offline=True)
    probe = ("<script>document.fonts.ready.then(function () {document.body.setAttribute('data-fonts', "
             "Array.from(document.fonts).map(function (f) {return f.family + '=' + f.status;}).join(';'));});"
             "</script></body>")
    path = tmp_path / "m.html"
    path.write_text(page.replace("</body>", probe), encoding="utf-8")
    run = open_page(path)
    assert run.console_errors == []
    fonts = html.unescape(re.search(r'data-fonts="([^"]*)"', run.dom).group(1))
    assert re.search(rf"['\"]?{FAMILY}['\"]?=loaded", fonts), fonts
