"""The synthetic central city: streets, river, roads, compounds, buildings and a survey ledger.

Everything but the real boundaries and street codes is generated and says so in its metadata.
:mod:`~zy_geo.sample.generate` builds and writes it; private helpers: ``_layout`` (streets, river,
road grid), ``_paths`` (footpaths inside blocks), ``_ledger`` (the ledger as offices fill it in).
"""

from .generate import SampleCity, generate_sample, make_sample, write_sample

__all__ = ["SampleCity", "generate_sample", "make_sample", "write_sample"]
