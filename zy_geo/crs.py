"""Chinese coordinate frames: GCJ-02 and BD-09, and moving whole layers between frames.

GCJ-02 (Amap/Gaode, Tencent) and BD-09 (Baidu) are obfuscated lon/lat frames with no EPSG
code; PROJ will never support them. In Ziyang they shift WGS84 by ≈ 380–400 m (GCJ-02) and
≈ 900–970 m (BD-09). zy_geo converts such data to WGS84 as soon as it is read, computes in
EPSG:4544 (metres), and shifts to GCJ-02/BD-09 only for display on those maps.

Design: a frame is not a CRS, so it is not stored as one. A shifted GeoDataFrame keeps
``crs`` = EPSG:4326 (its axes are lon/lat degrees, which is what folium and every writer need)
and is *marked*: ``gdf.attrs["zy_frame"] = "gcj02"``. pandas carries ``attrs`` through copy,
``to_crs``, slicing and most methods, but not through every operation (``pd.concat`` of
differently marked frames, a fresh ``GeoDataFrame(...)``, writing to a file). Hence:

- :func:`frame_of` reads the mark (``"gcj02"``, ``"bd09"`` or the CRS string);
- :func:`assert_metric` refuses marked or non-metric data with the fix in the message;
- :func:`to_metric` converts anything (a marked frame through the exact inverse) to EPSG:4544;
- :func:`to_frame` moves between any two of EPSG CRS / ``"gcj02"`` / ``"bd09"``;
- :func:`from_frame` declares *input* data as GCJ-02/BD-09 (Amap/Baidu picks) → WGS84.

The lead rule: convert on read, compute in EPSG:4544, shift only for display, and never write
shifted geometry to a file.

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

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from .errors import CRSError

#: Metric CRS for all areas and distances: CGCS2000 / 3-degree Gauss-Kruger CM 105E.
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
               f"{name} = zy_geo.crs.to_metric({name}) (→ {METRIC_CRS}).")
        raise CRSError(msg)


def to_metric(gdf: gpd.GeoDataFrame, *, crs: str = METRIC_CRS) -> gpd.GeoDataFrame:
    """Any layer, including one marked GCJ-02/BD-09, → EPSG:4544 metres.

    Parameters
    ----------
    gdf : GeoDataFrame
        With a CRS, or marked as shifted.
    crs : str
        The metric CRS (default :data:`METRIC_CRS`, CGCS2000 / 3-degree GK CM 105E).

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
    if not CRS.from_user_input(crs).is_projected:
        msg = f"to_metric needs a projected CRS in metres, found crs={crs!r}; use the default {METRIC_CRS}."
        raise CRSError(msg)
    if gdf.crs is None and not gdf.attrs.get(FRAME_ATTR):
        msg = ("the layer has no CRS; declare it before converting: gdf.set_crs('EPSG:4326') "
               "for lon/lat degrees or gdf.set_crs('EPSG:4544') for CGCS2000 metres.")
        raise CRSError(msg)
    return to_frame(gdf, crs)
