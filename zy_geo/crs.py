"""Chinese coordinate frames: GCJ-02 and BD-09, and moving whole layers between frames.

GCJ-02 (Amap/Gaode, Tencent) and BD-09 (Baidu) are obfuscated lon/lat frames with no EPSG
code; PROJ will never support them. In Ziyang they shift WGS84 by ≈ 380–400 m (GCJ-02) and
≈ 900–970 m (BD-09). zy_geo converts such data to WGS84 as soon as it is read, computes in
metres in the CGCS2000 3-degree Gauss-Krüger zone of the city (EPSG:4544 in Ziyang, chosen from the
data's extent by :func:`choose_metric_crs`), and shifts to GCJ-02/BD-09 only for display on those maps.

Design: a frame is not a CRS, so it is not stored as one. A shifted GeoDataFrame keeps
``crs`` = EPSG:4326 (its axes are lon/lat degrees, which is what folium and every writer need)
and is *marked*: ``gdf.attrs["zy_frame"] = "gcj02"``. pandas carries ``attrs`` through copy,
``to_crs``, slicing and most methods, but not through every operation (``pd.concat`` of
differently marked frames, a fresh ``GeoDataFrame(...)``, writing to a file). Hence:

- :func:`frame_of` reads the mark (``"gcj02"``, ``"bd09"`` or the CRS string);
- :func:`assert_metric` refuses marked or non-metric data with the fix in the message;
- :func:`to_metric` converts anything (a marked frame through the exact inverse) to metres, by
  default in the zone of the layer's extent (:func:`zone_crs`);
- :func:`choose_metric_crs` picks the metric CRS of a whole city (and warns when the city is too
  wide for one zone); :func:`metric_crs_for` is the zone of one longitude;
- :func:`to_frame` moves between any two of EPSG CRS / ``"gcj02"`` / ``"bd09"``;
- :func:`from_frame` declares *input* data as GCJ-02/BD-09 (Amap/Baidu picks) → WGS84.

The lead rule: convert on read, compute in the metric CRS (a 3-degree zone true at the city's
longitude), shift only for display, and never write shifted geometry to a file.

A Gauss-Krüger zone measures true only near its central meridian: EPSG:4544 (CM 105° E) makes
lengths in Shanghai (121.5° E) 3.1 % too long and areas 6.3 % too large, so the zone follows the
data: ``metric_crs_for(104.6)`` is EPSG:4544, ``metric_crs_for(121.47)`` EPSG:4549 (CM 120° E).
Outside China (:data:`CHINA_BBOX`) the WGS84 UTM zone is used instead.

Points outside :data:`CHINA_BBOX` (lon 72.004–137.8347, lat 0.8293–55.8271, the usual
bounding box of the published algorithm) pass unchanged; NaN passes as NaN.

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

import logging
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from .errors import CRSError, CRSWarning

logger = logging.getLogger(__name__)

#: Ziyang's metric CRS, CGCS2000 / 3-degree Gauss-Kruger CM 105E: what ``metric_crs = "auto"`` chooses
#: there, and the fallback when a city has no features to choose from. Elsewhere see :func:`metric_crs_for`.
METRIC_CRS = "EPSG:4544"
#: Display frames without an EPSG code.
FRAMES = ("gcj02", "bd09")
#: ``attrs`` key that marks a GeoDataFrame as shifted to a display frame.
FRAME_ATTR = "zy_frame"

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
_TOL_DEG = 1e-9
_MAX_ITER = 30

_Forward = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

#: The out-of-China test of the published GCJ-02 algorithm: a lon/lat bounding box
#: (west, south, east, north). It is a box, not China's border: parts of neighbouring
#: countries inside it are shifted too, exactly as Amap/Baidu themselves do.
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)


def _as_arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a.copy(), lat_a.copy(), scalar


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool) -> tuple[Any, Any]:
    return (float(lon), float(lat)) if scalar else (lon, lat)


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Where a lon/lat point lies in :data:`CHINA_BBOX`, the box the GCJ-02 shift applies to.

    Parameters
    ----------
    lon, lat : float or array_like
        Degrees. NaN is outside.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as the input (0-d for scalars).

    Examples
    --------
    >>> in_china([104.627, 2.35, float("nan")], [30.131, 48.85, 30.0]).tolist()
    [True, False, False]
    """
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    west, south, east, north = CHINA_BBOX
    return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


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


def _invert(forward: _Forward, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(x, y) = (lon, lat)`` by fixed-point iteration.

    The shift varies slowly (its derivative is ~1e-3), so ``x ← x − (forward(x) − target)``
    contracts by ~1000× per step: 3–4 steps reach the 1e-9° tolerance; ``_MAX_ITER`` caps it.
    Each point stops when its own step is below the tolerance. Targets outside the box pass
    unchanged.
    """
    shape = lon.shape
    lon, lat = lon.reshape(-1), lat.reshape(-1)
    x, y = lon.copy(), lat.copy()
    active = np.isfinite(lon) & np.isfinite(lat)  # each point stops on its own: arrays give what scalars give
    for _ in range(_MAX_ITER):
        if not active.any():
            break
        fx, fy = forward(x[active], y[active])
        dx, dy = fx - lon[active], fy - lat[active]
        x[active], y[active] = x[active] - dx, y[active] - dy
        active[active] = np.maximum(np.abs(dx), np.abs(dy)) >= _TOL_DEG
    outside = ~in_china(lon, lat)
    return np.where(outside, lon, x).reshape(shape), np.where(outside, lat, y).reshape(shape)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 → GCJ-02 (Amap/Gaode, Tencent).

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 degrees. Points outside :data:`CHINA_BBOX` and NaN pass unchanged.

    Returns
    -------
    tuple
        ``(lon, lat)``: floats for scalar input, numpy arrays of the input's shape otherwise.

    Examples
    --------
    >>> [round(v, 10) for v in wgs84_to_gcj02(104.6270, 30.1310)]
    [104.6294027859, 30.128152176]
    >>> lon, lat = wgs84_to_gcj02(np.array([104.627, 2.35]), np.array([30.131, 48.85]))
    >>> lon.round(6).tolist()  # Paris is outside China: unchanged
    [104.629403, 2.35]
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_wgs_to_gcj(lon, lat), scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → WGS84, iterating the forward shift until the step is < 1e-9°.

    The one-step inverse found in many scripts is ~1 m off; this one returns the point whose
    GCJ-02 image is the input to < 1e-9° (~0.1 mm).

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 degrees. Points outside :data:`CHINA_BBOX` and NaN pass unchanged.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84, floats or arrays like the input.

    Examples
    --------
    >>> [round(v, 9) for v in gcj02_to_wgs84(104.6294027859, 30.1281521760)]
    [104.627, 30.131]
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_invert(_wgs_to_gcj, lon, lat), scalar)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu).

    Parameters
    ----------
    lon, lat : float or array_like
        GCJ-02 degrees. Points outside :data:`CHINA_BBOX` and NaN pass unchanged.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09, floats or arrays like the input.

    Examples
    --------
    >>> [round(v, 9) for v in gcj02_to_bd09(104.6294027859, 30.1281521760)]
    [104.635833918, 30.134421262]
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_gcj_to_bd(lon, lat), scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 → GCJ-02, iterating the forward transform until the step is < 1e-9°.

    Parameters
    ----------
    lon, lat : float or array_like
        BD-09 degrees. Points outside :data:`CHINA_BBOX` and NaN pass unchanged.

    Returns
    -------
    tuple
        ``(lon, lat)`` in GCJ-02, floats or arrays like the input.

    Examples
    --------
    >>> [round(v, 9) for v in bd09_to_gcj02(104.6358339182, 30.1344212625)]
    [104.629402786, 30.128152176]
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_invert(_gcj_to_bd, lon, lat), scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 → BD-09 (Baidu), through GCJ-02.

    Parameters
    ----------
    lon, lat : float or array_like
        WGS84 degrees. Points outside :data:`CHINA_BBOX` and NaN pass unchanged.

    Returns
    -------
    tuple
        ``(lon, lat)`` in BD-09, floats or arrays like the input.

    Examples
    --------
    >>> [round(v, 10) for v in wgs84_to_bd09(104.6270, 30.1310)]
    [104.6358339182, 30.1344212625]
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_gcj_to_bd(*_wgs_to_gcj(lon, lat)), scalar)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 → WGS84 (through GCJ-02), each step iterated to < 1e-9°.

    Parameters
    ----------
    lon, lat : float or array_like
        BD-09 degrees. Points outside :data:`CHINA_BBOX` and NaN pass unchanged.

    Returns
    -------
    tuple
        ``(lon, lat)`` in WGS84, floats or arrays like the input.

    Examples
    --------
    >>> [round(v, 9) for v in bd09_to_wgs84(104.6358339182, 30.1344212625)]
    [104.627, 30.131]
    """
    lon, lat, scalar = _as_arrays(lon, lat)
    return _out(*_invert(_wgs_to_gcj, *_invert(_gcj_to_bd, lon, lat)), scalar)


_TO_WGS = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
_ALIASES = {"gcj02": "gcj02", "gcj": "gcj02", "amap": "gcj02", "gaode": "gcj02", "mars": "gcj02",
            "bd09": "bd09", "bd": "bd09", "baidu": "bd09", "bd09ll": "bd09"}


def normalize_frame(frame: str) -> str:
    """``"gcj02"`` or ``"bd09"`` for a display-frame name or alias, else ``frame`` unchanged.

    Parameters
    ----------
    frame : str
        ``"GCJ-02"``, ``"amap"``, ``"gaode"``, ``"BD-09"``, ``"baidu"`` … or a CRS string.

    Returns
    -------
    str
        The canonical frame name, or the input when it names no display frame.

    Examples
    --------
    >>> normalize_frame("GCJ-02"), normalize_frame("Baidu"), normalize_frame("EPSG:4544")
    ('gcj02', 'bd09', 'EPSG:4544')
    """
    key = str(frame).strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    return _ALIASES.get(key, frame)


def frame_of(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """The frame a layer's coordinates are in.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries

    Returns
    -------
    str
        ``"gcj02"``/``"bd09"`` when marked as shifted (``attrs["zy_frame"]``), else the CRS
        string (``"EPSG:4544"``), or ``"unknown"`` without a CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(104.627, 30.131)], crs="EPSG:4326")
    >>> frame_of(g), frame_of(to_frame(g, "bd09"))
    ('EPSG:4326', 'bd09')
    """
    mark = gdf.attrs.get(FRAME_ATTR)
    if mark:
        return str(mark)
    return gdf.crs.to_string() if gdf.crs is not None else "unknown"


def _transform(gdf: gpd.GeoDataFrame, func: _Forward) -> gpd.GeoDataFrame:
    def xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return gdf.set_geometry(shapely.transform(gdf.geometry.values, xy))


def to_frame(gdf: gpd.GeoDataFrame, frame: str, *, source_frame: str | None = None) -> gpd.GeoDataFrame:
    """Move a layer to any EPSG CRS or to the display frames ``"gcj02"`` / ``"bd09"``.

    Every vertex of every geometry (points, lines, polygons with holes, Multi*) is moved with
    one vectorised ``shapely.transform``. Between a display frame and a CRS the way is through
    WGS84 (EPSG:4326), with the exact iterative inverse.

    Parameters
    ----------
    gdf : GeoDataFrame
        Its current frame is its mark (``attrs["zy_frame"]``) if shifted, else its CRS.
    frame : str
        Target: ``"gcj02"``, ``"bd09"`` or anything ``to_crs`` accepts (``"EPSG:4544"``).
    source_frame : str, optional
        Declare that the lon/lat of ``gdf`` are in ``"gcj02"``/``"bd09"`` although it is not
        marked (e.g. an Amap-derived boundary read as EPSG:4326). :func:`from_frame` is the
        short form for the common case.

    Returns
    -------
    GeoDataFrame
        A new layer. Shifted output has ``crs`` EPSG:4326 and ``attrs["zy_frame"]`` set;
        any other output is unmarked and in ``frame``.

    Raises
    ------
    CRSError
        When ``gdf`` has no CRS (and is not marked), or is marked/declared shifted but holds
        projected coordinates.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(104.627, 30.131)], crs="EPSG:4326")
    >>> shifted = to_frame(g, "gcj02")
    >>> frame_of(shifted), round(float(shifted.geometry.x.iloc[0]), 10)
    ('gcj02', 104.6294027859)
    >>> back = to_frame(shifted, "EPSG:4544")
    >>> frame_of(back), bool(abs(back.geometry.x.iloc[0] - g.to_crs(4544).geometry.x.iloc[0]) < 1e-6)
    ('EPSG:4544', True)
    """
    src = normalize_frame(source_frame) if source_frame else normalize_frame(frame_of(gdf))
    target = normalize_frame(frame)
    out = gdf.copy()
    out.attrs = {k: v for k, v in gdf.attrs.items() if k != FRAME_ATTR}
    if src in FRAMES:
        if src == target:
            out.attrs[FRAME_ATTR] = target
            return out
        if gdf.crs is not None and not CRS.from_user_input(gdf.crs).is_geographic:
            msg = (f"a layer in the {src} frame must hold lon/lat degrees, but its CRS is {gdf.crs.to_string()} "
                   f"(projected). If the coordinates are metres, the layer is not {src}: drop "
                   "source_frame; if they are degrees, declare them with gdf.set_crs('EPSG:4326', "
                   "allow_override=True) first.")
            raise CRSError(msg)
        out = _transform(out.set_crs("EPSG:4326", allow_override=True), _TO_WGS[src])
    elif out.crs is None:
        msg = ("the layer has no CRS, so it cannot be moved to another frame; declare it first, "
               "e.g. gdf.set_crs('EPSG:4326') for lon/lat or gdf.set_crs('EPSG:4544') for metres.")
        raise CRSError(msg)
    if target in FRAMES:
        out = _transform(out.to_crs("EPSG:4326"), _FROM_WGS[target])
        out.attrs[FRAME_ATTR] = target
        return out
    return out.to_crs(target)


def from_frame(gdf: gpd.GeoDataFrame, frame: str) -> gpd.GeoDataFrame:
    """Declare a layer's lon/lat as picked on Amap (``"gcj02"``) or Baidu (``"bd09"``) → WGS84.

    Parameters
    ----------
    gdf : GeoDataFrame
        Lon/lat coordinates in ``frame`` (its CRS, if any, must be geographic).
    frame : {"gcj02", "bd09"}
        The frame the coordinates were picked in.

    Returns
    -------
    GeoDataFrame
        The layer in WGS84 (EPSG:4326), unmarked, ready for :func:`to_metric`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> amap = gpd.GeoDataFrame(geometry=[Point(104.6294027859, 30.1281521760)], crs="EPSG:4326")
    >>> w = from_frame(amap, "gcj02")
    >>> frame_of(w), round(float(w.geometry.x.iloc[0]), 9), round(float(w.geometry.y.iloc[0]), 9)
    ('EPSG:4326', 104.627, 30.131)
    """
    src = normalize_frame(frame)
    if src not in FRAMES:
        msg = f"frame must be one of {FRAMES} (Amap/Gaode → 'gcj02', Baidu → 'bd09'), found {frame!r}."
        raise CRSError(msg)
    return to_frame(gdf, "EPSG:4326", source_frame=src)


def assert_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "this layer") -> None:
    """Refuse to compute areas or distances on shifted or non-metric geometry.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        The layer about to be measured.
    what : str
        How to name the layer in the message (e.g. ``"compounds"``).

    Raises
    ------
    CRSError
        When ``gdf`` is marked as shifted (GCJ-02/BD-09), has no CRS, or is not projected; the
        message names the fix (:func:`to_metric`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(104.627, 30.131)], crs="EPSG:4326")
    >>> assert_metric(to_metric(g))  # passes silently
    >>> assert_metric(to_frame(g, "gcj02"), what="compounds")
    Traceback (most recent call last):
    ...
    zy_geo.errors.CRSError: compounds is shifted to gcj02 for display; ...
    """
    mark = gdf.attrs.get(FRAME_ATTR)
    name = what if what.isidentifier() else "gdf"
    if mark:
        msg = (f"{what} is shifted to {mark} for display; areas and distances on it are wrong by "
               f"hundreds of metres. Convert it back first: {name} = zy_geo.crs.to_metric({name}).")
        raise CRSError(msg)
    if gdf.crs is None:
        msg = (f"{what} has no CRS, so its units are unknown; declare it with {name}.set_crs('EPSG:4544') "
               f"(metres) or {name}.set_crs('EPSG:4326') (degrees), then zy_geo.crs.to_metric({name}).")
        raise CRSError(msg)
    if not CRS.from_user_input(gdf.crs).is_projected:
        msg = (f"{what} is in {gdf.crs.to_string()}, not a metric CRS; areas and distances need metres: "
               f"{name} = zy_geo.crs.to_metric({name}) (→ the CGCS2000 zone of its extent, {METRIC_CRS} in Ziyang).")
        raise CRSError(msg)


def to_metric(gdf: gpd.GeoDataFrame, *, crs: str = "auto") -> gpd.GeoDataFrame:
    """Any layer, including one marked GCJ-02/BD-09, → metres in the zone of its extent (or ``crs``).

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS, or marked as shifted.
    crs : str
        The metric CRS; ``"auto"`` (default) the zone of the layer's extent (:func:`zone_crs`:
        EPSG:4544 in Ziyang, a :class:`~zy_geo.errors.CRSWarning` when the layer is too wide for one
        zone). A whole city is better put in one CRS chosen from all its layers: :func:`zy_geo.read_city`.

    Returns
    -------
    GeoDataFrame
        Unmarked, in ``crs``.

    Raises
    ------
    CRSError
        When the layer has no CRS (says how to declare one), or ``crs`` is not projected.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> g = gpd.GeoDataFrame(geometry=[Point(104.627, 30.131)], crs="EPSG:4326")
    >>> m = to_metric(to_frame(g, "gcj02"))
    >>> frame_of(m), bool(abs(m.geometry.x.iloc[0] - g.to_crs(4544).geometry.x.iloc[0]) < 1e-6)
    ('EPSG:4544', True)
    """
    if crs != "auto" and not CRS.from_user_input(crs).is_projected:
        msg = (f"to_metric needs a projected CRS in metres, found crs={crs!r}; use the default crs='auto' "
               "(the CGCS2000 zone of the layer's extent).")
        raise CRSError(msg)
    if gdf.crs is None and not gdf.attrs.get(FRAME_ATTR):
        msg = ("the layer has no CRS; declare it before converting: gdf.set_crs('EPSG:4326') "
               "for lon/lat degrees or gdf.set_crs('EPSG:4544') for CGCS2000 metres.")
        raise CRSError(msg)
    if crs == "auto":
        if gdf.attrs.get(FRAME_ATTR):  # the zone of where the data really are, not of their shifted image
            gdf = to_frame(gdf, "EPSG:4326")
        crs = choose_metric_crs(gdf, what="the layer", stacklevel=3).crs
    return to_frame(gdf, crs)


# --- the metric CRS of a city ----------------------------------------------------------------------------------

#: Central meridians of the CGCS2000 3-degree Gauss-Krüger zones zy_geo chooses from (75° E … 135° E).
GK_MERIDIANS = tuple(range(75, 136, 3))
#: EPSG code of the zone with central meridian 75° E, without the zone number in the false easting;
#: CM ``m`` is ``EPSG:{4534 + (m - 75) // 3}`` (CM 105E → EPSG:4544, CM 120E → EPSG:4549).
_GK_FIRST_EPSG = 4534
#: How far (degrees) data may reach beyond its zone's half-width (1.5° for a 3-degree zone, 3° for UTM)
#: before :func:`choose_metric_crs` warns that one zone no longer measures it true.
ZONE_TOLERANCE_DEG = 0.5
#: A CRS given by the user is warned about when it stretches lengths by more than this at the data.
MAX_SCALE_ERROR = 0.001

#: Lon/lat bounds ``(west, south, east, north)`` in degrees.
LonLatBounds = tuple[float, float, float, float]


def _in_gk_range(lon: float, lat: float) -> bool:
    """Where the CGCS2000 3-degree zones apply: China's box, and a CM 75…135 zone covers ``lon``."""
    west, south, east, north = CHINA_BBOX
    return 73.5 <= lon <= 136.5 and west <= lon <= east and south <= lat <= north


def _gk_meridian(lon: float) -> int:
    """The 3-degree central meridian nearest ``lon`` (a longitude on a zone boundary goes west)."""
    return min(max(3 * math.ceil(lon / 3 - 0.5), GK_MERIDIANS[0]), GK_MERIDIANS[-1])


def _utm(lon: float, lat: float) -> tuple[str, float]:
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}", -183.0 + 6.0 * zone


def _zone(lon: float, lat: float) -> tuple[str, float, float]:
    """(CRS, central meridian, half-width in degrees) of the zone for a central lon/lat."""
    if _in_gk_range(lon, lat):
        gk = _gk_meridian(lon)
        return f"EPSG:{_GK_FIRST_EPSG + (gk - GK_MERIDIANS[0]) // 3}", float(gk), 1.5
    crs, cm = _utm(lon, lat)
    return crs, cm, 3.0


def metric_crs_for(lon: float, lat: float = 30.0) -> str:
    """The metric CRS of a central longitude: its CGCS2000 3-degree Gauss-Krüger zone, or UTM outside China.

    Parameters
    ----------
    lon : float
        Central longitude of the data, degrees east.
    lat : float
        Central latitude (decides China or not, and the UTM hemisphere); default 30° N.

    Returns
    -------
    str
        ``"EPSG:4534"`` … ``"EPSG:4554"`` (CGCS2000 / 3-degree Gauss-Kruger CM 75E … CM 135E, the
        variants *without* the zone number in the false easting) inside :data:`CHINA_BBOX`;
        elsewhere the WGS84 UTM zone (``EPSG:326xx`` north, ``EPSG:327xx`` south). A longitude on a
        zone boundary (121.5° E) goes to the western zone.

    Examples
    --------
    >>> metric_crs_for(104.6), metric_crs_for(121.47, 31.23), metric_crs_for(87.6, 43.8)
    ('EPSG:4544', 'EPSG:4549', 'EPSG:4538')
    >>> metric_crs_for(-122.27, 37.80), metric_crs_for(26.70, 60.87)  # Oakland, Kouvola: UTM 10N, 35N
    ('EPSG:32610', 'EPSG:32635')
    """
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        msg = f"metric_crs_for needs a longitude in −180…180 and a latitude in −90…90 degrees, found ({lon}, {lat})."
        raise CRSError(msg)
    return _zone(lon, lat)[0]


def _layer_bounds(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> LonLatBounds | None:
    """A layer's extent in lon/lat degrees (None when it has no usable geometry or no CRS)."""
    if gdf.crs is None and not gdf.attrs.get(FRAME_ATTR):
        return None
    b = np.asarray(gdf.total_bounds, dtype=float)
    if not np.isfinite(b).all():
        return None
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else CRS.from_epsg(4326)
    if gdf.attrs.get(FRAME_ATTR) or crs.is_geographic:
        return float(b[0]), float(b[1]), float(b[2]), float(b[3])  # a shifted frame is ~1 km off: fine here
    from pyproj import Transformer

    t = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    west, south, east, north = t.transform_bounds(b[0], b[1], b[2], b[3], densify_pts=21)
    out = (float(west), float(south), float(east), float(north))
    return out if all(math.isfinite(v) for v in out) else None


def lonlat_bounds(data: Any) -> LonLatBounds | None:
    """The lon/lat extent of a layer, a dict of layers, or bounds given as ``(west, south, east, north)``.

    Parameters
    ----------
    data : GeoDataFrame, GeoSeries, mapping of str to GeoDataFrame, or tuple of 4 floats
        Layers in any CRS (a layer marked GCJ-02/BD-09 counts as lon/lat), or lon/lat bounds.

    Returns
    -------
    tuple of 4 floats or None
        ``(west, south, east, north)`` in degrees; None when there is no geometry.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(462000, 3334000, 463000, 3335000)], crs="EPSG:4544")
    >>> [round(v, 3) for v in lonlat_bounds({"a": g})]
    [104.606, 30.125, 104.616, 30.134]
    """
    if isinstance(data, gpd.GeoDataFrame | gpd.GeoSeries):
        return _layer_bounds(data)
    if isinstance(data, Mapping):
        found = [b for g in data.values() if g is not None and (b := _layer_bounds(g)) is not None]
        if not found:
            return None
        arr = np.array(found)
        return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())
    try:
        west, south, east, north = (float(v) for v in data)
    except (TypeError, ValueError):
        msg = (f"expected a GeoDataFrame, a dict of layers or lon/lat bounds (west, south, east, north), "
               f"found {type(data).__name__}.")
        raise CRSError(msg) from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        msg = (f"bounds ({west}, {south}, {east}, {north}) are not lon/lat degrees (west ≤ east within −180…180, "
               "south ≤ north within −90…90); pass the extent in EPSG:4326, or the layers themselves.")
        raise CRSError(msg)
    return west, south, east, north


def metric_crs_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a metric CRS (a phrase after the option's name), or None when it can.

    ``"auto"`` and any projected CRS whose axes are in metres and that PROJ knows can.

    Examples
    --------
    >>> metric_crs_problem("auto"), metric_crs_problem("EPSG:4549")
    (None, None)
    >>> metric_crs_problem("EPSG:4326")
    'must be "auto" or a projected CRS in metres; "EPSG:4326" (WGS 84) is geographic (degrees)'
    """
    if isinstance(value, str) and value.strip().lower() == "auto":
        return None
    try:
        crs = CRS.from_user_input(value)
    except Exception:
        return f'must be "auto" or a CRS that PROJ knows (e.g. "EPSG:4549"); {value!r} is not one'
    shown = f'"{value}" ({crs.name})' if isinstance(value, str) else f"{value!r} ({crs.name})"
    if crs.is_geographic:
        return f'must be "auto" or a projected CRS in metres; {shown} is geographic (degrees)'
    units = {a.unit_name for a in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        return f'must be "auto" or a projected CRS in metres; {shown} is in {", ".join(sorted(units)) or "no unit"}'
    return None


def check_metric_crs(value: Any) -> str:
    """``"auto"`` or the CRS as ``"EPSG:xxxx"`` (its authority code when it has one), checked.

    Raises
    ------
    CRSError
        A geographic CRS, a CRS not in metres, or one PROJ does not know; the message gives the fix.

    Examples
    --------
    >>> check_metric_crs("epsg:4549"), check_metric_crs("AUTO")
    ('EPSG:4549', 'auto')
    """
    problem = metric_crs_problem(value)
    if problem is not None:
        msg = (f"the metric CRS {problem}. Fix: use \"auto\" (the CGCS2000 3-degree zone of the data's extent, "
               f"{METRIC_CRS} in Ziyang) or a projected zone in metres, e.g. --metric-crs EPSG:4549 "
               "(metric_crs = \"EPSG:4549\" in the config).")
        raise CRSError(msg)
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    crs = CRS.from_user_input(value)
    auth = crs.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else crs.to_string()


def _fmt_extent(b: LonLatBounds) -> str:
    def lon(v: float) -> str:
        return f"{abs(v):.2f}° {'E' if v >= 0 else 'W'}"

    def lat(v: float) -> str:
        return f"{abs(v):.2f}° {'N' if v >= 0 else 'S'}"

    return f"{lon(b[0])} – {lon(b[2])}, {lat(b[1])} – {lat(b[3])}"


def _zone_label(crs: str) -> str:
    name = CRS.from_user_input(crs).name
    return name.split(" / ", 1)[-1] if "Gauss" in name else name


def scale_errors(crs: str, bounds: LonLatBounds) -> tuple[float, float]:
    """The largest relative error of lengths and of areas that ``crs`` makes over ``bounds``.

    Measured with PROJ's scale factors at the corners, edge midpoints and centre of the extent.

    Returns
    -------
    (float, float)
        Signed relative errors of lengths and areas where they are largest (0.031 = 3.1 % too long).

    Examples
    --------
    >>> [round(e, 3) for e in scale_errors("EPSG:4544", (121.46, 31.22, 121.48, 31.23))]  # Shanghai in CM 105E
    [0.031, 0.063]
    """
    from pyproj import Proj

    west, south, east, north = bounds
    lons = np.array([west, east, west, east, west, east, (west + east) / 2, (west + east) / 2, (west + east) / 2])
    lats = np.array([south, south, north, north, (south + north) / 2, (south + north) / 2, south, north,
                     (south + north) / 2])
    f = Proj(CRS.from_user_input(crs)).get_factors(lons, lats)
    k = np.maximum(np.asarray(f.meridional_scale), np.asarray(f.parallel_scale)) - 1.0
    k_low = np.minimum(np.asarray(f.meridional_scale), np.asarray(f.parallel_scale)) - 1.0
    length = np.where(np.abs(k) >= np.abs(k_low), k, k_low)
    area = np.asarray(f.areal_scale) - 1.0
    ok = np.isfinite(length) & np.isfinite(area)
    if not ok.any():
        return math.nan, math.nan
    i, j = np.argmax(np.where(ok, np.abs(length), -1)), np.argmax(np.where(ok, np.abs(area), -1))
    return float(length[i]), float(area[j])


@dataclass(frozen=True)
class MetricChoice:
    """The metric CRS of a city and how it was chosen (what :func:`choose_metric_crs` returns).

    Attributes
    ----------
    crs : str
        ``"EPSG:4544"`` …
    how : str
        ``"auto"`` (the zone of the extent), ``"given"`` (passed by the caller) or ``"default"`` (no
        geometry to choose from: :data:`METRIC_CRS`).
    extent : tuple of 4 floats or None
        The data's lon/lat extent ``(west, south, east, north)``.
    note : str
        One sentence for outputs: the CRS, its name and why.
    """

    crs: str
    how: str
    extent: LonLatBounds | None
    note: str

    @property
    def name(self) -> str:
        """The CRS's name, e.g. ``"CGCS2000 / 3-degree Gauss-Kruger CM 105E"``."""
        return CRS.from_user_input(self.crs).name


def choose_metric_crs(data: Any, metric_crs: str | None = "auto", *, what: str = "the data", warn: bool = True,
                      stacklevel: int = 2) -> MetricChoice:
    r"""Choose the metric CRS of a city from its extent, or check a given one against it.

    ``"auto"`` takes the CGCS2000 3-degree Gauss-Krüger zone whose central meridian is nearest the
    centre of the extent (:func:`metric_crs_for`; WGS84 UTM outside China, said in an info log).

    Parameters
    ----------
    data : GeoDataFrame, mapping of str to GeoDataFrame, or tuple of 4 floats
        The layers (any CRS) or their lon/lat bounds ``(west, south, east, north)``.
    metric_crs : str, optional
        ``"auto"`` or None to choose; else a projected CRS in metres to use as given.
    what : str
        How to name the data in messages (e.g. ``"`city.gpkg`"``).
    warn : bool
        Issue the warnings below (False: choose quietly, e.g. for display).
    stacklevel : int
        Of the warnings.

    Returns
    -------
    MetricChoice

    Warns
    -----
    CRSWarning
        ``auto``: the data reach more than the zone's half-width (1.5°) + :data:`ZONE_TOLERANCE_DEG`
        from its central meridian; the message names the extent, the zones it touches and the fix.
        Given: the CRS stretches lengths at the data by more than :data:`MAX_SCALE_ERROR`.

    Raises
    ------
    CRSError
        ``metric_crs`` is geographic, not in metres or unknown.

    Examples
    --------
    >>> c = choose_metric_crs((104.58, 30.09, 104.67, 30.17))  # Ziyang's central city
    >>> c.crs, c.how
    ('EPSG:4544', 'auto')
    >>> print(c.note.replace(": ", ":\n"))
    EPSG:4544 (CGCS2000 / 3-degree Gauss-Kruger CM 105E), chosen automatically:
    the extent 104.58° E – 104.67° E, 30.09° N – 30.17° N lies in that zone
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     c = choose_metric_crs((102.9, 29.0, 107.1, 31.0), what="`sichuan.gpkg`")
    >>> c.crs, str(w[0].message)[:80]
    ('EPSG:4544', '`sichuan.gpkg` spans 102.90° E – 107.10° E, 29.00° N – 31.00° N, which touches t')
    """
    value = check_metric_crs("auto" if metric_crs is None else metric_crs)
    extent = lonlat_bounds(data)
    if value != "auto":
        note = f"{value} ({CRS.from_user_input(value).name}), given"
        if extent is not None:
            length, area = scale_errors(value, extent)
            if warn and math.isfinite(length) and abs(length) > MAX_SCALE_ERROR:
                lon, lat = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
                better = metric_crs_for(lon, lat)
                warnings.warn(
                    f"{what} ({_fmt_extent(extent)}) is measured in the metric CRS {value} you gave "
                    f"({CRS.from_user_input(value).name}), which makes lengths {length:+.1%} and areas {area:+.1%} "
                    f"off there. Fix: use metric_crs \"auto\" (here {better}, {_zone_label(better)}), e.g. "
                    f"--metric-crs {better} or metric_crs = \"{better}\" in the config.",
                    CRSWarning, stacklevel=stacklevel)
                note += f" (lengths {length:+.1%}, areas {area:+.1%} off at the data)"
        return MetricChoice(value, "given", extent, note)
    if extent is None:
        note = f"{METRIC_CRS} ({CRS.from_user_input(METRIC_CRS).name}), the default: no geometry to choose a zone from"
        return MetricChoice(METRIC_CRS, "default", None, note)
    west, south, east, north = extent
    lon, lat = (west + east) / 2, (south + north) / 2
    crs, cm, half = _zone(lon, lat)
    name = CRS.from_user_input(crs).name
    note = (f"{crs} ({name}), chosen automatically: the extent {_fmt_extent(extent)} lies in that zone")
    if half > 1.5:
        note = (f"{crs} ({name}), chosen automatically: the extent {_fmt_extent(extent)} is outside China, "
                "so its WGS84 UTM zone is used")
        logger.info("%s: %s", what, note)
    reach = max(abs(west - cm), abs(east - cm))
    if reach > half + ZONE_TOLERANCE_DEG:
        note = note.replace("lies in that zone", "is wider than that zone")
        if warn:
            length, area = scale_errors(crs, extent)
            zones = _touched(west, east, lat)
            others = [z for z in zones if z != crs]
            example = others[0] if others else crs
            warnings.warn(
                f"{what} spans {_fmt_extent(extent)}, which touches the zones "
                + ", ".join(f"{z} ({_zone_label(z)})" for z in zones)
                + f"; measured in {crs} ({_zone_label(crs)}, nearest its centre), lengths at its far edge are "
                f"{length:+.2%} and areas {area:+.2%} off. Fix: choose the zone where the work lies with "
                f"--metric-crs {example} (metric_crs = \"{example}\" in the config), or split the data by zone.",
                CRSWarning, stacklevel=stacklevel)
    return MetricChoice(crs, "auto", extent, note)


def _touched(west: float, east: float, lat: float) -> list[str]:
    """The zones a lon range reaches, west to east."""
    zones = []
    step = 0.25
    for lon in [*np.arange(west, east, step), east]:
        z = _zone(float(lon), lat)[0]
        if z not in zones:
            zones.append(z)
    return zones


def zone_crs(data: Any, *, warn: bool = True) -> str:
    """The metric CRS of layers (any CRS) or lon/lat bounds: :func:`choose_metric_crs` ``(data).crs``.

    Parameters
    ----------
    data : GeoDataFrame, mapping of str to GeoDataFrame, or tuple of 4 floats
        The layers or their lon/lat bounds ``(west, south, east, north)``.
    warn : bool
        Warn (:class:`~zy_geo.errors.CRSWarning`) when the data are too wide for one zone.

    Returns
    -------
    str

    Examples
    --------
    >>> from shapely.geometry import box
    >>> shanghai = gpd.GeoDataFrame(geometry=[box(121.46, 31.22, 121.48, 31.23)], crs="EPSG:4326")
    >>> zone_crs({"compounds": shanghai}), zone_crs((87.55, 43.78, 87.65, 43.85))
    ('EPSG:4549', 'EPSG:4538')
    """
    return choose_metric_crs(data, what="the data", warn=warn, stacklevel=3).crs
