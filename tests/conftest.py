"""Shared test settings.

Hypothesis deadlines are timing tests in disguise: on a shared or loaded CI machine a first call
that pays for imports or a PROJ database lookup can exceed 200 ms and fail an otherwise correct
property. Speed is checked by the benchmarks in benchmarks/, not here, so no property has a deadline.
"""

from hypothesis import settings

settings.register_profile("zy_geo", deadline=None)
settings.load_profile("zy_geo")
