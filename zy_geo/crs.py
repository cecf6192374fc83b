"""Chinese coordinate frames: GCJ-02 and BD-09, and moving whole layers between frames.

GCJ-02 (Amap/Gaode, Tencent) and BD-09 (Baidu) are obfuscated lon/lat frames with no EPSG
code; PROJ will never support them. In Ziyang they shift WGS84 by ≈ 380–400 m (GCJ-02) and
≈ 900–970 m (BD-09). zy_geo converts such data to WGS84 as soon as it is read, computes in
EPSG:4544 (metres), and shifts to GCJ-02/BD-09 only for display on those maps.

A shifted GeoDataFrame keeps ``crs`` = EPSG:4326 (its axes are lon/lat) and is *marked*:
``gdf.attrs["zy_frame"] = "gcj02"``. :func:`frame_of` reads the mark; :func:`assert_metric`
refuses marked or geographic data; :func:`to_metric` converts anything (marked frames through
the exact inverse) to EPSG:4544.

Points outside China (lon 72.004–137.8347, lat 0.8293–55.8271, the usual bounding box of the
published algorithm) pass unchanged; NaN passes as NaN.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(104.6270, 30.1310)
>>> round(lon, 10), round(lat, 10)
(104.6294027859, 30.128152176)
>>> lon, lat = wgs84_to_bd09(104.6270, 30.1310)
>>> round(lon, 10), round(lat, 10)
(104.6358339182, 30.1344212625)
>>> [round(v, 9) for v in gcj02_to_wgs84(104.6294027859, 30.1281521760)]
[104.627, 30.131]
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from ._errors import CRSError

#: Metric CRS for all areas and distances: CGCS2000 / 3-degree Gauss-Kruger CM 105E.
METRIC_CRS = "EPSG:4544"
#: Display frames without an EPSG code.
FRAMES = ("gcj02", "bd09")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_TOL_DEG = 1e-9
_MAX_ITER = 30


def _as_arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), scalar


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    return (float(lon), float(lat)) if scalar else (lon, lat)


def in_china(lon: Any, lat: Any) -> np.ndarray:
    """True where a point lies in the bounding box the GCJ-02 algorithm applies to."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = (dlon * 180.0) / (_A / sq * np.cos(rad) * np.pi)
    return dlon, dlat


def _wgs_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    inside = in_china(lon, lat)
    return (np.where(inside, z * np.cos(theta) + 0.0065, lon),
            np.where(inside, z * np.sin(theta) + 0.006, lat))


def _invert(forward, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x) = target by fixed-point iteration until the step is < 1e-9°."""
    x, y = lon.copy(), lat.copy()
    for _ in range(_MAX_ITER):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        x, y = x - dx, y - dy
        step = np.nanmax(np.abs(np.concatenate([np.ravel(dx), np.ravel(dy)])), initial=0.0)
        if step < _TOL_DEG:
            break
    outside = ~in_china(lon, lat)
    return np.where(outside, lon, x), np.where(outside, lat, y)


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """WGS84 → GCJ-02 (floats or numpy arrays, returned in kind)."""
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_wgs_to_gcj(lon, lat), scalar)


def gcj02_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """GCJ-02 → WGS84 by iterating the forward transform until < 1e-9°."""
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_invert(_wgs_to_gcj, lon, lat), scalar)


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    """GCJ-02 → BD-09."""
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_gcj_to_bd(lon, lat), scalar)


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[Any, Any]:
    """BD-09 → GCJ-02 by iterating the forward transform until < 1e-9°."""
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_invert(_gcj_to_bd, lon, lat), scalar)


def wgs84_to_bd09(lon: Any, lat: Any) -> tuple[Any, Any]:
    """WGS84 → BD-09 (through GCJ-02)."""
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_gcj_to_bd(*_wgs_to_gcj(lon, lat)), scalar)


def bd09_to_wgs84(lon: Any, lat: Any) -> tuple[Any, Any]:
    """BD-09 → WGS84 (through GCJ-02), each step iterated to < 1e-9°."""
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_invert(_wgs_to_gcj, *_invert(_gcj_to_bd, lon, lat)), scalar)


_TO_WGS = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _norm_frame(frame: str) -> str:
    f = str(frame).strip().lower().replace("-", "").replace("_", "")
    if f in {"gcj02", "gcj", "amap", "gaode", "mars"}:
        return "gcj02"
    if f in {"bd09", "bd", "baidu", "bd09ll"}:
        return "bd09"
    return frame


def frame_of(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """The frame of a layer: ``"gcj02"``/``"bd09"`` when marked as shifted, else its CRS string."""
    mark = gdf.attrs.get("zy_frame")
    if mark:
        return str(mark)
    return gdf.crs.to_string() if gdf.crs is not None else "unknown"


def _transform(gdf: gpd.GeoDataFrame, func) -> gpd.GeoDataFrame:
    def xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return gdf.set_geometry(shapely.transform(gdf.geometry.values, xy))


def to_frame(gdf: gpd.GeoDataFrame, frame: str, *, source_frame: str | None = None) -> gpd.GeoDataFrame:
    """Move a layer to any EPSG CRS or to the display frames ``"gcj02"`` / ``"bd09"``.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any geometry types. Its current frame is its mark (``attrs["zy_frame"]``) if shifted,
        else its CRS.
    frame : str
        Target: ``"gcj02"``, ``"bd09"`` or anything ``to_crs`` accepts (``"EPSG:4544"``).
    source_frame : str, optional
        Declare that the lon/lat data are in ``"gcj02"``/``"bd09"`` (e.g. an Amap-derived
        boundary read as EPSG:4326), overriding the mark.

    Returns
    -------
    GeoDataFrame
        A new layer; shifted output has ``crs`` EPSG:4326 and ``attrs["zy_frame"]`` set.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(104.627, 30.131)], crs="EPSG:4326")
    >>> shifted = to_frame(g, "gcj02")
    >>> frame_of(shifted)
    'gcj02'
    >>> back = to_frame(shifted, "EPSG:4544")
    >>> frame_of(back), bool(abs(back.geometry.x.iloc[0] - g.to_crs(4544).geometry.x.iloc[0]) < 1e-6)
    ('EPSG:4544', True)
    """
    src = _norm_frame(source_frame) if source_frame else _norm_frame(frame_of(gdf))
    target = _norm_frame(frame)
    out = gdf.copy()
    out.attrs = {k: v for k, v in gdf.attrs.items() if k != "zy_frame"}
    if src in FRAMES:
        if gdf.crs is not None and not CRS.from_user_input(gdf.crs).is_geographic:
            msg = f"a layer in the {src} frame must hold lon/lat coordinates, but its CRS is {gdf.crs}."
            raise CRSError(msg)
        out = _transform(out.set_crs("EPSG:4326", allow_override=True), _TO_WGS[src])
    elif out.crs is None:
        msg = ("the layer has no CRS, so it cannot be moved to another frame; declare it first, "
               "e.g. gdf.set_crs('EPSG:4326') for lon/lat or gdf.set_crs('EPSG:4544') for metres.")
        raise CRSError(msg)
    if target in FRAMES:
        out = _transform(out.to_crs("EPSG:4326"), _FROM_WGS[target])
        out.attrs["zy_frame"] = target
        return out
    return out.to_crs(target)


def from_frame(gdf: gpd.GeoDataFrame, frame: str) -> gpd.GeoDataFrame:
    """Data picked on Amap/Baidu (lon/lat in ``frame``) → WGS84 (EPSG:4326), unmarked."""
    return to_frame(gdf, "EPSG:4326", source_frame=frame)


def assert_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "this layer") -> None:
    """Raise :class:`CRSError` unless ``gdf`` is unshifted and in a projected (metric) CRS."""
    mark = gdf.attrs.get("zy_frame")
    if mark:
        msg = (f"{what} is shifted to {mark} for display; areas and distances on it are wrong. "
               f"Convert it back first: zy_geo.crs.to_metric({what if what.isidentifier() else 'gdf'}).")
        raise CRSError(msg)
    if gdf.crs is None or not CRS.from_user_input(gdf.crs).is_projected:
        msg = (f"{what} is in {gdf.crs}, not a metric CRS; areas and distances need metres: "
               f"use zy_geo.crs.to_metric(gdf) (→ {METRIC_CRS}).")
        raise CRSError(msg)


def to_metric(gdf: gpd.GeoDataFrame, crs: str = METRIC_CRS) -> gpd.GeoDataFrame:
    """Any layer (including one marked GCJ-02/BD-09) → EPSG:4544 metres, through the exact inverse."""
    if gdf.crs is None and not gdf.attrs.get("zy_frame"):
        msg = ("the layer has no CRS; declare it before converting: gdf.set_crs('EPSG:4326') "
               "for lon/lat degrees or gdf.set_crs('EPSG:4544') for CGCS2000 metres.")
        raise CRSError(msg)
    return to_frame(gdf, crs)
