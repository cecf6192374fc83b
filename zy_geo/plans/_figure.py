"""The map figure of one plan, fit to print: the area in its surroundings, what the money buys.

The area is drawn over its context — roads with their names, the river, neighbouring compounds in
grey, buildings — with its members in colour; the boundary is split into existing walls, building
façades and the **new fence** (the part that costs money, in a strong colour, with its length);
vehicle and pedestrian gates and cameras are symbols; a scale bar, a north arrow, a Chinese legend
and a title finish it. The context is indexed once per plan set (:class:`PlanContext`) and looked up
per plan.
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._cartography import north_arrow, png_bytes, scale_bar
from .._fonts import chinese_rc
from ..areas.fencing import FenceLayout, RoadSet, fence_layout
from ..schema import ROAD_CLASSES

NEW_FENCE = "#d7191c"
WALL = "#5d4037"
FACADE = "#8d8d8d"
RIVER = "#c6dbef"
NEIGHBOUR = "#e3e3e3"
MEMBER_COLOURS = ["#fdae61", "#abd9e9", "#a6d96a", "#f4a6c6", "#ffd92f", "#b3a2c7", "#80cdc1", "#dfc27d"]
ROAD_WIDTH = {"arterial": 4.0, "secondary": 2.6, "local": 1.4, "path": 0.7}


@dataclass
class PlanContext:
    """The city around the plans, indexed once: roads (class, name), rivers, compounds, buildings.

    Parameters
    ----------
    compounds : GeoDataFrame
        Every compound (drawn in grey around the plan's own members), with ``name`` when known.
    roads, rivers, buildings : GeoDataFrame, optional
        Drawn when present; roads with ``road_class`` and ``name``.
    crossable : tuple of str
        Road classes an area may span (their crossings are gates).
    """

    compounds: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None = None
    rivers: gpd.GeoDataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None
    crossable: tuple[str, ...] = ("path",)

    def __post_init__(self) -> None:
        self._trees: dict[str, shapely.STRtree] = {}
        self._geoms: dict[str, np.ndarray] = {}
        for name in ("compounds", "roads", "rivers", "buildings"):
            gdf = getattr(self, name)
            if gdf is not None and len(gdf):
                self._geoms[name] = np.asarray(gdf.geometry.values, dtype=object)
                self._trees[name] = shapely.STRtree(self._geoms[name])
        # what the figure reads of each feature, as arrays (a GeoDataFrame row lookup per plan is slow)
        roads = self.roads if self.roads is not None else pd.DataFrame()
        self._road_class: np.ndarray = (roads["road_class"].astype(str).to_numpy(dtype=object)
                                        if "road_class" in roads.columns else np.array(["local"] * len(roads)))
        self._road_name: np.ndarray | None = roads["name"].to_numpy(dtype=object) if "name" in roads.columns else None
        self._compound_id: np.ndarray | None = (self.compounds["compound_id"].astype(str).to_numpy()
                                                if "compound_id" in self.compounds.columns else None)

    def __getstate__(self) -> dict[str, Any]:  # STRtrees do not pickle; rebuilt in each worker
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def _hits(self, name: str, window: shapely.Geometry) -> np.ndarray:
        """Positions (ascending) of one layer's features that meet ``window``; empty when none."""
        tree = self._trees.get(name)
        if tree is None:
            return np.empty(0, dtype=np.intp)
        return np.sort(tree.query(window, predicate="intersects"))

    def within(self, name: str, window: shapely.Geometry) -> gpd.GeoDataFrame | None:
        """The features of one layer that meet ``window`` (None when the layer is missing or none do)."""
        hit = self._hits(name, window)
        return getattr(self, name).iloc[hit] if len(hit) else None


def _window(geom: shapely.Geometry) -> tuple[float, float, float, float]:
    """A square-ish view around the area with room for its context (at least 120 m across)."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    w, h = x1 - x0, y1 - y0
    side = max(w, h, 60.0) * 1.5 + 60.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - side * 0.6, cy - side / 2, cx + side * 0.6, cy + side / 2


def _road_labels(ax: Any, geoms: np.ndarray, names: np.ndarray, window: shapely.Geometry) -> None:
    """Each named road once, along its longest stretch inside the view (names in sorted order)."""
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if not pd.isna(name):
            by_name.setdefault(str(name), []).append(i)
    named = [i for ids in by_name.values() for i in ids]
    clipped = dict(zip(named, shapely.intersection(geoms[named], window), strict=True)) if named else {}
    for name in sorted(by_name):
        if not name.strip() or name.lower() in {"nan", "none"}:
            continue
        parts = shapely.get_parts(np.asarray([clipped[i] for i in by_name[name]], dtype=object))
        parts = parts[shapely.get_type_id(parts) == 1]  # LineStrings
        if not len(parts):
            continue
        line = parts[np.argmax(shapely.length(parts))]
        if line.length < 40:
            continue
        mid = line.interpolate(0.5, normalized=True)
        a, b = line.interpolate(0.45, normalized=True), line.interpolate(0.55, normalized=True)
        angle = math.degrees(math.atan2(b.y - a.y, b.x - a.x))
        angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
        ax.text(mid.x, mid.y, name, fontsize=6.5, rotation=angle, rotation_mode="anchor", ha="center",
                va="center", color="#333333", zorder=6,
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "#ffffff", "edgecolor": "none", "alpha": 0.8})


def _polygons(ax: Any, geoms: Any, *, zorder: float, **kw: Any) -> None:
    """Polygons as one PathCollection (geopandas' plot redraws the whole canvas on every call)."""
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MplPath

    paths = []
    for poly in shapely.get_parts(np.asarray(geoms, dtype=object).ravel()):
        if shapely.get_type_id(poly) != 3 or shapely.is_empty(poly):
            continue
        rings = [poly.exterior, *poly.interiors]
        paths.append(MplPath.make_compound_path(*(MplPath(np.asarray(r.coords)[:, :2], closed=True)
                                                  for r in rings)))
    if paths:  # the view is set by hand: no data limits to update
        ax.add_collection(PathCollection(paths, zorder=zorder, **kw), autolim=False)


def _lines(ax: Any, geoms: Any, *, zorder: float, **kw: Any) -> None:
    """Lines (and polygon rings) as one LineCollection."""
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(np.asarray(geoms, dtype=object).ravel())
    segs = []
    for g in parts:
        if shapely.is_empty(g):
            continue
        if shapely.get_type_id(g) == 3:
            segs += [np.asarray(r.coords)[:, :2] for r in (g.exterior, *g.interiors)]
        elif shapely.get_type_id(g) in (1, 2):
            segs.append(np.asarray(g.coords)[:, :2])
    if segs:
        ax.add_collection(LineCollection(segs, zorder=zorder, **kw), autolim=False)


def _draw_lines(ax: Any, geom: shapely.Geometry, *, color: str, linewidth: float, zorder: float,
                linestyle: Any = "solid") -> None:
    if geom is None or shapely.is_empty(geom):
        return
    _lines(ax, [geom], colors=color, linewidths=linewidth, linestyles=linestyle, zorder=zorder)


def plan_layout(plan: pd.Series, members: gpd.GeoDataFrame, context: PlanContext | None,
                buildings: np.ndarray | None) -> FenceLayout:
    """The plan's boundary split into wall, façade and new fence, with its gates and cameras."""
    roads = None
    if context is not None and context.roads is not None:
        near = context.within("roads", shapely.buffer(plan.geometry, 5.0))
        if near is not None and "road_class" in near.columns:
            near = near[near["road_class"].isin(context.crossable)]
        roads = RoadSet.of(near)
    walled = members["walled"].to_numpy(dtype=bool) if "walled" in members.columns else np.zeros(len(members), bool)
    return fence_layout(plan.geometry, members.geometry.values, walled, buildings=buildings, roads=roads)


class _Canvas:
    """One Agg figure, drawn plan after plan: cleared of the last plan's artists, not made anew.

    A new figure per plan costs its axes, and matplotlib measures each text again on every new figure
    (text extents are cached per renderer); reused, the legend's and labels' recurring texts are
    measured once. Axes, frame and north arrow stay; everything a plan adds is removed after it.
    """

    def __init__(self, dpi: int) -> None:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.dpi = dpi
        with matplotlib.rc_context(chinese_rc()):  # the title and 北 keep the font they are made with
            self.figure = Figure(figsize=(8.4, 5.8), dpi=dpi)  # not pyplot: no global figure registry
            FigureCanvasAgg(self.figure)  # the Agg canvas explicitly; the session's backend is left alone
            ax = self.figure.add_axes((0.01, 0.02, 0.62, 0.9))  # fixed layout: "tight" would draw twice
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_edgecolor("#999999")
            north_arrow(ax)
        self.ax = ax
        self._kept = set(ax.get_children())

    def clear(self) -> None:
        """Remove what the last plan drew (collections, texts, patches, its legend)."""
        for artist in self.ax.get_children():
            if artist not in self._kept:
                artist.remove()

    def png(self) -> bytes:
        """Render and encode."""
        self.figure.canvas.draw()
        return png_bytes(self.figure.canvas.buffer_rgba(), self.dpi)  # type: ignore[attr-defined]


_CANVAS = threading.local()


def _canvas(dpi: int) -> _Canvas:
    """The figure of the calling thread (each process of a pool has its own)."""
    canvas = getattr(_CANVAS, "canvas", None)
    if canvas is None or canvas.dpi != dpi:
        canvas = _CANVAS.canvas = _Canvas(dpi)
    return canvas


def plan_figure(plan: pd.Series, members: gpd.GeoDataFrame, *, context: PlanContext | None = None,
                buildings: np.ndarray | None = None, new_fence_m: float | None = None, dpi: int = 160) -> io.BytesIO:
    """The plan's map figure as PNG bytes (for the .docx and the HTML index).

    Parameters
    ----------
    plan : Series
        One row of :attr:`PlanSet.plans` (``plan_id``, ``name``, ``geometry``).
    members : GeoDataFrame
        The plan's units (``unit_id``, ``walled``).
    context : PlanContext, optional
        The city around it; without it the figure shows the area alone.
    buildings : ndarray of geometry, optional
        Footprints near the area.
    new_fence_m : float, optional
        The new fence length the plan costs (printed on the figure; measured here when missing).
    dpi : int
        Resolution: 160 dpi over the 8.4-inch figure is about 220 pixels per inch where the plan prints
        it 15.5 cm wide.

    Returns
    -------
    io.BytesIO
    """
    import matplotlib

    with matplotlib.rc_context(chinese_rc()):
        canvas = _canvas(dpi)
        try:
            _draw_plan(canvas.ax, plan, members, context=context, buildings=buildings, new_fence_m=new_fence_m)
            return io.BytesIO(canvas.png())
        finally:
            canvas.clear()


def _draw_plan(ax: Any, plan: pd.Series, members: gpd.GeoDataFrame, *, context: PlanContext | None,
               buildings: np.ndarray | None, new_fence_m: float | None) -> None:
    """Draw one plan on the figure's axes (cleared before)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    bounds = _window(plan.geometry)
    window = shapely.box(*bounds)
    layout = plan_layout(plan, members, context, buildings)
    fence_m = layout.new_fence.length if new_fence_m is None else new_fence_m
    handles: list[Any] = []
    if context is not None:
        hit = context._hits("rivers", window)
        if len(hit):
            _polygons(ax, context._geoms["rivers"][hit], facecolor=RIVER, edgecolor="#6baed6", linewidth=0.6,
                      zorder=1)
            handles.append(Patch(facecolor=RIVER, edgecolor="#6baed6", label="河流"))
        hit = context._hits("compounds", window)
        if len(hit) and context._compound_id is not None:
            own = set(map(str, plan.get("compound_ids") or []))
            hit = hit[~np.isin(context._compound_id[hit], list(own))] if own else hit
        if len(hit):
            _polygons(ax, context._geoms["compounds"][hit], facecolor=NEIGHBOUR, edgecolor="#bdbdbd",
                      linewidth=0.5, zorder=2)
            handles.append(Patch(facecolor=NEIGHBOUR, edgecolor="#bdbdbd", label="周边小区"))
        hit = context._hits("roads", window)
        if len(hit):
            geoms, cls = context._geoms["roads"][hit], context._road_class[hit]
            for c, w in ROAD_WIDTH.items():
                if (cls == c).any():
                    _lines(ax, geoms[cls == c], colors="#a0a0a0", linewidths=w, zorder=3)
            handles.append(Line2D([], [], color="#a0a0a0", lw=2.2,
                                  label="道路（" + "、".join(ROAD_CLASSES[c] for c in ROAD_WIDTH) + "）"))
            if context._road_name is not None:
                _road_labels(ax, geoms, context._road_name[hit], window)
    geoms = np.asarray(members.geometry.values, dtype=object)
    for k, (geom, unit) in enumerate(zip(geoms, members["unit_id"], strict=True)):
        colour = MEMBER_COLOURS[k % len(MEMBER_COLOURS)]
        _polygons(ax, [geom], facecolor=colour, edgecolor="#555555", linewidth=0.6, zorder=4)
        p = geom.representative_point()
        ax.annotate(str(unit), (p.x, p.y), fontsize=6, ha="center", zorder=9,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "#ffffff", "alpha": 0.7, "edgecolor": "none"})
    if len(members):
        handles.append(Patch(facecolor=MEMBER_COLOURS[0], edgecolor="#555555", label="纳入的小区/楼栋"))
    if buildings is not None and len(buildings):
        _polygons(ax, buildings, facecolor="#636363", edgecolor="none", zorder=5)
        handles.append(Patch(facecolor="#636363", label="建筑"))
    _draw_lines(ax, layout.wall, color=WALL, linewidth=2.2, zorder=7)
    _draw_lines(ax, layout.facade, color=FACADE, linewidth=2.2, linestyle=(0, (2, 1)), zorder=7)
    _draw_lines(ax, layout.new_fence, color=NEW_FENCE, linewidth=3.0, zorder=8)
    handles.append(Line2D([], [], color=NEW_FENCE, lw=3, label=f"新建围挡 {fence_m:,.0f} 米"))
    if layout.wall.length > 0.5:
        handles.append(Line2D([], [], color=WALL, lw=2.2, label=f"利用已有围墙 {layout.wall.length:,.0f} 米"))
    if layout.facade.length > 0.5:
        handles.append(Line2D([], [], color=FACADE, lw=2.2, ls=(0, (2, 1)),
                              label=f"利用建筑外墙 {layout.facade.length:,.0f} 米"))
    for pts, marker, colour, size, label in (
            (layout.vehicle_gates, "s", "#2b83ba", 60, "车行出入口（门岗、道闸）"),
            (layout.pedestrian_gates, "^", "#1a9641", 45, "人行出入口"),
            (layout.cameras, "o", "#7b3294", 14, "监控")):
        if len(pts):
            xy = shapely.get_coordinates(pts)
            ax.scatter(xy[:, 0], xy[:, 1], marker=marker, s=size, c=colour, edgecolors="#ffffff",
                       linewidths=0.6, zorder=10)
            handles.append(Line2D([], [], marker=marker, color="none", markerfacecolor=colour,
                                  markeredgecolor="#ffffff", markersize=7 if size > 20 else 5,
                                  label=f"{label} {len(pts)}"))
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_aspect("equal", adjustable="box", anchor="W")
    scale_bar(ax, bounds)
    ax.set_title(f"{plan['name']}（{plan['plan_id']}）管理区域示意图", fontsize=10)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
