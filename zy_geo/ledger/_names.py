"""Normalising compound names and ids so that a ledger's spelling meets the map's.

Three levels, from strict to loose; the join tries them in this order and uses a looser one
only when it is unambiguous within the street:

* :func:`norm_id` — compound ids ``<9-digit street code>-<serial>``: full-width → half-width,
  spaces and dash variants removed, the serial zero-padded to 4 digits, so ``512002001-12``,
  ``512002001－0012`` and ``５１２００２００１-０１２`` are the same compound. A serial needs
  the dash: ``51200200112`` is left as it is (it could be ``…001-12`` or ``…0011-2``).
* :func:`norm_name` — NFKC (full-width letters, digits and brackets → half-width), every
  bracket form (【】〔〕［］（）) → ``()``, whitespace and middle dots removed, letters lower-cased.
* :func:`name_key` — :func:`norm_name`, then ``号院`` → ``号`` and one trailing generic suffix
  (小区, 院落, 院, 苑, 家属院, 家属区, 宿舍, 宿舍区) dropped. ``锦华小区`` and ``锦华苑`` share the
  key ``锦华``: that is why the join only uses the key when it names one polygon in the street.

Examples
--------
>>> norm_name(" 锦华小区（一期） "), norm_name("锦华 小区【一期】")
('锦华小区(一期)', '锦华小区(一期)')
>>> name_key("建设路12号院"), name_key("建设路１２号")
('建设路12号', '建设路12号')
>>> norm_id("512002001-12"), norm_id("５１２００２００１－００１２"), norm_id(" 512002001 — 12 ")
('512002001-0012', '512002001-0012', '512002001-0012')
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

#: Generic endings a ledger may add or drop (longest first, so 家属院 wins over 院).
NAME_SUFFIXES: tuple[str, ...] = ("家属院", "家属区", "宿舍区", "小区", "院落", "宿舍", "院", "苑")

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")",
                           "{": "(", "}": ")", "<": "(", ">": ")", "《": "(", "》": ")"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u30fc\uff0d_]")
_DROP = re.compile(r"[\s·•・]+")
_ID = re.compile(r"(\d{9})-(\d{1,4})")


def _blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def norm_name(name: object) -> str:
    """Normalise a compound name for exact comparison.

    Parameters
    ----------
    name : object
        The name as written; ``None``/NA gives ``""``.

    Returns
    -------
    str
        Half-width, no whitespace or middle dots, ``()`` brackets, lower-case Latin letters.

    Examples
    --------
    >>> norm_name("ＡＢＣ 花园 · 二期（东区）")
    'abc花园二期(东区)'
    """
    if _blank(name):
        return ""
    t = str(name)
    for _ in range(5):  # lower-casing or dropping spaces can un-normalise: repeat to a fixed point
        previous = t
        t = _DROP.sub("", unicodedata.normalize("NFKC", t).translate(_BRACKETS)).lower()
        if t == previous:
            break
    return t


def name_key(name: object) -> str:
    """Looser key: :func:`norm_name`, ``号院`` → ``号``, one generic suffix dropped.

    The suffix is kept when dropping it would leave a single character (``东苑`` stays
    ``东苑``), since one character names nothing.

    Parameters
    ----------
    name : object
        The name as written.

    Returns
    -------
    str

    Examples
    --------
    >>> name_key("锦华小区"), name_key("锦华苑"), name_key("东苑"), name_key("农机厂家属院")
    ('锦华', '锦华', '东苑', '农机厂')
    """
    t = norm_name(name)
    if t.endswith("号院"):
        return t[:-1]
    for suffix in NAME_SUFFIXES:
        if t.endswith(suffix) and len(t) - len(suffix) >= 2:
            return t[: -len(suffix)]
    return t


def norm_id(value: object) -> str:
    """Normalise a compound id; ``""`` for a blank one.

    Parameters
    ----------
    value : object
        The id as written (text or number).

    Returns
    -------
    str
        ``<street code>-<4-digit serial>`` when the id has that shape, else the half-width
        text without spaces (compared as it is).

    Examples
    --------
    >>> norm_id("512002003-7"), norm_id("XQ 007"), norm_id(None)
    ('512002003-0007', 'XQ007', '')
    """
    if _blank(value):
        return ""
    t = _DROP.sub("", unicodedata.normalize("NFKC", str(value)))
    t = _DASHES.sub("-", t)
    m = _ID.fullmatch(t)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):04d}"
    return t
