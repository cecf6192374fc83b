"""The survey ledger (基础工作台账): read it as offices fill it in, check it, join it to the map.

:mod:`zy_geo.ledger.read` finds the header under title rows and merged cells, normalises values and
gathers every problem; :mod:`zy_geo.ledger.join` matches ledger rows to compound polygons (id, name in
street, point). Private helpers: ``_headers`` (header detection), ``_rows`` (one sheet's rows),
``_values`` (numbers, yes/no, codes, personal data), ``_names`` (name and id normalisation).
"""

from .join import JoinResult, join_ledger
from .read import LedgerResult, read_ledger, validate_ledger, write_clean

__all__ = ["JoinResult", "LedgerResult", "join_ledger", "read_ledger", "validate_ledger", "write_clean"]
