"""zy_geo: geospatial analysis and mapping for residential property-management coverage.

Built for the planners who carry out Ziyang's notice 资府办函〔2023〕9号 (full property-management
coverage of the central city's residential compounds, the "six-haves" 六有 standard).
"""

from __future__ import annotations

from ._errors import InputError, Problem, ProblemReport, ZyGeoError, ZyGeoWarning
from .settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "Problem",
    "ProblemReport",
    "Settings",
    "ZyGeoError",
    "ZyGeoWarning",
    "__version__",
    "load_settings",
]
