"""Reading what planners hold: vector layers, tables, the city GeoPackage and the real boundaries.

:mod:`zy_geo.io.read` reads layers and tables in the frames and encodings they come in (GBK without a
``.cpg``, GCJ-02/BD-09 points, missing CRS refused with the fix); :mod:`zy_geo.io.boundaries` loads the
real administrative boundaries shipped in ``data/boundaries/``. Private helpers: ``_encoding``
(mojibake detection), ``_checks`` (CRS and coordinate plausibility), ``_geometry`` (repair and labels).
"""

from .boundaries import boundaries_dir, load_boundary
from .read import crs_record, points_from_table, read_city, read_layer, read_table

__all__ = ["boundaries_dir", "crs_record", "load_boundary", "points_from_table", "read_city", "read_layer",
           "read_table"]
