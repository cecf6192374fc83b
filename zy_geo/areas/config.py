"""Parameters of the management-area proposal and their TOML form (declared in :mod:`zy_geo.config`).

:class:`ProposalParams` lives in :mod:`zy_geo.config` with every other option (default, doc and
check together); this module keeps its old import path and :func:`load_proposal_config`. A proposal
config is a reproducible script of a merger proposal::

    [proposal]
    max_gap_m = 60
    min_households = 80
    max_households = 1200
    crossable = ["path", "local"]   # road classes an area may span (each crossing = a gate)
    coverage_weight_m = inf         # fence (m) one more covered household is worth; 0 = least fence

    [proposal.streets."莲花街道"]   # overrides for one street
    max_households = 800

    [prices]                        # unit prices (see zy_geo.config.Prices)
    fence_per_m_yuan = 200
"""

from __future__ import annotations

from pathlib import Path

from .._options import options_of
from ..config import SECTIONS, ProposalParams, Settings, load_config

__all__ = ["CITY_WIDE", "CONFIG_TABLES", "ProposalParams", "load_proposal_config"]

#: Settings that apply to the whole city only (orphan buildings are grouped before streets are known).
CITY_WIDE = tuple(k for k, opt in options_of(ProposalParams).items() if opt.city_wide)
#: Top-level tables a proposal config may hold: the proposal, settings tables, mode rules.
CONFIG_TABLES = tuple(s for s in SECTIONS if s)


def load_proposal_config(
    path: str | Path | None,
) -> tuple[ProposalParams, dict[str, ProposalParams], Settings]:
    """Read ``[proposal]``, ``[proposal.streets."<name>"]`` and settings (``[prices]`` ...) from TOML.

    A thin wrapper over :func:`zy_geo.config.load_config` (which checks the whole file).

    Parameters
    ----------
    path : str or Path or None
        TOML file; None gives the defaults.

    Returns
    -------
    (ProposalParams, dict of street → ProposalParams, Settings)

    Examples
    --------
    >>> params, streets, settings = load_proposal_config(None)
    >>> params.max_households, streets, settings.subsidy_cap_yuan
    (1200, {}, 50000.0)
    """
    cfg = load_config(path)
    return cfg.proposal, cfg.streets, cfg.settings
