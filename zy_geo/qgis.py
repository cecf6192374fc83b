"""QGIS styles inside every GeoPackage zy_geo writes, so a planner opens it styled.

QGIS keeps a layer's default style in a GeoPackage table ``layer_styles`` (one row per layer, the
style as QML, ``useAsDefault = 1``); QGIS applies it when the layer is added. zy_geo writes such a
row for every layer it knows — compounds by management mode, roads by class, management areas by
whether they stay under the subsidy cap, units by outcome (those a decision excluded grey and dashed),
remainders, streets, rivers, rail, Tuoxi, buildings — in the colours of the HTML meeting map
(:mod:`zy_geo.maps`), with Chinese labels (Noto Sans SC, the font zy_geo's figures use; QGIS falls
back to a system font where it is missing).

:func:`read_layer_styles` reads the table back and :func:`style_colours` parses a QML into the
colours it draws, so tests (and a machine without QGIS) can check and preview a style.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .labels import OUTCOMES
from .maps import AREA_COLOUR, AREA_OVER_CAP_COLOUR, MODE_COLOURS, REMAINDER_COLOUR
from .schema import MODES, ROAD_CLASSES

__all__ = ["EXCLUDED_COLOUR", "LayerStyle", "layer_style", "preview", "read_layer_styles", "style_colours",
           "write_layer_styles"]

QGIS_VERSION = "3.28.0-Firenze"
FONT = "Noto Sans SC"
ROAD_COLOUR = "#9a9a9a"
#: Road widths in millimetres on screen, in the proportions of the HTML map's line weights.
ROAD_WIDTH_MM = {"arterial": 1.2, "secondary": 0.8, "local": 0.4, "path": 0.2}
RIVER_FILL, RIVER_LINE = "#c6dbef", "#6baed6"
#: Units a decision left outside this programme (members ``outcome = excluded``, 不纳入本次方案): grey, dashed.
EXCLUDED_COLOUR = "#737373"


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _options(props: Mapping[str, str]) -> str:
    """Symbol-layer properties in both the old (``prop``) and the new (``Option``) QML forms."""
    old = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    new = "".join(f'<Option name={quoteattr(k)} type="QString" value={quoteattr(v)}/>' for k, v in props.items())
    return f'<Option type="Map">{new}</Option>{old}'


def _symbol(name: str, kind: str, colour: str, *, outline: str = "#333333", width_mm: float = 0.26,
            fill_alpha: int = 255, dashed: bool = False) -> str:
    if kind == "fill":
        props = {"color": _rgba(colour, fill_alpha), "style": "solid", "outline_color": _rgba(outline),
                 "outline_style": "dash" if dashed else "solid", "outline_width": f"{width_mm:g}",
                 "outline_width_unit": "MM", "joinstyle": "bevel"}
        cls = "SimpleFill"
    else:
        props = {"line_color": _rgba(colour), "line_style": "dash" if dashed else "solid",
                 "line_width": f"{width_mm:g}", "line_width_unit": "MM", "capstyle": "round", "joinstyle": "round"}
        cls = "SimpleLine"
    return (f'<symbol name={quoteattr(name)} type="{kind}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{cls}" enabled="1" pass="0" locked="0">{_options(props)}</layer></symbol>')


def _labeling(field: str, size: float = 9.0, *, min_scale: int = 0) -> str:
    scale = f'scaleVisibility="1" scaleMin="{min_scale}" scaleMax="0"' if min_scale else 'scaleVisibility="0"'
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field)} isExpression="0" fontFamily="{FONT}" fontSize="{size:g}" '
        'fontSizeUnit="Point" textColor="0,0,0,255" fontWeight="50" fontItalic="0" namedStyle="Regular" '
        'multilineHeight="1" textOpacity="1"/>'
        '<text-buffer bufferDraw="1" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255" '
        'bufferOpacity="1"/>'
        '<placement placement="1" offsetType="0" dist="0" priority="5"/>'
        f'<rendering {scale} obstacle="1" fontLimitPixelSize="0" labelPerPart="0" mergeLines="1"/>'
        '</settings></labeling>'
    )


def _qml(renderer: str, labeling: str = "") -> str:
    return (f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling">{renderer}{labeling}'
            f'<layerGeometryType>{{geometry}}</layerGeometryType></qgis>')


def _single(kind: str, colour: str, **kw) -> str:
    return (f'<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
            f'<symbols>{_symbol("0", kind, colour, **kw)}</symbols></renderer-v2>')


def _categorized(attr: str, kind: str, cats: Sequence[tuple[str, str, str, dict]]) -> str:
    """``cats``: (value, label, colour, symbol keywords); a last category with value "" catches the rest."""
    categories = "".join(
        f'<category value={quoteattr(v)} symbol="{i}" label={quoteattr(lab)} render="true"/>'
        for i, (v, lab, _, _) in enumerate(cats))
    symbols = "".join(_symbol(str(i), kind, c, **kw) for i, (_, _, c, kw) in enumerate(cats))
    return (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attr)} symbollevels="0" enableorderby="0" '
            f'forceraster="0"><categories>{categories}</categories><symbols>{symbols}</symbols></renderer-v2>')


@dataclass(frozen=True)
class LayerStyle:
    """One layer's default QGIS style: its name shown in QGIS' style manager, and the QML."""

    name: str
    description: str
    qml: str


def layer_style(layer: str, geometry_type: str = "Polygon") -> LayerStyle | None:
    """The default style zy_geo gives a layer of this name, or None for a layer it does not know.

    Parameters
    ----------
    layer : str
        Layer name in a city or proposal GeoPackage (``compounds``, ``roads``, ``areas`` …).
    geometry_type : str
        The layer's geometry type as GDAL names it (written into the QML).

    Returns
    -------
    LayerStyle or None

    Examples
    --------
    >>> s = layer_style("compounds")
    >>> s.name, style_colours(s.qml)["professional"]
    ('zy_geo 小区（按管理方式）', '#1a9850')
    >>> layer_style("my_notes") is None
    True
    """
    geom = "1" if "line" in geometry_type.lower() else "2"  # QgsWkbTypes::GeometryType: 1 line, 2 polygon
    name_label = _labeling("name", 8, min_scale=10000)
    if layer == "compounds":
        cats = [(k, MODES[k], MODE_COLOURS[k], {"fill_alpha": 200, "outline": "#222222"}) for k in MODE_COLOURS]
        cats.append(("", "其他/未填", "#888888", {"fill_alpha": 200, "outline": "#222222"}))
        style = ("小区（按管理方式）", "residential compounds by management mode",
                 _qml(_categorized("mode", "fill", cats), name_label))
    elif layer == "roads":
        cats = [(k, ROAD_CLASSES.get(k, k), ROAD_COLOUR, {"width_mm": ROAD_WIDTH_MM[k]}) for k in ROAD_WIDTH_MM]
        style = ("道路（按等级）", "roads by class", _qml(_categorized("road_class", "line", cats),
                                                      _labeling("name", 7, min_scale=10000)))
    elif layer == "areas":
        cats = [("0", "拟划管理区域", AREA_COLOUR, {"fill_alpha": 40, "outline": AREA_COLOUR, "width_mm": 0.8}),
                ("1", "拟划管理区域（设施费超5万元上限）", AREA_OVER_CAP_COLOUR,
                 {"fill_alpha": 40, "outline": AREA_OVER_CAP_COLOUR, "width_mm": 0.8})]
        style = ("管理区域（按是否超上限）", "proposed management areas, over the 50,000-yuan cap or not",
                 _qml(_categorized("if(\"over_cap\", '1', '0')", "fill", cats), _labeling("area_id", 8)))
    elif layer == "remainders":
        style = ("待处理单元", "units left out of any area, with the reason",
                 _qml(_single("fill", REMAINDER_COLOUR, fill_alpha=25, outline=REMAINDER_COLOUR, width_mm=0.8),
                      _labeling("unit_id", 7)))
    elif layer == "members":
        cats = [("area", OUTCOMES["area"], AREA_COLOUR, {"fill_alpha": 90, "outline": "#555555"}),
                ("absorbed", OUTCOMES["absorbed"], "#74add1", {"fill_alpha": 90, "outline": "#555555"}),
                ("remainder", OUTCOMES["remainder"], REMAINDER_COLOUR, {"fill_alpha": 60, "outline": "#555555"}),
                ("excluded", OUTCOMES["excluded"], EXCLUDED_COLOUR,
                 {"fill_alpha": 60, "outline": EXCLUDED_COLOUR, "dashed": True})]
        style = ("单元去向", "every unit and where it went", _qml(_categorized("outcome", "fill", cats)))
    elif layer == "streets":
        style = ("街道（镇）", "street and town boundaries",
                 _qml(_single("fill", "#ffffff", fill_alpha=0, outline="#333333", width_mm=0.6, dashed=True),
                      _labeling("street", 11)))
    elif layer == "enclosures":
        style = ("围合地块", "ground cut by rivers, rail, roads and street lines",
                 _qml(_single("fill", "#ffffff", fill_alpha=0, outline="#bdbdbd", width_mm=0.2)))
    elif layer == "rivers":
        style = ("河流", "rivers", _qml(_single("fill", RIVER_FILL, outline=RIVER_LINE, width_mm=0.26),
                                      _labeling("name", 9)))
    elif layer == "rail":
        style = ("铁路", "railways", _qml(_single("line", "#444444", width_mm=0.8, dashed=True)))
    elif layer == "tuoxi":
        style = ("沱西中心城区", "the Tuoxi central urban area (city and district pay 50/50)",
                 _qml(_single("fill", "#fdae61", fill_alpha=30, outline="#e08214", width_mm=0.8, dashed=True)))
    elif layer == "buildings":
        style = ("建筑", "buildings", _qml(_single("fill", "#bdbdbd", outline="#969696", width_mm=0.1)))
    elif layer.startswith("boundary_"):
        style = ("行政区界", "administrative boundary",
                 _qml(_single("fill", "#ffffff", fill_alpha=0, outline="#000000", width_mm=1.0)))
    else:
        return None
    title, description, qml = style
    return LayerStyle(f"zy_geo {title}", description, qml.replace("{geometry}", geom))


_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def write_layer_styles(gpkg: str | Path, styles: Mapping[str, LayerStyle]) -> int:
    """Write default styles into a GeoPackage's ``layer_styles`` table (replacing earlier ones).

    Parameters
    ----------
    gpkg : str or Path
        An existing GeoPackage.
    styles : mapping of str to LayerStyle
        Layer name → style; layers missing from the file are skipped.

    Returns
    -------
    int
        The number of styles written.
    """
    with sqlite3.connect(str(gpkg)) as con:
        geoms = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        con.execute(_CREATE)
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) "
                    "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles (zy_geo)')")
        n = 0
        for layer, style in styles.items():
            if layer not in geoms:
                continue
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ? AND useAsDefault = 1", (layer,))
            con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                        "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                        "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, 'zy_geo', '')",
                        (layer, geoms[layer], style.name, style.qml, style.description))
            n += 1
    return n


def read_layer_styles(gpkg: str | Path) -> dict[str, str]:
    """The default QML of each layer that has one in a GeoPackage's ``layer_styles`` table.

    Parameters
    ----------
    gpkg : str or Path

    Returns
    -------
    dict of str to str
        Layer name → QML (empty when the file has no ``layer_styles`` table).
    """
    with sqlite3.connect(f"file:{Path(gpkg).resolve()}?mode=ro", uri=True) as con:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
            return {}
        rows = con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault = 1").fetchall()
    return dict(rows)


def style_colours(qml: str) -> dict[str, str]:
    """The colour each category of a QML style draws (``"*"`` for a single-symbol style), as ``#rrggbb``.

    Parameters
    ----------
    qml : str

    Returns
    -------
    dict of str to str
        Category value → fill colour (polygons) or line colour (lines).
    """
    root = ET.fromstring(qml.split(">", 1)[1] if qml.startswith("<!DOCTYPE") else qml)
    renderer = root.find("renderer-v2")
    if renderer is None:
        return {}
    colours = {}
    for sym in renderer.iter("symbol"):
        opts = {str(o.get("name")): o.get("value") for o in sym.iter("Option") if o.get("name")}
        rgba = opts.get("color") or opts.get("line_color") or "0,0,0,255"
        r, g, b = (int(x) for x in rgba.split(",")[:3])
        colours[str(sym.get("name"))] = f"#{r:02x}{g:02x}{b:02x}"
    if renderer.get("type") == "singleSymbol":
        return {"*": colours["0"]}
    return {str(c.get("value")): colours[str(c.get("symbol"))] for c in renderer.iter("category")}


def _category_attr(qml: str) -> str | None:
    root = ET.fromstring(qml.split(">", 1)[1] if qml.startswith("<!DOCTYPE") else qml)
    renderer = root.find("renderer-v2")
    return renderer.get("attr") if renderer is not None and renderer.get("type") == "categorizedSymbol" else None


def preview(gpkg: str | Path, path: str | Path, *, layers: Sequence[str] | None = None,
            bbox: tuple[float, float, float, float] | None = None, dpi: int = 120) -> Path:
    """Draw a GeoPackage with the colours its stored QGIS styles give (a check where QGIS is missing).

    Each layer is read from ``gpkg`` and drawn in the colours :func:`style_colours` parses from its
    stored QML, category by category; a layer without a stored style is skipped. It shows what a
    planner will see when QGIS opens the file, short of QGIS' own rendering.

    Parameters
    ----------
    gpkg : str or Path
        A GeoPackage written by zy_geo.
    path : str or Path
        PNG to write (a scratch file: this is a check, not an output of a command).
    layers : sequence of str, optional
        Layers to draw, bottom first (default: every styled layer).
    bbox : tuple, optional
        ``(xmin, ymin, xmax, ymax)`` in the layers' CRS to zoom to.
    dpi : int
        Resolution.

    Returns
    -------
    Path
    """
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ._fonts import chinese_rc

    styles = read_layer_styles(gpkg)
    names = [n for n in (layers or list(styles)) if n in styles]
    with plt.rc_context(chinese_rc()):
        fig, ax = plt.subplots(figsize=(9, 9))
        for name in names:
            gdf = gpd.read_file(gpkg, layer=name, bbox=bbox)
            if gdf.empty:
                continue
            colours = style_colours(styles[name])
            attr = _category_attr(styles[name])
            is_line = "Line" in str(gdf.geom_type.iloc[0])
            if attr is None:
                keys = ["*"] * len(gdf)
            elif attr.startswith("if("):
                keys = gdf[attr.split('"')[1]].astype(bool).map({True: "1", False: "0"}).tolist()
            else:
                keys = gdf[attr].astype(str).tolist()
            fallback = colours.get("", "#888888")
            c = [colours.get(k, fallback) for k in keys]
            if is_line:
                gdf.plot(ax=ax, color=c, linewidth=0.8)
            else:
                gdf.plot(ax=ax, facecolor=c, edgecolor="#333333", linewidth=0.3, alpha=0.8)
        ax.set_title(f"{Path(gpkg).name}：QGIS 默认样式预览（{'、'.join(names)}）", fontsize=10)
        ax.set_axis_off()
        if bbox is not None:
            ax.set_xlim(bbox[0], bbox[2])
            ax.set_ylim(bbox[1], bbox[3])
        path = Path(path)
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        plt.close(fig)
    return path
