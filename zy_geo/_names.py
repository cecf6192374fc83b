"""Normalising compound names and ids so that a ledger's spelling meets the map's.

Examples
--------
>>> norm_name(" 锦华小区（一期） "), norm_name("锦华 小区(一期)")
('锦华小区(一期)', '锦华小区(一期)')
>>> name_key("建设路12号院"), name_key("建设路１２号")
('建设路12号', '建设路12号')
>>> norm_id("512002001-12"), norm_id("５１２００２００１－００１２")
('512002001-0012', '512002001-0012')
"""

from __future__ import annotations

import re
import unicodedata

_SUFFIXES = ("小区", "院落", "院", "苑", "家园", "花园")


def norm_name(name: object) -> str:
    """Full-width → half-width, no whitespace, Chinese brackets → ASCII ones."""
    t = unicodedata.normalize("NFKC", str(name))
    return re.sub(r"\s+", "", t)


def name_key(name: object) -> str:
    """A looser key: :func:`norm_name`, then a trailing 小区/院/号院 … dropped (号院 → 号)."""
    t = norm_name(name)
    if t.endswith("号院"):
        return t[:-1]
    for suffix in _SUFFIXES:
        if t.endswith(suffix) and len(t) > len(suffix) + 1:
            return t[: -len(suffix)]
    return t


def norm_id(value: object) -> str:
    """Compound id: half-width, no spaces, ``<street code>-<serial>`` with the serial zero-padded to 4."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).replace("—", "-").replace("－", "-")
    m = re.fullmatch(r"(\d{9})-?(\d{1,4})", t)
    if m and "-" in t:
        return f"{m.group(1)}-{int(m.group(2)):04d}"
    return t
