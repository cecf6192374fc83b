"""Interactive HTML coverage maps (folium) for planners' meetings.

Geometry is projected to WGS84 for Leaflet only at the end; analysis happened in EPSG:4544.
Every string that comes from data is HTML-escaped before it reaches the page, and personal
data columns are never carried into the map.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> compounds = gpd.GeoDataFrame(
...     {"compound_id": ["a"], "name": ["<b>x</b>小区"], "street": ["莲花街道"], "body": ["雁江区"],
...      "kind": ["open"], "mode": ["none"], "households": [120]},
...     geometry=[box(400000, 3334000, 400100, 3334100)], crs="EPSG:4544")
>>> m = coverage_map(compounds, title="样例")
>>> html = m.get_root().render()
>>> "&lt;b&gt;x&lt;/b&gt;小区" in html and "<b>x</b>小区" not in html
True
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .schema import COMPOUND_KINDS, MODES, PII_COLUMNS, SIX_HAVES_SHORT

#: Colours of management modes on the map.
MODE_COLOURS: dict[str, str] = {
    "professional": "#1a9850",
    "community_center": "#66bd63",
    "self_managed": "#a6d96a",
    "none": "#d73027",
}

_COVERAGE_BINS = [0.0, 0.5, 0.7, 0.85, 0.95, 1.0001]
_COVERAGE_COLOURS = ["#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"]


def _esc(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _to_display(gdf: gpd.GeoDataFrame, *, simplify_m: float) -> gpd.GeoDataFrame:
    """Simplify in metres, then project to WGS84 and round to 1e-6° (≈ 0.1 m)."""
    if gdf.crs is None:
        msg = "a layer passed to the map has no CRS; read it with zy_geo.io.read_layer or set_crs() first."
        raise ValueError(msg)
    out = gdf.to_crs("EPSG:4544") if not gdf.crs.equals("EPSG:4544") else gdf
    if simplify_m > 0:
        out = out.set_geometry(out.geometry.simplify(simplify_m, preserve_topology=True))
    out = out.to_crs("EPSG:4326")
    return out.set_geometry(shapely.set_precision(out.geometry.values, 1e-6))


def _geojson(gdf: gpd.GeoDataFrame, props: dict[str, Sequence[Any]]) -> dict[str, Any]:
    geoms = shapely.to_geojson(gdf.geometry.values)
    feats = []
    keys = list(props)
    for i, g in enumerate(geoms):
        feats.append({
            "type": "Feature",
            "geometry": json.loads(g),
            "properties": {k: props[k][i] for k in keys},
        })
    return {"type": "FeatureCollection", "features": feats}


def _tick(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "?"
    return "✓" if bool(value) else "✗"


def _compound_popups(c: pd.DataFrame) -> list[str]:
    out = []
    haves = [k for k in SIX_HAVES_SHORT if k in c.columns]
    for _, row in c.iterrows():
        lines = [f"<b>{_esc(row.get('name'))}</b>"]
        for key, label in (("street", "街道（镇）"), ("community", "社区"), ("body", "责任主体")):
            if key in c.columns:
                lines.append(f"{label}：{_esc(row.get(key))}")
        if "kind" in c.columns:
            lines.append(f"类型：{_esc(COMPOUND_KINDS.get(row.get('kind'), row.get('kind')))}")
        if "mode" in c.columns:
            lines.append(f"管理方式：{_esc(MODES.get(row.get('mode'), row.get('mode')))}")
        if "households" in c.columns:
            lines.append(f"户数：{_esc(row.get('households'))}")
        if haves:
            lines.append("六有：" + " ".join(f"{SIX_HAVES_SHORT[k]}{_tick(row.get(k))}" for k in haves))
        out.append("<br>".join(lines))
    return out


def _legend(title: str, items: list[tuple[str, str]]) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{colour};'
        f'margin-right:6px;vertical-align:middle;border:1px solid #555"></span>{_esc(label)}</div>'
        for colour, label in items
    )
    return (
        '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        'padding:8px 10px;border:1px solid #999;border-radius:4px;font:13px sans-serif">'
        f"<b>{_esc(title)}</b>{rows}</div>"
    )


def coverage_map(
    compounds: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | None = None,
    coverage: pd.DataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    title: str = "住宅小区物业管理覆盖情况",
    subtitle: str = "",
    basemap: str = "none",
) -> folium.Map:
    """Draw compounds by management mode over street coverage, with a Chinese legend.

    Parameters
    ----------
    compounds : GeoDataFrame
        Compound polygons with ``name``, ``mode`` and optional ``street``, ``body``, ``kind``,
        ``households`` and six-haves columns. Personal-data columns are ignored.
    streets : GeoDataFrame, optional
        Street/town polygons with a ``street`` column, shaded by ``coverage``.
    coverage : DataFrame, optional
        Output of :func:`zy_geo.coverage.coverage_table` grouped by street; its
        ``coverage_households`` share shades the streets.
    roads, rivers : GeoDataFrame, optional
        Drawn as an offline vector basemap (no tiles needed).
    title, subtitle : str
        Title block text (escaped).
    basemap : {"none", "osm"}
        ``none`` draws only the city's own layers (works offline).

    Returns
    -------
    folium.Map
    """
    compounds = compounds.drop(columns=[c for c in PII_COLUMNS if c in compounds.columns])
    disp = _to_display(compounds, simplify_m=0.5)
    tiles = "OpenStreetMap" if basemap == "osm" else None
    minx, miny, maxx, maxy = disp.total_bounds
    fmap = folium.Map(tiles=tiles, prefer_canvas=True, control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])

    if rivers is not None and len(rivers):
        r = _to_display(rivers, simplify_m=2.0)
        folium.GeoJson(
            _geojson(r, {"name": [_esc(v) for v in r.get("name", pd.Series([""] * len(r)))]}),
            name="河流", style_function=lambda f: {"color": "#6baed6", "fillColor": "#c6dbef",
                                                  "weight": 1, "fillOpacity": 0.9},
        ).add_to(fmap)
    if roads is not None and len(roads):
        r = _to_display(roads, simplify_m=2.0)
        weights = {"arterial": 3, "secondary": 2, "local": 1, "path": 0.5}
        cls = r["road_class"].tolist() if "road_class" in r.columns else ["local"] * len(r)
        folium.GeoJson(
            _geojson(r, {"w": [weights.get(c, 1) for c in cls]}),
            name="道路", style_function=lambda f: {"color": "#999999", "weight": f["properties"]["w"]},
        ).add_to(fmap)

    if streets is not None and len(streets):
        s = _to_display(streets, simplify_m=2.0)
        share = pd.Series(np.nan, index=s.index)
        if coverage is not None and "street" in coverage.columns:
            lookup = coverage.drop_duplicates("street").set_index("street")["coverage_households"]
            share = s["street"].map(lookup).astype(float)
        colours = [
            "#cccccc" if np.isnan(v) else _COVERAGE_COLOURS[int(np.digitize(v, _COVERAGE_BINS) - 1)]
            for v in share
        ]
        tips = [
            f"<b>{_esc(n)}</b><br>责任主体：{_esc(b)}<br>户数覆盖率："
            + ("无数据" if np.isnan(v) else f"{v:.1%}")
            for n, b, v in zip(s["street"], s.get("body", [""] * len(s)), share, strict=True)
        ]
        folium.GeoJson(
            _geojson(s, {"fill": colours, "tip": tips}),
            name="街道（镇）覆盖率",
            style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#333333",
                                      "weight": 2, "fillOpacity": 0.35},
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        ).add_to(fmap)
        fmap.get_root().html.add_child(folium.Element(_legend("户数覆盖率", [
            (_COVERAGE_COLOURS[0], "< 50%"), (_COVERAGE_COLOURS[1], "50–70%"),
            (_COVERAGE_COLOURS[2], "70–85%"), (_COVERAGE_COLOURS[3], "85–95%"),
            (_COVERAGE_COLOURS[4], "≥ 95%"),
        ])))

    modes = disp["mode"].fillna("none").astype(str).tolist() if "mode" in disp.columns else ["none"] * len(disp)
    folium.GeoJson(
        _geojson(disp, {"fill": [MODE_COLOURS.get(m, "#888888") for m in modes],
                        "tip": _compound_popups(disp)}),
        name="住宅小区（按管理方式）",
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "color": "#222222",
                                  "weight": 0.6, "fillOpacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(fmap)
    mode_legend = _legend("管理方式", [(MODE_COLOURS[k], MODES[k]) for k in MODE_COLOURS])
    fmap.get_root().html.add_child(folium.Element(mode_legend.replace("left:12px", "right:12px")))

    block = (
        '<div style="position:fixed;top:10px;left:60px;z-index:9999;background:white;padding:6px 12px;'
        'border:1px solid #999;border-radius:4px;font:14px sans-serif">'
        f"<b>{_esc(title)}</b><br><span style='font-size:12px'>{_esc(subtitle)}</span></div>"
    )
    fmap.get_root().html.add_child(folium.Element(block))
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def save_map(fmap: folium.Map, path: str | Path) -> Path:
    """Write the map to a standalone HTML file (UTF-8) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmap.save(str(path))
    return path
