"""zy_geo: geospatial analysis and mapping for residential property-management coverage.

Built for the planners who carry out Ziyang's notice 资府办函〔2023〕9号 (full property-management
coverage of the central city's residential compounds, the "six-haves" 六有 standard).

The way of the data: read (:func:`read_layer`, :func:`read_city`, :func:`read_ledger`) → normalise
(:mod:`zy_geo.crs`) → analyse (:func:`join_ledger`, :func:`coverage_table`, :func:`propose_areas`)
→ render (:func:`coverage_map`) — or all at once with :func:`zy_geo.pipeline.run`. The planner's
loop: decisions of residents and planners bind the next proposal (:class:`Decisions`), and
:func:`diff_proposals` says what changed between two.
"""

from __future__ import annotations

from .areas.config import ProposalParams, load_proposal_config
from .areas.decisions import Decisions
from .areas.propose import ProposalResult, propose_areas
from .coverage import coverage_table
from .crs import to_frame, to_metric
from .diff import diff_proposals
from .errors import InputError, Problem, ProblemReport, ZyGeoError, ZyGeoWarning
from .io.read import read_city, read_layer
from .ledger.join import join_ledger
from .ledger.read import read_ledger
from .maps import coverage_map, save_map
from .sample.generate import generate_sample, make_sample
from .settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "Decisions",
    "InputError",
    "Problem",
    "ProblemReport",
    "ProposalParams",
    "ProposalResult",
    "Settings",
    "ZyGeoError",
    "ZyGeoWarning",
    "__version__",
    "coverage_map",
    "coverage_table",
    "diff_proposals",
    "generate_sample",
    "join_ledger",
    "load_proposal_config",
    "load_settings",
    "make_sample",
    "propose_areas",
    "read_city",
    "read_layer",
    "read_ledger",
    "save_map",
    "to_frame",
    "to_metric",
]
