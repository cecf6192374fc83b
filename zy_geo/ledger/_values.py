"""Value parsers for survey ledgers: numbers as text, yes/no vocabularies, years, codes, names.

Each parser returns the value or raises :class:`ValueError` whose message says what is wrong
with the value (``"is not a number"``); the ledger reader adds where it was and how to fix it.
:class:`Vocabulary` maps the offices' spellings of streets, bodies, compound kinds and
management modes to the canonical keys of :mod:`zy_geo.schema`. Phone and ID numbers in free text
are found and masked by :mod:`zy_geo._pii`.

Examples
--------
>>> parse_number("１，２００户"), parse_number("12,345.6㎡"), parse_number("1.2万")
(1200.0, 12345.6, 12000.0)
>>> parse_bool("√"), parse_bool("否"), parse_bool("  ") is None
(True, False, True)
>>> parse_year("2003年"), parse_year("2003.0"), parse_year("90年代")
((2003, None), (2003, None), (1990, 'only the decade is given; read as 1990'))
>>> parse_code(512002001.0), parse_code("０１２")
('512002001', '012')
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

import pandas as pd

from ..schema import COMPOUND_KINDS, MODES

_UNITS = ("平方米", "平米", "m²", "m2", "㎡", "户", "栋", "幢", "套", "人", "个", "元", "间", "层")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_TRUE = {"有", "是", "√", "✓", "✔", "☑", "y", "yes", "true", "1", "已", "已完成", "已改造", "已建", "已成立", "已建立"}
_FALSE = {"无", "否", "×", "✗", "✘", "☐", "x", "n", "no", "false", "0", "未", "未完成", "未改造", "没有", "未建",
          "未成立", "未建立"}
_BLANK = {"", "-", "—", "–", "/", "／", "－", "--", "——"}
_KIND_WORDS = (("非封闭", "open"), ("不封闭", "open"),
               ("封闭", "enclosed"), ("开放", "open"), ("零星", "scattered"), ("散居", "scattered"),
               ("小规模", "small_area"))
_MODE_WORDS = (("专业", "professional"), ("物业公司", "professional"), ("物业企业", "professional"),
               ("服务中心", "community_center"), ("社区", "community_center"), ("自管", "self_managed"),
               ("自行", "self_managed"), ("自治", "self_managed"), ("无", "none"), ("未", "none"))
_OFFICE_SUFFIXES = ("街道办事处", "办事处", "人民政府", "政府", "街道办", "街办", "办")


def is_blank(value: Any) -> bool:
    """None, NaN, empty or whitespace-only, or a lone dash/slash (offices' 'nothing here')."""
    if value is None or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and norm_text(value) in _BLANK


def parse_share(value: Any) -> float:
    """A share 0–1 written as 0.75, '75%', '７５％' or 75 (a number above 1 is read as per cent).

    Examples
    --------
    >>> parse_share(0.75), parse_share("75%"), parse_share("７５％"), parse_share(80)
    (0.75, 0.75, 0.75, 0.8)
    """
    if isinstance(value, bool):
        raise ValueError("is a yes/no value, not a share")
    text = norm_text(value) if isinstance(value, str) else value
    per_cent = isinstance(text, str) and text.endswith("%")
    x = parse_number(text[:-1] if per_cent else text)
    if per_cent or x > 1:
        x /= 100
    if not 0 <= x <= 1:
        raise ValueError("is not a share between 0 and 1 (or 0–100 %)")
    return x


def norm_text(value: Any) -> str:
    """NFKC (full-width → half-width), stripped, inner whitespace removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def parse_number(value: Any) -> float:
    """A number written the way offices write it: '1,200', '１２０', '120户', '12,345.6㎡', '1.2万'.

    Thousands separators must group by three ('1,2,3' is refused: it may be a list).
    """
    if isinstance(value, bool):
        raise ValueError("is a yes/no value, not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("is not a number")
        return float(value)
    text = norm_text(value)
    for unit in _UNITS:
        if text.endswith(unit):
            text = text[: -len(unit)]
            break
    mult = 1.0
    if text.endswith("万"):
        text, mult = text[:-1], 10000.0
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        raise ValueError("is not a number")
    return float(text) * mult


def parse_int(value: Any) -> int:
    """A count ≥ 0 (households, buildings), written as any :func:`parse_number` accepts."""
    number = parse_number(value)
    if abs(number - round(number)) > 1e-9:
        raise ValueError("is not a whole number")
    if number < 0:
        raise ValueError("is negative")
    return round(number)


def parse_year(value: Any, *, latest: int = 2030, earliest: int = 1900) -> tuple[int, str | None]:
    """A built year; returns ``(year, note)``, the note explaining an approximation.

    '2003', '2003年', '2003.0' and 2003 read as 2003; '90年代' / '1990年代' read as 1990 with a
    note (the reader makes that a warning); an Excel date reads as its year, with a note.
    """
    if isinstance(value, dt.date | dt.datetime):
        return value.year, f"a date; its year {value.year} is used"
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else norm_text(value)
    m = re.fullmatch(r"(\d{2})年代|(\d{2})'?s", text)
    if m:
        decade = int(m.group(1) or m.group(2))
        if decade % 10 == 0:
            year = (1900 if decade >= 30 else 2000) + decade
            return year, f"only the decade is given; read as {year}"
    m = re.fullmatch(r"((?:19|20)\d0)年代", text)
    if m:
        return int(m.group(1)), f"only the decade is given; read as {m.group(1)}"
    try:
        number = parse_number(text.removesuffix("年"))
    except ValueError:
        raise ValueError("is not a year") from None
    year = int(number)
    if number != year or not earliest <= year <= latest:
        raise ValueError(f"is not a plausible built year ({earliest}–{latest})")
    return year, None


def parse_bool(value: Any) -> bool | None:
    """Yes/no as 有/无/是/否/√/×/✓/✗/Y/N/1/0; blank → None (unknown, not False)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return bool(value)
        raise ValueError("is not yes/no")
    text = norm_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not yes/no")


def parse_code(value: Any) -> str | None:
    """An identifier kept as text; a number Excel made of it (512002001.0) turns back into digits."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return norm_text(value)


class Vocabulary:
    """The offices' spellings of streets, bodies, kinds and modes → canonical keys.

    Parameters
    ----------
    jurisdictions : DataFrame
        Columns ``code, street, body`` (and optionally ``body_full``), as
        :func:`zy_geo.schema.load_jurisdictions` returns.

    Examples
    --------
    >>> from zy_geo.schema import load_jurisdictions
    >>> v = Vocabulary(load_jurisdictions())
    >>> v.street("莲花街道办事处"), v.street("莲花办事处"), v.street("松涛镇人民政府"), v.street("某某街道")
    ('莲花街道', '莲花街道', '松涛镇', None)
    >>> v.body("高新区管委会"), v.kind("开放"), v.mode("物业公司"), v.mode("自管")
    ('高新区', 'open', 'professional', 'self_managed')
    """

    def __init__(self, jurisdictions: pd.DataFrame):
        j = jurisdictions.astype({"code": "string", "street": "string", "body": "string"})
        self.codes: dict[str, str] = dict(zip(j["street"], j["code"], strict=True))
        self.bodies_of: dict[str, str] = dict(zip(j["street"], j["body"], strict=True))
        self._streets: dict[str, str] = {}
        for s in self.codes:
            stem = s.removesuffix("街道").removesuffix("镇").removesuffix("乡")
            for variant in (s, stem, stem + "街道", stem + "镇"):
                self._streets.setdefault(norm_text(variant), s)
        self._bodies = {norm_text(b): b for b in j["body"]}
        if "body_full" in j.columns:
            full = zip(j["body_full"], j["body"], strict=True)
            self._bodies |= {norm_text(f): b for f, b in full if isinstance(f, str)}

    @property
    def street_names(self) -> list[str]:
        """Known streets/towns, in table order."""
        return list(self.codes)

    def street(self, text: Any) -> str | None:
        """The canonical street/town, or None when not a known one."""
        t = norm_text(text)
        if t in self._streets:
            return self._streets[t]
        for suffix in _OFFICE_SUFFIXES:
            if t.endswith(suffix) and t[: -len(suffix)] in self._streets:
                return self._streets[t[: -len(suffix)]]
        return None

    def body(self, text: Any) -> str | None:
        """The canonical responsible body (雁江区/高新区/临空经济区), or None."""
        t = norm_text(text)
        if t in self._bodies:
            return self._bodies[t]
        for suffix in ("人民政府", "管理委员会", "管委会", "政府"):
            if t.endswith(suffix) and t[: -len(suffix)] in self._bodies:
                return self._bodies[t[: -len(suffix)]]
        return None

    @staticmethod
    def kind(text: Any) -> str | None:
        """Compound kind key (:data:`zy_geo.schema.COMPOUND_KINDS`), or None."""
        t = norm_text(text)
        found = next((k for k, label in COMPOUND_KINDS.items() if t in (k, label)), None)
        return found or next((k for w, k in _KIND_WORDS if w in t), None)

    @staticmethod
    def mode(text: Any) -> str | None:
        """Management-mode key (:data:`zy_geo.schema.MODES`), or None."""
        t = norm_text(text)
        found = next((k for k, label in MODES.items() if t in (k, label)), None)
        return found or next((k for w, k in _MODE_WORDS if w in t), None)
