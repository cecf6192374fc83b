"""Do a layer's coordinates fit its CRS? Swapped axes, zone prefixes, metres declared as degrees.

A coordinate "fits" a CRS when it lands, as lon/lat, inside both the CRS's area of use (from
the EPSG database, widened by :data:`_MARGIN_DEG`) and China (:data:`CHINA_LONLAT`). That one
test covers every CRS; the diagnosis of what went wrong tries the usual mistakes in turn:

- axes swapped: lat/lon given as lon/lat, or X = northing / Y = easting as Chinese survey
  tables list them (EPSG:4544 and EPSG:4523 declare northing first);
- Gauss-Kruger eastings with or without the zone number (EPSG:4523 ``35 462 000`` vs
  EPSG:4544 ``462 000``);
- metres declared as degrees and the reverse.

Examples
--------
>>> import numpy as np
>>> msg = coordinate_problem(np.array([30.13]), np.array([104.62]), "EPSG:4326", where="`a.csv`")
>>> print(msg[:56], "…", msg[-50:])
`a.csv`: coordinates look like (lat, lon): x is 30.13…30 … Fix: read with swap_xy=True (or swap the columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from pyproj import CRS, Transformer

#: China as a lon/lat box (west, south, east, north), South China Sea islands included.
CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)
_MARGIN_DEG = 0.5
_MAX_LISTED = 10


@lru_cache(maxsize=64)
def _area(crs_wkt: str) -> tuple[Transformer | None, tuple[float, float, float, float]]:
    crs = CRS.from_wkt(crs_wkt)
    w, s, e, n = CHINA_LONLAT
    aou = crs.area_of_use
    if aou is not None:
        w, s = max(w, aou.west - _MARGIN_DEG), max(s, aou.south - _MARGIN_DEG)
        e, n = min(e, aou.east + _MARGIN_DEG), min(n, aou.north + _MARGIN_DEG)
    if crs.is_geographic:
        return None, (w, s, e, n)
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True), (w, s, e, n)


def fits(x: np.ndarray, y: np.ndarray, crs: Any) -> np.ndarray:
    """Where ``(x, y)`` in ``crs`` lands inside the CRS's area of use and China.

    Parameters
    ----------
    x, y : numpy.ndarray
        Coordinates in the CRS's x/y order as GeoPandas holds them (x = easting/longitude).
    crs : pyproj.CRS or str

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    >>> fits(np.array([462000.0, 3334000.0]), np.array([3334000.0, 462000.0]), "EPSG:4544").tolist()
    [True, False]
    """
    transformer, (w, s, e, n) = _area(CRS.from_user_input(crs).to_wkt())
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if transformer is not None:
        with np.errstate(all="ignore"):
            x, y = transformer.transform(x, y, errcheck=False)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(x) & np.isfinite(y) & (x >= w) & (x <= e) & (y >= s) & (y <= n)


def _zone_candidates(x: np.ndarray) -> list[str]:
    """CGCS2000 Gauss-Kruger CRSs a set of eastings may belong to."""
    out = ["EPSG:4544", "EPSG:4326", "EPSG:4523"]
    prefixes: list[int] = np.unique(np.floor(x[np.isfinite(x)] / 1e6)).astype(int).tolist()
    for z in prefixes:
        if 25 <= z <= 45:  # 3-degree zones: EPSG:4513 (zone 25) … EPSG:4533 (zone 45)
            out.append(f"EPSG:{4488 + z}")
        elif 13 <= z <= 23:  # 6-degree zones: EPSG:4491 (zone 13) … EPSG:4501 (zone 23)
            out.append(f"EPSG:{4478 + z}")
    return list(dict.fromkeys(out))


def _without_zone_number(crs: str) -> bool:
    """A CGCS2000 3-degree CRS named by central meridian (EPSG:4534–4554), whose eastings carry no zone."""
    return crs.startswith("EPSG:") and 4534 <= int(crs.split(":")[1]) <= 4554


def _span(v: np.ndarray) -> str:
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    big = max(abs(lo), abs(hi)) >= 1000  # metres: thousands separators; degrees: as given
    return f"{lo:,.0f}…{hi:,.0f}" if big else f"{lo:g}…{hi:g}"


def _listed(labels: Sequence[str], mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(labels[i] for i in idx[:_MAX_LISTED])
    more = f" and {len(idx) - _MAX_LISTED} more" if len(idx) > _MAX_LISTED else ""
    return shown + more


def suggest_crs(x: np.ndarray, y: np.ndarray, crs: Any) -> str | None:
    """Another CRS in which every point fits, tried among the usual Chinese ones.

    Examples
    --------
    >>> suggest_crs(np.array([35_462_000.0]), np.array([3_334_000.0]), "EPSG:4544")
    'EPSG:4523'
    """
    declared = CRS.from_user_input(crs)
    for cand in _zone_candidates(np.asarray(x, dtype=float)):
        if CRS.from_user_input(cand).equals(declared, ignore_axis_order=True):
            continue
        if fits(x, y, cand).all():
            return cand
    return None


def coordinate_problem(
    x: np.ndarray,
    y: np.ndarray,
    crs: Any,
    *,
    where: str,
    labels: Sequence[str] | None = None,
    unit: str = "features",
) -> str | None:
    """Describe coordinates that do not fit ``crs`` (None when every point fits).

    Parameters
    ----------
    x, y : numpy.ndarray
        Shape ``(n,)``: one point per feature; or ``(n, k)``: k points per feature (e.g. both
        corners of each feature's bounds). NaN points (empty geometries) are ignored.
    crs : pyproj.CRS or str
        The declared CRS.
    where : str
        File and layer, for the message.
    labels : sequence of str, optional
        One label per feature (``"FID 3 (name='莲花小区')"``); the message lists the first ten
        misplaced ones when only some are.
    unit : str
        What a feature is called in the message (``"features"``, ``"rows"``).

    Returns
    -------
    str or None
        What was found, what was expected and the fix.

    Examples
    --------
    >>> x, y = np.array([3334000.0, 3334100.0]), np.array([462000.0, 462050.0])
    >>> print(coordinate_problem(x, y, "EPSG:4544", where="`survey.csv`"))  # doctest: +ELLIPSIS
    `survey.csv`: coordinates look like (northing, easting) ... Fix: read with swap_xy=True (or swap the columns).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim == 1:
        x, y = x[:, None], y[:, None]
    point_present = np.isfinite(x) & np.isfinite(y)
    present = point_present.any(axis=1)
    if not present.any():
        return None
    crs = CRS.from_user_input(crs)
    flat_ok = fits(x.ravel(), y.ravel(), crs).reshape(x.shape) | ~point_present
    bad = ~flat_ok.all(axis=1)
    if not bad.any():
        return None
    labels = list(labels) if labels is not None else [f"#{i}" for i in range(len(x))]
    flat_swapped = fits(y.ravel(), x.ravel(), crs).reshape(x.shape) | ~point_present
    swapped = flat_swapped.all(axis=1) & bad
    name = crs.to_string()
    xs, ys = _span(x[bad][point_present[bad]]), _span(y[bad][point_present[bad]])
    n_bad, n = int(bad.sum()), int(present.sum())
    some = "" if n_bad == n else f" ({n_bad} of {n} {unit}: {_listed(labels, bad)})"
    if (swapped == bad).all():
        if crs.is_geographic:
            found = (f"coordinates look like (lat, lon){some}: x is {xs} and y is {ys}, but in {name} x is "
                     "the longitude (73–136 in China) and y the latitude (3–54).")
        else:
            found = (f"coordinates look like (northing, easting){some} — Chinese survey tables list X = northing "
                     f"first: x is {xs} and y is {ys}, but {name} needs x = easting, y = northing.")
        fix = ("read with swap_xy=True (or swap the columns)." if not some else
               f"swap x and y of those {unit} (only they are swapped; swap_xy=True would swap all).")
        return f"{where}: {found} Fix: {fix}"
    good = point_present & ~bad[:, None]
    other = suggest_crs(x[bad][point_present[bad]], y[bad][point_present[bad]], crs) if n_bad == n else None
    found = f"coordinates x {xs}, y {ys} do not fall in the area of the declared {name} ({crs.name}){some}"
    if other is not None and _without_zone_number(other):
        # eastings without a zone number fit every 3-degree zone: which one is the city's, the data cannot say
        return (f"{where}: {found}; they look like metres in a CGCS2000 3-degree Gauss-Kruger CRS without zone "
                "number (EPSG:4534–4554, one per central meridian from 75° E to 135° E). Fix: declare the zone of "
                "the city's central meridian — zy_geo.crs.metric_crs_for(longitude) names it: EPSG:4544 for "
                "105° E (Ziyang, Chengdu), EPSG:4549 for 120° E (Shanghai) — in the .prj, or in QGIS Layer → "
                "Set CRS and export.")
    if other is not None:
        return (f"{where}: {found}; they fit {other} ({CRS.from_user_input(other).name}). "
                f"Fix: declare crs='{other}' (correct the .prj, or in QGIS Layer → Set CRS and export).")
    if good.any():
        return (f"{where}: {found}. Fix: correct or delete those {unit}; the others fit {name}.")
    return (f"{where}: {found}, nor any usual Chinese CRS. Fix: check that the file holds this city's data "
            "and which CRS it was surveyed in (CGCS2000 3-degree zone 35 is EPSG:4544/4523).")
