r"""Smaller meeting maps: the GeoJSON folium writes into the page, re-encoded compactly.

folium embeds every layer as plain GeoJSON (``geo_json_<id>_add({...})``), with coordinates as
decimal degrees and text as ``\uXXXX`` escapes. :func:`compact_layers` rewrites each such call as
``geo_json_<id>_add(zyDecode({...}))``: coordinates become integer micro-degree offsets, delta-coded
along each ring; properties become columns, and a text column with repeated values is stored once
per value; text stays UTF-8 (a Chinese character takes 3 bytes, not 6). A small script in the page
(``zyDecode``) rebuilds the same FeatureCollection in the browser before Leaflet sees it, so styles,
tooltips and popups work unchanged. Precision: 1e-6° (≈ 0.1 m), what the map rounds to already.
"""

from __future__ import annotations

import json
import re
from typing import Any

SCALE = 1_000_000

DECODER = """<script>
function zyDecode(c) {
  var o = c.o, s = c.s, n = c.t.length, feats = new Array(n), keys = Object.keys(c.p);
  function ring(a) {
    var out = new Array(a.length / 2), x = 0, y = 0;
    for (var i = 0; i < a.length; i += 2) { x += a[i]; y += a[i + 1]; out[i / 2] = [o[0] + x / s, o[1] + y / s]; }
    return out;
  }
  function geom(t, g) {
    if (t === "Point") { var p = ring(g); return {type: t, coordinates: p[0]}; }
    if (t === "LineString") return {type: t, coordinates: ring(g)};
    if (t === "Polygon" || t === "MultiLineString") return {type: t, coordinates: g.map(ring)};
    if (t === "MultiPolygon") return {type: t, coordinates: g.map(function (p) { return p.map(ring); })};
    return null;
  }
  for (var j = 0; j < n; j++) {
    var props = {};
    for (var k = 0; k < keys.length; k++) {
      var col = c.p[keys[k]];
      props[keys[k]] = col.d ? col.d[col.i[j]] : col[j];
    }
    var f = {type: "Feature", properties: props, geometry: geom(c.types[c.t[j]], c.g[j])};
    if (c.id) f.id = c.id[j];
    feats[j] = f;
  }
  return {type: "FeatureCollection", features: feats};
}
</script>"""

_CALL = re.compile(r"(geo_json_[0-9a-f]+)_add\(")
_TYPES = ["Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"]


def _ints(coords: list, origin: tuple[float, float]) -> list[int]:
    out: list[int] = []
    px = py = 0
    for x, y, *_ in coords:
        ix, iy = round((x - origin[0]) * SCALE), round((y - origin[1]) * SCALE)
        out += [ix - px, iy - py]
        px, py = ix, iy
    return out


def _encode_geometry(geom: dict, origin: tuple[float, float]) -> Any:
    t, c = geom["type"], geom["coordinates"]
    if t == "Point":
        return _ints([c], origin)
    if t == "LineString":
        return _ints(c, origin)
    if t in ("Polygon", "MultiLineString"):
        return [_ints(r, origin) for r in c]
    if t == "MultiPolygon":
        return [[_ints(r, origin) for r in p] for p in c]
    msg = f"cannot compact a {t}"
    raise ValueError(msg)


def _column(values: list) -> Any:
    """A column as it is, or dictionary-coded when its text repeats."""
    if values and all(isinstance(v, str) for v in values):
        uniq = list(dict.fromkeys(values))
        if len(uniq) < len(values) * 0.7:
            index = {v: i for i, v in enumerate(uniq)}
            return {"d": uniq, "i": [index[v] for v in values]}
    return values


def encode(fc: dict) -> dict | None:
    """The compact form of a FeatureCollection, or None when it holds something this cannot carry.

    Examples
    --------
    >>> fc = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "id": 0, "properties": {"name": "甲"},
    ...      "geometry": {"type": "LineString", "coordinates": [[104.5, 30.1], [104.500002, 30.100001]]}}]}
    >>> encode(fc)["g"], encode(fc)["p"]
    ([[0, 0, 2, 1]], {'name': ['甲']})
    """
    feats = fc.get("features")
    if fc.get("type") != "FeatureCollection" or not feats:
        return None
    try:
        first = feats[0]["geometry"]["coordinates"]
        while isinstance(first[0], list):
            first = first[0]
        origin = (round(first[0], 3), round(first[1], 3))
        types = sorted({f["geometry"]["type"] for f in feats})
        keys = list(feats[0].get("properties") or {})
        if any(set(f.get("properties") or {}) != set(keys) for f in feats):
            return None
        out = {
            "o": list(origin), "s": SCALE, "types": types,
            "t": [types.index(f["geometry"]["type"]) for f in feats],
            "g": [_encode_geometry(f["geometry"], origin) for f in feats],
            "p": {k: _column([f["properties"][k] for f in feats]) for k in keys},
        }
    except (KeyError, TypeError, IndexError, ValueError):
        return None
    if all("id" in f for f in feats):
        out["id"] = [f["id"] for f in feats]
    elif any("id" in f for f in feats):
        return None
    return out


def _htmlsafe(obj: Any) -> str:
    """JSON that can sit inside a <script>: no '<', '>', '&' or quote can end the script or the page."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("'", "\\u0027").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def compact_layers(page: str) -> str:
    """Re-encode every embedded GeoJSON layer of a folium page compactly (see the module's doc).

    Parameters
    ----------
    page : str
        The rendered HTML of a folium map.

    Returns
    -------
    str
        The same page with ``zyDecode`` in its head and each layer's data compact; a layer this cannot
        encode is left as it was.
    """
    decoder = json.JSONDecoder()
    parts, pos, changed = [], 0, False
    for m in _CALL.finditer(page):
        start = m.end()
        if start < pos or not page.startswith("{", start):
            continue
        try:
            fc, end = decoder.raw_decode(page, start)
        except ValueError:
            continue
        compact = encode(fc) if isinstance(fc, dict) else None
        if compact is None:
            continue
        parts += [page[pos:start], f"zyDecode({_htmlsafe(compact)})"]
        pos, changed = end, True
    if not changed:
        return page
    parts.append(page[pos:])
    out = "".join(parts)
    head = out.find("</head>")
    return out[:head] + DECODER + out[head:] if head >= 0 else DECODER + out
