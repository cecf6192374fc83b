"""Management areas (合理划定管理区域): which units to combine, and what enclosing them costs.

The way through: :mod:`~zy_geo.areas.units` (compounds and scattered buildings as units) →
:mod:`~zy_geo.areas.enclosures` (ground cut by rivers, rail, roads and street lines) →
:mod:`~zy_geo.areas.fencing` (boundary, walls, new fence, gates, cameras, cost) →
:mod:`~zy_geo.areas.propose` (:func:`propose_areas`, using the private solvers ``_solve`` and
``_exact``). The proposal parameters are declared in :mod:`zy_geo.config` (read from TOML once per run);
the decisions of planners and residents that bind a proposal in :mod:`~zy_geo.areas.decisions`; a planner's
edits of a proposal in QGIS, taken back as locks, in :mod:`~zy_geo.areas.edits`.
"""

from .config import ProposalParams, load_proposal_config
from .decisions import Apart, Decisions, Together
from .edits import Edits, read_edits
from .propose import ProposalResult, propose_areas

__all__ = ["Apart", "Decisions", "Edits", "ProposalParams", "ProposalResult", "Together", "load_proposal_config",
           "propose_areas", "read_edits"]
