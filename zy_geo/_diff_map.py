"""The map of what changed between two proposals (:func:`zy_geo.diff.diff_proposals`), drawn over the new one.

Added areas green, removed red dashed (their old boundary), changed orange with the boundary before
the change, unchanged blue dashed, units that moved as purple dots whose tooltip says from where to
where; the new proposal's units grey underneath and the street lines dotted. A Chinese legend names
only the layers drawn; every string from data is escaped (:func:`zy_geo.maps._esc`). Private: reached
through :func:`zy_geo.diff.diff_map` and :meth:`zy_geo.diff.ProposalDiff.to_map`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element
from folium.plugins import Fullscreen

from ._web_font import FONT_STACK
from .labels import DIFF_VALUES_ZH
from .maps import _display, _esc, _FeatureCounts, _features, _legend, _MetricScale, _root_html

if TYPE_CHECKING:
    from .diff import ProposalDiff

__all__ = ["diff_map"]

#: Map colours: added, removed, changed, the boundary before a change, unchanged areas, moved units.
ADDED_COLOUR, REMOVED_COLOUR, CHANGED_COLOUR = "#1a9850", "#d73027", "#f28e2b"
BEFORE_COLOUR, UNCHANGED_COLOUR, MOVED_COLOUR = "#8c6d31", "#2c7fb8", "#6a3d9a"


def _area_tip(r: Any, area: Any, label: str) -> str:
    """Tooltip of one area on the diff map: its change, ids, figures and the note (every string escaped)."""
    ids = "　→　".join(f"{side} {_esc(x)}" for side, x in (("原方案", r.old_area_id), ("新方案", r.new_area_id))
                      if not pd.isna(x))
    lines = [f"<b>{_esc(label)}</b>：{ids}", f"街道（镇）：{_esc(r.street)}"]
    if area is not None:
        lines.append(f"包含：{_esc('、'.join(map(str, area.unit_ids)))}")
    fig = []
    for key, unit, text in (("households", "户", "户数"), ("new_fence_m", "米", "新建围挡"),
                            ("cost_yuan", "元", "估算造价")):
        a, b = getattr(r, f"{key}_old"), getattr(r, f"{key}_new")
        fig.append(f"{text}：{'—' if pd.isna(a) else f'{a:,.0f}'} → {'—' if pd.isna(b) else f'{b:,.0f}'} {unit}")
    return "<br>".join(lines + fig + ([_esc(r.note)] if r.note else []))


def diff_map(diff: ProposalDiff, *, title: str = "管理区域方案对比") -> folium.Map:
    """The changes drawn over the new proposal: added green, removed red dashed, changed orange, moved units.

    Parameters
    ----------
    diff : ProposalDiff
    title : str
        Title block (escaped); the subtitle names the two proposals and counts the changes.

    Returns
    -------
    folium.Map
        Write it with :func:`zy_geo.maps.save_map` (``offline=True`` opens with no network), or
        :meth:`ProposalDiff.save_map`.
    """
    old, new, a = diff.old, diff.new, diff.areas
    frame = "wgs84"
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=False, zoom_snap=0.25)
    fmap.add_child(_MetricScale())
    extent = pd.concat([new.members.geometry, old.areas.geometry, new.areas.geometry], ignore_index=True)
    extent_gdf = gpd.GeoDataFrame(geometry=extent[~extent.isna() & ~extent.is_empty], crs=new.members.crs)
    if len(extent_gdf):
        minx, miny, maxx, maxy = _display(extent_gdf.envelope.to_frame("geometry").set_geometry("geometry"),
                                          simplify_m=0, frame=frame).total_bounds
        fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    counted: list[tuple[str, str]] = []

    def add(gdf: gpd.GeoDataFrame, name: str, tips: list[str], style: dict[str, Any], *,
            simplify_m: float = 0.5, marker: Any = None) -> None:
        if not len(gdf):
            return
        disp = _display(gdf, simplify_m=simplify_m, frame=frame)
        gj = folium.GeoJson(_features(disp, {"tip": tips} if tips else {}), name=name, marker=marker,
                            style_function=lambda f, s=style: s,
                            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False) if tips else None)
        gj.add_to(fmap)
        counted.append((name, gj.get_name()))

    enc = new.enclosures
    if len(enc) and "street" in enc.columns:
        streets = enc[["street", "geometry"]].dissolve(by="street", as_index=False)
        add(streets, "街道（镇）", [f"<b>{_esc(s)}</b>" for s in streets["street"]],
            {"color": "#555555", "weight": 1.5, "fillOpacity": 0, "dashArray": "2 4"}, simplify_m=5.0)
    units = new.members
    add(units, "新方案单元", [f"{_esc(u)}（{int(h)} 户）" for u, h in zip(units["unit_id"], units["households"],
                                                                    strict=True)],
        {"color": "#999999", "weight": 0.5, "fillColor": "#cccccc", "fillOpacity": 0.4})

    oa, na = (p.areas.set_index(p.areas["area_id"].astype(str)) for p in (old, new))

    def layer(change: str, side: str) -> tuple[gpd.GeoDataFrame, list[str]]:
        rows = a[a["change"] == change]
        src = na if side == "new" else oa
        ids = rows[f"{side}_area_id"].astype(str).tolist()
        label = DIFF_VALUES_ZH[change] + ("区域" if change != "changed" or side == "new" else "前边界")
        tips = [_area_tip(r, src.loc[i], label) for r, i in zip(rows.itertuples(), ids, strict=True)]
        return gpd.GeoDataFrame(geometry=src.loc[ids].geometry.to_numpy(), crs=src.crs), tips

    styles = [
        ("unchanged", "new", "未变区域", {"color": UNCHANGED_COLOUR, "weight": 1.5, "fillOpacity": 0.04,
                                      "dashArray": "6 4"}),
        ("removed", "old", "撤销区域", {"color": REMOVED_COLOUR, "weight": 3, "fillColor": REMOVED_COLOUR,
                                    "fillOpacity": 0.08, "dashArray": "8 6"}),
        ("changed", "old", "调整前边界", {"color": BEFORE_COLOUR, "weight": 1.5, "fillOpacity": 0, "dashArray": "3 5"}),
        ("changed", "new", "调整区域（新边界）", {"color": CHANGED_COLOUR, "weight": 3, "fillColor": CHANGED_COLOUR,
                                          "fillOpacity": 0.15}),
        ("added", "new", "新增区域", {"color": ADDED_COLOUR, "weight": 3, "fillColor": ADDED_COLOUR,
                                  "fillOpacity": 0.2}),
    ]
    for change, side, name, style in styles:
        gdf, tips = layer(change, side)
        add(gdf, name, tips, style)

    moved = diff.moved
    mu = units.set_index(units["unit_id"].astype(str)).loc[moved["unit_id"]]
    points = gpd.GeoDataFrame(geometry=mu.geometry.representative_point().to_numpy(), crs=units.crs)
    tips = [f"<b>变动单元 {_esc(u)}</b><br>户数：{int(h)}<br>{_esc(f)} → {_esc(t)}"
            for u, h, f, t in zip(moved["unit_id"], moved["households"], moved["from"], moved["to"], strict=True)]
    add(points, "变动单元", tips, {"color": MOVED_COLOUR, "fillColor": MOVED_COLOUR, "weight": 2, "fillOpacity": 0.9,
                                 "radius": 6}, simplify_m=0, marker=folium.CircleMarker(radius=6, fill=True))

    drawn = {name for name, _ in counted}  # the legend names only what the map shows
    items = [(colour, text) for colour, text, name in (
        (ADDED_COLOUR, "新增区域", "新增区域"),
        (REMOVED_COLOUR, "撤销区域（红色虚线，原边界）", "撤销区域"),
        (CHANGED_COLOUR, "调整区域（新边界）", "调整区域（新边界）"),
        (BEFORE_COLOUR, "调整前边界（虚线）", "调整前边界"),
        (UNCHANGED_COLOUR, "未变区域（蓝色虚线）", "未变区域"),
        (MOVED_COLOUR, "变动单元（圆点，悬停看去向）", "变动单元"),
        ("#cccccc", "新方案单元", "新方案单元")) if name in drawn]
    _root_html(fmap).add_child(_legend("图例", items, "right"))
    n = diff.counts()
    subtitle = (f"原方案：{diff.names[0]} → 新方案：{diff.names[1]}；新增 {n['added']}，撤销 {n['removed']}，"
                f"调整 {n['changed']}（拆分 {n['split']}，合并 {n['merge']}），不变 {n['unchanged']}；"
                f"变动单元 {n['moved_units']} 个（{n['moved_households']:,} 户）")
    block = ('<div class="zy-title" style="position:fixed;top:10px;left:56px;z-index:9999;background:white;'
             f'padding:6px 12px;border:1px solid #999;border-radius:4px;font:14px {FONT_STACK};max-width:55%">'
             f"<b>{_esc(title)}</b><br><span style='font-size:12px'>{_esc(subtitle)}</span></div>")
    _root_html(fmap).add_child(Element(block))
    Fullscreen(title="全屏", title_cancel="退出全屏").add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.add_child(_FeatureCounts(counted))
    return fmap
