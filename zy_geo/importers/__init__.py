"""Real cities in: OpenStreetMap extracts (and the layers offices hold) → a city GeoPackage.

``zy-geo import osm FILE --out city.gpkg`` writes the layers ``zy-geo sample`` writes, so
``propose``, ``run``, ``plan`` and ``map`` work on a real city unchanged; ``import aoi`` (Amap/Baidu
AOI exports) and ``import parcels`` (三调 land-survey parcels) do the same from the layers offices
hold (:mod:`~zy_geo.importers.offices`). Which tags make which
layer is a profile (:func:`load_profile`, TOML); households nobody counted are estimated and
marked (:func:`estimate_households`).
"""

from .city import EXTRA_LAYERS, ImportedCity, build_city, import_osm
from .households import METHODS, estimate_households
from .offices import import_aoi, import_parcels
from .osm import OsmFeatures, read_osm
from .profile import Profile, load_profile

__all__ = ["EXTRA_LAYERS", "METHODS", "ImportedCity", "OsmFeatures", "Profile", "build_city", "estimate_households",
           "import_aoi", "import_osm", "import_parcels", "load_profile", "read_osm"]
