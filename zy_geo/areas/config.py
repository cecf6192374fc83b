"""Parameters of the management-area proposal, and their TOML form (per street if needed).

A proposal config is a reproducible script of a merger proposal::

    [proposal]
    max_gap_m = 60
    min_households = 80
    max_households = 1200
    crossable = ["path", "local"]   # road classes an area may span (each crossing = a gate)
    coverage_weight_m = inf         # fence (m) one more covered household is worth; 0 = least fence

    [proposal.streets."莲花街道"]   # overrides for one street
    max_households = 800

    [prices]                        # unit prices (see zy_geo.settings.Prices)
    fence_per_m_yuan = 200
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..schema import ROAD_CLASSES
from ..settings import Settings, load_settings


@dataclass(frozen=True)
class ProposalParams:
    """Limits and distances of the proposal. All defaults are planning defaults: override them.

    Attributes
    ----------
    max_gap_m : float
        Units closer than this (edge to edge) may share an area.
    min_households : int
        An area below this cannot support a property service (flagged, or absorbed).
    max_households : int
        An area above this is too large for one gate team; merges beyond it are refused.
    max_extent_m : float
        Half the diagonal of an area's bounding box may not exceed this (walking distance to a gate).
    crossable : tuple of str
        Road classes an area may span (each crossing costs a gate). Arterials never.
    absorb_max_households : int
        A leftover group up to this size may be absorbed by a managed neighbour (扩围).
    orphan_gap_m : float
        Buildings outside every compound closer than this form one unit first.
    hull_ratio : float
        Concave-hull tightness of area boundaries (0 tightest, 1 convex).
    respect_cost_cap : bool
        Refuse merges that would push an area over the subsidy cap when both parts are under it.
    exact_max_units : int
        Clusters of up to this many units (linked within ``max_gap_m`` in one enclosure) are partitioned
        exactly: the most households in viable areas, then the least new fence. Larger clusters are
        grouped greedily (nearest first). At most 12; 0 groups everything greedily.
    coverage_weight_m : float
        Metres of new fence worth building to bring one more household into a viable area, in the
        exact partition. ``inf`` (default): coverage first, fence decides between groupings that cover
        the same households. ``0``: least new fence; a small unit that costs more fence to join than to
        enclose on its own is left as a remainder (with that reason).

    Notes
    -----
    Two groups that could each support a service (≥ ``min_households``) are merged only when
    enclosing them together needs no more new fence than enclosing them apart; smaller groups
    merge whenever the limits allow, since they cannot stand alone. The exact partition of a small
    cluster follows the same priorities; with the cost cap off it is never worse than the greedy one.
    """

    max_gap_m: float = 60.0
    min_households: int = 80
    max_households: int = 1200
    max_extent_m: float = 350.0
    crossable: tuple[str, ...] = ("path",)
    absorb_max_households: int = 150
    orphan_gap_m: float = 25.0
    hull_ratio: float = 0.35
    respect_cost_cap: bool = True
    exact_max_units: int = 10
    coverage_weight_m: float = math.inf

    def __post_init__(self) -> None:
        if self.min_households > self.max_households:
            msg = (f"min_households ({self.min_households}) is above max_households "
                   f"({self.max_households}); lower the first or raise the second.")
            raise InputError(msg)
        if "arterial" in self.crossable:
            msg = "arterial roads can never be crossed by a management area; remove 'arterial' from crossable."
            raise InputError(msg)
        unknown = sorted(set(self.crossable) - set(ROAD_CLASSES))
        if unknown:
            msg = (f"crossable has unknown road class(es) {unknown}; use some of "
                   f"{[c for c in ROAD_CLASSES if c != 'arterial']}.")
            raise InputError(msg)
        for name in ("min_households", "max_households"):
            if getattr(self, name) < 1:
                msg = f"{name} must be at least 1 household, found {getattr(self, name)}."
                raise InputError(msg)
        if self.absorb_max_households < 0:
            msg = f"absorb_max_households must be ≥ 0 (0: no absorption), found {self.absorb_max_households}."
            raise InputError(msg)
        if not 0 <= self.hull_ratio <= 1:
            msg = f"hull_ratio must be between 0 (tightest hull) and 1 (convex hull), found {self.hull_ratio}."
            raise InputError(msg)
        if not 0 <= self.exact_max_units <= 12:
            msg = (f"exact_max_units must be between 0 and 12, found {self.exact_max_units} "
                   "(the exact partition grows as 3**n with the cluster size).")
            raise InputError(msg)
        for name in ("max_gap_m", "max_extent_m", "orphan_gap_m", "coverage_weight_m"):
            if getattr(self, name) < 0:
                msg = f"{name} must be ≥ 0, found {getattr(self, name)}."
                raise InputError(msg)


def _params_from(values: dict[str, Any], base: ProposalParams, where: str) -> ProposalParams:
    known = {f.name: f for f in dataclasses.fields(ProposalParams)}
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key == "streets":
            continue
        if key not in known:
            msg = f"{where}: unknown proposal setting {key!r}; expected one of {', '.join(sorted(known))}."
            raise InputError(msg)
        current = getattr(base, key)
        if isinstance(current, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                msg = f"{where}: {key} must be a list of road classes, e.g. [\"path\", \"local\"]; found {value!r}."
                raise InputError(msg)
            value = tuple(value)
        elif isinstance(current, bool):
            if not isinstance(value, bool):
                msg = f"{where}: {key} must be true or false; found {value!r}."
                raise InputError(msg)
        elif isinstance(current, int | float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                msg = f"{where}: {key} must be a number; found {value!r}."
                raise InputError(msg)
            value = type(current)(value)
        changes[key] = value
    try:
        return dataclasses.replace(base, **changes)
    except InputError as exc:  # a value out of range: say where it was set
        raise InputError(f"{where}: {exc}") from None


#: Settings that apply to the whole city only (orphan buildings are grouped before streets are known).
CITY_WIDE = ("orphan_gap_m",)
#: Top-level tables a proposal config may hold: the proposal, settings tables, mode rules.
CONFIG_TABLES = ("proposal", "prices", "operating", "modes")


def load_proposal_config(
    path: str | Path | None,
) -> tuple[ProposalParams, dict[str, ProposalParams], Settings]:
    """Read ``[proposal]``, ``[proposal.streets."<name>"]`` and settings (``[prices]`` ...) from TOML.

    Returns
    -------
    (ProposalParams, dict of street → ProposalParams, Settings)
    """
    if path is None:
        return ProposalParams(), {}, Settings()
    path = Path(path)
    settings = load_settings(path)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    tables = [k for k, v in data.items() if isinstance(v, dict)]
    unknown = sorted(set(tables) - set(CONFIG_TABLES))
    if unknown:
        msg = (f"`{path}`: unknown section(s) {['[' + t + ']' for t in unknown]}; expected some of "
               f"{['[' + t + ']' for t in CONFIG_TABLES]}. Fix the spelling (a misspelt section would be ignored).")
        raise InputError(msg)
    section = data.get("proposal", {})
    params = _params_from(section, ProposalParams(), f"`{path}` [proposal]")
    streets = {}
    for name, values in section.get("streets", {}).items():
        where = f"`{path}` [proposal.streets.\"{name}\"]"
        if not isinstance(values, dict):
            msg = f"{where} must be a table of proposal settings, found {values!r}."
            raise InputError(msg)
        city_wide = sorted(set(values) & set(CITY_WIDE))
        if city_wide:
            msg = (f"{where}: {city_wide} apply to the whole city (orphan buildings are grouped before streets "
                   "are known); set them under [proposal] instead.")
            raise InputError(msg)
        streets[name] = _params_from(values, params, where)
    return params, streets, settings
