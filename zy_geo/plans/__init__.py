"""One plan per compound (一小区一方案) and the funding ledger.

:mod:`~zy_geo.plans.facilities` (what each area needs), :mod:`~zy_geo.plans.funding` (subsidy cap and
who pays, Tuoxi 50/50), :mod:`~zy_geo.plans.modes` (management mode) feed
:mod:`~zy_geo.plans.build` (:func:`build_plans`, :class:`PlanSet`); ``_docx`` writes one document.
"""

from .build import PlanSet, build_plans
from .facilities import FacilityNeeds, facility_needs
from .funding import funding_split, funding_totals, tuoxi_share
from .modes import ModeRules, load_mode_rules, recommend_modes

__all__ = ["FacilityNeeds", "ModeRules", "PlanSet", "build_plans", "facility_needs", "funding_split",
           "funding_totals", "load_mode_rules", "recommend_modes", "tuoxi_share"]
