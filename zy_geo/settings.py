"""Settings: funding rules, unit prices and operating figures (declared in :mod:`zy_geo.config`).

:class:`Settings`, :class:`Prices` and :class:`Operating` live in :mod:`zy_geo.config`, each option
with its default, documentation and check; this module keeps their old import path and
:func:`load_settings`, which reads only the settings part of a config file. A whole run reads its
file once with :func:`zy_geo.config.load_config`.

Values that come from the notice (资府办函〔2023〕9号) cite it. Unit prices are **defaults**
for a first estimate only: the notice sets none, so a planner overrides them from the local
price list (``[prices]`` in a TOML file).

Examples
--------
>>> s = load_settings()
>>> s.subsidy_cap_yuan
50000.0
>>> s.metric_crs  # the CGCS2000 3-degree zone of each city's extent (EPSG:4544 in Ziyang)
'auto'
"""

from __future__ import annotations

from pathlib import Path

from .config import Config, Operating, Prices, Settings, _load

__all__ = ["Operating", "Prices", "Settings", "load_settings"]


def load_settings(path: str | Path | None = None, *, base: Settings | None = None) -> Settings:
    """Load settings, overriding the defaults with a TOML file.

    Parameters
    ----------
    path : str or Path, optional
        TOML file. Top-level keys set :class:`Settings` fields; ``[prices]`` and ``[operating]``
        set unit prices and operating figures. The contents of the other known sections
        (``[proposal]``, ``[modes]``) are checked by :func:`zy_geo.config.load_config`, not here;
        a section name that zy_geo does not know is an error.
    base : Settings, optional
        Settings to start from (default: the built-in defaults).

    Returns
    -------
    Settings

    Examples
    --------
    >>> load_settings(base=Settings(subsidy_cap_yuan=40000.0)).subsidy_cap_yuan
    40000.0
    """
    settings = base or Settings()
    if path is None:
        return settings
    return _load(Path(path), sections=("", "prices", "operating"), base=Config(settings=settings)).settings
