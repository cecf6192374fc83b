"""Interactive HTML coverage maps (folium) for planners' meetings.

Analysis happened in the city's metric CRS (EPSG:4544 in Ziyang); geometry is simplified in it,
projected to WGS84 only here, for Leaflet, and
shifted to GCJ-02 only when drawn over Gaode tiles. Every string from data is HTML-escaped
before it reaches the page; personal-data columns never do unless ``include_pii=True``.
``offline=True`` writes one self-contained file (see :mod:`zy_geo._map_offline`).

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> compounds = gpd.GeoDataFrame(
...     {"compound_id": ["a"], "name": ["<b>x</b>小区"], "street": ["莲花街道"], "body": ["雁江区"],
...      "kind": ["open"], "mode": ["none"], "households": [120]},
...     geometry=[box(462000, 3334000, 462100, 3334100)], crs="EPSG:4544")
>>> m = coverage_map(compounds, title="样例")
>>> page = m.get_root().render()
>>> "<b>x</b>" not in page and "lt;b" in page  # the name arrives escaped: &lt;b&gt;x…
True
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.plugins import Fullscreen, Search
from jinja2 import Template

from ._map_compact import compact_layers
from ._map_offline import inline_assets
from ._web_font import FONT_STACK, embed_chinese_font
from .config import Settings
from .crs import zone_crs
from .errors import InputError
from .labels import DECISION_KINDS_ZH, HOUSEHOLD_METHODS_ZH
from .milestones import milestone_batch
from .schema import COMPOUND_KINDS, MODES, PII_COLUMNS, SIX_HAVES_SHORT
from .write import OutputFolder, clean_text, writing

#: Colours of management modes on the map.
MODE_COLOURS: dict[str, str] = {
    "professional": "#1a9850",
    "community_center": "#66bd63",
    "self_managed": "#a6d96a",
    "none": "#d73027",
}
#: Chinese names of personal-data columns, recognised as well as the canonical English ones.
PII_NAMES_ZH = ("联系人", "负责人", "联系电话", "电话", "手机", "身份证", "身份证号", "身份证号码")

#: Compounds whose management mode nobody has surveyed yet (an imported city before its survey).
UNKNOWN_MODE_COLOUR, UNKNOWN_MODE_LABEL = "#9e9e9e", "未调查"

AREA_COLOUR, AREA_OVER_CAP_COLOUR, REMAINDER_COLOUR = "#2c7fb8", "#c51b7d", "#ff00ff"
_BINS = [0.0, 0.5, 0.7, 0.85, 0.95, 1.0001]
_BIN_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"]
_BIN_LABELS = ["< 50%", "50–70%", "70–85%", "85–95%", "≥ 95%"]
BASEMAPS = ("none", "osm", "gaode", "tianditu")


def _esc(value: Any) -> str:
    """Data as HTML text: escaped, without control or bidi characters.

    Those would reach the page as the GeoJSON's escapes, which the browser decodes.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(clean_text(str(value)), quote=True)


def _drop_pii(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    cols = [c for c in gdf.columns if c in PII_COLUMNS or any(z in str(c) for z in PII_NAMES_ZH)]
    return gdf.drop(columns=cols)


def _display(gdf: gpd.GeoDataFrame, *, simplify_m: float, frame: str) -> gpd.GeoDataFrame:
    """Simplify in metres, project to WGS84 (or shift to GCJ-02) and round to 1e-6° (≈ 0.1 m).

    Metres are the layer's own when its CRS is projected (the city's metric CRS), else those of the
    zone of its extent (:func:`zy_geo.crs.zone_crs`).
    """
    if gdf.crs is None:
        msg = "a layer passed to the map has no CRS; read it with zy_geo.io.read.read_layer or use set_crs() first."
        raise InputError(msg)
    out = gdf if gdf.crs.is_projected else gdf.to_crs(zone_crs(gdf, warn=False))
    if simplify_m > 0:
        out = out.set_geometry(out.geometry.simplify(simplify_m, preserve_topology=True))
    out = out.to_crs("EPSG:4326")
    if frame == "gcj02":
        from .crs import to_frame

        out = to_frame(out, "gcj02")
    return out.set_geometry(shapely.set_precision(out.geometry.values, 1e-6))


def _features(gdf: gpd.GeoDataFrame, props: dict[str, Sequence[Any]]) -> dict[str, Any]:
    geoms = shapely.to_geojson(gdf.geometry.values)
    keys = list(props)
    # a short id per feature: folium's style function switches on an identifier, and without one it
    # picks the first unique property — the tooltip — and repeats every tooltip, \u-escaped, in the page
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i, "geometry": json.loads(g), "properties": {k: props[k][i] for k in keys}}
        for i, g in enumerate(geoms)
    ]}


def _tick(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "?"
    return "✓" if bool(value) else "✗"


def _estimate_note(row: pd.Series) -> str:
    """``（估算：…）`` after a household figure nobody has counted (``households_estimated``)."""
    est = row.get("households_estimated")
    if est is None or pd.isna(est) or not bool(est):
        return ""
    method = HOUSEHOLD_METHODS_ZH.get(str(row.get("households_method")), "估算")
    return f"（{_esc(method if method.startswith('估算') else '估算')}）"


def _compound_tips(c: pd.DataFrame) -> list[str]:
    haves = [k for k in SIX_HAVES_SHORT if k in c.columns]
    batch = milestone_batch(c)
    out = []
    for i, (_, row) in enumerate(c.iterrows()):
        lines = [f"<b>{_esc(row.get('name'))}</b>"]
        for key, label in (("body", "责任主体"), ("street", "街道（镇）"), ("community", "社区")):
            if key in c.columns:
                lines.append(f"{label}：{_esc(row.get(key))}")
        if "kind" in c.columns:
            lines.append(f"类型：{_esc(COMPOUND_KINDS.get(row.get('kind'), row.get('kind')))}")
        if "mode" in c.columns:
            mode = row.get("mode")
            lines.append(f"管理方式：{_esc(UNKNOWN_MODE_LABEL if pd.isna(mode) else MODES.get(mode, mode))}")
        if "households" in c.columns:
            lines.append(f"户数：{_esc(row.get('households'))}{_estimate_note(row)}")
        lines.append(f"完成时限：{batch.iat[i]}")
        if haves:
            lines.append("六有：" + " ".join(f"{SIX_HAVES_SHORT[k]}{_tick(row.get(k))}" for k in haves))
        out.append("<br>".join(lines))
    return out


def _legend(title: str, items: list[tuple[str, str]], corner: str) -> Element:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{colour};'
        f'margin-right:6px;vertical-align:middle;border:1px solid #555"></span>{_esc(label)}</div>'
        for colour, label in items
    )
    return Element(
        f'<div class="zy-legend" style="position:fixed;bottom:28px;{corner}:12px;z-index:9999;background:white;'
        f'padding:8px 10px;border:1px solid #999;border-radius:4px;font:13px {FONT_STACK}">'
        f"<b>{_esc(title)}</b>{rows}</div>"
    )


def _share_colour(v: float) -> str:
    return "#cccccc" if np.isnan(v) else _BIN_COLOURS[int(np.digitize(v, _BINS) - 1)]


def household_share(compounds: pd.DataFrame, by: str) -> pd.Series:
    """Household coverage share per value of ``by`` (from :func:`zy_geo.coverage.coverage_table`)."""
    from .coverage import coverage_table

    t = coverage_table(compounds, by=by, totals=False).set_index(by)
    share = t["coverage_households"].astype(float)
    return share.mask(t["mode_unknown"] == t["compounds"])  # nobody surveyed there yet: 无数据, not 0 %


class _MetricScale(MacroElement):
    """A metric-only scale bar (folium's shows feet too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 160}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


class _FeatureCounts(MacroElement):
    """Writes each layer's feature count to ``<html data-zy-layers>`` (read by browser tests)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var counts = {};
            {% for name, var in this.layers %}
            counts[{{ name|tojson }}] = {{ var }}.getLayers().length;
            {% endfor %}
            document.documentElement.setAttribute("data-zy-layers", JSON.stringify(counts));
            // time from navigation start to the map's last script (ms), for size/speed checks
            document.documentElement.setAttribute("data-zy-ready-ms", Math.round(performance.now()));
        })();
        {% endmacro %}
    """)

    def __init__(self, layers: list[tuple[str, str]]):
        super().__init__()
        self._name = "FeatureCounts"
        self.layers = layers


def _tiles(fmap: folium.Map, basemap: str, settings: Settings) -> None:
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(fmap)
    elif basemap == "gaode":
        folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            attr="高德地图（GCJ-02；图层已偏移，仅供显示）", name="高德地图", subdomains="1234",
        ).add_to(fmap)
    elif basemap == "tianditu":
        key = os.environ.get(settings.tianditu_key_env)
        if not key:
            msg = (f"the Tianditu basemap needs a key in the environment variable {settings.tianditu_key_env} "
                   f"(export {settings.tianditu_key_env}=<your key>); keys are never stored in code or files.")
            raise InputError(msg)
        for layer, name in (("vec", "天地图"), ("cva", "天地图注记")):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                f"&TILECOL={{x}}&tk={key}",
                attr="天地图", name=name, subdomains="01234567", overlay=layer == "cva",
            ).add_to(fmap)


def coverage_map(
    compounds: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    proposals: Any = None,
    title: str = "住宅小区物业管理覆盖情况",
    subtitle: str = "",
    basemap: str = "none",
    include_pii: bool = False,
    max_compounds: int = 20000,
    max_roads: int = 5000,
    settings: Settings | None = None,
) -> folium.Map:
    """Meeting map: street and body coverage, compounds by management mode, proposed areas.

    Parameters
    ----------
    compounds : GeoDataFrame
        Compound polygons with ``name``, ``mode`` and optionally ``street``, ``body``, ``kind``,
        ``households``, ``renovated``, ``enclosed`` and the six-haves columns.
    streets : GeoDataFrame, optional
        Street/town polygons (``street``, ``body``): shaded by household coverage; dissolved by
        ``body`` for the body layer.
    roads, rivers : GeoDataFrame, optional
        The offline vector basemap (no tiles needed).
    proposals : zy_geo.areas.propose.ProposalResult, optional
        Proposed management areas and flagged remainders drawn over the compounds.
    title, subtitle : str
        Title block (escaped): what, as-of date, data source.
    basemap : {"none", "osm", "gaode", "tianditu"}
        ``none`` works offline. ``gaode`` shifts every layer to GCJ-02 for display only.
        ``tianditu`` reads its key from the environment (``Settings.tianditu_key_env``).
    include_pii : bool
        Keep personal-data columns (default: removed before anything is drawn).
    max_compounds : int
        Above this many compounds, compound polygons are replaced by points (a note on the map
        says so) to keep the page small and quick to open. With the compact layers every polygon
        of the scale-10 sample (5,330 compounds) stays: 4.82 MB, ready in 1.4 s in Chromium.
    max_roads : int
        Above this many road pieces, only arterial and secondary roads are drawn (with a note).
    settings : Settings, optional

    Returns
    -------
    folium.Map
    """
    if basemap not in BASEMAPS:
        msg = f"basemap must be one of {BASEMAPS}, found {basemap!r}."
        raise InputError(msg)
    settings = settings or Settings()
    frame = "gcj02" if basemap == "gaode" else "wgs84"
    if not include_pii:
        compounds = _drop_pii(compounds)
    disp = _display(compounds, simplify_m=0.5, frame=frame)
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=False, zoom_snap=0.25)
    fmap.add_child(_MetricScale())
    minx, miny, maxx, maxy = disp.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    _tiles(fmap, basemap, settings)
    counted: list[tuple[str, str]] = []

    def add(gj: folium.GeoJson) -> folium.GeoJson:
        gj.add_to(fmap)
        counted.append((gj.layer_name, gj.get_name()))
        return gj

    legend_items = [*zip(_BIN_COLOURS, _BIN_LABELS, strict=True), ("#cccccc", "无数据")]
    if streets is not None and len(streets):
        s_share = household_share(compounds, "street") if "street" in compounds.columns else pd.Series(dtype=float)
        s = _display(streets, simplify_m=2.0, frame=frame)
        share = s["street"].map(s_share).astype(float)
        tips = [f"<b>{_esc(n)}</b><br>责任主体：{_esc(b)}<br>户数覆盖率：" + ("无数据" if np.isnan(v) else f"{v:.1%}")
                for n, b, v in zip(s["street"], s.get("body", pd.Series([""] * len(s))), share, strict=True)]
        add(folium.GeoJson(_features(s, {"fill": [_share_colour(v) for v in share], "tip": tips}),
                           name="街道（镇）户数覆盖率",
                           style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#333333",
                                                     "weight": 2, "fillOpacity": 0.35},
                           tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)))
        if "body" in streets.columns and "body" in compounds.columns:
            b_share = household_share(compounds, "body")
            bodies = _display(streets.dissolve(by="body", as_index=False), simplify_m=5.0, frame=frame)
            bshare = bodies["body"].map(b_share).astype(float)
            btips = [f"<b>{_esc(n)}</b><br>户数覆盖率：" + ("无数据" if np.isnan(v) else f"{v:.1%}")
                     for n, v in zip(bodies["body"], bshare, strict=True)]
            add(folium.GeoJson(_features(bodies, {"fill": [_share_colour(v) for v in bshare], "tip": btips}),
                               name="责任主体户数覆盖率", show=False,
                               style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#000000",
                                                         "weight": 3, "fillOpacity": 0.35},
                               tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)))
        _root_html(fmap).add_child(_legend("户数覆盖率", legend_items, "left"))

    if rivers is not None and len(rivers):
        r = _display(rivers, simplify_m=2.0, frame=frame)
        add(folium.GeoJson(_features(r, {}), name="河流",
                           style_function=lambda f: {"color": "#6baed6", "fillColor": "#c6dbef", "weight": 1,
                                                     "fillOpacity": 0.9}))
    notes = []
    if roads is not None and len(roads) > max_roads and "road_class" in roads.columns:
        roads = roads[roads["road_class"].isin(["arterial", "secondary"])]
        notes.append("道路较多，仅显示主干路和次干路")
    if roads is not None and len(roads):
        r = _display(roads, simplify_m=2.0, frame=frame)
        weights = {"arterial": 3, "secondary": 2, "local": 1, "path": 0.5}
        cls = r["road_class"].tolist() if "road_class" in r.columns else ["local"] * len(r)
        add(folium.GeoJson(_features(r, {"w": [weights.get(c, 1) for c in cls]}), name="道路",
                           style_function=lambda f: {"color": "#9a9a9a", "weight": f["properties"]["w"]}))

    comp_layer_data = disp
    if len(disp) > max_compounds:
        comp_layer_data = disp.set_geometry(disp.geometry.representative_point())
        notes.append(f"小区数 {len(disp)} 超过 {max_compounds}，以点表示")
    note = "；".join(notes)
    modes = (disp["mode"].astype("string").fillna("unknown").tolist() if "mode" in disp.columns
             else ["none"] * len(disp))
    comp = add(folium.GeoJson(
        _features(comp_layer_data, {"fill": [MODE_COLOURS.get(m, UNKNOWN_MODE_COLOUR) for m in modes],
                                    "name": [_esc(n) for n in disp.get("name", pd.Series([""] * len(disp)))],
                                    "tip": _compound_tips(disp)}),
        name="住宅小区（按管理方式）",
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#222222", "weight": 0.6,
                                  "fillOpacity": 0.8},
        marker=folium.CircleMarker(radius=4) if len(disp) > max_compounds else None,
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ))
    items = [(MODE_COLOURS[k], MODES[k]) for k in MODE_COLOURS]
    if "unknown" in modes:
        items.append((UNKNOWN_MODE_COLOUR, f"{UNKNOWN_MODE_LABEL}（管理方式待填）"))
    if proposals is not None:
        _add_proposals(proposals, add, frame)
        items += [(AREA_COLOUR, "拟划管理区域（虚线）"), (AREA_OVER_CAP_COLOUR, "拟划区域·估算超5万元"),
                  (REMAINDER_COLOUR, "暂不能合并的单元")]
    _root_html(fmap).add_child(_legend("图例", items, "right"))

    Search(layer=comp, search_label="name", placeholder="搜索小区名称", collapsed=False,
           position="topright").add_to(fmap)
    # leaflet-search sizes its box in characters, and a Chinese character is two wide: room for the placeholder
    header = fmap.get_root().header  # type: ignore[attr-defined]  # branca types the root as a plain Element
    header.add_child(Element("<style>.leaflet-control-search .search-input{min-width:9.5em}</style>"))
    Fullscreen(title="全屏", title_cancel="退出全屏").add_to(fmap)
    block = (
        '<div class="zy-title" style="position:fixed;top:10px;left:56px;z-index:9999;background:white;'
        f'padding:6px 12px;border:1px solid #999;border-radius:4px;font:14px {FONT_STACK};max-width:45%">'
        f"<b>{_esc(title)}</b><br><span style='font-size:12px'>{_esc(subtitle)}</span>"
        + (f"<br><span style='font-size:12px;color:#a00'>{_esc(note)}</span>" if note else "")
        + ("<br><span style='font-size:12px'>底图：高德（图层已转换为GCJ-02仅供显示）</span>"
           if frame == "gcj02" else "")
        + "</div>"
    )
    _root_html(fmap).add_child(Element(block))
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.add_child(_FeatureCounts(counted))
    return fmap


def _decision_line(value: Any) -> str:
    """``<br>依据：…`` for a popup from a ``decision`` column, escaped; "" when zy_geo decided alone.

    >>> _decision_line("together: 两小区业主大会同意合并；apart: <b>x</b>")
    '<br>依据：两小区业主大会同意合并（决定合并）；&lt;b&gt;x&lt;/b&gt;（决定不得同区）'
    >>> _decision_line("") + _decision_line(None)
    ''
    """
    if not _esc(value):
        return ""
    parts = []
    for label in str(value).split("；"):
        kind, _, reason = label.partition(":")
        name = DECISION_KINDS_ZH.get(kind.strip())
        parts.append(label if name is None else f"{reason.strip()}（{name}）" if reason.strip() else name)
    return f"<br>依据：{_esc('；'.join(parts))}"


def _add_proposals(proposals: Any, add: Any, frame: str) -> None:
    areas = proposals.areas
    if len(areas):
        a = _display(areas, simplify_m=0.5, frame=frame)
        tips = [
            f"<b>拟划管理区域 {_esc(r.area_id)}</b><br>街道（镇）：{_esc(r.street)}<br>"
            f"包含：{_esc('、'.join(map(str, r.unit_ids)))}<br>户数：{int(r.households)}<br>"
            f"新建围挡：{r.new_fence_m:,.0f} 米；出入口 {int(r.gates)} 个；监控 {int(r.cameras)} 个<br>"
            f"估算造价：{r.cost_yuan:,.0f} 元" + ("（超5万元上限）" if r.over_cap else "")
            + _decision_line(getattr(r, "decision", "")) + f"<br>{_esc(r.explanation)}"
            for r in a.itertuples()
        ]
        add(folium.GeoJson(_features(a, {"tip": tips, "over": a["over_cap"].astype(bool).tolist()}),
                           name="拟划管理区域",
                           style_function=lambda f: {
                               "color": AREA_OVER_CAP_COLOUR if f["properties"]["over"] else AREA_COLOUR,
                               "weight": 3, "dashArray": "6 4", "fillOpacity": 0.05},
                           tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)))
    rem = proposals.remainders
    if len(rem):
        r = _display(rem, simplify_m=0.5, frame=frame)
        tips = [f"<b>暂不能合并：{_esc(x.unit_id)}</b><br>户数：{int(x.households)}<br>原因：{_esc(x.reason)}<br>"
                f"建议：{_esc(MODES.get(x.suggested_mode, x.suggested_mode))}"
                + _decision_line(getattr(x, "decision", "")) for x in r.itertuples()]
        add(folium.GeoJson(_features(r, {"tip": tips}), name="待处理单元",
                           style_function=lambda f: {"color": REMAINDER_COLOUR, "weight": 3, "fillOpacity": 0.1},
                           tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False)))


def _root_html(fmap: folium.Map) -> Any:
    """The page's HTML element (branca types the root as a plain Element)."""
    return fmap.get_root().html  # type: ignore[attr-defined]


def map_html(fmap: folium.Map, *, offline: bool = False) -> str:
    """The map as one HTML page; with ``offline``, Leaflet and every plugin inlined.

    Its Chinese is drawn with the bundled Noto Sans SC, cut to the page's characters and embedded
    (:mod:`zy_geo._web_font`), so it shows on a machine without a Chinese font too.

    Parameters
    ----------
    fmap : folium.Map
    offline : bool
        Inline Leaflet and every plugin so the file opens with no network (refused when the map
        uses tile basemaps, which need the network by nature).

    Returns
    -------
    str
    """
    if offline and any(isinstance(ch, folium.TileLayer) for ch in fmap._children.values()):
        msg = "an offline map cannot use tile basemaps (they load from the internet); use basemap='none'."
        raise InputError(msg)
    page = compact_layers(fmap.get_root().render())
    # the Chinese drawn with the bundled font on a machine without a CJK font (not a network fetch)
    return embed_chinese_font(inline_assets(page) if offline else page)


def save_map(fmap: folium.Map, path: str | Path, *, offline: bool = False, folder: OutputFolder | None = None,
             force: bool = False) -> Path:
    """Write the map to an HTML file (UTF-8) and return its path.

    Parameters
    ----------
    fmap : folium.Map
    path : str or Path
        ``.html`` file (relative to ``folder`` when given).
    offline : bool
        Inline Leaflet and every plugin so the file opens with no network (refused when the map
        uses tile basemaps, which need the network by nature).
    folder : OutputFolder, optional
        The command's output folder (:mod:`zy_geo.write`).
    force : bool
        Overwrite a file zy_geo did not write.

    Returns
    -------
    Path
    """
    page = map_html(fmap, offline=offline)
    with writing(path, folder, suffixes=(".html", ".htm"), what="map", force=force) as (out, name):
        return out.write_text(page, name)
