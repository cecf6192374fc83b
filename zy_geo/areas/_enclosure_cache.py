"""Enclosures kept in a proposal GeoPackage, used again when a planner's edits are solved on the same city.

Computing the enclosures (noding and polygonising every barrier line) is the largest single step of a
proposal: about 40 % of it at sample scale 100. Every proposal records in its ``zy_geo_record`` a key of what
its enclosures came from — zy_geo's version, the CRS, every street, river, railway and road feature
(geometry and attributes) and the road classes each street may cross — and a digest of the enclosures it
writes. ``zy-geo propose CITY --edits EDITED.gpkg`` reads the ``enclosures`` layer back instead of computing it
again when the key is the same and the layer is as written; otherwise (another city or config, a layer changed
in QGIS, a file without the key) it computes them as a fresh proposal does. The proposal is the same either way.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> streets = gpd.GeoDataFrame({"street": ["甲街道"], "street_code": ["1"]}, geometry=[box(0, 0, 100, 100)],
...                            crs="EPSG:4544")
>>> key = enclosure_key(streets, rivers=None, rail=None, roads=None, crossable={"甲街道": ("local",)})
>>> key == enclosure_key(streets, rivers=None, rail=None, roads=None, crossable={"甲街道": ("local",)})
True
>>> key == enclosure_key(streets, rivers=None, rail=None, roads=None, crossable={"甲街道": ()})
False
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from .._gdal import gdal_reading
from ..errors import InputError
from .record import read_record

#: Record keys: what the enclosures were computed from, and a digest of the layer written.
KEY, DIGEST = "enclosures.key", "enclosures.digest"
#: The columns of an enclosures layer.
COLUMNS = ("enclosure_id", "street", "street_code", "body")


def _layer_bytes(gdf: gpd.GeoDataFrame | None) -> bytes:
    if gdf is None:
        return b"none"
    geoms = gdf.geometry.to_numpy()
    wkb = shapely.to_wkb(geoms, include_srid=False)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    hashed = pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes() if len(attrs.columns) else b""
    return b"|".join([repr(list(attrs.columns)).encode(), str(len(gdf)).encode(),
                      b"".join(b if b is not None else b"-" for b in wkb), hashed])


def enclosure_key(streets: gpd.GeoDataFrame, *, rivers: gpd.GeoDataFrame | None, rail: gpd.GeoDataFrame | None,
                  roads: gpd.GeoDataFrame | None, crossable: Mapping[str, tuple[str, ...]]) -> str:
    """SHA-256 of everything the enclosures of a proposal are computed from.

    Parameters
    ----------
    streets, rivers, rail, roads : GeoDataFrame or None
        The layers, in the metric CRS.
    crossable : mapping of str to tuple of str
        Street → the road classes its areas may cross.

    Returns
    -------
    str
    """
    import zy_geo  # the package imports this module while it loads

    h = hashlib.sha256(f"zy_geo {zy_geo.__version__}|{streets.crs.to_wkt() if streets.crs else ''}".encode())
    for name, gdf in (("streets", streets), ("rivers", rivers), ("rail", rail), ("roads", roads)):
        h.update(name.encode() + b"\0" + _layer_bytes(gdf))
    h.update(repr(sorted((str(k), tuple(v)) for k, v in crossable.items())).encode())
    return h.hexdigest()


def enclosure_digest(encl: gpd.GeoDataFrame) -> str:
    """SHA-256 of an enclosures layer: its ids, streets and exact coordinates.

    A one-part MultiPolygon digests as its Polygon (a GeoPackage writer may promote it).
    """
    geoms = encl.geometry.to_numpy()
    h = hashlib.sha256(str(len(encl)).encode())
    for col in COLUMNS:
        values = encl[col].astype(object).where(encl[col].notna(), "") if col in encl.columns else []
        h.update(("\0".join(map(str, values)) + "\1").encode())
    h.update(shapely.get_num_geometries(geoms).astype(np.int64).tobytes())
    h.update(shapely.get_num_coordinates(geoms).astype(np.int64).tobytes())
    h.update(np.ascontiguousarray(shapely.get_coordinates(geoms)).tobytes())
    return h.hexdigest()


def saved_enclosures(path: str | Path, key: str) -> gpd.GeoDataFrame | None:
    """The enclosures layer of a proposal GeoPackage, when computed from the same inputs and unchanged.

    Parameters
    ----------
    path : str or Path
        A proposal GeoPackage (a planner's edited copy), with its record (:mod:`zy_geo.areas.record`).
    key : str
        :func:`enclosure_key` of this proposal's inputs.

    Returns
    -------
    GeoDataFrame or None
        ``None`` when the record has another key or none, or the layer is missing, unreadable or changed.
    """
    try:
        record = read_record(path)
    except InputError:  # a damaged record: the enclosures are computed, and the record's problem said elsewhere
        return None
    if not key or record.get(KEY) != key or not record.get(DIGEST):
        return None
    try:
        with gdal_reading(Path(path)) as source:
            encl = gpd.read_file(source, layer="enclosures", engine="pyogrio")
    except (InputError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError):
        return None
    if not {"enclosure_id", "street"} <= set(encl.columns):
        return None
    geoms = encl.geometry.to_numpy()
    single = (shapely.get_type_id(geoms) == 6) & (shapely.get_num_geometries(geoms) == 1)
    if single.any():  # a Polygon the writer promoted to a one-part MultiPolygon
        geoms = geoms.copy()
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        encl = encl.set_geometry(geoms)
    cols = [c for c in COLUMNS if c in encl.columns]
    encl = gpd.GeoDataFrame(encl[[*cols, encl.geometry.name]], geometry=encl.geometry.name, crs=encl.crs)
    return encl if enclosure_digest(encl) == record[DIGEST] else None
