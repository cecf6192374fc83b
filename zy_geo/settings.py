"""Typed, documented settings, overridable from a TOML file for scripted runs.

Values that come from the notice (资府办函〔2023〕9号) cite it. Unit prices are **defaults**
for a first estimate only: the notice sets none, so a planner overrides them from the local
price list (``[prices]`` in a TOML file).

Examples
--------
>>> s = load_settings()
>>> s.subsidy_cap_yuan
50000.0
>>> s.metric_crs
'EPSG:4544'
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError


@dataclass(frozen=True)
class Prices:
    """Unit prices in yuan. All are DEFAULTS (the notice sets none): override locally."""

    fence_per_m_yuan: float = 80.0  # light steel fence / temporary barrier (临时隔离装置, notice §四(一))
    temporary_barrier_per_m_yuan: float = 60.0
    gate_house_yuan: float = 12000.0
    barrier_gate_yuan: float = 8000.0
    pedestrian_gate_yuan: float = 3000.0
    camera_yuan: float = 1500.0
    light_point_yuan: float = 1200.0
    parking_space_yuan: float = 1500.0
    ev_charger_yuan: float = 4000.0

    def __post_init__(self) -> None:
        bad = [f"{f.name} = {getattr(self, f.name)}" for f in dataclasses.fields(self) if getattr(self, f.name) < 0]
        if bad:
            msg = f"prices must be ≥ 0 yuan, found {', '.join(bad)}."
            raise InputError(msg)


@dataclass(frozen=True)
class Operating:
    """Running a community-centre compound (notice §四(五): 业主支付一点、公共收益弥补一点). DEFAULTS."""

    fee_per_m2_month_yuan: float = 0.3
    collection_rate: float = 0.8
    public_income_per_household_year_yuan: float = 20.0
    cost_per_household_year_yuan: float = 60.0
    base_cost_per_area_year_yuan: float = 36000.0  # one guard post + part-time cleaner, per compound


@dataclass(frozen=True)
class Settings:
    """Everything zy_geo reads from settings.

    Attributes
    ----------
    metric_crs : str
        CRS for areas and distances: CGCS2000 / 3-degree Gauss-Kruger CM 105E.
    geographic_crs : str
        CRS for geographic exchange (WGS84).
    subsidy_cap_yuan : float
        Six-haves facility subsidy cap per compound (notice §五(二): 每个小区不超过5万元).
    tuoxi_city_share : float
        Share paid by the city inside Yanjiang's Tuoxi central urban area (notice §五(二): 50 %).
    output_dir : str
        Where generated files go.
    tianditu_key_env : str
        Environment variable holding the Tianditu key (never stored in code or settings files).
    prices : Prices
        Unit prices (defaults, see :class:`Prices`).
    operating : Operating
        Fee level, collection rate, public income and running cost of community-centre compounds.
    """

    metric_crs: str = "EPSG:4544"
    geographic_crs: str = "EPSG:4326"
    subsidy_cap_yuan: float = 50000.0
    tuoxi_city_share: float = 0.5
    output_dir: str = "outputs"
    tianditu_key_env: str = "TIANDITU_KEY"
    prices: Prices = field(default_factory=Prices)
    operating: Operating = field(default_factory=Operating)

    def __post_init__(self) -> None:
        if self.subsidy_cap_yuan < 0:
            msg = f"subsidy_cap_yuan must be ≥ 0, found {self.subsidy_cap_yuan}."
            raise InputError(msg)
        if not 0 <= self.tuoxi_city_share <= 1:
            msg = f"tuoxi_city_share is a share between 0 and 1, found {self.tuoxi_city_share}."
            raise InputError(msg)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some values changed."""
        return dataclasses.replace(self, **changes)


def _merge(cls: type, base: Any, values: dict[str, Any], source: str, section: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            msg = (
                f"`{source}` [{section}]: unknown setting {key!r}; "
                f"expected one of {', '.join(sorted(known))}. Fix the spelling or remove it."
            )
            raise InputError(msg)
        current = getattr(base, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                msg = f"`{source}`: [{key}] must be a table of settings, found {value!r}."
                raise InputError(msg)
            changes[key] = _merge(type(current), current, value, source, key)
        elif isinstance(current, float) and isinstance(value, int | float) and not isinstance(value, bool):
            changes[key] = float(value)
        elif type(value) is not type(current):
            msg = (
                f"`{source}` [{section}] {key}: expected a {type(current).__name__}, "
                f"found {value!r}. Fix the value in the file."
            )
            raise InputError(msg)
        else:
            changes[key] = value
    try:
        return dataclasses.replace(base, **changes)
    except InputError as exc:  # a value out of range: say where it was set
        raise InputError(f"`{source}` [{section}]: {exc}") from None


def load_settings(path: str | Path | None = None, *, base: Settings | None = None) -> Settings:
    """Load settings, overriding the defaults with a TOML file.

    Parameters
    ----------
    path : str or Path, optional
        TOML file. Top-level keys set :class:`Settings` fields; a ``[prices]`` table sets
        unit prices. Tables that belong to other steps (e.g. ``[proposal]``) are ignored here.
    base : Settings, optional
        Settings to start from (default: the built-in defaults).

    Returns
    -------
    Settings
    """
    settings = base or Settings()
    if path is None:
        return settings
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"settings file `{path}` does not exist; check the path."
        raise InputError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"settings file `{path}` is not valid TOML: {exc}. Fix the syntax at that line."
        raise InputError(msg) from exc
    own = {f.name for f in dataclasses.fields(Settings)}
    mine = {k: v for k, v in data.items() if k in own or not isinstance(v, dict)}
    return _merge(Settings, settings, mine, str(path), "top level")
